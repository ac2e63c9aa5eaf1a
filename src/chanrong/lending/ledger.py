"""The loan ledger's mechanics shared by the servicing use cases and the daily close.

``Book`` writes balanced journal entries in bulk; the functions here bring one loan's
accruals, penalty interest, days past due and five-category class up to a date, apply
money held ahead of its due date, and compare the journal with the sub-ledger. They work on
loans already loaded by the caller and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.core.money import round_fen
from chanrong.lending import journal
from chanrong.lending.allocation import AllocationOrder, Component, allocate
from chanrong.lending.delinquency import (
    Category,
    bucket,
    classify,
    days_past_due,
    penalty_interest,
)
from chanrong.lending.domain import (
    InstalmentState,
    RepaymentSource,
    dues,
    oldest_unpaid_due,
    overdue_fen,
)
from chanrong.lending.orm import ClassificationChange as ClassificationRow
from chanrong.lending.orm import JournalEntry, JournalLine, Loan
from chanrong.lending.repository import InstalmentRow, LendingRepository, PaidIndex
from chanrong.lending.schedule import DayCount, accrued_to


@dataclass
class Book:
    """Collects journal entries and writes them in bulk."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)

    def post(
        self,
        loan_id: str,
        entry: journal.JournalEntry,
        on: date,
        *,
        memo: str = "",
        reverses: str | None = None,
    ) -> str:
        """Queue one balanced entry of ``loan_id`` dated ``on``; returns its id."""
        entry_id = new_id()
        self.entries.append(
            {
                "id": entry_id,
                "loan_id": loan_id,
                "kind": entry.kind,
                "effective_on": on,
                "reverses_id": reverses,
                "memo": memo,
                "created_at": utcnow(),
            }
        )
        for p in entry.postings:
            self.lines.append(
                {
                    "id": new_id(),
                    "entry_id": entry_id,
                    "loan_id": loan_id,
                    "account": p.account.value,
                    "debit_fen": p.debit_fen,
                    "credit_fen": p.credit_fen,
                }
            )
        return entry_id

    def flush(self, repo: LendingRepository) -> None:
        """Write the queued entries and their lines."""
        repo.insert_rows(JournalEntry, self.entries)
        repo.insert_rows(JournalLine, self.lines)
        self.entries.clear()
        self.lines.clear()


# ---------------------------------------------------------------- servicing state


_PRINCIPAL = Component.PRINCIPAL.value
_INTEREST = Component.INTEREST.value


def instalment_states(
    rows: Sequence[InstalmentRow], paid: PaidIndex, loan_id: str
) -> list[InstalmentState]:
    """Each instalment with what its allocations have settled."""
    return [
        InstalmentState(
            number=r.number,
            start=r.start_on,
            due=r.due_on,
            principal_fen=r.principal_fen,
            interest_fen=r.interest_fen,
            paid_principal_fen=paid.get((loan_id, r.number, _PRINCIPAL), 0),
            paid_interest_fen=paid.get((loan_id, r.number, _INTEREST), 0),
        )
        for r in rows
    ]


def penalty_owed(loan: Loan, paid: PaidIndex) -> int:
    """Penalty interest accrued and not yet paid."""
    return loan.accrued_penalty_fen - paid.get((loan.id, 0, Component.PENALTY.value), 0)


def interest_target(rows: Sequence[InstalmentRow], as_of: date) -> int:
    """Interest the schedule says has accrued by the end of ``as_of``."""
    return sum(
        accrued_to(r.interest_fen, r.carried_interest_fen, r.accrual_start, r.due_on, as_of)
        for r in rows
    )


@dataclass
class ClosePlan:
    """What closing one loan through a date produced."""

    interest_fen: int = 0
    penalty_fen: int = 0
    classification: ClassificationRow | None = None
    closed: bool = False


def accrue(
    loan: Loan,
    rows: Sequence[InstalmentRow],
    paid: PaidIndex,
    as_of: date,
    book: Book,
    states: list[InstalmentState] | None = None,
) -> ClosePlan:
    """Accrue interest and penalty interest from the last close through ``as_of``."""
    plan = ClosePlan()
    last = loan.closed_through or loan.start_on or as_of
    if states is None:
        states = instalment_states(rows, paid, loan.id)
    dc = DayCount(loan.day_count)
    exact = Decimal(0)
    day = last + timedelta(days=1)
    # Day by day, because a due date inside the window changes what is overdue.
    while day <= as_of:
        p, i = overdue_fen(states, day)
        if p or i:
            exact += penalty_interest(
                overdue_principal_fen=p,
                overdue_interest_fen=i,
                annual_rate=loan.annual_rate,
                markup_pct=loan.penalty_markup_pct,
                days=1,
                day_count=dc,
            )
        day += timedelta(days=1)
    penalty = round_fen(exact)
    if penalty > 0:
        book.post(loan.id, journal.penalty_accrual(penalty), as_of, memo="罚息计提")
        loan.accrued_penalty_fen += penalty
        plan.penalty_fen = penalty
    delta = interest_target(rows, as_of) - loan.accrued_interest_fen
    if delta > 0:
        book.post(loan.id, journal.interest_accrual(delta), as_of, memo="利息计提")
    elif delta < 0:
        # A prepayment can leave a fen accrued ahead of the recomputed schedule: undo it.
        book.post(
            loan.id, journal.reversal(journal.interest_accrual(-delta)), as_of, memo="计提调整"
        )
    loan.accrued_interest_fen += delta
    plan.interest_fen = delta
    if as_of > last:
        loan.closed_through = as_of
    return plan


