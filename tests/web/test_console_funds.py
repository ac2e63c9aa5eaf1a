"""The fund manager's and the government body's fund pages, in Chinese and English; another
organisation's fund is a 404; the menu leads a fund manager to its funds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from tests.builders import Member, Park, add_member, add_org
from tests.funds.test_guide_records import build_guide
from tests.web.console import HTML, sign_in


def _manager(db: Database) -> Member:
    with db.unit_of_work() as s:
        org = add_org(s, "financial_institution", institution_type="fund_manager", name="湖州产投")
        return add_member(s, org, "officer")


def test_fund_manager_walks_funds_portfolio_and_evaluation(
    app_client: TestClient, db: Database, park: Park
) -> None:
    manager = _manager(db)
    g = build_guide(app_client, park, manager)
    c = sign_in(app_client, manager.key)
    home = c.get("/console", headers=HTML)
    assert 'href="/console/funds"' in home.text and "/console/bank/applications" not in home.text
    r = c.get("/console/funds", headers=HTML)
    assert r.status_code == 200 and "湖州引导基金" in r.text and "政府引导基金" in r.text
    assert f'href="/console/funds/{g["guide"]}/evaluation"' in r.text
    sub = c.get(f"/console/funds/{g['subs'][1]}", headers=HTML)
    assert sub.status_code == 200 and "吴兴某机械" in sub.text and "未知" in sub.text
    assert "¥300.00" not in sub.text and "¥240.00" in sub.text  # LP 社会资本: 300 - 60
    ev = c.get(f"/console/funds/{g['guide']}/evaluation", headers=HTML)
    assert ev.status_code == 200
    assert 'data-figure="leverage">5.00×' in ev.text and "达标" in ev.text
    for inv in g["investments"]:
        assert inv in ev.text  # every investment id is on the page with the figures
    rep = c.get(f"/console/funds/{g['guide']}/report?year=2023", headers=HTML)
    assert rep.status_code == 200 and "政府引导基金年度绩效评价报告" in rep.text
    pdf = c.get(f"/console/funds/{g['guide']}/report.pdf?year=2023", headers=HTML)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    c.cookies.set("chanrong_locale", "en")
    en = c.get(f"/console/funds/{g['guide']}/evaluation?lang=en", headers=HTML)
    assert en.status_code == 200 and "Leverage" in en.text and "met" in en.text


def test_government_body_sees_the_guide_funds_it_sponsors(
    app_client: TestClient, db: Database, park: Park
) -> None:
    manager = _manager(db)
    g = build_guide(app_client, park, manager)
    c = sign_in(app_client, park["analyst"]["viewer"].key)
    r = c.get("/console/analyst/guide-funds", headers=HTML)
    assert r.status_code == 200 and f'data-fund="{g["guide"]}"' in r.text
    assert "1.50× / 1.50× · 达标" in r.text
    assert 'href="/console/analyst/guide-funds"' in r.text
    assert c.get(f"/console/funds/{g['guide']}/evaluation", headers=HTML).status_code == 200
    # The government body has no fund list of its own to manage.
    assert c.get("/console/funds", headers=HTML).status_code == 403


def test_another_organisation_is_told_404_and_others_are_refused(
    app_client: TestClient, db: Database, park: Park
) -> None:
    manager = _manager(db)
    g = build_guide(app_client, park, manager)
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["viewer"].key)
    for path in (
        f"/console/funds/{g['guide']}",
        f"/console/funds/{g['guide']}/evaluation",
        f"/console/funds/{g['guide']}/report?year=2023",
        f"/console/funds/{g['subs'][0]}",
    ):
        assert other.get(path, headers=HTML).status_code == 404, path
    assert other.get(f"/console/funds/{g['guide']}/report.pdf?year=2023").status_code == 404
    r = other.get("/console/funds", headers=HTML)
    assert r.status_code == 200 and g["guide"] not in r.text
    ent = TestClient(app_client.app)
    sign_in(ent, park["enterprise"]["viewer"].key)
    assert ent.get(f"/console/funds/{g['guide']}/evaluation", headers=HTML).status_code == 403
    assert ent.get("/console/analyst/guide-funds", headers=HTML).status_code == 403
    anon = TestClient(app_client.app)
    r = anon.get(f"/console/funds/{g['guide']}/evaluation", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and "/console/sign-in" in r.headers["location"]


def test_portfolio_monitoring_page_reads_only_under_a_grant(
    app_client: TestClient, db: Database, park: Park
) -> None:
    from datetime import UTC, datetime

    from chanrong.governance import service as governance
    from tests.lending.builders import principal

    manager = _manager(db)
    g = build_guide(app_client, park, manager)
    c = sign_in(app_client, manager.key)
    company = park["enterprise"]["officer"]
    page = f"/console/funds/{g['subs'][0]}/monitoring"
    r = c.get(page, headers=HTML)
    assert r.status_code == 200 and f'data-company="{company.org_id}"' in r.text
    assert "无有效授权" in r.text and "no_grant" in r.text
    with db.unit_of_work() as s:
        governance.grant_consent(
            s, principal(s, company), grantee_org_id=manager.org_id,
            categories=["management"], max_grade=2, purpose="investment_monitoring",
            valid_from=None, valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )  # fmt: skip
    r = c.get(page, headers=HTML)
    assert r.status_code == 200 and "有效授权" in r.text and "无有效授权" not in r.text
    assert f'href="{page}"' in c.get(f"/console/funds/{g['subs'][0]}", headers=HTML).text
    # The sponsor reads the evaluation but does not watch the companies.
    gov = TestClient(app_client.app)
    sign_in(gov, park["analyst"]["viewer"].key)
    assert gov.get(page, headers=HTML).status_code == 403
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["viewer"].key)
    assert other.get(page, headers=HTML).status_code == 404


def test_two_way_match_pages(app_client: TestClient, park: Park) -> None:
    from tests.funds.test_matchmaking import post_pair

    ids = post_pair(app_client, park)
    ent = TestClient(app_client.app)
    sign_in(ent, park["enterprise"]["viewer"].key)
    r = ent.get("/console/enterprise/needs", headers=HTML)
    assert r.status_code == 200 and f'data-need="{ids["need"]}"' in r.text
    assert f'data-mandate="{ids["mandate"]}"' in r.text and "股权融资" in r.text
    assert 'data-criterion="ticket"' in r.text and "符合" in r.text
    bank = TestClient(app_client.app)
    sign_in(bank, park["bank"]["viewer"].key)
    r = bank.get("/console/mandates", headers=HTML)
    assert r.status_code == 200 and f'data-need="{ids["need"]}"' in r.text
    assert "¥5,000,000.00" in r.text and ">100<" in r.text
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["viewer"].key)
    r = other.get("/console/mandates", headers=HTML)
    assert r.status_code == 200 and ids["need"] not in r.text  # its loan mandate: no match
    assert 'id="loan-links"' in r.text
    assert ent.get("/console/mandates", headers=HTML).status_code == 403
    assert bank.get("/console/enterprise/needs", headers=HTML).status_code == 403


def test_loan_link_on_both_sides_pages(app_client: TestClient, db: Database, park: Park) -> None:
    from tests.funds.test_matchmaking import post_pair
    from tests.lending.builders import principal, product

    ids = post_pair(app_client, park)
    with db.unit_of_work() as s:
        prod = product(s, principal(s, park["bank"]["officer"])).id
    r = app_client.post(
        f"/funds/needs/{ids['need']}/loan-links",
        headers=park["bank"]["officer"].headers,
        json={"product_id": prod, "limit_yuan": "2000000"},
    )
    link = r.json()["id"]
    ent = TestClient(app_client.app)
    sign_in(ent, park["enterprise"]["viewer"].key)
    page = ent.get("/console/enterprise/needs", headers=HTML).text
    assert f'data-link="{link}"' in page and "待生效" in page and "¥2,000,000.00" in page
    app_client.post(
        f"/funds/needs/{ids['need']}/close",
        headers=park["enterprise"]["officer"].headers,
        json={"date": "2025-03-01"},
    )
    bank = TestClient(app_client.app)
    sign_in(bank, park["bank"]["viewer"].key)
    page = bank.get("/console/mandates", headers=HTML).text
    assert f'data-link="{link}"' in page and "已生效 · 2025-03-01" in page
