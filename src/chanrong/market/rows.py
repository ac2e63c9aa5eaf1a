"""Checking imported rows one by one: each becomes a typed record or a list of row errors.

Pure: every rule a single row can break is checked here, naming the row, the column and the
reason. Rules that need the database (duplicates, unknown stock codes) are the service's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from chanrong.market.amounts import (
    AmountError,
    AmountKind,
    ParsedAmount,
    parse_amount,
    to_cny_fen,
)
from chanrong.market.domain import (
    Board,
    Exchange,
    InvestorKind,
    MarketRuleError,
    Place,
    check_listing,
    parse_board,
    parse_exchange,
    resolve_place,
)
from chanrong.market.rounds import Round, RoundError, normalise_round
from chanrong.market.tabular import Row
from chanrong.market.taxonomy import Field, Tag, parse_field, parse_tags


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class EventRecord:
    row: int
    event_date: date
    company: str
    round: Round
    amount: ParsedAmount
    cny_low_fen: int | None
    cny_high_fen: int | None
    investors: tuple[str, ...]
    place: Place | None  # None: the province is not known (kept unknown, never invented)
    description: str | None
    field: Field | None
    tags: frozenset[Tag] | None


@dataclass(frozen=True, slots=True)
class InvestorRecord:
    row: int
    name: str
    kind: InvestorKind
    state_owned: bool


@dataclass(frozen=True, slots=True)
class ListingRecord:
    row: int
    stock_code: str
    company: str
    exchange: Exchange
    board: Board
    listing_date: date
    ipo_proceeds_fen: int | None
    market_value_fen: int | None
    place: Place | None
    description: str | None
    field: Field | None
    tags: frozenset[Tag] | None


@dataclass(frozen=True, slots=True)
class FinancialsRecord:
    row: int
    stock_code: str
    year: int
    revenue_fen: int
    profit_fen: int


@dataclass(frozen=True, slots=True)
class ProceedsRecord:
    row: int
    stock_code: str
    project: str
    amount_fen: int


class _Collector:
    """Gathers every error of one row instead of stopping at the first."""

    def __init__(self, row: Row) -> None:
        self.row = row
        self.errors: list[RowError] = []

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.row.number, column, reason))

    def text(self, column: str, *, required: bool, max_len: int) -> str | None:
        value = self.row.values.get(column, "").strip()
        if not value:
            if required:
                self.fail(column, "is required")
            return None
        if len(value) > max_len:
            self.fail(column, f"longer than {max_len} characters")
            return None
        return value


_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?$"),
)


def parse_date(raw: str) -> date:
    """YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or YYYY年MM月DD日."""
    text = raw.strip()
    if " " in text or "T" in text:
        text = re.split(r"[ T]", text)[0]
    for pattern in _DATE_FORMATS:
        if m := pattern.match(text):
            try:
                return date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError as exc:
                raise ValueError(f"{raw!r} is not a calendar date ({exc})") from None
    raise ValueError(f"{raw!r} is not a date (write YYYY-MM-DD)")


@cache
def fx_rates() -> dict[tuple[int, str], Decimal]:
    """Shipped yearly CNY rates, (year, currency) → CNY per unit."""
    import csv

    text = resources.files("chanrong.market").joinpath("data", "fx_rates.csv").read_text("utf-8")
    return {
        (int(r["year"]), r["currency"]): Decimal(r["cny_per_unit"])
        for r in csv.DictReader(text.splitlines())
    }


def rate_for(year: int, currency: str) -> Decimal | None:
    """The rate for the year, or the nearest year's when that year is not in the table."""
    if currency == "CNY":
        return Decimal(1)
    years = sorted(y for (y, c) in fx_rates() if c == currency)
    if not years:
        return None
    nearest = min(years, key=lambda y: (abs(y - year), -y))
    return fx_rates()[(nearest, currency)]


def _split_names(raw: str) -> tuple[str, ...]:
    names = [n.strip() for n in re.split(r"[、,，;；/|]", raw) if n.strip()]
    return tuple(dict.fromkeys(names))


