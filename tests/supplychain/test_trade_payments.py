"""A confirmed statement falls due payment_days after its period; unpaid after that the
worker flags it to the seller once; the buyer records its payment (only the buyer)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park


def _confirmed_statement(db: Database, park: Park, *, end: date, days: int) -> str:
    with db.unit_of_work() as s:
        seller = service.principal_for_org(s, park["enterprise"]["officer"].org_id)
        buyer = service.principal_for_org(s, park["core"]["officer"].org_id)
        c = service.create_contract(
            s,
            seller,
            counterparty_org_id=buyer.org_id,
            we_are="seller",
            reference="HT-PAY",
            goods="bolts",
            quantity=10,
            unit_price_fen=10_000,
            delivery_terms="EXW",
            payment_days=days,
        )
        st = service.issue_statement(
            s,
            seller,
            c.id,
            period_start=end - timedelta(days=29),
            period_end=end,
            lines=[service.LineIn("GRN-1", "lot", 100_000)],
        )
        done = service.answer_line(s, buyer, st.lines[0].id, confirm=True)
        assert done.statement.state == "confirmed"
        assert done.statement.due_on == end + timedelta(days=days)
        return st.statement.id


def test_late_payment_is_flagged_once_then_paid(
    app_client: TestClient, park: Park, db: Database
) -> None:
    sid = _confirmed_statement(db, park, end=date(2026, 9, 30), days=60)
    due = date(2026, 11, 29)
    with db.unit_of_work() as s:
        assert sid not in service.due_unpaid_statements(s, due - timedelta(days=1))
        assert service.flag_late_payment(s, sid, day=due - timedelta(days=1)) is False
        assert sid in service.due_unpaid_statements(s, due)
        assert service.flag_late_payment(s, sid, day=due) is True
        assert service.flag_late_payment(s, sid, day=due + timedelta(days=1)) is False
        seller = service.principal_for_org(s, park["enterprise"]["officer"].org_id)
        kinds = [e.kind for e in governance.list_log_entries(s, seller, limit=1000)]
        assert kinds.count("supplychain.statement.payment_overdue") == 1
    url = f"/supplychain/statements/{sid}/paid"
    r = app_client.post(url, headers=park["enterprise"]["officer"].headers)
    assert r.status_code == 403, r.text
    r = app_client.post(url, headers=park["other_enterprise"]["officer"].headers)
    assert r.status_code == 404, r.text
    r = app_client.post(url, headers=park["core"]["viewer"].headers)
    assert r.status_code == 403, r.text
    r = app_client.post(url, headers=park["core"]["officer"].headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["paid_at"] is not None and body["payment_overdue_on"] == due.isoformat()
    assert app_client.post(url, headers=park["core"]["officer"].headers).status_code == 409


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_worker_flags_late_statements(db: Database, settings: Settings, park: Park) -> None:
    sid = _confirmed_statement(db, park, end=date(2026, 10, 31), days=30)
    jobs = catalog.load(settings)
    out = run_manually(db, settings, jobs, "supplychain.flag_late_payments", period="2026-11-30")
    assert [(o.subject, o.status) for o in out if o.subject != "*"] == [(sid, "succeeded")]
    again = run_manually(db, settings, jobs, "supplychain.flag_late_payments", period="2026-12-01")
    assert [o for o in again if o.subject != "*"] == []  # flagged already: nothing due
