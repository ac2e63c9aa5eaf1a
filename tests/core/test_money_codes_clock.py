from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.core.clock import FixedClock, ensure_aware, shanghai_date, to_shanghai
from chanrong.core.codes import validate_industry, validate_region
from chanrong.core.errors import ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.money import fen_to_yuan, format_yuan, round_fen, to_decimal, yuan_to_fen


def test_yuan_to_fen_is_exact() -> None:
    assert yuan_to_fen("1234.56") == 123456
    assert yuan_to_fen(Decimal("0.10")) == 10
    assert yuan_to_fen("1,000") == 100000
    assert fen_to_yuan(123456) == Decimal("1234.56")
    assert format_yuan(123456789) == "¥1,234,567.89"


@pytest.mark.parametrize("bad", [1.5, "abc", "1.234", "NaN", "Infinity"])
def test_bad_amounts_name_the_field(bad: object) -> None:
    with pytest.raises(ValidationFailed) as info:
        yuan_to_fen(bad, field="principal")  # type: ignore[arg-type]
    assert info.value.field == "principal"


def test_float_is_refused_even_when_exact() -> None:
    with pytest.raises(ValidationFailed, match="not a float"):
        to_decimal(2.0)


def test_round_fen_is_half_up() -> None:
    assert round_fen(Decimal("2.5")) == 3
    assert round_fen(Decimal("2.4999")) == 2
    assert round_fen(Decimal("-2.5")) == -3


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_round_trips(fen: int) -> None:
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


def test_industry_codes() -> None:
    assert validate_industry("C34").name_zh == "通用设备制造业"
    assert validate_industry("c3411").division == "34"
    assert validate_industry("C").section == "C"
    with pytest.raises(ValidationFailed, match="belongs to section C"):
        validate_industry("A34")
    with pytest.raises(ValidationFailed, match="does not exist"):
        validate_industry("C99")
    with pytest.raises(ValidationFailed, match="section letter"):
        validate_industry("Z12")


def test_region_codes() -> None:
    huzhou = validate_region("330500")
    assert (huzhou.name_zh, huzhou.province_zh) == ("湖州市", "浙江省")
    # A county of Huzhou is named by its prefecture, which the table knows.
    assert validate_region("330502").name_zh == "湖州市"
    assert validate_region("110000").name_zh == "北京市"
    with pytest.raises(ValidationFailed, match="province 99"):
        validate_region("990000")
    with pytest.raises(ValidationFailed, match="6-digit"):
        validate_region("33050")


def test_time_is_aware_and_shown_in_shanghai() -> None:
    at = datetime(2026, 1, 1, 17, 0, tzinfo=UTC)
    assert to_shanghai(at).hour == 1
    assert shanghai_date(at).isoformat() == "2026-01-02"
    with pytest.raises(ValueError, match="timezone-aware"):
        ensure_aware(datetime(2026, 1, 1))
    clock = FixedClock(at)
    assert clock.now() == at


def test_catalog_defaults_to_chinese_and_falls_back() -> None:
    assert t("app.name") == "产融"
    assert t("app.name", "en-US") == "Chanrong"
    assert t("no.such.key", "en") == "no.such.key"


def test_month_helpers_cross_year_ends_and_name_the_field() -> None:
    from datetime import date

    from chanrong.core.clock import month_bounds, month_start, parse_month

    assert month_start(date(2026, 1, 20), -2) == date(2025, 11, 1)
    assert month_start(date(2026, 11, 22), 30) == date(2029, 5, 1)
    assert month_bounds(date(2026, 12, 1)) == (date(2026, 12, 1), date(2027, 1, 1))
    assert parse_month("2026-02") == date(2026, 2, 1)
    with pytest.raises(ValidationFailed) as info:
        parse_month("2026-13", field="month")
    assert info.value.field == "month"
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        month_bounds(date(2026, 2, 3))