def _field_and_tags(c: _Collector) -> tuple[Field | None, frozenset[Tag] | None]:
    fld: Field | None = None
    tags: frozenset[Tag] | None = None
    if raw := c.row.values.get("field", "").strip():
        try:
            fld = parse_field(raw)
        except ValueError as exc:
            c.fail("field", str(exc))
    if raw_tags := c.row.values.get("tags", "").strip():
        try:
            tags = parse_tags(raw_tags)
        except ValueError as exc:
            c.fail("tags", str(exc))
    return fld, tags


def _place(c: _Collector, *, required: bool) -> Place | None:
    province = c.row.values.get("province", "").strip()
    city = c.text("city", required=False, max_len=50)
    if not province:
        if required:
            c.fail("province", "is required")
        return None
    try:
        return resolve_place(province, city)
    except MarketRuleError as exc:
        c.fail(exc.column, exc.reason)
        return None


def _date(c: _Collector, column: str) -> date | None:
    raw = c.row.values.get(column, "").strip()
    if not raw:
        c.fail(column, "is required")
        return None
    try:
        return parse_date(raw)
    except ValueError as exc:
        c.fail(column, str(exc))
        return None


def check_event(row: Row) -> EventRecord | list[RowError]:
    """A financing event row: date, company, round, amount, investors, place."""
    c = _Collector(row)
    when = _date(c, "date")
    company = c.text("company", required=True, max_len=200)
    rnd: Round | None = None
    raw_round = row.values.get("round", "")
    try:
        # An empty cell (or no round column) is the round not being known: 未披露.
        rnd = normalise_round(raw_round) if raw_round.strip() else Round.UNDISCLOSED
    except RoundError as exc:
        c.fail("round", str(exc))
    amount: ParsedAmount | None = None
    raw_amount = row.values.get("amount", "")
    if len(raw_amount) > 100:
        c.fail("amount", "longer than 100 characters")
    else:
        try:
            amount = parse_amount(raw_amount)
        except AmountError as exc:
            c.fail("amount", str(exc))
    low = high = None
    if amount is not None and when is not None:
        rate = rate_for(when.year, amount.currency)
        if rate is None:
            c.fail("amount", f"no exchange rate to CNY for {amount.currency}")
        else:
            low = to_cny_fen(amount.low_minor, amount.currency, rate)
            high = to_cny_fen(amount.high_minor, amount.currency, rate)
    investors = _split_names(row.values.get("investors", ""))
    for name in investors:
        if len(name) > 200:
            c.fail("investors", f"investor name longer than 200 characters: {name[:20]}…")
    place = _place(c, required=False)
    description = c.text("description", required=False, max_len=2000)
    fld, tags = _field_and_tags(c)
    if c.errors:
        return c.errors
    assert when and company and rnd and amount
    return EventRecord(
        row.number, when, company, rnd, amount, low, high, investors, place, description, fld, tags
    )


_TRUE = {"1", "true", "yes", "y", "是", "国资", "国有"}
_FALSE = {"0", "false", "no", "n", "否", "非国资", "民营", ""}
_KIND_WORDS = {
    "vc": InvestorKind.VC, "风险投资": InvestorKind.VC, "创投": InvestorKind.VC,
    "pe": InvestorKind.PE, "私募股权": InvestorKind.PE,
    "corporate": InvestorKind.CORPORATE, "cvc": InvestorKind.CORPORATE,
    "产业资本": InvestorKind.CORPORATE, "战略投资者": InvestorKind.CORPORATE,
    "government_fund": InvestorKind.GOVERNMENT_FUND, "政府引导基金": InvestorKind.GOVERNMENT_FUND,
    "引导基金": InvestorKind.GOVERNMENT_FUND, "financial": InvestorKind.FINANCIAL,
    "金融机构": InvestorKind.FINANCIAL, "券商直投": InvestorKind.FINANCIAL,
    "other": InvestorKind.OTHER, "其他": InvestorKind.OTHER, "": InvestorKind.OTHER,
}  # fmt: skip


def parse_flag(raw: str) -> bool:
    """A yes/no cell (是/否, true/false, 1/0); anything else raises ValueError."""
    key = raw.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not yes/no (是/否, true/false, 1/0)")


