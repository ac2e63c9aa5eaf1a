"""Market facts as rules: exchanges and boards, stock codes, provinces and city clusters.

Pure: no framework imports. The service validates imported rows with these functions; each
raises :class:`MarketRuleError` with the column it concerns, so an import can report it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from chanrong.core.codes import regions


class MarketRuleError(ValueError):
    """A value breaks a market rule; ``column`` names the input it came from."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


class Exchange(StrEnum):
    SSE = "sse"  # 上海证券交易所
    SZSE = "szse"  # 深圳证券交易所
    BSE = "bse"  # 北京证券交易所
    HKEX = "hkex"
    NASDAQ = "nasdaq"
    NYSE = "nyse"


class Board(StrEnum):
    MAIN = "main"  # 主板
    SME = "sme"  # 中小板 (merged into the Shenzhen main board in 2021; kept for history)
    CHINEXT = "chinext"  # 创业板
    STAR = "star"  # 科创板
    BSE = "bse"  # 北交所
    OVERSEAS = "overseas"  # listed outside the mainland exchanges


BOARD_ZH = {
    Board.MAIN: "主板",
    Board.SME: "中小板",
    Board.CHINEXT: "创业板",
    Board.STAR: "科创板",
    Board.BSE: "北交所",
    Board.OVERSEAS: "境外",
}
_BOARD_WORDS = {
    **{v: k for k, v in BOARD_ZH.items()},
    "main": Board.MAIN, "mainboard": Board.MAIN, "主板": Board.MAIN,
    "sme": Board.SME, "中小企业板": Board.SME,
    "chinext": Board.CHINEXT, "gem": Board.CHINEXT,
    "star": Board.STAR, "科创": Board.STAR,
    "bse": Board.BSE, "北京证券交易所": Board.BSE, "北证": Board.BSE,
    "overseas": Board.OVERSEAS, "港股": Board.OVERSEAS, "美股": Board.OVERSEAS,
}  # fmt: skip
_EXCHANGE_WORDS = {
    "sse": Exchange.SSE, "上交所": Exchange.SSE, "上海证券交易所": Exchange.SSE, "sh": Exchange.SSE,
    "szse": Exchange.SZSE, "深交所": Exchange.SZSE, "深圳证券交易所": Exchange.SZSE,
    "sz": Exchange.SZSE, "bse": Exchange.BSE, "北交所": Exchange.BSE, "bj": Exchange.BSE,
    "hkex": Exchange.HKEX, "港交所": Exchange.HKEX, "hk": Exchange.HKEX,
    "nasdaq": Exchange.NASDAQ, "纳斯达克": Exchange.NASDAQ, "nyse": Exchange.NYSE,
    "纽交所": Exchange.NYSE,
}  # fmt: skip


class InvestorKind(StrEnum):
    VC = "vc"  # 风险投资
    PE = "pe"  # 私募股权
    CORPORATE = "corporate"  # 产业资本 / CVC
    GOVERNMENT_FUND = "government_fund"  # 政府引导基金
    FINANCIAL = "financial"  # 银行、券商及其直投
    OTHER = "other"


def parse_board(raw: str, column: str = "board") -> Board:
    """A board as written (主板, 科创板, ChiNext …)."""
    key = raw.strip().lower().replace(" ", "")
    if key in _BOARD_WORDS:
        return _BOARD_WORDS[key]
    raise MarketRuleError(column, f"{raw!r} is not a board (主板/中小板/创业板/科创板/北交所/境外)")


def parse_exchange(raw: str, column: str = "exchange") -> Exchange:
    """An exchange as written (上交所, SZSE, 港交所 …)."""
    key = raw.strip().lower().replace(" ", "")
    if key in _EXCHANGE_WORDS:
        return _EXCHANGE_WORDS[key]
    raise MarketRuleError(column, f"{raw!r} is not an exchange (上交所/深交所/北交所/港交所 …)")


