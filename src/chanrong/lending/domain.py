"""Loan rules beyond the schedule: kinds, states, LPR pricing, what is owed, sweeps, fund use.

Pure: no framework imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from chanrong.lending.allocation import Component, Due
from chanrong.lending.schedule import RateCurve, add_months


class ProductKind(StrEnum):
    TERM = "term"  # 流动资金/固定资产贷款
    REVOLVING = "revolving"  # 循环授信额度


class RateType(StrEnum):
    FIXED = "fixed"
    LPR = "lpr"  # LPR + spread (加点)


class LprTenor(StrEnum):
    ONE_YEAR = "1y"
    FIVE_YEAR = "5y"


class Repricing(StrEnum):
    """When an LPR-priced loan takes the then-current LPR (重定价日)."""

    ANNIVERSARY = "anniversary"  # each year on the loan's start day
    JANUARY_FIRST = "jan1"  # each 1 January


class LoanStatus(StrEnum):
    BOOKED = "booked"  # approved and booked, waiting for the borrower
    ACCEPTED = "accepted"  # the borrower accepted the schedule; ready to disburse
    ACTIVE = "active"
    CLOSED = "closed"


class RepaymentSource(StrEnum):
    BORROWER = "borrower"
    SWEEP = "sweep"  # 回款自动还款
    PREPAYMENT = "prepayment"
    OVERPAYMENT = "overpayment"  # money held earlier, applied on a due date
    REVERSAL = "reversal"  # a repayment undone (a bounced transfer), by a new entry


class Purpose(StrEnum):
    """Declared loan purpose (贷款用途) and the payee industries (GB/T 4754 sections) it fits."""

    RAW_MATERIALS = "raw_materials"
    EQUIPMENT = "equipment"
    WORKING_CAPITAL = "working_capital"
    ENERGY_SAVING = "energy_saving"


# Payee industries a purpose allows, by GB/T 4754 section letter or division prefix.
PURPOSE_PAYEES: dict[Purpose, tuple[str, ...]] = {
    Purpose.RAW_MATERIALS: ("B", "C", "F"),
    Purpose.EQUIPMENT: ("C33", "C34", "C35", "C38", "C39", "C40", "F", "L"),
    Purpose.WORKING_CAPITAL: ("A", "B", "C", "D", "E", "F", "G", "H", "I", "L", "M", "N", "O"),
    Purpose.ENERGY_SAVING: ("C34", "C35", "C38", "D", "E", "M"),
}
# Where loan money must not go (监管禁止流入): real estate, securities and other finance.
FORBIDDEN_PAYEES: tuple[str, ...] = ("K", "J")


def lpr_curve(
    fixings: Sequence[tuple[date, Decimal]],
    *,
    spread: Decimal,
    start: date,
    until: date,
    repricing: Repricing,
) -> RateCurve:
    """LPR + spread for a loan from ``start`` to ``until``, repriced on its repricing dates.

    The rate is the LPR in force on the start day plus the spread; on each repricing date
    it becomes the LPR in force on that date plus the spread.
    """
    ordered = sorted(fixings)

    def lpr_on(day: date) -> Decimal:
        rate: Decimal | None = None
        for effective, value in ordered:
            if effective <= day:
                rate = value
        if rate is None:
            raise ValueError(f"no LPR fixing in force on {day.isoformat()}")
        return rate

    initial = lpr_on(start) + spread
    changes: list[tuple[date, Decimal]] = []
    current = initial
    for day in repricing_dates(start, until, repricing):
        new = lpr_on(day) + spread
        if new != current:
            changes.append((day, new))
            current = new
    return RateCurve(initial, tuple(changes))


def repricing_dates(start: date, until: date, repricing: Repricing) -> list[date]:
    """Repricing dates after ``start`` up to and including ``until``."""
    out: list[date] = []
    if repricing is Repricing.ANNIVERSARY:
        k = 1
        while (d := add_months(start, 12 * k)) <= until:
            out.append(d)
            k += 1
    else:
        year = start.year + 1
        while (d := date(year, 1, 1)) <= until:
            out.append(d)
            year += 1
    return out


@dataclass(frozen=True, slots=True)
class InstalmentState:
    """An instalment with what has been paid against it (fen)."""

    number: int
    start: date
    due: date
    principal_fen: int
    interest_fen: int
    paid_principal_fen: int = 0
    paid_interest_fen: int = 0

    @property
    def owed_principal_fen(self) -> int:
        return self.principal_fen - self.paid_principal_fen

    @property
    def owed_interest_fen(self) -> int:
        return self.interest_fen - self.paid_interest_fen

    @property
    def settled(self) -> bool:
        return self.owed_principal_fen <= 0 and self.owed_interest_fen <= 0


def dues(
    instalments: Iterable[InstalmentState], *, as_of: date, penalty_owed_fen: int
) -> list[Due]:
    """What is owed on ``as_of``: instalments due by then, and the penalty balance."""
    out: list[Due] = []
    if penalty_owed_fen > 0:
        out.append(Due(0, as_of, Component.PENALTY, penalty_owed_fen))
    for i in instalments:
        if i.due > as_of:
            continue
        if i.owed_interest_fen > 0:
            out.append(Due(i.number, i.due, Component.INTEREST, i.owed_interest_fen))
        if i.owed_principal_fen > 0:
            out.append(Due(i.number, i.due, Component.PRINCIPAL, i.owed_principal_fen))
    return out


def oldest_unpaid_due(instalments: Iterable[InstalmentState], as_of: date) -> date | None:
    """The earliest due date before ``as_of`` whose instalment is not settled (dpd counts from it).

    An instalment falling due on ``as_of`` itself is not yet late.
    """
    late = [i.due for i in instalments if i.due < as_of and not i.settled]
    return min(late) if late else None


def overdue_fen(instalments: Iterable[InstalmentState], as_of: date) -> tuple[int, int]:
    """Overdue principal and interest (due before ``as_of`` and unpaid)."""
    p = i_ = 0
    for i in instalments:
        if i.due < as_of:
            p += max(i.owed_principal_fen, 0)
            i_ += max(i.owed_interest_fen, 0)
    return p, i_


def sweep_share(payment_fen: int, share_pct: Decimal, owed_fen: int) -> int:
    """The agreed share of a collected payment that goes to the loan, never more than owed.

    Rounded down: the borrower never loses a fen to rounding.
    """
    if payment_fen <= 0 or share_pct <= 0 or owed_fen <= 0:
        return 0
    share = (Decimal(payment_fen) * share_pct / 100).to_integral_value(rounding=ROUND_DOWN)
    return min(int(share), owed_fen)


def collection_split(payment_fen: int, owed_fen: int) -> tuple[int, int]:
    """A payment into a loan's collection account: (applied to the loan, released).

    The loan takes what it is owed, never more than the payment; the rest is the
    enterprise's. The two always add up to the payment.
    """
    if payment_fen <= 0:
        raise ValueError("a collection is a positive amount")
    applied = min(payment_fen, max(owed_fen, 0))
    return applied, payment_fen - applied