def check_investor(row: Row) -> InvestorRecord | list[RowError]:
    """An investor row: name, kind, state-owned flag."""
    c = _Collector(row)
    name = c.text("name", required=True, max_len=200)
    kind = _KIND_WORDS.get(row.values.get("kind", "").strip().lower())
    if kind is None:
        allowed = ", ".join(k.value for k in InvestorKind)
        c.fail("kind", f"{row.values.get('kind')!r} is not an investor kind ({allowed})")
    state_owned = False
    try:
        state_owned = parse_flag(row.values.get("state_owned", ""))
    except ValueError as exc:
        c.fail("state_owned", str(exc))
    if c.errors:
        return c.errors
    assert name and kind
    return InvestorRecord(row.number, name, kind, state_owned)


def exact_fen(raw: str, *, signed: bool = False) -> int:
    """An exact CNY amount ("9.39亿元", "120000000", "-3500万") in fen."""
    text = raw.strip()
    negative = signed and text.startswith(("-", "−"))
    if negative:
        text = text[1:]
    if re.fullmatch(r"0+(?:\.0+)?(?:元)?", text):
        return 0
    parsed = parse_amount(text)
    if parsed.kind not in (AmountKind.EXACT, AmountKind.APPROXIMATE):
        raise AmountError(f"{raw!r} must be an exact amount, not a range or undisclosed")
    if parsed.currency != "CNY":
        raise AmountError(f"{raw!r} must be in CNY (元)")
    assert parsed.low_minor is not None
    return -parsed.low_minor if negative else parsed.low_minor


def _money(c: _Collector, column: str, *, required: bool, signed: bool = False) -> int | None:
    raw = c.row.values.get(column, "").strip()
    if not raw:
        if required:
            c.fail(column, "is required")
        return None
    try:
        return exact_fen(raw, signed=signed)
    except AmountError as exc:
        c.fail(column, str(exc))
        return None


def check_listing_row(row: Row) -> ListingRecord | list[RowError]:
    """A listed-company row: code, exchange and board (checked against the code), dates, money."""
    c = _Collector(row)
    code = c.text("stock_code", required=True, max_len=12)
    company = c.text("company", required=True, max_len=200)
    exchange = board = None
    if raw := row.values.get("exchange", "").strip():
        try:
            exchange = parse_exchange(raw)
        except MarketRuleError as exc:
            c.fail(exc.column, exc.reason)
    if raw := row.values.get("board", "").strip():
        try:
            board = parse_board(raw)
        except MarketRuleError as exc:
            c.fail(exc.column, exc.reason)
    else:
        c.fail("board", "is required")
    listing: tuple[str, Exchange, Board] | None = None
    if code and not c.errors:
        try:
            listing = check_listing(code, exchange, board)
        except MarketRuleError as exc:
            c.fail(exc.column, exc.reason)
    when = _date(c, "listing_date")
    proceeds = _money(c, "ipo_proceeds", required=False)
    market_value = _money(c, "market_value", required=False)
    place = _place(c, required=False)
    description = c.text("description", required=False, max_len=2000)
    fld, tags = _field_and_tags(c)
    if c.errors:
        return c.errors
    assert listing and company and when
    return ListingRecord(
        row.number, listing[0], company, listing[1], listing[2], when, proceeds, market_value,
        place, description, fld, tags,
    )  # fmt: skip


def check_financials(row: Row) -> FinancialsRecord | list[RowError]:
    """Yearly revenue and profit of a listed company (profit may be negative)."""
    c = _Collector(row)
    code = c.text("stock_code", required=True, max_len=12)
    year: int | None = None
    raw_year = row.values.get("year", "").strip()
    if not re.fullmatch(r"(19|20)\d\d", raw_year):
        c.fail("year", f"{raw_year!r} is not a four-digit year")
    else:
        year = int(raw_year)
    revenue = _money(c, "revenue", required=True)
    profit = _money(c, "profit", required=True, signed=True)
    if c.errors:
        return c.errors
    assert code and year and revenue is not None and profit is not None
    return FinancialsRecord(row.number, code, year, revenue, profit)


def check_proceeds(row: Row) -> ProceedsRecord | list[RowError]:
    """One use-of-proceeds project with its planned amount."""
    c = _Collector(row)
    code = c.text("stock_code", required=True, max_len=12)
    project = c.text("project", required=True, max_len=200)
    amount = _money(c, "amount", required=True)
    if c.errors:
        return c.errors
    assert code and project and amount is not None
    return ProceedsRecord(row.number, code, project, amount)
