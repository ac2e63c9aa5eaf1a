"""Insurance's jobs for the worker: each enterprise's daily safety-risk profile and alerts,
and the lapse of policies whose premium stays unpaid."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind
from chanrong.insurance import lifecycle, notices, policies, risk
from chanrong.insurance.repository import InsuranceRepository
from chanrong.jobs.registry import Cadence, JobContext, job
from chanrong.telemetry import service as telemetry


def enterprises(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Every enterprise: prevention is for the insured and the not yet insured alike."""
    for org in identity.all_organisations(session):
        if org.kind == OrgKind.ENTERPRISE.value:
            yield org.id


@job(
    "insurance.safety_profile",
    cadence=Cadence.DAILY,
    cron="30 1 * * *",
    subjects=enterprises,
    lease=timedelta(minutes=10),
)
def safety_profile(ctx: JobContext) -> str:
    """One enterprise's safety-risk profile from the 28 days before the day just ended,
    with its alerts (what to check) for the enterprise and, under consent, its insurer."""
    store = telemetry.open_store(ctx.settings)
    row = risk.compute_profile(ctx.session, store, ctx.subject, ctx.day + timedelta(days=1))
    # Pushed at once, in the same unit of work: the alert and its notices land together.
    notices.queue(ctx.session, ctx.subject, notices.day_alerts(ctx.session, ctx.subject, row.day))
    sent = notices.deliver(ctx.session, ctx.subject)
    return (
        f"score {row.score} ({row.band}), {sum(row.factors.values())} alert(s); "
        f"{sent['delivered']} notice(s) delivered, {sent['withheld']} withheld"
    )


def insurers(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Every insurer: each one's book of policies in force is checked as one run."""
    for org in identity.all_organisations(session):
        if org.institution_type == InstitutionType.INSURER.value:
            yield org.id


@job(
    "insurance.premium_lapse",
    cadence=Cadence.DAILY,
    cron="40 0 * * *",
    subjects=insurers,
)
def premium_lapse(ctx: JobContext) -> str:
    """An insurer's policies with an instalment unpaid past its grace lapse (once each; the
    cover ends the day after the grace). A retry finds the lapsed ones done."""
    repo = InsuranceRepository(ctx.session)
    lapsed = 0
    for p in repo.policies_in_state(policies.BOUND, ctx.subject):
        if lifecycle.lapse_if_missed(ctx.session, p.id, ctx.day + timedelta(days=1)):
            lapsed += 1
    return f"{lapsed} policy(ies) lapsed"


@job(
    "insurance.policy_expiry",
    cadence=Cadence.DAILY,
    cron="50 0 * * *",
    subjects=insurers,
)
def policy_expiry(ctx: JobContext) -> str:
    """An insurer's policies whose term has ended expire (once each; all premium earned)."""
    ended = lifecycle.expire_due(ctx.session, ctx.subject, ctx.day + timedelta(days=1))
    return f"{len(ended)} policy(ies) expired"
