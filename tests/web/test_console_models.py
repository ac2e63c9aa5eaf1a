"""The bank's model page: models with state, source and fingerprint, stability over time with
its alert, and the shadow challenger against the champion on the bank's own decisions only."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.registry import Approval
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.book import decide_one, install_monitored_champion
from tests.credit.builders import GOOD, synthetic_scorecard
from tests.lending.builders import principal
from tests.web.console import HTML, sign_in


def seed_models(db: Database, settings: Settings, park: Park) -> tuple[str, list[str], str]:
    """A monitored champion, an approved challenger, three decisions of the bank and one of
    another bank (all alike: a shifted population), and today's monitoring figures."""
    ref = install_monitored_champion(settings)
    reg = service.model_registry(settings)
    challenger = reg.register(
        "sme-operating-challenger", synthetic_scorecard(), training_fingerprint="c" * 64, metrics={}
    )
    reg.set_state(challenger.ref, Approval.APPROVED)
    today = utcnow().date()
    with db.unit_of_work() as s:
        bank = principal(s, park["bank"]["officer"])
        other = principal(s, park["other_bank"]["officer"])
        ours = [
            decide_one(s, settings, bank, as_of=today - timedelta(days=i), features=GOOD)
            for i in range(3)
        ]
        theirs = decide_one(s, settings, other, as_of=today, features=GOOD)
        service.monitor(s, settings, ref, as_of=today)
    return ref, [d.application_id for d in ours], theirs.application_id


def test_bank_sees_models_stability_alert_and_its_own_shadow_decisions(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ref, ours, theirs = seed_models(db, settings, park)
    sign_in(app_client, park["bank"]["viewer"].key)
    r = app_client.get("/console/bank/models", headers=HTML)
    assert r.status_code == 200
    assert 'href="/console/bank/models"' in r.text  # in the bank's menu
    models = r.text.split('id="models"')[1].split("</table>")[0]
    assert ref in models and "冠军（决策使用）" in models and "模拟园区" in models
    assert "sme-operating-challenger@1" in models and "已批准（影子评分）" in models
    stability = r.text.split('id="stability"')[1].split("</table>")[0]
    assert f'data-model="{ref}" data-level="alert"' in stability
    assert f'role="alert" data-model="{ref}" data-level="alert"' in r.text
    shadow = r.text.split('id="shadow"')[1].split("</table>")[0]
    assert all(app_id in shadow for app_id in ours)
    assert theirs not in shadow  # another bank's decision is never listed
    assert "3 笔决策中，3 笔" in r.text  # the same scorecard on both sides agrees
    app_client.get("/console/lang", params={"to": "en", "next": "/console/bank/models"})
    en = app_client.get("/console/bank/models", headers=HTML).text
    assert 'lang="en"' in en and "Credit models" in en and "Alert: the population" in en
    assert "Of 3 recent decisions, 3 got the same" in en


def test_other_bank_sees_only_its_own_shadow_decisions(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    _, ours, theirs = seed_models(db, settings, park)
    sign_in(app_client, park["other_bank"]["viewer"].key)
    r = app_client.get("/console/bank/models", headers=HTML)
    assert r.status_code == 200
    shadow = r.text.split('id="shadow"')[1].split("</table>")[0]
    assert theirs in shadow and not any(app_id in shadow for app_id in ours)


def test_enterprises_and_operators_are_refused(app_client: TestClient, park: Park) -> None:
    for who in ("enterprise", "operator", "analyst"):
        sign_in(app_client, park[who]["admin"].key)
        assert app_client.get("/console/bank/models", headers=HTML).status_code == 403, who
