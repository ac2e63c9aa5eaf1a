"""The bank's joint-modelling page: partners with their grant status, runs and joint models
with both parties' features and fingerprints, in zh-CN and en; other banks see none of it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from tests.builders import Park
from tests.federated.test_http import CONFIG, KEY_BITS, N, Setup, _client, _revoke
from tests.web.console import HTML, page_csrf, sign_in


def seed_joint_model(db: Database, app_client: TestClient, park: Park) -> tuple[Setup, dict]:  # type: ignore[type-arg]
    """Train one joint model over HTTP as the bank, then revoke one partner's grant."""
    setup = Setup(db, app_client, park)
    result = _client(app_client, park["bank"]["officer"], []).train(
        "jm", setup.bank_data, CONFIG, key_bits=KEY_BITS
    )
    app_client.headers.pop("Authorization")
    app_client.event_hooks = {"request": [], "response": []}
    _revoke(db, setup.members[0], setup.grants[0])
    return setup, result.model


def test_bank_sees_partners_runs_and_joint_models(
    app_client: TestClient, park: Park, db: Database
) -> None:
    _, model = seed_joint_model(db, app_client, park)
    sign_in(app_client, park["bank"]["viewer"].key)
    r = app_client.get("/console/bank/federated", headers=HTML)
    assert r.status_code == 200, r.text
    assert 'href="/console/bank/federated"' in r.text  # in the bank's menu
    partners = r.text.split('id="partners"')[1].split("</table>")[0]
    assert partners.count('data-status="live"') == N - 6
    assert partners.count('data-status="revoked"') == 1 and "已撤回" in partners
    runs = r.text.split('id="runs"')[1].split("</table>")[0]
    assert "已完成" in runs and f">{N - 5}<" in runs
    models = r.text.split('id="joint-models"')[1].split("</table>")[0]
    assert 'data-model="jm@1"' in models and "候选" in models
    assert model["bank_fingerprint"][:12] in models
    assert model["platform_fingerprint"][:12] in models and "CLAGE" in models
    app_client.get("/console/lang", params={"to": "en", "next": "/console/bank/federated"})
    en = app_client.get("/console/bank/federated", headers=HTML).text
    assert 'lang="en"' in en and "Joint modelling" in en and "Revoked" in en


def test_other_bank_sees_nothing_and_an_insurer_is_told_it_is_for_banks(
    app_client: TestClient, park: Park, db: Database
) -> None:
    seed_joint_model(db, app_client, park)
    sign_in(app_client, park["other_bank"]["viewer"].key)
    r = app_client.get("/console/bank/federated", headers=HTML)
    assert r.status_code == 200 and "jm@1" not in r.text and 'data-status="live"' not in r.text
    sign_in(app_client, park["insurer"]["viewer"].key)
    r = app_client.get("/console/bank/federated", headers=HTML)
    assert r.status_code == 200 and "联合建模仅面向银行" in r.text
    for who in ("enterprise", "operator", "analyst"):
        sign_in(app_client, park[who]["admin"].key)
        assert app_client.get("/console/bank/federated", headers=HTML).status_code == 403, who


def test_admin_sees_the_validation_and_approves_then_crowns_the_joint_model(
    app_client: TestClient, park: Park, db: Database
) -> None:
    from tests.federated.test_lifecycle import _split

    setup = Setup(db, app_client, park)
    train, held = _split(setup.bank_data)
    bank = _client(app_client, park["bank"]["officer"], [])
    part = bank.train("jm", train, CONFIG, key_bits=KEY_BITS).part
    bank.train("jm", train, CONFIG, key_bits=KEY_BITS)  # jm@2 stays unvalidated
    v = bank.validate(part, held)["validation"]
    app_client.headers.pop("Authorization")
    app_client.event_hooks = {"request": [], "response": []}

    # An officer sees the validation but no approval buttons.
    sign_in(app_client, park["bank"]["officer"].key)
    r = app_client.get("/console/bank/federated", headers=HTML)
    table = r.text.split('id="joint-validation"')[1].split("</table>")[0]
    assert f"{v['auc']:.3f}" in table and f"{v['ks']:.3f}" in table and ">15<" in table
    assert "尚未验证" in table and 'value="approved"' not in table and "管理员" in r.text
    token = page_csrf(app_client, "/console/bank/federated")
    r = app_client.post(
        "/console/bank/federated/models/jm@1/state",
        data={"to": "approved", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 403 and "管理员" in r.text

    sign_in(app_client, park["bank"]["admin"].key)
    r = app_client.get("/console/bank/federated", headers=HTML)
    rows = r.text.split('id="joint-validation"')[1].split("</table>")[0].split("<tr ")
    jm1 = next(x for x in rows if 'data-model="jm@1"' in x)
    jm2 = next(x for x in rows if 'data-model="jm@2"' in x)
    assert 'value="approved"' in jm1 and 'value="approved"' not in jm2  # unvalidated
    token = page_csrf(app_client, "/console/bank/federated")
    for to, said in (("approved", "jm@1 已批准"), ("champion", "jm@1 已设为冠军")):
        r = app_client.post(
            "/console/bank/federated/models/jm@1/state",
            data={"to": to, "csrf_token": token},
            headers=HTML,
        )
        assert r.status_code == 200 and said in r.text, r.text
    assert 'data-model="jm@1" data-state="champion"' in r.text
    # Approving the unvalidated one by hand is refused, saying why.
    r = app_client.post(
        "/console/bank/federated/models/jm@2/state",
        data={"to": "approved", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 409 and "validation" in r.text
    app_client.get("/console/lang", params={"to": "en", "next": "/console/bank/federated"})
    en = app_client.get("/console/bank/federated", headers=HTML).text
    assert "Held-out AUC" in en and "Champion (decides credit)" in en
