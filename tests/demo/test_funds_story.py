"""The demo's capital-side story on a small park: investments watched under consent (one
company has not granted it and sees the refused attempt), and a need meeting a mandate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chanrong.demo.funds_story import tell
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import Park, add_org


def test_the_fund_watches_granted_companies_and_the_refused_one_sees_it(
    db: Database, park: Park
) -> None:
    with db.unit_of_work() as s:
        manager = add_org(
            s, "financial_institution", name="基金管理人", institution_type="fund_manager"
        )
        ungranted = add_org(s, "enterprise")
    companies = [
        park["enterprise"]["admin"].org_id,
        park["other_enterprise"]["admin"].org_id,
        ungranted,
    ]
    with db.unit_of_work() as s:
        story = tell(
            s,
            manager_org_id=manager,
            company_org_ids=companies,
            seeker_org_id=park["core"]["admin"].org_id,
            government_org_id=park["analyst"]["admin"].org_id,
            region_code="330500",
            start=date(2026, 6, 1),
            as_of=date(2026, 12, 1),
        )
    assert (story.companies, story.refused) == (3, 1)
    assert story.best_match == "基金管理人" and story.best_score is not None
    # 杠杆: ¥50 M committed over the guide fund's ¥10 M; 返投: only the enterprise registered in
    # 330500 counts (¥5 M over ¥10 M), the others' regions are unknown, not zero.
    assert story.leverage == 5
    assert (story.reinvest_ratio, story.reinvest_required, story.reinvest_met) == (
        Decimal("0.5"), Decimal("1.5"), False,
    )  # fmt: skip
    assert "湖州产业引导基金" in story.report_html
    with db.unit_of_work() as s:
        denied = governance.list_denials(s, identity.system_principal(s, ungranted))
        assert [(d.accessor_org_id, d.reason) for d in denied] == [(manager, "no_grant")]
        for org_id in companies[:2]:
            assert governance.list_denials(s, identity.system_principal(s, org_id)) == []
