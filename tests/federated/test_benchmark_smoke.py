"""benchmarks/federated.py runs end to end on a tiny setting: one epoch of federated and
central training side by side (their AUC printed together), PSI, and the encryption table."""

from __future__ import annotations

import json

from tests.benchmark_run import run_benchmark


def test_federated_benchmark_one_epoch_prints_both_trainings_and_psi() -> None:
    out = run_benchmark(
        "federated.py",
        *("--rows", "600", "--epochs", "1", "--batch-size", "64", "--key-bits", "512"),
        *("--psi-ids", "200", "--json"),
    )
    assert "training: 1.0 epoch(s) of 64 rows, Paillier 512-bit" in out
    result = json.loads(out.strip().splitlines()[-1])
    (row,) = result["training"]
    assert row["rounds"] == 10  # ⌈600 / 64⌉: one pass over the rows
    # The same model trained both ways: AUC equal up to fixed-point rounding.
    assert abs(row["federated_auc"] - row["central_auc"]) < 0.01 and row["central_auc"] > 0.6
    assert result["psi"][0]["ids"] == 200
    schemes = [m["scheme"] for m in result["micro"]]
    assert "Paillier 512-bit, the owner's CRT encryption" in schemes
