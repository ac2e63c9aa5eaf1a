"""Schedules against tables worked out by hand from the definitions, one per method.

The 10,000.00-yuan cases use 3.65 % on ACT/365, so a day's interest is balance ÷ 10,000:
the interest column can be checked with pencil and paper. Start 2025-01-10; periods of
31, 28 and 31 days.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chanrong.core.errors import ValidationFailed
from chanrong.lending.schedule import (
    DayCount,
    RateCurve,
    RepaymentMethod,
    add_months,
    build_schedule,
    level_payment,
    recalculate_after_prepayment,
)

START = date(2025, 1, 10)
DUES = [date(2025, 2, 10), date(2025, 3, 10), date(2025, 4, 10)]


def rows(method: RepaymentMethod) -> list[tuple[date, int, int, int]]:
    s = build_schedule(
        1_000_000,
        start=START,
        method=method,
        day_count=DayCount.ACT_365,
        rate=Decimal("3.65"),
        term_months=3,
    )
    return [(i.due, i.principal_fen, i.interest_fen, i.balance_after_fen) for i in s.instalments]


def test_interest_only_table() -> None:
    # 先息后本: 10,000 × days ÷ 10,000 each month; the whole principal with the last.
    assert rows(RepaymentMethod.INTEREST_ONLY) == [
        (DUES[0], 0, 3100, 1_000_000),
        (DUES[1], 0, 2800, 1_000_000),
        (DUES[2], 1_000_000, 3100, 0),
    ]


def test_equal_principal_table() -> None:
    # 等额本金: 10,000 ÷ 3 = 3,333.333… → 3,333.33 twice, residual 3,333.34 last.
    # Interest: 10,000 × 31/10⁴ = 31.00; 6,666.67 × 28/10⁴ = 18.666… → 18.67;
    # 3,333.34 × 31/10⁴ = 10.333… → 10.33.
    assert rows(RepaymentMethod.EQUAL_PRINCIPAL) == [
        (DUES[0], 333_333, 3100, 666_667),
        (DUES[1], 333_333, 1867, 333_334),
        (DUES[2], 333_334, 1033, 0),
    ]


def test_equal_instalment_table() -> None:
    # 等额本息: r = 3.65 % ÷ 12 = 0.0030416…; (1 + r)³ = 1.0091527…;
    # payment = 10,000 × r × 1.0091527 ÷ 0.0091527 = 3,353.63.
    # 1: interest 31.00, principal 3,353.63 − 31.00 = 3,322.63, balance 6,677.37
    # 2: interest 6,677.37 × 28/10⁴ = 18.696… → 18.70, principal 3,334.93, balance 3,342.44
    # 3: interest 3,342.44 × 31/10⁴ = 10.361… → 10.36, principal the residual 3,342.44
    assert level_payment(1_000_000, Decimal("3.65"), 3) == 335_363
    assert rows(RepaymentMethod.EQUAL_INSTALMENT) == [
        (DUES[0], 332_263, 3100, 667_737),
        (DUES[1], 333_493, 1870, 334_244),
        (DUES[2], 334_244, 1036, 0),
    ]


def test_equal_instalment_matches_the_published_mortgage_figure() -> None:
    # 120,000 at 6 % over 12 months: every calculator quotes 10,327.97 a month.
    s = build_schedule(
        12_000_000,
        start=date(2025, 1, 1),
        method=RepaymentMethod.EQUAL_INSTALMENT,
        day_count=DayCount.ACT_360,
        rate=Decimal(6),
        term_months=12,
    )
    first = s.instalments[0]
    # ACT/360: 120,000 × 6 % × 31 ÷ 360 = 620.00 interest in January.
    assert (first.interest_fen, first.principal_fen) == (62_000, 1_032_797 - 62_000)
    assert all(i.total_fen == 1_032_797 for i in s.instalments[:-1])
    assert sum(i.principal_fen for i in s.instalments) == 12_000_000


def test_lpr_repricing_splits_the_period_by_days() -> None:
    # LPR 3.45 + 0.50 until 2026-01-01, then LPR 3.10 + 0.50 (ACT/360, 1,000,000.00):
    # 17 days × 3.95 % + 14 days × 3.60 % → 1,865.277… + 1,400.00 = 3,265.28;
    # next period 31 days × 3.60 % = 3,100.00.
    curve = RateCurve(Decimal("3.95"), ((date(2026, 1, 1), Decimal("3.60")),))
    s = build_schedule(
        100_000_000,
        start=date(2025, 12, 15),
        method=RepaymentMethod.INTEREST_ONLY,
        day_count=DayCount.ACT_360,
        rate=curve,
        term_months=2,
    )
    assert [i.interest_fen for i in s.instalments] == [326_528, 310_000]


def test_due_dates_keep_the_anchor_day() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 31), 2) == date(2025, 3, 31)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_partial_prepayment_by_hand() -> None:
    # 先息后本 10,000 at 3.65 % ACT/365. On 2025-02-20 (10 days into period 2) prepay 4,000:
    # interest to date 10,000 × 10/10⁴ = 10.00; the rest of period 2 on 6,000 for 18 days
    # = 10.80, so instalment 2 carries 4,000 principal and 20.80 interest; period 3 is
    # 6,000 × 31/10⁴ = 18.60 with the 6,000 balance.
    s = build_schedule(
        1_000_000,
        start=START,
        method=RepaymentMethod.INTEREST_ONLY,
        day_count=DayCount.ACT_365,
        rate=Decimal("3.65"),
        term_months=3,
    )
    r = recalculate_after_prepayment(
        s,
        on=date(2025, 2, 20),
        principal_fen=400_000,
        method=RepaymentMethod.INTEREST_ONLY,
        day_count=DayCount.ACT_365,
        rate=Decimal("3.65"),
    )
    assert r.accrued_interest_fen == 1000
    assert r.instalment_number == 2
    got = [(i.principal_fen, i.interest_fen, i.balance_after_fen) for i in r.schedule.instalments]
    assert got == [(0, 3100, 1_000_000), (400_000, 2080, 600_000), (600_000, 1860, 0)]


def test_full_prepayment_closes_on_the_day() -> None:
    s = build_schedule(
        1_000_000,
        start=START,
        method=RepaymentMethod.EQUAL_PRINCIPAL,
        day_count=DayCount.ACT_365,
        rate=Decimal("3.65"),
        term_months=3,
    )
    r = recalculate_after_prepayment(
        s,
        on=date(2025, 2, 15),
        principal_fen=666_667,
        method=RepaymentMethod.EQUAL_PRINCIPAL,
        day_count=DayCount.ACT_365,
        rate=Decimal("3.65"),
    )
    last = r.schedule.instalments[-1]
    # 6,666.67 × 5 days ÷ 10⁴ = 3.333… → 3.33
    assert (last.number, last.due, last.principal_fen, last.interest_fen) == (
        2,
        date(2025, 2, 15),
        666_667,
        333,
    )
    assert len(r.schedule.instalments) == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"principal_fen": 0}, "principal"),
        ({"term_months": 0}, "term_months"),
        ({"rate": Decimal(-1)}, "annual_rate"),
        ({"rate": Decimal(100)}, "annual_rate"),
    ],
)
def test_bad_terms_name_the_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "principal_fen": 100_000,
        "start": START,
        "method": RepaymentMethod.EQUAL_INSTALMENT,
        "day_count": DayCount.ACT_360,
        "rate": Decimal(5),
        "term_months": 12,
    }
    args.update(kwargs)
    with pytest.raises(ValidationFailed) as err:
        build_schedule(**args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_prepaying_more_than_owed_is_refused() -> None:
    s = build_schedule(
        100_000,
        start=START,
        method=RepaymentMethod.EQUAL_PRINCIPAL,
        day_count=DayCount.ACT_360,
        rate=Decimal(5),
        term_months=3,
    )
    with pytest.raises(ValidationFailed) as err:
        recalculate_after_prepayment(
            s,
            on=date(2025, 1, 20),
            principal_fen=100_001,
            method=RepaymentMethod.EQUAL_PRINCIPAL,
            day_count=DayCount.ACT_360,
            rate=Decimal(5),
        )
    assert err.value.field == "principal"
