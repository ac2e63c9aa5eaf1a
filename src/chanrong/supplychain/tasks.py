"""Supply-chain finance's jobs for the worker: certificates unpaid at maturity become overdue.

The daily job runs after midnight in Shanghai for the day just ended: it finds the live
certificates that matured on or before that day (``matured_unpaid``) and runs once per
certificate (fan-out), so each is marked, logged and retried alone, once per day.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.jobs.registry import Cadence, JobContext, job, parse_period
from chanrong.supplychain import service


def matured_certificates(session: Session, _settings: Settings, period: str) -> Iterable[str]:
    """Live certificates unpaid at the end of the period's day."""
    return service.matured_unpaid(session, parse_period(Cadence.DAILY, period))


@job(
    "supplychain.mark_overdue",
    cadence=Cadence.DAILY,
    cron="10 0 * * *",
    subjects=matured_certificates,
)
def mark_overdue(ctx: JobContext) -> str:
    """Mark a certificate unpaid at maturity overdue (holder, banks and core see it)."""
    marked = service.mark_overdue(ctx.session, ctx.subject, day=ctx.day, now=ctx.now)
    return "marked overdue" if marked else "not overdue (paid, already marked or not matured)"


def late_statements(session: Session, _settings: Settings, period: str) -> Iterable[str]:
    """Confirmed statements the buyer had not paid by the end of the period's day."""
    return service.due_unpaid_statements(session, parse_period(Cadence.DAILY, period))


@job(
    "supplychain.flag_late_payments",
    cadence=Cadence.DAILY,
    cron="20 0 * * *",
    subjects=late_statements,
)
def flag_late_payments(ctx: JobContext) -> str:
    """Flag a confirmed statement unpaid after its due day to the seller (once)."""
    flagged = service.flag_late_payment(ctx.session, ctx.subject, day=ctx.day)
    return "flagged to the seller" if flagged else "not late (paid or already flagged)"


def overdue_guarantees(session: Session, _settings: Settings, period: str) -> Iterable[str]:
    """Guaranteed statements whose due day ended unpaid by the end of the period's day."""
    return service.overdue_guarantees(session, parse_period(Cadence.DAILY, period))


@job(
    "supplychain.flag_guaranteed_overdue",
    cadence=Cadence.DAILY,
    cron="25 0 * * *",
    subjects=overdue_guarantees,
)
def flag_guaranteed_overdue(ctx: JobContext) -> str:
    """Alert the guarantor and the seller to a guaranteed payment unpaid after its due day."""
    flagged = service.flag_guaranteed_overdue(ctx.session, ctx.subject, day=ctx.day, now=ctx.now)
    return "flagged to guarantor and seller" if flagged else "not overdue (paid or flagged)"


def overdue_instalments(session: Session, _settings: Settings, period: str) -> Iterable[str]:
    """Recourse instalments whose due day ended unpaid by the end of the period's day."""
    return service.overdue_instalments(session, parse_period(Cadence.DAILY, period))


@job(
    "supplychain.flag_recourse_overdue",
    cadence=Cadence.DAILY,
    cron="30 0 * * *",
    subjects=overdue_instalments,
)
def flag_recourse_overdue(ctx: JobContext) -> str:
    """Alert the guarantor and the buyer to a recourse instalment unpaid after its due day."""
    flagged = service.flag_recourse_overdue(ctx.session, ctx.subject, day=ctx.day, now=ctx.now)
    return "flagged to guarantor and buyer" if flagged else "not overdue (paid or flagged)"


def guarantees_to_watch(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Guarantees standing behind an unpaid statement."""
    return service.watched_guarantees(session)


@job(
    "supplychain.watch_guaranteed_buyers",
    cadence=Cadence.DAILY,
    cron="40 1 * * *",
    subjects=guarantees_to_watch,
)
def watch_guaranteed_buyers(ctx: JobContext) -> str:
    """The guarantor watches the buyer's records under the buyer's grant; guarantor and seller
    are alerted to what the detectors find."""
    o = service.watch_buyer(ctx.session, ctx.subject, as_of=ctx.day, now=ctx.now)
    if o is None:
        return "not watched (the guarantee no longer stands)"
    return f"not read: {o.refusal}" if o.refusal else f"{len(o.alerts)} alert(s)"
