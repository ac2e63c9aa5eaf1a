"""Allocation orders, delinquency buckets, penalty interest and the five categories."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chanrong.lending import journal
from chanrong.lending.allocation import AllocationOrder, Component, Due, allocate
from chanrong.lending.delinquency import (
    Bucket,
    Category,
    bucket,
    classify,
    days_past_due,
    penalty_interest,
)
from chanrong.lending.schedule import DayCount

D1, D2 = date(2025, 1, 10), date(2025, 2, 10)
OWED = [
    Due(1, D1, Component.INTEREST, 300),
    Due(1, D1, Component.PRINCIPAL, 1000),
    Due(2, D2, Component.INTEREST, 200),
    Due(2, D2, Component.PRINCIPAL, 1000),
    Due(0, D2, Component.PENALTY, 50),
]


def _parts(amount: int, order: AllocationOrder) -> list[tuple[int, str, int]]:
    a = allocate(amount, OWED, order)
    return [(p.instalment, p.component.value, p.amount_fen) for p in a.parts]


def test_each_order_settles_in_its_own_sequence() -> None:
    assert _parts(700, AllocationOrder.PENALTY_INTEREST_PRINCIPAL) == [
        (0, "penalty", 50),
        (1, "interest", 300),
        (2, "interest", 200),
        (1, "principal", 150),
    ]
    assert _parts(700, AllocationOrder.INTEREST_PRINCIPAL_PENALTY) == [
        (1, "interest", 300),
        (2, "interest", 200),
        (1, "principal", 200),
    ]
    assert _parts(1100, AllocationOrder.PRINCIPAL_INTEREST_PENALTY) == [
        (1, "principal", 1000),
        (2, "principal", 100),
    ]
    assert _parts(1400, AllocationOrder.DUE_DATE_HORIZONTAL) == [
        (1, "interest", 300),
        (1, "principal", 1000),
        (0, "penalty", 50),
        (2, "interest", 50),
    ]


def test_overpayment_is_returned_unallocated() -> None:
    a = allocate(3000, OWED, AllocationOrder.PENALTY_INTEREST_PRINCIPAL)
    assert (a.allocated_fen, a.unallocated_fen) == (2550, 450)


@pytest.mark.parametrize(
    ("dpd", "expected"),
    [(0, Bucket.CURRENT), (1, Bucket.M1), (30, Bucket.M1), (31, Bucket.M2), (61, Bucket.M3_PLUS)],
)
def test_buckets(dpd: int, expected: Bucket) -> None:
    assert bucket(dpd) is expected


def test_days_past_due() -> None:
    assert days_past_due(None, D2) == 0
    assert days_past_due(D1, D1) == 0
    assert days_past_due(D1, D2) == 31


@pytest.mark.parametrize(
    ("dpd", "signal", "category", "rule"),
    [
        (0, None, Category.NORMAL, "performing"),
        (0, "energy collapse", Category.SPECIAL_MENTION, "early_warning"),
        (1, None, Category.SPECIAL_MENTION, "overdue"),
        (90, None, Category.SPECIAL_MENTION, "overdue"),
        (91, None, Category.SUBSTANDARD, "dpd_over_substandard"),
        (271, None, Category.DOUBTFUL, "dpd_over_doubtful"),
        (361, "x", Category.LOSS, "dpd_over_loss"),
    ],
)
def test_five_categories_name_the_rule(
    dpd: int, signal: str | None, category: Category, rule: str
) -> None:
    c = classify(dpd, risk_signal=signal)
    assert (c.category, c.rule) == (category, rule)
    assert category.label_zh in {"正常", "关注", "次级", "可疑", "损失"}


def test_penalty_interest_by_hand() -> None:
    # 10,000 overdue principal + 100 overdue interest at 3.65 % × 1.5 = 5.475 % on ACT/365
    # for 10 days: 10,100 × 0.05475 × 10 ÷ 365 = 15.15 yuan.
    fen = penalty_interest(
        overdue_principal_fen=1_000_000,
        overdue_interest_fen=10_000,
        annual_rate=Decimal("3.65"),
        markup_pct=Decimal(50),
        days=10,
        day_count=DayCount.ACT_365,
    )
    assert fen == Decimal(1515)


def test_unbalanced_or_empty_entries_are_refused() -> None:
    with pytest.raises(journal.UnbalancedEntry):
        journal.entry("x", {journal.Account.SETTLEMENT: 5}, {journal.Account.LOAN_PRINCIPAL: 4})
    with pytest.raises(journal.UnbalancedEntry):
        journal.entry("x", {}, {})
    with pytest.raises(journal.UnbalancedEntry):
        journal.Posting(journal.Account.SETTLEMENT, debit_fen=1, credit_fen=1)


def test_non_performing_loans_upgrade_only_after_observation() -> None:
    npl = Category.SUBSTANDARD
    still_late = classify(45, previous=npl)
    assert (still_late.category, still_late.rule) == (npl, "no_upgrade_while_overdue")
    watching = classify(0, previous=Category.DOUBTFUL, performing_days=179)
    assert (watching.category, watching.rule) == (Category.DOUBTFUL, "observation_period")
    cured = classify(0, previous=npl, performing_days=180)
    assert (cured.category, cured.rule) == (Category.NORMAL, "cured_after_observation")
    # Getting worse is never held back, and 关注 upgrades at once.
    assert classify(300, previous=npl).category is Category.DOUBTFUL
    assert classify(0, previous=Category.SPECIAL_MENTION).category is Category.NORMAL
