"""Trend alerts: the monthly run of the borrowing-base trend rule (``assets.trend``) over the
stored revaluation history of every active pool, raising one alert per pool per breach to the
bank and the enterprise (a verifiable-log entry with its evidence), resolving it when the
pool's value recovers; and the parties' reads of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.assets.orm import Pool, TrendAlert
from chanrong.assets.repository import AssetsRepository
from chanrong.assets.trend import TrendReading, TrendRule, assess, ratio, seasonal_factor
from chanrong.core.clock import month_start
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal

PRIMARY = TrendRule()


def month_ends(first: date, last: date) -> list[date]:
    """Every month-end from ``first``'s month to ``last``'s, in order."""
    out, m = [], month_start(first)
    while m <= last:
        out.append(month_start(m, 1) - timedelta(days=1))
        m = month_start(m, 1)
    return out


def is_month_end(d: date) -> bool:
    return (d + timedelta(days=1)).day == 1


@dataclass(frozen=True, slots=True)
class TrendRun:
    """What one month-end's run found."""

    month_end: date
    pools: int  # active pools
    read: int  # pools with a ratio this month-end
    without_value: int  # active pools with no revaluation on the month-end
    factor: Decimal | None  # the seasonal factor (None: too few pools read)
    raised: list[TrendAlert] = field(default_factory=list)
    resolved: list[TrendAlert] = field(default_factory=list)
    readings: dict[str, TrendReading] = field(default_factory=dict)

    def summary(self) -> str:
        factor = "—" if self.factor is None else str(self.factor)
        return (
            f"{self.month_end.isoformat()}: {self.read}/{self.pools} pool(s) read, "
            f"seasonal factor {factor}, {len(self.raised)} trend alert(s) raised, "
            f"{len(self.resolved)} resolved, {self.without_value} without a month-end value"
        )


class MonthEndNotRevalued(RuntimeError):
    """The month-end's nightly revaluation has not reached every pool yet: run the rule later
    (a reading taken now would treat the pools still waiting as unknown)."""


def pools_awaiting_month_end(session: Session, *, month_end: date) -> int:
    """Active pools revalued before ``month_end`` that have no revaluation on it yet."""
    repo = AssetsRepository(session)
    ids = [p.id for p in repo.active_pools_between("", "")]
    first = repo.first_revaluation_day(ids)
    if first is None or first >= month_end:
        return 0
    earlier = [d for d in month_ends(first, month_end) if d < month_end]
    values = repo.lendable_at(ids, [*earlier, month_end])
    return sum(
        1
        for pid in ids
        if any(d in values.get(pid, {}) for d in earlier) and month_end not in values.get(pid, {})
    )


def check_trends(session: Session, *, month_end: date, rule: TrendRule = PRIMARY) -> TrendRun:
    """Run the trend rule for every active pool at ``month_end`` (trusted callers: the
    worker). Each pool's series is its lendable value at each month-end from its first
    month-end revaluation; a month-end without a revaluation is unknown. A breach with no
    open trend alert raises one (logged, to both parties); a reading back above the threshold
    resolves the open one. Running the same month-end again raises nothing new."""
    if not is_month_end(month_end):
        raise ValidationFailed("month_end: the last day of a month", field="month_end")
    repo = AssetsRepository(session)
    pools = list(repo.active_pools_between("", ""))
    ids = [p.id for p in pools]
    first = repo.first_revaluation_day(ids)
    ends = month_ends(first, month_end) if first is not None and first <= month_end else []
    values = repo.lendable_at(ids, ends)
    series: dict[str, list[int | None]] = {}
    for p in pools:
        mine = values.get(p.id, {})
        start = next((i for i, d in enumerate(ends) if d in mine), None)
        if start is not None:
            series[p.id] = [mine.get(d) for d in ends[start:]]
    ratios = {pid: ratio(s, len(s) - 1, rule) for pid, s in series.items()}
    factor = seasonal_factor(ratios.values(), rule) if rule.seasonal else None
    open_alerts = repo.open_trend_alerts(ids)
    run = TrendRun(
        month_end,
        len(pools),
        sum(r is not None for r in ratios.values()),
        sum(1 for p in pools if month_end not in values.get(p.id, {})),
        factor,
    )
    pending: list[tuple[tuple[str, str | None, str, dict[str, Any]], TrendAlert]] = []
    for p in pools:
        if p.id not in series:
            continue
        reading = assess(ratios[p.id], factor, rule)
        run.readings[p.id] = reading
        current = open_alerts.get(p.id)
        if reading.breached and current is None:
            pending.append(_raise(p, series[p.id], ends, reading, rule, month_end, len(ratios)))
        elif reading.adjusted is not None and not reading.breached and current is not None:
            current.status, current.resolved_on = "resolved", month_end
            run.resolved.append(current)
    refs = governance.append_many(session, [entry for entry, _ in pending])
    for ref, (_, alert) in zip(refs, pending, strict=True):
        alert.log_index = ref.index
        session.add(alert)
        run.raised.append(alert)
    session.flush()
    return run


