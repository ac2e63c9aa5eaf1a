"""回款自动还款 through the worker alone: a customer payment into the loan's collection
account, posted through the intake like any business record, repays the instalment at the
worker's next pass, and the day's close still proves the books."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.jobs import catalog, local
from chanrong.jobs.orm import JobRun
from chanrong.lending import service as lending
from chanrong.lending.orm import Alert, Collection
from chanrong.storage.database import Database
from tests.builders import Park
from tests.lending import builders as lb

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def worker_pass(db: Database, settings: Settings) -> None:
    """What a running worker does: run what is due; then, the debounce window over, again."""
    jobs = catalog.load(settings.model_copy(update={"jobs_enabled": "lending."}))
    stop = threading.Event()
    local.serve(db, settings, jobs, stop=stop, until_idle=True)
    with db.unit_of_work() as s:
        s.execute(
            update(JobRun)
            .where(JobRun.status == "pending")
            .values(not_before=utcnow() - timedelta(seconds=1))
        )
    local.serve(db, settings, jobs, stop=stop, until_idle=True)


@sqlite_only
def test_a_payment_posted_through_intake_repays_through_the_worker(
    db: Database, settings: Settings, park: Park, app_client: TestClient
) -> None:
    ent = park["enterprise"]["admin"]
    today = shanghai_date(utcnow())
    with db.unit_of_work() as s:
        officer = lb.principal(s, park["bank"]["officer"])
        loan = lb.active_loan(s, officer, lb.principal(s, ent), start=today - timedelta(days=33))
        first = lending.loan_view(s, officer, loan.id).instalments[0]
        loan_id, account = loan.id, str(loan.collection_account)
    assert today - timedelta(days=7) <= first.due < today
    owed = first.principal_fen + first.interest_fen
    surplus = 123_456
    r = app_client.post(
        f"/telemetry/orgs/{ent.org_id}/records/payments",
        json={
            "records": [
                {
                    "payment_id": "BANK-20260101-0001",
                    "invoice_id": "INV-77",
                    "paid_date": first.due.isoformat(),
                    "amount": f"{(owed + surplus) / 100:.2f}",
                    "account": account,
                }
            ]
        },
        headers=ent.headers,
    )
    assert r.status_code == 201, r.text
    with db.unit_of_work() as s:
        officer = lb.principal(s, park["bank"]["officer"])
        assert not lending.loan_view(s, officer, loan_id).instalments[0].settled

    worker_pass(db, settings)

    with db.unit_of_work() as s:
        officer = lb.principal(s, park["bank"]["officer"])
        assert lending.loan_view(s, officer, loan_id).instalments[0].settled
        [row] = s.scalars(select(Collection).where(Collection.loan_id == loan_id)).all()
        assert row.amount_fen == owed + surplus == row.applied_fen + row.released_fen
        assert row.applied_fen >= owed and row.reference == "collect:payment:BANK-20260101-0001"
        row_applied = row.applied_fen
        runs = {r.name: r for r in s.scalars(select(JobRun).where(JobRun.subject != "*"))}
        assert "1 collected" in (runs["lending.collections_sweep"].detail or "")
        # The worker's daily close of the bank's book ran and proved it (it fails otherwise).
        assert runs["lending.daily_close"].status == "succeeded"
        assert "balanced" in (runs["lending.daily_close"].detail or "")
        report = lending.daily_close(s, as_of=today, lender_org_id=park["bank"]["officer"].org_id)
        assert report.balanced, report.checks

    # The enterprise sees the payment on its loan: what it repaid and the surplus released.
    seen = app_client.get(f"/lending/loans/{loan_id}", headers=ent.headers)
    assert seen.status_code == 200, seen.text
    [c] = seen.json()["collections"]
    assert c["reference"] == "collect:payment:BANK-20260101-0001"
    assert c["amount"] == f"{(owed + surplus) / 100:.2f}"
    assert Decimal(c["applied"]) + Decimal(c["released"]) == Decimal(c["amount"])
    assert Decimal(c["applied"]) * 100 == row_applied
    other = app_client.get(
        f"/lending/loans/{loan_id}", headers=park["other_bank"]["officer"].headers
    )
    assert other.status_code == 404

    # The same record posted again (a re-sent file) repays nothing twice.
    r = app_client.post(
        f"/telemetry/orgs/{ent.org_id}/records/payments",
        json={
            "records": [
                {
                    "payment_id": "BANK-20260101-0001",
                    "invoice_id": "INV-77",
                    "paid_date": first.due.isoformat(),
                    "amount": f"{(owed + surplus) / 100:.2f}",
                    "account": account,
                }
            ]
        },
        headers=ent.headers,
    )
    assert r.status_code == 201
    worker_pass(db, settings)
    with db.unit_of_work() as s:
        assert len(s.scalars(select(Collection).where(Collection.loan_id == loan_id)).all()) == 1


@sqlite_only
def test_outgoing_payments_landing_raise_fund_use_alerts_through_the_worker(
    db: Database, settings: Settings, park: Park, app_client: TestClient
) -> None:
    ent = park["enterprise"]["admin"]
    today = shanghai_date(utcnow())
    start = today - timedelta(days=10)
    with db.unit_of_work() as s:
        officer = lb.principal(s, park["bank"]["officer"])
        loan = lb.active_loan(s, officer, lb.principal(s, ent), amount="100000.00", start=start)
        loan_id, own = loan.id, str(loan.collection_account)
        governance.grant_consent(
            s,
            lb.principal(s, park["enterprise"]["officer"]),
            grantee_org_id=park["bank"]["officer"].org_id,
            categories=["management"],
            max_grade=2,
            purpose="post_loan_monitoring",
            valid_from=None,
            valid_until=utcnow() + timedelta(days=365),
        )
    rows = [
        {
            "payment_id": "OUT-1",
            "payee_name": "back home",
            "payee_account": own,
            "paid_date": (start + timedelta(days=1)).isoformat(),
            "amount": "90000.00",
            "channel": "transfer",
        },
        {
            "payment_id": "OUT-2",
            "payee_name": "钢材供应商",
            "payee_industry": "C31",
            "paid_date": (start + timedelta(days=5)).isoformat(),
            "amount": "5000.00",
            "channel": "transfer",
        },
    ]
    r = app_client.post(
        f"/telemetry/orgs/{ent.org_id}/records/outgoing_payments",
        json={"records": rows},
        headers=ent.headers,
    )
    assert r.status_code == 201, r.text

    worker_pass(db, settings)

    with db.unit_of_work() as s:
        runs = {r.name: r for r in s.scalars(select(JobRun).where(JobRun.subject != "*"))}
        assert runs["lending.fund_use"].detail == "1 loan(s) checked, 2 alert(s)"
        alerts = s.scalars(select(Alert).where(Alert.loan_id == loan_id)).all()
        by = {a.kind: a for a in alerts}
        assert set(by) == {"fund_back_to_borrower", "fund_too_fast"}
        assert by["fund_back_to_borrower"].severity == "high"
        [finding] = by["fund_back_to_borrower"].evidence["findings"]
        assert [p["payment_id"] for p in finding["payments"]] == ["OUT-1"]
