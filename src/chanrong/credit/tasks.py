"""Credit's jobs for the worker: each enterprise's profile, nightly and when new data lands;
each live model's stability, daily."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind
from chanrong.jobs.queue import DATA_LANDED
from chanrong.jobs.registry import Cadence, JobContext, job


def enterprises(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Every enterprise registered on the platform."""
    for org in identity.all_organisations(session):
        if org.kind == OrgKind.ENTERPRISE.value:
            yield org.id


def _refresh(ctx: JobContext, as_of: date) -> str:
    try:
        snap = service.build_profile_from_platform(ctx.session, ctx.settings, ctx.subject, as_of)
    except ValidationFailed as exc:
        if exc.field != "as_of":
            raise
        # An enterprise with no data before the day has no profile to build: not a failure.
        return f"no profile: {exc.detail}"
    return f"profile as of {snap.as_of.isoformat()}"


@job(
    "credit.profile_nightly",
    cadence=Cadence.DAILY,
    cron="0 2 * * *",
    subjects=enterprises,
    lease=timedelta(minutes=10),
)
def profile_nightly(ctx: JobContext) -> str:
    """Rebuild an enterprise's profile (企业画像) as of the day just ended."""
    return _refresh(ctx, ctx.day)


@job(
    "credit.profile_on_data",
    cadence=Cadence.EVENT,
    triggers=(DATA_LANDED,),
    debounce=timedelta(minutes=2),
    max_wait=timedelta(minutes=30),
    lease=timedelta(minutes=10),
)
def profile_on_data(ctx: JobContext) -> str:
    """Rebuild an enterprise's profile as of today after new data for it landed (debounced)."""
    return _refresh(ctx, ctx.today)


def monitored_models(_session: Session, settings: Settings, _period: str) -> Iterable[str]:
    """Every model version scoring live applications: champions and approved challengers."""
    return service.monitored_refs(settings)


@job(
    "credit.model_monitoring",
    cadence=Cadence.DAILY,
    cron="30 3 * * *",
    subjects=monitored_models,
    lease=timedelta(minutes=10),
)
def model_monitoring(ctx: JobContext) -> str:
    """PSI of a model's score and CSI of its characteristics over the last 30 days of live
    applications against its development sample; a warning above 0.1, an alert above 0.25."""
    try:
        row = service.monitor(ctx.session, ctx.settings, ctx.subject, as_of=ctx.day)
    except ValidationFailed as exc:
        if exc.field != "model":
            raise
        # A version registered before development distributions were kept cannot be measured.
        return f"not monitored: {exc.detail}"
    psi = "—" if row.psi is None else f"{float(row.psi):.3f}"
    return f"{row.level}: PSI {psi} on {row.applications} applications"
