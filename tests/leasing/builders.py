"""Leasing builders: a lessor's asset, and a contract proposed and accepted at a given time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chanrong.identity.domain import Principal
from chanrong.leasing import service as leasing
from chanrong.leasing.orm import LeaseContract


def running_lease(
    s: Session,
    lessor: Principal,
    lessee: Principal,
    *,
    device_id: str,
    start: date,
    end: date,
    **terms: Any,
) -> LeaseContract:
    """Register the device as the lessor's asset, propose and accept a lease starting
    ``start``, both the day before it starts (so a past month can be billed in a test)."""
    at = datetime(start.year, start.month, start.day, 2, tzinfo=UTC) - timedelta(days=1)
    leasing.register_asset(
        s,
        lessor,
        lessee_org_id=lessee.org_id,
        device_id=device_id,
        relation="owns",
        reference=f"INV-{device_id}",
    )
    defaults: dict[str, Any] = {
        "unit": "stitches",
        "price_per_unit": "0.0002",
        "minimum_charge": "50.00",
        "cost": "48000.00",
        "design_life_units": 500_000_000,
    }
    c = leasing.create_contract(
        s,
        lessor,
        lessee_org_id=lessee.org_id,
        device_id=device_id,
        start_date=start,
        end_date=end,
        now=at,
        **{**defaults, **terms},
    )
    return leasing.accept_contract(s, lessee, c.id, now=at)
