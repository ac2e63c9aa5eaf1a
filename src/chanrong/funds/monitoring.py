"""Portfolio monitoring (投后管理): a fund sees its platform portfolio companies' operating
indicators and the early-warning alerts of the same detectors the banks run on their loans —
only under the company's live consent grant for ``investment_monitoring``.

Every read goes through the other domains' services (lending's series reader, credit's
profile), which have governance check the grant and log the access. A company without a live
grant is listed as such with the refusal's reason; nothing of it is read. The alerts are the
detections of this pass over data read under the grant, not stored: when the grant ends,
they are no longer shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.errors import ConsentRequired, NotFound
from chanrong.credit import service as credit
from chanrong.funds.records import investments_of, owned_fund
from chanrong.governance import service as governance
from chanrong.governance.service import Purpose
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending

PURPOSE = Purpose.INVESTMENT_MONITORING


@dataclass(frozen=True, slots=True)
class CompanyWatch:
    """One portfolio company in one pass: granted or refused (with why), its latest profile
    features when granted and recorded, its last months' indicators and the detections."""

    company_org_id: str
    company_name: str
    investment_ids: tuple[str, ...]
    granted: bool
    refusal: str | None
    profile_as_of: date | None
    profile: dict[str, Any] | None
    indicators: dict[str, Any]
    alerts: tuple[lending.Detection, ...]


DENIAL_ROUTE = "funds: portfolio monitoring"


def _refusal(exc: ConsentRequired) -> str:
    return str(exc.extra.get("reason") or exc.detail)


def watch_company(
    session: Session,
    principal: Principal,
    org_id: str,
    name: str,
    ids: tuple[str, ...],
    as_of: date,
) -> CompanyWatch:
    """Read one company's indicators under its grant and run the detectors; a refusal is
    returned as such (nothing read)."""
    try:
        series = lending.org_series(session, principal, org_id, as_of=as_of, purpose=PURPOSE)
    except ConsentRequired as exc:
        # The company sees the refused attempt, as it would one made on the API or console.
        governance.record_denial(session, principal, exc, route=DENIAL_ROUTE)
        return CompanyWatch(org_id, name, ids, False, _refusal(exc), None, None, {}, ())
    profile_as_of, features = None, None
    try:
        governance.authorize_read(
            session, principal, owner_org_id=org_id, dataset=credit.PROFILE_DATASET, purpose=PURPOSE
        )
        snap = credit.latest_profile(session, org_id)
        profile_as_of, features = snap.as_of, dict(snap.features)
    except (ConsentRequired, NotFound):
        pass  # no profile granted or none computed yet: shown as absent, never as zeros
    indicators: dict[str, Any] = {
        "output": [(p.period.isoformat()[:7], p.value) for p in series.output[-6:]],
        "energy_kwh": [(p.period.isoformat()[:7], p.value) for p in series.energy[-6:]],
        "orders": len(series.orders),
        "last_seen": series.last_seen.isoformat() if series.last_seen else None,
    }
    alerts = tuple(lending.detect(series, as_of=as_of))
    return CompanyWatch(org_id, name, ids, True, None, profile_as_of, features, indicators, alerts)


def watch_portfolio(
    session: Session, principal: Principal, fund_id: str, *, as_of: date
) -> list[CompanyWatch]:
    """Every platform company in the fund's portfolio, each read only under its live grant."""
    fund = owned_fund(session, principal.org_id, fund_id)
    companies: dict[str, tuple[str, list[str]]] = {}
    for inv in investments_of(session, [fund.id]):
        if inv.company_org_id is not None:
            companies.setdefault(inv.company_org_id, (inv.company_name, []))[1].append(inv.id)
    return [
        watch_company(session, principal, org, name, tuple(ids), as_of)
        for org, (name, ids) in sorted(companies.items(), key=lambda kv: kv[1][0])
    ]
