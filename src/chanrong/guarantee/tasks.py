"""Guarantee's jobs for the worker: monthly guarantee fees, monthly interest subsidies.

Each periodic job fans out one run per subject (an active guarantee; an open programme), so
each is retried alone; both are idempotent (a period's fee or subsidy is charged once)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy.orm import Session

from chanrong.core.clock import month_bounds
from chanrong.core.settings import Settings
from chanrong.guarantee import service
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind
from chanrong.jobs.registry import Cadence, JobContext, job, parse_period


def active_guarantees(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """``<guarantor>/<guarantee>`` for every active guarantee."""
    for org in identity.all_organisations(session):
        if (
            org.kind == OrgKind.FINANCIAL_INSTITUTION.value
            and org.institution_type == InstitutionType.GUARANTOR.value
        ):
            officer = identity.system_principal(session, org.id)
            for g in service.list_guarantees(session, officer):
                if g.status == "active":
                    yield f"{org.id}/{g.id}"


def open_programmes(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Every programme still paying."""
    return [p.id for p in service.open_programmes(session)]


@job("guarantee.fees", cadence=Cadence.MONTHLY, cron="0 3 1 * *", subjects=active_guarantees)
def fees(ctx: JobContext) -> str:
    """Charge one guarantee's fees up to the end of the month just ended."""
    _, guarantee_id = ctx.subject.split("/", 1)
    _, nxt = month_bounds(parse_period(Cadence.MONTHLY, ctx.period))
    rows = service.collect_fees(ctx.session, guarantee_id, nxt)
    return f"{len(rows)} fee(s), {sum(f.amount_fen for f in rows)} fen"


@job("guarantee.subsidies", cadence=Cadence.MONTHLY, cron="0 4 2 * *", subjects=open_programmes)
def subsidies(ctx: JobContext) -> str:
    """Enrol the loans now eligible for one programme and pay the month just ended."""
    first, nxt = month_bounds(parse_period(Cadence.MONTHLY, ctx.period))
    new = service.find_eligible(ctx.session, ctx.subject, as_of=nxt - timedelta(days=1))
    paid = service.pay_period(ctx.session, ctx.subject, first)
    return f"{len(new)} enrolled, {sum(p.amount_fen for p in paid)} fen paid for {ctx.period}"
