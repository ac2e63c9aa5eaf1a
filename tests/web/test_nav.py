"""The role-aware menu (pure): which sections each organisation kind sees, which is current."""

from __future__ import annotations

from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.web.nav import is_current, nav_for


def _principal(kind: OrgKind) -> Principal:
    return Principal(user_id="u", org_id="o", org_kind=kind, roles=frozenset({Role.VIEWER}))


def test_each_kind_sees_only_its_sections_and_its_organisation() -> None:
    hrefs = {k: [i.href for i in nav_for(_principal(k))] for k in OrgKind}
    assert "/console/enterprise/consents" in hrefs[OrgKind.ENTERPRISE]
    assert "/console/bank/applications" in hrefs[OrgKind.FINANCIAL_INSTITUTION]
    assert "/console/operator/catalog" in hrefs[OrgKind.PLATFORM_OPERATOR]
    assert "/console/analyst/market" in hrefs[OrgKind.ANALYST]
    for kind, links in hrefs.items():
        assert links[0] == "/console"
        assert links[-1] == "/console/organisation"
        others = {"enterprise", "bank", "operator", "analyst"} - {
            {
                OrgKind.ENTERPRISE: "enterprise",
                OrgKind.FINANCIAL_INSTITUTION: "bank",
                OrgKind.PLATFORM_OPERATOR: "operator",
                OrgKind.ANALYST: "analyst",
            }[kind]
        }
        assert not any(link.startswith(f"/console/{o}/") for o in others for link in links)


def test_current_section_covers_its_sub_pages_but_home_only_itself() -> None:
    items = {i.href: i for i in nav_for(_principal(OrgKind.ENTERPRISE))}
    finance = items["/console/enterprise/finance"]
    assert is_current(finance, "/console/enterprise/loans")
    assert is_current(finance, "/console/enterprise/certificates")
    assert not is_current(finance, "/console/enterprise/financed")
    home = items["/console"]
    assert is_current(home, "/console")
    assert not is_current(home, "/console/enterprise/loans")
    bank = {i.href: i for i in nav_for(_principal(OrgKind.FINANCIAL_INSTITUTION))}
    assert is_current(bank["/console/bank/applications"], "/console/applications/123")


def test_a_guarantor_gets_its_own_sections_and_analysts_the_subsidy_pages() -> None:
    from chanrong.identity.domain import InstitutionType

    guarantor = Principal(
        user_id="u",
        org_id="o",
        org_kind=OrgKind.FINANCIAL_INSTITUTION,
        roles=frozenset({Role.VIEWER}),
        institution_type=InstitutionType.GUARANTOR,
    )
    links = [i.href for i in nav_for(guarantor)]
    assert links == [
        "/console",
        "/console/guarantor/book",
        "/console/guarantor/claims",
        "/console/guarantor/schemes",
        "/console/guarantor/trade",
        "/console/organisation",
    ]
    analyst = [i.href for i in nav_for(_principal(OrgKind.ANALYST))]
    assert "/console/analyst/programmes" in analyst and "/console/analyst/pilot" in analyst
    bank = [i.href for i in nav_for(_principal(OrgKind.FINANCIAL_INSTITUTION))]
    assert not any(h.startswith("/console/guarantor/") for h in bank)


def test_a_lessor_gets_its_leasing_sections_and_an_enterprise_its_leases() -> None:
    from chanrong.identity.domain import InstitutionType

    lessor = Principal(
        user_id="u",
        org_id="o",
        org_kind=OrgKind.FINANCIAL_INSTITUTION,
        roles=frozenset({Role.VIEWER}),
        institution_type=InstitutionType.LESSOR,
    )
    items = nav_for(lessor)
    assert [i.href for i in items] == [
        "/console",
        "/console/lessor/contracts",
        "/console/lessor/bills",
        "/console/organisation",
    ]
    # A contract's own page belongs to the contracts section.
    assert is_current(items[1], "/console/leases/abc")
    ent = [i.href for i in nav_for(_principal(OrgKind.ENTERPRISE))]
    assert "/console/enterprise/leases" in ent
    bank = [i.href for i in nav_for(_principal(OrgKind.FINANCIAL_INSTITUTION))]
    assert not any("lease" in h for h in bank)


def test_a_fund_manager_gets_its_funds_and_analysts_their_guide_funds() -> None:
    from chanrong.identity.domain import InstitutionType

    manager = Principal(
        user_id="u",
        org_id="o",
        org_kind=OrgKind.FINANCIAL_INSTITUTION,
        roles=frozenset({Role.VIEWER}),
        institution_type=InstitutionType.FUND_MANAGER,
    )
    assert [i.href for i in nav_for(manager)] == [
        "/console",
        "/console/funds",
        "/console/mandates",
        "/console/organisation",
    ]
    analyst = {i.href: i for i in nav_for(_principal(OrgKind.ANALYST))}
    assert is_current(analyst["/console/analyst/guide-funds"], "/console/funds/x/evaluation")
