"""Loans in SQL on SQLite and PostgreSQL: disbursement, repayment, prepayment, sweeps,
delinquency and the daily close that proves the books balance."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Park
from tests.lending.builders import active_loan, principal, product


def test_term_loan_repaid_to_the_fen_and_closed(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        loan = active_loan(s, officer, borrower, term_months=3)
        loan_id = loan.id
        view = lending.loan_view(s, officer, loan_id)
        # The hand-checked 等额本息 table (see test_schedule_tables).
        assert [(i.principal_fen, i.interest_fen) for i in view.instalments] == [
            (332_263, 3100),
            (333_493, 1870),
            (334_244, 1036),
        ]
        assert view.balances["loan_principal"] == 1_000_000
        assert view.balances["settlement"] == -1_000_000
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        for due, total, ref in [
            (date(2025, 2, 10), 335_363, "r1"),
            (date(2025, 3, 10), 335_363, "r2"),
            (date(2025, 4, 10), 335_280, "r3"),
        ]:
            lending.daily_close(s, as_of=due)
            rep = lending.repay(
                s, officer, loan_id, amount=Decimal(total) / 100, paid_on=due, reference=ref
            )
            assert rep.amount_fen == total
        view = lending.loan_view(s, officer, loan_id)
        assert view.loan.status == "closed"
        assert view.balances["loan_principal"] == 0
        assert view.balances["interest_receivable"] == 0
        assert view.balances["interest_income"] == 3100 + 1870 + 1036
        report = lending.daily_close(s, as_of=date(2025, 4, 11))
        assert report.balanced
        assert report.total_debit_fen == report.total_credit_fen


def test_accrual_is_straight_line_and_reaches_the_instalment(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        loan = active_loan(s, officer, borrower)
        r = lending.daily_close(s, as_of=date(2025, 1, 20))
        # 10 of 31 days of 31.00: 10.00.
        assert (r.loans, r.interest_accrued_fen) == (1, 1000)
        r = lending.daily_close(s, as_of=date(2025, 2, 10))
        assert r.interest_accrued_fen == 2100
        assert lending.loan_view(s, officer, loan.id).balances["interest_receivable"] == 3100
        assert r.balanced


def test_late_payment_goes_delinquent_with_penalty_and_category(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        loan = active_loan(s, officer, borrower, term_months=6)
        day = date(2025, 2, 10)
        while day <= date(2025, 5, 20):
            lending.daily_close(s, as_of=day)
            day += timedelta(days=1)
        view = lending.loan_view(s, officer, loan.id)
        assert view.loan.dpd == (date(2025, 5, 20) - date(2025, 2, 10)).days == 99
        assert view.loan.bucket == "M3+"
        assert view.loan.category == "substandard"
        rules = [(c.to_category, c.rule) for c in view.classifications]
        assert rules == [
            ("special_mention", "overdue"),
            ("substandard", "dpd_over_substandard"),
        ]
        penalty = view.balances["penalty_receivable"]
        assert penalty > 0
        # Pay everything due: penalty first (the product's order), and the loan is current.
        dues = sum(
            i.owed_principal_fen + i.owed_interest_fen
            for i in view.instalments
            if i.due <= date(2025, 5, 21)
        )
        total = dues + penalty + 10_000
        rep = lending.repay(
            s,
            officer,
            loan.id,
            amount=Decimal(total) / 100,
            paid_on=date(2025, 5, 21),
            reference="catch-up",
        )
        view = lending.loan_view(s, officer, loan.id)
        assert view.balances["penalty_receivable"] == 0
        assert view.loan.dpd == 0
        # Non-performing loans are not upgraded the day they are brought current: an
        # observation period of six months comes first.
        assert view.loan.category == "substandard"
        assert view.loan.cured_on == date(2025, 5, 21)
        assert view.balances["overpayment"] > 0
        assert rep.amount_fen == total
        assert lending.daily_close(s, as_of=date(2025, 5, 22)).balanced


def test_partial_and_full_prepayment(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        prod = product(s, officer, code="IO", method="interest_only")
        loan = active_loan(s, officer, borrower, prod=prod)
        lending.daily_close(s, as_of=date(2025, 2, 10))
        lending.repay(
            s, officer, loan.id, amount=Decimal("31.00"), paid_on=date(2025, 2, 10), reference="i1"
        )
        # 2025-02-20: 10 days' interest 10.00, then 4,000.00 principal (hand table).
        lending.prepay(
            s, officer, loan.id, amount=Decimal("4010.00"), on=date(2025, 2, 20), reference="p1"
        )
        view = lending.loan_view(s, officer, loan.id)
        rows = [
            (i.principal_fen, i.interest_fen, i.paid_principal_fen, i.paid_interest_fen)
            for i in view.instalments
        ]
        assert rows == [
            (0, 3100, 0, 3100),
            (400_000, 2080, 400_000, 1000),
            (600_000, 1860, 0, 0),
        ]
        assert view.balances["loan_principal"] == 600_000
        quote = lending.payoff_quote(s, officer, loan.id, on=date(2025, 3, 1))
        # 6,000 × 9 days ÷ 10⁴ = 5.40 on top of the 10.00 already settled.
        assert (quote.principal_fen, quote.accrued_interest_fen) == (600_000, 540)
        with pytest.raises(ValidationFailed) as err:
            lending.prepay(
                s, officer, loan.id, amount=Decimal("7000"), on=date(2025, 3, 1), reference="p2"
            )
        assert err.value.field == "amount"
        lending.prepay(
            s,
            officer,
            loan.id,
            amount=Decimal(quote.total_fen) / 100,
            on=date(2025, 3, 1),
            reference="p3",
        )
        view = lending.loan_view(s, officer, loan.id)
        assert view.loan.status == "closed"
        assert view.balances["loan_principal"] == 0
        assert view.balances["interest_receivable"] == 0
        assert view.balances["interest_income"] == 3100 + 1000 + 540
        assert lending.daily_close(s, as_of=date(2025, 3, 2)).balanced


def test_sweep_from_collections_takes_the_agreed_share_once(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        loan = active_loan(s, officer, borrower, sweep_share_pct="30")
        lending.daily_close(s, as_of=date(2025, 2, 10))
        got = lending.sweep_collection(
            s,
            borrower_org_id=borrower.org_id,
            payment_ref="pay-1",
            amount_fen=500_000,
            paid_on=date(2025, 2, 10),
        )
        # 30 % of 5,000.00 = 1,500.00, all of it settles instalment 1 (3,353.63 due).
        assert [r.amount_fen for r in got] == [150_000]
        again = lending.sweep_collection(
            s,
            borrower_org_id=borrower.org_id,
            payment_ref="pay-1",
            amount_fen=500_000,
            paid_on=date(2025, 2, 10),
        )
        assert [r.id for r in again] == [got[0].id]
        view = lending.loan_view(s, officer, loan.id)
        first = view.instalments[0]
        assert (first.paid_interest_fen, first.paid_principal_fen) == (3100, 146_900)
        # A big payment: the share is capped at what is due now plus the next instalment.
        big = lending.sweep_collection(
            s,
            borrower_org_id=borrower.org_id,
            payment_ref="pay-2",
            amount_fen=10_000_000,
            paid_on=date(2025, 2, 11),
        )
        # One day late on 1,853.63: penalty 1,853.63 × 3.65 % × 1.5 ÷ 365 = 0.278 → 0.28.
        assert big[0].amount_fen == (335_363 - 150_000) + 28 + 335_363
        view = lending.loan_view(s, officer, loan.id)
        assert view.balances["overpayment"] == 335_363
        # On the next due date the held money settles instalment 2 by itself.
        lending.daily_close(s, as_of=date(2025, 3, 10))
        view = lending.loan_view(s, officer, loan.id)
        assert view.instalments[1].settled
        assert view.balances["overpayment"] == 0
        assert view.loan.dpd == 0
        assert lending.daily_close(s, as_of=date(2025, 3, 11)).balanced


def test_credit_line_revolves(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        prod = product(s, officer, code="RC", kind="revolving", method="interest_only")
        line = lending.open_credit_line(
            s,
            officer,
            product_id=prod.id,
            borrower_org_id=borrower.org_id,
            limit=Decimal("100000"),
            opened_on=date(2025, 1, 1),
            expires_on=date(2026, 1, 1),
            purpose="working_capital",
        )
        first = lending.draw(
            s, borrower, line.id, amount=Decimal("60000"), term_months=2, on=date(2025, 1, 5)
        )
        assert lending.line_available_fen(s, line) == 4_000_000
        with pytest.raises(ValidationFailed) as err:
            lending.draw(
                s, borrower, line.id, amount=Decimal("40000.01"), term_months=2, on=date(2025, 1, 6)
            )
        assert err.value.field == "amount"
        payoff = lending.payoff_quote(s, officer, first.id, on=date(2025, 1, 25))
        lending.prepay(
            s,
            officer,
            first.id,
            amount=Decimal(payoff.total_fen) / 100,
            on=date(2025, 1, 25),
            reference="x",
        )
        assert lending.line_available_fen(s, line) == 10_000_000
        with pytest.raises(Forbidden):
            lending.draw(
                s, officer, line.id, amount=Decimal("1"), term_months=1, on=date(2025, 2, 1)
            )


def test_access_rules_and_state_errors(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        viewer = principal(s, park["bank"]["viewer"])
        other_bank = principal(s, park["other_bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        stranger = principal(s, park["other_enterprise"]["officer"])
        prod = product(s, officer)
        loan = lending.book_loan(
            s,
            officer,
            product_id=prod.id,
            borrower_org_id=borrower.org_id,
            amount=Decimal("1000"),
            term_months=3,
            purpose="equipment",
        )
        with pytest.raises(Conflict):
            lending.disburse(s, officer, loan.id, on=date(2025, 1, 1))
        with pytest.raises(Forbidden):
            lending.accept_loan(s, officer, loan.id)
        with pytest.raises(NotFound):
            lending.accept_loan(s, stranger, loan.id)
        lending.accept_loan(s, borrower, loan.id)
        with pytest.raises(NotFound):
            lending.disburse(s, other_bank, loan.id, on=date(2025, 1, 1))
        with pytest.raises(Forbidden):
            lending.disburse(s, viewer, loan.id, on=date(2025, 1, 1))
        with pytest.raises(Forbidden):
            lending.disburse(s, borrower, loan.id, on=date(2025, 1, 1))
        lending.disburse(s, officer, loan.id, on=date(2025, 1, 1))
        with pytest.raises(NotFound):
            lending.get_product(s, other_bank, prod.id)
        lending.daily_close(s, as_of=date(2025, 1, 5))
        with pytest.raises(ValidationFailed) as err:
            lending.repay(
                s, officer, loan.id, amount=Decimal("1"), paid_on=date(2025, 1, 3), reference="old"
            )
        assert err.value.field == "paid_on"
        with pytest.raises(ValidationFailed) as err:
            lending.repay(
                s,
                officer,
                loan.id,
                amount=Decimal("1.001"),
                paid_on=date(2025, 1, 6),
                reference="x",
            )
        assert err.value.field == "amount"
        lending.repay(
            s, officer, loan.id, amount=Decimal("1"), paid_on=date(2025, 1, 6), reference="r"
        )
        with pytest.raises(Conflict) as c:
            lending.repay(
                s, officer, loan.id, amount=Decimal("2"), paid_on=date(2025, 1, 6), reference="r"
            )
        assert c.value.field == "reference"
        assert lending.list_loans(s, stranger) == []
        assert [x.id for x in lending.list_loans(s, borrower)] == [loan.id]
        assert lending.list_loans(s, other_bank) == []


def test_lpr_priced_loan_reprices_on_its_anniversary(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        with pytest.raises(Forbidden):
            lending.record_lpr(s, borrower, tenor="1y", effective_on=date(2024, 1, 22), rate="3.45")
        lending.record_lpr(s, officer, tenor="1y", effective_on=date(2024, 1, 22), rate="3.45")
        lending.record_lpr(s, officer, tenor="1y", effective_on=date(2024, 10, 21), rate="3.10")
        with pytest.raises(Conflict):
            lending.record_lpr(s, officer, tenor="1y", effective_on=date(2024, 10, 21), rate="3")
        prod = lending.create_product(
            s,
            officer,
            code="LPR-IO",
            name="LPR+50bp 先息后本",
            kind="term",
            method="interest_only",
            day_count="act_360",
            rate_type="lpr",
            spread="0.50",
            lpr_tenor="1y",
            repricing="anniversary",
            max_amount="2000000",
        )
        with pytest.raises(ValidationFailed) as err:
            lending.book_loan(
                s,
                officer,
                product_id=prod.id,
                borrower_org_id=borrower.org_id,
                amount="1000000",
                term_months=14,
                purpose="equipment",
                annual_rate="5",
            )
        assert err.value.field == "annual_rate"
        loan = lending.book_loan(
            s,
            officer,
            product_id=prod.id,
            borrower_org_id=borrower.org_id,
            amount="1000000",
            term_months=14,
            purpose="equipment",
        )
        lending.accept_loan(s, borrower, loan.id)
        lending.disburse(s, officer, loan.id, on=date(2024, 3, 1))
        rows = lending.loan_view(s, officer, loan.id).instalments
        # 3.45 + 0.50 = 3.95 % until 2025-03-01, then 3.10 + 0.50 = 3.60 %:
        # March 2024, 31 days: 1,000,000 × 3.95 % × 31 ÷ 360 = 3,401.39;
        # March 2025, 31 days: 1,000,000 × 3.60 % × 31 ÷ 360 = 3,100.00.
        assert rows[0].interest_fen == 340_139
        assert rows[12].start == date(2025, 3, 1)
        assert rows[12].interest_fen == 310_000
        assert lending.get_loan(s, officer, loan.id).annual_rate == Decimal("3.95")


def test_a_bounced_repayment_is_reversed_by_a_new_entry(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        loan = active_loan(s, officer, borrower)
        lending.daily_close(s, as_of=date(2025, 2, 10))
        first = lending.repay(
            s, officer, loan.id, amount="3353.63", paid_on=date(2025, 2, 10), reference="t1"
        )
        lines_before = len(lending.loan_journal(s, officer, loan.id))
        back = lending.reverse_repayment(
            s, officer, loan.id, first.id, on=date(2025, 2, 12), reason="transfer bounced"
        )
        assert back.amount_fen == -335_363
        view = lending.loan_view(s, officer, loan.id)
        assert view.instalments[0].paid_principal_fen == 0
        assert view.balances["loan_principal"] == 1_000_000
        assert view.loan.dpd == 2 and view.loan.category == "special_mention"
        journal_rows = lending.loan_journal(s, officer, loan.id)
        assert len(journal_rows) == lines_before + 1
        entry, lines = journal_rows[-1]
        assert entry.kind == "reversal:repayment" and entry.reverses_id == first.entry_id
        assert sum(x.debit_fen for x in lines) == sum(x.credit_fen for x in lines) == 335_363
        with pytest.raises(Conflict):
            lending.reverse_repayment(
                s, officer, loan.id, first.id, on=date(2025, 2, 12), reason="again"
            )
        assert lending.daily_close(s, as_of=date(2025, 2, 13)).balanced
        second = lending.repay(
            s, officer, loan.id, amount="100", paid_on=date(2025, 2, 14), reference="t2"
        )
        lending.repay(s, officer, loan.id, amount="100", paid_on=date(2025, 2, 15), reference="t3")
        with pytest.raises(Conflict) as err:
            lending.reverse_repayment(
                s, officer, loan.id, second.id, on=date(2025, 2, 15), reason="x"
            )
        assert "latest" in err.value.detail


def test_monitoring_reads_the_borrowers_platform_records_under_consent(
    db: Database, park: Park, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from chanrong.core.errors import ConsentRequired
    from chanrong.governance import service as governance
    from chanrong.telemetry import service as telemetry
    from chanrong.telemetry.store import TelemetryStore

    store = TelemetryStore(tmp_path / "telemetry")

    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        loan = active_loan(s, officer, borrower, start=date(2024, 6, 15), term_months=12)
        rows = []
        month = date(2023, 1, 1)
        n = 0
        while month <= date(2025, 2, 1):
            n += 1
            output = 1000 if month.month != 2 else 400
            if month >= date(2025, 1, 1):
                output = 450 if month.month == 1 else 180
            rows.append(
                (
                    n,
                    {
                        "month": month.isoformat(),
                        "electricity_kwh": "50000",
                        "cost": "40000",
                        "output_value": str(output * 100),
                    },
                )
            )
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        telemetry.import_records(
            s, org_id=borrower.org_id, kind="energy_bills", rows=rows, source="test"
        )
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        with pytest.raises(ConsentRequired):
            lending.monitor_from_platform(s, officer, loan.id, as_of=date(2025, 2, 28), store=store)
    with db.unit_of_work() as s:
        governance.grant_consent(
            s,
            principal(s, park["enterprise"]["officer"]),
            grantee_org_id=park["bank"]["officer"].org_id,
            categories=["management"],
            max_grade=2,
            purpose="post_loan_monitoring",
            valid_from=None,
            valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        alerts = lending.monitor_from_platform(
            s, officer, loan.id, as_of=date(2025, 2, 28), store=store
        )
        assert [(a.kind, a.severity) for a in alerts] == [("output_drop", "high")]
        assert alerts[0].evidence["series"][-1] == {
            "period": "2025-02",
            "value": 18000.0,
            "baseline": 40000.0,
        }
        # A pass over the book: this loan is watched, a second borrower without a grant
        # is listed rather than read.
        other = principal(s, park["other_enterprise"]["officer"])
        second = product(s, officer, code="OTHER")
        active_loan(s, officer, other, prod=second, start=date(2024, 6, 15))
        report = lending.monitor_book(s, officer, as_of=date(2025, 2, 28), store=store)
        assert report.watched == 1
        assert len(report.without_consent) == 1
        # The grant covers its business records (management), not its machines (production).
        assert report.without_telemetry == [loan.id]
        assert [a.id for a in report.alerts] == [alerts[0].id]
        # The reads were logged as cross-organisation accesses for 贷后监控.
        access = governance.list_access(s, principal(s, park["enterprise"]["officer"]))
        assert {a.dataset for a in access} >= {"business.energy_bills", "business.orders"}
        assert {a.purpose for a in access} == {"post_loan_monitoring"}


def test_concurrent_repayments_on_one_loan_are_applied_one_after_the_other(
    db: Database, park: Park
) -> None:
    import threading

    if db.dialect == "sqlite":
        pytest.skip("SQLite runs one writer at a time; the row lock matters on PostgreSQL")
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        loan_id = active_loan(s, officer, borrower).id
        lending.daily_close(s, as_of=date(2025, 2, 10))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def pay(ref: str) -> None:
        try:
            with db.unit_of_work() as s:
                who = principal(s, park["bank"]["officer"])
                barrier.wait()
                lending.repay(
                    s, who, loan_id, amount="3353.63", paid_on=date(2025, 2, 10), reference=ref
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=pay, args=(r,)) for r in ("a", "b")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        view = lending.loan_view(s, officer, loan_id)
        # One payment settled instalment 1; the other is held for instalment 2, not applied
        # a second time to instalment 1.
        first = view.instalments[0]
        assert (first.paid_principal_fen, first.paid_interest_fen) == (332_263, 3100)
        assert view.balances["overpayment"] == 335_363
        assert lending.daily_close(s, as_of=date(2025, 2, 11)).balanced
