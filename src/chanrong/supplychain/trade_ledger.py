"""Pure money rules of guaranteed trade (保付) and escrow: fees, the recourse schedule, and
the double-entry lines each movement posts. No framework imports here.

Accounts, per organisation (fen, debit-minus-credit):
- ``cash``: money paid or received on the platform;
- ``trade_receivable`` / ``trade_payable``: a guaranteed statement the buyer owes the seller;
- ``recourse_receivable`` / ``recourse_payable``: what the buyer owes the guarantor after the
  guarantor paid the seller for it (代偿 then 追偿);
- ``guarantee_fee_income`` / ``guarantee_fee_expense``: the guarantor's fee and its payer's cost;
- ``escrow_held`` (the escrow agent's liability) / ``escrow_receivable`` (the depositor's claim).

Every movement of cash is a transfer between two organisations inside one balanced entry,
so the cash of all organisations together never changes, and each claim's two sides move
together: no fen is created or lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from chanrong.core.errors import ValidationFailed

MAX_FEE_RATE_PERCENT = Decimal("10")
MAX_INSTALMENTS = 24
INSTALMENT_DAYS = 30


class Account(StrEnum):
    CASH = "cash"
    TRADE_RECEIVABLE = "trade_receivable"
    TRADE_PAYABLE = "trade_payable"
    RECOURSE_RECEIVABLE = "recourse_receivable"
    RECOURSE_PAYABLE = "recourse_payable"
    FEE_INCOME = "guarantee_fee_income"
    FEE_EXPENSE = "guarantee_fee_expense"
    ESCROW_HELD = "escrow_held"
    ESCROW_RECEIVABLE = "escrow_receivable"


class GuaranteeState(StrEnum):
    REQUESTED = "requested"  # waiting for the guarantor
    DECLINED = "declined"
    ACTIVE = "active"  # fee paid; the buyer's payment at maturity is guaranteed
    RELEASED = "released"  # the buyer paid: the guarantee ends unused
    CALLED = "called"  # unpaid at maturity: the seller called on the guarantee
    PAID_OUT = "paid_out"  # the guarantor paid the seller (代偿); recourse runs on


class EscrowState(StrEnum):
    HELD = "held"  # the agent holds the buyer's money until delivery is confirmed
    DISPUTED = "disputed"  # a party disputes: nothing is released until the agent resolves
    APPROVED = "approved"  # one officer of the agent approved a release (and its split)
    RELEASED = "released"  # another officer released it: paid out, closed


class ClaimState(StrEnum):
    OPEN = "open"
    SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class Line:
    """One side of an entry: an organisation's account debited or credited in fen."""

    org_id: str
    account: Account
    debit_fen: int = 0
    credit_fen: int = 0


def unbalanced(lines: Sequence[Line]) -> str | None:
    """Why ``lines`` are not a valid entry, or None: one positive side each, debits = credits."""
    if not lines:
        return "an entry needs lines"
    for x in lines:
        if min(x.debit_fen, x.credit_fen) < 0 or (x.debit_fen > 0) == (x.credit_fen > 0):
            return f"{x.org_id}:{x.account} must be a debit or a credit of positive fen"
    debit, credit = sum(x.debit_fen for x in lines), sum(x.credit_fen for x in lines)
    return None if debit == credit else f"debits {debit} ≠ credits {credit}"


def _cash(payer: str, payee: str, fen: int) -> list[Line]:
    return [Line(payee, Account.CASH, debit_fen=fen), Line(payer, Account.CASH, credit_fen=fen)]


def fee(payer: str, guarantor: str, fen: int) -> list[Line]:
    """The guarantee fee: the payer's cost, the guarantor's income."""
    return [
        *_cash(payer, guarantor, fen),
        Line(payer, Account.FEE_EXPENSE, debit_fen=fen),
        Line(guarantor, Account.FEE_INCOME, credit_fen=fen),
    ]


def obligation(seller: str, buyer: str, fen: int) -> list[Line]:
    """A guaranteed statement enters the books: the seller's claim on the buyer."""
    return [
        Line(seller, Account.TRADE_RECEIVABLE, debit_fen=fen),
        Line(buyer, Account.TRADE_PAYABLE, credit_fen=fen),
    ]


