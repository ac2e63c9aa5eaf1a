"""The figures on each role's overview page: what needs attention today.

Only counts of the caller's own records (or, for the operator, platform-wide registrations and
the log): the overview never reads another organisation's data, so it needs no grant.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chanrong.carbon import service as carbon
from chanrong.core.clock import utcnow
from chanrong.credit import service as credit
from chanrong.funds import service as funds
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal
from chanrong.lending import service as lending


@dataclass(frozen=True, slots=True)
class Figure:
    key: str  # message key of the label
    value: str
    href: str


def figures(session: Session, principal: Principal) -> list[Figure]:
    """A handful of figures for the caller's organisation kind."""
    kind = principal.org_kind
    if kind is OrgKind.ENTERPRISE:
        return _enterprise(session, principal)
    if principal.institution_type is InstitutionType.FUND_MANAGER:
        return _fund_manager(session, principal)
    if kind is OrgKind.FINANCIAL_INSTITUTION:
        return _institution(session, principal)
    if kind is OrgKind.PLATFORM_OPERATOR:
        return _operator(session, principal)
    return []


def _live_grants(session: Session, principal: Principal) -> int:
    now = utcnow()
    grants = governance.list_grants(session, principal)
    return sum(1 for g in grants if governance.grant_status(g, now) == "live")


def _enterprise(session: Session, principal: Principal) -> list[Figure]:
    loans = lending.list_loans(session, principal)
    apps = credit.list_applications(session, principal)
    grade = carbon.latest_grade(session, principal.org_id)
    return [
        Figure(
            "web.home.live_grants",
            str(_live_grants(session, principal)),
            "/console/enterprise/consents",
        ),
        Figure("web.home.applications", str(len(apps)), "/console/enterprise/finance"),
        Figure(
            "web.home.active_loans",
            str(sum(1 for x in loans if x.status == "active")),
            "/console/enterprise/loans",
        ),
        Figure("web.home.carbon_grade", str(grade) if grade else "—", "/console/enterprise/carbon"),
    ]


def _institution(session: Session, principal: Principal) -> list[Figure]:
    apps = credit.list_applications(session, principal)
    loans = lending.list_loans(session, principal)
    alerts = lending.list_alerts(session, principal, status="open")
    return [
        Figure(
            "web.home.referred",
            str(sum(1 for a in apps if a.status == "referred")),
            "/console/bank/applications",
        ),
        Figure(
            "web.home.grants_received",
            str(_live_grants(session, principal)),
            "/console/bank/enterprises",
        ),
        Figure(
            "web.home.delinquent",
            str(sum(1 for x in loans if x.dpd > 0)),
            "/console/bank/loans",
        ),
        Figure("web.home.open_alerts", str(len(alerts)), "/console/bank/loans"),
    ]


def _operator(session: Session, principal: Principal) -> list[Figure]:
    orgs = identity.list_organisations(session, principal, kind=OrgKind.ENTERPRISE.value)
    entries = governance.list_catalog(session, principal)
    return [
        Figure("web.park.enterprises", str(len(orgs)), "/console/operator/park"),
        Figure(
            "web.home.to_classify",
            str(sum(1 for e in entries if not e.confirmed)),
            "/console/operator/catalog",
        ),
        Figure("web.log.size", str(governance.current_root(session).size), "/console/operator/log"),
    ]


def _fund_manager(session: Session, principal: Principal) -> list[Figure]:
    rows = funds.funds_of(session, principal.org_id)
    guides = sum(1 for f in rows if f.kind == "guide_fund")
    return [
        Figure("web.nav.funds", str(len(rows)), "/console/funds"),
        Figure("web.funds.kind.guide_fund", str(guides), "/console/funds"),
    ]
