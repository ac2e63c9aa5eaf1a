"""Premium payments against the schedule, and when an unpaid premium lapses the policy (pure).

Payments are allocated to the instalments in order of their due date (the oldest first), so
an instalment is covered when the payments up to some day reach it. As of a day each
instalment is:

- ``paid``: covered on or before its due date;
- ``late``: covered after its due date, within the grace period;
- ``overdue``: due and not covered, still within the grace period;
- ``missed``: not covered by the end of the grace period — the policy lapses the day after;
- ``open``: not yet due and not covered (possibly partly paid).

Money in integer fen; the allocation conserves it: what the instalments show as paid is
exactly what was paid, never more than the schedule asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# Days after an instalment's due date during which it may still be paid (宽限期); an
# instalment still unpaid after them is missed and the policy lapses (效力中止).
GRACE = timedelta(days=30)

PAID, LATE, OVERDUE, MISSED, OPEN = "paid", "late", "overdue", "missed", "open"


@dataclass(frozen=True, slots=True)
class Due:
    """One instalment of the schedule."""

    seq: int
    due_date: date
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Payment:
    """One premium payment received."""

    paid_on: date
    amount_fen: int


@dataclass(frozen=True, slots=True)
class InstalmentStatus:
    seq: int
    due_date: date
    amount_fen: int
    paid_fen: int
    covered_on: date | None  # the day the payments reached the whole amount
    state: str


def allocate(
    schedule: Sequence[Due], payments: Sequence[Payment], as_of: date
) -> list[InstalmentStatus]:
    """Each instalment's payments and state as of ``as_of`` (payments after it ignored).

    Raises ``ValueError`` if the payments exceed the schedule: nothing is dropped silently."""
    dues = sorted(schedule, key=lambda d: (d.due_date, d.seq))
    paid = [0] * len(dues)
    covered: list[date | None] = [None] * len(dues)
    i = 0
    for p in sorted(payments, key=lambda x: x.paid_on):
        if p.paid_on > as_of:
            continue
        left = p.amount_fen
        while left > 0:
            if i == len(dues):
                raise ValueError("amount: the payments exceed the premium scheduled")
            take = min(left, dues[i].amount_fen - paid[i])
            paid[i] += take
            left -= take
            if paid[i] == dues[i].amount_fen:
                covered[i] = p.paid_on
                i += 1
        # an instalment of zero fen (a re-rating returned all of it) is covered when reached
        while i < len(dues) and dues[i].amount_fen == 0:
            covered[i] = p.paid_on
            i += 1
    out = []
    for d, f, c in zip(dues, paid, covered, strict=True):
        if d.amount_fen == 0 and c is None:
            c = d.due_date  # nothing to pay: covered on its day
        if c is not None and c <= d.due_date + GRACE:
            state = PAID if c <= d.due_date else LATE
        elif c is not None:
            state = MISSED  # covered, but only after the policy had lapsed
        elif as_of <= d.due_date:
            state = OPEN
        elif as_of <= d.due_date + GRACE:
            state = OVERDUE
        else:
            state = MISSED
        out.append(InstalmentStatus(d.seq, d.due_date, d.amount_fen, f, c, state))
    return out


def outstanding_fen(schedule: Sequence[Due], payments: Sequence[Payment]) -> int:
    """What is still to be paid of the whole schedule."""
    return sum(d.amount_fen for d in schedule) - sum(p.amount_fen for p in payments)


def lapse_date(statuses: Sequence[InstalmentStatus]) -> date | None:
    """The day the policy lapses: the end of the grace period of the first missed instalment
    (the day after its last day of grace), or None while none is missed."""
    missed = [s.due_date for s in statuses if s.state == MISSED]
    return min(missed) + GRACE + timedelta(days=1) if missed else None
