"""Loans in the console: the bank's book with delinquency, a loan's schedule, the borrower's
acceptance of a booked loan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient

from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Park
from tests.lending.builders import active_loan, principal, product
from tests.web.console import HTML, page_csrf, sign_in


def test_loan_book_schedule_and_borrower_acceptance(
    app_client: TestClient, park: Park, db: Database
) -> None:
    bank_m, ent_m = park["bank"]["officer"], park["enterprise"]["officer"]
    with db.unit_of_work() as s:
        bank, ent = principal(s, bank_m), principal(s, ent_m)
        prod = product(s, bank)
        running = active_loan(s, bank, ent, prod=prod, amount="30000.00", start=date(2025, 1, 10))
        booked = lending.book_loan(
            s,
            bank,
            product_id=prod.id,
            borrower_org_id=ent.org_id,
            amount=Decimal("5000.00"),
            term_months=6,
            purpose="raw_materials",
        )
        running_id, booked_id = running.id, booked.id
        # Nothing repaid: by 15 March the February instalment is 33 days past due.
        lending.daily_close(s, as_of=date(2025, 3, 15), lender_org_id=bank.org_id)
    sign_in(app_client, bank_m.key)
    r = app_client.get("/console/bank/loans", headers=HTML)
    assert r.status_code == 200
    assert 'id="kpi-loans">2<' in r.text
    assert 'id="kpi-total">¥35,000.00<' in r.text
    assert f'data-loan="{running_id}"' in r.text
    assert "还款中" in r.text and "已审批待接受" in r.text
    assert 'id="kpi-delinquent">1<' in r.text
    assert '<td class="num" data-label="逾期天数">33</td><td data-label="逾期档">M2</td>' in r.text
    detail = app_client.get(f"/console/loans/{running_id}", headers=HTML)
    assert detail.status_code == 200
    assert detail.text.count('<tr><td class="num">') == 3  # three monthly instalments
    # Another bank cannot open it (it looks missing).
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["officer"].key)
    assert other.get(f"/console/loans/{running_id}", headers=HTML).status_code == 404
    assert f'data-loan="{running_id}"' not in other.get("/console/bank/loans", headers=HTML).text

    borrower = TestClient(app_client.app)
    sign_in(borrower, ent_m.key)
    mine = borrower.get("/console/enterprise/loans", headers=HTML)
    assert mine.status_code == 200
    assert "接受贷款与还款计划" in mine.text
    token = page_csrf(borrower, "/console/enterprise/loans")
    r = borrower.post(
        f"/console/enterprise/loans/{booked_id}/accept", data={"csrf_token": token}, headers=HTML
    )
    assert r.status_code == 200
    assert "已接受贷款" in r.text
    with db.unit_of_work() as s:
        assert lending.get_loan(s, principal(s, ent_m), booked_id).status == "accepted"
    # Accepting twice is a conflict, said in plain words.
    r = borrower.post(
        f"/console/enterprise/loans/{booked_id}/accept", data={"csrf_token": token}, headers=HTML
    )
    assert r.status_code == 409
    assert "字段 status" in r.text


def test_alert_evidence_from_telemetry_is_drawn_with_its_logged_reads(
    app_client: TestClient, park: Park, db: Database
) -> None:
    from chanrong.lending.alerts import raise_alert
    from chanrong.lending.repository import LendingRepository
    from chanrong.lending.telemetry_detectors import detect_slowdown
    from tests.lending.test_telemetry_detectors import series, slump, steady

    values = steady()
    slump(values, date(2025, 1, 6), 97, hours=0.75, util=0.96, epu=1.08)
    reads = [
        {"dataset": "telemetry.energy", "log_index": 7, "leaf_hash": "ab", "grant_id": "g"},
        {"dataset": "telemetry.equipment", "log_index": 8, "leaf_hash": "cd", "grant_id": "g"},
    ]
    found = detect_slowdown(series(values), as_of=date(2025, 2, 20), reads=reads)
    assert found is not None
    bank_m, ent_m = park["bank"]["officer"], park["enterprise"]["officer"]
    with db.unit_of_work() as s:
        bank, ent = principal(s, bank_m), principal(s, ent_m)
        loan_id = active_loan(s, bank, ent, prod=product(s, bank), start=date(2024, 10, 10)).id
        loan = LendingRepository(s).loan(loan_id)
        assert loan is not None
        alert = raise_alert(
            s, loan, found.kind, found.severity, found.params, found.evidence, date(2025, 2, 20)
        )
        alert_id = alert.id
    sign_in(app_client, bank_m.key)
    zh = app_client.get("/console/bank/loans", headers=HTML).text
    assert f'data-evidence="{alert_id}"' in zh and "<summary>依据</summary>" in zh
    for signal in ("running_hours", "utilisation", "energy_per_unit"):
        assert f'id="alert-{alert_id}-{signal}"' in zh
    assert "运行时长 · telemetry.equipment" in zh
    assert "连续 29 天触发（2025-01-23 至 2025-02-20）" in zh
    assert '<a href="/console/log/8">可验证日志第 8 条</a>' in zh
    assert "设备运行连续 29 天偏离自身季节基线" in zh and "近 12 周运行时间占开机时间 82%" in zh
    en = app_client.get("/console/bank/loans?lang=en", headers=HTML).text
    assert "<summary>Evidence</summary>" in en and "Running hours · telemetry.equipment" in en
    assert "Machines off their own seasonal baseline for 29 days" in en
    assert '<a href="/console/log/7">verifiable log entry 7</a>' in en


def test_the_daily_warning_shows_machines_orders_and_payables_with_their_reads(
    app_client: TestClient, park: Park, db: Database
) -> None:
    from datetime import timedelta

    from chanrong.lending.alerts import raise_alert
    from chanrong.lending.daily_warning import detect_warning, first_warning
    from chanrong.lending.repository import LendingRepository
    from tests.lending.test_daily_warning import weak_firm

    s, weak = weak_firm()
    day = first_warning(s, weak, start=date(2024, 9, 1), end=date(2025, 4, 13))
    assert day is not None
    reads = [
        {"dataset": "telemetry.equipment", "log_index": 8, "leaf_hash": "cd", "grant_id": "g"},
        {"dataset": "business.orders", "log_index": 9, "leaf_hash": "ef", "grant_id": "g"},
        {"dataset": "business.payments", "log_index": 10, "leaf_hash": "01", "grant_id": "g"},
    ]
    found = detect_warning(s, weak, as_of=day, reads=reads)
    assert found is not None
    bank_m, ent_m = park["bank"]["officer"], park["enterprise"]["officer"]
    with db.unit_of_work() as ses:
        bank, ent = principal(ses, bank_m), principal(ses, ent_m)
        loan_id = active_loan(ses, bank, ent, prod=product(ses, bank), start=date(2024, 10, 10)).id
        loan = LendingRepository(ses).loan(loan_id)
        assert loan is not None
        ev = found.evidence
        alert = raise_alert(ses, loan, found.kind, found.severity, found.params, ev, day)
        alert_id = alert.id
    sign_in(app_client, bank_m.key)
    zh = app_client.get("/console/bank/loans", headers=HTML).text
    for signal in ("running_hours", "orders", "payables_late"):
        assert f'id="alert-{alert_id}-{signal}"' in zh
    assert "订单 (近 61 天) · business.orders" in zh
    assert "应付账款逾期天数 · business.payments" in zh
    assert "综合预警评分连续" in zh
    assert '<a href="/console/log/10">可验证日志第 10 条</a>' in zh
    first = (day - timedelta(days=len(found.evidence["triggered"]) - 1)).isoformat()
    assert f"（{first} 至 {day.isoformat()}）" in zh
    en = app_client.get("/console/bank/loans?lang=en", headers=HTML).text
    assert "Orders (61 days) · business.orders" in en and "Warning score past its threshold" in en
    assert "Days late on its own supplier invoices · business.payments" in en
