"""回款账户: a loan's collection account; customer payments into it repay the loan and the
rest is released to the enterprise, journalled and conserved to the fen, never twice."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending
from chanrong.lending.domain import collection_split
from chanrong.lending.orm import Collection, JournalEntry, JournalLine, Repayment
from chanrong.storage.database import Database
from tests.builders import Park, add_member, add_org
from tests.lending.builders import active_loan, principal, product

_codes = itertools.count()
START = date(2025, 1, 10)


@given(st.integers(1, 10**12), st.integers(-(10**6), 10**12))
def test_split_takes_what_is_owed_and_releases_the_rest(payment: int, owed: int) -> None:
    applied, released = collection_split(payment, owed)
    assert applied + released == payment
    assert 0 <= applied <= max(owed, 0) and released >= 0
    assert applied == min(payment, max(owed, 0))


def test_split_refuses_nothing() -> None:
    with pytest.raises(ValueError, match="positive"):
        collection_split(0, 100)


def _world(s: Session) -> tuple[str, Principal, Principal]:
    bank = add_org(s, "financial_institution")
    ent = add_org(s, "enterprise")
    officer = principal(s, add_member(s, bank, "officer"))
    borrower = principal(s, add_member(s, ent, "officer"))
    return ent, officer, borrower


def _released_in_journal(s: Session, loan_id: str) -> int:
    return int(
        s.execute(
            select(func.coalesce(func.sum(JournalLine.credit_fen), 0))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalEntry.loan_id == loan_id,
                JournalEntry.kind == "collection_released",
                JournalLine.account == "settlement",
            )
        ).scalar_one()
    )


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    arrivals=st.lists(
        st.tuples(st.integers(0, 40), st.integers(1, 1_500_000), st.booleans()),
        min_size=1,
        max_size=8,
    )
)
def test_payments_are_applied_plus_released_to_the_fen(
    db: Database, arrivals: list[tuple[int, int, bool]]
) -> None:
    """Whatever customers pay into the account and whenever, every fen is either applied to
    the loan or released to the enterprise; a repeated reference changes nothing; the books
    still balance at the close."""
    with db.unit_of_work() as s:
        ent, officer, borrower = _world(s)
        prod = product(s, officer, code=f"C{next(_codes)}")
        loan = active_loan(s, officer, borrower, prod=prod, term_months=3)
        assert loan.collection_account
        bank = loan.lender_org_id
        day = START
        paid = 0
        for n, (days, amount, repeat) in enumerate(arrivals):
            day += timedelta(days=days)
            if loan.status != "active":
                day = max(day, loan.closed_on or day)
            got = lending.collect_payment(
                s,
                borrower_org_id=ent,
                account=loan.collection_account,
                payment_ref=f"p{n}",
                amount_fen=amount,
                paid_on=day,
            )
            assert got.outcome == "collected"
            paid += amount
            if repeat:
                again = lending.collect_payment(
                    s,
                    borrower_org_id=ent,
                    account=loan.collection_account,
                    payment_ref=f"p{n}",
                    amount_fen=amount,
                    paid_on=day,
                )
                assert again.outcome == "already"
                assert again.collection is not None and got.collection is not None
                assert again.collection.id == got.collection.id
            if days % 3 == 0:
                report = lending.daily_close(s, as_of=day, lender_org_id=bank)
                assert report.balanced, report.checks
        rows = s.scalars(select(Collection).where(Collection.loan_id == loan.id)).all()
        assert len(rows) == len(arrivals)
        applied = sum(r.applied_fen for r in rows)
        released = sum(r.released_fen for r in rows)
        assert paid == applied + released
        assert all(r.amount_fen == r.applied_fen + r.released_fen for r in rows)
        swept = s.scalars(
            select(Repayment).where(
                Repayment.loan_id == loan.id, Repayment.reference.like("collect:%")
            )
        ).all()
        assert sum(r.amount_fen for r in swept) == applied
        assert _released_in_journal(s, loan.id) == released
        report = lending.daily_close(s, as_of=day + timedelta(days=1), lender_org_id=bank)
        assert report.balanced, report.checks
        assert report.checks["collection_clearing"] == (0, 0)


def test_due_instalment_is_repaid_and_the_surplus_released(db: Database) -> None:
    with db.unit_of_work() as s:
        ent, officer, borrower = _world(s)
        loan = active_loan(s, officer, borrower)
        view = lending.loan_view(s, officer, loan.id)
        first = view.instalments[0]
        due_on = first.due
        owed = first.principal_fen + first.interest_fen
        got = lending.collect_payment(
            s,
            borrower_org_id=ent,
            account=str(loan.collection_account),
            payment_ref="PAY-1",
            amount_fen=owed + 1_000_000,
            paid_on=due_on,
            payer="91310000MA1K000001",
        )
        row = got.collection
        assert got.outcome == "collected" and row is not None
        assert row.applied_fen > owed  # the next instalment too, held for its date
        assert row.released_fen == owed + 1_000_000 - row.applied_fen > 0
        after = lending.loan_view(s, officer, loan.id)
        assert after.instalments[0].settled


def test_the_account_must_be_the_borrowers_own_loan(db: Database) -> None:
    with db.unit_of_work() as s:
        ent, officer, borrower = _world(s)
        other = add_org(s, "enterprise")
        loan = active_loan(s, officer, borrower)
        kw = {"payment_ref": "X", "amount_fen": 100, "paid_on": START + timedelta(days=30)}
        assert (
            lending.collect_payment(
                s, borrower_org_id=other, account=str(loan.collection_account), **kw
            )
        ).outcome == "unmatched"
        assert (
            lending.collect_payment(s, borrower_org_id=ent, account="NO-SUCH-ACCT", **kw)
        ).outcome == "unmatched"
        assert s.scalars(select(Collection)).all() == []
        # The record edited after it was taken: not taken again, and said so.
        acct = str(loan.collection_account)
        assert (
            lending.collect_payment(s, borrower_org_id=ent, account=acct, **kw).outcome
            == "collected"
        )
        changed = {**kw, "amount_fen": 200}
        assert (
            lending.collect_payment(s, borrower_org_id=ent, account=acct, **changed).outcome
            == "changed"
        )
        with pytest.raises(ValidationFailed):
            lending.collect_payment(
                s, borrower_org_id=ent, account=acct, payment_ref="Z", amount_fen=0, paid_on=START
            )


def test_booking_binds_a_collection_account(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["admin"])
        prod = product(s, officer)
        kw = {
            "product_id": prod.id,
            "borrower_org_id": borrower.org_id,
            "amount": "10000",
            "term_months": 3,
            "purpose": "raw_materials",
        }
        own = lending.book_loan(s, officer, **kw)
        assert own.collection_account == "VA" + own.id.replace("-", "").upper()
        named = lending.book_loan(s, officer, collection_account=" 6222 0210 0100 ", **kw)
        assert named.collection_account == "622202100100"
        with pytest.raises(Conflict) as taken:
            lending.book_loan(s, officer, collection_account="622202100100", **kw)
        assert taken.value.field == "collection_account"
        with pytest.raises(ValidationFailed) as bad:
            lending.book_loan(s, officer, collection_account="a/b", **kw)
        assert bad.value.field == "collection_account"
