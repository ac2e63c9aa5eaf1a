"""Residual value from the device's own condition: running hours, faults and load history
from its telemetry, not a number the caller supplies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.leasing import service as leasing
from chanrong.leasing.billing import Reading
from chanrong.leasing.condition import assess
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.leasing.builders import running_lease
from tests.leasing.test_leasing_flow import _setup
from tests.telemetry.builders import points

D = Decimal
T0 = datetime(2026, 9, 1, tzinfo=UTC)


def _hourly(values: list[float]) -> list[Reading]:
    return [Reading(T0 + timedelta(hours=i), D(repr(v))) for i, v in enumerate(values)]


def test_a_clean_device_is_in_full_condition() -> None:
    c = assess(
        runtime=_hourly([float(h) for h in range(101)]),
        run_state=_hourly([2.0] * 101),
        power=_hourly([5.0] * 50 + [10.0] * 1 + [5.0] * 50),
    )
    assert c.running_hours == D("100.00") and c.faults == 0 and c.fault_hours == D("0.00")
    assert c.high_load_share == D("0.0099")  # one sample in 101 near the peak
    assert c.score == D(1) - c.load_penalty and c.unknown == []


def test_faults_and_heavy_load_lower_the_condition() -> None:
    # 100 hours running, two faults of an hour each, the whole time at full load.
    states = [2.0] * 40 + [3.0] + [2.0] * 30 + [3.0] + [2.0] * 31
    c = assess(
        runtime=_hourly([float(h) for h in range(101)]),
        run_state=_hourly(states),
        power=_hourly([10.0] * 103),
    )
    assert c.faults == 2 and c.fault_hours == D("2.00")
    # 2 faults per 100 h = 20 per 1,000 h → 0.40 (the cap); 2 h of 102 in fault → 0.0196;
    # every sample at peak → 0.25, capped at 0.20.
    assert c.fault_penalty == D("0.4000")
    assert c.fault_time_penalty == D("0.0196")
    assert c.load_penalty == D("0.2000")
    assert c.score == D("0.3804")


def test_what_a_device_never_reported_is_unknown_and_costs_nothing() -> None:
    c = assess(runtime=[], run_state=[], power=[])
    assert c.score == D(1)
    assert c.unknown == ["running_hours", "faults", "high_load_share"]
    # Without a runtime counter, running hours come from the run states (gaps not counted).
    states = [Reading(T0 + timedelta(hours=h), D(2)) for h in (0, 1, 2, 10, 11)]
    c = assess(runtime=[], run_state=states, power=[])
    assert c.running_hours == D("3.00")


def test_the_contract_residual_value_follows_the_devices_telemetry(
    db: Database, settings: Settings, park: Park
) -> None:
    lessee_org, _ = _setup(db, settings, park)
    sept = datetime(2026, 9, 1, tzinfo=UTC)
    hours = [sept + timedelta(hours=h) for h in range(30 * 24)]
    # Fault every 100 hours for an hour; otherwise running, at 60 % of peak most of the time.
    states = [3.0 if h % 100 == 50 else 2.0 for h in range(len(hours))]
    power = [10.0 if h % 10 == 0 else 6.0 for h in range(len(hours))]
    runtime = [float(sum(1 for s in states[:h] if s == 2.0)) for h in range(len(hours))]
    with db.unit_of_work() as s:
        telemetry.ingest_points(
            s,
            telemetry.open_store(settings),
            org_id=lessee_org,
            batches=[
                points("sew-01", "run_state", states, stamps=hours),
                points("sew-01", "power_kw", power, stamps=hours),
                points("sew-01", "runtime_h", runtime, stamps=hours),
            ],
            source="http",
        )
        lessor = identity.authenticate_api_key(s, park["lessor"]["officer"].key)
        c = running_lease(
            s,
            lessor,
            identity.authenticate_api_key(s, park["enterprise"]["admin"].key),
            device_id="sew-01",
            start=date(2026, 9, 1),
            end=date(2027, 8, 31),
        )
        r = leasing.residual_value(s, lessor, telemetry.open_store(settings), c.id)
    cond = r.condition
    assert cond.faults == 7 and cond.fault_hours == D("7.00")
    assert cond.running_hours == runtime[-1] and cond.unknown == []
    assert cond.high_load_share == D("0.1000")
    assert D(0) < cond.score < D(1)
    remaining = 1 - r.used_units / D(500_000_000)
    assert r.residual_fen == int((D(4_800_000) * remaining * cond.score).quantize(D(1)))
