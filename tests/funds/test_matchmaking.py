"""Two-way matchmaking over HTTP: an enterprise's need and an investor's mandate find each
other with the same score and reasons; each side's records are its own."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.builders import Park


def post_pair(c: TestClient, park: Park) -> dict[str, Any]:
    """The park's enterprise (C34, 330500) needs ¥5m equity at round A; the bank's fund arm
    invests ¥1m–¥10m equity in C34 in Zhejiang at A or B; the other bank only lends."""
    need = c.post("/funds/needs", headers=park["enterprise"]["officer"].headers,
                  json={"instrument": "equity", "amount_yuan": "5000000", "stage": "a",
                        "use_of_funds": "新产线"})  # fmt: skip
    assert need.status_code == 201, need.text
    terms = {
        "name": "智能制造 A 轮", "instruments": ["equity"], "sectors": ["C34"],
        "stages": ["a", "b"], "regions": ["330000"],
        "ticket_min_yuan": "1000000", "ticket_max_yuan": "10000000",
    }  # fmt: skip
    mandate = c.post("/funds/mandates", headers=park["bank"]["officer"].headers, json=terms)
    assert mandate.status_code == 201, mandate.text
    loans = c.post("/funds/mandates", headers=park["other_bank"]["officer"].headers,
                   json={"name": "流贷", "instruments": ["loan"]})  # fmt: skip
    assert loans.status_code == 201
    return {"need": need.json()["id"], "mandate": mandate.json()["id"]}


def test_a_need_and_a_mandate_match_both_ways(app_client: TestClient, park: Park) -> None:
    c = app_client
    ids = post_pair(c, park)
    r = c.get(f"/funds/needs/{ids['need']}/matches", headers=park["enterprise"]["viewer"].headers)
    assert r.status_code == 200, r.text
    [m] = r.json()  # the lending-only mandate does not answer an equity need
    assert (m["mandate_id"], m["score"], m["counterparty"]) == (ids["mandate"], 100, "bank")
    assert [x["criterion"] for x in m["reasons"]] == [
        "instrument", "sector", "stage", "region", "ticket",
    ]  # fmt: skip
    r = c.get(f"/funds/mandates/{ids['mandate']}/matches", headers=park["bank"]["viewer"].headers)
    [back] = r.json()
    assert (back["need_id"], back["score"], back["amount_yuan"]) == (ids["need"], 100, "5000000.00")
    assert back["counterparty"] == "enterprise"


def test_own_records_only_and_bad_input(app_client: TestClient, park: Park) -> None:
    c = app_client
    ids = post_pair(c, park)
    other = park["other_enterprise"]["viewer"].headers
    assert c.get(f"/funds/needs/{ids['need']}/matches", headers=other).status_code == 404
    h = park["other_bank"]["viewer"].headers
    assert c.get(f"/funds/mandates/{ids['mandate']}/matches", headers=h).status_code == 404
    e = park["enterprise"]["officer"].headers
    bad = {"instrument": "bond", "amount_yuan": "1", "use_of_funds": "x"}
    r = c.post("/funds/needs", headers=e, json=bad)
    assert r.status_code == 422 and r.json()["field"] == "instrument"
    r = c.post("/funds/needs", headers=e, json={**bad, "instrument": "loan", "stage": "z"})
    assert r.status_code == 422 and r.json()["field"] == "stage"
    b = park["bank"]["officer"].headers
    r = c.post("/funds/mandates", headers=b, json={"name": "x", "instruments": ["equity"],
               "sectors": ["Z1"]})  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "sectors"
    r = c.post("/funds/mandates", headers=b, json={"name": "x", "instruments": ["equity"],
               "ticket_min_yuan": "10", "ticket_max_yuan": "1"})  # fmt: skip
    assert r.status_code == 422 and r.json()["field"] == "ticket_max_yuan"
    # Enterprises post needs, not mandates; viewers post nothing.
    assert c.post("/funds/mandates", headers=e, json={"name": "x", "instruments": ["equity"]}
                  ).status_code == 403  # fmt: skip
    ev = park["enterprise"]["viewer"].headers
    assert c.post("/funds/needs", headers=ev, json={**bad, "instrument": "loan"}).status_code == 403


def test_a_mandate_names_a_taxonomy_field_for_its_gbt4754_divisions(
    app_client: TestClient, park: Park
) -> None:
    c = app_client
    terms = {"name": "智能装备", "instruments": ["equity"], "sectors": ["intelligent_equipment"]}
    r = c.post("/funds/mandates", headers=park["bank"]["officer"].headers, json=terms)
    assert r.status_code == 201, r.text
    body = {"instrument": "equity", "amount_yuan": "100", "use_of_funds": "x"}
    need = c.post("/funds/needs", headers=park["enterprise"]["officer"].headers, json=body)
    [m] = c.get(
        f"/funds/needs/{need.json()['id']}/matches", headers=park["enterprise"]["viewer"].headers
    ).json()
    [sector] = [x for x in m["reasons"] if x["criterion"] == "sector"]
    assert (sector["met"], sector["detail"]) == (True, "match")  # the enterprise is C34
