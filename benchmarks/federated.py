"""Joint modelling costs: federated vs central logistic regression, PSI, Paillier vs CKKS.

    nice -n 10 .venv/bin/python benchmarks/federated.py --rows 10000 100000 --iterations 3
    nice -n 10 .venv/bin/python benchmarks/federated.py --rows 10000 --epochs 1 --key-bits 1024

For each row count it trains the same model twice in the same run — centrally on the joined
columns and federated (``protocol.LocalRun``: both parties in one process, every message
serialised as the JSON the HTTP routes carry) — with the same batches, and prints time per
round, total time, bytes exchanged and the federated/central ratio. Then the PSI time for the
same numbers of ids (half of them in common), and a micro-benchmark of encrypting 1,000
values and summing them under phe (Paillier) and TenSEAL (CKKS).

Data are synthetic (a logistic model over 4 bank and 5 platform columns), so any row count
runs; times are CPU seconds of this process (``time.process_time``: the machine is shared,
so wall time mostly measures the neighbours; PSI, phe and TenSEAL run in this thread). A
round's cost depends on the batch, not on the rows, which only the platform's
standardisation and the PSI see. HTTP framing and the database are not included (see
``tests/federated/test_http.py`` and ``tests/e2e/test_federated_two_processes.py``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping, Sequence

import numpy as np

from chanrong.federated.protocol import (
    Standardiser,
    TrainingConfig,
    central_fit,
    encrypt_as_owner,
    local_run,
    sigmoid,
)
from chanrong.federated.psi import BankPsi, platform_answer
from chanrong.federated.secureboost import (
    BankBooster,
    BoostConfig,
    LocalBoost,
    PlatformBooster,
    bin_columns,
    central_boost,
)


def synthetic(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bank columns, platform columns and labels of ``n`` enterprises."""
    rng = np.random.default_rng(seed)
    xb = rng.normal(size=(n, 4))
    xp = rng.normal(size=(n, 5))
    u = xb @ np.array([0.8, -0.5, 0.3, 0.0]) + xp @ np.array([0.6, 0.4, -0.7, 0.2, 0.0]) - 1.5
    y = (rng.random(n) < 1 / (1 + np.exp(-u))).astype(float)
    return xb, xp, y


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by ranks (ties averaged), without a fitting library."""
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    ranks[order] = np.arange(1, len(score) + 1)
    for value in np.unique(score[np.r_[False, np.diff(score[order]) == 0]]):
        tied = score == value
        ranks[tied] = ranks[tied].mean()
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def epoch_config(n: int, base: TrainingConfig, epochs: float | None) -> TrainingConfig:
    """``base``, or as many rounds of its batch as ``epochs`` passes over ``n`` rows need."""
    if epochs is None:
        return base
    rounds = max(1, int(np.ceil(epochs * n / base.batch_size)))
    return TrainingConfig(
        iterations=rounds,
        batch_size=base.batch_size,
        learning_rate=base.learning_rate,
        l2=base.l2,
        seed=base.seed,
    )


def train_row(n: int, config: TrainingConfig, key_bits: int) -> dict[str, float]:
    """Central and federated training of the same model on ``n`` rows, and both models' AUC
    on the rows (the same model: they differ only by fixed-point rounding)."""
    xb_raw, xp_raw, y = synthetic(n)
    t0 = time.process_time()
    xb = Standardiser.fit(xb_raw).apply(xb_raw)
    xp = Standardiser.fit(xp_raw).apply(xp_raw)
    joined = np.hstack([xb, xp])
    w, b = central_fit(joined, y, config)
    central = time.process_time() - t0
    t0 = time.process_time()
    run = local_run(
        Standardiser.fit(xb_raw).apply(xb_raw),
        y,
        Standardiser.fit(xp_raw).apply(xp_raw),
        config,
        key_bits=key_bits,
    )
    keygen = time.process_time() - t0
    t1 = time.process_time()
    run.train()
    federated = time.process_time() - t1
    central_auc = auc(y, sigmoid(joined @ w + b))
    federated_auc = auc(y, run.bank.score(xb, run.platform.partial(xp)))
    return {
        "rows": n,
        "rounds": config.iterations,
        "central_s": central,
        "central_round_ms": 1000 * central / config.iterations,
        "keygen_s": keygen,
        "federated_s": federated + keygen,
        "federated_round_ms": 1000 * federated / config.iterations,
        "bytes": run.wire_bytes(),
        "bytes_per_round": run.wire_bytes() / config.iterations,
        "ratio": (federated + keygen) / central if central else float("inf"),
        "central_auc": central_auc,
        "federated_auc": federated_auc,
    }


def boost_row(n: int, config: BoostConfig, key_bits: int) -> dict[str, float]:
    """Central and federated (SecureBoost-style) trees on ``n`` rows, the same bins."""
    xb_raw, xp_raw, y = synthetic(n)
    bank_bins, _ = bin_columns(xb_raw, config.bins)
    platform_bins, _ = bin_columns(xp_raw, config.bins)
    t0 = time.process_time()
    central_boost(np.hstack([bank_bins, platform_bins]), y, config)
    central = time.process_time() - t0
    t0 = time.process_time()
    run = LocalBoost(
        BankBooster(bank_bins, y, config, key_bits=key_bits), PlatformBooster(platform_bins)
    )
    run.train()
    federated = time.process_time() - t0
    return {
        "rows": n,
        "trees": config.trees,
        "central_s": central,
        "federated_s": federated,
        "federated_s_per_tree": federated / config.trees,
        "bytes": run.wire_bytes(),
        "ratio": federated / central if central else float("inf"),
    }


def psi_row(n: int) -> dict[str, float]:
    """PSI between a bank and a platform of ``n`` ids each, half in common."""
    bank_ids = [f"B{i:09d}" for i in range(n)]
    platform_ids = [f"B{i:09d}" for i in range(n // 2, n + n // 2)]
    t0 = time.process_time()
    bank = BankPsi(bank_ids)
    request = bank.request()
    answer = platform_answer(request, platform_ids)
    common = bank.intersection(answer)
    seconds = time.process_time() - t0
    assert len(common) == n - n // 2, len(common)
    return {
        "ids": n,
        "seconds": seconds,
        "bytes": len(request) + len(answer.setup) + len(answer.response),
    }


def he_micro(key_bits: int, values: int = 1000) -> list[dict[str, object]]:
    """Encrypt ``values`` numbers and sum them: phe (one ciphertext each) vs CKKS (packed)."""
    from phe import paillier

    rng = np.random.default_rng(3)
    data = rng.normal(size=values)
    out: list[dict[str, object]] = []
    pk, sk = paillier.generate_paillier_keypair(n_length=key_bits)
    fixed = [int(v) for v in np.rint(data * 65536)]
    t0 = time.process_time()
    cts = [pk.encrypt(v) for v in fixed]
    enc = time.process_time() - t0
    t0 = time.process_time()
    total = cts[0]
    for c in cts[1:]:
        total = total + c
    summed = time.process_time() - t0
    err = abs(sk.decrypt(total) / 65536 - data.sum())
    size = sum(len(format(c.ciphertext(be_secure=False), "x")) // 2 for c in cts)
    out.append({"scheme": f"phe Paillier {key_bits}-bit", "encrypt_ms": 1000 * enc,
                "sum_ms": 1000 * summed, "bytes": size, "abs_error": err})  # fmt: skip
    t0 = time.process_time()
    owned = encrypt_as_owner(sk, fixed)
    enc = time.process_time() - t0
    total_int = 1
    t0 = time.process_time()
    for c in owned:
        total_int = total_int * int(c, 16) % pk.nsquare
    summed = time.process_time() - t0
    err = abs(sk.decrypt(paillier.EncryptedNumber(pk, total_int, 0)) / 65536 - data.sum())
    out.append({"scheme": f"Paillier {key_bits}-bit, the owner's CRT encryption",
                "encrypt_ms": 1000 * enc, "sum_ms": 1000 * summed,
                "bytes": sum(len(c) // 2 for c in owned), "abs_error": err})  # fmt: skip
    try:
        import tenseal as ts
    except ImportError:  # a dev dependency: the benchmark says so rather than failing
        out.append({"scheme": "TenSEAL CKKS", "encrypt_ms": "not installed"})
        return out
    ctx = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192,
                     coeff_mod_bit_sizes=[60, 40, 40, 60])  # fmt: skip
    ctx.global_scale = 2**40
    ctx.generate_galois_keys()
    t0 = time.process_time()
    vec = ts.ckks_vector(ctx, data.tolist())
    enc = time.process_time() - t0
    t0 = time.process_time()
    s = vec.sum()
    summed = time.process_time() - t0
    err = abs(s.decrypt()[0] - data.sum())
    out.append(
        {
            "scheme": "TenSEAL CKKS N=8192 (packed)",
            "encrypt_ms": 1000 * enc,
            "sum_ms": 1000 * summed,
            "bytes": len(vec.serialize()),
            "abs_error": err,
        }
    )
    return out


def _table(rows: Sequence[Mapping[str, object]]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        cells = [f"{v:,.3f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int)
                 else str(v) for v in r.values()]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Parse the sizes, run, print the tables (and JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--boost-rows", type=int, nargs="*", default=[])
    ap.add_argument("--trees", type=int, default=1)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--no-micro", action="store_true")
    ap.add_argument("--psi-ids", type=int, nargs="*", default=None)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument(
        "--epochs",
        type=float,
        default=None,
        help="instead of --iterations: rounds for this many passes over each row count",
    )
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--key-bits", type=int, default=2048)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    config = TrainingConfig(iterations=a.iterations, batch_size=a.batch_size)
    training = [train_row(n, epoch_config(n, config, a.epochs), a.key_bits) for n in a.rows]
    boost = BoostConfig(trees=a.trees, depth=a.depth, bins=16)
    trees = [boost_row(n, boost, a.key_bits) for n in a.boost_rows]
    psi = [psi_row(n) for n in (a.psi_ids if a.psi_ids is not None else a.rows)]
    micro = [] if a.no_micro else he_micro(a.key_bits)
    if training:
        rounds = f"{a.epochs} epoch(s)" if a.epochs is not None else f"{a.iterations} rounds"
        print(f"training: {rounds} of {a.batch_size} rows, Paillier {a.key_bits}-bit")
        print(_table(training))
    if trees:
        print(f"\ntrees: {a.trees} of depth {a.depth}, 16 bins, Paillier {a.key_bits}-bit")
        print(_table(trees))
    if psi:
        print("\nPSI (openmined.psi, ECDH + GCS, half the ids in common)")
        print(_table(psi))
    if micro:
        print("\nencrypt 1,000 values and sum them")
        print(_table(micro))
    if a.json:
        out = {"training": training, "trees": trees, "psi": psi, "micro": micro}
        print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
