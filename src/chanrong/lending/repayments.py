"""Money received on loans: repayments, their reversal, and sweeps from collections.

A repayment settles what is due in the product's order and holds the rest; a reversal
undoes one by an opposite entry, never by editing; a collected receivable of the borrower
sweeps its agreed share to the borrower's loans (回款自动还款).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.identity.domain import Principal, Role
from chanrong.lending import journal
from chanrong.lending.access import loan_for_lender
from chanrong.lending.domain import LoanStatus, RepaymentSource, dues, sweep_share
from chanrong.lending.events import log_classification, log_loan_event
from chanrong.lending.inputs import parse_amount, parse_reference
from chanrong.lending.ledger import Book, instalment_states, penalty_owed, reclassify
from chanrong.lending.orm import Allocation as AllocationRow
from chanrong.lending.orm import Repayment
from chanrong.lending.postings import apply_payment, bring_to, load_loan, risk_signal
from chanrong.lending.repository import LendingRepository


def repay(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    amount: Decimal | str,
    paid_on: date,
    reference: str,
) -> Repayment:
    """Record a repayment received by the bank; a reused reference replays the first one."""
    loan = loan_for_lender(session, principal, loan_id)
    reference = parse_reference(reference)
    return apply_payment(
        session,
        loan,
        amount_fen=parse_amount(amount, "amount"),
        on=paid_on,
        source=RepaymentSource.BORROWER,
        reference=reference,
        actor=principal.org_id,
    )


def reverse_repayment(
    session: Session,
    principal: Principal,
    loan_id: str,
    repayment_id: str,
    *,
    on: date,
    reason: str,
) -> Repayment:
    """Undo a repayment that did not stand (a bounced transfer) by an opposite entry.

    Nothing is edited: a reversal entry, a negative repayment and negative allocations are
    added, so the instalments it settled are owed again from ``on``. Only the loan's latest
    repayment from the borrower or a sweep can be reversed (a prepayment rewrote the
    schedule; undo it with a new loan decision instead).
    """
    loan = loan_for_lender(session, principal, loan_id)
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise ValidationFailed("reason: 1 to 200 characters", field="reason")
    repo = LendingRepository(session)
    rep = repo.repayment(repayment_id)
    if rep is None or rep.loan_id != loan.id:
        raise NotFound(f"repayment {repayment_id} not found")
    if rep.source not in (RepaymentSource.BORROWER.value, RepaymentSource.SWEEP.value):
        raise Conflict(f"repayment_id: a {rep.source} cannot be reversed", field="repayment_id")
    later = [
        r
        for r in repo.repayments(loan.id)
        if r.id != rep.id and (r.paid_on, r.created_at) > (rep.paid_on, rep.created_at)
    ]
    if repo.repayment_by_reference(loan.id, f"reversal:{rep.id}") is not None:
        raise Conflict("repayment_id: already reversed", field="repayment_id")
    if later:
        raise Conflict(
            "repayment_id: only the latest repayment can be reversed", field="repayment_id"
        )
    if on < rep.paid_on:
        raise ValidationFailed("on: before the repayment itself", field="on")
    if loan.status == LoanStatus.CLOSED.value:
        loan.status = LoanStatus.ACTIVE.value
        loan.closed_on = None
    original = journal.JournalEntry(
        "repayment",
        tuple(
            journal.Posting(journal.Account(x.account), x.debit_fen, x.credit_fen)
            for x in repo.entry_lines(rep.entry_id)
        ),
    )
    held_now = -repo.account_balance([loan.id], journal.Account.OVERPAYMENT.value).get(loan.id, 0)
    held_then = sum(
        p.credit_fen for p in original.postings if p.account is journal.Account.OVERPAYMENT
    )
    if held_then > held_now:
        raise Conflict(
            "repayment_id: the money it left in advance has since been applied; reverse that first",
            field="repayment_id",
        )
    book = Book()
    entry_id = book.post(
        loan.id, journal.reversal(original), on, memo=reason, reverses=rep.entry_id
    )
    book.flush(repo)
    back = Repayment(
        loan_id=loan.id,
        amount_fen=-rep.amount_fen,
        paid_on=on,
        source=RepaymentSource.REVERSAL.value,
        reference=f"reversal:{rep.id}",
        entry_id=entry_id,
    )
    repo.add(back)
    repo.insert_rows(
        AllocationRow,
        [
            {
                "id": new_id(),
                "repayment_id": back.id,
                "loan_id": loan.id,
                "instalment": a.instalment,
                "component": a.component,
                "amount_fen": -a.amount_fen,
            }
            for a in repo.allocations([rep.id])
        ],
    )
    session.flush()
    log_loan_event(
        session,
        "loan.repayment_reversed",
        principal.org_id,
        loan,
        {"repayment_id": rep.id, "amount_fen": rep.amount_fen, "on": on, "reason": reason},
    )
    loaded = load_loan(session, loan)
    change = reclassify(
        loan,
        loaded.rows,
        loaded.paid,
        max(on, loan.closed_through or on),
        risk_signal(session, loan),
    )
    if change is not None:
        session.add(change)
        log_classification(session, loan, change)
    session.flush()
    return back


def sweeping_borrowers(session: Session, org_ids: Sequence[str]) -> set[str]:
    """Which of these organisations have an active loan with an agreed sweep share: the only
    borrowers ``sweep_collection`` can take anything from. One query for a whole settlement's
    payees, where calling ``sweep_collection`` for each payment reads each payee's loans."""
    return LendingRepository(session).sweeping_borrowers(org_ids)


