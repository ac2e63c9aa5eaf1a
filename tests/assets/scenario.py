"""One enterprise's story through the API, for the console and browser tests: a valued data
resource pledged with two receivables into the bank's pool, its credit line drawn on lending,
then the receivables paid
so the nightly revaluation raises a margin alert."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from tests.assets.builders import DATASET, catalog_with_reads, credit_line, draw, land
from tests.builders import Park


@dataclass(frozen=True)
class Story:
    valuation_id: str
    value_fen: int
    pool_id: str
    alert_id: str
    log_index: int


def margin_story(client: TestClient, db: Database, park: Park, settings: Settings) -> Story:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    catalog_with_reads(db, ent.org_id, bank.org_id, reads=10)
    res = next(
        x
        for x in client.post("/assets/register/build", headers=ent.headers).json()
        if x["dataset"] == DATASET
    )
    for kind, amount in (("collection", "30000"), ("processing", "20000")):
        r = client.post(
            f"/assets/register/{res['id']}/costs",
            headers=ent.headers,
            json={
                "kind": kind,
                "amount": amount,
                "incurred_on": "2026-01-15",
                "evidence": f"invoice {kind}",
            },
        )
        assert r.status_code == 201, r.text
    v = client.post(
        f"/assets/register/{res['id']}/valuations",
        headers=ent.headers,
        json={
            "as_of": "2026-06-30",
            "business_flows": ["100000"] * 3,
            "share": "0.10",
        },
    ).json()
    rows = [
        {
            "receivable_id": f"R{i}",
            "debtor_name": f"客户{i}",
            "due_date": "2026-06-20",
            "amount": "100000",
            "outstanding": "100000",
        }
        for i in (1, 2)
    ]
    land(db, ent.org_id, "receivables", rows)
    pool = client.post(
        "/assets/pools",
        json={"enterprise_org_id": ent.org_id, "limit": "500000"},
        headers=bank.headers,
    ).json()
    for typ, ref in (("receivable", "R1"), ("receivable", "R2"), ("data", res["id"])):
        r = client.post(
            f"/assets/pools/{pool['id']}/pledges",
            headers=ent.headers,
            json={"asset_type": typ, "asset_ref": ref, "on": "2026-06-30"},
        )
        assert r.status_code == 201, r.text
    client.post(
        f"/assets/pools/{pool['id']}/revalue", json={"as_of": "2026-06-30"}, headers=bank.headers
    )
    line_id = credit_line(client, bank.headers, ent.org_id, limit="500000")
    r = client.put(
        f"/assets/pools/{pool['id']}/line",
        json={"line_id": line_id, "as_of": "2026-06-30"},
        headers=bank.headers,
    )
    assert r.status_code == 200, r.text
    draw(client, ent.headers, line_id, amount="90000", on="2026-06-30")
    land(db, ent.org_id, "receivables", [{**row, "outstanding": "0"} for row in rows])
    out = run_manually(
        db,
        settings,
        catalog.load(settings),
        "assets.revalue_pools",
        subject=pool["id"],
        period="2026-07-01",
    )
    assert [o.status for o in out] == ["succeeded"], out
    alert = client.get("/assets/alerts", headers=bank.headers).json()[0]
    return Story(v["id"], v["value_fen"], pool["id"], alert["id"], alert["log_index"])
