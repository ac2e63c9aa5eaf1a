"""Double-entry bookkeeping for loans. Pure: no framework.

Every money movement is one ``JournalEntry`` whose debits equal its credits; an entry is
never edited, a mistake is undone by ``reversal``. Balances are derived by summing postings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from chanrong.core import ledger


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


# The double-entry rule is shared with every ledger (chanrong.core.ledger); these names keep
# lending's callers and tests as they were, typed on the loan ledger's accounts.
UnbalancedEntry = ledger.UnbalancedEntry
if TYPE_CHECKING:
    Posting = ledger.Posting[Account]
    JournalEntry = ledger.JournalEntry[Account]
else:  # a subscripted generic cannot construct a frozen slotted dataclass at run time
    Posting = ledger.Posting
    JournalEntry = ledger.JournalEntry


def entry(kind: str, debits: Mapping[Account, int], credits: Mapping[Account, int]) -> JournalEntry:
    """Build a balanced entry, leaving out zero amounts."""
    return ledger.entry(kind, debits, credits)


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
    return ledger.reversal(original)


def balances(postings: Iterable[Posting]) -> dict[Account, int]:
    """Each account's balance on its normal side (assets debit, income and liabilities credit)."""
    out = {a: 0 for a in Account}
    for p in postings:
        sign = 1 if p.account in DEBIT_NORMAL else -1
        out[p.account] += sign * (p.debit_fen - p.credit_fen)
    return out


def trial_balance(postings: Iterable[Posting]) -> tuple[int, int]:
    """Total debits and total credits; equal in a sound ledger."""
    return ledger.trial_balance(postings)
