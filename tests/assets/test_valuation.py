"""Hand-worked valuation examples, one per approach, reproduced to the fen.

Each example's arithmetic is written out in its docstring so a reader can check it on paper.
Amounts are in yuan in the working and fen in the calls (× 100).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from chanrong.assets.valuation import (
    Approach,
    Comparable,
    ContributoryAsset,
    cost_approach,
    income_direct,
    income_excess_earnings,
    income_incremental,
    income_share,
    market_approach,
    reconcile,
    relief_from_royalty,
    sensitivity,
    share_from_lift,
    use_factor,
)
from chanrong.core.errors import ValidationFailed

D = Decimal
R10 = D("0.10")


def test_income_direct_hand_worked() -> None:
    """Flows ¥100, ¥110, ¥121 at 10 %: each discounts to 100/1.1 = 90.9090…, so the value is
    3 × 90.9090… = ¥272.727… → ¥272.73."""
    r = income_direct([10_000, 11_000, 12_100], R10)
    assert r.value_fen == 27_273
    assert r.approach is Approach.INCOME_DIRECT
    assert len(r.steps) == 3


def test_income_share_hand_worked() -> None:
    """Business flows ¥1,000 a year for 3 years, 10 % attributed to the data: ¥100 a year.
    100/1.1 + 100/1.21 + 100/1.331 = 90.909 + 82.645 + 75.131 = ¥248.685 → ¥248.69."""
    r = income_share([100_000] * 3, D("0.10"), R10)
    assert r.value_fen == 24_869
    assert r.measured == frozenset()  # typed in: the report says it is an assumption
    assert income_share([100_000] * 3, D("0.10"), R10, share_measured=True).measured == {"share"}


def test_income_excess_earnings_hand_worked() -> None:
    """Flows ¥500 for 2 years; working capital ¥1,000 at 5 % (¥50) and plant ¥2,000 at 10 %
    (¥200) are charged: excess ¥250 a year. 250/1.1 + 250/1.21 = 227.273 + 206.612 =
    ¥433.884 → ¥433.88."""
    r = income_excess_earnings(
        [50_000, 50_000],
        [
            ContributoryAsset("working_capital", 100_000, D("0.05")),
            ContributoryAsset("plant", 200_000, D("0.10")),
        ],
        R10,
    )
    assert r.value_fen == 43_388
    assert r.assumptions["return_plant"] == D("0.10")


def test_income_incremental_hand_worked() -> None:
    """With the data ¥300 a year, without ¥200, for 2 years: ¥100 a year increment.
    100/1.1 + 100/1.21 = 90.909 + 82.645 = ¥173.554 → ¥173.55."""
    assert income_incremental([30_000, 30_000], [20_000, 20_000], R10).value_fen == 17_355


def test_incremental_years_must_match() -> None:
    with pytest.raises(ValidationFailed) as e:
        income_incremental([1, 2], [1], R10)
    assert e.value.field == "without_flows_fen"


def test_cost_approach_hand_worked() -> None:
    """Replacement cost ¥1,000,000 × (1 + 10 %) = ¥1,100,000; U = quality 0.9 × use 0.8 =
    0.72; value ¥792,000."""
    r = cost_approach(100_000_000, D("0.10"), {"quality": D("0.9"), "use": D("0.8")})
    assert r.value_fen == 79_200_000
    assert r.steps[2].value == D("0.72")


def test_cost_approach_refuses_missing_factors() -> None:
    with pytest.raises(ValidationFailed) as e:
        cost_approach(100, D("0.1"), {})
    assert e.value.field == "factors"


def test_market_approach_hand_worked() -> None:
    """Comparable A ¥500,000 × quality 1.1 × timeliness 0.9 = ¥495,000; B ¥600,000 × 0.95 =
    ¥570,000; the mean is ¥532,500. Weighting B twice: (495,000 + 2 × 570,000) / 3 = ¥545,000."""
    a = Comparable("A", 50_000_000, {"quality": D("1.1"), "timeliness": D("0.9")})
    b = Comparable("B", 60_000_000, {"scale": D("0.95")})
    assert market_approach([a, b]).value_fen == 53_250_000
    b2 = Comparable("B", 60_000_000, {"scale": D("0.95")}, weight=D(2))
    assert market_approach([a, b2]).value_fen == 54_500_000


def test_relief_from_royalty_hand_worked() -> None:
    """Revenue ¥1,000,000 a year, royalty 5 %, tax 25 %: ¥37,500 a year after tax.
    At 10 % over 3 years: 34,090.909 + 30,991.736 + 28,174.305 = ¥93,256.95."""
    r = relief_from_royalty([100_000_000] * 5, D("0.05"), D("0.25"), R10, remaining_life_years=3)
    assert r.value_fen == 9_325_695


def test_relief_from_royalty_life_and_status() -> None:
    """Remaining life cuts the forecast; a pending right's factor 0.5 halves it; lapsed is 0."""
    full = relief_from_royalty([100_000_000] * 5, D("0.05"), D("0.25"), R10, remaining_life_years=5)
    three = relief_from_royalty(
        [100_000_000] * 5, D("0.05"), D("0.25"), R10, remaining_life_years=3
    )
    assert full.value_fen > three.value_fen
    half = relief_from_royalty(
        [100_000_000] * 5, D("0.05"), D("0.25"), R10, remaining_life_years=3, legal_factor=D("0.5")
    )
    # unrounded PV 9,325,694.966… fen / 2 = 4,662,847.48… (rounded once, at the end)
    assert half.value_fen == 4_662_847
    gone = relief_from_royalty([100_000_000] * 5, D("0.05"), D("0.25"), R10, remaining_life_years=0)
    assert gone.value_fen == 0


