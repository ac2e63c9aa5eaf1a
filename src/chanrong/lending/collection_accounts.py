"""回款账户: customer payments into a loan's collection account repay it; the rest is released.

Each loan binds a collection account when it is booked. A customer payment of the borrower
that names that account, arriving through the platform's intake like any business record,
is taken by the worker: the loan takes what is due now and the next instalment (paid ahead
of its date is held and applied on the due date, as for a sweep), in the product's
allocation order; whatever is left is released to the enterprise. Both halves are journal
entries of the loan, and the ``Collection`` row records the split, so that payments =
applied + released to the fen. The same payment reference is never applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.lending import journal
from chanrong.lending.domain import LoanStatus, RepaymentSource, collection_split, dues
from chanrong.lending.events import log_loan_event
from chanrong.lending.inputs import parse_reference
from chanrong.lending.ledger import Book, instalment_states, penalty_owed
from chanrong.lending.orm import Collection, Loan
from chanrong.lending.postings import apply_payment, bring_to
from chanrong.lending.repository import LendingRepository


@dataclass(frozen=True, slots=True)
class Collected:
    """What became of one payment: its collection row, or why it was not taken."""

    collection: Collection | None
    outcome: str  # collected, already, changed, unmatched


def owed_for_collection(session: Session, loan: Loan, on: date) -> int:
    """What a collection may take on ``on``: due now and the next instalment, less held money.

    Brings the loan's accruals to ``on`` first, so a day's penalty is part of what is owed.
    """
    repo = LendingRepository(session)
    loaded = bring_to(session, loan, on)
    states = instalment_states(loaded.rows, loaded.paid, loan.id)
    owed = sum(
        d.amount_fen
        for d in dues(states, as_of=on, penalty_owed_fen=penalty_owed(loan, loaded.paid))
    )
    nxt = next((s for s in states if s.due > on and not s.settled), None)
    if nxt is not None:
        owed += nxt.owed_principal_fen + nxt.owed_interest_fen
    held = -repo.account_balance([loan.id], journal.Account.OVERPAYMENT.value).get(loan.id, 0)
    return max(owed - max(held, 0), 0)


def collect_payment(
    session: Session,
    *,
    borrower_org_id: str,
    account: str,
    payment_ref: str,
    amount_fen: int,
    paid_on: date,
    payer: str | None = None,
) -> Collected:
    """Apply a customer payment of ``borrower_org_id`` into collection ``account``.

    A payment naming an account that is no loan's collection account, or a loan of another
    borrower, is ``unmatched`` and left alone. A reference already collected is not taken
    again (``already``; ``changed`` when the record has since been edited, left for the bank).
    A loan not active (closed, not yet disbursed) takes nothing: all is released. Money is
    booked on the payment day, or on the first day the loan's books are still open.
    """
    if amount_fen <= 0:
        raise ValidationFailed("amount: must be more than zero", field="amount")
    account = account.strip().replace(" ", "")
    ref = parse_reference(f"collect:{payment_ref}")
    repo = LendingRepository(session)
    loan = repo.loan_by_collection_account(account) if account else None
    if loan is None or loan.borrower_org_id != borrower_org_id:
        return Collected(None, "unmatched")
    done = repo.collection(loan.id, ref)
    if done is not None:
        same = done.amount_fen == amount_fen and done.paid_on == paid_on
        return Collected(done, "already" if same else "changed")
    on = max(paid_on, loan.closed_through) if loan.closed_through else paid_on
    owed = owed_for_collection(session, loan, on) if loan.status == LoanStatus.ACTIVE.value else 0
    applied, released = collection_split(amount_fen, owed)
    repayment_id = None
    if applied:
        rep = apply_payment(
            session,
            loan,
            amount_fen=applied,
            on=on,
            source=RepaymentSource.SWEEP,
            reference=ref,
            actor=None,
        )
        repayment_id = rep.id
    release_entry = None
    if released:
        book = Book()
        memo = f"{ref} → {borrower_org_id}"[:200]
        book.post(loan.id, journal.collection_received(released), on, memo=memo)
        release_entry = book.post(loan.id, journal.collection_released(released), on, memo=memo)
        book.flush(repo)
    row = Collection(
        loan_id=loan.id,
        reference=ref,
        account=account,
        payer=payer,
        amount_fen=amount_fen,
        applied_fen=applied,
        released_fen=released,
        paid_on=paid_on,
        booked_on=on,
        repayment_id=repayment_id,
        release_entry_id=release_entry,
    )
    repo.add(row)
    log_loan_event(
        session,
        "loan.collected",
        None,
        loan,
        {
            "reference": ref,
            "account": account,
            "amount_fen": amount_fen,
            "applied_fen": applied,
            "released_fen": released,
            "paid_on": paid_on.isoformat(),
            "booked_on": on.isoformat(),
        },
    )
    return Collected(row, "collected")
