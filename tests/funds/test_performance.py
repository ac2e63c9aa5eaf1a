"""Fund metrics against cash-flow examples worked by hand (the working is in each test)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chanrong.funds.performance import (
    CashFlow,
    FundMetricError,
    RateNotFound,
    direct_alpha,
    dpi,
    irr,
    ks_pme,
    performance,
    rvpi,
    tvpi,
)

Y1, Y2, Y3 = date(2021, 1, 1), date(2022, 1, 1), date(2023, 1, 1)  # 365 days apart each
YUAN = 100  # fen


def test_one_call_one_distribution_two_years_later_is_ten_percent() -> None:
    # −100 on 2021-01-01, +121 on 2023-01-01 (730 days = 2 × 365): (1 + r)² = 1.21, r = 10 %.
    flows = [CashFlow(Y1, -100 * YUAN), CashFlow(Y3, 121 * YUAN)]
    assert irr(flows, 0, Y3) == pytest.approx(Decimal("0.10"), abs=Decimal("1e-9"))
    assert (dpi(flows), rvpi(flows, 0), tvpi(flows, 0)) == (Decimal("1.21"), 0, Decimal("1.21"))


def test_two_calls_a_distribution_and_a_nav() -> None:
    # Calls of 1 000 on Y1 and Y2, 500 back on Y3, NAV 2 000 on Y3. Paid-in 2 000:
    # DPI 500/2000 = 0.25, RVPI 2000/2000 = 1, TVPI 1.25.
    # IRR: −1000x² − 1000x + 2500 = 0 with x = 1 + r → x = (−1 + √11) / 2 = 1.1583123952.
    flows = [CashFlow(Y1, -1000 * YUAN), CashFlow(Y2, -1000 * YUAN), CashFlow(Y3, 500 * YUAN)]
    nav = 2000 * YUAN
    p = performance(flows, nav, Y3)
    assert (p.paid_in_fen, p.distributed_fen) == (200_000, 50_000)
    assert (p.dpi, p.rvpi, p.tvpi) == (Decimal("0.25"), Decimal(1), Decimal("1.25"))
    expected = (Decimal(11).sqrt() - 1) / 2 - 1
    assert p.irr == pytest.approx(expected, abs=Decimal("1e-9"))
    assert p.ks_pme is None and p.direct_alpha is None


def test_kaplan_schoar_pme_and_direct_alpha_against_an_index_growing_ten_percent() -> None:
    # Index 100, 110, 121 on Y1, Y2, Y3. Contributions compounded to Y3:
    # 1000 × 121/100 + 1000 × 121/110 = 1210 + 1100 = 2310; distributions + NAV = 2500;
    # KS-PME = 2500 / 2310 = 1.0822510822…
    # Direct alpha: −1210x² − 1100x + 2500 = 0 → x = (−1100 + √13 310 000) / 2420
    # = 1.0530112683; with a constant 10 % index it is (1 + IRR) / 1.1 − 1 as well.
    flows = [CashFlow(Y1, -1000 * YUAN), CashFlow(Y2, -1000 * YUAN), CashFlow(Y3, 500 * YUAN)]
    index = {Y1: Decimal(100), Y2: Decimal(110), Y3: Decimal(121)}
    nav = 2000 * YUAN
    assert ks_pme(flows, nav, Y3, index) == Decimal(2500) / Decimal(2310)
    alpha = direct_alpha(flows, nav, Y3, index)
    by_hand = (Decimal(-1100) + Decimal(13_310_000).sqrt()) / 2420 - 1
    assert alpha == pytest.approx(by_hand, abs=Decimal("1e-9"))
    fund_irr = irr(flows, nav, Y3)
    assert alpha == pytest.approx((1 + fund_irr) / Decimal("1.1") - 1, abs=Decimal("1e-9"))
    # The maintained library's own KS-PME agrees.
    import pyxirr

    lib = pyxirr.pe.ks_pme([-1000, -1000, 500], [100, 110, 121], 2000)
    assert Decimal(repr(lib)) == pytest.approx(Decimal(2500) / Decimal(2310), abs=Decimal("1e-12"))


def test_flows_without_a_rate_are_an_explicit_error_not_a_null() -> None:
    # −100, +100, −100 a year apart: −100(1 − y + y²) with y = 1/(1+r) is never zero.
    no_root = [CashFlow(Y1, -100 * YUAN), CashFlow(Y2, 100 * YUAN), CashFlow(Y3, -100 * YUAN)]
    with pytest.raises(RateNotFound, match="irr: XIRR did not converge") as caught:
        irr(no_root, 0, Y3)
    assert caught.value.field == "irr"
    only_calls = [CashFlow(Y1, -100 * YUAN), CashFlow(Y2, -100 * YUAN)]
    with pytest.raises(RateNotFound, match="needs both a contribution and a distribution"):
        irr(only_calls, 0, Y3)


def test_bad_inputs_name_the_field() -> None:
    flows = [CashFlow(Y1, -100 * YUAN), CashFlow(Y3, 121 * YUAN)]
    with pytest.raises(FundMetricError) as caught:
        irr(flows, 0, Y2)
    assert caught.value.field == "flows" and "after the NAV date" in caught.value.reason
    with pytest.raises(FundMetricError, match="nav: a NAV cannot be negative"):
        irr(flows, -1, Y3)
    with pytest.raises(FundMetricError, match="index: no index level on 2023-01-01"):
        ks_pme(flows, 0, Y3, {Y1: Decimal(100)})
    with pytest.raises(FundMetricError, match="no contribution yet"):
        dpi([CashFlow(Y1, 5 * YUAN)])
