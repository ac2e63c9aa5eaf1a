"""Credit decisions scored by an approved joint model: both parties' parts (the platform's
over HTTP under the enterprise's live joint_modelling consent), the parts recorded with the
decision and named in its log leaf; when a part is missing the decision is referred saying
which, never scored on one part."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.credit.domain import DEFAULT_PRODUCT
from chanrong.credit.joint import JointScore
from chanrong.credit.joint_decisions import joint_reasons
from chanrong.credit.orm import Application
from chanrong.federated.client import BankClient
from chanrong.federated.joint_scoring import HttpJointScorer
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.builders import add_profile, consent
from tests.federated.test_http import (
    BANK_COLUMNS,
    CONFIG,
    KEY_BITS,
    PLATFORM_COLUMNS,
    Setup,
    _client,
    _revoke,
)
from tests.federated.test_lifecycle import _split

PRODUCT = "joint-loan"


def _interleave(a: list[str], b: list[str]) -> list[str]:
    out: list[str] = []
    for i in range(max(len(a), len(b))):
        out += a[i : i + 1] + b[i : i + 1]
    return out


def test_joint_reasons_name_each_parts_features_and_only_the_banks_values() -> None:
    got = JointScore(
        pd=0.2,
        model_ref="jm@1",
        manifest_sha256="m",
        bank_fingerprint="b",
        platform_fingerprint="p",
        platform_leaf=3,
        bank_reasons=(("LOAN", 0.4055, 1500.0), ("YOJ", 0.1, float("nan"))),
        platform_reasons=("DELINQ",),
    )
    reasons = [r.as_dict() for r in joint_reasons(got)]
    assert [r["code"] for r in reasons] == ["JB_LOAN", "JP_DELINQ", "JB_YOJ"]
    assert reasons[0]["text"] == {
        "zh-CN": "本行数据：LOAN 为 1500，使违约几率上升 50%",
        "en": "the bank's LOAN of 1500 raised the odds of default by 50%",
    }
    assert reasons[1]["weight"] == 0 and reasons[1]["text"]["zh-CN"].startswith("平台数据：DELINQ")
    assert "—" in reasons[2]["text"]["en"]  # the bank's missing value shown as missing
    assert joint_reasons(replace(got, bank_reasons=(), platform_reasons=())) == []


def _product(settings: Settings) -> None:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    data = {**DEFAULT_PRODUCT.as_dict(), "code": PRODUCT, "model": "joint:jm"}
    (settings.var_dir / "credit_products.json").write_text(json.dumps([data]), "utf-8")


def _apply(db: Database, park: Park, settings: Settings, org_id: str, joint: object) -> dict:
    with db.unit_of_work() as s:
        officer = identity.live_principal(s, park["bank"]["officer"].user_id)
        app: Application = credit.apply(
            s,
            officer,
            settings,
            enterprise_org_id=org_id,
            product_code=PRODUCT,
            refresh=False,
            joint=joint,  # type: ignore[arg-type]
        )
        entry = governance.get_log_entry(s, officer, app.log_index)
        return {
            "id": app.id,
            "outcome": app.outcome,
            "knockouts": list(app.knockouts),
            "pd": app.pd,
            "model_ref": app.model_ref,
            "joint": app.inputs.get("joint"),
            "reasons": app.reasons,
            "recorded_reasons": app.inputs.get("reasons"),
            "logged": json.loads(entry.data)["payload"],
        }


def test_an_approved_joint_model_decides_with_both_parts_and_refers_without_one(
    db: Database, app_client: TestClient, park: Park, settings: Settings, tmp_path: Path
) -> None:
    setup = Setup(db, app_client, park)
    train, held = _split(setup.bank_data)
    bank = _client(app_client, park["bank"]["officer"], [])
    trained = bank.train("jm", train, CONFIG, key_bits=KEY_BITS)
    parts = tmp_path / "parts"
    trained.part.save(parts)
    bank.validate(trained.part, held)
    _product(settings)
    enterprise = setup.members[0]
    with db.unit_of_work() as s:
        consent(s, enterprise, park["bank"]["officer"].org_id)
        add_profile(s, enterprise.org_id, as_of=utcnow().date() - timedelta(days=1))
    scorer = HttpJointScorer(bank, parts, setup.bank_data)

    # Only a champion scores: a validated candidate is not enough.
    got = _apply(db, park, settings, enterprise.org_id, scorer)
    assert (got["outcome"], got["knockouts"]) == ("refer", ["joint_part_unavailable"])
    assert got["joint"]["refusal"] == "no_champion" and got["pd"] is None

    app_client.headers.update(park["bank"]["admin"].headers)
    bank.set_state("jm@1", "approved")
    bank.set_state("jm@1", "champion")
    app_client.headers.update(park["bank"]["officer"].headers)

    got = _apply(db, park, settings, enterprise.org_id, scorer)
    assert got["knockouts"] == [] and got["outcome"] in ("approve", "refer", "decline")
    assert got["model_ref"] == "joint:jm@1"
    joint = got["joint"]
    assert joint["refusal"] is None and joint["model_ref"] == "jm@1"
    assert joint["bank_fingerprint"] == trained.part.fingerprint
    assert joint["platform_fingerprint"] == trained.model["platform_fingerprint"]
    # The PD is the two parts' (the bank's client scores the same enterprise the same way).
    row = setup.bank_data.x.iloc[0]
    direct = bank.score(trained.part, setup.usccs[0], row)
    assert float(got["pd"]) == direct["pd"]
    # Its reasons: each part's features that raised the PD most, the bank's first; the
    # platform's by name only — none of the enterprise's platform values appears in them.
    expected = _interleave(
        [f"JB_{f}" for f, _, _ in direct["bank_reasons"]],
        [f"JP_{f}" for f in direct["platform_reasons"]],
    )
    assert [r["code"] for r in got["reasons"]] == expected and expected
    assert {r["feature"] for r in got["reasons"]} <= set(BANK_COLUMNS) | set(PLATFORM_COLUMNS)
    for r in got["reasons"]:
        assert r["text"]["zh-CN"] and r["text"]["en"]
        if r["code"].startswith("JP_"):
            assert r["weight"] == 0 and "platform" in r["text"]["en"]
            assert not any(f"{v:.4g}" in r["text"]["en"] for v in setup.raw_platform[0] if v)
    assert [[c, w] for c, w in json.loads(json.dumps(got["recorded_reasons"]))] == [
        [r["code"], r["weight"]] for r in got["reasons"]
    ]
    # The decision's leaf names the parts; the platform logged its scoring exchange.
    assert got["logged"]["joint"] == joint and got["logged"]["model_ref"] == "joint:jm@1"
    with db.unit_of_work() as s:
        officer = identity.live_principal(s, park["bank"]["officer"].user_id)
        assert governance.get_log_entry(s, officer, joint["platform_leaf"]).kind == (
            "federated.score"
        )
        replayed = credit.replay(s, officer, settings, got["id"])
    assert replayed.matches, replayed.differences

    # Consent for joint modelling revoked: the platform refuses its part; referred, saying so.
    _revoke(db, enterprise, setup.grants[0])
    got = _apply(db, park, settings, enterprise.org_id, scorer)
    assert (got["outcome"], got["knockouts"]) == ("refer", ["joint_part_unavailable"])
    assert got["joint"]["refusal"] == "consent" and got["pd"] is None
    assert "joint_modelling" in got["reasons"][0]["text"]["en"]

    # The platform unreachable, or no scorer configured: referred, never a one-part PD.
    other = setup.members[1]
    with db.unit_of_work() as s:
        consent(s, other, park["bank"]["officer"].org_id)
        add_profile(s, other.org_id, as_of=utcnow().date() - timedelta(days=1))
    down = HttpJointScorer(
        BankClient(httpx.Client(base_url="http://127.0.0.1:9", timeout=2.0)), parts, setup.bank_data
    )
    got = _apply(db, park, settings, other.org_id, down)
    assert got["joint"]["refusal"] == "platform_unavailable" and got["pd"] is None
    got = _apply(db, park, settings, other.org_id, None)
    assert got["joint"]["refusal"] == "not_configured" and got["outcome"] == "refer"
    # The bank's part replaced on disk by another: refused, not used.
    (parts / "jm@1.json").write_text(
        json.dumps({**json.loads((parts / "jm@1.json").read_text()), "intercept": 9.0})
    )
    got = _apply(db, park, settings, other.org_id, scorer)
    assert got["joint"]["refusal"] == "bank_part" and got["pd"] is None
