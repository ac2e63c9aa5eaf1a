"""The issue's table through the API: one investor's deals with no province and no amount,
imported with an explicit mapping, queried back by year and round, and rolled back."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import Park
from tests.market.builders import csv_bytes

HEADER = ["date", "company", "round", "investor"]
INVESTOR = "某产业资本"
# One investor's 14 deals as printed: date, company, round; no province, no amount.
DEALS = [
    ["2022-03-01", "甲智能", "A轮", INVESTOR],
    ["2022-07-15", "乙软件", "天使轮", INVESTOR],
    ["2022-11-20", "丙装备", "A轮", f"{INVESTOR}、深创投"],
    ["2023-01-10", "丁网络", "B轮", INVESTOR],
    ["2023-02-14", "戊安全", "A轮", INVESTOR],
    ["2023-05-05", "己平台", "Pre-A轮", INVESTOR],
    ["2023-08-08", "庚数据", "B轮", f"{INVESTOR}、深创投"],
    ["2023-12-01", "辛传感", "C轮", INVESTOR],
    ["2024-01-09", "壬控制", "A轮", INVESTOR],
    ["2024-03-03", "癸机器人", "A轮", INVESTOR],
    ["2024-04-04", "子边缘", "战略投资", INVESTOR],
    ["2024-06-30", "丑工业软件", "B轮", INVESTOR],
    ["2024-09-09", "寅标识", "天使轮", INVESTOR],
    ["2024-12-12", "卯芯片", "未披露", INVESTOR],
]


def _post(client: TestClient, headers: dict[str, str], query: str = "") -> object:
    return client.post(
        f"/market/imports/events{query}",
        headers={**headers, "Content-Type": "text/csv"},
        content=csv_bytes(HEADER, DEALS),
    )


def test_the_issue_table_imports_with_a_mapping_and_comes_back_by_year_and_round(
    app_client: TestClient, park: Park
) -> None:
    officer = park["operator"]["officer"].headers
    viewer = park["analyst"]["viewer"].headers
    refused = app_client.post(
        "/market/imports/events",
        headers={**officer, "Content-Type": "text/csv"},
        content=csv_bytes(HEADER, DEALS),
    )
    assert refused.status_code == 422 and refused.json()["field"] == "investor"
    assert "did you mean investors" in refused.json()["detail"]

    r = app_client.post(
        "/market/imports/events?map=investor=investors",
        headers={**officer, "Content-Type": "text/csv"},
        content=csv_bytes(HEADER, DEALS),
    )
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 14 and r.json()["batch_id"]

    p = app_client.get(f"/market/investors/{INVESTOR}/profile", headers=viewer)
    assert p.status_code == 200, p.text
    body = p.json()
    assert body["by_year"] == {"2022": 3, "2023": 5, "2024": 6}
    assert body["by_year_round"]["2024"] == {
        "a": 2, "strategic": 1, "b": 1, "angel": 1, "undisclosed": 1,
    }  # fmt: skip
    assert body["by_year_round"]["2023"] == {"b": 2, "a": 1, "pre_a": 1, "c": 1}
    assert body["co_investors"] == [{"name": "深创投", "deals": 2}]
    assert body["by_stage"]["early"] == 8
    # Unknowns are counted and kept unknown; the average over no known amount is absent.
    assert (body["amount_unknown"], body["province_unknown"]) == (14, 14)
    assert body["average_known_deal_yuan"] is None
    assert all(d["province_code"] is None and d["cny_low_yuan"] is None for d in body["deals"])

    events = app_client.get(f"/market/events?investor={INVESTOR}&limit=100", headers=viewer)
    assert len(events.json()) == 14
    assert all(e["province_code"] is None and e["amount_text"] is None for e in events.json())
    report = app_client.get("/market/report?year=2024", headers=viewer).json()
    assert report["average_deal_yuan"] is None
    assert (report["amount_unknown"], report["province_unknown"]) == (6, 6)
    assert report["by_province"] == []


def test_event_filters_and_unknown_parameters(app_client: TestClient, park: Park) -> None:
    officer = park["operator"]["officer"].headers
    viewer = park["bank"]["viewer"].headers
    assert _post(app_client, officer, "?map=investor=investors").status_code == 201  # type: ignore[attr-defined]
    known = [["2024-05-05", "辰智造", "A轮", "3000万元", "深创投", "浙江"]]
    r = app_client.post(
        "/market/imports/events",
        headers={**officer, "Content-Type": "text/csv"},
        content=csv_bytes(["date", "company", "round", "amount", "investors", "province"], known),
    )
    assert r.status_code == 201, r.text

    def names(query: str) -> list[str]:
        got = app_client.get(f"/market/events?limit=100&{query}", headers=viewer)
        assert got.status_code == 200, got.text
        return sorted(e["company"] for e in got.json())

    assert names("investor=深创投") == ["丙装备", "庚数据", "辰智造"]
    assert names("province=unknown&year_from=2024&year_to=2024&round=战略投资") == ["子边缘"]
    assert names("province=浙江") == ["辰智造"]
    assert names("amount_min=10000000&amount_max=50000000") == ["辰智造"]
    assert names("amount_min=50000000") == []
    assert names("company=机器") == ["癸机器人"]
    assert len(names("year_from=2023&year_to=2023")) == 5
    for query, field in [
        ("investr=深创投", "investr"),
        ("investor=无此机构", "investor"),
        ("year_from=2024&year_to=2023", "year_from"),
        ("sector=农业", "sector"),
        ("province=火星", "province"),
        ("amount_min=-1", "amount_min"),
    ]:
        bad = app_client.get(f"/market/events?{query}", headers=viewer)
        assert bad.status_code == 422, (query, bad.text)
        assert bad.json()["field"] == field, bad.text


def test_batches_roll_back_and_templates_are_reused(app_client: TestClient, park: Park) -> None:
    officer = park["operator"]["officer"].headers
    viewer = park["analyst"]["viewer"].headers
    t = app_client.put(
        "/market/import-templates",
        headers=officer,
        json={"name": "一家机构的年报表", "dataset": "events", "map": {"investor": "investors"}},
    )
    assert t.status_code == 200, t.text
    bad = app_client.put(
        "/market/import-templates",
        headers=officer,
        json={"name": "x", "dataset": "events", "map": {"investor": "investor"}},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "map"
    r = _post(app_client, officer, "?template=一家机构的年报表")
    assert r.status_code == 201, r.text  # type: ignore[attr-defined]
    batch_id = r.json()["batch_id"]  # type: ignore[attr-defined]
    batches = app_client.get("/market/imports", headers=officer).json()
    assert [(b["id"], b["created"], b["mapping"]) for b in batches] == [
        (batch_id, 14, {"investor": "investors"})
    ]
    rb = app_client.post(f"/market/imports/{batch_id}/rollback", headers=officer)
    assert rb.status_code == 200 and rb.json()["rolled_back_at"]
    assert app_client.get("/market/events", headers=viewer).json() == []
    assert (
        app_client.get(f"/market/investors/{INVESTOR}/profile", headers=viewer).status_code == 404
    )
    assert app_client.get("/market/companies", headers=viewer).json() == []
    again = app_client.post(f"/market/imports/{batch_id}/rollback", headers=officer)
    assert again.status_code == 409
    assert app_client.post("/market/imports/nope/rollback", headers=officer).status_code == 404
    # Re-importing after a rollback brings the rows back.
    assert _post(app_client, officer, "?template=一家机构的年报表").status_code == 201  # type: ignore[attr-defined]
    missing = _post(app_client, officer, "?template=无此模板")
    assert missing.status_code == 422 and missing.json()["field"] == "template"  # type: ignore[attr-defined]


def test_who_may_see_profiles_batches_and_roll_back(app_client: TestClient, park: Park) -> None:
    officer = park["operator"]["officer"].headers
    r = _post(app_client, officer, "?map=investor=investors")
    batch_id = r.json()["batch_id"]  # type: ignore[attr-defined]
    profile = f"/market/investors/{INVESTOR}/profile"
    for role in ("viewer", "admin"):
        assert app_client.get(profile, headers=park["enterprise"][role].headers).status_code == 403
    assert app_client.get(profile).status_code == 401
    for who, role in [("analyst", "admin"), ("bank", "admin"), ("operator", "viewer")]:
        h = park[who][role].headers
        assert app_client.get("/market/imports", headers=h).status_code == 403
        assert app_client.post(f"/market/imports/{batch_id}/rollback", headers=h).status_code == 403
        assert app_client.get("/market/import-templates", headers=h).status_code == 403
        put = app_client.put(
            "/market/import-templates",
            headers=h,
            json={"name": "x", "dataset": "events", "map": {"investor": "investors"}},
        )
        assert put.status_code == 403
    assert app_client.post(f"/market/imports/{batch_id}/rollback").status_code == 401
    assert len(app_client.get("/market/events", headers=officer).json()) == 14
