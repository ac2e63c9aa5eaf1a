"""A borrower's orders and its own payables day by day, for the daily warning. Pure.

Two business signals lead a default on top of the machines:

* **orders** — a firm's order book fills before its machines run, so orders falling off say
  next month's output will fall. Read as the log of the orders taken over the last
  ``ORDERS_WINDOW_DAYS`` against the median of such sums over the year before (the firm's
  own level, never another firm's);
* **its own payables** — a firm short of cash pays its suppliers later. For each day, the
  invoices its suppliers on the platform issued it that fell due over the last
  ``PAYABLES_WINDOW_DAYS`` are read as days late *as known that day* (settled: settled
  date − due date; still open: that day − due date), their mean against the same over the
  year before them. How late the firm's *customers* pay it is not counted: that is their
  health, not its own (the monthly detector reads the same definition,
  ``monitoring.monthly_days_late``).

Everything is point in time: an order counts from its date, a payment from the day it was
made, so a replay day by day never looks ahead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from chanrong.lending.telemetry_days import FloatArray

ORDERS_WINDOW_DAYS = 61
ORDERS_HISTORY_DAYS = 365
ORDERS_MIN_HISTORY_DAYS = 120  # a baseline of fewer days' sums is no baseline
PAYABLES_WINDOW_DAYS = 90
PAYABLES_HISTORY_DAYS = 365
PAYABLES_MIN_RECENT = 2  # invoices due in the window, to read a level
PAYABLES_MIN_HISTORY = 3  # invoices due in the year before, to read a rise
NO_ORDERS = -3.0  # log ratio of a window without any order (log 0 is -inf)


@dataclass(frozen=True, slots=True)
class Payable:
    """An invoice a supplier issued the firm: when it fell due, its amount, and the
    payments the firm made on it (date, fen)."""

    due: date
    amount_fen: int
    paid: tuple[tuple[date, int], ...] = ()

    def settled_on(self) -> date | None:
        """The day the payments first covered the amount (None: not yet)."""
        total = 0
        for day, amount in sorted(self.paid):
            total += amount
            if total >= self.amount_fen:
                return day
        return None


@dataclass(frozen=True, slots=True)
class BusinessDays:
    """One firm's orders (fen taken each day, from ``first``), its payables, and its
    receivables (the invoices it issued its customers, with the payments they made on them:
    read the same way as the payables, ``receivables_late``)."""

    first: date
    orders_fen: FloatArray
    payables: tuple[Payable, ...]
    receivables: tuple[Payable, ...] = ()
    # Compute hours it used on the platform's cloud each day (0 on a day without a record);
    # None: no cloud usage on record at all (``usage_days.cloud_change`` then reads nothing).
    cloud_hours: FloatArray | None = None

    @property
    def days(self) -> int:
        return int(self.orders_fen.size)

    def index(self, day: date) -> int:
        return (day - self.first).days

    def day(self, index: int) -> date:
        return self.first + timedelta(days=index)


def business_days(
    first: date,
    days: int,
    orders: Iterable[tuple[date, int]],
    payables: Sequence[Payable],
    receivables: Sequence[Payable] = (),
    cloud: Sequence[tuple[date, float]] | None = None,
) -> BusinessDays:
    """Lay the firm's orders (date, fen) and its cloud usage (date, compute hours; None or
    empty: none on record) on ``days`` days from ``first``; what falls outside is dropped (it
    cannot be judged on those days)."""
    out = np.zeros(days)
    for day, amount in orders:
        i = (day - first).days
        if 0 <= i < days:
            out[i] += float(amount)
    hours = None
    if cloud:
        hours = np.zeros(days)
        for day, used in cloud:
            i = (day - first).days
            if 0 <= i < days:
                hours[i] += float(used)
    return BusinessDays(
        first,
        out,
        tuple(sorted(payables, key=lambda p: p.due)),
        tuple(sorted(receivables, key=lambda p: p.due)),
        hours,
    )


def payments_made(payables: Iterable[Payable]) -> list[tuple[date, date]]:
    """(paid date, due date) of every payment the firm made on its payables, by date paid
    (what ``monitoring.monthly_days_late`` reads)."""
    return sorted((day, p.due) for p in payables for day, _ in p.paid)


def orders_window(b: BusinessDays, start: int, end: int) -> tuple[FloatArray, FloatArray]:
    """For each day in [start, end): the orders (fen) taken over the last
    ``ORDERS_WINDOW_DAYS`` and the firm's usual such sum — the median of those sums, taken
    weekly, over the year before the window (NaN: not enough history)."""
    w = ORDERS_WINDOW_DAYS
    c = np.concatenate([[0.0], np.cumsum(b.orders_fen)])
    sums = np.full(b.days, np.nan)
    if b.days >= w:
        sums[w - 1 :] = c[w:] - c[: b.days - w + 1]
    n = max(0, end - start)
    now, usual = np.full(n, np.nan), np.full(n, np.nan)
    for k, i in enumerate(range(start, min(end, b.days))):
        lo, hi = max(w - 1, i - ORDERS_HISTORY_DAYS), i - w
        if hi - lo < ORDERS_MIN_HISTORY_DAYS or np.isnan(sums[i]):
            continue
        now[k], usual[k] = sums[i], float(np.median(sums[lo:hi:7]))
    return now, usual


def orders_change(now: FloatArray, usual: FloatArray) -> FloatArray:
    """The log of ``orders_window``'s recent sums against the usual ones (NaN: no baseline,
    or a baseline of nothing; ``NO_ORDERS`` for an empty window)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(now > 0, np.log(now / usual), NO_ORDERS)
    out: FloatArray = np.where(np.isnan(now) | ~(usual > 0), np.nan, ratio)
    return out


def payables_late(b: BusinessDays, start: int, end: int) -> tuple[FloatArray, FloatArray]:
    """For each day in [start, end): the mean days late (as known that day) of the invoices
    due over the last ``PAYABLES_WINDOW_DAYS``, minus the same over the year before them
    (the rise), and the mean itself (the level). NaN without enough invoices."""
    return _days_late(b, b.payables, start, end)


def receivables_late(b: BusinessDays, start: int, end: int) -> tuple[FloatArray, FloatArray]:
    """``payables_late`` of the firm's receivables: how late its customers pay it, as known
    each day (its ageing), against the year before and as a level. Mostly its customers'
    health, but a weak seller is paid later by buyers who can choose whom to pay first."""
    return _days_late(b, b.receivables, start, end)


def _days_late(
    b: BusinessDays, invoices: Sequence[Payable], start: int, end: int
) -> tuple[FloatArray, FloatArray]:
    n = max(0, end - start)
    rise, level = np.full(n, np.nan), np.full(n, np.nan)
    if not invoices or n == 0:
        return rise, level
    due = np.array([b.index(p.due) for p in invoices], dtype=np.float64)
    settled = np.array(
        [b.index(s) if (s := p.settled_on()) is not None else np.inf for p in invoices]
    )
    for k, i in enumerate(range(start, end)):
        recent = (due <= i) & (due > i - PAYABLES_WINDOW_DAYS)
        before = (due <= i - PAYABLES_WINDOW_DAYS) & (
            due > i - PAYABLES_WINDOW_DAYS - PAYABLES_HISTORY_DAYS
        )
        if recent.sum() < PAYABLES_MIN_RECENT:
            continue
        late = np.minimum(settled, i) - due  # still open that day: late by that day
        level[k] = float(late[recent].mean())
        if before.sum() >= PAYABLES_MIN_HISTORY:
            rise[k] = level[k] - float(late[before].mean())
    return rise, level
