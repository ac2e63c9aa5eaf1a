"""Guide-fund metrics against hand-worked examples; unknown values stay unknown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from chanrong.funds.guide import (
    Investment,
    SeededFund,
    in_region,
    j_curve,
    leverage,
    reinvestment,
    sector_share,
)

Y = 100  # fen per yuan


def test_leverage_is_seeded_capital_over_the_guide_contribution() -> None:
    # Two sub-funds of 500 and 300 (yuan, ten-thousands in real life) seeded with 100 and 60:
    # 800 / 160 = 5.
    lev = leverage([SeededFund("a", 500 * Y, 100 * Y), SeededFund("b", 300 * Y, 60 * Y)])
    assert lev.ratio == Decimal(5)
    assert (lev.total_committed_fen, lev.guide_contribution_fen) == (800 * Y, 160 * Y)
    # A sub-fund of unknown size makes the leverage unknown, naming the fund.
    unknown = leverage([SeededFund("a", 500 * Y, 100 * Y), SeededFund("b", None, 60 * Y)])
    assert unknown.ratio is None and unknown.unknown_funds == ("b",)
    assert leverage([]).ratio is None


def test_reinvestment_counts_in_region_investments_against_the_required_ratio() -> None:
    invs = [
        Investment("i1", 120 * Y, "330502", "C34"),  # Huzhou district: inside 330500
        Investment("i2", 60 * Y, "330501", "C35"),  # inside
        Investment("i3", 200 * Y, "310115", "I64"),  # Shanghai: outside
        Investment("i4", None, "330502", "C34"),  # amount unknown
        Investment("i5", 40 * Y, None, None),  # region unknown
    ]
    r = reinvestment(invs, "330500", 100 * Y, Decimal("1.5"))
    # (120 + 60) / 100 = 1.8 ≥ 1.5
    assert r.achieved_ratio == Decimal("1.8") and r.met is True
    assert r.in_region == ("i1", "i2") and r.unknown == ("i4", "i5")
    assert r.unknown_known_amount_fen == 40 * Y
    short = reinvestment(invs, "330500", 200 * Y, Decimal("1.5"))
    assert short.achieved_ratio == Decimal("0.9") and short.met is False
    no_rule = reinvestment(invs, "330500", 100 * Y, None)
    assert no_rule.met is None and no_rule.required_ratio is None
    assert reinvestment(invs, "330500", 0, Decimal(1)).achieved_ratio is None
    assert in_region("330502", "330000") and not in_region("340502", "330000")
    assert in_region("330502", "330502") and not in_region("330503", "330502")


def test_sector_share_is_over_known_sectors_with_the_unknown_listed() -> None:
    invs = [
        Investment("i1", 300 * Y, None, "C3411"),  # within the mandated C34
        Investment("i2", 100 * Y, None, "I65"),  # within I65
        Investment("i3", 100 * Y, None, "F51"),  # outside
        Investment("i4", 50 * Y, None, None),  # sector unknown
    ]
    s = sector_share(invs, ["C34", "i65"])
    assert s.share == Decimal("0.8")  # (300 + 100) / 500
    assert s.mandated == ("i1", "i2") and s.unknown == ("i4",)
    assert sector_share(invs[3:], ["C34"]).share is None


def test_j_curve_trough_and_breakeven() -> None:
    flows = [
        (date(2020, 1, 1), -100 * Y),
        (date(2021, 1, 1), -100 * Y),
        (date(2021, 1, 1), 20 * Y),  # same day: netted
        (date(2022, 6, 30), 90 * Y),
        (date(2023, 6, 30), 100 * Y),
        (date(2024, 6, 30), 50 * Y),
    ]
    c = j_curve(flows)
    assert [p.cumulative_fen for p in c.points] == [-100 * Y, -180 * Y, -90 * Y, 10 * Y, 60 * Y]
    assert (c.trough_on, c.trough_fen) == (date(2021, 1, 1), -180 * Y)
    assert c.breakeven_on == date(2023, 6, 30)
    still_under = j_curve(flows[:4])
    assert still_under.breakeven_on is None and still_under.trough_fen == -180 * Y
    empty = j_curve([])
    assert empty.points == () and empty.trough_on is None
