"""Market rules: stock codes against exchanges and boards, provinces, clusters, growth."""

from __future__ import annotations

import pytest

from chanrong.market.domain import (
    Board,
    Exchange,
    MarketRuleError,
    check_listing,
    cluster_of,
    growth_rate,
    mainland_listing,
    parse_board,
    resolve_place,
)


@pytest.mark.parametrize(
    ("code", "exchange", "board"),
    [
        ("688001", Exchange.SSE, Board.STAR),
        ("600519", Exchange.SSE, Board.MAIN),
        ("000001", Exchange.SZSE, Board.MAIN),
        ("002415", Exchange.SZSE, Board.SME),
        ("300750", Exchange.SZSE, Board.CHINEXT),
        ("301000", Exchange.SZSE, Board.CHINEXT),
        ("430047", Exchange.BSE, Board.BSE),
        ("832000", Exchange.BSE, Board.BSE),
        ("920001", Exchange.BSE, Board.BSE),
    ],
)
def test_a_share_codes_imply_exchange_and_board(
    code: str, exchange: Exchange, board: Board
) -> None:
    assert mainland_listing(code) == (exchange, board)


def test_listing_checks_fill_and_refuse() -> None:
    assert check_listing("688001.SH", None, None) == ("688001", Exchange.SSE, Board.STAR)
    assert check_listing("0700", Exchange.HKEX, None) == ("0700", Exchange.HKEX, Board.OVERSEAS)
    with pytest.raises(MarketRuleError) as caught:
        check_listing("300750", Exchange.SSE, None)
    assert caught.value.column == "exchange"
    with pytest.raises(MarketRuleError) as caught:
        check_listing("600519", None, Board.STAR)
    assert (caught.value.column, caught.value.reason) == (
        "board",
        "code 600519 is on 主板, not 科创板",
    )
    assert parse_board("ChiNext") is Board.CHINEXT
    assert parse_board("北交所") is Board.BSE


def test_places_and_clusters() -> None:
    place = resolve_place("浙江省", "杭州")
    assert (place.province_code, place.province_zh, place.city) == ("330000", "浙江省", "杭州")
    assert resolve_place("Zhejiang").province_code == "330000"
    assert resolve_place("330100").province_code == "330000"
    assert resolve_place("内蒙古").province_code == "150000"
    assert cluster_of("340000") == "yangtze_delta"
    assert cluster_of("440000") == "greater_bay"
    assert cluster_of("650000") is None
    with pytest.raises(MarketRuleError, match="not a province"):
        resolve_place("Atlantis")


def test_growth_needs_a_positive_base() -> None:
    assert growth_rate(100, 120) == pytest.approx(0.2)
    assert growth_rate(100, -20) == pytest.approx(-1.2)
    assert growth_rate(0, 50) is None
    assert growth_rate(-10, 50) is None
