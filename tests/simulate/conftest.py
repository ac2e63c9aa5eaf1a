"""Small parks shared by the simulator tests (generated once per session: they are pure)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from chanrong.simulate import FaultRates, Park, ParkConfig, iter_telemetry, simulate_park

TINY = ParkConfig(enterprises=12, months=3, interval_minutes=120, seed=5)
HIGH_FAULTS = FaultRates(
    gap=0.01,
    duplicate=0.01,
    out_of_range=0.005,
    unit_mixup=0.01,
    clock_skew=0.01,
    late_arrival=0.01,
)
PRODUCTION = ("cnc", "injection_moulder", "sewing_machine", "press")


@pytest.fixture(scope="session")
def clean_park() -> Park:
    """Twelve firms, January to March 2024 (Spring Festival on 10 February), no faults."""
    return simulate_park(TINY.with_changes(faults=FaultRates.none()))


@pytest.fixture(scope="session")
def faulty_park() -> Park:
    """The same park with every fault kind at about 1 %."""
    return simulate_park(TINY.with_changes(faults=HIGH_FAULTS))


@dataclass(frozen=True)
class RiskPark:
    """A park big enough for default statistics, with monthly working-hour utilisation."""

    park: Park
    # (uscc, month 'YYYY-MM') -> share of production machines running at local noon on weekdays
    noon_running: dict[tuple[str, str], float]


@pytest.fixture(scope="session")
def risk_park() -> RiskPark:
    cfg = ParkConfig(
        enterprises=80,
        months=12,
        interval_minutes=720,
        seed=11,
        deteriorating_share=0.3,
        faults=FaultRates.none(),
    )
    park = simulate_park(cfg, keep_telemetry=False)
    devices = park.devices
    prod = pc.filter(devices["device_id"], pc.is_in(devices["kind"], pa.array(PRODUCTION)))
    running: dict[tuple[str, str], float] = {}
    for chunk in iter_telemetry(cfg):
        b = chunk.batch
        # 04:00 UTC is noon in Shanghai: inside every shift pattern on a working weekday.
        mask = pc.and_(
            pc.and_(pc.equal(b["metric"], "run_state"), pc.is_in(b["device_id"], prod)),
            pc.and_(pc.equal(pc.hour(b["ts"]), 4), pc.less(pc.day_of_week(b["ts"]), 5)),
        )
        values = pc.filter(b["value"], mask)
        running[(chunk.uscc, chunk.month)] = pc.mean(
            pc.equal(values, 2.0).cast(pa.float64())
        ).as_py()
    return RiskPark(park, running)
