"""Premium payments against the schedule (pure): states, the lapse day, and conservation of
every fen through payments and the end of cover."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.core.ledger import trial_balance
from chanrong.insurance import premiums, terms
from chanrong.insurance.premiums import Due, Payment

START, END = date(2026, 9, 1), date(2027, 9, 1)


def _dues(premium_fen: int, n: int) -> list[Due]:
    return [Due(i.seq, i.due_date, i.amount_fen) for i in terms.schedule(premium_fen, START, n)]


def test_paid_late_overdue_missed_and_the_lapse_day() -> None:
    dues = _dues(400_00, 4)  # 100 yuan on 09-01, 12-01, 03-01, 06-01
    pays = [Payment(date(2026, 9, 1), 100_00), Payment(date(2026, 12, 20), 100_00)]
    s = premiums.allocate(dues, pays, date(2027, 3, 15))
    assert [x.state for x in s] == ["paid", "late", "overdue", "open"]
    assert [x.paid_fen for x in s] == [100_00, 100_00, 0, 0]
    assert premiums.lapse_date(s) is None
    # The third instalment's 30 days of grace end on 03-31: missed from then on.
    s = premiums.allocate(dues, pays, date(2027, 4, 1))
    assert s[2].state == "missed" and premiums.lapse_date(s) == date(2027, 4, 1)
    # Paid on the last day of grace: late, not missed; part-paid it is still missed.
    on_time = [*pays, Payment(date(2027, 3, 31), 100_00)]
    assert premiums.allocate(dues, on_time, date(2027, 4, 2))[2].state == "late"
    part = [*pays, Payment(date(2027, 3, 2), 99_99)]
    s = premiums.allocate(dues, part, date(2027, 4, 2))
    assert (s[2].state, s[2].paid_fen) == ("missed", 99_99)
    # Paid after the grace: still missed (the policy had lapsed); payments after as_of unseen.
    after = [*pays, Payment(date(2027, 4, 5), 100_00)]
    assert premiums.allocate(dues, after, date(2027, 4, 6))[2].state == "missed"
    assert premiums.allocate(dues, after, date(2027, 3, 10))[2].paid_fen == 0


def test_paying_more_than_the_schedule_is_refused() -> None:
    dues = _dues(100, 2)
    with pytest.raises(ValueError, match="amount"):
        premiums.allocate(dues, [Payment(START, 101)], END)


def test_cancellation_midway_refunds_the_unearned_paid_premium() -> None:
    # 365 days, 20,000 yuan paid in full, cancelled after 73 days: 80% unearned, refunded.
    t = terms.terminate(2_000_000, 0, START, END, START + timedelta(days=73))
    assert (t.earned_fen, t.refund_fen, t.receivable_cancelled_fen) == (400_000, 1_600_000, 0)
    # Nothing paid yet: the unearned part is simply no longer owed, the earned part still is.
    t = terms.terminate(2_000_000, 2_000_000, START, END, START + timedelta(days=73))
    assert (t.refund_fen, t.receivable_cancelled_fen, t.still_owed_fen) == (0, 1_600_000, 400_000)
    # Expiry: all of it earned, nothing returned.
    t = terms.terminate(2_000_000, 0, START, END, END)
    assert (t.earned_fen, t.unearned_fen, t.refund_fen) == (2_000_000, 0, 0)


@settings(max_examples=300, deadline=None)
@given(
    premium=st.integers(min_value=1, max_value=10**9),
    n=st.sampled_from([1, 2, 4, 12]),
    shares=st.lists(st.integers(min_value=1, max_value=10**6), max_size=8),
    days=st.lists(st.integers(min_value=0, max_value=364), min_size=8, max_size=8),
    as_of_day=st.integers(min_value=0, max_value=420),
    end_day=st.integers(min_value=0, max_value=365),
)
def test_every_fen_is_conserved(
    premium: int, n: int, shares: list[int], days: list[int], as_of_day: int, end_day: int
) -> None:
    """Payments (any amounts, any days, never beyond the premium) are allocated without loss,
    and the books after the end of cover balance with each account where it must be."""
    dues = _dues(premium, n)
    assert sum(d.amount_fen for d in dues) == premium
    total = sum(shares) or 1
    amounts = [premium * s // total for s in shares]  # sums to at most the premium
    pays = [
        Payment(START + timedelta(days=d), a) for a, d in zip(amounts, days, strict=False) if a > 0
    ]
    as_of = START + timedelta(days=as_of_day)
    s = premiums.allocate(dues, pays, as_of)
    seen = sum(p.amount_fen for p in pays if p.paid_on <= as_of)
    assert sum(x.paid_fen for x in s) == seen
    assert all(0 <= x.paid_fen <= x.amount_fen for x in s)
    covered = [x.covered_on is not None for x in s if x.amount_fen > 0]
    assert covered == sorted(covered, reverse=True)  # oldest first: covered ones are a prefix
    assert premiums.outstanding_fen(dues, pays) == premium - sum(p.amount_fen for p in pays)

    # The ledger: written, every payment, then the cover ends on some day.
    book = [terms.written(premium), *(terms.premium_received(p.amount_fen) for p in pays)]
    paid = sum(p.amount_fen for p in pays)
    t = terms.terminate(premium, premium - paid, START, END, START + timedelta(days=end_day))
    end = terms.terminated("premium_cancelled", t)
    assert end is not None
    book.append(end)
    postings = [p for e in book for p in e.postings]
    debit, credit = trial_balance(postings)
    assert debit == credit

    def bal(a: terms.Account) -> int:
        return sum(p.debit_fen - p.credit_fen for p in postings if p.account == a)

    assert bal(terms.Account.UNEARNED_PREMIUM) == 0
    assert -bal(terms.Account.EARNED_PREMIUM) == t.earned_fen
    assert t.earned_fen + t.unearned_fen == premium
    assert bal(terms.Account.PREMIUM_RECEIVABLE) == t.still_owed_fen >= 0
    assert bal(terms.Account.CASH) == paid - t.refund_fen
    assert 0 <= t.refund_fen <= paid
