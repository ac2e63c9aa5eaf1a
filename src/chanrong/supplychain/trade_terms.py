"""Pure rules of trade contracts between enterprises: payment terms and reconciliation.

Payment terms are checked against the 2025 regulation on payments to SMEs (保障中小企业款项支付
条例, State Council Order No. 802, in force 2025-06-01): a large enterprise pays an SME within
60 days of delivery or acceptance, and a clause making payment depend on the buyer being paid
by a third party (背靠背, pay-when-paid) is not allowed. On the platform a core enterprise
counts as a large enterprise and any other enterprise as an SME (organisations carry no size
of their own yet). A contract that breaks a rule is flagged at creation, not refused: the
flag is evidence for the seller, its bank and its guarantor.

A reconciliation statement (对账单) lists what the seller says was delivered and billed in a
period; the buyer confirms or disputes each line; the statement is confirmed when every line
is, disputed while any line is. No framework imports here.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from chanrong.core.errors import ValidationFailed

LARGE_TO_SME_MAX_DAYS = 60
MAX_PAYMENT_DAYS = 365


class TermFlag(StrEnum):
    LATE_FOR_SME = "sme_payment_over_60_days"
    PAY_WHEN_PAID = "pay_when_paid_clause"


class LineState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"


class StatementState(StrEnum):
    OPEN = "open"  # lines still waiting for the buyer
    CONFIRMED = "confirmed"  # every line confirmed by both sides
    DISPUTED = "disputed"  # at least one line disputed


def payment_term_flags(
    *, buyer_is_large: bool, seller_is_sme: bool, payment_days: int, pay_when_paid: bool
) -> list[TermFlag]:
    """The payment-term rules a contract breaks (empty when it keeps them)."""
    if isinstance(payment_days, bool) or not 0 <= payment_days <= MAX_PAYMENT_DAYS:
        raise ValidationFailed(
            f"payment_days: 0 to {MAX_PAYMENT_DAYS} days after delivery", field="payment_days"
        )
    flags: list[TermFlag] = []
    if buyer_is_large and seller_is_sme and payment_days > LARGE_TO_SME_MAX_DAYS:
        flags.append(TermFlag.LATE_FOR_SME)
    if seller_is_sme and pay_when_paid:
        flags.append(TermFlag.PAY_WHEN_PAID)
    return flags


def statement_state(lines: Sequence[LineState]) -> StatementState:
    """Disputed if any line is, confirmed when every line is, open otherwise."""
    if any(x is LineState.DISPUTED for x in lines):
        return StatementState.DISPUTED
    if lines and all(x is LineState.CONFIRMED for x in lines):
        return StatementState.CONFIRMED
    return StatementState.OPEN


# -- orders, deliveries and invoices ------------------------------------------------------


class DeliveryFlag(StrEnum):
    """What the evidence of one delivery says against it (shown to both sides, not refused)."""

    SHORT_RECEIVED = "short_received"  # the buyer received fewer than were shipped
    PRODUCTION_BELOW_SHIPPED = "production_below_shipped"  # counters made fewer than shipped


def remaining(total: int, used: Sequence[int]) -> int:
    """What is left of ``total`` after ``used`` (a contract's quantity after its orders, an
    order's after its shipments)."""
    return total - sum(used)


def check_fits(quantity: int, left: int, *, field: str, of: str) -> None:
    """Refuse ``quantity`` beyond what is ``left`` of ``of``, naming the field and the room."""
    if quantity > left:
        raise ValidationFailed(
            f"{field}: {quantity} is more than the {left} left on the {of}", field=field
        )


def delivery_flags(
    *, shipped: int, received: int | None, produced: int | None
) -> list[DeliveryFlag]:
    """The flags a delivery's evidence raises: received short of shipped, or the seller's
    production counters (when it gave them) counting fewer units than it shipped."""
    flags: list[DeliveryFlag] = []
    if received is not None and received < shipped:
        flags.append(DeliveryFlag.SHORT_RECEIVED)
    if produced is not None and produced < shipped:
        flags.append(DeliveryFlag.PRODUCTION_BELOW_SHIPPED)
    return flags


def invoice_amount_fen(received: int, unit_price_fen: int) -> int:
    """An invoice bills what the buyer received at the contract's unit price (whole fen)."""
    if received <= 0:
        raise ValidationFailed(
            "delivery_id: nothing was received on this delivery", field="delivery_id"
        )
    return received * unit_price_fen
