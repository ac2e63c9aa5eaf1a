"""Reading a loan: its schedule (paid and owed), balances from the journal, its history."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chanrong.identity.domain import Principal
from chanrong.lending import journal
from chanrong.lending.access import visible_loan
from chanrong.lending.domain import InstalmentState, LoanStatus
from chanrong.lending.ledger import instalment_states
from chanrong.lending.orm import ClassificationChange as ClassificationRow
from chanrong.lending.orm import Collection, JournalEntry, JournalLine, Loan
from chanrong.lending.postings import load_loan
from chanrong.lending.prepayment import Payoff, payoff_on
from chanrong.lending.repository import LendingRepository


@dataclass(frozen=True, slots=True)
class LoanView:
    """A loan as its lender or borrower reads it (no schedule before disbursement)."""

    loan: Loan
    instalments: list[InstalmentState]
    balances: dict[str, int]
    payoff: Payoff | None
    classifications: list[ClassificationRow]
    # Customer payments into the loan's collection account (回款账户): what each repaid and
    # what was released to the enterprise, oldest first.
    collections: list[Collection] = field(default_factory=list)

    @property
    def collected_applied_fen(self) -> int:
        """Repaid from the collection account, in total."""
        return sum(c.applied_fen for c in self.collections)

    @property
    def collected_released_fen(self) -> int:
        """Released to the enterprise from the collection account (the surplus), in total."""
        return sum(c.released_fen for c in self.collections)


def loan_view(session: Session, principal: Principal, loan_id: str) -> LoanView:
    """A loan with its schedule (paid and owed), balances from the journal, and its history."""
    loan = visible_loan(session, principal, loan_id)
    repo = LendingRepository(session)
    if loan.status in (LoanStatus.BOOKED.value, LoanStatus.ACCEPTED.value):
        return LoanView(loan, [], {}, None, [])
    loaded = load_loan(session, loan)
    lines = repo.lines([e.id for e in repo.entries(loan.id)])
    bal = journal.balances(
        journal.Posting(journal.Account(x.account), x.debit_fen, x.credit_fen) for x in lines
    )
    view_day = loan.closed_through or loan.start_on
    payoff = None
    if loan.status == LoanStatus.ACTIVE.value and view_day:
        payoff = payoff_on(session, loan, view_day, loaded)
    return LoanView(
        loan,
        instalment_states(loaded.rows, loaded.paid, loan.id),
        {k.value: v for k, v in bal.items()},
        payoff,
        list(repo.classifications(loan.id)),
        list(repo.collections(loan.id)),
    )


def loan_journal(
    session: Session, principal: Principal, loan_id: str
) -> list[tuple[JournalEntry, list[JournalLine]]]:
    """The loan's journal entries, oldest first, each with its lines."""
    loan = visible_loan(session, principal, loan_id)
    repo = LendingRepository(session)
    entries = list(repo.entries(loan.id))
    lines = repo.lines([e.id for e in entries])
    by_entry: dict[str, list[JournalLine]] = {}
    for line in lines:
        by_entry.setdefault(line.entry_id, []).append(line)
    return [(e, by_entry.get(e.id, [])) for e in entries]
