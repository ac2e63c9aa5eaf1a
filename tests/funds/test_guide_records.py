"""A guide fund seeding sub-funds, LP commitments and closes, investments and the evaluation
over HTTP; the sponsoring government body reads it, other organisations are told 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from tests.builders import Member, Park


def _post(c: TestClient, h: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = c.post(path, headers=h, json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def build_guide(c: TestClient, park: Park, manager: Member | None = None) -> dict[str, Any]:
    """湖州引导基金 seeding two sub-funds (500 with 100, 300 with 60), four investments,
    recorded by ``manager`` (the bank's officer unless given)."""
    h = (manager or park["bank"]["officer"]).headers
    guide = _post(c, h, "/funds", {"name": "湖州引导基金", "kind": "guide_fund", "vintage": 2020})
    terms = {
        "region_code": "330500",
        "required_reinvest_ratio": "1.5",
        "mandated_sectors": ["C34", "I65"],
        "sponsor_org_id": park["analyst"]["admin"].org_id,
    }
    r = c.put(f"/funds/{guide['id']}/terms", headers=h, json=terms)
    assert r.status_code == 200, r.text
    subs = []
    for name, size, seed in (("子基金甲", "500", "100"), ("子基金乙", "300", "60")):
        sub = _post(c, h, "/funds", {"name": name, "kind": "sub_fund", "vintage": 2021})
        link = {"parent_fund_id": guide["id"], "guide_contribution_yuan": seed}
        assert c.put(f"/funds/{sub['id']}/terms", headers=h, json=link).status_code == 200
        close = _post(c, h, f"/funds/{sub['id']}/closes", {"date": "2021-03-01", "final": True})
        _post(c, h, f"/funds/{sub['id']}/commitments",
              {"lp": "湖州引导基金", "amount_yuan": seed, "close_id": close["id"]})  # fmt: skip
        rest = str(int(size) - int(seed))
        _post(c, h, f"/funds/{sub['id']}/commitments", {"lp": "社会资本", "amount_yuan": rest})
        subs.append(sub["id"])
    enterprise = park["enterprise"]["admin"].org_id  # C34, 330500
    invs = [
        _post(c, h, f"/funds/{subs[0]}/investments",
              {"date": "2021-06-01", "company_org_id": enterprise, "amount_yuan": "150"}),
        _post(c, h, f"/funds/{subs[0]}/investments",
              {"date": "2021-07-01", "company_name": "上海某软件", "amount_yuan": "100",
               "sector_code": "I65", "region_code": "310115"}),
        _post(c, h, f"/funds/{subs[1]}/investments",
              {"date": "2022-01-01", "company_name": "吴兴某机械", "amount_yuan": "90",
               "sector_code": "F51", "region_code": "330502"}),
        _post(c, h, f"/funds/{subs[1]}/investments",
              {"date": "2022-02-01", "company_name": "未披露企业"}),
    ]  # fmt: skip
    for day, amount in (("2020-06-01", "-160"), ("2023-06-01", "40")):
        _post(c, h, f"/funds/{guide['id']}/flows", {"date": day, "amount_yuan": amount})
    _post(c, h, f"/funds/{guide['id']}/navs", {"date": "2023-06-01", "nav_yuan": "200"})
    return {"guide": guide["id"], "subs": subs, "investments": [i["id"] for i in invs]}


def test_guide_fund_evaluation_from_the_records(app_client: TestClient, park: Park) -> None:
    c = app_client
    g = build_guide(c, park)
    invs = g["investments"]
    r = c.get(f"/funds/{g['guide']}/evaluation", headers=park["bank"]["viewer"].headers)
    assert r.status_code == 200, r.text
    e = r.json()
    # 杠杆: (500 + 300) / (100 + 60) = 5
    assert e["leverage"]["ratio"] == "5"
    assert set(e["leverage"]["funds"]) == set(g["subs"]) and e["leverage"]["unknown_funds"] == []
    assert e["leverage"]["total_committed_yuan"] == "800.00"
    # 返投: in 330500: 150 (the platform enterprise) + 90 = 240 over 160 = 1.5, met.
    ri = e["reinvestment"]
    assert (ri["achieved_ratio"], ri["met"]) == ("1.5", True)
    assert Decimal(ri["required_ratio"]) == Decimal("1.5")
    assert ri["investments"] == [invs[0], invs[2]] and ri["unknown_investments"] == [invs[3]]
    # 投向: C34 150 + I65 100 over 340 known.
    s = e["sectors"]
    assert (s["mandated_yuan"], s["known_yuan"]) == ("250.00", "340.00")
    assert s["investments"] == [invs[0], invs[1]] and s["unknown_investments"] == [invs[3]]
    # J-curve from the guide fund's own flows: trough -160 on 2020-06-01, not yet back to 0.
    j = e["j_curve"]
    assert (j["trough_date"], j["trough_yuan"], j["breakeven_date"]) == (
        "2020-06-01", "-160.00", None,
    )  # fmt: skip
    assert e["performance"]["tvpi"] == "1.5" and len(e["performance_records"]) == 3
    # The unknown investment stays unknown.
    listed = c.get(f"/funds/{g['subs'][1]}/investments", headers=park["bank"]["viewer"].headers)
    unknown = next(i for i in listed.json() if i["id"] == invs[3])
    assert (unknown["amount_yuan"], unknown["sector_code"], unknown["region_code"]) == (
        None, None, None,
    )  # fmt: skip


def test_sponsor_reads_others_are_told_404(app_client: TestClient, park: Park) -> None:
    c = app_client
    g = build_guide(c, park)
    sponsor = park["analyst"]["viewer"].headers
    assert c.get(f"/funds/{g['guide']}/evaluation", headers=sponsor).status_code == 200
    assert c.get(f"/funds/{g['subs'][0]}/investments", headers=sponsor).status_code == 200
    # The sponsor reads but does not write.
    flow = {"date": "2024-01-01", "amount_yuan": "1"}
    r = c.post(f"/funds/{g['guide']}/flows", headers=park["analyst"]["officer"].headers, json=flow)
    assert r.status_code == 404
    for other in (park["other_bank"]["admin"], park["operator"]["admin"]):
        assert c.get(f"/funds/{g['guide']}/evaluation", headers=other.headers).status_code == 404
        r = c.get(f"/funds/{g['subs'][0]}/investments", headers=other.headers)
        assert r.status_code == 404
    assert c.get(f"/funds/{g['guide']}/evaluation").status_code == 401
    h = park["enterprise"]["admin"].headers
    assert c.get(f"/funds/{g['guide']}/evaluation", headers=h).status_code == 403


def test_bad_structure_input_names_the_field(app_client: TestClient, park: Park) -> None:
    c = app_client
    h = park["bank"]["officer"].headers
    vc = _post(c, h, "/funds", {"name": "VC", "kind": "vc", "vintage": 2021})
    sub = _post(c, h, "/funds", {"name": "子", "kind": "sub_fund", "vintage": 2021})
    cases = [
        (sub["id"], {"parent_fund_id": vc["id"], "guide_contribution_yuan": "1"}, "parent_fund_id"),
        (vc["id"], {"region_code": "99x"}, "region_code"),
        (vc["id"], {"mandated_sectors": ["Z99"]}, "mandated_sectors"),
        (vc["id"], {"sponsor_org_id": park["bank"]["admin"].org_id}, "sponsor_org_id"),
        (vc["id"], {"guide_contribution_yuan": "5"}, "guide_contribution_yuan"),
    ]
    for fund, body, field in cases:
        r = c.put(f"/funds/{fund}/terms", headers=h, json=body)
        assert r.status_code == 422 and r.json()["field"] == field, (body, r.text)
    r = c.post(f"/funds/{vc['id']}/investments", headers=h, json={"date": "2022-01-01"})
    assert r.status_code == 422 and r.json()["field"] == "company_name"
    bad_org = {"date": "2022-01-01", "company_org_id": park["bank"]["admin"].org_id}
    r = c.post(f"/funds/{vc['id']}/investments", headers=h, json=bad_org)
    assert r.status_code == 422 and r.json()["field"] == "company_org_id"
    r = c.post(f"/funds/{vc['id']}/commitments", headers=h, json={"lp": "x", "amount_yuan": "0"})
    assert r.status_code == 422 and r.json()["field"] == "amount_yuan"
    final = {"date": "2022-01-01", "final": True}
    assert c.post(f"/funds/{vc['id']}/closes", headers=h, json=final).status_code == 201
    assert c.post(f"/funds/{vc['id']}/closes", headers=h, json=final).status_code == 409
    r = c.post(f"/funds/{vc['id']}/investments", headers=h, json={"date": "2022-01-01",
               "company_name": "x", "unknown": 1})  # fmt: skip
    assert r.status_code == 422


def test_annual_report_traces_every_figure_to_its_records(
    app_client: TestClient, park: Park
) -> None:
    c = app_client
    g = build_guide(c, park)
    invs = g["investments"]
    sponsor = park["analyst"]["viewer"].headers
    r = c.get(f"/funds/{g['guide']}/evaluation/report?year=2023", headers=sponsor)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text
    page = r.text
    assert "政府引导基金年度绩效评价报告" in page and "5.00×" in page  # leverage 800 / 160
    # 返投 1.5× met, traced to the two in-region investments; the unknown one is listed apart.
    assert "实际 1.50×" in page and "达标" in page
    assert f'data-records="reinvestment">{invs[0]}, {invs[2]}<' in page
    assert f'data-records="sectors">{invs[0]}, {invs[1]}<' in page
    assert invs[3] in page and "未知" in page
    # A year before anything was invested: no investment yet, the performance has no NAV.
    early = c.get(f"/funds/{g['guide']}/evaluation/report?year=2020&locale=en", headers=sponsor)
    assert early.status_code == 200
    assert "Guide fund annual evaluation report" in early.text and invs[0] not in early.text
    assert "no NAV statement recorded" in early.text
    pdf = c.get(f"/funds/{g['guide']}/evaluation/report.pdf?year=2023", headers=sponsor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    other = park["other_bank"]["admin"].headers
    assert (
        c.get(f"/funds/{g['guide']}/evaluation/report?year=2023", headers=other).status_code == 404
    )
    bad = c.get(f"/funds/{g['guide']}/evaluation/report?year=1800", headers=sponsor)
    assert bad.status_code == 422
    sub = c.get(f"/funds/{g['subs'][0]}/evaluation", headers=park["bank"]["viewer"].headers)
    assert sub.status_code == 422 and sub.json()["field"] == "fund_id"


def test_mandated_sectors_take_taxonomy_fields_as_their_gbt4754_divisions(
    app_client: TestClient, db: Database, park: Park
) -> None:
    from chanrong.funds import service as funds

    c, h = app_client, park["bank"]["officer"].headers
    guide = _post(c, h, "/funds", {"name": "装备引导基金", "kind": "guide_fund", "vintage": 2024})
    body = {"mandated_sectors": ["intelligent_equipment", "I65", "C34"]}
    assert c.put(f"/funds/{guide['id']}/terms", headers=h, json=body).status_code == 200
    with db.unit_of_work() as s:
        terms = funds.terms_of(s, guide["id"])
        assert terms is not None and terms.mandated_sectors == "C34,C35,I65"
    r = c.put(f"/funds/{guide['id']}/terms", headers=h, json={"mandated_sectors": ["robots"]})
    assert r.status_code == 422 and r.json()["field"] == "mandated_sectors"
