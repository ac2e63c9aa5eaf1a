"""Invariants, for random inputs: schedules repay the principal exactly, allocation neither
creates nor loses a fen, the journal always balances, and the prepayment and late-payment
paths keep all of that true."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.core.money import round_fen
from chanrong.lending import journal
from chanrong.lending.allocation import AllocationOrder, Component, Due, allocate
from chanrong.lending.delinquency import bucket, days_past_due, penalty_interest
from chanrong.lending.schedule import (
    DayCount,
    RateCurve,
    RepaymentMethod,
    Schedule,
    build_schedule,
    recalculate_after_prepayment,
)

principals = st.integers(min_value=1, max_value=10**12)
rates = st.decimals(min_value=0, max_value=Decimal("36"), places=4)
terms = st.integers(min_value=1, max_value=120)
methods = st.sampled_from(list(RepaymentMethod))
day_counts = st.sampled_from(list(DayCount))
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
orders = st.sampled_from(list(AllocationOrder))


def _check(s: Schedule) -> None:
    rows = s.instalments
    assert sum(i.principal_fen for i in rows) == s.principal_fen
    assert all(i.principal_fen >= 0 and i.interest_fen >= 0 for i in rows)
    assert rows[-1].balance_after_fen == 0
    balance = s.principal_fen
    for i in rows:
        balance -= i.principal_fen
        assert i.balance_after_fen == balance >= 0
    assert all(a.due == b.start for a, b in itertools.pairwise(rows))


@settings(max_examples=300, deadline=None)
@given(principals, rates, terms, methods, day_counts, starts)
def test_schedules_sum_to_principal(
    p: int, rate: Decimal, n: int, method: RepaymentMethod, dc: DayCount, start: date
) -> None:
    s = build_schedule(p, start=start, method=method, day_count=dc, rate=rate, term_months=n)
    assert len(s.instalments) == n
    _check(s)


@settings(max_examples=150, deadline=None)
@given(principals, rates, rates, terms, methods, day_counts, st.integers(1, 3000))
def test_repriced_schedules_sum_to_principal(
    p: int, r0: Decimal, r1: Decimal, n: int, method: RepaymentMethod, dc: DayCount, after: int
) -> None:
    start = date(2025, 3, 20)
    curve = RateCurve(r0, ((start + timedelta(days=after), r1),))
    _check(build_schedule(p, start=start, method=method, day_count=dc, rate=curve, term_months=n))


@settings(max_examples=200, deadline=None)
@given(principals, rates, terms, methods, day_counts, st.integers(0, 4000), st.data())
def test_prepayment_keeps_the_schedule_whole(
    p: int,
    rate: Decimal,
    n: int,
    method: RepaymentMethod,
    dc: DayCount,
    offset: int,
    data: st.DataObject,
) -> None:
    start = date(2024, 5, 31)
    s = build_schedule(p, start=start, method=method, day_count=dc, rate=rate, term_months=n)
    on = start + timedelta(days=offset)
    if on >= s.instalments[-1].due:
        return
    k = next(i for i, row in enumerate(s.instalments) if row.due > on)
    outstanding = p - sum(r.principal_fen for r in s.instalments[:k])
    if outstanding == 0:
        # A loan of a few fen rounds its last rows to zero principal: nothing left to prepay.
        assert all(r.principal_fen == 0 for r in s.instalments[k:])
        return
    prepaid = data.draw(st.integers(1, outstanding))
    r = recalculate_after_prepayment(
        s, on=on, principal_fen=prepaid, method=method, day_count=dc, rate=rate
    )
    _check(r.schedule)
    assert r.schedule.instalments[:k] == s.instalments[:k]
    landed = r.schedule.instalments[k]
    assert landed.principal_fen >= prepaid
    assert landed.interest_fen >= r.accrued_interest_fen
    if prepaid == outstanding:
        assert len(r.schedule.instalments) == k + 1
        assert landed.due == on


dues = st.lists(
    st.builds(
        Due,
        instalment=st.integers(0, 24),
        due_date=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1)),
        component=st.sampled_from(list(Component)),
        amount_fen=st.integers(0, 10**9),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**10), dues, orders)
def test_allocation_never_creates_or_loses_a_fen(
    amount: int, owed: list[Due], order: AllocationOrder
) -> None:
    a = allocate(amount, owed, order)
    assert a.allocated_fen + a.unallocated_fen == amount
    assert all(p.amount_fen > 0 for p in a.parts)
    total_owed = sum(d.amount_fen for d in owed)
    assert a.allocated_fen == min(amount, total_owed)
    # No due is over-settled.
    for comp in Component:
        for inst in {d.instalment for d in owed}:
            owed_here = sum(
                d.amount_fen for d in owed if d.component is comp and d.instalment == inst
            )
            paid_here = sum(
                p.amount_fen for p in a.parts if p.component is comp and p.instalment == inst
            )
            assert paid_here <= owed_here


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.integers(0, 10**9),
    st.integers(0, 10**9),
)
def test_journal_always_balances(
    principal: int, interest: int, penalty: int, over: int, accrue: int
) -> None:
    entries = []
    if principal:
        entries.append(journal.disbursement(principal))
    if accrue:
        entries.append(journal.interest_accrual(accrue))
        entries.append(journal.penalty_accrual(accrue))
    if principal + interest + penalty + over:
        rep = journal.repayment(
            principal_fen=principal,
            interest_fen=interest,
            penalty_fen=penalty,
            overpayment_fen=over,
        )
        entries.append(rep)
        entries.append(journal.reversal(rep))
    postings = [p for e in entries for p in e.postings]
    debit, credit = journal.trial_balance(postings)
    assert debit == credit
    for e in entries:
        assert e.debits == e.credits > 0
    b = journal.balances(postings)
    # Disbursed and (reversed) repaid principal leaves the whole loan outstanding.
    assert b[journal.Account.LOAN_PRINCIPAL] == principal
    assert b[journal.Account.INTEREST_INCOME] == accrue


@settings(max_examples=200, deadline=None)
@given(principals, rates, terms, methods, day_counts, st.integers(1, 400), st.data(), orders)
def test_late_payment_path_conserves_money(
    p: int,
    rate: Decimal,
    n: int,
    method: RepaymentMethod,
    dc: DayCount,
    late_days: int,
    data: st.DataObject,
    order: AllocationOrder,
) -> None:
    start = date(2025, 1, 15)
    s = build_schedule(p, start=start, method=method, day_count=dc, rate=rate, term_months=n)
    first = s.instalments[0]
    as_of = first.due + timedelta(days=late_days)
    dpd = days_past_due(first.due, as_of)
    assert dpd == late_days
    assert bucket(dpd).value == ("M1" if dpd <= 30 else "M2" if dpd <= 60 else "M3+")
    overdue = [r for r in s.instalments if r.due <= as_of]
    penalty = round_fen(
        penalty_interest(
            overdue_principal_fen=sum(r.principal_fen for r in overdue),
            overdue_interest_fen=sum(r.interest_fen for r in overdue),
            annual_rate=rate,
            markup_pct=Decimal(50),
            days=late_days,
            day_count=dc,
        )
    )
    owed = [Due(0, as_of, Component.PENALTY, penalty)]
    for r in overdue:
        owed.append(Due(r.number, r.due, Component.INTEREST, r.interest_fen))
        owed.append(Due(r.number, r.due, Component.PRINCIPAL, r.principal_fen))
    paid = data.draw(st.integers(0, sum(d.amount_fen for d in owed) + 10_000))
    a = allocate(paid, owed, order)
    assert a.allocated_fen + a.unallocated_fen == paid
    if order is AllocationOrder.PENALTY_INTEREST_PRINCIPAL:
        assert a.total(Component.PENALTY) == min(paid, penalty)
    book = [
        journal.disbursement(p).postings,
        journal.penalty_accrual(penalty).postings if penalty else (),
    ]
    if paid:
        book.append(
            journal.repayment(
                principal_fen=a.total(Component.PRINCIPAL),
                interest_fen=a.total(Component.INTEREST),
                penalty_fen=a.total(Component.PENALTY),
                overpayment_fen=a.unallocated_fen,
            ).postings
        )
    flat = [x for postings in book for x in postings]
    assert journal.trial_balance(flat)[0] == journal.trial_balance(flat)[1]
    bal = journal.balances(flat)
    assert bal[journal.Account.LOAN_PRINCIPAL] == p - a.total(Component.PRINCIPAL)
    assert bal[journal.Account.PENALTY_RECEIVABLE] == penalty - a.total(Component.PENALTY)
