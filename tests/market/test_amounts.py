"""The amount parser: every way the reports write an amount, and every way it can fail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.market.amounts import AmountError, AmountKind, parse_amount, to_cny_fen

YI = 100_000_000 * 100  # one 亿元 in fen
WAN = 10_000 * 100  # one 万元 in fen


@pytest.mark.parametrize(
    ("text", "kind", "currency", "low", "high"),
    [
        ("1.2亿元", AmountKind.EXACT, "CNY", 12 * YI // 10, 12 * YI // 10),
        ("5000万元", AmountKind.EXACT, "CNY", 5000 * WAN, 5000 * WAN),
        ("1,200万元", AmountKind.EXACT, "CNY", 1200 * WAN, 1200 * WAN),
        ("人民币3亿元", AmountKind.EXACT, "CNY", 3 * YI, 3 * YI),
        ("￥3000万", AmountKind.EXACT, "CNY", 3000 * WAN, 3000 * WAN),
        ("两亿元", AmountKind.EXACT, "CNY", 2 * YI, 2 * YI),
        ("十亿元", AmountKind.EXACT, "CNY", 10 * YI, 10 * YI),
        ("12000000", AmountKind.EXACT, "CNY", 1_200_000_000, 1_200_000_000),
        ("$10M", AmountKind.EXACT, "USD", 1_000_000_000, 1_000_000_000),
        ("US$ 10 million", AmountKind.EXACT, "USD", 1_000_000_000, 1_000_000_000),
        ("8000万美元", AmountKind.EXACT, "USD", 8000 * WAN, 8000 * WAN),
        ("HK$2.5bn", AmountKind.EXACT, "HKD", 250_000_000_000, 250_000_000_000),
        ("超亿元", AmountKind.AT_LEAST, "CNY", YI, None),
        ("过亿", AmountKind.AT_LEAST, "CNY", YI, None),
        ("上亿元", AmountKind.AT_LEAST, "CNY", YI, None),
        ("2亿元以上", AmountKind.AT_LEAST, "CNY", 2 * YI, None),
        ("逾5亿元", AmountKind.AT_LEAST, "CNY", 5 * YI, None),
        ("近亿元", AmountKind.RANGE, "CNY", 8 * YI // 10, YI),
        ("近千万元", AmountKind.RANGE, "CNY", 800 * WAN, 1000 * WAN),
        ("数千万元", AmountKind.RANGE, "CNY", 2000 * WAN, 10000 * WAN),
        ("数亿元", AmountKind.RANGE, "CNY", 2 * YI, 10 * YI),
        ("数百万人民币", AmountKind.RANGE, "CNY", 200 * WAN, 1000 * WAN),
        ("数十亿元", AmountKind.RANGE, "CNY", 20 * YI, 100 * YI),
        ("千万级", AmountKind.RANGE, "CNY", 1000 * WAN, 10000 * WAN),
        ("亿元级别", AmountKind.RANGE, "CNY", YI, 10 * YI),
        ("1-2亿元", AmountKind.RANGE, "CNY", YI, 2 * YI),
        ("5000万-1亿元", AmountKind.RANGE, "CNY", 5000 * WAN, YI),
        ("1至3亿元", AmountKind.RANGE, "CNY", YI, 3 * YI),
        ("约3000万元", AmountKind.APPROXIMATE, "CNY", 3000 * WAN, 3000 * WAN),
        ("3000万元左右", AmountKind.APPROXIMATE, "CNY", 3000 * WAN, 3000 * WAN),
        ("不到1000万", AmountKind.AT_MOST, "CNY", 0, 1000 * WAN),
        ("未披露", AmountKind.UNDISCLOSED, "CNY", None, None),
        ("undisclosed", AmountKind.UNDISCLOSED, "CNY", None, None),
        ("", AmountKind.UNDISCLOSED, "CNY", None, None),
        ("—", AmountKind.UNDISCLOSED, "CNY", None, None),
    ],
)
def test_amounts_parse_into_ranges(
    text: str, kind: AmountKind, currency: str, low: int | None, high: int | None
) -> None:
    parsed = parse_amount(text)
    assert (parsed.kind, parsed.currency, parsed.low_minor, parsed.high_minor) == (
        kind,
        currency,
        low,
        high,
    )
    assert parsed.raw == text
    assert parsed.disclosed is (kind is not AmountKind.UNDISCLOSED)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "cannot read"),
        ("数", "cannot read"),
        ("数个亿", "must be followed by a unit"),
        ("1亿美元港元", "two currencies"),
        ("3-1亿元", "runs backwards"),
        ("1-2-3亿", "more than one range separator"),
        ("0万元", "not a positive amount"),
        ("超不到1亿", "cannot read"),
        ("1.2.3亿", "cannot read"),
    ],
)
def test_unreadable_amounts_raise_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(AmountError, match=reason):
        parse_amount(text)


def test_estimate_is_the_midpoint_of_a_closed_range_and_the_floor_of_an_open_one() -> None:
    assert parse_amount("1-2亿元").estimate_minor == 15 * YI // 10
    assert parse_amount("超亿元").estimate_minor == YI
    assert parse_amount("未披露").estimate_minor is None


def test_foreign_currency_converts_to_fen_at_the_given_rate() -> None:
    usd = parse_amount("$10M")
    assert to_cny_fen(usd.low_minor, usd.currency, Decimal("7.1217")) == 7_121_700_000
    assert to_cny_fen(5000, "CNY", None) == 5000
    with pytest.raises(AmountError, match="no exchange rate"):
        to_cny_fen(100, "USD", None)


@given(wan=st.integers(min_value=1, max_value=10**8))
def test_any_whole_wan_amount_round_trips_exactly(wan: int) -> None:
    parsed = parse_amount(f"{wan}万元")
    assert parsed.kind is AmountKind.EXACT
    assert parsed.low_minor == parsed.high_minor == wan * WAN


@given(
    low=st.integers(min_value=1, max_value=10**6),
    extra=st.integers(min_value=0, max_value=10**6),
)
def test_every_range_has_low_at_most_high(low: int, extra: int) -> None:
    parsed = parse_amount(f"{low}万-{low + extra}万元")
    assert parsed.low_minor is not None and parsed.high_minor is not None
    assert parsed.low_minor <= parsed.high_minor


AMOUNT_ALPHABET = st.sampled_from(
    list("0123456789.,-~至到超近约数几级以上下余多不足亿万千百十元美港$€¥kmb +一二两")
)


@given(st.text(alphabet=AMOUNT_ALPHABET, max_size=12) | st.text(max_size=12))
def test_any_text_parses_or_says_why_never_crashes(text: str) -> None:
    try:
        parsed = parse_amount(text)
    except AmountError as exc:
        reason = str(exc)
        assert reason, "an AmountError must say why"
        return
    if parsed.low_minor is not None and parsed.high_minor is not None:
        assert 0 <= parsed.low_minor <= parsed.high_minor
