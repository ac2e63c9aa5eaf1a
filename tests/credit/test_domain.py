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
    Evidence,
    KnockOut,
    Outcome,
    decide,
    product_from_dict,
    score_of_pd,
)

AS_OF = date(2025, 6, 1)
EV = Evidence(True, Decimal("0.95"), None, 2_000_000_000, 500_000_000, 300_000_000)


def test_knock_outs_come_first_and_in_order() -> None:
    d = decide(DEFAULT_PRODUCT, replace(EV, has_live_grant=False), pd_=0.001, as_of=AS_OF)
    assert (d.outcome, d.knockouts, d.limit_fen, d.rate_pct) == (
        Outcome.DECLINE,
        (KnockOut.NO_LIVE_GRANT,),
        0,
        None,
    )
    ev = replace(EV, quality=Decimal("0.79"), last_default_on=date(2025, 1, 1))
    d = decide(DEFAULT_PRODUCT, ev, pd_=0.001, as_of=AS_OF)
    assert d.knockouts == (KnockOut.LOW_DATA_QUALITY, KnockOut.RECENT_DEFAULT)
    old_default = replace(EV, last_default_on=date(2023, 1, 1))
    assert decide(DEFAULT_PRODUCT, old_default, pd_=0.001, as_of=AS_OF).knockouts == ()
    assert decide(DEFAULT_PRODUCT, EV, pd_=None, as_of=AS_OF).knockouts == (KnockOut.NO_PROFILE,)


def test_grade_limit_and_rate_from_the_product_data() -> None:
    d = decide(DEFAULT_PRODUCT, EV, pd_=0.004, as_of=AS_OF)
    assert d.grade == "A" and d.outcome is Outcome.APPROVE
    # 0.2·20,000,000 + 0.3·5,000,000 + 0.5·3,000,000 = 7,000,000 yuan at factor 1.00.
    assert d.limit_fen == 700_000_000
    assert d.rate_pct == Decimal("3.50")
    d = decide(DEFAULT_PRODUCT, EV, pd_=0.03, as_of=AS_OF)
    assert d.grade == "D" and d.outcome is Outcome.REFER and d.rate_pct == Decimal("5.40")
    assert d.limit_fen == 350_000_000
    d = decide(DEFAULT_PRODUCT, EV, pd_=0.3, as_of=AS_OF)
    assert d.grade == "F" and d.outcome is Outcome.DECLINE and d.limit_fen == 0


def test_review_band_and_limit_floor() -> None:
    pd_in_band = 1 / (1 + 50 * 2 ** ((600.0 - 600) / 20))  # score exactly 600
    d = decide(DEFAULT_PRODUCT, EV, pd_=pd_in_band, as_of=AS_OF)
    assert d.grade == "C" and d.outcome is Outcome.REFER and "review_band" in d.notes
    tiny = replace(EV, revenue_12m_fen=1_000_000, open_orders_fen=0, receivables_fen=0)
    d = decide(DEFAULT_PRODUCT, tiny, pd_=0.004, as_of=AS_OF)
    assert d.outcome is Outcome.DECLINE and "limit_below_floor" in d.notes


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
