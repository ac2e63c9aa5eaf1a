"""The ledger writer: how money and schedules reach one loan's books.

Before money moves the loan is closed through the day (``bring_to``); money received is
settled in the product's allocation order and the rest held (``apply_payment``); each
movement is a balanced journal entry with its repayment and allocation rows
(``record_payment``); after it the loan is reclassified and closed once settled
(``after_payment``). A new schedule version is written by ``write_schedule``. The pure
mechanics (``Book``, accrual, classification) are in ``ledger``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.lending import journal
from chanrong.lending.allocation import AllocationOrder, Component, allocate
from chanrong.lending.domain import LoanStatus, RepaymentSource, dues
from chanrong.lending.events import log_classification, log_loan_event
from chanrong.lending.ledger import (
    Book,
    accrue,
    instalment_states,
    penalty_owed,
    reclassify,
    settled,
)
from chanrong.lending.monitoring import Severity
from chanrong.lending.orm import Allocation as AllocationRow
from chanrong.lending.orm import Instalment, Loan, Repayment
from chanrong.lending.repository import InstalmentRow, LendingRepository, PaidIndex
from chanrong.lending.schedule import Instalment as PlannedInstalment


@dataclass(frozen=True, slots=True)
class Loaded:
    """One loan's instalments (current schedule version) and what has been paid on them."""

    rows: list[InstalmentRow]
    paid: PaidIndex


def load_loan(session: Session, loan: Loan) -> Loaded:
    """Read one loan's instalments and payments."""
    repo = LendingRepository(session)
    return Loaded(list(repo.instalments(loan)), repo.paid([loan.id]))


def bring_to(session: Session, loan: Loan, on: date) -> Loaded:
    """Close one loan through ``on`` before money moves, so dues and accruals are current."""
    if loan.status != LoanStatus.ACTIVE.value:
        raise Conflict(f"status: the loan is {loan.status}", field="status")
    if loan.closed_through and on < loan.closed_through:
        raise ValidationFailed(
            f"paid_on: the books of this loan are closed through {loan.closed_through}",
            field="paid_on",
        )
    loaded = load_loan(session, loan)
    book = Book()
    accrue(loan, loaded.rows, loaded.paid, on, book)
    book.flush(LendingRepository(session))
    return loaded


def write_schedule(
    session: Session,
    loan: Loan,
    rows: Sequence[PlannedInstalment],
    carried: dict[int, tuple[date, int]],
) -> None:
    """Write ``rows`` as the loan's next schedule version; ``carried`` gives an instalment's
    accrual start and the interest it already carries (after a prepayment)."""
    loan.schedule_version += 1
    repo = LendingRepository(session)
    repo.insert_rows(
        Instalment,
        [
            {
                "id": new_id(),
                "loan_id": loan.id,
                "version": loan.schedule_version,
                "number": r.number,
                "start_on": r.start,
                "due_on": r.due,
                "principal_fen": r.principal_fen,
                "interest_fen": r.interest_fen,
                "accrual_start": carried.get(r.number, (r.start, 0))[0],
                "carried_interest_fen": carried.get(r.number, (r.start, 0))[1],
            }
            for r in rows
        ],
    )
    session.flush()


_ENTRY_KIND = {
    RepaymentSource.BORROWER: "repayment",
    RepaymentSource.SWEEP: "sweep",
    RepaymentSource.PREPAYMENT: "prepayment",
    RepaymentSource.OVERPAYMENT: "overpayment_applied",
}


