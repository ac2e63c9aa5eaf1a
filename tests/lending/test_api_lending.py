"""The lending lifecycle over HTTP, with the role and organisation denials."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from chanrong.governance import service as governance
from chanrong.storage.database import Database
from tests.builders import Park, fresh_uscc
from tests.lending.builders import principal

PRODUCT = {
    "code": "EI-365",
    "name": "流动资金贷款",
    "kind": "term",
    "method": "equal_instalment",
    "day_count": "act_365",
    "rate_type": "fixed",
    "fixed_rate": "3.65",
    "max_amount": "1000000",
}


def _product(client: TestClient, park: Park) -> str:
    r = client.post("/lending/products", json=PRODUCT, headers=park["bank"]["officer"].headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _loan(client: TestClient, park: Park, product_id: str, **extra: Any) -> str:
    body = {
        "product_id": product_id,
        "borrower_org_id": park["enterprise"]["officer"].org_id,
        "amount": "10000.00",
        "term_months": 3,
        "purpose": "raw_materials",
        **extra,
    }
    r = client.post("/lending/loans", json=body, headers=park["bank"]["officer"].headers)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_whole_lifecycle_over_http(app_client: TestClient, park: Park) -> None:
    bank = park["bank"]["officer"].headers
    ent = park["enterprise"]["officer"].headers
    pid = _product(app_client, park)
    # The borrower sees the schedule before accepting.
    q = app_client.post(
        "/lending/quotes",
        json={"product_id": pid, "amount": "10000", "term_months": 3, "start_on": "2025-01-10"},
        headers=ent,
    )
    assert q.status_code == 200, q.text
    assert [i["total"] for i in q.json()["instalments"]] == ["3353.63", "3353.63", "3352.80"]
    loan_id = _loan(app_client, park, pid, decision_id="decision-123")
    assert app_client.post(f"/lending/loans/{loan_id}/accept", headers=ent).json()["status"] == (
        "accepted"
    )
    r = app_client.post(
        f"/lending/loans/{loan_id}/disburse", json={"on": "2025-01-10"}, headers=bank
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"
    r = app_client.post("/lending/close", json={"as_of": "2025-02-10"}, headers=bank)
    assert r.status_code == 200
    assert r.json()["balanced"] is True
    assert r.json()["interest_accrued"] == "31.00"
    r = app_client.post(
        f"/lending/loans/{loan_id}/repayments",
        json={"amount": "3353.63", "paid_on": "2025-02-10", "reference": "bank-txn-1"},
        headers=bank,
    )
    assert r.status_code == 201, r.text
    detail = app_client.get(f"/lending/loans/{loan_id}", headers=ent).json()
    assert detail["instalments"][0]["paid_interest"] == "31.00"
    assert detail["instalments"][0]["paid_principal"] == "3322.63"
    assert detail["balances"]["loan_principal"] == "6677.37"
    journal = app_client.get(f"/lending/loans/{loan_id}/journal", headers=bank).json()
    assert [e["kind"] for e in journal] == ["disbursement", "interest_accrual", "repayment"]
    for e in journal:
        assert sum(float(x["debit"]) for x in e["lines"]) == sum(
            float(x["credit"]) for x in e["lines"]
        )
    payoff = app_client.get(
        f"/lending/loans/{loan_id}/payoff", params={"on": "2025-02-20"}, headers=bank
    ).json()
    # 6,677.37 × 10 days ÷ 10⁴ = 6.677… → 6.68
    assert payoff["accrued_interest"] == "6.68"
    r = app_client.post(
        f"/lending/loans/{loan_id}/prepayments",
        json={"amount": payoff["total"], "on": "2025-02-20", "reference": "payoff"},
        headers=bank,
    )
    assert r.status_code == 201, r.text
    assert app_client.get(f"/lending/loans/{loan_id}", headers=bank).json()["loan"]["status"] == (
        "closed"
    )


def test_bad_input_names_the_field_and_writes_nothing(app_client: TestClient, park: Park) -> None:
    bank = park["bank"]["officer"].headers
    for body, field in [
        ({**PRODUCT, "method": "balloon"}, "method"),
        ({**PRODUCT, "rate_type": "fixed", "fixed_rate": None}, "fixed_rate"),
        ({**PRODUCT, "fixed_rate": "120"}, "fixed_rate"),
        ({**PRODUCT, "max_amount": "10.001"}, "max_amount"),
        ({**PRODUCT, "rate_type": "lpr"}, "spread"),
    ]:
        r = app_client.post("/lending/products", json=body, headers=bank)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field, r.json()
    assert app_client.get("/lending/products", headers=bank).json() == []
    pid = _product(app_client, park)
    base = {
        "product_id": pid,
        "borrower_org_id": park["enterprise"]["officer"].org_id,
        "amount": "10000.00",
        "term_months": 3,
        "purpose": "raw_materials",
    }
    for body, field in [
        ({**base, "amount": "0"}, "amount"),
        ({**base, "amount": "2000000"}, "amount"),
        ({**base, "term_months": 40}, "term_months"),
        ({**base, "purpose": "stocks"}, "purpose"),
        ({**base, "borrower_org_id": park["bank"]["officer"].org_id}, "borrower_org_id"),
    ]:
        r = app_client.post("/lending/loans", json=body, headers=bank)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["field"] == field, r.json()
    assert app_client.get("/lending/loans", headers=bank).json() == []


def test_denials(app_client: TestClient, park: Park) -> None:
    bank = park["bank"]
    pid = _product(app_client, park)
    # Only bank officers define products and book loans.
    for who in (bank["viewer"], park["enterprise"]["admin"], park["insurer"]["officer"]):
        r = app_client.post("/lending/products", json={**PRODUCT, "code": "X"}, headers=who.headers)
        assert r.status_code == 403, r.text
    loan_id = _loan(app_client, park, pid)
    # Another bank's officer cannot see or act on this book: it looks missing.
    other = park["other_bank"]["officer"].headers
    assert app_client.get(f"/lending/loans/{loan_id}", headers=other).status_code == 404
    r = app_client.post(
        f"/lending/loans/{loan_id}/disburse", json={"on": "2025-01-10"}, headers=other
    )
    assert r.status_code == 404
    # Another enterprise cannot see it either; the borrower's viewer cannot accept.
    stranger = park["other_enterprise"]["admin"].headers
    assert app_client.get(f"/lending/loans/{loan_id}", headers=stranger).status_code == 404
    assert app_client.get("/lending/loans", headers=stranger).json() == []
    viewer = park["enterprise"]["viewer"].headers
    assert app_client.post(f"/lending/loans/{loan_id}/accept", headers=viewer).status_code == 403
    # The bank cannot accept for the borrower, nor disburse before acceptance.
    assert (
        app_client.post(
            f"/lending/loans/{loan_id}/accept", headers=bank["officer"].headers
        ).status_code
        == 403
    )
    r = app_client.post(
        f"/lending/loans/{loan_id}/disburse",
        json={"on": "2025-01-10"},
        headers=bank["officer"].headers,
    )
    assert r.status_code == 409
    assert r.json()["field"] == "status"
    app_client.post(
        f"/lending/loans/{loan_id}/accept", headers=park["enterprise"]["officer"].headers
    )
    # The borrower sees its loan but cannot post money movements on it.
    ent = park["enterprise"]["officer"].headers
    assert app_client.get(f"/lending/loans/{loan_id}", headers=ent).status_code == 200
    r = app_client.post(
        f"/lending/loans/{loan_id}/disburse", json={"on": "2025-01-10"}, headers=ent
    )
    assert r.status_code == 403
    # Collections are reported by the platform operator only.
    body = {
        "borrower_org_id": park["enterprise"]["officer"].org_id,
        "payment_ref": "p",
        "amount": "10",
        "paid_on": "2025-01-11",
    }
    assert (
        app_client.post(
            "/lending/collections", json=body, headers=bank["officer"].headers
        ).status_code
        == 403
    )
    assert (
        app_client.post(
            "/lending/collections", json=body, headers=park["operator"]["officer"].headers
        ).status_code
        == 200
    )
    # A bank viewer cannot run the close.
    r = app_client.post(
        "/lending/close", json={"as_of": "2025-01-11"}, headers=bank["viewer"].headers
    )
    assert r.status_code == 403


SERIES = {
    "output": [
        {"period": f"{y}-{m:02d}-01", "value": 1000.0 if m != 2 else 400.0}
        for y in (2023, 2024)
        for m in range(1, 13)
    ]
    + [{"period": "2025-01-01", "value": 450.0}, {"period": "2025-02-01", "value": 180.0}],
}


def test_monitoring_needs_consent_and_alerts_have_a_lifecycle(
    app_client: TestClient, park: Park, db: Database
) -> None:
    bank = park["bank"]["officer"].headers
    pid = _product(app_client, park)
    loan_id = _loan(app_client, park, pid)
    app_client.post(
        f"/lending/loans/{loan_id}/accept", headers=park["enterprise"]["officer"].headers
    )
    app_client.post(f"/lending/loans/{loan_id}/disburse", json={"on": "2025-01-10"}, headers=bank)
    body = {"as_of": "2025-02-28", "series": SERIES}
    r = app_client.post(f"/lending/loans/{loan_id}/monitor", json=body, headers=bank)
    assert r.status_code == 403
    assert r.json()["type"].endswith("consent-required")
    assert app_client.get("/lending/alerts", headers=bank).json() == []
    with db.unit_of_work() as s:
        owner = principal(s, park["enterprise"]["officer"])
        governance.grant_consent(
            s,
            owner,
            grantee_org_id=park["bank"]["officer"].org_id,
            categories=["production", "management"],
            max_grade=2,
            purpose="post_loan_monitoring",
            valid_from=None,
            valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )
    r = app_client.post(f"/lending/loans/{loan_id}/monitor", json=body, headers=bank)
    assert r.status_code == 200, r.text
    alerts = r.json()
    assert [(a["kind"], a["severity"], a["status"]) for a in alerts] == [
        ("output_drop", "high", "open")
    ]
    evidence = alerts[0]["evidence"]
    assert evidence["series"][-1] == {"period": "2025-02", "value": 180.0, "baseline": 400.0}
    aid = alerts[0]["id"]
    assert alerts[0]["message"] == "产出低于自身季节基线 55%"
    en = app_client.get("/lending/alerts", headers={**bank, "Accept-Language": "en"}).json()
    assert en[0]["message"] == "Output 55% below its own seasonal baseline"
    # Running again refreshes the open alert rather than opening a second one.
    again = app_client.post(f"/lending/loans/{loan_id}/monitor", json=body, headers=bank).json()
    assert [a["id"] for a in again] == [aid]
    # The borrower sees the alert about itself but cannot handle it.
    ent = park["enterprise"]["officer"].headers
    assert [a["id"] for a in app_client.get("/lending/alerts", headers=ent).json()] == [aid]
    assert app_client.post(f"/lending/alerts/{aid}/acknowledge", headers=ent).status_code == 403
    other = park["other_bank"]["officer"].headers
    assert app_client.post(f"/lending/alerts/{aid}/acknowledge", headers=other).status_code == 404
    r = app_client.post(f"/lending/alerts/{aid}/acknowledge", headers=bank)
    assert r.json()["status"] == "acknowledged"
    r = app_client.post(f"/lending/alerts/{aid}/acknowledge", headers=bank)
    assert r.status_code == 409
    r = app_client.post(
        f"/lending/alerts/{aid}/resolve", json={"note": "visited; new order book"}, headers=bank
    )
    assert r.json()["status"] == "resolved"
    assert app_client.get("/lending/alerts", params={"status": "open"}, headers=bank).json() == []
    # An open high alert moves a performing loan to 关注 at the next close.
    app_client.post(f"/lending/loans/{loan_id}/monitor", json=body, headers=bank)
    app_client.post("/lending/close", json={"as_of": "2025-01-20"}, headers=bank)
    detail = app_client.get(f"/lending/loans/{loan_id}", headers=bank).json()
    assert detail["loan"]["category"] == "special_mention"
    assert detail["classifications"][-1]["rule"] == "early_warning"


def test_fund_use_reads_the_enterprises_outgoing_payments(
    app_client: TestClient, park: Park, db: Database
) -> None:
    bank = park["bank"]["officer"].headers
    ent = park["enterprise"]["officer"]
    pid = _product(app_client, park)
    loan_id = _loan(app_client, park, pid)
    app_client.post(f"/lending/loans/{loan_id}/accept", headers=ent.headers)
    app_client.post(f"/lending/loans/{loan_id}/disburse", json={"on": "2025-01-10"}, headers=bank)
    related = fresh_uscc()
    r = app_client.put(
        f"/lending/loans/{loan_id}/related-parties",
        json={"related_parties": [{"name": "影子贸易有限公司", "uscc": related}]},
        headers=bank,
    )
    assert r.status_code == 200, r.text
    assert r.json()["related_parties"] == [{"name": "影子贸易有限公司", "uscc": related}]
    assert r.json()["collection_account"].startswith("VA")
    bad = app_client.put(
        f"/lending/loans/{loan_id}/related-parties",
        json={"related_parties": [{"name": "x", "uscc": "123"}]},
        headers=bank,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "related_parties"
    # Only the lending bank declares them: not the borrower, and another bank sees no loan.
    body = {"related_parties": []}
    url = f"/lending/loans/{loan_id}/related-parties"
    assert app_client.put(url, json=body, headers=ent.headers).status_code == 403
    other = park["other_bank"]["officer"].headers
    assert app_client.put(url, json=body, headers=other).status_code == 404
    assert app_client.get(f"/lending/loans/{loan_id}", headers=bank).json()["loan"][
        "related_parties"
    ] == [{"name": "影子贸易有限公司", "uscc": related}]
    # The enterprise's outgoing payments arrive through its intake (here a CSV upload).
    csv = (
        "payment_id,payee_name,payee_uscc,payee_industry,paid_date,amount,channel,purpose\n"
        "O-1,钢材供应商,,C31,2025-01-15,6000,transfer,原材料\n"
        "O-2,某房地产公司,,K70,2025-01-20,3000,transfer,\n"
        "O-3,现金,,,2025-01-21,500,cash,备用金\n"
        f"O-4,关联方,{related},,2025-01-22,400,transfer,\n"
        "O-5,later,,C31,2025-06-01,9000,transfer,\n"
    )
    r = app_client.post(
        f"/telemetry/orgs/{ent.org_id}/records/outgoing_payments",
        content=csv.encode(),
        headers={**ent.headers, "Content-Type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    # Without the borrower's monitoring grant nothing is read.
    r = app_client.post(f"/lending/loans/{loan_id}/fund-use", json={}, headers=bank)
    assert r.status_code == 403, r.text
    with db.unit_of_work() as s:
        governance.grant_consent(
            s,
            principal(s, ent),
            grantee_org_id=park["bank"]["officer"].org_id,
            categories=["management"],
            max_grade=2,
            purpose="post_loan_monitoring",
            valid_from=None,
            valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )
    # The bank no longer types the payments in.
    typed = [{"payee": "x", "amount": "1", "paid_on": "2025-01-15"}]
    r = app_client.post(
        f"/lending/loans/{loan_id}/fund-use", json={"payments": typed}, headers=bank
    )
    assert r.status_code == 422 and r.json()["field"].endswith("payments")
    r = app_client.post(f"/lending/loans/{loan_id}/fund-use", json={}, headers=bank)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["payments_read"] == 4  # O-5 is outside the 90-day window
    assert (out["consistent"], out["forbidden"], out["unknown"]) == ("6000.00", "3000.00", "900.00")
    rules = {f["rule"]: [p["payment_id"] for p in f["payments"]] for f in out["findings"]}
    assert rules == {"forbidden": ["O-2"], "cash": ["O-3"], "related_party": ["O-4"]}
    alerts = app_client.get("/lending/alerts", headers=bank).json()
    kinds = sorted((a["kind"], a["severity"]) for a in alerts)
    assert kinds == [("fund_cash", "medium"), ("fund_related_party", "high"), ("fund_use", "high")]
    [cash] = [a for a in alerts if a["kind"] == "fund_cash"]
    [evidence] = cash["evidence"]["findings"]
    assert evidence["payments"][0]["payment_id"] == "O-3"
    assert evidence["payments"][0]["amount_fen"] == 50_000
    # Checking again refreshes the same alerts instead of opening more.
    app_client.post(f"/lending/loans/{loan_id}/fund-use", json={}, headers=bank)
    assert len(app_client.get("/lending/alerts", headers=bank).json()) == 3


def test_credit_line_drawdown_is_idempotent(app_client: TestClient, park: Park) -> None:
    bank = park["bank"]["officer"].headers
    ent = park["enterprise"]["officer"].headers
    body = {**PRODUCT, "code": "RC", "kind": "revolving", "method": "interest_only"}
    pid = app_client.post("/lending/products", json=body, headers=bank).json()["id"]
    line = app_client.post(
        "/lending/lines",
        json={
            "product_id": pid,
            "borrower_org_id": park["enterprise"]["officer"].org_id,
            "limit": "100000",
            "opened_on": "2025-01-01",
            "expires_on": "2026-01-01",
            "purpose": "working_capital",
        },
        headers={**bank, "Idempotency-Key": "line-1"},
    )
    assert line.status_code == 201, line.text
    line_id = line.json()["id"]
    draw = {"amount": "30000", "term_months": 3, "on": "2025-01-05"}
    h = {**ent, "Idempotency-Key": "draw-1"}
    first = app_client.post(f"/lending/lines/{line_id}/drawdowns", json=draw, headers=h)
    again = app_client.post(f"/lending/lines/{line_id}/drawdowns", json=draw, headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert app_client.get(f"/lending/lines/{line_id}", headers=ent).json()["available"] == (
        "70000.00"
    )
    # The bank cannot draw for the borrower; another enterprise cannot see the line.
    r = app_client.post(f"/lending/lines/{line_id}/drawdowns", json=draw, headers=bank)
    assert r.status_code == 403
    other = park["other_enterprise"]["officer"].headers
    assert app_client.get(f"/lending/lines/{line_id}", headers=other).status_code == 404
    r = app_client.post(
        f"/lending/lines/{line_id}/drawdowns", json={**draw, "amount": "70000.01"}, headers=ent
    )
    assert r.status_code == 422 and r.json()["field"] == "amount"


def _decision(db: Database, park: Park, *, status: str = "approved") -> str:
    from datetime import date
    from decimal import Decimal

    from chanrong.credit.orm import Application

    with db.unit_of_work() as s:
        app = Application(
            enterprise_org_id=park["enterprise"]["officer"].org_id,
            bank_org_id=park["bank"]["officer"].org_id,
            applied_by=park["enterprise"]["officer"].user_id,
            product_code="sme-working-capital",
            as_of=date(2025, 1, 1),
            requested_fen=5_000_000,
            outcome="approve" if status == "approved" else "decline",
            status=status,
            knockouts=[],
            grade="B",
            score="612.5",
            pd="0.021",
            limit_fen=3_000_000,
            rate_pct=Decimal("4.20"),
            reasons=[],
            inputs={},
            inputs_sha256="0" * 64,
            model_ref=None,
            model_manifest_sha256=None,
            log_index=0,
            log_leaf_hash="0" * 64,
        )
        s.add(app)
        s.flush()
        return app.id


def test_loan_from_an_approved_decision(app_client: TestClient, park: Park, db: Database) -> None:
    bank = park["bank"]["officer"].headers
    pid = _product(app_client, park)
    decision = _decision(db, park)
    body = {"decision_id": decision, "product_id": pid, "term_months": 3, "purpose": "equipment"}
    r = app_client.post(
        "/lending/loans/from-decision", json={**body, "amount": "20000"}, headers=bank
    )
    assert r.status_code == 201, r.text
    loan = r.json()
    # Borrower and rate come from the decision.
    assert loan["borrower_org_id"] == park["enterprise"]["officer"].org_id
    assert (loan["annual_rate"], loan["decision_id"], loan["principal"]) == (
        "4.20",
        decision,
        "20000.00",
    )
    # Loans on one decision never exceed its 30,000.00 limit; the rest can be booked.
    r = app_client.post(
        "/lending/loans/from-decision", json={**body, "amount": "10000.01"}, headers=bank
    )
    assert r.status_code == 422 and r.json()["field"] == "amount"
    r = app_client.post("/lending/loans/from-decision", json=body, headers=bank)
    assert r.status_code == 201 and r.json()["principal"] == "10000.00"
    # Another bank cannot use it; a declined decision books nothing.
    other = park["other_bank"]["officer"].headers
    r = app_client.post(
        "/lending/loans/from-decision",
        json={**body, "product_id": pid},
        headers=other,
    )
    assert r.status_code == 404
    declined = _decision(db, park, status="declined")
    r = app_client.post(
        "/lending/loans/from-decision", json={**body, "decision_id": declined}, headers=bank
    )
    assert r.status_code == 409 and r.json()["field"] == "decision_id"


def test_reversal_over_http(app_client: TestClient, park: Park) -> None:
    bank = park["bank"]["officer"].headers
    pid = _product(app_client, park)
    loan_id = _loan(app_client, park, pid)
    app_client.post(
        f"/lending/loans/{loan_id}/accept", headers=park["enterprise"]["officer"].headers
    )
    app_client.post(f"/lending/loans/{loan_id}/disburse", json={"on": "2025-01-10"}, headers=bank)
    app_client.post("/lending/close", json={"as_of": "2025-02-10"}, headers=bank)
    rep = app_client.post(
        f"/lending/loans/{loan_id}/repayments",
        json={"amount": "3353.63", "paid_on": "2025-02-10", "reference": "t1"},
        headers=bank,
    ).json()
    path = f"/lending/loans/{loan_id}/repayments/{rep['id']}/reverse"
    r = app_client.post(path, json={"on": "2025-02-11", "reason": ""}, headers=bank)
    assert r.status_code == 422 and r.json()["field"] == "reason"
    ent = park["enterprise"]["officer"].headers
    r = app_client.post(path, json={"on": "2025-02-11", "reason": "bounced"}, headers=ent)
    assert r.status_code == 403
    r = app_client.post(path, json={"on": "2025-02-11", "reason": "bounced"}, headers=bank)
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "-3353.63"
    kinds = [
        e["kind"] for e in app_client.get(f"/lending/loans/{loan_id}/journal", headers=bank).json()
    ]
    assert kinds[-2:] == ["repayment", "reversal:repayment"]
    detail = app_client.get(f"/lending/loans/{loan_id}", headers=bank).json()
    assert detail["instalments"][0]["paid_principal"] == "0.00"
    assert detail["loan"]["dpd"] == 1