def sweep_collection(
    session: Session,
    *,
    borrower_org_id: str,
    payment_ref: str,
    amount_fen: int,
    paid_on: date,
) -> list[Repayment]:
    """回款自动还款: a receivable of the borrower was paid through the platform.

    For each active loan of the borrower with an agreed sweep share (oldest first), that
    share of the payment goes to the loan first, up to what is due now plus the next
    instalment (paid ahead of its date is held and applied on the due date). Calling again
    with the same ``payment_ref`` changes nothing. Returns the sweeps made.
    """
    if amount_fen <= 0:
        raise ValidationFailed("amount: must be more than zero", field="amount")
    ref = parse_reference(f"sweep:{payment_ref}")
    repo = LendingRepository(session)
    out: list[Repayment] = []
    left = amount_fen
    for loan in repo.loans(borrower_org_id=borrower_org_id, status=LoanStatus.ACTIVE.value):
        if loan.sweep_share_pct <= 0 or left <= 0:
            continue
        repo.loan(loan.id, for_update=True)
        done = repo.repayment_by_reference(loan.id, ref)
        if done is not None:
            out.append(done)
            left -= done.amount_fen
            continue
        if loan.closed_through and paid_on < loan.closed_through:
            continue
        # Accrue to the payment day first, so a day's penalty is part of what is owed.
        loaded = bring_to(session, loan, paid_on)
        states = instalment_states(loaded.rows, loaded.paid, loan.id)
        owed_now = sum(
            d.amount_fen
            for d in dues(states, as_of=paid_on, penalty_owed_fen=penalty_owed(loan, loaded.paid))
        )
        nxt = next((s for s in states if s.due > paid_on and not s.settled), None)
        owed = owed_now + (nxt.owed_principal_fen + nxt.owed_interest_fen if nxt else 0)
        # Money already held ahead of its date counts against what the sweep may take.
        held = -repo.account_balance([loan.id], journal.Account.OVERPAYMENT.value).get(loan.id, 0)
        owed -= max(held, 0)
        share = sweep_share(left, loan.sweep_share_pct, owed)
        if share <= 0:
            continue
        out.append(
            apply_payment(
                session,
                loan,
                amount_fen=share,
                on=paid_on,
                source=RepaymentSource.SWEEP,
                reference=ref,
                actor=None,
            )
        )
        left -= share
    return out


def record_collection(
    session: Session,
    principal: Principal,
    *,
    borrower_org_id: str,
    payment_ref: str,
    amount_fen: int,
    paid_on: date,
) -> list[Repayment]:
    """The platform reports a collected receivable over the API (operator officers only)."""
    if not (principal.is_operator and principal.has_role(Role.OFFICER)):
        raise Forbidden("collections are reported by the platform operator's officers")
    return sweep_collection(
        session,
        borrower_org_id=borrower_org_id,
        payment_ref=payment_ref,
        amount_fen=amount_fen,
        paid_on=paid_on,
    )
