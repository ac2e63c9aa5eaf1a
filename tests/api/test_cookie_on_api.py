"""The console's session cookie opens console pages only: the JSON API reads the
Authorization header alone, so a page on another site cannot make a signed-in browser call it
(with or without a CSRF token). On SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from tests.builders import Park
from tests.governance.builders import grant
from tests.web.console import HTML, page_csrf, session_cookie, sign_in


def test_the_session_cookie_does_not_authenticate_the_json_api(
    app_client: TestClient, park: Park, db: Database
) -> None:
    owner = park["enterprise"]["admin"]
    with db.unit_of_work() as s:
        grant_id = grant(s, owner, park["bank"]["admin"].org_id).id
    sign_in(app_client, owner.key)
    csrf = page_csrf(app_client)
    assert app_client.get("/console", headers=HTML).status_code == 200
    path = f"/consents/{grant_id}/revoke"
    # The cookie alone (what a cross-site form or fetch would send): refused.
    r = app_client.post(path, json={"reason": "forged"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    # Not even with the page's CSRF token in the header: the API takes no cookie at all.
    r = app_client.post(path, json={"reason": "forged"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 401
    assert app_client.get("/me").status_code == 401
    assert app_client.get(f"/consents/{grant_id}").status_code == 401
    # The grant is untouched.
    live = app_client.get(f"/consents/{grant_id}", headers=owner.headers).json()
    assert live["revoked_at"] is None
    # The same session's token in the Authorization header is an API credential.
    token = session_cookie(app_client)
    r = app_client.post(
        path, json={"reason": "repaid"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["revoked_at"] is not None