def mainland_listing(code: str) -> tuple[Exchange, Board]:
    """Exchange and board implied by a six-digit A-share code, by its prefix."""
    if re.fullmatch(r"688\d{3}|689\d{3}", code):
        return Exchange.SSE, Board.STAR
    if re.fullmatch(r"60[0135]\d{3}", code):
        return Exchange.SSE, Board.MAIN
    if re.fullmatch(r"00[013]\d{3}", code):
        return Exchange.SZSE, Board.MAIN
    if re.fullmatch(r"002\d{3}", code):
        # 002 codes were the SME board until 2021 and the main board since.
        return Exchange.SZSE, Board.SME
    if re.fullmatch(r"30[01]\d{3}", code):
        return Exchange.SZSE, Board.CHINEXT
    if re.fullmatch(r"(?:4[03]|8[3-9]|92)\d{4}", code):
        return Exchange.BSE, Board.BSE
    raise MarketRuleError("stock_code", f"{code!r} is not an A-share code of a known board")


def check_listing(
    code: str, exchange: Exchange | None, board: Board | None
) -> tuple[str, Exchange, Board]:
    """Validate a stock code against its exchange and board, filling what the code implies."""
    code = code.strip().upper()
    for suffix in (".SH", ".SZ", ".BJ", ".HK"):
        code = code.removesuffix(suffix)
    if not code:
        raise MarketRuleError("stock_code", "is required")
    if exchange in (Exchange.HKEX, Exchange.NASDAQ, Exchange.NYSE) or board is Board.OVERSEAS:
        if exchange is None:
            raise MarketRuleError("exchange", "an overseas listing must name its exchange")
        return code, exchange, Board.OVERSEAS
    if not code.isdigit() or len(code) != 6:
        raise MarketRuleError("stock_code", f"{code!r}: an A-share code has six digits")
    implied_exchange, implied_board = mainland_listing(code)
    if exchange is not None and exchange is not implied_exchange:
        raise MarketRuleError(
            "exchange", f"code {code} trades on {implied_exchange.value}, not {exchange.value}"
        )
    if board is not None and board is not implied_board:
        # 002 codes moved from the SME board to the main board in 2021; both are right.
        if not (implied_board is Board.SME and board is Board.MAIN):
            raise MarketRuleError(
                "board", f"code {code} is on {BOARD_ZH[implied_board]}, not {BOARD_ZH[board]}"
            )
        implied_board = board
    return code, implied_exchange, implied_board


# City clusters by province, as the sector reports group regions. The Greater Bay Area is
# approximated by Guangdong, Hong Kong and Macao.
CLUSTERS: dict[str, tuple[str, frozenset[str]]] = {
    "yangtze_delta": ("长三角", frozenset({"310000", "320000", "330000", "340000"})),
    "jing_jin_ji": ("京津冀", frozenset({"110000", "120000", "130000"})),
    "greater_bay": ("粤港澳大湾区", frozenset({"440000", "810000", "820000"})),
    "chengdu_chongqing": ("成渝", frozenset({"500000", "510000"})),
}


def cluster_of(province_code: str | None) -> str | None:
    """The city cluster a province belongs to, or None."""
    if province_code is None:
        return None
    for key, (_, members) in CLUSTERS.items():
        if province_code in members:
            return key
    return None


def _province_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code, row in regions().items():
        if not code.endswith("0000"):
            continue
        full = row["name_zh"]
        names[full] = code
        names[row["name_en"].lower()] = code
        short = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", full)
        names[short] = code
    return names


_PROVINCES = _province_names()


@dataclass(frozen=True, slots=True)
class Place:
    province_code: str
    province_zh: str
    city: str | None


def resolve_place(province: str, city: str | None = None, column: str = "province") -> Place:
    """A province given by name (上海, 浙江省, Zhejiang) or GB/T 2260 code, with its city."""
    text = province.strip()
    if not text:
        raise MarketRuleError(column, "is required")
    if text.isdigit():
        code = text[:2] + "0000" if len(text) == 6 else ""
    else:
        code = _PROVINCES.get(text) or _PROVINCES.get(text.lower(), "")
    row = regions().get(code)
    if row is None:
        raise MarketRuleError(column, f"{province!r} is not a province of GB/T 2260")
    city_text = (city or "").strip() or None
    return Place(code, row["name_zh"], city_text)


def province_name(code: str) -> str:
    """The Chinese name of a province code (the code itself when unknown)."""
    row = regions().get(code)
    return row["name_zh"] if row else code


def growth_rate(previous: int, current: int) -> float | None:
    """Year-on-year growth as a fraction; None when the base is zero or negative."""
    if previous <= 0:
        return None
    return (current - previous) / previous
