"""Instant decisions over HTTP on SQLite and PostgreSQL: outcomes, knock-outs, consent,
officer review, replay, and a model whose files were tampered with or removed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.builders import (
    BAD,
    GOOD,
    add_profile,
    consent,
    decisions_v1_scorecard,
    install_champion,
)

AS_OF = "2025-06-02"


def _apply(client: TestClient, park: Park, **body: object) -> dict[str, Any]:
    payload = {"enterprise_org_id": park["enterprise"]["officer"].org_id, "as_of": AS_OF, **body}
    r = client.post("/credit/applications", json=payload, headers=park["bank"]["officer"].headers)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _ready(
    db: Database, settings: Settings, park: Park, features: dict[str, float] | None = None
) -> None:
    install_champion(settings)
    with db.unit_of_work() as s:
        add_profile(s, park["enterprise"]["officer"].org_id, features=features)
        consent(s, park["enterprise"]["officer"], park["bank"]["officer"].org_id)


def test_good_profile_is_approved_with_limit_rate_pd_reasons_and_log(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park, GOOD)
    out = _apply(app_client, park, requested_amount="3000000.00")
    assert out["decision"] == "approve" and out["status"] == "approved"
    assert out["knockouts"] == []
    assert out["grade"] in ("A", "B", "C")
    assert 0 < float(out["pd"]) < 0.05
    # Revenue 2,000万: 0.2·2000万 + 0.3·500万 + 0.5·333.33万 = 716.67万, capped by the ask.
    assert Decimal(str(out["limit"])) == Decimal("3000000.00")
    spreads = {"A": Decimal("0.50"), "B": Decimal("0.90"), "C": Decimal("1.50")}
    assert Decimal(str(out["rate_pct"])) == Decimal("3.00") + spreads[str(out["grade"])]
    assert out["model"] == "sme-operating@1"
    reasons = out["reasons"]
    assert isinstance(reasons, list)
    for r in reasons:
        assert r["text"]["zh-CN"] and r["text"]["en"]
    weights = [r["weight"] for r in reasons]
    assert weights == sorted(weights, reverse=True)
    log = out["log"]
    assert isinstance(log, dict) and log["index"] >= 0 and len(log["leaf_hash"]) == 64
    # The enterprise (subject of the entry) can read the log entry that recorded it.
    r = app_client.get(
        f"/log/entries/{log['index']}", headers=park["enterprise"]["officer"].headers
    )
    if r.status_code == 200:
        assert r.json()["kind"] == "credit.decided"
    rep = app_client.get(
        f"/credit/applications/{out['id']}/replay", headers=park["bank"]["officer"].headers
    ).json()
    assert rep == {"matches": True, "inputs_intact": True, "logged": True, "differences": []}


def test_weak_profile_costs_points_on_the_weak_characteristics(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park, BAD)
    out = _apply(app_client, park)
    assert out["decision"] in ("decline", "refer")
    assert float(out["pd"]) > 0.1
    # A reason names a characteristic or a two-way table of two ("a × b"): read its parts.
    codes = {part for r in out["reasons"] for part in r["feature"].split(" × ")}
    weak = {
        "utilisation",
        "utilisation_trend",
        "order_growth",
        "payment_punctuality",
        "output_volatility",
        "dso_days",
    }
    assert codes and codes <= weak | {"receivable_turnover", "runtime_growth"}
    assert codes & weak


def test_no_grant_declines_with_knock_out_and_reveals_nothing(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    install_champion(settings)
    with db.unit_of_work() as s:
        add_profile(s, park["enterprise"]["officer"].org_id)
    out = _apply(app_client, park)
    assert out["decision"] == "decline"
    assert out["knockouts"] == ["no_live_grant"]
    assert out["pd"] is None and out["grade"] is None and out["limit"] == "0.00"
    assert out["reasons"][0]["code"] == "KO_no_live_grant"
    # Nor can the bank read the profile directly.
    org = park["enterprise"]["officer"].org_id
    r = app_client.get(
        f"/credit/enterprises/{org}/profile?purpose=credit_assessment",
        headers=park["bank"]["officer"].headers,
    )
    assert r.status_code == 403
    assert r.json()["type"].endswith("/consent-required")


def test_knock_outs_low_quality_and_recent_default(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park, {"data_quality": 0.5})
    out = _apply(app_client, park)
    assert out["decision"] == "decline" and out["knockouts"] == ["low_data_quality"]
    with db.unit_of_work() as s:
        add_profile(
            s,
            park["enterprise"]["officer"].org_id,
            as_of=date(2025, 6, 2),
            last_default_on=date(2025, 6, 2) - timedelta(days=100),
        )
    out = _apply(app_client, park)
    assert out["knockouts"] == ["recent_default"]
    assert out["pd"] is None


def test_referred_application_is_decided_by_an_officer_of_that_bank(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park, BAD)
    # Find a profile that lands in a referral grade: try the weak one, then milder ones.
    out = _apply(app_client, park)
    step = 0
    while out["decision"] != "refer" and step < 8:
        step += 1
        mild = {k: GOOD[k] + (BAD[k] - GOOD[k]) * (1 - step / 9) for k in GOOD}
        with db.unit_of_work() as s:
            add_profile(
                s,
                park["enterprise"]["officer"].org_id,
                as_of=date(2025, 6, 1 + step),
                features=mild,
            )
        out = _apply(app_client, park, as_of=f"2025-06-{1 + step:02d}")
    assert out["decision"] == "refer" and out["status"] == "referred"
    bank = park["bank"]["officer"].headers
    listed = app_client.get("/credit/applications?status=referred", headers=bank).json()
    assert out["id"] in [a["id"] for a in listed]
    assert (
        app_client.get("/credit/applications", headers=park["other_bank"]["officer"].headers).json()
        == []
    )
    url = f"/credit/applications/{out['id']}/decision"
    body = {"outcome": "approve", "note": "收入稳定，抵押充足"}
    r = app_client.post(url, json=body, headers=park["other_bank"]["officer"].headers)
    assert r.status_code == 404
    r = app_client.post(url, json=body, headers=park["bank"]["viewer"].headers)
    assert r.status_code == 403
    r = app_client.post(url, json={"outcome": "maybe", "note": "x"}, headers=bank)
    assert r.status_code == 422
    r = app_client.post(url, json=body, headers=bank)
    assert r.status_code == 200
    assert r.json()["status"] == "approved" and r.json()["officer_log_index"] > out["log"]["index"]
    r = app_client.post(url, json=body, headers=bank)
    assert r.status_code == 409
    # The list shows each application exactly as its own page does (officer's fields too).
    listed = app_client.get("/credit/applications", headers=bank).json()
    for item in listed:
        one = app_client.get(f"/credit/applications/{item['id']}", headers=bank).json()
        assert item == one
    assert any(item["officer_note"] == body["note"] for item in listed)


def test_enterprise_sees_its_profile_and_why(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park, BAD)
    decided = _apply(app_client, park)
    org = park["enterprise"]["officer"].org_id
    r = app_client.get(
        f"/credit/enterprises/{org}/profile?lang=en", headers=park["enterprise"]["viewer"].headers
    )
    assert r.status_code == 200
    body = r.json()
    util = next(f for f in body["features"] if f["feature"] == "utilisation")
    assert util["label"] == "Equipment utilisation" and util["value"] == BAD["utilisation"]
    assert body["latest_decision"]["id"] == decided["id"]
    assert body["latest_decision"]["reasons"]
    r = app_client.get(
        f"/credit/enterprises/{org}/profile", headers=park["other_enterprise"]["officer"].headers
    )
    assert r.status_code == 403
    r = app_client.get(
        f"/credit/applications/{decided['id']}", headers=park["other_enterprise"]["officer"].headers
    )
    assert r.status_code == 404


def test_bad_input_names_the_field_and_writes_nothing(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    bank = park["bank"]["officer"].headers
    org = park["enterprise"]["officer"].org_id
    cases = [
        ({"enterprise_org_id": org, "requested_amount": "12.345"}, "requested_amount"),
        ({"enterprise_org_id": org, "requested_amount": "-5"}, "requested_amount"),
        ({"enterprise_org_id": org, "product_code": "nope"}, "product_code"),
        ({"enterprise_org_id": "missing-org"}, "enterprise_org_id"),
    ]
    for body, field in cases:
        r = app_client.post("/credit/applications", json=body, headers=bank)
        assert r.status_code in (404, 422), r.text
        assert r.json().get("field") == field
    r = app_client.post(
        "/credit/applications",
        json={"enterprise_org_id": org},
        headers=park["enterprise"]["officer"].headers,
    )
    assert r.status_code == 403
    with db.unit_of_work() as s:
        assert service.list_applications_unchecked(s) == []


def test_tampered_or_missing_model_files_refuse_to_decide(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    folder = settings.var_dir / "models" / "sme-operating" / "1"
    table = folder / "scorecard.json"
    original = table.read_bytes()
    table.write_bytes(original.replace(b'"points": [', b'"points": [1.0, ', 1))
    r = app_client.post(
        "/credit/applications",
        json={"enterprise_org_id": park["enterprise"]["officer"].org_id, "as_of": AS_OF},
        headers=park["bank"]["officer"].headers,
    )
    assert r.status_code == 503
    assert r.json()["type"].endswith("/model-integrity")
    assert "SHA-256" in r.json()["detail"]
    table.unlink()
    r = app_client.post(
        "/credit/applications",
        json={"enterprise_org_id": park["enterprise"]["officer"].org_id, "as_of": AS_OF},
        headers=park["bank"]["officer"].headers,
    )
    assert r.status_code == 503 and "missing" in r.json()["detail"]
    table.write_bytes(original)
    _apply(app_client, park)
    with db.unit_of_work() as s:
        assert len(service.list_applications_unchecked(s)) == 1


def test_green_pricing_by_carbon_grade_shows_in_the_decision(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    """A grade-1 carbon code takes 30 bp off the rate (the bank's grant covers the external
    category the code is in); before the enterprise has a code, the same profile gets the
    plain rate. The replay reproduces the green rate from the logged inputs."""
    from chanrong.carbon.orm import CarbonAssessment
    from chanrong.carbon.repository import CarbonRepository

    _ready(db, settings, park, GOOD)
    plain = _apply(app_client, park, requested_amount="3000000.00")
    assert plain["carbon_grade"] is None
    assert plain["green_adjust_bp"] == 0
    ent = park["enterprise"]["officer"]
    with db.unit_of_work() as s:
        CarbonRepository(s).replace_period(
            date(2025, 5, 1),
            [
                CarbonAssessment(
                    org_id=ent.org_id,
                    period=date(2025, 5, 1),
                    industry_code="C34",
                    emissions_t="55",
                    by_carrier_t={},
                    value_added_fen=100_000_000,
                    intensity="0.55",
                    industry_intensity="1.1",
                    k="0.5",
                    level="low",
                    grade=1,
                    benchmark_scope="C34",
                    peers=3,
                    factor_versions=[],
                    log_index=0,
                )
            ],
        )
    green = _apply(app_client, park, requested_amount="3000000.00")
    assert green["carbon_grade"] == 1
    assert green["green_adjust_bp"] == -30
    assert Decimal(str(green["rate_pct"])) == Decimal(str(plain["rate_pct"])) - Decimal("0.30")
    rep = app_client.get(
        f"/credit/applications/{green['id']}/replay", headers=park["bank"]["officer"].headers
    ).json()
    assert rep["matches"] is True


def test_a_decision_recorded_in_the_old_shape_still_replays(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    """An application decided before the inputs were one typed value (record shape 1, logged
    with the same payload as today) replays from its record; a changed record does not."""
    import json
    from pathlib import Path

    from chanrong.credit.orm import Application
    from chanrong.credit.record import record_sha256
    from chanrong.governance import service as governance

    entry = install_champion(settings, decisions_v1_scorecard())  # the model that decided them
    cases = json.loads((Path(__file__).parent / "data" / "decisions_v1.json").read_text("utf-8"))
    case = next(c for c in cases if c["outcome"] == "approve" and c["green_adjust_bp"] == -15)
    inputs = {
        **case["inputs"],
        "model_ref": entry.ref,
        "model_manifest_sha256": entry.manifest_sha256,
    }
    assert "record" not in inputs
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    with db.unit_of_work() as s:
        app = Application(
            enterprise_org_id=ent.org_id,
            bank_org_id=bank.org_id,
            applied_by=bank.user_id,
            product_code="op-loan",
            as_of=date.fromisoformat(inputs["as_of"]),
            requested_fen=inputs["requested_fen"],
            outcome=case["outcome"],
            status=case["status"],
            knockouts=case["knockouts"],
            grade=case["grade"],
            score=case["score"],
            pd=case["pd"],
            limit_fen=case["limit_fen"],
            rate_pct=Decimal(case["rate_pct"]),
            reasons=case["reasons"],
            inputs=inputs,
            inputs_sha256=record_sha256(inputs),
            model_ref=entry.ref,
            model_manifest_sha256=entry.manifest_sha256,
            log_index=-1,
            log_leaf_hash="",
        )
        s.add(app)
        s.flush()
        ref = governance.append_log(
            s,
            kind="credit.decided",
            actor_org_id=bank.org_id,
            subject=f"{ent.org_id}:credit_application:{app.id}",
            payload={"application_id": app.id, "inputs_sha256": app.inputs_sha256},
        )
        app.log_index, app.log_leaf_hash = ref.index, ref.leaf_hash
        app_id = app.id
    url = f"/credit/applications/{app_id}/replay"
    rep = app_client.get(url, headers=bank.headers).json()
    assert rep == {"matches": True, "inputs_intact": True, "logged": True, "differences": []}
    # The recorded carbon grade moved after the fact: the hash and the green rate both show it.
    with db.unit_of_work() as s:
        stored = s.get(Application, app_id)
        assert stored is not None
        stored.inputs = {**stored.inputs, "carbon_grade": 5}
    rep = app_client.get(url, headers=bank.headers).json()
    assert rep["matches"] is False and rep["inputs_intact"] is False
    assert "inputs no longer match their SHA-256" in rep["differences"]
    assert any(d.startswith("rate ") for d in rep["differences"]), rep


def test_applications_are_listed_a_page_at_a_time_newest_first(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park, GOOD)
    made = [_apply(app_client, park)["id"] for _ in range(3)]
    bank = park["bank"]["officer"].headers

    def ids(query: str) -> list[str]:
        r = app_client.get(f"/credit/applications{query}", headers=bank)
        assert r.status_code == 200, r.text
        return [a["id"] for a in r.json()]

    newest_first = list(reversed(made))
    assert ids("") == newest_first
    assert ids("?limit=2") == newest_first[:2]
    assert ids("?limit=2&offset=2") == newest_first[2:]
    assert ids("?offset=3") == []
    for bad in ("limit=0", "limit=1001", "offset=-1", "limit=x"):
        r = app_client.get(f"/credit/applications?{bad}", headers=bank)
        assert r.status_code == 422, bad
        assert bad.split("=")[0] in r.text
