"""Each quality rule catches the faults the simulator injects, at the rates it injects them,
and finds nothing in clean telemetry."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from chanrong.simulate.config import FaultRates, ParkConfig
from chanrong.simulate.service import Park, simulate_park
from chanrong.telemetry.domain import CATALOG, Rule, quality_score
from chanrong.telemetry.quality import check_day, check_days
from chanrong.telemetry.store import TelemetryStore

# Rule that should catch each injected fault kind.
CATCHES = {
    "gap": Rule.GAP,
    "duplicate": Rule.DUPLICATE,
    "out_of_range": Rule.OUT_OF_RANGE,
    "unit_mixup": Rule.UNIT_SUSPECT,
    "clock_skew": Rule.OFF_GRID,
    "late_arrival": Rule.LATE,
}


def _park(faults: FaultRates) -> Park:
    config = ParkConfig(
        enterprises=2,
        months=1,
        interval_minutes=30,
        seed=23,
        start=date(2024, 3, 1),
        faults=faults,
    ).validated()
    return simulate_park(config)


def _ingest_and_check(park: Park, root: Path, uscc: str) -> tuple[dict[Rule, int], int]:
    """Store one firm's month as delivered, score every day, return rule counts and points."""
    store = TelemetryStore(root)
    tel = park.telemetry
    mine = tel.filter(pc.equal(tel.column("uscc"), uscc)).select(
        ["device_id", "metric", "ts", "value"]
    )
    store.write(uscc, mine)
    counts: dict[Rule, int] = dict.fromkeys(Rule, 0)
    days = store.days(uscc)
    checked = check_days(store, uscc, days[0], days[-1] + timedelta(days=1), CATALOG)
    assert sorted(checked) == days
    # The one-pass range gives the same answer as a single day checked on its own.
    assert checked[days[9]].series == check_day(store, uscc, days[9], CATALOG).series
    for dq in checked.values():
        for findings in dq.by_dataset.values():
            for f in findings:
                counts[f.rule] += f.count
    return counts, len(mine)


def _truth(park: Park, uscc: str) -> dict[str, int]:
    faults = park.faults.filter(pc.equal(park.faults.column("uscc"), uscc))
    rows = faults.group_by("kind").aggregate([("points", "sum")]).to_pylist()
    truth = {r["kind"]: int(r["points_sum"]) for r in rows}
    # A zero reading is zero in any unit: a mix-up cannot (and need not) be seen there.
    con = duckdb.connect()
    con.register("faults", faults)
    con.register("tel", park.telemetry)
    zeros = con.sql(
        """SELECT count(*) FROM faults f JOIN tel t
           ON f.kind = 'unit_mixup' AND t.uscc = f.uscc AND t.device_id = f.device_id
              AND t.metric = f.metric AND t.ts BETWEEN f.start AND f."end" AND t.value = 0"""
    ).fetchall()[0][0]
    con.close()
    truth["unit_mixup"] = truth.get("unit_mixup", 0) - int(zeros)
    return truth


@pytest.fixture(scope="module")
def faulty_park() -> Park:
    # Twenty times the default rates, so that each kind hits thousands of readings.
    return _park(FaultRates().scaled(20))


def test_each_rule_catches_its_injected_fault_at_its_rate(
    faulty_park: Park, tmp_path: Path
) -> None:
    uscc = faulty_park.enterprises.column("uscc")[0].as_py()
    counts, points = _ingest_and_check(faulty_park, tmp_path, uscc)
    truth = _truth(faulty_park, uscc)
    for kind, rule in CATCHES.items():
        injected = truth[kind]
        assert injected > 300, f"too few {kind} faults to test"
        found = counts[rule]
        # Within 5 % of what was injected (a late reading in a day's last slot, say, is
        # indistinguishable from an on-time one).
        assert abs(found - injected) <= 0.05 * injected, (
            f"{rule}: found {found}, injected {injected}"
        )
        assert found / points == pytest.approx(injected / points, rel=0.05)
    assert counts[Rule.COUNTER_DECREASE] <= truth.get("counter_reset", 0) + 2


def test_clean_telemetry_scores_full_marks(tmp_path: Path) -> None:
    park = _park(FaultRates.none())
    uscc = park.enterprises.column("uscc")[0].as_py()
    store = TelemetryStore(tmp_path)
    tel = park.telemetry
    store.write(
        uscc,
        tel.filter(pc.equal(tel.column("uscc"), uscc)).select(
            ["device_id", "metric", "ts", "value"]
        ),
    )
    for day in store.days(uscc)[:10]:
        dq = check_day(store, uscc, day, CATALOG)
        findings = dq.enterprise()
        noisy = {
            f.rule: f.count for f in findings if f.count and f.rule is not Rule.ENERGY_VS_OUTPUT
        }
        assert noisy == {}, f"{day}: {noisy}"
        assert quality_score([f for f in findings if f.rule is not Rule.ENERGY_VS_OUTPUT]) == 100.0
    assert isinstance(tel, pa.Table)


def test_quality_checks_see_days_folded_into_a_month(tmp_path: Path) -> None:
    """A folded month is checked as before: the same findings by every rule that reads the
    points; duplicates and late arrivals were merged away by the fold, so none are found."""
    park = _park(FaultRates())
    uscc = park.enterprises.column("uscc")[0].as_py()
    store = TelemetryStore(tmp_path / "store")
    tel = park.telemetry
    store.write(
        uscc,
        tel.filter(pc.equal(tel.column("uscc"), uscc)).select(
            ["device_id", "metric", "ts", "value"]
        ),
    )
    days = store.days(uscc)
    start, end = days[0], days[-1] + timedelta(days=1)
    unfolded = check_days(store, uscc, start, end, CATALOG)
    store.compact_months(uscc, before=date(2024, 4, 1))
    assert store.days(uscc) == [d for d in days if d >= date(2024, 4, 1)]
    folded = check_days(store, uscc, start, end, CATALOG)
    assert sorted(folded) == sorted(unfolded) == days
    merged = {Rule.DUPLICATE.value, Rule.LATE.value, "raw_n"}
    dup_before = 0
    for day in days:
        if day >= date(2024, 4, 1):
            assert folded[day].series == unfolded[day].series
            continue
        for was, now in zip(unfolded[day].series, folded[day].series, strict=True):
            assert {k: v for k, v in now.items() if k not in merged} == {
                k: v for k, v in was.items() if k not in merged
            }
            assert now[Rule.DUPLICATE.value] == now[Rule.LATE.value] == 0
            dup_before += int(was[Rule.DUPLICATE.value])
    assert dup_before > 0
