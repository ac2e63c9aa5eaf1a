"""Double-entry bookkeeping for loans. Pure: no framework.

Every money movement is one ``JournalEntry`` whose debits equal its credits; an entry is
never edited, a mistake is undone by ``reversal``. Balances are derived by summing postings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Account(StrEnum):
    """The loan ledger's accounts."""

    LOAN_PRINCIPAL = "loan_principal"  # 贷款本金 (asset)
    INTEREST_RECEIVABLE = "interest_receivable"  # 应收利息 (asset)
    PENALTY_RECEIVABLE = "penalty_receivable"  # 应收罚息 (asset)
    SETTLEMENT = "settlement"  # 清算资金: money in and out (asset)
    INTEREST_INCOME = "interest_income"  # 利息收入 (income)
    PENALTY_INCOME = "penalty_income"  # 罚息收入 (income)
    OVERPAYMENT = "overpayment"  # 预收款: paid ahead of any due (liability)
    # 回款账户待划转: a customer payment into the loan's collection account that is the
    # enterprise's, between its arrival and its release (liability; nil once released).
    COLLECTION_CLEARING = "collection_clearing"


DEBIT_NORMAL = frozenset(
    {
        Account.LOAN_PRINCIPAL,
        Account.INTEREST_RECEIVABLE,
        Account.PENALTY_RECEIVABLE,
        Account.SETTLEMENT,
    }
)


class UnbalancedEntry(ValueError):
    """An entry whose debits and credits differ, or that moves no money."""


@dataclass(frozen=True, slots=True)
class Posting:
    """One line: exactly one of ``debit_fen`` and ``credit_fen`` is positive."""

    account: Account
    debit_fen: int = 0
    credit_fen: int = 0

    def __post_init__(self) -> None:
        if (
            self.debit_fen < 0
            or self.credit_fen < 0
            or (self.debit_fen > 0) == (self.credit_fen > 0)
        ):
            raise UnbalancedEntry("a posting is a positive debit or a positive credit")


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced set of postings describing one event (``kind``)."""

    kind: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        if not self.postings:
            raise UnbalancedEntry(f"{self.kind}: an entry needs postings")
        if self.debits != self.credits:
            raise UnbalancedEntry(
                f"{self.kind}: debits {self.debits} ≠ credits {self.credits} (fen)"
            )

    @property
    def debits(self) -> int:
        return sum(p.debit_fen for p in self.postings)

    @property
    def credits(self) -> int:
        return sum(p.credit_fen for p in self.postings)


def entry(kind: str, debits: Mapping[Account, int], credits: Mapping[Account, int]) -> JournalEntry:
    """Build a balanced entry, leaving out zero amounts."""
    postings = [Posting(a, debit_fen=v) for a, v in debits.items() if v] + [
        Posting(a, credit_fen=v) for a, v in credits.items() if v
    ]
    return JournalEntry(kind, tuple(postings))


def disbursement(amount_fen: int) -> JournalEntry:
    """Money lent out: the loan asset grows, settlement pays out."""
    return entry(
        "disbursement", {Account.LOAN_PRINCIPAL: amount_fen}, {Account.SETTLEMENT: amount_fen}
    )


def interest_accrual(amount_fen: int) -> JournalEntry:
    return entry(
        "interest_accrual",
        {Account.INTEREST_RECEIVABLE: amount_fen},
        {Account.INTEREST_INCOME: amount_fen},
    )


def penalty_accrual(amount_fen: int) -> JournalEntry:
    return entry(
        "penalty_accrual",
        {Account.PENALTY_RECEIVABLE: amount_fen},
        {Account.PENALTY_INCOME: amount_fen},
    )


def repayment(
    *,
    principal_fen: int,
    interest_fen: int,
    penalty_fen: int,
    overpayment_fen: int = 0,
    from_overpayment_fen: int = 0,
    kind: str = "repayment",
) -> JournalEntry:
    """Money received settles receivables; what settles nothing is held as overpayment.

    ``from_overpayment_fen`` is money already held that now settles dues (no cash moves).
    """
    settled = principal_fen + interest_fen + penalty_fen
    cash = settled + overpayment_fen - from_overpayment_fen
    if cash < 0:
        raise UnbalancedEntry("more taken from overpayment than it settles")
    return entry(
        kind,
        {Account.SETTLEMENT: cash, Account.OVERPAYMENT: from_overpayment_fen},
        {
            Account.LOAN_PRINCIPAL: principal_fen,
            Account.INTEREST_RECEIVABLE: interest_fen,
            Account.PENALTY_RECEIVABLE: penalty_fen,
            Account.OVERPAYMENT: overpayment_fen,
        },
    )


def collection_received(amount_fen: int) -> JournalEntry:
    """Collected money the loan does not take arrives: held for the enterprise."""
    return entry(
        "collection_received",
        {Account.SETTLEMENT: amount_fen},
        {Account.COLLECTION_CLEARING: amount_fen},
    )


def collection_released(amount_fen: int) -> JournalEntry:
    """That part is paid on to the enterprise: the clearing account is nil again."""
    return entry(
        "collection_released",
        {Account.COLLECTION_CLEARING: amount_fen},
        {Account.SETTLEMENT: amount_fen},
    )


def reversal(original: JournalEntry) -> JournalEntry:
    """The entry that undoes ``original``: every debit becomes a credit and vice versa."""
    return JournalEntry(
        f"reversal:{original.kind}",
        tuple(Posting(p.account, p.credit_fen, p.debit_fen) for p in original.postings),
    )


def balances(postings: Iterable[Posting]) -> dict[Account, int]:
    """Each account's balance on its normal side (assets debit, income and liabilities credit)."""
    out = {a: 0 for a in Account}
    for p in postings:
        sign = 1 if p.account in DEBIT_NORMAL else -1
        out[p.account] += sign * (p.debit_fen - p.credit_fen)
    return out


def trial_balance(postings: Iterable[Posting]) -> tuple[int, int]:
    """Total debits and total credits; equal in a sound ledger."""
    debit = credit = 0
    for p in postings:
        debit += p.debit_fen
        credit += p.credit_fen
    return debit, credit
