"""Reading the evidence for order financing's capacity check: the seller's own output counters
(telemetry's daily aggregates of ``output_count``, read as the enterprise itself, so the read is
checked and logged like any other) and the units its already-pledged orders need by then."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.assets.capacity import Capacity, capacity
from chanrong.assets.orm import Pool
from chanrong.assets.repository import AssetsRepository
from chanrong.identity.domain import Principal
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

WINDOW_DAYS = 30
OUTPUT_METRIC = "output_count"


def daily_output(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    org_id: str,
    start: date,
    end: date,
) -> dict[date, Decimal]:
    """Units counted per day in [start, end) over all the enterprise's devices (days with no
    reading are absent)."""
    table = telemetry.daily_metrics(
        session, principal, store, org_id=org_id, start=start, end=end, metrics=[OUTPUT_METRIC]
    )
    out: dict[date, Decimal] = {}
    for row in table.select(["day", "increase"]).to_pylist():
        day = row["day"]
        out[day] = out.get(day, Decimal(0)) + Decimal(str(row["increase"] or 0))
    return out


def committed_units(session: Session, org_id: str, delivery: date) -> Decimal:
    """Units of the enterprise's orders pledged in any pool, still active, due by ``delivery``."""
    repo = AssetsRepository(session)
    total = Decimal(0)
    for pool in repo.pools_for(org_id):
        if pool.org_id != org_id:
            continue
        for p in repo.pledges(pool.id):
            if (
                p.asset_type == "order"
                and p.quantity is not None
                and p.delivery_date is not None
                and p.delivery_date <= delivery
            ):
                total += Decimal(p.quantity)
    return total


def check_order(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    pool: Pool,
    *,
    on: date,
    delivery: date,
    ordered: Decimal,
) -> Capacity:
    """The capacity check of an order the enterprise pledges ``on`` for ``delivery``."""
    start = on - timedelta(days=WINDOW_DAYS)
    return capacity(
        daily_output(session, principal, store, pool.org_id, start, on),
        window_start=start,
        window_end=on,
        on=on,
        delivery=delivery,
        ordered=ordered,
        committed=committed_units(session, pool.org_id, delivery),
    )