def buyer_pays(buyer: str, seller: str, fen: int) -> list[Line]:
    """The buyer pays the seller at maturity: the claim is gone."""
    return [
        *_cash(buyer, seller, fen),
        Line(buyer, Account.TRADE_PAYABLE, debit_fen=fen),
        Line(seller, Account.TRADE_RECEIVABLE, credit_fen=fen),
    ]


def guarantor_pays(guarantor: str, seller: str, buyer: str, fen: int) -> list[Line]:
    """代偿: the guarantor pays the seller and takes over the claim on the buyer."""
    return [
        *_cash(guarantor, seller, fen),
        Line(guarantor, Account.RECOURSE_RECEIVABLE, debit_fen=fen),
        Line(seller, Account.TRADE_RECEIVABLE, credit_fen=fen),
        Line(buyer, Account.TRADE_PAYABLE, debit_fen=fen),
        Line(buyer, Account.RECOURSE_PAYABLE, credit_fen=fen),
    ]


def recourse_paid(buyer: str, guarantor: str, fen: int) -> list[Line]:
    """The buyer repays the guarantor (追偿所得)."""
    return [
        *_cash(buyer, guarantor, fen),
        Line(buyer, Account.RECOURSE_PAYABLE, debit_fen=fen),
        Line(guarantor, Account.RECOURSE_RECEIVABLE, credit_fen=fen),
    ]


def deposit(depositor: str, agent: str, fen: int) -> list[Line]:
    """Escrow: the buyer's money goes to the agent, which holds it for the buyer."""
    return [
        *_cash(depositor, agent, fen),
        Line(depositor, Account.ESCROW_RECEIVABLE, debit_fen=fen),
        Line(agent, Account.ESCROW_HELD, credit_fen=fen),
    ]


def escrow_release(
    agent: str, depositor: str, seller: str, to_seller: int, refund: int
) -> list[Line]:
    """Escrow: the agent pays out what it held, ``to_seller`` to the seller and ``refund``
    back to the depositor."""
    held = to_seller + refund
    lines = [
        Line(agent, Account.CASH, credit_fen=held),
        Line(agent, Account.ESCROW_HELD, debit_fen=held),
        Line(depositor, Account.ESCROW_RECEIVABLE, credit_fen=held),
    ]
    if to_seller:
        lines.append(Line(seller, Account.CASH, debit_fen=to_seller))
    if refund:
        lines.append(Line(depositor, Account.CASH, debit_fen=refund))
    return lines


def fee_fen(amount_fen: int, rate_percent: Decimal) -> int:
    """The guarantee fee: ``rate_percent`` of the amount guaranteed, half-up to the fen."""
    if not isinstance(rate_percent, Decimal) or not (
        Decimal(0) <= rate_percent <= MAX_FEE_RATE_PERCENT
    ):
        raise ValidationFailed(
            f"fee_rate_percent: 0 to {MAX_FEE_RATE_PERCENT} (% of the amount guaranteed)",
            field="fee_rate_percent",
        )
    fen = Decimal(amount_fen) * rate_percent / Decimal(100)
    return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def recourse_schedule(amount_fen: int, instalments: int, first_due: date) -> list[tuple[date, int]]:
    """The recourse claim's schedule: ``instalments`` parts every 30 days from ``first_due``,
    equal but for the last, which takes the fen left over; they sum to the amount exactly."""
    if isinstance(instalments, bool) or not 1 <= instalments <= MAX_INSTALMENTS:
        raise ValidationFailed(f"instalments: 1 to {MAX_INSTALMENTS}", field="instalments")
    if amount_fen <= 0:
        raise ValidationFailed("amount: positive", field="amount")
    part = amount_fen // instalments
    if part == 0:
        raise ValidationFailed("instalments: more instalments than fen", field="instalments")
    parts = [part] * (instalments - 1) + [amount_fen - part * (instalments - 1)]
    return [(first_due + timedelta(days=INSTALMENT_DAYS * i), fen) for i, fen in enumerate(parts)]


def allocate(payment_fen: int, owed: Sequence[int]) -> list[int]:
    """Spread a repayment over instalments in order, oldest first; never past what is owed."""
    if payment_fen <= 0:
        raise ValidationFailed("amount: positive", field="amount")
    if payment_fen > sum(owed):
        raise ValidationFailed(f"amount: more than the {sum(owed)} fen outstanding", field="amount")
    out, left = [], payment_fen
    for due in owed:
        take = min(due, left)
        out.append(take)
        left -= take
    return out
