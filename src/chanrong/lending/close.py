"""The daily close: accrue, apply held money, classify, and prove the books balance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chanrong.governance import service as governance
from chanrong.identity.domain import Principal
from chanrong.lending import journal
from chanrong.lending.access import require_bank_officer
from chanrong.lending.domain import LoanStatus
from chanrong.lending.events import note_default
from chanrong.lending.ledger import (
    Book,
    accrue,
    apply_held,
    instalment_states,
    reclassify,
    settled,
    subledger_checks,
)
from chanrong.lending.monitoring import Severity
from chanrong.lending.orm import Allocation as AllocationRow
from chanrong.lending.orm import ClassificationChange as ClassificationRow
from chanrong.lending.orm import DailyClose, Repayment
from chanrong.lending.repository import LendingRepository


@dataclass(frozen=True, slots=True)
class CloseReport:
    """The outcome of a daily close and the proof that the books balance."""

    as_of: date
    loans: int
    interest_accrued_fen: int
    penalty_accrued_fen: int
    overpayments_applied_fen: int
    reclassified: int
    closed: int
    total_debit_fen: int
    total_credit_fen: int
    checks: dict[str, tuple[int, int]]

    @property
    def balanced(self) -> bool:
        return self.total_debit_fen == self.total_credit_fen and all(
            a == b for a, b in self.checks.values()
        )


def daily_close(
    session: Session,
    *,
    as_of: date,
    lender_org_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 2000,
) -> CloseReport:
    """Accrue interest and penalty, apply held money, classify, then prove the books balance.

    Runs in batches of loans with bulk reads and writes, so a book of 100,000 loans closes
    in one pass. Each classification change and the close itself go to the verifiable log.
    """
    repo = LendingRepository(session)
    loan_ids = repo.loan_ids_to_close(as_of, lender_org_id)
    total = len(loan_ids)
    interest = penalty = applied = reclassified = closed = 0
    log_items: list[tuple[str, str | None, str, dict[str, Any]]] = []
    for start in range(0, total, batch_size):
        ids = loan_ids[start : start + batch_size]
        batch = repo.loans_by_ids(ids)
        rows = repo.instalments_of(batch)
        paid = repo.paid(ids)
        held = repo.account_balance(ids, journal.Account.OVERPAYMENT.value)
        signals = repo.open_alert_loans(ids, Severity.HIGH.value)
        book = Book()
        changes: list[ClassificationRow] = []
        allocations: list[dict[str, Any]] = []
        repayments: list[dict[str, Any]] = []
        for loan in batch:
            loan_rows = rows.get(loan.id, [])
            states = instalment_states(loan_rows, paid, loan.id)
            plan = accrue(loan, loan_rows, paid, as_of, book, states)
            interest += plan.interest_fen
            penalty += plan.penalty_fen
            money = -held.get(loan.id, 0)
            if money > 0:
                used = apply_held(
                    loan, loan_rows, paid, as_of, money, book, repayments, allocations
                )
                if used:
                    applied += used
                    states = instalment_states(loan_rows, paid, loan.id)
            change = reclassify(loan, loan_rows, paid, as_of, signals.get(loan.id), states)
            if change is not None:
                changes.append(change)
                reclassified += 1
                note_default(session, loan, change)
                log_items.append(
                    (
                        "loan.classified",
                        loan.lender_org_id,
                        f"{loan.lender_org_id}:loan/{loan.id}",
                        {
                            "loan_id": loan.id,
                            "as_of": as_of.isoformat(),
                            "from": change.from_category,
                            "to": change.to_category,
                            "rule": change.rule,
                            "dpd": change.dpd,
                        },
                    )
                )
            if settled(loan, loan_rows, paid, states):
                loan.status = LoanStatus.CLOSED.value
                loan.closed_on = as_of
                closed += 1
        book.flush(repo)
        repo.insert_rows(Repayment, repayments)
        repo.insert_rows(AllocationRow, allocations)
        session.add_all(changes)
        session.flush()
        # Done with this batch: let it go, so memory stays flat however large the book.
        for obj in [*batch, *changes]:
            session.expunge(obj)
        if progress:
            progress(min(start + batch_size, total), total)
    debit, credit = repo.trial_balance(lender_org_id)
    checks = subledger_checks(repo, lender_org_id)
    report = CloseReport(
        as_of=as_of,
        loans=total,
        interest_accrued_fen=interest,
        penalty_accrued_fen=penalty,
        overpayments_applied_fen=applied,
        reclassified=reclassified,
        closed=closed,
        total_debit_fen=debit,
        total_credit_fen=credit,
        checks=checks,
    )
    session.add(
        DailyClose(
            lender_org_id=lender_org_id,
            as_of=as_of,
            loans=total,
            interest_accrued_fen=interest,
            penalty_accrued_fen=penalty,
            total_debit_fen=debit,
            total_credit_fen=credit,
            balanced=report.balanced,
        )
    )
    log_items.append(
        (
            "lending.daily_close",
            lender_org_id,
            f"{lender_org_id or 'platform'}:close/{as_of.isoformat()}",
            {
                "as_of": as_of.isoformat(),
                "loans": total,
                "interest_accrued_fen": interest,
                "penalty_accrued_fen": penalty,
                "debit_fen": debit,
                "credit_fen": credit,
                "balanced": report.balanced,
            },
        )
    )
    governance.append_many(session, log_items)
    session.flush()
    return report


def close_books(
    session: Session,
    principal: Principal,
    *,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
) -> CloseReport:
    """A bank runs the daily close of its own book."""
    require_bank_officer(principal)
    return daily_close(session, as_of=as_of, lender_org_id=principal.org_id, progress=progress)
