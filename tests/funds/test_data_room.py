"""A data room opened from a match: the enterprise grants the matched investor a time-bound
``investment_due_diligence`` consent over the records it chose; the investor reads only
those, each read logged on the enterprise's access list; closing the room revokes the grant
and the investor reads nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from chanrong.governance import service as governance
from chanrong.storage.database import Database
from tests.builders import Park
from tests.funds.test_matchmaking import post_pair
from tests.funds.test_monitoring import _bills
from tests.lending.builders import principal


def test_room_from_a_match_reads_logged_and_closed(
    app_client: TestClient, db: Database, park: Park
) -> None:
    c = app_client
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    _bills(db, ent.org_id)
    ids = post_pair(c, park)
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    rooms = f"/funds/needs/{ids['need']}/data-rooms"
    # Only a matching mandate, only room datasets, only a future end.
    body = {
        "mandate_id": ids["mandate"],
        "datasets": ["business.energy_bills"],
        "valid_until": until,
    }
    lender = c.post("/funds/mandates", headers=park["other_bank"]["officer"].headers,
                    json={"name": "租赁", "instruments": ["lease"]}).json()  # fmt: skip
    r = c.post(rooms, headers=ent.headers, json={**body, "mandate_id": lender["id"]})
    assert r.status_code == 422 and r.json()["field"] == "mandate_id"
    r = c.post(rooms, headers=ent.headers, json={**body, "datasets": ["telemetry.equipment"]})
    assert r.status_code == 422 and r.json()["field"] == "datasets"
    r = c.post(rooms, headers=ent.headers, json={**body, "valid_until": "2020-01-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["field"] == "valid_until"
    assert c.post(rooms, headers=bank.headers, json=body).status_code == 403
    r = c.post(rooms, headers=ent.headers, json=body)
    assert r.status_code == 201, r.text
    room = r.json()
    assert (room["investor_org_id"], room["datasets"], room["live"]) == (
        bank.org_id, ["business.energy_bills"], True,
    )  # fmt: skip
    # Both sides see it; the grant is the enterprise's, for due diligence, ending when asked.
    assert [x["id"] for x in c.get("/funds/data-rooms", headers=bank.headers).json()] == [
        room["id"]
    ]
    assert [x["id"] for x in c.get("/funds/data-rooms", headers=ent.headers).json()] == [room["id"]]
    with db.unit_of_work() as s:
        [g] = [x for x in governance.list_grants(s, principal(s, ent)) if x.id == room["grant_id"]]
        assert (g.purpose, g.grantee_org_id) == ("investment_due_diligence", bank.org_id)
    # The investor reads the chosen dataset; each read is on the enterprise's access list.
    read = f"/funds/data-rooms/{room['id']}/business.energy_bills"
    r = c.get(read, headers=bank.headers, params={"start": "2024-12-01", "end": "2025-03-01"})
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 3 and r.json()["records"][-1]["output_value_fen"] == 1_800_000
    assert c.get(read, headers=bank.headers).json()["count"] == 26
    with db.unit_of_work() as s:
        logged = [
            a for a in governance.list_access(s, principal(s, ent))
            if a.purpose == "investment_due_diligence"
        ]  # fmt: skip
        assert len(logged) == 2
        assert {(a.accessor_org_id, a.dataset, a.grant_id) for a in logged} == {
            (bank.org_id, "business.energy_bills", room["grant_id"])
        }
    # Not a dataset it chose; not another organisation; not the enterprise through the room.
    r = c.get(f"/funds/data-rooms/{room['id']}/business.orders", headers=bank.headers)
    assert r.status_code == 422 and r.json()["field"] == "dataset"
    other = park["other_bank"]["officer"].headers
    assert c.get(read, headers=other).status_code == 404
    assert c.post(f"/funds/data-rooms/{room['id']}/close", headers=bank.headers).status_code == 403
    # Closed: the grant is revoked and the investor reads nothing more, not even around the room.
    r = c.post(f"/funds/data-rooms/{room['id']}/close", headers=ent.headers)
    assert r.status_code == 200 and (r.json()["status"], r.json()["live"]) == ("closed", False)
    assert c.get(read, headers=bank.headers).status_code == 409
    direct = c.get(
        f"/telemetry/orgs/{ent.org_id}/records/energy_bills",
        headers=bank.headers,
        params={"purpose": "investment_due_diligence"},
    )
    assert direct.status_code == 403 and direct.json()["reason"] == "revoked"
    with db.unit_of_work() as s:
        [g] = [x for x in governance.list_grants(s, principal(s, ent)) if x.id == room["grant_id"]]
        assert g.revoked_at is not None
    assert c.post(f"/funds/data-rooms/{room['id']}/close", headers=ent.headers).status_code == 409


def test_room_grant_covers_its_datasets_only_whatever_the_route(
    app_client: TestClient, park: Park
) -> None:
    """The room's grant names its datasets: another dataset of the same category and grade
    (invoices beside orders, both management data of grade 2) stays closed to the investor
    on the platform's own data routes, not only through the room."""
    c = app_client
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    ids = post_pair(c, park)
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    r = c.post(
        f"/funds/needs/{ids['need']}/data-rooms",
        headers=ent.headers,
        json={"mandate_id": ids["mandate"], "datasets": ["business.orders"], "valid_until": until},
    )
    assert r.status_code == 201, r.text
    grant = c.get(f"/consents/{r.json()['grant_id']}", headers=ent.headers).json()
    assert (grant["dataset_scope"], grant["datasets"]) == (["business.orders"], ["business.orders"])
    direct = f"/telemetry/orgs/{ent.org_id}/records/"
    params = {"purpose": "investment_due_diligence"}
    assert c.get(direct + "orders", headers=bank.headers, params=params).status_code == 200
    r = c.get(direct + "invoices", headers=bank.headers, params=params)
    assert r.status_code == 403 and r.json()["reason"] == "dataset_not_granted", r.text
