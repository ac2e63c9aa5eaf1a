"""Safety-risk profiles and alerts: computed by the worker, read under consent.

The worker computes each insured enterprise's profile from its own telemetry (as the platform
acting for the enterprise: the owner reads freely) and stores it with its alerts. The enterprise
sees its own alerts with what to check; an insurer sees them only under a live grant for the
insurance purpose covering ``derived.safety_risk`` — each read is checked and logged by
governance, and an enterprise without such a grant appears in the insurer's portfolio as
"no consent", never silently left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from chanrong.core.clock import utc_midnight
from chanrong.core.errors import ConsentRequired, NotFound
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.insurance import safety
from chanrong.insurance.fleet import stats_by_device
from chanrong.insurance.orm import SafetyAlert, SafetyProfileRow
from chanrong.insurance.repository import InsuranceRepository
from chanrong.insurance.service import MACHINE_KINDS, PURPOSE, _require_insurer
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

DATASET = "derived.safety_risk"
WINDOW = timedelta(days=28)


def compute_profile(
    session: Session, store: TelemetryStore, org_id: str, day: date
) -> SafetyProfileRow:
    """The enterprise's profile from the 28 days before ``day``, stored with its alerts
    (replacing an earlier run for the same day, so the job can be retried)."""
    own = identity.system_principal(session, org_id)
    devices = telemetry.devices_of(session, own, org_id)
    machines = {d.device_id: d.rated_kw for d in devices if d.kind in MACHINE_KINDS}
    meters = [d.device_id for d in devices if d.kind == "meter_electricity"]
    start = day - WINDOW
    points = telemetry.query_points(
        session,
        own,
        store,
        org_id=org_id,
        start=utc_midnight(start),
        end=utc_midnight(day),
        metrics=list(safety.METRICS),
    )
    stats = stats_by_device(points, machines)
    prof = safety.profile(stats, machines, meters, points, utc_midnight(day).timestamp())
    row = SafetyProfileRow(
        org_id=org_id,
        day=day,
        score=prof.score,
        band=prof.band,
        factors=prof.factors,
        devices=[
            {
                "device_id": d.device_id,
                "index": str(d.index),
                "overload_share": str(d.overload_share),
                "out_of_hours_share": str(d.out_of_hours_share),
                "faults_last_week": str(d.faults_last_week),
            }
            for d in prof.devices
        ],
    )
    alerts = [
        SafetyAlert(
            org_id=org_id,
            day=day,
            code=a.code,
            subject=a.subject,
            severity=a.severity,
            evidence=a.evidence,
        )
        for a in prof.alerts
    ]
    InsuranceRepository(session).replace_profile(row, alerts)
    return row


def insured_enterprises(session: Session) -> Sequence[str]:
    """Every enterprise holding a policy or a quote: whose safety the worker watches."""
    return InsuranceRepository(session).insured_orgs()


def _read(session: Session, principal: Principal, org_id: str) -> None:
    """The governed read: the owner freely, an insurer under the insurance purpose."""
    if principal.org_id != org_id:
        _require_insurer(principal)
    if identity.find_organisation(session, org_id) is None:
        raise NotFound(f"organisation {org_id} not found", field="org_id")
    governance.authorize_read(
        session,
        principal,
        owner_org_id=org_id,
        dataset=DATASET,
        purpose=governance.Purpose(PURPOSE),
    )


@dataclass(frozen=True, slots=True)
class RiskView:
    org_id: str
    profile: SafetyProfileRow | None
    alerts: Sequence[SafetyAlert]


def risk_of(session: Session, principal: Principal, org_id: str) -> RiskView:
    """An enterprise's latest profile and its alerts of the last 28 days (governed)."""
    _read(session, principal, org_id)
    repo = InsuranceRepository(session)
    prof = repo.latest_profile(org_id)
    since = prof.day - WINDOW if prof else None
    return RiskView(org_id, prof, repo.alerts(org_id, since) if prof else [])


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    org_id: str
    name: str
    consented: bool
    view: RiskView | None


def portfolio(session: Session, principal: Principal) -> list[PortfolioRow]:
    """The insurer's book by enterprise: each one's risk where it consents, or why not."""
    _require_insurer(principal)
    repo = InsuranceRepository(session)
    orgs = sorted(
        {p.org_id for p in repo.policies_of(principal.org_id)}
        | {q.org_id for q in repo.quotes_of(principal.org_id)}
    )
    out = []
    for org_id in orgs:
        org = identity.find_organisation(session, org_id)
        name = org.name if org else org_id
        try:
            out.append(PortfolioRow(org_id, name, True, risk_of(session, principal, org_id)))
        except ConsentRequired:
            out.append(PortfolioRow(org_id, name, False, None))
    return out


def alert(session: Session, principal: Principal, alert_id: str) -> SafetyAlert:
    """One alert (governed like the profile)."""
    a = InsuranceRepository(session).alert(alert_id)
    if a is None:
        raise NotFound(f"alert {alert_id} not found", field="alert_id")
    try:
        _read(session, principal, a.org_id)
    except ConsentRequired:
        raise NotFound(f"alert {alert_id} not found", field="alert_id") from None
    return a
