"""The market API on SQLite and PostgreSQL: who may read, who may write, and the answers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.builders import Park
from tests.market.builders import EVENT_HEADER, csv_bytes

ROWS = [
    ["2024-01-10", "甲智能", "A轮", "超亿元", "红杉资本（中国）、深创投", "浙江", "杭州"],
    ["2024-02-11", "乙软件", "天使轮", "5000万元", "深创投", "上海", ""],
    ["2024-03-12", "丙装备", "B轮", "$10M", "某产业基金", "广东", "深圳"],
]


def _upload(client: TestClient, headers: dict[str, str], rows: list[list[str]], **kw: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/market/imports/events",
        headers={**headers, "Content-Type": "text/csv", **kw},
        content=csv_bytes(EVENT_HEADER, rows),
    )


def test_only_operator_officers_import(app_client: TestClient, park: Park) -> None:
    for who, role in [
        ("enterprise", "admin"),
        ("bank", "admin"),
        ("analyst", "admin"),
        ("operator", "viewer"),
    ]:
        r = _upload(app_client, park[who][role].headers, ROWS)
        assert r.status_code == 403, (who, role, r.text)
        assert r.json()["type"].endswith("/forbidden")
    assert _upload(app_client, {}, ROWS).status_code == 401
    r = _upload(app_client, park["operator"]["officer"].headers, ROWS)
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 3


def test_readers_are_analysts_the_operator_and_financial_institutions(
    app_client: TestClient, park: Park
) -> None:
    assert _upload(app_client, park["operator"]["officer"].headers, ROWS).status_code == 201
    for who in ("analyst", "operator", "bank", "insurer"):
        r = app_client.get("/market/report?year=2024", headers=park[who]["viewer"].headers)
        assert r.status_code == 200, (who, r.text)
    for role in ("viewer", "admin"):
        r = app_client.get("/market/report?year=2024", headers=park["enterprise"][role].headers)
        assert r.status_code == 403
        r = app_client.get("/market/companies", headers=park["enterprise"][role].headers)
        assert r.status_code == 403
    assert app_client.get("/market/report?year=2024").status_code == 401


def test_the_report_over_http_in_yuan(app_client: TestClient, park: Park) -> None:
    _upload(app_client, park["operator"]["officer"].headers, ROWS)
    body = app_client.get("/market/report?year=2024", headers=park["analyst"]["viewer"].headers)
    report = body.json()
    assert (report["events"], report["companies"], report["disclosed_events"]) == (3, 3, 3)
    # 1 亿 + 5000 万 + 10 M USD × 7.1217 = 2.212170 亿元
    assert report["amount_total_yuan"] == "221217000.00"
    assert report["early_stage_events"] == 2
    assert {b["key"]: b["events"] for b in report["by_cluster"]} == {
        "yangtze_delta": 2,
        "greater_bay": 1,
    }
    assert report["top_investors"][0] == {
        "investor": "深创投",
        "state_owned": False,
        "deals": 2,
        "early_deals": 2,
        "stage_preference": "early",
        "stages": {"early": 2},
    }
    assert len(report["by_month"]) == 12
    r = app_client.get("/market/report?year=1800", headers=park["analyst"]["viewer"].headers)
    assert r.status_code == 422
    html = app_client.get("/market/report.html?year=2024", headers=park["bank"]["viewer"].headers)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "2024 年工业互联网投融资报告" in html.text
    assert 'data-figure="events">3 起' in html.text


def test_a_rejected_upload_lists_every_row_error_and_writes_nothing(
    app_client: TestClient, park: Park
) -> None:
    officer = park["operator"]["officer"].headers
    bad = [*ROWS, ["2024-01-01", "丁", "Q轮", "很多钱", "", "上海", ""]]
    r = _upload(app_client, officer, bad)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"].endswith("/import-rejected")
    assert problem["field"] == "round"
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [(5, "round"), (5, "amount")]
    viewer = park["analyst"]["viewer"].headers
    assert app_client.get("/market/companies", headers=viewer).json() == []
    r = app_client.post("/market/imports/deals", headers=officer, content=b"x")
    assert r.status_code == 422 and r.json()["field"] == "dataset"


def test_an_upload_is_idempotent_under_its_key(app_client: TestClient, park: Park) -> None:
    officer = park["operator"]["officer"].headers
    first = _upload(app_client, officer, ROWS, **{"Idempotency-Key": "mk-1"})
    again = _upload(app_client, officer, ROWS, **{"Idempotency-Key": "mk-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()


def test_one_event_by_json_and_rows_by_json(app_client: TestClient, park: Park) -> None:
    officer = park["operator"]["officer"].headers
    event = {
        "date": "2024-04-01",
        "company": "戊网络",
        "round": "Pre-A",
        "amount": "近亿元",
        "investors": ["国资基金"],
        "province": "江苏",
        "description": "工业互联网标识解析与5G专网",
    }
    r = app_client.post("/market/events", headers=officer, json=event)
    assert r.status_code == 201, r.text
    assert r.json()["new_companies"] == ["戊网络"]
    r = app_client.post("/market/events", headers=officer, json={**event, "round": "Z轮"})
    assert r.status_code == 422 and r.json()["field"] == "round"
    r = app_client.post("/market/events", headers=officer, json={**event, "amount": 5})
    assert r.status_code == 422
    rows = {"rows": [{"name": "国资基金", "kind": "government_fund", "state_owned": "是"}]}
    r = app_client.post("/market/imports/investors/rows", headers=officer, json=rows)
    assert r.status_code == 201 and r.json()["updated"] == 1
    r = app_client.post(
        "/market/imports/investors/rows", headers=officer, json={"rows": [{"nom": "x"}]}
    )
    assert r.status_code == 422 and r.json()["field"] == "nom"
    viewer = park["bank"]["viewer"].headers
    (company,) = app_client.get("/market/companies?field=network_identifier", headers=viewer).json()
    assert (company["name"], company["tags"], company["field_method"]) == (
        "戊网络",
        ["5g"],
        "rules",
    )
    inv = app_client.get("/market/investors", headers=viewer).json()
    assert [(i["name"], i["state_owned"]) for i in inv] == [("国资基金", True)]
    r = app_client.get("/market/companies?field=农业", headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == "field"


def test_operator_overrides_a_classification(app_client: TestClient, park: Park) -> None:
    _upload(app_client, park["operator"]["officer"].headers, ROWS)
    viewer = park["analyst"]["viewer"].headers
    company = app_client.get("/market/companies?q=甲", headers=viewer).json()[0]
    body = {"field": "security", "tags": ["ai"]}
    url = f"/market/companies/{company['id']}/classification"
    assert (
        app_client.put(url, headers=park["analyst"]["admin"].headers, json=body).status_code == 403
    )
    assert app_client.put(url, headers=park["bank"]["admin"].headers, json=body).status_code == 403
    r = app_client.put(url, headers=park["operator"]["officer"].headers, json=body)
    assert r.status_code == 200
    report = app_client.get("/market/report?year=2024", headers=viewer).json()
    assert {b["key"]: b["events"] for b in report["by_field"]}["security"] == 1
    assert report["tagged"]["ai"] == 1
    assert (r.json()["field"], r.json()["field_method"], r.json()["tags"]) == (
        "security",
        "operator",
        ["ai"],
    )
    r = app_client.put(
        "/market/companies/nope/classification",
        headers=park["operator"]["admin"].headers,
        json=body,
    )
    assert r.status_code == 404
    r = app_client.put(url, headers=park["operator"]["admin"].headers, json={"field": "x"})
    assert r.status_code == 422 and r.json()["field"] == "field"
    # Without a business description there is nothing to classify from: the override stays.
    assert app_client.delete(url, headers=park["bank"]["admin"].headers).status_code == 403
    r = app_client.delete(url, headers=park["operator"]["officer"].headers)
    assert r.status_code == 422 and r.json()["field"] == "description"
    again = app_client.get(f"/market/companies/{company['id']}", headers=viewer).json()
    assert again["field_method"] == "operator"


def test_classify_and_match(app_client: TestClient, park: Park) -> None:
    officer = park["operator"]["officer"].headers
    rows = [
        [*r, d] for r, d in zip(ROWS, ["工业机器人", "MES软件", "工业机器人与AGV"], strict=True)
    ]
    r = app_client.post(
        "/market/imports/events?filename=events.csv",
        headers=officer,
        content=csv_bytes([*EVENT_HEADER, "description"], rows),
    )
    assert r.status_code == 201, r.text
    viewer = park["bank"]["viewer"].headers
    r = app_client.post("/market/classify", headers=viewer, json={"description": "工控安全防火墙"})
    assert r.status_code == 200
    assert (r.json()["field"], r.json()["method"]) == ("security", "rules")
    r = app_client.get(
        "/market/match?field=intelligent_equipment&stage=early&province=浙江", headers=viewer
    )
    assert r.status_code == 200
    ranked = r.json()
    assert [m["investor"] for m in ranked] == ["深创投", "红杉资本（中国）", "某产业基金"]
    # 深创投: 甲智能 (field 3 + early 2 + Zhejiang 1) and 乙软件 (early 2 + Shanghai, same
    # Yangtze River Delta cluster, 0.5); 红杉: 甲智能 only; 某产业基金: field only.
    assert [m["score"] for m in ranked] == [8.5, 6.0, 3.0]
    assert ranked[0]["reasons"] == [
        "投资过 1 家同领域企业 (甲智能)",
        "2 笔同阶段投资",
        "1 笔同省份投资",
        "1 笔同城市群投资",
    ]
    r = app_client.get("/market/match", headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == "field"
    r = app_client.get("/market/match?stage=seedling", headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == "stage"
    r = app_client.get("/market/match?province=火星", headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == "province"
    r = app_client.get("/market/match?field=security", headers=park["enterprise"]["admin"].headers)
    assert r.status_code == 403


@pytest.mark.parametrize("path", ["/market/report?year=2024", "/market/investors"])
def test_an_empty_market_answers_zeroes_not_errors(
    app_client: TestClient, park: Park, path: str
) -> None:
    r = app_client.get(path, headers=park["analyst"]["viewer"].headers)
    assert r.status_code == 200
    if "report" in path:
        assert (r.json()["events"], r.json()["average_deal_yuan"]) == (0, None)
    else:
        assert r.json() == []


def test_names_in_the_html_report_are_escaped(app_client: TestClient, park: Park) -> None:
    rows = [["2024-01-10", "<b>甲", "A轮", "1亿", "<img src=x onerror=alert(1)>", "浙江", ""]]
    assert _upload(app_client, park["operator"]["officer"].headers, rows).status_code == 201
    html = app_client.get(
        "/market/report.html?year=2024", headers=park["analyst"]["viewer"].headers
    ).text
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_html_report_in_english(app_client: TestClient, park: Park) -> None:
    assert _upload(app_client, park["operator"]["officer"].headers, ROWS).status_code == 201
    html = app_client.get(
        "/market/report.html?year=2024&lang=en", headers=park["analyst"]["viewer"].headers
    ).text
    assert "Industrial-internet investment &amp; financing, 2024" in html
    assert 'data-figure="events">3 events' in html
    assert "Yangtze River Delta" in html and "Zhejiang" in html
    assert "年工业互联网" not in html


def test_imports_and_overrides_are_in_the_verifiable_log(
    app_client: TestClient, park: Park
) -> None:
    import hashlib
    import json

    officer = park["operator"]["officer"]
    body = csv_bytes(EVENT_HEADER, ROWS)
    assert _upload(app_client, officer.headers, ROWS).status_code == 201
    entries = app_client.get(
        "/log/entries?kind=market.imported", headers=park["operator"]["viewer"].headers
    ).json()
    (entry,) = entries
    assert (entry["actor_org_id"], entry["subject"]) == (officer.org_id, "market:events")
    data = json.loads(entry["data"])["payload"]
    assert data["sha256"] == hashlib.sha256(body).hexdigest()
    assert (data["rows"], data["created"]) == (3, 3)
    # A rejected import writes nothing, not even a log entry.
    _upload(app_client, officer.headers, [["x", "y", "z", "", "", "", ""]])
    again = app_client.get(
        "/log/entries?kind=market.imported", headers=park["operator"]["viewer"].headers
    ).json()
    assert len(again) == 1
    company = app_client.get("/market/companies?q=甲", headers=officer.headers).json()[0]
    url = f"/market/companies/{company['id']}/classification"
    assert (
        app_client.put(url, headers=officer.headers, json={"field": "security"}).status_code == 200
    )
    (classified,) = app_client.get(
        "/log/entries?kind=market.classified", headers=park["operator"]["viewer"].headers
    ).json()
    assert json.loads(classified["data"])["payload"]["field"] == "security"


def test_events_and_listings_are_listed_with_filters(app_client: TestClient, park: Park) -> None:
    officer = park["operator"]["officer"].headers
    assert _upload(app_client, officer, ROWS).status_code == 201
    listings = csv_bytes(
        ["stock_code", "company", "board", "listing_date", "ipo_proceeds"],
        [["688001", "华兴源创", "科创板", "2019-07-22", "10.09亿元"]],
    )
    r = app_client.post("/market/imports/listings", headers=officer, content=listings)
    assert r.status_code == 201
    viewer = park["bank"]["viewer"].headers
    events = app_client.get("/market/events?year=2024", headers=viewer).json()
    assert [e["company"] for e in events] == ["丙装备", "乙软件", "甲智能"]  # newest first
    usd = events[0]
    assert (usd["currency"], usd["amount_low"], usd["cny_low_yuan"]) == (
        "USD",
        "10000000",
        "71217000.00",
    )
    first = app_client.get("/market/events?round=A轮", headers=viewer).json()
    assert [(e["company"], e["investors"]) for e in first] == [
        ("甲智能", ["红杉资本（中国）", "深创投"])
    ]
    assert first[0]["amount_high"] is None  # 超亿元: no upper bound
    by_place = app_client.get("/market/events?province=上海", headers=viewer).json()
    assert [e["company"] for e in by_place] == ["乙软件"]
    r = app_client.get("/market/events?round=Z轮", headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == "round"
    r = app_client.get("/market/events?province=火星", headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == "province"
    (listing,) = app_client.get("/market/listings?board=科创板", headers=viewer).json()
    assert (listing["stock_code"], listing["exchange"], listing["ipo_proceeds_yuan"]) == (
        "688001",
        "sse",
        "1009000000.00",
    )
    assert app_client.get("/market/listings?board=主板", headers=viewer).json() == []
    r = app_client.get("/market/listings?board=新三板", headers=viewer)
    assert r.status_code == 422 and r.json()["field"] == "board"
    enterprise = park["enterprise"]["viewer"].headers
    assert app_client.get("/market/events", headers=enterprise).status_code == 403
    assert app_client.get("/market/listings", headers=enterprise).status_code == 403
