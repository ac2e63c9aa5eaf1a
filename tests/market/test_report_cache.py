"""The market report is cached per database and year, and never outlives a change of its data:
an import, a rollback and a classification override each show in the next report."""

from __future__ import annotations

import subprocess
import sys

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


def test_a_classification_by_another_process_shows_in_the_next_report(
    app_client: TestClient, park: Park
) -> None:
    """Another process overrides a classification: this process's cached report is told
    nothing, yet the next report shows it at once, with no time limit to wait out."""
    operator = park["operator"]["officer"].headers
    viewer = park["analyst"]["viewer"].headers
    r = app_client.post(
        "/market/imports/events",
        headers={**operator, "Content-Type": "text/csv"},
        content=csv_bytes(EVENT_HEADER, FIRST),
    )
    assert r.status_code == 201, r.text

    def security_events() -> int | None:
        r = app_client.get("/market/report?year=2024", headers=viewer)
        assert r.status_code == 200, r.text
        return {b["key"]: b["events"] for b in r.json()["by_field"]}.get("security")

    assert security_events() is None
    company = app_client.get("/market/companies?q=甲", headers=viewer).json()[0]
    url = app_client.app.state.settings.effective_database_url  # type: ignore[attr-defined]
    code = (
        "import sys\n"
        "from chanrong.market import service as market\n"
        "from chanrong.storage.database import Database\n"
        "db = Database(sys.argv[1])\n"
        "with db.unit_of_work() as s:\n"
        "    market.override_classification(s, sys.argv[2], field='security')\n"
        "db.dispose()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, url, company["id"]], capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert security_events() == 1
