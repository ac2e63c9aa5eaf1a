"""The deal pipeline: a market financing event of a company on the fund's watch list enters
the pipeline through the worker's daily sync (once per event); the fund manager moves each
deal a stage at a time or passes on it, every move recorded; the console shows and moves it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.jobs import catalog, runner
from chanrong.storage.database import Database
from tests.builders import Park
from tests.market.builders import EVENT_HEADER, csv_bytes
from tests.web.console import HTML, csrf_of, sign_in


def _import(c: TestClient, park: Park, rows: list[list[str]]) -> None:
    r = c.post(
        "/market/imports/events",
        headers={**park["operator"]["officer"].headers, "Content-Type": "text/csv"},
        content=csv_bytes(EVENT_HEADER, rows),
    )
    assert r.status_code == 201, r.text


def _deals(c: TestClient, h: dict[str, str], fund: str) -> list[dict[str, Any]]:
    r = c.get(f"/funds/{fund}/pipeline", headers=h)
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out


def test_watched_companies_market_events_enter_the_pipeline_and_move(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    c, h = app_client, park["bank"]["officer"].headers
    fund = c.post("/funds", headers=h, json={"name": "VC", "kind": "vc", "vintage": 2023}).json()
    for name in ("甲智能", "丁机器人"):
        r = c.post(f"/funds/{fund['id']}/watchlist", headers=h, json={"company_name": name})
        assert r.status_code == 201, r.text
    dup = c.post(f"/funds/{fund['id']}/watchlist", headers=h, json={"company_name": "甲智能"})
    assert dup.status_code == 409
    _import(c, park, [
        ["2024-01-10", "甲智能", "A轮", "超亿元", "深创投", "浙江", "杭州"],
        ["2024-02-11", "乙软件", "天使轮", "5000万元", "深创投", "上海", ""],
    ])  # fmt: skip
    assert _deals(c, h, fund["id"]) == []  # nothing until the worker's sync
    jobs = catalog.load(settings)
    out = runner.run_manually(db, settings, jobs, "funds.pipeline_sync", period="2024-03-01")
    [done] = [o for o in out if o.subject == fund["id"]]
    assert done.detail == "2 watched, 1 not in the market data, 1 deal(s) added"
    [deal] = _deals(c, h, fund["id"])
    assert (deal["company_name"], deal["round"], deal["event_date"], deal["stage"]) == (
        "甲智能", "a", "2024-01-10", "sourced",
    )  # fmt: skip
    assert deal["amount_yuan"] == "100000000.00" and deal["source"] == "market_event"
    # A later event of a watched company enters on a later day; the first is not added twice.
    _import(c, park, [["2024-06-01", "丁机器人", "天使轮", "未披露", "某基金", "", ""]])
    out = runner.run_manually(db, settings, jobs, "funds.pipeline_sync", period="2024-06-02")
    [done] = [o for o in out if o.subject == fund["id"]]
    assert done.detail == "2 watched, 0 not in the market data, 1 deal(s) added"
    deals = _deals(c, h, fund["id"])
    assert [(d["company_name"], d["amount_yuan"]) for d in deals] == [
        ("丁机器人", None),
        ("甲智能", "100000000.00"),
    ]  # fmt: skip  (an undisclosed amount stays unknown)
    # The manager moves a deal one stage at a time, or passes on it.
    move = f"/funds/{fund['id']}/pipeline/{deal['id']}/move"
    assert c.post(move, headers=h, json={"to": "term_sheet"}).status_code == 409
    r = c.post(move, headers=h, json={"to": "screening", "note": "看好"})
    assert r.status_code == 200 and r.json()["stage"] == "screening"
    assert [(m["from_stage"], m["to_stage"]) for m in r.json()["moves"]] == [
        (None, "sourced"), ("sourced", "screening"),
    ]  # fmt: skip
    assert c.post(move, headers=h, json={"to": "nowhere"}).status_code == 422
    other = park["other_bank"]["admin"].headers
    assert c.post(move, headers=other, json={"to": "passed"}).status_code == 404
    assert c.get(f"/funds/{fund['id']}/pipeline", headers=other).status_code == 404

    # In the console: the manager sees the pipeline and moves a deal on.
    m = sign_in(TestClient(app_client.app), park["bank"]["officer"].key)
    page = m.get(f"/console/funds/{fund['id']}/pipeline", headers=HTML)
    assert page.status_code == 200 and "项目储备" in page.text and "丁机器人" in page.text
    assert f'data-deal="{deal["id"]}" data-stage="screening"' in page.text
    r = m.post(
        f"/console/funds/{fund['id']}/pipeline/{deal['id']}",
        data={"to": "due_diligence", "csrf_token": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 200 and f'data-deal="{deal["id"]}" data-stage="due_diligence"' in r.text
    r = m.post(
        f"/console/funds/{fund['id']}/watchlist",
        data={"company_name": "戊材料", "csrf_token": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 200 and "戊材料" in r.text
    en = m.get(f"/console/funds/{fund['id']}/pipeline?lang=en", headers=HTML)
    assert "Deal pipeline" in en.text and "due diligence" in en.text
    # Passed: final, it does not move again.
    assert c.post(move, headers=h, json={"to": "passed"}).json()["stage"] == "passed"
    assert c.post(move, headers=h, json={"to": "term_sheet"}).status_code == 409