def record_payment(
    session: Session,
    loan: Loan,
    *,
    amount_fen: int,
    on: date,
    source: RepaymentSource,
    reference: str,
    principal_fen: int,
    interest_fen: int,
    penalty_fen: int,
    parts: Sequence[tuple[int, Component, int]],
    overpayment_fen: int = 0,
) -> Repayment:
    """Post one payment's journal entry and write its repayment and allocation rows."""
    repo = LendingRepository(session)
    from_held = amount_fen if source is RepaymentSource.OVERPAYMENT else 0
    entry = journal.repayment(
        principal_fen=principal_fen,
        interest_fen=interest_fen,
        penalty_fen=penalty_fen,
        overpayment_fen=overpayment_fen,
        from_overpayment_fen=from_held,
        kind=_ENTRY_KIND[source],
    )
    book = Book()
    entry_id = book.post(loan.id, entry, on, memo=reference[:200])
    book.flush(repo)
    rep = Repayment(
        loan_id=loan.id,
        amount_fen=amount_fen,
        paid_on=on,
        source=source.value,
        reference=reference,
        entry_id=entry_id,
    )
    repo.add(rep)
    repo.insert_rows(
        AllocationRow,
        [
            {
                "id": new_id(),
                "repayment_id": rep.id,
                "loan_id": loan.id,
                "instalment": inst,
                "component": comp.value,
                "amount_fen": amt,
            }
            for inst, comp, amt in parts
            if amt
        ],
    )
    session.flush()
    return rep


def after_payment(session: Session, loan: Loan, on: date, actor: str | None) -> None:
    """Reclassify the loan after money moved, and close it once everything is settled."""
    loaded = load_loan(session, loan)
    change = reclassify(loan, loaded.rows, loaded.paid, on, risk_signal(session, loan))
    if change is not None:
        session.add(change)
        log_classification(session, loan, change)
    if settled(loan, loaded.rows, loaded.paid):
        loan.status = LoanStatus.CLOSED.value
        loan.closed_on = on
        log_loan_event(session, "loan.closed", actor, loan, {"on": on.isoformat()})
    session.flush()


def risk_signal(session: Session, loan: Loan) -> str | None:
    """The kind of the loan's open high-severity alert, if any (a classification input)."""
    return LendingRepository(session).open_alert_loans([loan.id], Severity.HIGH.value).get(loan.id)


def apply_payment(
    session: Session,
    loan: Loan,
    *,
    amount_fen: int,
    on: date,
    source: RepaymentSource,
    reference: str,
    actor: str | None,
) -> Repayment:
    """Money received: settle what is due in the product's order, hold the rest."""
    repo = LendingRepository(session)
    existing = repo.repayment_by_reference(loan.id, reference)
    if existing is not None:
        if existing.amount_fen != amount_fen or existing.paid_on != on:
            raise Conflict(
                f"reference: {reference!r} was already used for a different payment",
                field="reference",
            )
        return existing
    loaded = bring_to(session, loan, on)
    owed = dues(
        instalment_states(loaded.rows, loaded.paid, loan.id),
        as_of=on,
        penalty_owed_fen=penalty_owed(loan, loaded.paid),
    )
    alloc = allocate(amount_fen, owed, AllocationOrder(loan.allocation_order))
    rep = record_payment(
        session,
        loan,
        amount_fen=amount_fen,
        on=on,
        source=source,
        reference=reference,
        principal_fen=alloc.total(Component.PRINCIPAL),
        interest_fen=alloc.total(Component.INTEREST),
        penalty_fen=alloc.total(Component.PENALTY),
        parts=[(p.instalment, p.component, p.amount_fen) for p in alloc.parts],
        overpayment_fen=alloc.unallocated_fen,
    )
    log_loan_event(
        session,
        "loan.repaid",
        actor,
        loan,
        {
            "repayment_id": rep.id,
            "source": source.value,
            "reference": reference,
            "amount_fen": amount_fen,
            "paid_on": on.isoformat(),
            "principal_fen": alloc.total(Component.PRINCIPAL),
            "interest_fen": alloc.total(Component.INTEREST),
            "penalty_fen": alloc.total(Component.PENALTY),
            "held_fen": alloc.unallocated_fen,
        },
    )
    after_payment(session, loan, on, actor)
    return rep
