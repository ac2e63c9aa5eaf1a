"""Daily quality scores: computed from the store and the business records, kept with their
reasons, and read under governance."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal

import pyarrow.compute as pc
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal
from chanrong.telemetry import quality
from chanrong.telemetry.access import authorize
from chanrong.telemetry.devices import metric_specs
from chanrong.telemetry.domain import Finding, Rule, quality_score, reasons
from chanrong.telemetry.orm import QualityScore
from chanrong.telemetry.reads import day_start
from chanrong.telemetry.repository import TelemetryRepository
from chanrong.telemetry.store import TelemetryStore


def iter_days(start: date, end: date) -> Iterator[date]:
    """Each day in [start, end)."""
    d = start
    while d < end:
        yield d
        d += timedelta(days=1)


def compute_quality(
    session: Session, store: TelemetryStore, *, org_id: str, day: date
) -> list[QualityScore]:
    """Score one day of one enterprise (per device, per dataset, overall) and keep the scores.

    Run it before the day is compacted: duplicates and late arrivals are visible only then.
    """
    return compute_quality_range(
        session, store, org_id=org_id, start=day, end=day + timedelta(days=1)
    ).get(day, [])


def compute_quality_range(
    session: Session,
    store: TelemetryStore,
    *,
    org_id: str,
    start: date,
    end: date,
    progress: Callable[[int], None] | None = None,
) -> dict[date, list[QualityScore]]:
    """Score every day in [start, end) in one pass over the telemetry; keeps the scores.

    Days with business records but no telemetry are scored on the records alone.
    ``progress`` is told each day done (for a progress bar).
    """
    if start >= end:
        raise ValidationFailed("end: must be after start", field="end")
    specs, _ = metric_specs(session, org_id)
    repo = TelemetryRepository(session)
    registered = frozenset(s.metric for s in repo.metric_settings(org_id))
    checked = quality.check_days(store, org_id, start, end, specs, registered=registered)
    out: dict[date, list[QualityScore]] = {}
    for day in iter_days(start, end):
        dq = checked.get(day, quality.DayQuality(day))
        scores = _scores_of(session, store, org_id, day, dq)
        if scores or day in checked:
            repo.replace_scores(org_id, day, scores)
            out[day] = scores
        if progress:
            progress(1)
    if out:
        newest = max(out)
        if newest >= max((s.day for s in repo.scores(org_id, start=newest)), default=newest):
            # The catalog shows each dataset's latest score to those deciding on access.
            for s in out[newest]:
                if s.scope == "dataset":
                    governance.set_quality_score(
                        session, owner_org_id=org_id, dataset=s.subject, score=s.score
                    )
    return out


def _scores_of(
    session: Session, store: TelemetryStore, org_id: str, day: date, dq: quality.DayQuality
) -> list[QualityScore]:
    by_dataset = dict(dq.by_dataset)
    inv = _invoice_vs_order(session, org_id, day)
    if inv is not None:
        by_dataset["business.invoices"] = [inv]
    bill = _bill_vs_meter(session, store, org_id, day)
    if bill is not None:
        by_dataset["business.energy_bills"] = [bill]
    scores: list[QualityScore] = []

    def add(scope: str, subject: str, findings: list[Finding]) -> None:
        scores.append(
            QualityScore(
                org_id=org_id,
                day=day,
                scope=scope,
                subject=subject,
                score=Decimal(str(quality_score(findings))),
                checked=max((f.checked for f in findings), default=0),
                reasons=reasons(findings),
            )
        )

    for device, findings in sorted(dq.by_device.items()):
        add("device", device, findings)
    for dataset, findings in sorted(by_dataset.items()):
        add("dataset", dataset, findings)
    all_findings = [f for fs in by_dataset.values() for f in fs]
    if all_findings:
        add("enterprise", "", quality._merge(all_findings))
    return scores


def _invoice_vs_order(session: Session, org_id: str, day: date) -> Finding | None:
    repo = TelemetryRepository(session)
    invoices = repo.records("invoices", org_id, start=day, end=day + timedelta(days=1))
    if not invoices:
        return None
    orders = repo.records_by_key(
        "orders", org_id, sorted({i.order_id for i in invoices if i.order_id})
    )
    bad = 0
    for inv in invoices:
        order = orders.get(inv.order_id) if inv.order_id else None
        if order is None or inv.amount_fen > order.amount_fen or inv.issue_date < order.order_date:
            bad += 1
    return Finding(Rule.INVOICE_VS_ORDER, bad, len(invoices))


def _bill_vs_meter(
    session: Session, store: TelemetryStore, org_id: str, day: date
) -> Finding | None:
    """On the first day of a month: does last month's electricity bill match the meters?"""
    if day.day != 1:
        return None
    month = (day - timedelta(days=1)).replace(day=1)
    bills = TelemetryRepository(session).records("energy_bills", org_id, start=month, end=day)
    if not bills:
        return None
    daily = store.daily(org_id, start=day_start(month), end=day_start(day), metrics=["energy_kwh"])
    if len(daily) == 0:
        return None
    metered = float(pc.sum(daily.column("increase")).as_py() or 0.0)
    billed = float(bills[0].electricity_kwh)
    off = abs(metered - billed) > 0.1 * max(billed, 1.0)
    return Finding(Rule.BILL_VS_METER, int(off), 1)


def quality_scores(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    start: date | None = None,
    end: date | None = None,
    scope: str | None = None,
    purpose: str | None = None,
) -> Sequence[QualityScore]:
    """Stored daily quality scores in [start, end), with their reasons."""
    if scope is not None and scope not in ("device", "dataset", "enterprise"):
        raise ValidationFailed("scope: one of device, dataset, enterprise", field="scope")
    authorize(session, principal, owner_org_id=org_id, dataset="derived.quality", purpose=purpose)
    return TelemetryRepository(session).scores(org_id, start=start, end=end, scope=scope)