def _raise(
    pool: Pool,
    values: Sequence[int | None],
    ends: Sequence[date],
    reading: TrendReading,
    rule: TrendRule,
    month_end: date,
    pools_read: int,
) -> tuple[tuple[str, str | None, str, dict[str, Any]], TrendAlert]:
    own = list(ends[len(ends) - len(values) :])  # this pool's month-ends
    t = len(values) - 1
    window = range(max(0, t - rule.smooth + 1), t + 1)
    ref_fen = sum(v or 0 for v in values[: rule.reference]) // rule.reference
    level_fen = sum(values[i] or 0 for i in window) // len(window)
    assert reading.ratio is not None and reading.adjusted is not None
    evidence: dict[str, Any] = {
        "rule": rule.describe(),
        "measure": "lendable value before the concentration limits",
        "month_ends": [{"as_of": own[i].isoformat(), "lendable_fen": values[i]} for i in window],
        "reference": [
            {"as_of": own[i].isoformat(), "lendable_fen": values[i]} for i in range(rule.reference)
        ],
        "reference_fen": ref_fen,
        "level_fen": level_fen,
        "ratio": str(reading.ratio),
        "seasonal_factor": None if reading.factor is None else str(reading.factor),
        "pools_in_factor": pools_read,
        "adjusted": str(reading.adjusted),
        "threshold": str(rule.threshold),
    }
    entry = (
        "assets.trend_alert",
        pool.bank_org_id,
        f"{pool.org_id}:asset.pool:{pool.id}",
        {"bank": pool.bank_org_id, "as_of": month_end.isoformat(), **evidence},
    )
    alert = TrendAlert(
        pool_id=pool.id,
        org_id=pool.org_id,
        bank_org_id=pool.bank_org_id,
        raised_on=month_end,
        ratio=str(reading.ratio),
        seasonal_factor=evidence["seasonal_factor"],
        adjusted=str(reading.adjusted),
        threshold=str(rule.threshold),
        level_fen=level_fen,
        reference_fen=ref_fen,
        evidence=evidence,
        status="open",
    )
    return entry, alert


def list_trend_alerts(session: Session, principal: Principal) -> Sequence[TrendAlert]:
    """Trend alerts the caller is party to (its bank's pools or its own), newest first."""
    return AssetsRepository(session).trend_alerts_for(principal.org_id)


def get_trend_alert(session: Session, principal: Principal, alert_id: str) -> TrendAlert:
    """A trend alert, for its bank or its enterprise; anyone else: not found."""
    a = AssetsRepository(session).trend_alert(alert_id)
    if a is None or principal.org_id not in (a.org_id, a.bank_org_id):
        raise NotFound(f"trend alert {alert_id} not found", field="alert_id")
    return a
