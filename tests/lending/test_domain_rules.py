"""LPR repricing curves and sweep shares (pure rules; fund use: test_fund_use_rules)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chanrong.lending.domain import (
    Repricing,
    lpr_curve,
    repricing_dates,
    sweep_share,
)

FIXINGS = [
    (date(2024, 2, 20), Decimal("3.45")),
    (date(2024, 7, 22), Decimal("3.35")),
    (date(2024, 10, 21), Decimal("3.10")),
    (date(2025, 5, 20), Decimal("3.00")),
]


def test_anniversary_repricing_takes_the_lpr_in_force_that_day() -> None:
    curve = lpr_curve(
        FIXINGS,
        spread=Decimal("0.50"),
        start=date(2024, 3, 15),
        until=date(2026, 3, 15),
        repricing=Repricing.ANNIVERSARY,
    )
    # 3.45 + 0.50 at the start; on 2025-03-15 the LPR is 3.10 → 3.60; on 2026-03-15 3.00 → 3.50.
    assert curve.initial == Decimal("3.95")
    assert curve.changes == (
        (date(2025, 3, 15), Decimal("3.60")),
        (date(2026, 3, 15), Decimal("3.50")),
    )
    # Mid-year LPR moves do not reprice the loan before its repricing date.
    assert curve.rate_on(date(2024, 12, 1)) == Decimal("3.95")


def test_january_first_repricing() -> None:
    assert repricing_dates(date(2024, 3, 15), date(2026, 6, 1), Repricing.JANUARY_FIRST) == [
        date(2025, 1, 1),
        date(2026, 1, 1),
    ]
    curve = lpr_curve(
        FIXINGS,
        spread=Decimal("-0.20"),
        start=date(2024, 3, 15),
        until=date(2025, 6, 1),
        repricing=Repricing.JANUARY_FIRST,
    )
    assert (curve.initial, curve.changes) == (
        Decimal("3.25"),
        ((date(2025, 1, 1), Decimal("2.90")),),
    )


def test_sweep_share_rounds_down_and_caps_at_what_is_owed() -> None:
    assert sweep_share(333, Decimal(30), 10_000) == 99  # 99.9 fen → 99: never over-take
    assert sweep_share(1_000_000, Decimal(30), 5_000) == 5_000
    assert sweep_share(1_000_000, Decimal(0), 5_000) == 0
    assert sweep_share(1_000_000, Decimal(30), 0) == 0
