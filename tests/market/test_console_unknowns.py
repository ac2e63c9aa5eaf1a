"""The console's market page and the HTML report show unknown values as unknown (zh-CN, en)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import Park
from tests.market.builders import csv_bytes
from tests.web.console import HTML, sign_in

ROWS = [
    ["2024-03-01", "甲智能", "A轮", "某资本"],
    ["2024-06-01", "乙软件", "B轮", "某资本"],
]


def test_unknown_amounts_and_provinces_are_shown_as_unknown(
    app_client: TestClient, park: Park
) -> None:
    r = app_client.post(
        "/market/imports/events?map=investor=investors",
        headers={**park["operator"]["officer"].headers, "Content-Type": "text/csv"},
        content=csv_bytes(["date", "company", "round", "investor"], ROWS),
    )
    assert r.status_code == 201, r.text
    sign_in(app_client, park["analyst"]["viewer"].key)
    zh = app_client.get("/console/analyst/market", params={"year": 2024}, headers=HTML)
    assert zh.status_code == 200
    assert 'id="kpi-average">—<' in zh.text  # an average over nothing known is absent
    assert "金额未知 2 起 · 省份未知 2 起" in zh.text
    en = app_client.get(
        "/console/analyst/market", params={"year": 2024, "lang": "en"}, headers=HTML
    )
    assert "Amount unknown in 2 events · province unknown in 2" in en.text
    report = app_client.get(
        "/market/report.html?year=2024&lang=en", headers=park["analyst"]["viewer"].headers
    )
    assert "amount unknown in 2 events, province unknown in 2" in report.text


def test_an_investors_page_in_both_languages_and_who_may_see_it(
    app_client: TestClient, park: Park
) -> None:
    r = app_client.post(
        "/market/imports/events?map=investor=investors",
        headers={**park["operator"]["officer"].headers, "Content-Type": "text/csv"},
        content=csv_bytes(["date", "company", "round", "investor"], ROWS),
    )
    assert r.status_code == 201, r.text
    sign_in(app_client, park["analyst"]["viewer"].key)
    zh = app_client.get("/console/analyst/market/investors/某资本", headers=HTML)
    assert zh.status_code == 200, zh.text
    assert 'id="kpi-deals">2<' in zh.text and 'id="kpi-average">—<' in zh.text
    assert '<td>2024</td><td>a</td><td class="num">1</td>' in zh.text
    assert zh.text.count("<td>未知</td>") == 4  # two amounts, two provinces
    en = app_client.get("/console/analyst/market/investors/某资本?lang=en", headers=HTML)
    assert en.text.count("<td>unknown</td>") == 4 and "By year and round" in en.text
    missing = app_client.get("/console/analyst/market/investors/无此机构", headers=HTML)
    assert missing.status_code == 404
    ent = TestClient(app_client.app)
    sign_in(ent, park["enterprise"]["admin"].key)
    assert ent.get("/console/analyst/market/investors/某资本", headers=HTML).status_code == 403
