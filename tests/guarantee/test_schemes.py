"""The presets against examples worked by hand, to the fen; the engine's invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.guarantee.domain import (
    BANK,
    GUARANTOR,
    FeeRule,
    PartnerBook,
    Position,
    Refusal,
    Scheme,
    SchemeError,
    Sharer,
    admission,
    collect,
    enrol,
    fees_for,
    partner_shortfalls,
    record_default,
    share_recovery,
    split_default,
)
from chanrong.guarantee.presets import national_fund, pingshan_pool

Y = 100  # fen per yuan


# -- Pingshan pool -----------------------------------------------------------------------------


def _pingshan_after_a_year() -> Position:
    """¥40,000,000 enrolled, one year of 1 % fees collected: ¥400,000 (fee cap ¥800,000);
    the loss-rate stop covers defaulted principal up to 2.5 % × ¥40 M = ¥1,000,000."""
    scheme = pingshan_pool()
    pos = enrol(Position(), 40_000_000 * Y)
    fees = fees_for(scheme, 40_000_000 * Y, 365)
    assert [(f.name, f.amount_fen) for f in fees] == [("guarantee", 400_000 * Y)]
    return collect(pos, fees)


def test_pingshan_first_claim_splits_20_40_40() -> None:
    # Unpaid ¥600,000: bank keeps 20 % = ¥120,000; the guarantor pays the bank ¥480,000;
    # the pool reimburses 40 % = ¥240,000; the guarantor's net loss is ¥240,000.
    split = split_default(pingshan_pool(), _pingshan_after_a_year(), 600_000 * Y)
    assert split.bank_fen == 120_000 * Y
    assert split.compensation_fen == 480_000 * Y
    assert dict(split.sharers) == {"pool": 240_000 * Y}
    assert split.guarantor_fen == 240_000 * Y
    assert split.limited_by == {}


def test_pingshan_loss_rate_stop_then_breaker() -> None:
    scheme = pingshan_pool()
    pos = record_default(
        _pingshan_after_a_year(), split_default(scheme, _pingshan_after_a_year(), 600_000 * Y)
    )
    # Second default, unpaid ¥700,000: only ¥1,000,000 − ¥600,000 = ¥400,000 of defaulted
    # principal is still under the 2.5 % stop, so the pool pays 40 % × ¥400,000 = ¥160,000;
    # bank ¥140,000, 代偿 ¥560,000, guarantor's net ¥400,000.
    second = split_default(scheme, pos, 700_000 * Y)
    assert (second.bank_fen, second.compensation_fen) == (140_000 * Y, 560_000 * Y)
    assert dict(second.sharers) == {"pool": 160_000 * Y}
    assert second.guarantor_fen == 400_000 * Y
    assert second.limited_by == {"pool": "loss_rate_stop"}
    pos = record_default(pos, second)
    # Loss rate now ¥1,300,000 / ¥40,000,000 = 3.25 % > 2.5 %: no new loan enters …
    assert pos.loss_rate == Decimal("0.0325")
    assert admission(scheme, pos, 1_000_000 * Y) is Refusal.BREAKER
    # … and a third default (¥300,000) gets nothing from the pool: bank ¥60,000, guarantor ¥240,000.
    third = split_default(scheme, pos, 300_000 * Y)
    assert (third.bank_fen, third.guarantor_fen, dict(third.sharers)) == (
        60_000 * Y,
        240_000 * Y,
        {"pool": 0},
    )


def test_pingshan_fee_multiple_cap() -> None:
    # ¥100,000,000 enrolled but only ¥100,000 of fees collected so far: the pool may pay at most
    # 2 × ¥100,000 = ¥200,000 in total. Unpaid ¥1,000,000 → pool would owe ¥400,000, pays
    # ¥200,000; bank ¥200,000; 代偿 ¥800,000; guarantor's net ¥600,000.
    pos = Position(enrolled_fen=100_000_000 * Y, cap_fees_fen=100_000 * Y)
    split = split_default(pingshan_pool(), pos, 1_000_000 * Y)
    assert dict(split.sharers) == {"pool": 200_000 * Y}
    assert (split.bank_fen, split.compensation_fen, split.guarantor_fen) == (
        200_000 * Y,
        800_000 * Y,
        600_000 * Y,
    )
    assert split.limited_by == {"pool": "fee_multiple_cap"}
    # The next default gets nothing until more fees are collected.
    after = record_default(pos, split)
    assert dict(split_default(pingshan_pool(), after, 50_000 * Y).sharers) == {"pool": 0}


def test_pingshan_fee_rounds_half_up_to_the_fen() -> None:
    # ¥1,234,567.89 at 1 % for 31 days (ACT/365): 123,456,789 fen × 0.01 × 31 / 365
    # = 104,853.71… fen → ¥1,048.54.
    [fee] = fees_for(pingshan_pool(), 123_456_789, 31)
    assert fee.amount_fen == 104_854
    assert (fee.payer, fee.payee) == ("borrower", "guarantor")


# -- national fund -----------------------------------------------------------------------------


def test_national_fund_reguarantee_fee_small_and_large_loans() -> None:
    scheme = national_fund()
    # ¥4,000,000 (≤ ¥5 M) for a year: 0.3 % of the fund's 20 % = ¥2,400.00;
    # guarantee fee 1 % of ¥4 M = ¥40,000.
    small = {f.name: f.amount_fen for f in fees_for(scheme, 4_000_000 * Y, 365)}
    assert small == {"guarantee": 40_000 * Y, "reguarantee": 2_400 * Y}
    # Exactly ¥5,000,000 is still a small loan: 0.3 % × ¥1,000,000 = ¥3,000.
    assert {f.name: f.amount_fen for f in fees_for(scheme, 5_000_000 * Y, 365)}[
        "reguarantee"
    ] == 3_000 * Y
    # ¥8,000,000: 0.5 % × 20 % × ¥8 M = ¥8,000.
    large = {f.name: f.amount_fen for f in fees_for(scheme, 8_000_000 * Y, 365)}
    assert large["reguarantee"] == 8_000 * Y


def test_national_fund_default_and_recovery() -> None:
    scheme = national_fund()
    pos = enrol(Position(), 8_000_000 * Y)
    # Unpaid ¥5,000,000: bank 20 % = ¥1,000,000; guarantor pays the bank ¥4,000,000; the fund
    # reimburses 20 % = ¥1,000,000; the guarantor's net loss ¥3,000,000.
    split = split_default(scheme, pos, 5_000_000 * Y)
    assert split.losses() == {BANK: 1_000_000 * Y, GUARANTOR: 3_000_000 * Y, "fund": 1_000_000 * Y}
    assert split.compensation_fen == 4_000_000 * Y
    # ¥500,000 recovered from the borrower goes back 20 : 60 : 20.
    back = share_recovery(split.losses(), {}, 500_000 * Y)
    assert back == {BANK: 100_000 * Y, GUARANTOR: 300_000 * Y, "fund": 100_000 * Y}
    # ¥0.01 more: the odd fen goes to the largest fractional part (the guarantor: 0.6).
    assert share_recovery(split.losses(), back, 1) == {BANK: 0, GUARANTOR: 1, "fund": 0}


def test_national_fund_rules() -> None:
    with pytest.raises(ValueError, match="bank_share"):
        national_fund(bank_share=Decimal("0.10"))
    # Partner eligibility: ≥ 80 % small/agri business, ≥ 50 % single loans ≤ ¥5 M.
    assert partner_shortfalls(PartnerBook(100, 80, 50)) == []
    assert partner_shortfalls(PartnerBook(100, 79, 50)) == ["small_agri_share"]
    assert partner_shortfalls(PartnerBook(100, 90, 49)) == ["single_small_loan_share"]
    assert partner_shortfalls(PartnerBook(0, 0, 0)) == ["no_business"]


def test_recovery_past_the_loss_is_refused() -> None:
    with pytest.raises(SchemeError) as err:
        share_recovery({BANK: 100, GUARANTOR: 300}, {BANK: 50}, 351)
    assert err.value.field == "amount"


def test_a_scheme_must_add_up() -> None:
    with pytest.raises(SchemeError) as err:
        Scheme("x", "x", Decimal("0.5"), (Sharer("pool", Decimal("0.6")),), ())
    assert err.value.field == "sharers"


def test_guarantee_cap_leaves_the_rest_with_the_bank() -> None:
    scheme = Scheme(
        "capped",
        "capped",
        Decimal("0.2"),
        (Sharer("pool", Decimal("0.1"), per_loan_cap_fen=300_000 * Y),),
        (),
        guarantee_cap_fen=5_000_000 * Y,
    )
    # Unpaid ¥10,000,000: 80 % = ¥8 M guaranteed, but the guarantor's cap is ¥5 M: the bank
    # bears ¥5 M; the pool's 10 % = ¥1 M is capped at ¥300,000 per loan; guarantor ¥4.7 M.
    split = split_default(scheme, Position(enrolled_fen=10**10), 10_000_000 * Y)
    assert split.losses() == {BANK: 5_000_000 * Y, GUARANTOR: 4_700_000 * Y, "pool": 300_000 * Y}
    assert split.limited_by == {GUARANTOR: "guarantee_cap", "pool": "per_loan_cap"}


# -- properties ----------------------------------------------------------------------------------

shares = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.30"), places=2)
opt_fen = st.none() | st.integers(min_value=0, max_value=10**9)


@st.composite
def schemes(draw: st.DrawFn) -> Scheme:
    n = draw(st.integers(min_value=0, max_value=3))
    sharers = tuple(
        Sharer(
            f"s{i}",
            draw(shares),
            per_loan_cap_fen=draw(opt_fen),
            total_cap_fen=draw(opt_fen),
            fee_multiple_cap=draw(st.none() | st.decimals(min_value=0, max_value=5, places=1)),
            loss_rate_stop=draw(
                st.none() | st.decimals(min_value=0, max_value=Decimal("0.1"), places=3)
            ),
        )
        for i in range(n)
    )
    fee = FeeRule(
        "guarantee", "borrower", GUARANTOR, draw(st.decimals(0, 3, places=2)), counts_for_caps=True
    )
    return Scheme(
        "p",
        "p",
        draw(st.decimals(0, Decimal("0.1"), places=2)),
        sharers,
        (fee,),
        guarantee_cap_fen=draw(opt_fen),
    )


events = st.lists(
    st.tuples(
        st.sampled_from(["enrol", "fees", "default", "recover"]),
        st.integers(min_value=1, max_value=5 * 10**9),
        st.integers(min_value=1, max_value=400),
    ),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(scheme=schemes(), steps=events)
def test_no_fen_created_or_lost_and_no_cap_passed(
    scheme: Scheme, steps: list[tuple[str, int, int]]
) -> None:
    pos = Position()
    wallet: dict[str, int] = {}  # net money each party has received (+) or paid (−)

    def move(payer: str, payee: str, fen: int) -> None:
        wallet[payer] = wallet.get(payer, 0) - fen
        wallet[payee] = wallet.get(payee, 0) + fen

    claims: list[tuple[dict[str, int], dict[str, int]]] = []  # losses, recovered
    for kind, amount, days in steps:
        if kind == "enrol":
            if admission(scheme, pos, amount) is None:
                pos = enrol(pos, amount)
        elif kind == "fees" and pos.enrolled_fen:
            fees = fees_for(scheme, pos.enrolled_fen, days)
            for f in fees:
                move(f.payer, f.payee, f.amount_fen)
            pos = collect(pos, fees)
        elif kind == "default":
            split = split_default(scheme, pos, amount)
            assert split.total == amount
            assert min([split.bank_fen, split.guarantor_fen, *split.sharers.values()]) >= 0
            move("borrower", BANK, 0)
            move(GUARANTOR, BANK, split.compensation_fen)
            for party, fen in split.sharers.items():
                move(party, GUARANTOR, fen)
            before = pos
            pos = record_default(pos, split)
            for s in scheme.sharers:
                paid = pos.paid_by.get(s.party, 0)
                now = split.sharers[s.party]
                if s.per_loan_cap_fen is not None:
                    assert now <= s.per_loan_cap_fen
                if s.total_cap_fen is not None:
                    assert paid <= max(s.total_cap_fen, before.paid_by.get(s.party, 0))
                if s.fee_multiple_cap is not None:
                    assert now == 0 or paid <= pos.cap_fees_fen * s.fee_multiple_cap
                if s.loss_rate_stop is not None:
                    assert (
                        now
                        <= s.share
                        * max(
                            Decimal(0), pos.enrolled_fen * s.loss_rate_stop - before.defaulted_fen
                        )
                        + 1
                    )
            if scheme.guarantee_cap_fen is not None:
                assert split.compensation_fen <= scheme.guarantee_cap_fen
            claims.append((split.losses(), {}))
        elif kind == "recover" and claims:
            losses, got = claims[-1]
            outstanding = sum(losses.values()) - sum(got.values())
            if outstanding:
                back = share_recovery(losses, got, min(amount, outstanding))
                assert sum(back.values()) == min(amount, outstanding)
                for p, fen in back.items():
                    got[p] = got.get(p, 0) + fen
                    assert got[p] <= losses[p]
                    move("borrower", p, fen)
    assert sum(wallet.values()) == 0
