"""The console frame over HTTP on SQLite and PostgreSQL: sign-in, redirects, CSRF, roles, i18n."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.governance.domain import DEFAULT_CATALOG
from chanrong.storage.database import Database
from tests.builders import Park, add_member, add_org
from tests.web.console import HTML, csrf_of, page_csrf, session_cookie, sign_in


def test_console_pages_redirect_browsers_to_sign_in_and_answer_401_to_others(
    app_client: TestClient,
) -> None:
    r = app_client.get("/console/organisation", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/sign-in?next=/console/organisation"
    r = app_client.get("/console/organisation", follow_redirects=False)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    signin = app_client.get("/console/sign-in", headers=HTML)
    assert signin.status_code == 200
    assert 'lang="zh-CN"' in signin.text
    assert "登录" in signin.text
    assert "script-src 'self'" in signin.headers["content-security-policy"]


def test_sign_in_with_api_key_sets_a_strict_http_only_cookie(
    app_client: TestClient, park: Park
) -> None:
    form = app_client.get("/console/sign-in", headers=HTML)
    r = app_client.post(
        "/console/sign-in",
        data={
            "mode": "api_key",
            "api_key": park["bank"]["officer"].key,
            "csrf_token": csrf_of(form.text),
            "next": "/console/organisation",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/console/organisation"
    cookie = r.headers["set-cookie"].lower()
    assert "chanrong_token=" in cookie
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    page = app_client.get("/console", headers=HTML)
    assert page.status_code == 200
    assert "申请队列" in page.text  # the bank's menu
    assert "园区概览" not in page.text  # not the operator's


def test_sign_in_refuses_bad_credentials_and_forged_forms(
    app_client: TestClient, park: Park
) -> None:
    form = app_client.get("/console/sign-in", headers=HTML)
    token = csrf_of(form.text)
    r = app_client.post(
        "/console/sign-in",
        data={"mode": "api_key", "api_key": "crk_000000000000_nope", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 401
    assert "unknown API key" in r.text
    assert "chanrong_token" not in r.headers.get("set-cookie", "")
    r = app_client.post("/console/sign-in", data={"mode": "api_key", "csrf_token": token})
    assert r.status_code == 422
    # A sign-in posted from another site has no matching pre-session token.
    app_client.cookies.clear()
    r = app_client.post(
        "/console/sign-in",
        data={"mode": "api_key", "api_key": park["bank"]["officer"].key, "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 403
    assert "chanrong_token" not in r.headers.get("set-cookie", "")


def test_password_sign_in_with_organisation(app_client: TestClient, db: Database) -> None:
    with db.unit_of_work() as s:
        org_id = add_org(s, "enterprise", name="乙公司")
        add_member(s, org_id, "officer", password="correct horse")
        from chanrong.identity import service

        username = service.list_users_unchecked(s, org_id)[0].username
    form = app_client.get("/console/sign-in", headers=HTML)
    data = {
        "mode": "password",
        "organisation": "乙公司",
        "username": username,
        "password": "wrong horse",
        "csrf_token": csrf_of(form.text),
    }
    r = app_client.post("/console/sign-in", data=data, headers=HTML)
    assert r.status_code == 401
    assert username in r.text  # the form keeps what was typed, except the password
    assert "wrong horse" not in r.text
    r = app_client.post(
        "/console/sign-in",
        data={**data, "password": "correct horse"},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "乙公司" in app_client.get("/console", headers=HTML).text


def test_state_changing_forms_need_the_csrf_token(app_client: TestClient, park: Park) -> None:
    admin = park["enterprise"]["admin"]
    sign_in(app_client, admin.key)
    body = {"username": "finance", "roles": ["officer"], "password": "s3cret-pass"}
    r = app_client.post("/console/organisation/users", data=body, headers=HTML)
    assert r.status_code == 403
    assert "表单已过期" in r.text
    r = app_client.post(
        "/console/organisation/users", data={**body, "csrf_token": "0" * 64}, headers=HTML
    )
    assert r.status_code == 403
    users = app_client.get(f"/organisations/{admin.org_id}/users", headers=admin.headers).json()
    assert "finance" not in {u["username"] for u in users}
    token = page_csrf(app_client, "/console/organisation")
    r = app_client.post(
        "/console/organisation/users", data={**body, "csrf_token": token}, headers=HTML
    )
    assert r.status_code == 201
    users = app_client.get(f"/organisations/{admin.org_id}/users", headers=admin.headers).json()
    assert "finance" in {u["username"] for u in users}
    # The htmx way: the token in a header instead of the form.
    r = app_client.post(
        "/console/organisation/users",
        data={**body, "username": "finance2"},
        headers={**HTML, "X-CSRF-Token": token},
    )
    assert r.status_code == 201


def test_user_form_errors_name_the_field_and_write_nothing(
    app_client: TestClient, park: Park
) -> None:
    admin = park["enterprise"]["admin"]
    sign_in(app_client, admin.key)
    token = page_csrf(app_client, "/console/organisation")
    r = app_client.post(
        "/console/organisation/users",
        data={"username": "short", "roles": ["officer"], "password": "1234", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 422
    assert "password" in r.text
    users = app_client.get(f"/organisations/{admin.org_id}/users", headers=admin.headers).json()
    assert "short" not in {u["username"] for u in users}
    # A viewer cannot add users at all.
    app_client.cookies.clear()
    sign_in(app_client, park["enterprise"]["viewer"].key)
    token = page_csrf(app_client, "/console/organisation")
    r = app_client.post(
        "/console/organisation/users",
        data={"username": "sneaky", "roles": ["admin"], "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 403
    users = app_client.get(f"/organisations/{admin.org_id}/users", headers=admin.headers).json()
    assert "sneaky" not in {u["username"] for u in users}


def test_api_key_issue_and_revoke_from_the_console(app_client: TestClient, park: Park) -> None:
    officer = park["bank"]["officer"]
    sign_in(app_client, officer.key)
    token = page_csrf(app_client, "/console/organisation")
    r = app_client.post("/console/organisation/keys", data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 201
    new_key = r.text.split('id="new-key">', 1)[1].split("<", 1)[0]
    assert new_key.startswith("crk_")
    me = app_client.get("/me", headers={"Authorization": f"Bearer {new_key}"})
    assert me.status_code == 200
    assert me.json()["user_id"] == officer.user_id


def test_sign_out_drops_the_session(app_client: TestClient, park: Park) -> None:
    sign_in(app_client, park["analyst"]["viewer"].key)
    cookie = session_cookie(app_client)
    token = page_csrf(app_client)
    r = app_client.post(
        "/console/sign-out", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/console/sign-in"
    r = app_client.get("/console", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    # A copy of the signed-out cookie (kept by an attacker, or a second tab) is refused too.
    app_client.cookies.set("chanrong_token", cookie)
    r = app_client.get("/console", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert "expired=1" in r.headers["location"]
    r = app_client.get("/console")
    assert r.status_code == 401
    assert "signed out" in r.json()["detail"]


def test_revoking_the_key_ends_the_console_session_it_opened(
    app_client: TestClient, park: Park
) -> None:
    officer = park["bank"]["officer"]
    sign_in(app_client, officer.key)
    assert app_client.get("/console", headers=HTML).status_code == 200
    keys = app_client.get(
        f"/organisations/{officer.org_id}/api-keys", headers=park["bank"]["admin"].headers
    ).json()
    key_id = next(k["id"] for k in keys if k["user_id"] == officer.user_id)
    r = app_client.post(f"/api-keys/{key_id}/revoke", headers=park["bank"]["admin"].headers)
    assert r.status_code == 200
    r = app_client.get("/console", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/sign-in")


def test_english_switch_and_safe_redirects(app_client: TestClient, park: Park) -> None:
    sign_in(app_client, park["operator"]["viewer"].key)
    r = app_client.get(
        "/console/lang",
        params={"to": "en", "next": "/console/organisation"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/console/organisation"
    page = app_client.get("/console/organisation", headers=HTML)
    assert 'lang="en"' in page.text
    assert "Organisation &amp; users" in page.text
    # Only console paths are redirect targets: no open redirect to another site.
    r = app_client.get(
        "/console/lang",
        params={"to": "zh-CN", "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console"
    assert 'lang="zh-CN"' in app_client.get("/console", headers=HTML).text


def test_pages_of_another_role_are_refused(app_client: TestClient, park: Park) -> None:
    sign_in(app_client, park["enterprise"]["officer"].key)
    for path in ("/console/bank/applications", "/console/operator/catalog"):
        r = app_client.get(path, headers=HTML)
        assert r.status_code == 403, path
        assert "不属于您的机构类型" in r.text


def test_a_garbage_cookie_is_treated_as_signed_out(app_client: TestClient, park: Park) -> None:
    app_client.cookies.set("chanrong_token", "garbage")
    r = app_client.get("/console", headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert "expired=1" in r.headers["location"]
    assert 'chanrong_token=""' in r.headers["set-cookie"]


def test_session_slides_on_page_reads_but_not_on_forms(
    app_client: TestClient, park: Park, settings: Settings
) -> None:
    from datetime import UTC, datetime, timedelta

    import jwt

    from chanrong.identity.tokens import issue_token

    sign_in(app_client, park["bank"]["officer"].key)
    claims = jwt.decode(session_cookie(app_client), options={"verify_signature": False})
    ttl = settings.jwt_ttl_seconds
    issued = datetime.now(UTC) - timedelta(seconds=ttl * 0.6)
    # A token of the same session past half its life.
    old = issue_token(
        user_id=claims["sub"],
        session_id=claims["sid"],
        secret=settings.token_secret,
        now=issued,
        expires_at=issued + timedelta(seconds=ttl),
    )
    app_client.cookies.set("chanrong_token", old)
    r = app_client.get("/console", headers={**HTML, "HX-Request": "true"})
    assert r.status_code == 200
    assert "chanrong_token" not in r.headers.get("set-cookie", "")
    r = app_client.get("/console", headers=HTML)
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    new = cookie.split("chanrong_token=", 1)[1].split(";", 1)[0]
    assert new and new != old
    assert "samesite=strict" in cookie.lower()
    assert jwt.decode(new, options={"verify_signature": False})["sid"] == claims["sid"]
    # The page's form token belongs to the new session token.
    app_client.cookies.set("chanrong_token", new)
    token = csrf_of(r.text)
    r = app_client.get("/console", headers=HTML)
    assert "chanrong_token" not in r.headers.get("set-cookie", "")  # fresh: not renewed
    r = app_client.post(
        "/console/sign-out", data={"csrf_token": token}, headers=HTML, follow_redirects=False
    )
    assert r.status_code == 303
    # Signing out ended the session: neither its old nor its renewed token opens a page.
    for stale in (old, new):
        app_client.cookies.set("chanrong_token", stale)
        r = app_client.get("/console", headers=HTML, follow_redirects=False)
        assert r.status_code == 303, stale


def test_home_shows_what_needs_attention_for_each_role(
    app_client: TestClient, park: Park, db: Database
) -> None:
    from chanrong.governance import service as governance

    with db.unit_of_work() as s:
        governance.ensure_default_catalog(s, park["enterprise"]["admin"].org_id)
    expected = {
        "operator": ("待确认分类分级的数据集", f'<div class="v">{len(DEFAULT_CATALOG)}</div>'),
        "bank": ("待人工审批的申请", '<div class="v">0</div>'),
        "enterprise": ("有效的数据授权", '<div class="v">0</div>'),
    }
    for role, (label, value) in expected.items():
        client = TestClient(app_client.app)
        sign_in(client, park[role]["viewer"].key)
        r = client.get("/console", headers=HTML)
        assert r.status_code == 200, role
        summary = r.text.split('id="summary"', 1)[1].split("</div>\n", 1)[0]
        assert label in r.text, role
        assert value in r.text, (role, summary[:300])
