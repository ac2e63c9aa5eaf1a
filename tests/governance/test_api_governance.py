"""Consent, the access list, the catalog and the log over HTTP, with every denial."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.governance import keys, merkle
from chanrong.governance.export import verify_package
from chanrong.storage.database import Database
from tests.builders import Park
from tests.governance import rfc9162
from tests.governance.builders import sign_head_now


def _grant_body(grantee: str, **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "grantee_org_id": grantee,
        "categories": ["production", "management"],
        "max_grade": 2,
        "purpose": "credit_assessment",
        "valid_until": (utcnow() + timedelta(days=30)).isoformat(),
    }
    body.update(kw)
    return body


def test_enterprise_grants_and_revokes_and_bank_sees_the_grant(
    app_client: TestClient, park: Park
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["viewer"]
    body = _grant_body(bank.org_id)
    r = app_client.post("/consents", json=body, headers={**ent.headers, "Idempotency-Key": "g1"})
    assert r.status_code == 201, r.text
    grant = r.json()
    assert grant["status"] == "live" and grant["categories"] == ["management", "production"]
    assert grant["owner_org_id"] == ent.org_id and grant["log_index"] >= 0
    replay = app_client.post(
        "/consents", json=body, headers={**ent.headers, "Idempotency-Key": "g1"}
    )
    assert replay.json()["id"] == grant["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert [g["id"] for g in app_client.get("/consents", headers=bank.headers).json()] == [
        grant["id"]
    ]
    assert app_client.get("/consents", headers=park["other_bank"]["admin"].headers).json() == []
    # Only the enterprise's admin/officer revokes; others see 403 or 404.
    path = f"/consents/{grant['id']}/revoke"
    assert app_client.post(path, headers=bank.headers).status_code == 403
    assert app_client.post(path, headers=park["enterprise"]["viewer"].headers).status_code == 403
    assert (
        app_client.post(path, headers=park["other_enterprise"]["admin"].headers).status_code == 404
    )
    r = app_client.post(path, json={"reason": "loan repaid"}, headers=ent.headers)
    assert r.status_code == 200
    assert r.json()["status"] == "revoked" and r.json()["revoke_reason"] == "loan repaid"
    assert app_client.post(path, headers=ent.headers).status_code == 409


def test_grant_input_errors_name_the_field(app_client: TestClient, park: Park) -> None:
    ent, bank = park["enterprise"]["admin"], park["bank"]["officer"]
    cases = [
        (_grant_body(bank.org_id, categories=[]), "categories"),
        (_grant_body(bank.org_id, categories=["secret"]), "categories"),
        (_grant_body(bank.org_id, max_grade=4), "max_grade"),
        (_grant_body(bank.org_id, purpose="fun"), "purpose"),
        (_grant_body(bank.org_id, valid_until="2020-01-01T00:00:00+00:00"), "valid_until"),
        (_grant_body(bank.org_id, valid_until="2030-01-01T00:00:00"), "valid_until"),  # naive
        (_grant_body(park["other_enterprise"]["admin"].org_id), "grantee_org_id"),
    ]
    for body, field in cases:
        r = app_client.post("/consents", json=body, headers=ent.headers)
        assert r.status_code == 422, (field, r.text)
        assert field in (r.json().get("field") or r.text), (field, r.text)
    assert (
        app_client.post(
            "/consents",
            json=_grant_body("00000000-0000-0000-0000-000000000000"),
            headers=ent.headers,
        ).status_code
        == 404
    )
    # Viewers, banks and the operator cannot grant.
    for who in (park["enterprise"]["viewer"], park["bank"]["admin"], park["operator"]["admin"]):
        r = app_client.post("/consents", json=_grant_body(bank.org_id), headers=who.headers)
        assert r.status_code == 403
    assert app_client.get("/consents", headers=ent.headers).json() == []  # nothing half-written


def test_access_list_shows_who_read_what_when_and_why(app_client: TestClient, park: Park) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    url = f"/catalog/enterprises/{ent.org_id}/datasets/telemetry.equipment"
    r = app_client.post("/consents", json=_grant_body(bank.org_id), headers=ent.headers)
    grant_id = r.json()["id"]
    assert (
        app_client.get(
            url, params={"purpose": "credit_assessment"}, headers=bank.headers
        ).status_code
        == 200
    )
    r = app_client.get(url, params={"purpose": "credit_assessment"}, headers=bank.headers)
    assert r.json()["category"] == "production" and r.json()["grade"] == 2
    rows = app_client.get("/governance/access", headers=park["enterprise"]["viewer"].headers).json()
    assert len(rows) == 2
    assert rows[0]["accessor_name"] == "bank" and rows[0]["purpose"] == "credit_assessment"
    assert rows[0]["grant_id"] == grant_id and rows[0]["dataset"] == "telemetry.equipment"
    assert rows[0]["log_index"] == r.json()["access_log_index"]
    # The bank cannot read the enterprise's access list; the operator can.
    assert (
        app_client.get(
            "/governance/access", params={"owner_org_id": ent.org_id}, headers=bank.headers
        ).status_code
        == 404
    )
    op = app_client.get(
        "/governance/access",
        params={"owner_org_id": ent.org_id},
        headers=park["operator"]["viewer"].headers,
    )
    assert len(op.json()) == 2
    # The access is in the log, and the enterprise can fetch it and its inclusion proof.
    idx = rows[0]["log_index"]
    entry = app_client.get(f"/log/entries/{idx}", headers=ent.headers).json()
    assert entry["kind"] == "data.access" and entry["actor_org_id"] == bank.org_id
    assert (
        app_client.get(
            f"/log/entries/{idx}", headers=park["other_bank"]["admin"].headers
        ).status_code
        == 404
    )


def test_catalog_suggests_operator_confirms_or_overrides_with_reason(
    app_client: TestClient, park: Park
) -> None:
    ent, op = park["enterprise"]["officer"], park["operator"]["officer"]
    body = {
        "owner_org_id": ent.org_id,
        "name": "plant.sensor_readings",
        "description": "PLC sensors",
        "schema": {"ts": "timestamp", "plc_setpoint": "float"},
        "quality_score": "97.5",
    }
    r = app_client.post("/catalog", json=body, headers=ent.headers)
    assert r.status_code == 201, r.text
    entry = r.json()
    assert (entry["category"], entry["grade"], entry["confirmed"]) == ("production", 3, False)
    assert entry["national_level"] == "important" and entry["quality_score"] == "97.50"
    assert any("setpoint" in reason for reason in entry["suggestion_reasons"])
    assert app_client.post("/catalog", json=body, headers=ent.headers).status_code == 409
    bad = {**body, "name": "x", "quality_score": "101"}
    assert app_client.post("/catalog", json=bad, headers=ent.headers).status_code == 422
    other = {**body, "name": "y"}
    assert (
        app_client.post(
            "/catalog", json=other, headers=park["other_enterprise"]["admin"].headers
        ).status_code
        == 404
    )
    classify = f"/catalog/entries/{entry['id']}/classify"
    # Only the operator classifies; a change needs a reason.
    assert app_client.post(classify, json={}, headers=ent.headers).status_code == 403
    r = app_client.post(classify, json={"grade": 2}, headers=op.headers)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = app_client.post(
        classify, json={"grade": 2, "reason": "setpoints are read-only copies"}, headers=op.headers
    )
    assert r.status_code == 200 and r.json()["grade"] == 2 and r.json()["confirmed"] is True
    r = app_client.post(classify, json={}, headers=op.headers)  # confirm as is
    assert r.json()["grade"] == 2
    history = app_client.get(f"/catalog/entries/{entry['id']}/history", headers=ent.headers).json()
    assert [h["action"] for h in history] == ["suggested", "overridden", "confirmed"]
    assert history[1]["changed_by_user_id"] == op.user_id
    assert history[1]["reason"] == "setpoints are read-only copies"
    assert (history[1]["old_grade"], history[1]["new_grade"]) == (3, 2)
    listing = app_client.get("/catalog", headers=ent.headers).json()
    assert [e["name"] for e in listing] == ["plant.sensor_readings"]
    assert app_client.get("/catalog", headers=park["bank"]["admin"].headers).json() == []
    s = app_client.post("/catalog/suggest", json={"name": "business.orders"}, headers=ent.headers)
    assert s.json()["category"] == "management" and s.json()["grade"] == 2


def test_log_proofs_over_http_verify_offline(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    for _ in range(3):
        app_client.post("/consents", json=_grant_body(bank.org_id), headers=ent.headers)
    key = keys.parse_public_key(
        app_client.get("/log/public-key", headers=bank.headers).json()["public_key_b64"]
    )
    sign_head_now(db, settings)
    head1 = app_client.get("/log/head", headers=bank.headers).json()
    app_client.post("/consents", json=_grant_body(bank.org_id), headers=ent.headers)
    sign_head_now(db, settings)
    head2 = app_client.get("/log/head", headers=bank.headers).json()
    assert (head1["size"], head2["size"]) == (3, 4)
    for head in (head1, head2):
        msg = merkle.tree_head_message(
            head["size"], bytes.fromhex(head["root_hash"]), head["timestamp_ms"]
        )
        assert keys.verify(key, msg, bytes.fromhex(head["signature"]))
    c = app_client.get("/log/consistency", params={"old_size": 3}, headers=bank.headers).json()
    assert rfc9162.verify_consistency(
        3, 4, bytes.fromhex(head1["root_hash"]), bytes.fromhex(head2["root_hash"]),
        [bytes.fromhex(h) for h in c["path"]],
    )  # fmt: skip
    entries = app_client.get("/log/entries", headers=ent.headers).json()
    assert [e["kind"] for e in entries] == ["consent.granted"] * 4
    p = app_client.get("/log/entries/1/proof", headers=ent.headers).json()
    leaf = merkle.leaf_hash(entries[1]["data"].encode())
    assert p["leaf_hash"] == leaf.hex()
    assert rfc9162.verify_path(
        1, 4, leaf, [bytes.fromhex(h) for h in p["path"]], bytes.fromhex(head2["root_hash"])
    )
    assert (
        app_client.get("/log/consistency", params={"old_size": 9}, headers=bank.headers).json()[
            "field"
        ]
        == "old_size"
    )
    assert app_client.get("/log/entries/99/proof", headers=ent.headers).status_code == 404
    assert len(app_client.get("/log/heads", headers=bank.headers).json()) == 2


def test_signed_export_package_verifies_offline_and_tampering_is_caught(
    app_client: TestClient, park: Park, db: Database
) -> None:
    import io
    import zipfile

    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    grant_id = app_client.post(
        "/consents", json=_grant_body(bank.org_id), headers=ent.headers
    ).json()["id"]
    url = f"/catalog/enterprises/{ent.org_id}/datasets/business.orders/export"
    r = app_client.get(url, params={"purpose": "credit_assessment"}, headers=bank.headers)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    key = keys.parse_public_key(
        app_client.get("/log/public-key", headers=bank.headers).json()["public_key_pem"]
    )
    report = verify_package(r.content, key)
    assert report.ok, report.problems
    assert report.manifest["grant_id"] == grant_id
    assert report.manifest["files"][0]["name"] == "catalog-record.json"
    logged = app_client.get(f"/log/entries/{r.headers['X-Log-Index']}", headers=ent.headers).json()
    assert logged["kind"] == "data.export"

    def tampered(change: str) -> bytes:
        src = zipfile.ZipFile(io.BytesIO(r.content))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as dst:
            for name in src.namelist():
                data = src.read(name)
                if change == "file" and name.startswith("data/"):
                    data = data.replace(b"business", b"busjness")
                if change == "manifest" and name == "manifest.json":
                    data = data.replace(
                        b'"purpose":"credit_assessment"', b'"purpose":"leasing_billing"'
                    )
                if change == "drop" and name.startswith("data/"):
                    continue
                dst.writestr(name, data)
            if change == "add":
                dst.writestr("data/extra.csv", b"a,b\n")
        return out.getvalue()

    assert "contents do not match" in verify_package(tampered("file"), key).problems[0]
    assert verify_package(tampered("manifest"), key).problems == [
        "manifest signature does not verify"
    ]
    assert "missing" in verify_package(tampered("drop"), key).problems[0]
    assert "not in the manifest" in verify_package(tampered("add"), key).problems[0]
    stranger = Ed25519PrivateKey.generate().public_key()
    assert not verify_package(r.content, stranger).ok
    assert not verify_package(b"not a zip", key).ok
    # Without a grant: refused, and nothing is exported or logged.
    size = app_client.get("/log/head", headers=ent.headers).json()["size"]
    r = app_client.get(
        url, params={"purpose": "credit_assessment"}, headers=park["other_bank"]["officer"].headers
    )
    assert r.status_code == 403
    assert app_client.get("/log/head", headers=ent.headers).json()["size"] == size


def test_standard_datasets_are_registered_once_with_their_schemas(
    app_client: TestClient, park: Park
) -> None:
    ent = park["enterprise"]["officer"]
    url = "/catalog/defaults"
    params = {"owner_org_id": ent.org_id}
    r = app_client.post(url, params=params, headers=ent.headers)
    assert r.status_code == 200 and len(r.json()) == 19
    orders = next(e for e in r.json() if e["name"] == "business.orders")
    assert orders["schema"]["amount_fen"] == "int" and orders["grade"] == 2
    again = app_client.post(url, params=params, headers=park["operator"]["officer"].headers)
    assert [e["id"] for e in again.json()] == [e["id"] for e in r.json()]  # nothing duplicated
    assert (
        app_client.post(
            url, params=params, headers=park["enterprise"]["viewer"].headers
        ).status_code
        == 403
    )
    assert (
        app_client.post(
            url, params=params, headers=park["other_enterprise"]["officer"].headers
        ).status_code
        == 404
    )
    assert (
        app_client.post(url, params=params, headers=park["bank"]["admin"].headers).status_code
        == 403
    )


def test_access_list_filters_by_time_and_refuses_naive_times(
    app_client: TestClient, park: Park
) -> None:
    ent = park["enterprise"]["viewer"]
    r = app_client.get(
        "/governance/access", params={"since": "2026-01-01T00:00:00"}, headers=ent.headers
    )
    assert r.status_code == 422 and "since" in r.text
    future = (utcnow() + timedelta(days=1)).isoformat()
    r = app_client.get("/governance/access", params={"since": future}, headers=ent.headers)
    assert r.status_code == 200 and r.json() == []
    assert (
        app_client.get("/governance/access", params={"limit": 0}, headers=ent.headers).status_code
        == 422
    )
