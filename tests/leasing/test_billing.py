"""Bills never charge for a counter reset or a gap (property tests) and match hand sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.leasing.billing import (
    Reading,
    Tariff,
    bill,
    residual_value_fen,
    usage_from_counter,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
H = timedelta(hours=1)
D = Decimal


def _r(hours: float, value: str) -> Reading:
    return Reading(T0 + timedelta(hours=hours), D(value))


def test_hand_checked_month() -> None:
    readings = [
        _r(0, "100"),
        _r(1, "101.5"),
        _r(2, "103"),
        _r(3, "0.5"),
        _r(4, "2"),
        _r(30, "20"),
        _r(31, "21"),
    ]
    u = usage_from_counter(readings, max_gap=2 * H)
    # 1.5 + 1.5 (then a reset: not charged) + 1.5 (then a 26 h gap: 18 disputed) + 1
    assert u.billable == D("5.5")
    assert u.disputed == D("18")
    assert [i.reason for i in u.excluded] == ["reset", "gap"]
    b = bill(u, Tariff("runtime_h", D("850"), minimum_fen=0))  # 8.50 yuan per run hour
    assert b.amount_fen == 4675
    assert b.disputed
    assert bill(u, Tariff("runtime_h", D("850"), minimum_fen=10_000)).amount_fen == 10_000


def test_duplicates_and_disorder_do_not_change_the_bill() -> None:
    a = [_r(0, "0"), _r(1, "2"), _r(2, "5")]
    b = [_r(2, "5"), _r(0, "0"), _r(1, "2"), _r(1, "2")]
    assert usage_from_counter(a, max_gap=H * 2) == usage_from_counter(b, max_gap=H * 2)


def test_implausible_jumps_are_disputed_not_charged() -> None:
    u = usage_from_counter(
        [_r(0, "0"), _r(1, "1"), _r(2, "500")], max_gap=2 * H, max_rate_per_hour=D(2)
    )
    assert u.billable == D(1)
    assert u.disputed == D(499)


def test_a_negative_reading_is_set_aside_and_named_not_billed() -> None:
    """A counter cannot read below zero: the bad packet is dropped, the readings around it
    still prove the use between them, and the bill names the reading it ignored."""
    u = usage_from_counter([_r(0, "1"), _r(1, "-1"), _r(2, "3"), _r(3, "4")], max_gap=3 * H)
    assert u.billable == D(3)
    assert u.disputed == D(0)
    assert [(i.start, i.reason, i.delta) for i in u.excluded] == [(T0 + H, "invalid", D(-1))]
    assert u.rejected_readings == list(u.excluded)
    assert u.disputed_periods == []
    b = bill(u, Tariff("stitches", D("2")))
    assert (b.amount_fen, b.rejected_readings, b.disputed) == (6, 1, False)


def test_a_dropped_reading_can_open_a_gap() -> None:
    """Setting a reading aside leaves its neighbours further apart; the gap rule still holds."""
    u = usage_from_counter([_r(0, "0"), _r(1, "-5"), _r(2, "2")], max_gap=H)
    assert (u.billable, u.disputed) == (D(0), D(2))
    assert [i.reason for i in u.excluded] == ["gap", "invalid"]


steps = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=6),  # hours until the next reading
        st.decimals(min_value=0, max_value=50, places=2),  # true use in that interval
        st.booleans(),  # a reset happens in that interval
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(steps=steps, start=st.decimals(min_value=0, max_value=10_000, places=2))
def test_never_charges_for_resets_or_gaps(
    steps: list[tuple[int, Decimal, bool]], start: Decimal
) -> None:
    """The bill is exactly the use of intervals that are fully observed and reset-free."""
    max_gap = timedelta(hours=3)
    readings = [Reading(T0, start)]
    value, t = start, T0
    honest = Decimal(0)
    for hours, use, reset in steps:
        t += timedelta(hours=hours)
        if reset:
            value = Decimal(0)  # the counter restarted; whatever ran in between is unproven
        else:
            value += use
            if timedelta(hours=hours) <= max_gap:
                honest += use
        readings.append(Reading(t, value))
    u = usage_from_counter(readings, max_gap=max_gap)
    assert u.billable == honest
    gaps = sum((use for h, use, r in steps if not r and h > 3), Decimal(0))
    assert u.disputed == gaps
    b = bill(u, Tariff("runtime_h", D("100")))
    assert b.amount_fen == int((honest * 100).to_integral_value(rounding="ROUND_HALF_UP"))


@settings(max_examples=200, deadline=None)
@given(steps=steps)
def test_a_gap_or_reset_only_ever_lowers_the_bill(steps: list[tuple[int, Decimal, bool]]) -> None:
    """Compared with the same use fully observed, breaking the record never raises the bill."""
    full, broken = [Reading(T0, D(0))], [Reading(T0, D(0))]
    v_full = v_broken = D(0)
    t = T0
    for hours, use, reset in steps:
        t += timedelta(hours=1)
        v_full += use
        full.append(Reading(t, v_full))
        v_broken = use / 2 if reset else v_broken + use
        if hours < 5:  # drop some readings to make gaps
            broken.append(Reading(t, v_broken))
    ok = usage_from_counter(full, max_gap=timedelta(hours=2))
    bad = usage_from_counter(broken, max_gap=timedelta(hours=2))
    assert bad.billable <= ok.billable


def test_residual_value() -> None:
    assert residual_value_fen(1_000_000, used=D(5000), design_life=D(20000)) == 750_000
    assert (
        residual_value_fen(1_000_000, used=D(5000), design_life=D(20000), condition=D("0.8"))
        == 600_000
    )
    assert residual_value_fen(1_000_000, used=D(50000), design_life=D(20000)) == 50_000
    with pytest.raises(ValueError, match="condition"):
        residual_value_fen(1, used=D(0), design_life=D(1), condition=D(2))


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.integers(min_value=-1_000_000, max_value=10_000_000), max_size=60),
    price_millifen=st.integers(min_value=1, max_value=1_000),
    minimum_fen=st.integers(min_value=0, max_value=500_000),
)
def test_no_bill_exceeds_what_the_terms_allow(
    steps: list[int], price_millifen: int, minimum_fen: int
) -> None:
    """Whatever the counter sends, the bill stays within the product's ceiling for the span."""
    from chanrong.leasing.products import PRODUCTS, bill_ceiling_fen

    rate = PRODUCTS["stitches"].max_units_per_hour
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    value, readings = Decimal(0), []
    for i, step in enumerate(steps):
        value = max(Decimal(0), value + step)
        readings.append(Reading(t0 + timedelta(hours=i), value))
    usage = usage_from_counter(readings, max_gap=timedelta(hours=2), max_rate_per_hour=rate)
    b = bill(usage, Tariff("stitches", Decimal(price_millifen) / 1000, minimum_fen))
    span = timedelta(hours=max(len(steps) - 1, 0))
    ceiling = bill_ceiling_fen(
        price_millifen=price_millifen, minimum_fen=minimum_fen, max_units_per_hour=rate, span=span
    )
    assert b.amount_fen <= ceiling
