"""Pure decision rules: knock-outs, grade table, limit formula in fen, rate grid."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.core.errors import ValidationFailed
from chanrong.credit.domain import (
    DEFAULT_PRODUCT,
    Decision,
    DecisionInputs,
    KnockOut,
    ModelVersion,
    Outcome,
    ProfileEvidence,
    decide,
    product_from_dict,
    score_of_pd,
)

AS_OF = date(2025, 6, 1)
PROFILE = ProfileEvidence("p1", AS_OF, {}, 2_000_000_000, 500_000_000, 300_000_000)
EV = DecisionInputs(
    as_of=AS_OF,
    product=DEFAULT_PRODUCT,
    requested_fen=None,
    has_live_grant=True,
    grant_refusal=None,
    quality=Decimal("0.95"),
    last_default_on=None,
    profile=PROFILE,
    carbon_grade=None,
    model=ModelVersion("sme-operating@1", "0" * 64),
)


def _decide(inputs: DecisionInputs, pd_: float | None) -> Decision:
    return decide(replace(inputs, pd=pd_))


def test_knock_outs_come_first_and_in_order() -> None:
    d = _decide(replace(EV, has_live_grant=False), 0.001)
    assert (d.outcome, d.knockouts, d.limit_fen, d.rate_pct) == (
        Outcome.DECLINE,
        (KnockOut.NO_LIVE_GRANT,),
        0,
        None,
    )
    ev = replace(EV, quality=Decimal("0.79"), last_default_on=date(2025, 1, 1))
    d = _decide(ev, 0.001)
    assert d.knockouts == (KnockOut.LOW_DATA_QUALITY, KnockOut.RECENT_DEFAULT)
    old_default = replace(EV, last_default_on=date(2023, 1, 1))
    assert _decide(old_default, 0.001).knockouts == ()
    assert _decide(EV, None).knockouts == (KnockOut.NO_PROFILE,)


def test_grade_limit_and_rate_from_the_product_data() -> None:
    d = _decide(EV, 0.004)
    assert d.grade == "A" and d.outcome is Outcome.APPROVE
    # 0.2·20,000,000 + 0.3·5,000,000 + 0.5·3,000,000 = 7,000,000 yuan at factor 1.00.
    assert d.limit_fen == 700_000_000
    assert d.rate_pct == Decimal("3.50")
    d = _decide(EV, 0.03)
    assert d.grade == "D" and d.outcome is Outcome.REFER and d.rate_pct == Decimal("5.40")
    assert d.limit_fen == 350_000_000
    d = _decide(EV, 0.3)
    assert d.grade == "F" and d.outcome is Outcome.DECLINE and d.limit_fen == 0


def test_review_band_and_limit_floor() -> None:
    pd_in_band = 1 / (1 + 50 * 2 ** ((600.0 - 600) / 20))  # score exactly 600
    d = _decide(EV, pd_in_band)
    assert d.grade == "C" and d.outcome is Outcome.REFER and "review_band" in d.notes
    tiny = replace(
        EV,
        profile=replace(PROFILE, revenue_12m_fen=1_000_000, open_orders_fen=0, receivables_fen=0),
    )
    d = _decide(tiny, 0.004)
    assert d.outcome is Outcome.DECLINE and "limit_below_floor" in d.notes


def test_green_pricing_and_the_amount_asked_for_are_part_of_the_decision() -> None:
    plain = _decide(EV, 0.004)
    assert (plain.rate_pct, plain.green_adjust_bp, plain.limit_fen) == (
        Decimal("3.50"),
        0,
        700_000_000,
    )
    # Grade 1 takes 30 bp off, grade 5 adds 20, grade 3 is not in the table.
    for grade, bp in ((1, -30), (5, 20), (3, 0)):
        d = _decide(replace(EV, carbon_grade=grade), 0.004)
        assert d.green_adjust_bp == bp
        assert d.rate_pct == plain.rate_pct + Decimal(bp) / 100
        assert ("green_pricing:-30bp" in d.notes) is (bp == -30)
    # A declined application has no rate, so no green adjustment either.
    declined = _decide(replace(EV, carbon_grade=1), 0.3)
    assert (declined.rate_pct, declined.green_adjust_bp) == (None, 0)
    # The limit is capped at the amount asked for — after the floor: a small ask is granted.
    asked = _decide(replace(EV, requested_fen=1_000_000), 0.004)
    assert (asked.outcome, asked.limit_fen) == (Outcome.APPROVE, 1_000_000)
    more = _decide(replace(EV, requested_fen=900_000_000), 0.004)
    assert more.limit_fen == 700_000_000
    assert _decide(replace(EV, requested_fen=1_000_000, has_live_grant=False), 0.004).limit_fen == 0


@given(st.floats(min_value=1e-6, max_value=0.999), st.floats(min_value=1e-6, max_value=0.999))
def test_score_falls_as_pd_rises(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert score_of_pd(lo) >= score_of_pd(hi)


@given(st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12))
def test_limit_is_whole_thousands_of_yuan_and_capped(rev: int, orders: int, recv: int) -> None:
    lim = DEFAULT_PRODUCT.limit
    for band in DEFAULT_PRODUCT.grades:
        got = lim.granted_fen(lim.base_fen(rev, orders, recv), band.limit_factor)
        assert got % 100_000 == 0 and 0 <= got <= lim.cap_fen


def test_product_round_trips_as_data_and_names_bad_fields() -> None:
    assert product_from_dict(DEFAULT_PRODUCT.as_dict()) == DEFAULT_PRODUCT
    broken = DEFAULT_PRODUCT.as_dict()
    broken["grades"][0]["outcome"] = "maybe"
    with pytest.raises(ValidationFailed) as err:
        product_from_dict(broken)
    assert err.value.field == "product"