def reclassify(
    loan: Loan,
    rows: Sequence[InstalmentRow],
    paid: PaidIndex,
    as_of: date,
    risk_signal: str | None,
    states: list[InstalmentState] | None = None,
) -> ClassificationRow | None:
    """Update days past due, bucket and five-category class; a change is returned."""
    if states is None:
        states = instalment_states(rows, paid, loan.id)
    dpd = days_past_due(oldest_unpaid_due(states, as_of), as_of)
    loan.dpd = dpd
    loan.bucket = bucket(dpd).value
    previous = Category(loan.category)
    if dpd > 0:
        loan.cured_on = None
    elif loan.cured_on is None and previous.rank >= Category.SUBSTANDARD.rank:
        loan.cured_on = as_of
    performing = (as_of - loan.cured_on).days if loan.cured_on else None
    c = classify(dpd, risk_signal=risk_signal, previous=previous, performing_days=performing)
    if c.category.value == loan.category:
        return None
    change = ClassificationRow(
        id=new_id(),
        loan_id=loan.id,
        as_of=as_of,
        from_category=loan.category,
        to_category=c.category.value,
        rule=c.rule,
        reason=c.reason[:200],
        dpd=dpd,
        created_at=utcnow(),
    )
    loan.category = c.category.value
    return change


def settled(
    loan: Loan,
    rows: Sequence[InstalmentRow],
    paid: PaidIndex,
    states: list[InstalmentState] | None = None,
) -> bool:
    """Every instalment and the penalty balance settled."""
    if states is None:
        states = instalment_states(rows, paid, loan.id)
    return all(x.settled for x in states) and penalty_owed(loan, paid) <= 0


# ---------------------------------------------------------------- money in


def apply_held(
    loan: Loan,
    rows: Sequence[InstalmentRow],
    paid: PaidIndex,
    as_of: date,
    money: int,
    book: Book,
    repayments: list[dict[str, Any]],
    allocations: list[dict[str, Any]],
) -> int:
    """Apply money held ahead of its due date to what fell due (no cash moves)."""
    owed = dues(
        instalment_states(rows, paid, loan.id),
        as_of=as_of,
        penalty_owed_fen=penalty_owed(loan, paid),
    )
    alloc = allocate(money, owed, AllocationOrder(loan.allocation_order))
    if alloc.allocated_fen == 0:
        return 0
    entry = journal.repayment(
        principal_fen=alloc.total(Component.PRINCIPAL),
        interest_fen=alloc.total(Component.INTEREST),
        penalty_fen=alloc.total(Component.PENALTY),
        from_overpayment_fen=alloc.allocated_fen,
        kind="overpayment_applied",
    )
    entry_id = book.post(loan.id, entry, as_of, memo="预收款冲抵")
    rep_id = new_id()
    repayments.append(
        {
            "id": rep_id,
            "loan_id": loan.id,
            "amount_fen": alloc.allocated_fen,
            "paid_on": as_of,
            "source": RepaymentSource.OVERPAYMENT.value,
            "reference": f"held:{as_of.isoformat()}",
            "entry_id": entry_id,
            "created_at": utcnow(),
        }
    )
    for p in alloc.parts:
        allocations.append(
            {
                "id": new_id(),
                "repayment_id": rep_id,
                "loan_id": loan.id,
                "instalment": p.instalment,
                "component": p.component.value,
                "amount_fen": p.amount_fen,
            }
        )
        key = (loan.id, p.instalment, p.component.value)
        paid[key] = paid.get(key, 0) + p.amount_fen
    return alloc.allocated_fen


def subledger_checks(
    repo: LendingRepository, lender_org_id: str | None
) -> dict[str, tuple[int, int]]:
    """Journal balance vs the same figure from loans and allocations, per account."""
    acc = repo.account_totals(lender_org_id)
    sub = repo.subledger_totals(lender_org_id)
    paid_all = sub["paid_principal"] + sub["paid_interest"] + sub["paid_penalty"]
    a = journal.Account
    return {
        a.LOAN_PRINCIPAL.value: (
            acc.get(a.LOAN_PRINCIPAL.value, 0),
            sub["disbursed"] - sub["paid_principal"],
        ),
        a.INTEREST_RECEIVABLE.value: (
            acc.get(a.INTEREST_RECEIVABLE.value, 0),
            sub["interest_accrued"] - sub["paid_interest"],
        ),
        a.PENALTY_RECEIVABLE.value: (
            acc.get(a.PENALTY_RECEIVABLE.value, 0),
            sub["penalty_accrued"] - sub["paid_penalty"],
        ),
        a.INTEREST_INCOME.value: (-acc.get(a.INTEREST_INCOME.value, 0), sub["interest_accrued"]),
        a.PENALTY_INCOME.value: (-acc.get(a.PENALTY_INCOME.value, 0), sub["penalty_accrued"]),
        a.OVERPAYMENT.value: (-acc.get(a.OVERPAYMENT.value, 0), sub["received"] - paid_all),
        a.SETTLEMENT.value: (acc.get(a.SETTLEMENT.value, 0), sub["received"] - sub["disbursed"]),
        # Collected money the loans did not take is released the moment it arrives.
        a.COLLECTION_CLEARING.value: (-acc.get(a.COLLECTION_CLEARING.value, 0), 0),
    }
