"""Role-aware navigation: which console sections each kind of organisation sees.

Pure data: the same table decides the menu and (through ``section_kinds``) which page
dependency guards each section, so a menu entry never leads to a page that refuses the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from chanrong.identity.domain import InstitutionType, OrgKind, Principal


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str  # message key of the label
    href: str
    also: tuple[str, ...] = ()  # other paths that belong to this section


_BY_KIND: dict[OrgKind, tuple[NavItem, ...]] = {
    OrgKind.ENTERPRISE: (
        NavItem("web.nav.home", "/console"),
        NavItem("web.nav.devices", "/console/enterprise/devices"),
        NavItem("web.nav.profile", "/console/enterprise/profile"),
        NavItem("web.nav.carbon", "/console/enterprise/carbon"),
        NavItem("web.nav.access", "/console/enterprise/access"),
        NavItem("web.nav.consents", "/console/enterprise/consents"),
        NavItem(
            "web.nav.finance",
            "/console/enterprise/finance",
            (
                "/console/enterprise/loans",
                "/console/enterprise/certificates",
                "/console/applications",
                "/console/loans",
                "/console/enterprise/contracts",
            ),
        ),
        NavItem(
            "web.nav.assets",
            "/console/enterprise/assets",
            ("/console/valuations", "/console/pools"),
        ),
        NavItem("web.nav.leases", "/console/enterprise/leases", ("/console/leases",)),
        NavItem("web.nav.needs", "/console/enterprise/needs"),
        NavItem("web.nav.safety", "/console/enterprise/safety"),
    ),
    OrgKind.FINANCIAL_INSTITUTION: (
        NavItem("web.nav.home", "/console"),
        NavItem("web.nav.applications", "/console/bank/applications", ("/console/applications",)),
        NavItem("web.nav.enterprises", "/console/bank/enterprises"),
        NavItem("web.nav.loans", "/console/bank/loans", ("/console/loans",)),
        NavItem("web.nav.certificates", "/console/bank/certificates"),
        NavItem("web.nav.models", "/console/bank/models"),
        NavItem("web.nav.pools", "/console/bank/pools", ("/console/pools", "/console/valuations")),
        NavItem("web.nav.federated", "/console/bank/federated"),
        NavItem("web.nav.escrows", "/console/bank/escrows"),
    ),
    OrgKind.PLATFORM_OPERATOR: (
        NavItem("web.nav.home", "/console"),
        NavItem("web.nav.park", "/console/operator/park"),
        NavItem("web.nav.catalog", "/console/operator/catalog"),
        NavItem("web.nav.log", "/console/operator/log"),
        NavItem("web.nav.jobs", "/console/operator/jobs"),
    ),
    OrgKind.ANALYST: (
        NavItem("web.nav.home", "/console"),
        NavItem("web.nav.market", "/console/analyst/market"),
        NavItem("web.nav.programmes", "/console/analyst/programmes"),
        NavItem("web.nav.pilot", "/console/analyst/pilot"),
        NavItem("web.nav.guide_funds", "/console/analyst/guide-funds", ("/console/funds",)),
    ),
}

# A guarantor (融资担保机构) is a financial institution with its own sections.
_GUARANTOR = (
    NavItem("web.nav.home", "/console"),
    NavItem("web.nav.guar_book", "/console/guarantor/book"),
    NavItem("web.nav.guar_claims", "/console/guarantor/claims"),
    NavItem("web.nav.guar_schemes", "/console/guarantor/schemes"),
    NavItem("web.nav.guar_trade", "/console/guarantor/trade"),
)

# A lessor (租赁公司) is a financial institution with its own sections.
_LESSOR = (
    NavItem("web.nav.home", "/console"),
    NavItem("web.nav.lease_contracts", "/console/lessor/contracts", ("/console/leases",)),
    NavItem("web.nav.lease_bills", "/console/lessor/bills"),
)

# A fund manager (基金管理人) is a financial institution with its own sections.
_FUND_MANAGER = (
    NavItem("web.nav.home", "/console"),
    NavItem("web.nav.funds", "/console/funds"),
    NavItem("web.nav.mandates", "/console/mandates"),
)

# An insurer (保险机构) has its own sections: policies, risk, alerts, claims, pricing.
_INSURER = (
    NavItem("web.nav.home", "/console"),
    NavItem("web.nav.ins_book", "/console/insurer/book", ("/console/insurer/policies",)),
    NavItem("web.nav.ins_portfolio", "/console/insurer/portfolio"),
    NavItem("web.nav.ins_alerts", "/console/insurer/alerts"),
    NavItem("web.nav.ins_claims", "/console/insurer/claims"),
    NavItem("web.nav.ins_pricing", "/console/insurer/pricing"),
)

_COMMON = (NavItem("web.nav.organisation", "/console/organisation"),)


def nav_for(principal: Principal) -> tuple[NavItem, ...]:
    """The menu of a signed-in user: their organisation kind's sections, then their own org."""
    if principal.institution_type is InstitutionType.GUARANTOR:
        return _GUARANTOR + _COMMON
    if principal.institution_type is InstitutionType.LESSOR:
        return _LESSOR + _COMMON
    if principal.institution_type is InstitutionType.FUND_MANAGER:
        return _FUND_MANAGER + _COMMON
    if principal.institution_type is InstitutionType.INSURER:
        return _INSURER + _COMMON
    return _BY_KIND[principal.org_kind] + _COMMON


def is_current(item: NavItem, path: str) -> bool:
    """Whether ``path`` is inside the section ``item`` leads to (home only matches exactly)."""
    if item.href == "/console":
        return path.rstrip("/") == "/console"
    return any(path == base or path.startswith(base + "/") for base in (item.href, *item.also))
