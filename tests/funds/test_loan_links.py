"""投贷联动: a bank links a loan limit to an equity round; it opens when the round closes and
both parties see it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from tests.builders import Park
from tests.funds.test_matchmaking import post_pair
from tests.lending.builders import principal, product


def test_a_limit_opens_when_the_round_closes(
    app_client: TestClient, db: Database, park: Park
) -> None:
    c = app_client
    ids = post_pair(c, park)
    with db.unit_of_work() as s:
        prod = product(s, principal(s, park["bank"]["officer"])).id
        other_prod = product(s, principal(s, park["other_bank"]["officer"]), code="O").id
    bank = park["bank"]["officer"].headers
    path = f"/funds/needs/{ids['need']}/loan-links"
    r = c.post(path, headers=bank, json={"product_id": prod, "limit_yuan": "2000000"})
    assert r.status_code == 201, r.text
    link = r.json()
    assert (link["status"], link["opened_on"], link["limit_yuan"]) == (
        "pending", None, "2000000.00",
    )  # fmt: skip
    ent = park["enterprise"]["officer"].headers
    assert [x["id"] for x in c.get("/funds/loan-links", headers=ent).json()] == [link["id"]]
    closed = c.post(f"/funds/needs/{ids['need']}/close", headers=ent, json={"date": "2025-03-01"})
    assert closed.status_code == 200, closed.text
    assert [(x["status"], x["opened_on"]) for x in closed.json()] == [("open", "2025-03-01")]
    seen = c.get("/funds/loan-links", headers=park["bank"]["viewer"].headers).json()
    assert [(x["id"], x["status"]) for x in seen] == [(link["id"], "open")]
    again = c.post(f"/funds/needs/{ids['need']}/close", headers=ent, json={"date": "2025-03-02"})
    assert again.status_code == 409
    # Others: another bank's product is not this bank's; other parties see nothing.
    r = c.post(path, headers=bank, json={"product_id": other_prod, "limit_yuan": "1"})
    assert r.status_code == 404
    assert c.get("/funds/loan-links", headers=park["other_bank"]["viewer"].headers).json() == []
    insurer = park["insurer"]["officer"].headers
    r = c.post(path, headers=insurer, json={"product_id": prod, "limit_yuan": "1"})
    assert r.status_code == 422 and r.json()["field"] == "product_id"
    r = c.post(path, headers=bank, json={"product_id": prod, "limit_yuan": "0"})
    assert r.status_code == 422 and r.json()["field"] == "limit_yuan"
    other_ent = park["other_enterprise"]["officer"].headers
    r = c.post(f"/funds/needs/{ids['need']}/close", headers=other_ent, json={"date": "2025-03-01"})
    assert r.status_code == 404