def test_share_from_lift() -> None:
    """AUC 0.80 with the data's features, 0.74 without, 0.5 uninformative: 0.06/0.30 = 20 %."""
    assert share_from_lift(D("0.80"), D("0.74"), D("0.5")) == D("0.2")
    assert share_from_lift(D("0.80"), D("0.85"), D("0.5")) == 0  # worse with the data: no share
    with pytest.raises(ValidationFailed):
        share_from_lift(D("0.5"), D("0.5"), D("0.5"))


def test_use_factor_counts_reads() -> None:
    assert use_factor(0) == D("0.5")
    assert use_factor(25) == D("0.75")
    assert use_factor(500) == 1


def test_reconcile_weights_and_spread() -> None:
    """Cost ¥792,000 weighted 1, market ¥532,500 weighted 1: ¥662,250; spread
    (792,000 − 532,500) / 662,250 = 0.3918."""
    c = cost_approach(100_000_000, D("0.10"), {"quality": D("0.9"), "use": D("0.8")})
    m = market_approach(
        [
            Comparable("A", 50_000_000, {"quality": D("1.1"), "timeliness": D("0.9")}),
            Comparable("B", 60_000_000, {"scale": D("0.95")}),
        ]
    )
    rec = reconcile([c, m], {Approach.COST: D(1), Approach.MARKET: D(1)})
    assert rec.value_fen == 66_225_000
    assert rec.spread == D("0.3918")
    with pytest.raises(ValidationFailed) as e:
        reconcile([c], {Approach.COST: D(1), Approach.MARKET: D(1)})
    assert e.value.field == "weights"


def test_sensitivity_orders_by_swing() -> None:
    """Cost approach: ±10 % on the return moves 1,000,000 × 0.72 × ±0.01 = ±¥7,200; ±10 % on
    quality moves ¥1,100,000 × 0.8 × ±0.09 = ±¥79,200, so quality leads the tornado."""

    def value(a: Mapping[str, Decimal]) -> int:
        r = cost_approach(
            100_000_000, a["reasonable_return"], {"quality": a["quality"], "use": a["use"]}
        )
        return int(r.value_fen)

    rows = sensitivity(
        value, {"reasonable_return": D("0.10"), "quality": D("0.9"), "use": D("0.8")}
    )
    assert rows[-1].assumption == "reasonable_return"
    assert rows[-1].value_high_fen - rows[-1].base_value_fen == 720_000
    top = rows[0]
    assert top.assumption in {"quality", "use"}
    assert top.value_high_fen - top.base_value_fen in {7_920_000}
