"""The pure certificate rules, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.core.errors import Conflict, Forbidden, ValidationFailed
from chanrong.supplychain.certificates import (
    CertState,
    CertView,
    DayCount,
    Origin,
    check_can_act,
    discount_fen,
    plan_split,
    tree_violations,
)

MATURITY = date(2026, 6, 1)


def cert(
    cid: str,
    parent: str | None,
    face: int,
    state: CertState = CertState.LIVE,
    origin: Origin = Origin.SPLIT,
    holder: str = "a",
) -> CertView:
    return CertView(cid, parent, holder, face, state, origin, MATURITY)


def test_split_keeps_the_remainder_as_a_last_part() -> None:
    assert plan_split(1000, [300, 200]) == (300, 200, 500)
    assert plan_split(1000, [400, 600]) == (400, 600)


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ([], "parts"),
        ([1000], "parts"),
        ([0, 10], "parts.0"),
        ([10, -1], "parts.1"),
        ([600, 500], "parts"),
    ],
)
def test_bad_splits_name_the_field(parts: list[int], field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        plan_split(1000, parts)
    assert info.value.field == field


@given(
    face=st.integers(min_value=2, max_value=10**12),
    cuts=st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=10),
)
def test_split_parts_always_sum_to_the_face(face: int, cuts: list[int]) -> None:
    try:
        parts = plan_split(face, cuts)
    except ValidationFailed:
        assert sum(cuts) > face or (sum(cuts) == face and len(cuts) < 2)
        return
    assert sum(parts) == face
    assert all(p > 0 for p in parts)
    assert len(parts) >= 2


def test_discount_is_face_rate_days_over_basis_in_fen() -> None:
    # ¥350,000 at 3.65 % for 90 days: 35,000,000 × 0.0365 × 90 / 360 = 319,375 fen.
    assert discount_fen(35_000_000, Decimal("3.65"), 90, DayCount.ACT_360) == 319_375
    # ACT/365: 35,000,000 × 0.0365 × 90 / 365 = 315,000 fen exactly.
    assert discount_fen(35_000_000, Decimal("3.65"), 90, DayCount.ACT_365) == 315_000
    # Half a fen rounds up: 1 × 18 % × 1 / 360 = 0.0005 fen → 0; 10,000 fen for 1 day
    # at 18 % = 5 fen exactly.
    assert discount_fen(10_000, Decimal(18), 1, DayCount.ACT_360) == 5
    assert discount_fen(100, Decimal("3.6"), 50, DayCount.ACT_360) == 1  # 0.5 fen → 1


def test_discount_refuses_bad_rates_and_matured_certificates() -> None:
    with pytest.raises(ValidationFailed) as info:
        discount_fen(100, Decimal(0), 10, DayCount.ACT_360)
    assert info.value.field == "annual_rate_percent"
    with pytest.raises(ValidationFailed):
        discount_fen(100, Decimal(40), 10, DayCount.ACT_360)
    with pytest.raises(Conflict):
        discount_fen(100, Decimal(3), 0, DayCount.ACT_360)


def test_only_the_holder_acts_on_a_live_certificate_before_maturity() -> None:
    c = cert("x", None, 100, origin=Origin.ISSUE, holder="a")
    check_can_act(c, "a", date(2026, 5, 31))
    with pytest.raises(Forbidden):
        check_can_act(c, "b", date(2026, 5, 31))
    with pytest.raises(Conflict, match="matured"):
        check_can_act(c, "a", MATURITY)
    used = cert("x", None, 100, state=CertState.SPLIT, origin=Origin.ISSUE)
    with pytest.raises(Conflict, match="already split"):
        check_can_act(used, "a", date(2026, 5, 1))


def test_a_sound_tree_has_no_violations() -> None:
    nodes = [
        cert("r", None, 1000, CertState.SPLIT, Origin.ISSUE),
        cert("a", "r", 600, CertState.TRANSFERRED),
        cert("b", "r", 400, CertState.FINANCED),
        cert("a1", "a", 600, origin=Origin.TRANSFER, holder="t2"),
        cert("b1", "b", 400, origin=Origin.FINANCING, holder="bank"),
    ]
    assert tree_violations(1000, nodes) == []


def test_double_spending_and_broken_sums_are_found() -> None:
    root = cert("r", None, 1000, CertState.TRANSFERRED, Origin.ISSUE)
    twice = [
        root,
        cert("a", "r", 1000, origin=Origin.TRANSFER),
        cert("b", "r", 1000, origin=Origin.TRANSFER),
    ]
    problems = tree_violations(1000, twice)
    assert any("transferred 2 times" in p for p in problems)
    assert any("children sum to 2000" in p for p in problems)
    split = cert("r", None, 1000, CertState.SPLIT, Origin.ISSUE)
    short = [split, cert("a", "r", 600), cert("b", "r", 300)]
    assert any("children sum to 900" in p for p in tree_violations(1000, short))
    live_parent = [cert("r", None, 1000, origin=Origin.ISSUE), cert("a", "r", 1000)]
    assert any("live but has 1 children" in p for p in tree_violations(1000, live_parent))
    assert any(
        "root face" in p for p in tree_violations(999, [cert("r", None, 1000, origin=Origin.ISSUE)])
    )
    mixed = [
        cert("r", None, 1000, CertState.SPLIT, Origin.ISSUE),
        cert("a", "r", 500),
        cert("b", "r", 500, origin=Origin.TRANSFER),
    ]
    assert any("do not come from its split" in p for p in tree_violations(1000, mixed))


@given(
    face=st.integers(min_value=1, max_value=10**13),
    rate=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(36), places=2),
    days=st.integers(min_value=1, max_value=366 * 3),
    basis=st.sampled_from(list(DayCount)),
)
def test_discount_is_exact_to_the_fen_and_below_the_face(
    face: int, rate: Decimal, days: int, basis: DayCount
) -> None:
    exact = Decimal(face) * rate * days / (100 * basis.year_days)
    if exact >= face - Decimal("0.5"):  # half-up rounding would take the whole face
        with pytest.raises(ValidationFailed, match="annual_rate_percent"):
            discount_fen(face, rate, days, basis)
        return
    d = discount_fen(face, rate, days, basis)
    assert 0 <= d < face
    assert abs(Decimal(d) - exact) <= Decimal("0.5")


def test_maturity_within_three_years() -> None:
    from chanrong.supplychain.certificates import check_maturity

    today = date(2026, 1, 1)
    check_maturity(date(2028, 12, 31), today)
    with pytest.raises(ValidationFailed) as info:
        check_maturity(date(2030, 1, 1), today)
    assert info.value.field == "maturity_date"
