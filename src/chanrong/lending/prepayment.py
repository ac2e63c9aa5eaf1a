"""Paying a loan off early: the payoff quote, and a prepayment that rewrites the schedule.

A prepayment first settles anything due, then the interest accrued to the day on the
running instalment, then principal; the term stays and later instalments shrink (the
recalculation itself is pure, in ``schedule``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.core.money import round_fen
from chanrong.identity.domain import Principal
from chanrong.lending.access import loan_for_lender, visible_loan
from chanrong.lending.allocation import AllocationOrder, Component, allocate
from chanrong.lending.domain import LoanStatus, RepaymentSource, dues
from chanrong.lending.events import log_loan_event
from chanrong.lending.inputs import parse_amount, parse_reference
from chanrong.lending.ledger import Book, accrue, instalment_states, penalty_owed
from chanrong.lending.orm import Loan, Repayment
from chanrong.lending.postings import (
    Loaded,
    after_payment,
    apply_payment,
    bring_to,
    load_loan,
    record_payment,
    write_schedule,
)
from chanrong.lending.products import rate_curve
from chanrong.lending.repository import InstalmentRow, LendingRepository
from chanrong.lending.schedule import (
    DayCount,
    RepaymentMethod,
    Schedule,
    exact_interest,
    recalculate_after_prepayment,
)
from chanrong.lending.schedule import Instalment as PlannedInstalment


@dataclass(frozen=True, slots=True)
class Payoff:
    """What it takes to repay a loan in full on a day."""

    on: date
    dues_fen: int
    accrued_interest_fen: int
    principal_fen: int

    @property
    def total_fen(self) -> int:
        return self.dues_fen + self.accrued_interest_fen + self.principal_fen


def _running(loaded: Loaded, loan: Loan, on: date) -> tuple[InstalmentRow, int] | None:
    """The instalment running on ``on`` and the principal still owed on it and after it."""
    states = instalment_states(loaded.rows, loaded.paid, loan.id)
    future = [(r, s) for r, s in zip(loaded.rows, states, strict=True) if r.due_on > on]
    if not future:
        return None
    return future[0][0], sum(s.owed_principal_fen for _, s in future)


def _accrued_on_running(
    session: Session, loan: Loan, row: InstalmentRow, balance: int, on: date
) -> int:
    """Interest on ``balance`` from where the running instalment accrues to ``on``."""
    curve = rate_curve(session, loan, loan.start_on or on, row.due_on, loan.annual_rate)
    return round_fen(
        exact_interest(balance, row.accrual_start, on, curve, DayCount(loan.day_count))
    )


def payoff_on(session: Session, loan: Loan, on: date, loaded: Loaded) -> Payoff:
    """What closes the loan on ``on``: dues, interest to date, principal still owed."""
    states = instalment_states(loaded.rows, loaded.paid, loan.id)
    owed = dues(states, as_of=on, penalty_owed_fen=penalty_owed(loan, loaded.paid))
    running = _running(loaded, loan, on)
    if running is None:
        return Payoff(on, sum(d.amount_fen for d in owed), 0, 0)
    row, balance = running
    accrued = _accrued_on_running(session, loan, row, balance, on)
    return Payoff(on, sum(d.amount_fen for d in owed), accrued, balance)


def payoff_quote(session: Session, principal: Principal, loan_id: str, *, on: date) -> Payoff:
    """The amount that closes the loan on ``on`` (dues, interest to date, principal)."""
    loan = visible_loan(session, principal, loan_id)
    if loan.status != LoanStatus.ACTIVE.value:
        raise Conflict(f"status: the loan is {loan.status}", field="status")
    return payoff_on(session, loan, on, load_loan(session, loan))


def prepay(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    amount: Decimal | str,
    on: date,
    reference: str,
) -> Repayment:
    """Prepay part or all of the principal; the rest of the schedule is recalculated.

    The amount first settles anything due, then the interest accrued to ``on`` on the
    running instalment, then principal. The term stays; later instalments shrink.
    """
    loan = loan_for_lender(session, principal, loan_id)
    reference = parse_reference(reference)
    fen = parse_amount(amount, "amount")
    repo = LendingRepository(session)
    if repo.repayment_by_reference(loan.id, reference) is not None:
        return apply_payment(
            session,
            loan,
            amount_fen=fen,
            on=on,
            source=RepaymentSource.PREPAYMENT,
            reference=reference,
            actor=principal.org_id,
        )
    loaded = bring_to(session, loan, on)
    states = instalment_states(loaded.rows, loaded.paid, loan.id)
    owed = dues(states, as_of=on, penalty_owed_fen=penalty_owed(loan, loaded.paid))
    alloc = allocate(fen, owed, AllocationOrder(loan.allocation_order))
    left = alloc.unallocated_fen
    parts = [(p.instalment, p.component, p.amount_fen) for p in alloc.parts]
    pay = payoff_on(session, loan, on, loaded)
    running = _running(loaded, loan, on)
    if running is None or pay.principal_fen == 0:
        raise Conflict("status: nothing is left to prepay", field="status")
    row, balance = running
    accrued = pay.accrued_interest_fen
    if left <= accrued:
        raise ValidationFailed(
            f"amount: after dues, {left / 100:.2f} does not exceed the interest accrued to date "
            f"({accrued / 100:.2f}); nothing would go to principal",
            field="amount",
        )
    principal_part = left - accrued
    if principal_part > balance:
        raise ValidationFailed(
            f"amount: the payoff on {on} is {pay.total_fen / 100:.2f}; more cannot be prepaid",
            field="amount",
        )
    # The outstanding position as a schedule of its own: the running instalment accrues from
    # its accrual start, later ones only lend their due dates. The pure recalculation then
    # charges interest to date, books the prepaid principal to the running instalment and
    # spreads what is left over the same dates.
    by_number = {s.number: s for s in states}
    future = [r for r in loaded.rows if r.due_on > on]
    outstanding = Schedule(
        balance,
        tuple(
            PlannedInstalment(
                r.number,
                r.accrual_start if r is row else r.start_on,
                r.due_on,
                by_number[r.number].owed_principal_fen,
                0,
                0,
            )
            for r in future
        ),
    )
    curve = rate_curve(session, loan, loan.start_on or on, loaded.rows[-1].due_on, loan.annual_rate)
    recalc = recalculate_after_prepayment(
        outstanding,
        on=on,
        principal_fen=principal_part,
        method=RepaymentMethod(loan.method),
        day_count=DayCount(loan.day_count),
        rate=curve,
    )
    assert recalc.accrued_interest_fen == accrued
    done = by_number[row.number]
    keep = [r for r in loaded.rows if r.due_on <= on]
    new_rows = [
        PlannedInstalment(r.number, r.start_on, r.due_on, r.principal_fen, r.interest_fen, 0)
        for r in keep
    ]
    for r in recalc.schedule.instalments:
        if r.number == row.number:
            # What was settled on it before (principal and interest) stays part of it.
            r = PlannedInstalment(
                r.number,
                row.start_on,
                r.due,
                r.principal_fen + done.paid_principal_fen,
                r.interest_fen + done.paid_interest_fen,
                r.balance_after_fen,
            )
        new_rows.append(r)
    carried = {row.number: (on, done.paid_interest_fen + accrued)}
    for kept in keep:
        carried[kept.number] = (kept.accrual_start, kept.carried_interest_fen)
    write_schedule(session, loan, new_rows, carried)
    parts += [
        (row.number, Component.INTEREST, accrued),
        (row.number, Component.PRINCIPAL, principal_part),
    ]
    rep = record_payment(
        session,
        loan,
        amount_fen=fen,
        on=on,
        source=RepaymentSource.PREPAYMENT,
        reference=reference,
        principal_fen=alloc.total(Component.PRINCIPAL) + principal_part,
        interest_fen=alloc.total(Component.INTEREST) + accrued,
        penalty_fen=alloc.total(Component.PENALTY),
        parts=parts,
    )
    # Re-accrue on the new schedule through ``on`` (may adjust by a fen either way).
    new = load_loan(session, loan)
    book = Book()
    accrue(loan, new.rows, new.paid, on, book)
    book.flush(repo)
    log_loan_event(
        session,
        "loan.prepaid",
        principal.org_id,
        loan,
        {
            "repayment_id": rep.id,
            "reference": reference,
            "amount_fen": fen,
            "on": on.isoformat(),
            "principal_fen": principal_part,
            "interest_fen": accrued,
            "full": principal_part == pay.principal_fen,
            "schedule_version": loan.schedule_version,
        },
    )
    after_payment(session, loan, on, principal.org_id)
    return rep
