"""Policy terms (pure): the premium schedule, mid-term re-rating and the insurer's accounts.

Money in integer fen. Instalments split the annual premium evenly, the remainder fen going
to the first ones, so they sum to the premium exactly. A re-rating applies the new multiplier
to the unexpired part of the term only (pro rata by days) and spreads the difference over
the instalments not yet due; the reasons name which factors moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from chanrong.core.ledger import JournalEntry, entry


class Account(StrEnum):
    """The insurer's book for its policies (one set per insurer, postings per policy)."""

    PREMIUM_RECEIVABLE = "premium_receivable"  # 应收保费
    UNEARNED_PREMIUM = "unearned_premium"  # 未到期责任准备金 (simplified: written premium)
    CLAIMS_EXPENSE = "claims_expense"  # 赔付支出
    CASH = "cash"
    EARNED_PREMIUM = "earned_premium"  # 已赚保费: recognised when the cover ends


@dataclass(frozen=True, slots=True)
class Instalment:
    seq: int
    due_date: date
    amount_fen: int


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    days = [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31]
    days += [30, 31, 30, 31]
    return date(y, m, min(d.day, days[m - 1]))


def schedule(premium_fen: int, start: date, instalments: int) -> list[Instalment]:
    """``instalments`` payments (1, 2, 4 or 12) due from ``start``, summing to the premium."""
    if instalments not in (1, 2, 4, 12):
        raise ValueError("instalments: must be 1, 2, 4 or 12")
    if premium_fen <= 0:
        raise ValueError("premium: must be positive")
    base, extra = divmod(premium_fen, instalments)
    step = 12 // instalments
    return [
        Instalment(i + 1, _add_months(start, i * step), base + (1 if i < extra else 0))
        for i in range(instalments)
    ]


def written(premium_fen: int) -> JournalEntry[Account]:
    """Binding: the premium is owed to the insurer and not yet earned."""
    return entry(
        "premium_written",
        {Account.PREMIUM_RECEIVABLE: premium_fen},
        {Account.UNEARNED_PREMIUM: premium_fen},
    )


def adjusted(delta_fen: int) -> JournalEntry[Account] | None:
    """A re-rating: more premium owed (positive) or some given back (negative); none at 0."""
    if delta_fen == 0:
        return None
    if delta_fen > 0:
        return written(delta_fen)
    return entry(
        "premium_returned",
        {Account.UNEARNED_PREMIUM: -delta_fen},
        {Account.PREMIUM_RECEIVABLE: -delta_fen},
    )


def claim_paid(amount_fen: int) -> JournalEntry[Account]:
    """A claim paid out to the insured."""
    return entry("claim_paid", {Account.CLAIMS_EXPENSE: amount_fen}, {Account.CASH: amount_fen})


def premium_received(amount_fen: int) -> JournalEntry[Account]:
    """A premium payment received from the insured."""
    return entry(
        "premium_received", {Account.CASH: amount_fen}, {Account.PREMIUM_RECEIVABLE: amount_fen}
    )


@dataclass(frozen=True, slots=True)
class Termination:
    """What ending the cover on a day does to the policy's books."""

    on: date
    earned_fen: int  # the premium for the days covered
    unearned_fen: int  # the premium for the days no longer covered
    receivable_cancelled_fen: int  # unpaid premium the insured no longer owes
    refund_fen: int  # paid premium returned to the insured
    still_owed_fen: int  # premium for days covered that is still unpaid


def terminate(
    premium_fen: int, receivable_fen: int, start: date, end: date, on: date
) -> Termination:
    """End the cover on ``on`` (cancellation, lapse or expiry at ``end``): the premium is
    earned pro rata by days covered; the unearned rest first cancels what is still owed and
    the remainder is refunded. ``premium_fen`` is the policy's unearned-premium balance (the
    whole premium, re-ratings included), ``receivable_fen`` what the insured still owes."""
    if not start <= on <= end:
        raise ValueError("on: must fall within the policy term")
    if premium_fen < 0 or receivable_fen < 0:
        raise ValueError("premium: balances must not be negative")
    term = (end - start).days
    remaining = (end - on).days
    unearned = int((Decimal(premium_fen) * remaining / term).quantize(Decimal(1), ROUND_HALF_UP))
    cancelled = min(receivable_fen, unearned)
    return Termination(
        on,
        premium_fen - unearned,
        unearned,
        cancelled,
        unearned - cancelled,
        receivable_fen - cancelled,
    )


def terminated(kind: str, t: Termination) -> JournalEntry[Account] | None:
    """The entry of a termination: the unearned premium released into earned premium, the
    receivable it cancels and the refund it pays; none if the policy has no premium left."""
    credits = {
        Account.EARNED_PREMIUM: t.earned_fen,
        Account.PREMIUM_RECEIVABLE: t.receivable_cancelled_fen,
        Account.CASH: t.refund_fen,
    }
    total = t.earned_fen + t.unearned_fen
    if total == 0:
        return None
    return entry(kind, {Account.UNEARNED_PREMIUM: total}, credits)


@dataclass(frozen=True, slots=True)
class Rerating:
    """What a mid-term re-rating changes and why."""

    old_multiplier: Decimal
    new_multiplier: Decimal
    remaining_days: int
    term_days: int
    delta_fen: int  # change of the total premium (positive: the insured pays more)
    reasons: list[dict[str, str]]


def rerate(
    base_premium_fen: int,
    old_multiplier: Decimal,
    new_multiplier: Decimal,
    start: date,
    end: date,
    as_of: date,
    old_factors: dict[str, str],
    new_factors: dict[str, str],
) -> Rerating:
    """The premium change for the rest of the term [as_of, end) at the new multiplier.

    ``old_factors``/``new_factors`` are the rating's inputs (index, band, claims model …);
    every one that changed is a reason, old and new side by side."""
    if not start <= as_of < end:
        raise ValueError("as_of: must fall within the policy term")
    term = (end - start).days
    remaining = (end - as_of).days
    delta = Decimal(base_premium_fen) * (new_multiplier - old_multiplier) * remaining / term
    reasons = [
        {"factor": k, "old": old_factors.get(k, ""), "new": v}
        for k, v in sorted(new_factors.items())
        if old_factors.get(k) != v
    ]
    return Rerating(
        old_multiplier,
        new_multiplier,
        remaining,
        term,
        int(delta.quantize(Decimal(1), ROUND_HALF_UP)),
        reasons,
    )


def spread(delta_fen: int, open_instalments: list[Instalment]) -> list[Instalment]:
    """Spread a premium change over the instalments not yet due (the last one takes the
    remainder); the result sums to their total plus ``delta_fen``, to the fen."""
    if not open_instalments:
        return []
    n = len(open_instalments)
    sign = -1 if delta_fen < 0 else 1
    base, extra = divmod(abs(delta_fen), n)
    out = []
    for i, inst in enumerate(open_instalments):
        change = sign * (base + (1 if i < extra else 0))
        out.append(Instalment(inst.seq, inst.due_date, inst.amount_fen + change))
    if any(i.amount_fen < 0 for i in out):
        raise ValueError("delta: returns more premium than is still to be paid")
    return out
