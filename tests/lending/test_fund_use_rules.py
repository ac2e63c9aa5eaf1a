"""Fund-use rules (pure): loan money traced through the borrower's outgoing payments, each
rule firing with the payments that made it fire."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chanrong.lending.domain import Purpose
from chanrong.lending.fund_use import (
    FundRule,
    FundUseCase,
    FundUseConfig,
    Outflow,
    Party,
    Traced,
    off_purpose_words,
    trace,
)

DAY0 = date(2025, 1, 10)
BORROWER_USCC = "borrower-uscc"  # pure rules compare codes; they do not validate them
RELATED_USCC = "related-uscc"


def _case(disbursed: int = 1_000_000, purpose: Purpose = Purpose.EQUIPMENT) -> FundUseCase:
    return FundUseCase(
        purpose=purpose,
        disbursed_fen=disbursed,
        disbursed_on=DAY0,
        borrower_name="绍兴某纺织有限公司",
        borrower_uscc=BORROWER_USCC,
        borrower_accounts=frozenset({"6222000011112222", "VA0001"}),
        related=(Party("某投资控股（集团）有限公司"), Party("影子公司", RELATED_USCC)),
    )


def _out(ref: str, amount: int, days: int, **kw: str) -> Outflow:
    return Outflow(
        reference=ref,
        payee_name=kw.pop("payee_name", f"payee {ref}"),
        amount_fen=amount,
        paid_on=DAY0 + timedelta(days=days),
        **kw,  # type: ignore[arg-type]
    )


def _refs(t: Traced, rule: FundRule) -> list[str]:
    hit = t.hit(rule)
    return [] if hit is None else [p.reference for p, _ in hit.payments]


def test_purpose_matching_and_forbidden_payees() -> None:
    pays = [
        _out("machine", 400_000, 10, payee_industry="C34"),
        _out("broker", 300_000, 15, payee_industry="J67"),
        _out("caterer", 200_000, 22, payee_industry="H62"),
        _out("someone", 50_000, 23),
        _out("too-late", 999_999, 142, payee_industry="C34"),
        _out("before", 999_999, -9, payee_industry="K70"),
    ]
    t = trace(_case(), pays)
    assert (t.consistent_fen, t.forbidden_fen, t.inconsistent_fen, t.unknown_fen) == (
        400_000,
        300_000,
        200_000,
        50_000,
    )
    assert t.consistent_share == Decimal("0.4211")
    assert _refs(t, FundRule.FORBIDDEN) == ["broker"]
    assert _refs(t, FundRule.OFF_PURPOSE) == ["caterer"]
    hit = t.hit(FundRule.FORBIDDEN)
    assert hit is not None and hit.high and "J67" in hit.note
    # Only the disbursed amount is traced: the rest is the borrower's own money.
    capped = trace(_case(500_000), pays)
    assert (capped.consistent_fen, capped.forbidden_fen) == (400_000, 100_000)
    assert capped.hit(FundRule.OFF_PURPOSE) is None


def test_related_parties_by_uscc_or_name() -> None:
    t = trace(
        _case(),
        [
            _out("a", 100_000, 5, payee_name="某投资控股(集团)有限公司", payee_industry="C34"),
            _out("b", 100_000, 6, payee_name="another name", payee_uscc=RELATED_USCC),
            _out("c", 100_000, 7, payee_name="honest supplier", payee_industry="C34"),
        ],
    )
    assert _refs(t, FundRule.RELATED_PARTY) == ["a", "b"]
    hit = t.hit(FundRule.RELATED_PARTY)
    assert hit is not None and hit.high and hit.amount_fen == 200_000


def test_money_back_to_the_borrower() -> None:
    t = trace(
        _case(),
        [
            _out("own-uscc", 10_000, 5, payee_uscc=BORROWER_USCC),
            _out("own-acct", 10_000, 5, payee_account="6222000011112222"),
            _out("own-name", 10_000, 5, payee_name=" 绍兴某纺织有限公司"),
            _out("other", 10_000, 5, payee_account="6222999999999999"),
        ],
    )
    assert _refs(t, FundRule.BACK_TO_BORROWER) == ["own-acct", "own-name", "own-uscc"]


def test_cash_and_purpose_text() -> None:
    t = trace(
        _case(),
        [
            _out("atm", 50_000, 5, channel="cash"),
            _out("wm", 50_000, 6, purpose="购买银行理财产品"),
            _out("ok", 50_000, 6, purpose="采购注塑机"),
        ],
    )
    assert _refs(t, FundRule.CASH) == ["atm"]
    assert _refs(t, FundRule.OFF_PURPOSE) == ["wm"]
    assert off_purpose_words("Buy STOCKS") == ["stocks"]
    assert off_purpose_words(None) == []


def test_too_fast_only_past_the_share() -> None:
    fast = [_out("f1", 500_000, 0, payee_industry="C34"), _out("f2", 350_000, 3)]
    t = trace(_case(), fast)
    hit = t.hit(FundRule.TOO_FAST)
    assert hit is not None and hit.amount_fen == 850_000 and "85.0%" in hit.note
    assert not hit.high
    slow = [_out("f1", 500_000, 0, payee_industry="C34"), _out("f2", 350_000, 4)]
    assert trace(_case(), slow).hit(FundRule.TOO_FAST) is None
    loose = FundUseConfig(fast_days=5, fast_share=Decimal("0.9"))
    assert trace(_case(), slow, loose).hit(FundRule.TOO_FAST) is None
    assert trace(_case(), slow, FundUseConfig(fast_days=5)).hit(FundRule.TOO_FAST) is not None


def test_an_honest_borrower_raises_nothing() -> None:
    t = trace(
        _case(),
        [
            _out("m1", 300_000, 8, payee_industry="C34", purpose="设备款"),
            _out("m2", 300_000, 30, payee_industry="C35"),
        ],
    )
    assert t.hits == () and t.consistent_fen == 600_000


@given(
    st.lists(
        st.tuples(
            st.integers(-5, 120), st.integers(0, 2_000_000), st.sampled_from(["C34", "K70", None])
        ),
        max_size=12,
    ),
    st.integers(1, 3_000_000),
)
def test_never_more_traced_than_disbursed(
    rows: list[tuple[int, int, str | None]], disbursed: int
) -> None:
    pays = [
        Outflow(f"r{n}", "p", amount, DAY0 + timedelta(days=d), payee_industry=ind)
        for n, (d, amount, ind) in enumerate(rows)
    ]
    t = trace(_case(disbursed), pays)
    assert t.traced_fen <= disbursed
    assert t.traced_fen == t.consistent_fen + t.unknown_fen + t.inconsistent_fen + t.forbidden_fen
    for h in t.hits:
        assert all(0 < fen <= p.amount_fen for p, fen in h.payments)
