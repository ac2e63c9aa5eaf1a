"""Role-aware navigation: which console sections each kind of organisation sees.

Pure data: the same table decides the menu and (through ``section_kinds``) which page
dependency guards each section, so a menu entry never leads to a page that refuses the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from chanrong.identity.domain import OrgKind, Principal


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
    ),
    OrgKind.FINANCIAL_INSTITUTION: (
        NavItem("web.nav.home", "/console"),
        NavItem("web.nav.applications", "/console/bank/applications", ("/console/applications",)),
        NavItem("web.nav.enterprises", "/console/bank/enterprises"),
        NavItem("web.nav.loans", "/console/bank/loans", ("/console/loans",)),
        NavItem("web.nav.certificates", "/console/bank/certificates"),
        NavItem("web.nav.models", "/console/bank/models"),
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
    ),
}

_COMMON = (NavItem("web.nav.organisation", "/console/organisation"),)


def nav_for(principal: Principal) -> tuple[NavItem, ...]:
    """The menu of a signed-in user: their organisation kind's sections, then their own org."""
    return _BY_KIND[principal.org_kind] + _COMMON


def is_current(item: NavItem, path: str) -> bool:
    """Whether ``path`` is inside the section ``item`` leads to (home only matches exactly)."""
    if item.href == "/console":
        return path.rstrip("/") == "/console"
    return any(path == base or path.startswith(base + "/") for base in (item.href, *item.also))
