"""Identity over HTTP on SQLite and PostgreSQL: authentication, organisation scoping, roles."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from tests.builders import REAL_USCCS, Park, add_member, add_org


def test_unauthenticated_calls_get_401_problem(app_client: TestClient) -> None:
    r = app_client.get("/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"


def test_bad_and_revoked_keys_are_refused(app_client: TestClient, park: Park) -> None:
    admin = park["bank"]["admin"]
    assert app_client.get("/me", headers=admin.headers).status_code == 200
    bogus = {"Authorization": "Bearer crk_000000000000_nope"}
    assert app_client.get("/me", headers=bogus).json()["detail"] == "unknown API key"
    # A known prefix with the wrong secret is refused too.
    wrong = {"Authorization": f"Bearer {admin.key[:17]}{'x' * 43}"}
    assert app_client.get("/me", headers=wrong).status_code == 401
    keys = app_client.get(f"/organisations/{admin.org_id}/api-keys", headers=admin.headers).json()
    mine = next(k for k in keys if k["user_id"] == admin.user_id)
    r = app_client.post(f"/api-keys/{mine['id']}/revoke", headers=admin.headers)
    assert r.status_code == 200
    assert r.json()["revoked_at"]
    r = app_client.get("/me", headers=admin.headers)
    assert r.status_code == 401
    assert "revoked" in r.json()["detail"]


def test_token_exchange_and_password_sign_in(app_client: TestClient, db: Database) -> None:
    with db.unit_of_work() as s:
        org_id = add_org(s, "enterprise", name="甲公司")
        add_member(s, org_id, "officer", password="correct horse")
        from chanrong.identity import service

        user = service.list_users_unchecked(s, org_id)[0]
    r = app_client.post(
        "/auth/token",
        json={"organisation": "甲公司", "username": user.username, "password": "correct horse"},
    )
    assert r.status_code == 200
    tok = r.json()["access_token"]
    me = app_client.get("/me", headers={"Authorization": f"Bearer {tok}"}).json()
    assert me["org_id"] == org_id
    assert me["roles"] == ["officer"]
    r = app_client.post(
        "/auth/token",
        json={"organisation": "甲公司", "username": user.username, "password": "wrong pass"},
    )
    assert r.status_code == 401
    r = app_client.post("/auth/token", json={})
    assert r.status_code == 422
    assert r.json()["field"] == "api_key"
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abc"}
    assert app_client.get("/me", headers=forged).status_code == 401


def test_api_key_exchanges_for_token(app_client: TestClient, park: Park) -> None:
    key = park["enterprise"]["viewer"].key
    r = app_client.post("/auth/token", json={"api_key": key})
    assert r.status_code == 200
    assert r.json()["expires_in"] > 0


def test_organisations_are_scoped(app_client: TestClient, park: Park) -> None:
    bank = park["bank"]["admin"]
    ent = park["enterprise"]["admin"]
    op = park["operator"]["viewer"]
    assert [o["id"] for o in app_client.get("/organisations", headers=bank.headers).json()] == [
        bank.org_id
    ]
    assert len(app_client.get("/organisations", headers=op.headers).json()) == 9
    # Another organisation's record looks missing, not forbidden: no existence leak.
    r = app_client.get(f"/organisations/{ent.org_id}", headers=bank.headers)
    assert r.status_code == 404
    r = app_client.get(f"/organisations/{ent.org_id}/users", headers=bank.headers)
    assert r.status_code == 404
    assert app_client.get(f"/organisations/{ent.org_id}", headers=op.headers).status_code == 200


def test_only_operator_admins_onboard(app_client: TestClient, park: Park) -> None:
    body = {"name": "中石化", "kind": "enterprise", "uscc": REAL_USCCS["sinopec"]}
    assert (
        app_client.post("/organisations", json=body, headers=park["bank"]["admin"].headers)
    ).status_code == 403
    assert (
        app_client.post("/organisations", json=body, headers=park["operator"]["officer"].headers)
    ).status_code == 403
    r = app_client.post("/organisations", json=body, headers=park["operator"]["admin"].headers)
    assert r.status_code == 201, r.text
    assert r.json()["uscc"] == REAL_USCCS["sinopec"]


@pytest.mark.parametrize(
    ("uscc", "rule"),
    [
        ("9111000071092609", "length"),
        ("91110000710926094I", "charset"),
        ("B1110000710926094P", "authority"),
        ("94110000710926094P", "category"),
        ("911A0000710926094P", "region"),
        ("91110000710926095P", "org_code_check"),
        ("91110000710926094Q", "check_digit"),
    ],
)
def test_invalid_uscc_is_a_422_naming_the_rule(
    app_client: TestClient, park: Park, uscc: str, rule: str
) -> None:
    body = {"name": "x", "kind": "enterprise", "uscc": uscc}
    r = app_client.post("/organisations", json=body, headers=park["operator"]["admin"].headers)
    assert r.status_code == 422
    p = r.json()
    assert p["field"] == "uscc"
    assert p["rule"] == rule
    assert rule in p["detail"]
    # Nothing was written.
    orgs = app_client.get("/organisations", headers=park["operator"]["admin"].headers).json()
    assert len(orgs) == 9


def test_shape_and_reference_errors_name_the_field(app_client: TestClient, park: Park) -> None:
    h = park["operator"]["admin"].headers
    cases = [
        ({"name": "x", "kind": "enterprise"}, "uscc"),
        ({"name": "x", "kind": "financial_institution"}, "institution_type"),
        ({"name": "x", "kind": "analyst", "is_core": True}, "is_core"),
        ({"name": "x", "kind": "bogus"}, "kind"),
        ({"name": "x", "kind": "platform_operator", "region_code": "990000"}, "region_code"),
        (
            {
                "name": "x",
                "kind": "enterprise",
                "uscc": REAL_USCCS["baosteel"],
                "industry_code": "A34",
            },
            "industry_code",
        ),
        ({"kind": "analyst"}, "name"),
        ({"name": "x", "kind": "analyst", "extra": 1}, "extra"),
    ]
    for body, field in cases:
        r = app_client.post("/organisations", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field, (body, r.json())


def test_duplicate_uscc_conflicts(app_client: TestClient, park: Park) -> None:
    h = park["operator"]["admin"].headers
    body = {"name": "腾讯", "kind": "enterprise", "uscc": REAL_USCCS["tencent"]}
    assert app_client.post("/organisations", json=body, headers=h).status_code == 201
    r = app_client.post("/organisations", json=body, headers=h)
    assert r.status_code == 409
    assert r.json()["field"] == "uscc"


def test_idempotency_key_replays_the_first_result(app_client: TestClient, park: Park) -> None:
    h = {**park["operator"]["admin"].headers, "Idempotency-Key": "onboard-baosteel"}
    body = {"name": "宝钢", "kind": "enterprise", "uscc": REAL_USCCS["baosteel"]}
    first = app_client.post("/organisations", json=body, headers=h)
    again = app_client.post("/organisations", json=body, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    orgs = app_client.get("/organisations", headers=h).json()
    assert sum(o["uscc"] == REAL_USCCS["baosteel"] for o in orgs) == 1
    # The same key with a different body is a conflict, not a silent replay.
    r = app_client.post("/organisations", json={**body, "name": "其他"}, headers=h)
    assert r.status_code == 409
    assert r.json()["type"].endswith("idempotency-key-reused")


def test_user_and_key_management_by_role(app_client: TestClient, park: Park) -> None:
    ent_admin = park["enterprise"]["admin"]
    ent_viewer = park["enterprise"]["viewer"]
    body = {"username": "finance", "roles": ["officer"], "password": "s3cret-pass"}
    path = f"/organisations/{ent_admin.org_id}/users"
    assert app_client.post(path, json=body, headers=ent_viewer.headers).status_code == 403
    assert (
        app_client.post(path, json=body, headers=park["bank"]["admin"].headers).status_code == 404
    )
    r = app_client.post(path, json=body, headers={**ent_admin.headers, "Idempotency-Key": "u1"})
    assert r.status_code == 201
    user_id = r.json()["id"]
    r2 = app_client.post(path, json=body, headers={**ent_admin.headers, "Idempotency-Key": "u1"})
    assert r2.json()["id"] == user_id
    r = app_client.post(f"/users/{user_id}/api-keys", json={}, headers=ent_viewer.headers)
    assert r.status_code == 403
    r = app_client.post(
        f"/users/{user_id}/api-keys",
        json={"name": "erp"},
        headers={**ent_admin.headers, "Idempotency-Key": "k1"},
    )
    assert r.status_code == 201
    raw = r.json()["key"]
    assert raw.startswith("crk_")
    me = app_client.get("/me", headers={"Authorization": f"Bearer {raw}"}).json()
    assert me["user_id"] == user_id
    # A replay does not reveal the secret a second time, and creates no second key.
    r = app_client.post(
        f"/users/{user_id}/api-keys",
        json={"name": "erp"},
        headers={**ent_admin.headers, "Idempotency-Key": "k1"},
    )
    assert r.status_code == 201
    assert r.json()["key"] is None
    keys = app_client.get(f"/organisations/{ent_admin.org_id}/api-keys", headers=ent_admin.headers)
    assert sum(k["user_id"] == user_id for k in keys.json()) == 1
    r = app_client.post(path, json={"username": "x", "roles": ["king"]}, headers=ent_admin.headers)
    assert r.status_code == 422
    assert r.json()["field"].startswith("roles")
