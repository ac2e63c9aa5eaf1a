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
from chanrong.core.errors import ConsentRequired, Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.insurance import safety
from chanrong.insurance.fleet import stats_by_device
from chanrong.insurance.orm import DeviceSite, SafetyAlert, SafetyProfileRow
from chanrong.insurance.repository import InsuranceRepository
from chanrong.insurance.service import MACHINE_KINDS, PURPOSE, _require_insurer
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

DATASET = "derived.safety_risk"
UNPLACED = "-"  # the site of the devices an enterprise with sites has not placed
WINDOW = timedelta(days=28)


def _row(org_id: str, day: date, site: str, prof: safety.SafetyProfile) -> SafetyProfileRow:
    return SafetyProfileRow(
        org_id=org_id,
        day=day,
        site=site,
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


def _alert(org_id: str, day: date, a: safety.Alert, site: str | None) -> SafetyAlert:
    # A site-wide finding (energy) names its site, so two sites' findings stay apart.
    subject = f"site:{site}" if site is not None and a.subject == "site" else a.subject
    return SafetyAlert(
        org_id=org_id,
        day=day,
        code=a.code,
        subject=subject,
        severity=a.severity,
        evidence=a.evidence,
        site=site,
    )


def compute_profile(
    session: Session, store: TelemetryStore, org_id: str, day: date
) -> SafetyProfileRow:
    """The enterprise's profile from the 28 days before ``day``, stored with its alerts
    (replacing an earlier run for the same day, so the job can be retried).

    Where the enterprise has placed its devices at sites, each site gets its own profile from
    its own machines, meters and sensors (devices placed nowhere form the site ``-``) and the
    alerts are raised per site; the enterprise's score stays that of its whole fleet."""
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
    end_s = utc_midnight(day).timestamp()
    prof = safety.profile(stats, machines, meters, points, end_s)
    row = _row(org_id, day, "", prof)
    repo = InsuranceRepository(session)
    placed = repo.device_sites(org_id)
    if not placed:
        alerts = [_alert(org_id, day, a, None) for a in prof.alerts]
        repo.replace_profile(row, alerts, [])
        return row
    groups: dict[str, set[str]] = {}
    for d in devices:
        groups.setdefault(placed.get(d.device_id, UNPLACED), set()).add(d.device_id)
    alerts, sites = [], []
    for site, ids in sorted(groups.items()):
        sp = safety.profile(
            {k: v for k, v in stats.items() if k in ids},
            {k: v for k, v in machines.items() if k in ids},
            [m for m in meters if m in ids],
            safety.restrict(points, ids),
            end_s,
        )
        sites.append(_row(org_id, day, site, sp))
        alerts += [_alert(org_id, day, a, site) for a in sp.alerts]
    repo.replace_profile(row, alerts, sites)
    return row


def place_device(session: Session, principal: Principal, device_id: str, site: str) -> DeviceSite:
    """The enterprise places one of its registered devices at one of its sites (an empty
    ``site`` is refused; moving a device is placing it again)."""
    if principal.org_kind is not OrgKind.ENTERPRISE or not principal.has_role(Role.OFFICER):
        raise Forbidden("only an officer of the enterprise places its devices")
    site = site.strip()
    if not site or len(site) > 64 or site in ("-", UNPLACED) or site.startswith("site:"):
        raise ValidationFailed("site: 1 to 64 characters, not '-'", field="site")
    known = {d.device_id for d in telemetry.devices_of(session, principal, principal.org_id)}
    if device_id not in known:
        raise NotFound(f"device_id: no device {device_id!r} registered", field="device_id")
    repo = InsuranceRepository(session)
    row = repo.device_site(principal.org_id, device_id)
    if row is None:
        row = DeviceSite(org_id=principal.org_id, device_id=device_id, site=site)
        repo.add(row)
    else:
        row.site = site
        session.flush()
    return row


def device_sites(session: Session, principal: Principal, org_id: str) -> dict[str, str]:
    """Where the enterprise's devices stand (governed like the profile)."""
    _read(session, principal, org_id)
    return InsuranceRepository(session).device_sites(org_id)


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
    sites: Sequence[SafetyProfileRow] = ()


def risk_of(session: Session, principal: Principal, org_id: str) -> RiskView:
    """An enterprise's latest profile and its alerts of the last 28 days (governed)."""
    _read(session, principal, org_id)
    repo = InsuranceRepository(session)
    prof = repo.latest_profile(org_id)
    since = prof.day - WINDOW if prof else None
    if prof is None:
        return RiskView(org_id, None, [])
    return RiskView(org_id, prof, repo.alerts(org_id, since), repo.site_profiles(org_id, prof.day))


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
