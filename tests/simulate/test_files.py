"""Writing parks: the contract's files, byte-identical for a seed, never half-written; the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.errors import ValidationFailed
from chanrong.simulate import ParkConfig, iter_telemetry, read_park, simulate_park, write_park
from chanrong.simulate import tables as schemas

SMALL = ParkConfig(enterprises=4, months=2, interval_minutes=240, seed=9)
runner = CliRunner()


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    write_park(SMALL, tmp_path / "a")
    write_park(SMALL, tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    write_park(SMALL.with_changes(seed=10), tmp_path / "c")
    c = _files(tmp_path / "c")
    assert c["truth/enterprises.parquet"] != a["truth/enterprises.parquet"]


def test_written_park_follows_the_contract(tmp_path: Path) -> None:
    summary = write_park(SMALL, tmp_path / "park")
    out = tmp_path / "park"
    expected = {
        "enterprises.parquet": schemas.ENTERPRISES,
        "devices.parquet": schemas.DEVICES,
        "orders.parquet": schemas.ORDERS,
        "invoices.parquet": schemas.INVOICES,
        "payments.parquet": schemas.PAYMENTS,
        "energy.parquet": schemas.ENERGY,
        "cloud_usage.parquet": schemas.CLOUD_USAGE,
        "maintenance.parquet": schemas.MAINTENANCE,
        "truth/enterprises.parquet": schemas.TRUTH_ENTERPRISES,
        "truth/health_monthly.parquet": schemas.TRUTH_HEALTH,
        "truth/faults.parquet": schemas.FAULTS,
    }
    for name, schema in expected.items():
        assert pq.read_schema(out / name).remove_metadata().equals(schema), name
    parts = sorted(
        p.relative_to(out / "telemetry").as_posix() for p in (out / "telemetry").rglob("*.parquet")
    )
    assert len(parts) == summary.telemetry_files == 8
    assert parts[0].startswith("uscc=") and "/month=2024-01/" in parts[0]
    one = pq.read_table(out / "telemetry" / parts[0])
    assert one.schema.remove_metadata().equals(schemas.TELEMETRY)
    dataset = ds.dataset(out / "telemetry", format="parquet", partitioning="hive")
    assert dataset.count_rows() == summary.telemetry_points
    manifest = json.loads((out / "park.json").read_text())
    assert (
        manifest["config"]["seed"] == 9 and manifest["telemetry_points"] == summary.telemetry_points
    )
    # What was written is what simulate_park builds in memory.
    back = read_park(out)
    mem = simulate_park(SMALL)
    assert back.payments.equals(mem.payments)
    assert back.faults.equals(mem.faults)
    assert back.telemetry.num_rows == mem.telemetry.num_rows


def test_refuses_a_non_empty_directory_and_keeps_it(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(ValidationFailed) as err:
        write_park(SMALL, out)
    assert err.value.field == "out"
    with pytest.raises(ValidationFailed, match="not a simulated park"):
        write_park(SMALL, out, overwrite=True)
    assert (out / "notes.txt").read_text() == "keep me"


def test_overwrite_replaces_a_previous_park(tmp_path: Path) -> None:
    out = tmp_path / "park"
    write_park(SMALL, out)
    write_park(SMALL.with_changes(enterprises=3), out, overwrite=True)
    assert pq.read_table(out / "enterprises.parquet").num_rows == 3
    assert not (tmp_path / ".park.partial").exists()


def test_a_failed_run_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "park"

    def boom(done: int, total: int, points: int) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_park(SMALL, out, progress=boom)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_in_memory_refuses_a_huge_park() -> None:
    with pytest.raises(ValidationFailed, match="write the park") as err:
        simulate_park(ParkConfig(enterprises=1000, months=12))
    assert err.value.field == "enterprises"


def test_cli_writes_a_park_with_progress(tmp_path: Path) -> None:
    out = tmp_path / "cli-park"
    result = runner.invoke(
        app,
        [
            "simulate",
            "--enterprises",
            "3",
            "--months",
            "1",
            "--interval",
            "360",
            "--seed",
            "4",
            "--fault",
            "gap=0.01",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "wrote 3 enterprises" in result.output
    manifest = json.loads((out / "park.json").read_text())
    assert manifest["config"]["fault_rates"]["gap"] == 0.01
    assert manifest["config"]["interval_minutes"] == 360
    assert "injected faults" in result.output and "gap" in result.output
    recorded = pq.read_table(out / "truth" / "faults.parquet").to_pandas()
    gap_points = int(recorded[recorded.kind == "gap"].points.sum())
    assert manifest["fault_points"]["gap"] == gap_points > 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--interval", "7"], "interval"),
        (["--enterprises", "0"], "enterprises"),
        (["--start", "2024-13-01"], "start"),
        (["--start", "2024-02-03"], "first day of a month"),
        (["--fault", "meteor=0.1"], "KIND=RATE"),
        (["--fault", "gap=lots"], "not a number"),
        (["--fault", "gap=0.9"], "fault_rate.gap"),
        (["--preset", "huge"], "preset"),
    ],
)
def test_cli_errors_are_plain_and_name_the_setting(
    tmp_path: Path, args: list[str], words: str
) -> None:
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_cli_needs_out_or_stream() -> None:
    result = runner.invoke(app, ["simulate", "--preset", "tiny"])
    assert result.exit_code == 2
    assert "--out" in result.output


def test_in_memory_hands_each_chunk_to_on_telemetry_as_it_is_generated() -> None:
    seen: list[tuple[str, str, int]] = []
    park = simulate_park(
        SMALL,
        keep_telemetry=False,
        on_telemetry=lambda c: seen.append((c.uscc, c.month, c.batch.num_rows)),
    )
    # Firm by firm, months in order: the same chunks iter_telemetry gives.
    expected = [(c.uscc, c.month, c.batch.num_rows) for c in iter_telemetry(SMALL)]
    assert seen == expected
    assert len(seen) == SMALL.enterprises * SMALL.months
    assert park.telemetry.num_rows == 0
    kept = simulate_park(SMALL, on_telemetry=lambda c: None)
    assert kept.telemetry.num_rows == sum(n for _, _, n in seen)


def test_one_firms_telemetry_is_the_parks_chunks_of_that_firm() -> None:
    whole = list(iter_telemetry(SMALL))
    firm = whole[-1].uscc  # the last firm: every other one comes before it in the park
    mine = list(iter_telemetry(SMALL, uscc=firm))
    expected = [c for c in whole if c.uscc == firm]
    assert len(mine) == len(expected) == SMALL.months
    for got, want in zip(mine, expected, strict=True):
        assert (got.uscc, got.month) == (want.uscc, want.month)
        assert got.batch.equals(want.batch)
    assert list(iter_telemetry(SMALL, uscc="no such firm")) == []
