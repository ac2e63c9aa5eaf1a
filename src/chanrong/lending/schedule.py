"""Repayment schedules exact to the fen: 等额本息, 等额本金, 先息后本. Pure: no framework.

Conventions (stated once, used everywhere in lending):

- Rates are ``Decimal`` annual percentages (``Decimal("4.35")`` is 4.35 % a year).
- Interest of a period is ``balance × rate × actual days ÷ basis`` with basis 360 or 365 as the
  product states, computed exactly and rounded half-up to the fen once per period.
- 等额本息 (equal instalment): the level payment is the annuity at the monthly rate
  ``rate ÷ 12``; each period's principal is that payment less the period's actual-day interest
  (never below zero: interest is always paid in full), recomputed when the rate reprices.
- 等额本金 (equal principal): ``principal ÷ n`` rounded *down* to the fen, so the earlier
  instalments can never overshoot the principal.
- In every method the last instalment takes the residual, so instalments sum to the principal.
- LPR + spread: the rate curve changes on repricing dates; a period spanning a change is
  charged day by day at each rate.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import round_fen

MAX_RATE = Decimal(100)
MAX_TERM_MONTHS = 600


class RepaymentMethod(StrEnum):
    """How principal is repaid."""

    EQUAL_INSTALMENT = "equal_instalment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
    INTEREST_ONLY = "interest_only"  # 先息后本


class DayCount(StrEnum):
    """Day-count convention: actual days over a 360- or 365-day year."""

    ACT_360 = "act_360"
    ACT_365 = "act_365"

    @property
    def basis(self) -> int:
        return 360 if self is DayCount.ACT_360 else 365


@dataclass(frozen=True, slots=True)
class RateCurve:
    """An annual rate that may change on given dates (LPR + spread repricing).

    ``changes`` holds ``(effective_date, new_rate)``; the new rate applies from that day on.
    """

    initial: Decimal
    changes: tuple[tuple[date, Decimal], ...] = field(default=())

    def __post_init__(self) -> None:
        for rate in (self.initial, *(r for _, r in self.changes)):
            check_rate(rate)
        days = [d for d, _ in self.changes]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValidationFailed(
                "repricing dates must be strictly increasing", field="repricing_dates"
            )

    @classmethod
    def fixed(cls, rate: Decimal) -> RateCurve:
        return cls(initial=rate)

    def rate_on(self, day: date) -> Decimal:
        """The annual rate in force on ``day``."""
        rate = self.initial
        for effective, new in self.changes:
            if effective <= day:
                rate = new
            else:
                break
        return rate

    def segments(self, start: date, end: date) -> list[tuple[int, Decimal]]:
        """``(days, rate)`` pieces covering ``[start, end)``."""
        cuts = [start] + [d for d, _ in self.changes if start < d < end] + [end]
        return [((b - a).days, self.rate_on(a)) for a, b in itertools.pairwise(cuts)]


def check_rate(rate: Decimal, *, field: str = "annual_rate") -> Decimal:
    """An annual percentage in [0, 100)."""
    if not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0 or rate >= MAX_RATE:
        raise ValidationFailed(f"{field}: must be a percentage from 0 to below 100", field=field)
    return rate


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by whole months, keeping its day or the month's last day if shorter."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor.day, last))


def monthly_due_dates(start: date, term_months: int) -> list[date]:
    """Due dates one month apart, anchored on the start day (31 Jan → 28/29 Feb → 31 Mar)."""
    if not 1 <= term_months <= MAX_TERM_MONTHS:
        raise ValidationFailed(
            f"term_months: must be from 1 to {MAX_TERM_MONTHS}", field="term_months"
        )
    return [add_months(start, k) for k in range(1, term_months + 1)]


def exact_interest(
    balance_fen: int, start: date, end: date, curve: RateCurve, day_count: DayCount
) -> Decimal:
    """Unrounded interest in fen on ``balance_fen`` for ``[start, end)``."""
    total = Decimal(0)
    for days, rate in curve.segments(start, end):
        total += Decimal(balance_fen) * rate * days / (100 * day_count.basis)
    return total


def level_payment(balance_fen: int, annual_rate: Decimal, periods: int) -> int:
    """The 等额本息 payment in fen: the annuity at monthly rate ``annual_rate ÷ 1200``."""
    if periods <= 0:
        raise ValueError("periods must be positive")
    if annual_rate == 0:
        return round_fen(Decimal(balance_fen) / periods)
    r = annual_rate / 1200
    growth = (1 + r) ** periods
    return round_fen(Decimal(balance_fen) * r * growth / (growth - 1))


@dataclass(frozen=True, slots=True)
class Instalment:
    """One row of a schedule (amounts in fen)."""

    number: int
    start: date
    due: date
    principal_fen: int
    interest_fen: int
    balance_after_fen: int

    @property
    def days(self) -> int:
        return (self.due - self.start).days

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.interest_fen


@dataclass(frozen=True, slots=True)
class Schedule:
    """A whole schedule; ``principal_fen`` is what the instalments repay."""

    principal_fen: int
    instalments: tuple[Instalment, ...]

    @property
    def total_interest_fen(self) -> int:
        return sum(i.interest_fen for i in self.instalments)

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.total_interest_fen


def build_schedule(
    principal_fen: int,
    *,
    start: date,
    method: RepaymentMethod,
    day_count: DayCount,
    rate: Decimal | RateCurve,
    term_months: int | None = None,
    due_dates: Sequence[date] | None = None,
    first_number: int = 1,
) -> Schedule:
    """The schedule repaying ``principal_fen`` from ``start``.

    Give ``term_months`` for monthly due dates anchored on ``start``, or explicit ``due_dates``
    (used when a prepayment recalculates the rest of an existing schedule).
    """
    if principal_fen <= 0:
        raise ValidationFailed("principal: must be more than zero", field="principal")
    curve = rate if isinstance(rate, RateCurve) else RateCurve.fixed(check_rate(rate))
    if due_dates is None:
        if term_months is None:
            raise ValidationFailed("term_months: is required", field="term_months")
        dues = monthly_due_dates(start, term_months)
    else:
        dues = list(due_dates)
    if not dues:
        raise ValidationFailed("term_months: at least one instalment", field="term_months")
    previous = start
    for d in dues:
        if d <= previous:
            raise ValidationFailed(
                "due_dates: must be after the start and strictly increasing", field="due_dates"
            )
        previous = d
    n = len(dues)
    rows: list[Instalment] = []
    balance = principal_fen
    period_start = start
    payment = 0
    payment_rate: Decimal | None = None
    base_principal = principal_fen // n
    for i, due in enumerate(dues):
        last = i == n - 1
        interest = round_fen(exact_interest(balance, period_start, due, curve, day_count))
        if last:
            principal = balance
        elif method is RepaymentMethod.INTEREST_ONLY:
            principal = 0
        elif method is RepaymentMethod.EQUAL_PRINCIPAL:
            principal = base_principal
        else:
            rate_now = curve.rate_on(period_start)
            if payment_rate is None or rate_now != payment_rate:
                payment = level_payment(balance, rate_now, n - i)
                payment_rate = rate_now
            principal = min(balance, max(0, payment - interest))
        balance -= principal
        rows.append(
            Instalment(
                number=first_number + i,
                start=period_start,
                due=due,
                principal_fen=principal,
                interest_fen=interest,
                balance_after_fen=balance,
            )
        )
        period_start = due
    return Schedule(principal_fen=principal_fen, instalments=tuple(rows))


def accrued_to(
    interest_fen: int, carried_fen: int, accrual_start: date, due: date, day: date
) -> int:
    """Interest of one instalment accrued by the end of ``day``, in whole fen.

    ``carried_fen`` was accrued before ``accrual_start`` (a prepayment settles interest up to
    its date and the rest of the period accrues from there). Straight-line over the days, so
    the accrual reaches exactly ``interest_fen`` on the due date: daily rounding never drifts.
    """
    span = (due - accrual_start).days
    elapsed = min(max((day - accrual_start).days, 0), span)
    rest = interest_fen - carried_fen
    if span <= 0:
        return interest_fen
    return carried_fen + round_fen(Decimal(rest) * elapsed / span)


@dataclass(frozen=True, slots=True)
class Recalculated:
    """A schedule after a prepayment, and the interest the prepayment settles up to its date."""

    schedule: Schedule
    accrued_interest_fen: int
    instalment_number: int  # the instalment the prepayment landed in
    accrual_start: date  # interest of that instalment accrues again from here


def recalculate_after_prepayment(
    schedule: Schedule,
    *,
    on: date,
    principal_fen: int,
    method: RepaymentMethod,
    day_count: DayCount,
    rate: Decimal | RateCurve,
) -> Recalculated:
    """Prepay ``principal_fen`` on ``on`` and recompute the rest, keeping the term.

    Instalments due on or before ``on`` stay as they were (the caller settles them first).
    The instalment running on ``on`` is charged interest on the old balance up to ``on``
    (settled with the prepayment) plus interest on the new balance after it; the prepaid
    principal is booked to it, so the schedule still sums to the original principal.
    A prepayment of the whole balance closes the schedule on ``on``.
    """
    curve = rate if isinstance(rate, RateCurve) else RateCurve.fixed(check_rate(rate))
    rows = list(schedule.instalments)
    k = next((i for i, row in enumerate(rows) if row.due > on), None)
    if k is None:
        raise ValidationFailed("on: the schedule has no instalment after this date", field="on")
    current = rows[k]
    if on < current.start:
        raise ValidationFailed("on: before the loan started", field="on")
    outstanding = schedule.principal_fen - sum(r.principal_fen for r in rows[:k])
    if not 0 < principal_fen <= outstanding:
        raise ValidationFailed(
            f"principal: prepay from 0.01 up to the outstanding {outstanding} fen",
            field="principal",
        )
    accrued = round_fen(exact_interest(outstanding, current.start, on, curve, day_count))
    rest = outstanding - principal_fen
    if rest == 0:
        closing = Instalment(current.number, current.start, on, principal_fen, accrued, 0)
        new_rows = [*rows[:k], closing]
    else:
        tail = build_schedule(
            rest,
            start=on,
            method=method,
            day_count=day_count,
            rate=curve,
            due_dates=[r.due for r in rows[k:]],
            first_number=current.number,
        ).instalments
        head = tail[0]
        merged = Instalment(
            current.number,
            current.start,
            current.due,
            principal_fen + head.principal_fen,
            accrued + head.interest_fen,
            head.balance_after_fen,
        )
        new_rows = [*rows[:k], merged, *tail[1:]]
    return Recalculated(
        schedule=Schedule(schedule.principal_fen, tuple(new_rows)),
        accrued_interest_fen=accrued,
        instalment_number=current.number,
        accrual_start=on,
    )
