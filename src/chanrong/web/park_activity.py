"""Park-wide activity for the operator: who sent data lately, how much, and its quality.

Read as aggregates through the telemetry service (the governance check admits the operator to
aggregates only, and logs each read) and from the catalog's per-dataset quality scores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal
from chanrong.telemetry import service as telemetry

WINDOW_DAYS = 7


@dataclass
class ParkActivity:
    days: list[date]
    points_per_day: list[int]
    online: set[str] = field(default_factory=set)  # enterprises with data today or yesterday
    last_day: dict[str, date] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)  # per enterprise, in the window


def activity(
    session: Session, principal: Principal, settings: Settings, org_ids: Sequence[str]
) -> ParkActivity:
    """Points received per day over the last week, and which enterprises are online."""
    today = utcnow().date()
    days = [today - timedelta(days=n) for n in range(WINDOW_DAYS - 1, -1, -1)]
    store = telemetry.open_store(settings)
    per_day: dict[date, int] = defaultdict(int)
    out = ParkActivity(days=days, points_per_day=[])
    for org_id in org_ids:
        table = telemetry.daily_metrics(
            session, principal, store, org_id=org_id, start=days[0], end=today + timedelta(days=1)
        )
        total = 0
        for row in table.select(["day", "n"]).to_pylist():
            per_day[row["day"]] += int(row["n"])
            total += int(row["n"])
            out.last_day[org_id] = max(out.last_day.get(org_id, row["day"]), row["day"])
        out.points[org_id] = total
        if out.last_day.get(org_id, date.min) >= today - timedelta(days=1):
            out.online.add(org_id)
    out.points_per_day = [per_day.get(d, 0) for d in days]
    return out


def catalog_quality(session: Session, principal: Principal) -> dict[str, Decimal]:
    """Mean catalog quality score per enterprise (datasets without a score are left out)."""
    scores: dict[str, list[Decimal]] = defaultdict(list)
    for entry in governance.list_catalog(session, principal):
        if entry.quality_score is not None:
            scores[entry.owner_org_id].append(Decimal(entry.quality_score))
    return {
        org: (sum(vals, Decimal(0)) / len(vals)).quantize(Decimal("0.1"))
        for org, vals in scores.items()
    }
