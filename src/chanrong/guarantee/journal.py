"""The guarantee ledger's accounts and entries. Pure: no framework.

Each money movement between two organisations is two balanced entries, one in each party's
books, sharing an event id: the payer's cash goes down against an expense (or a loss), the
payee's cash goes up against an income. So every party's books balance on their own and the
cash of all parties together never changes: no fen is created or lost. The double-entry rule
itself is ``chanrong.core.ledger``'s, shared with lending.
"""

from __future__ import annotations

from enum import StrEnum

from chanrong.core.ledger import JournalEntry, entry


class Account(StrEnum):
    CASH = "cash"  # 资金 (asset)
    FEE_EXPENSE = "fee_expense"  # 担保费/再担保费支出
    FEE_INCOME = "fee_income"  # 担保费/再担保费收入
    LOSS = "loss"  # 代偿损失: what a party bears of a default (net of reimbursements)
    COMPENSATION_INCOME = "compensation_income"  # the bank's 代偿 received
    RECOVERY_INCOME = "recovery_income"  # 追偿所得
    RECOVERY_PAID = "recovery_paid"  # the borrower's payments on its defaulted debt
    SUBSIDY_EXPENSE = "subsidy_expense"  # 贴息支出 (the government body)
    SUBSIDY_INCOME = "subsidy_income"  # 贴息收入 (the borrower)


# kind → (payer's debit account, payee's credit account)
MOVES: dict[str, tuple[Account, Account]] = {
    "fee": (Account.FEE_EXPENSE, Account.FEE_INCOME),
    "compensation": (Account.LOSS, Account.COMPENSATION_INCOME),  # guarantor → bank (代偿)
    "reimbursement": (Account.LOSS, Account.LOSS),  # sharer → guarantor: the loss moves up
    "recovery": (Account.RECOVERY_PAID, Account.RECOVERY_INCOME),
    "subsidy": (Account.SUBSIDY_EXPENSE, Account.SUBSIDY_INCOME),
}


def transfer(kind: str, amount_fen: int) -> tuple[JournalEntry[Account], JournalEntry[Account]]:
    """The payer's and the payee's entries for ``amount_fen`` moving for ``kind``."""
    pay, receive = MOVES[kind]
    payer = entry(f"{kind}:paid", {pay: amount_fen}, {Account.CASH: amount_fen})
    # The payee's side of a reimbursement reduces its loss (a credit to LOSS).
    payee = entry(f"{kind}:received", {Account.CASH: amount_fen}, {receive: amount_fen})
    return payer, payee
