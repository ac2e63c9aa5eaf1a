"""The market report is cached per database and year, and never outlives a change of its data:
an import, a rollback and a classification override each show in the next report."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import Park
from tests.market.builders import EVENT_HEADER, csv_bytes

FIRST = [["2024-01-10", "甲智能", "A轮", "超亿元", "深创投", "浙江", "杭州"]]
MORE = [
    ["2024-02-11", "乙软件", "天使轮", "5000万元", "深创投", "上海", ""],
    ["2024-03-12", "丙装备", "B轮", "$10M", "某产业基金", "广东", "深圳"],
]


def test_the_cached_report_follows_imports_rollbacks_and_overrides(
    app_client: TestClient, park: Park
) -> None:
    operator = park["operator"]["officer"].headers
    viewer = park["analyst"]["viewer"].headers

    def upload(rows: list[list[str]]) -> str:
        r = app_client.post(
            "/market/imports/events",
            headers={**operator, "Content-Type": "text/csv"},
            content=csv_bytes(EVENT_HEADER, rows),
        )
        assert r.status_code == 201, r.text
        return str(r.json()["batch_id"])

    def report() -> dict[str, object]:
        r = app_client.get("/market/report?year=2024", headers=viewer)
        assert r.status_code == 200, r.text
        body: dict[str, object] = r.json()
        return body

    upload(FIRST)
    assert report()["events"] == 1
    assert report()["events"] == 1  # asked again: the same figures
    batch = upload(MORE)
    assert report()["events"] == 3
    r = app_client.post(f"/market/imports/{batch}/rollback", headers=operator)
    assert r.status_code == 200, r.text
    assert report()["events"] == 1
    company = app_client.get("/market/companies?q=甲", headers=viewer).json()[0]
    r = app_client.put(
        f"/market/companies/{company['id']}/classification",
        headers=operator,
        json={"field": "security"},
    )
    assert r.status_code == 200, r.text
    by_field = report()["by_field"]
    assert isinstance(by_field, list)
    assert {b["key"]: b["events"] for b in by_field}.get("security") == 1
