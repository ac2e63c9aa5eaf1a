"""Financing amounts as the sector reports write them, parsed into ranges in minor units.

Reports and news give amounts as "1.2亿元", "5000万元", "$10M", but just as often as
"超亿元", "近亿元", "数千万元" or "未披露". Every such text becomes a :class:`ParsedAmount`:
a kind, a currency and a range ``[low_minor, high_minor]`` in the currency's minor unit
(fen for CNY, cents for USD). Nothing is dropped: text that cannot be read raises
:class:`AmountError` naming the reason, and "undisclosed" is a kind of its own.

Conventions for the vague words (they are conventions, so they are data, not buried logic):

| text | meaning |
|---|---|
| 超 / 超过 / 逾 / 过 / 上 / 以上 / 余 / 多 / + | at least the amount (no upper bound) |
| 近 / 接近 / 将近 | from 80 % of the amount up to the amount |
| 约 / 大约 / 左右 | about the amount (low = high = the amount) |
| 不到 / 不足 / 以下 | up to the amount (low = 0) |
| 数 / 几 + unit (数千万, 数亿) | 2 to 10 times the unit |
| unit + 级 (千万级, 亿元级) | 1 to 10 times the unit |
| a-b / a至b / a~b | from a to b |
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum


class AmountError(ValueError):
    """The text is not an amount this parser can read; the message says why."""


class AmountKind(StrEnum):
    EXACT = "exact"
    APPROXIMATE = "approximate"
    RANGE = "range"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    UNDISCLOSED = "undisclosed"


NEAR_FACTOR = Decimal("0.8")
SEVERAL_LOW, SEVERAL_HIGH = Decimal(2), Decimal(10)
LEVEL_LOW, LEVEL_HIGH = Decimal(1), Decimal(10)

UNDISCLOSED_WORDS = frozenset(
    {"", "未披露", "未公开", "未透露", "不详", "未知", "保密", "undisclosed", "n/a", "na",
     "none", "unknown", "-", "--", "—", "——", "/"}
)  # fmt: skip

# Longest first, so "港元" wins over "元" and "us$" over "$".
_CURRENCY_WORDS: tuple[tuple[str, str], ...] = (
    ("人民币", "CNY"), ("美元", "USD"), ("美金", "USD"), ("港元", "HKD"), ("港币", "HKD"),
    ("欧元", "EUR"), ("日元", "JPY"), ("英镑", "GBP"), ("us$", "USD"), ("hk$", "HKD"),
    ("usd", "USD"), ("hkd", "HKD"), ("eur", "EUR"), ("jpy", "JPY"), ("gbp", "GBP"),
    ("cny", "CNY"), ("rmb", "CNY"), ("$", "USD"), ("€", "EUR"), ("£", "GBP"),
    ("¥", "CNY"), ("元", "CNY"),
)  # fmt: skip
MINOR_PER_MAJOR = {"CNY": 100, "USD": 100, "HKD": 100, "EUR": 100, "GBP": 100, "JPY": 1}

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}  # fmt: skip
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_LATIN_UNITS = {"k": 10**3, "m": 10**6, "mn": 10**6, "mm": 10**6, "million": 10**6,
                "b": 10**9, "bn": 10**9, "billion": 10**9}  # fmt: skip

_AT_LEAST_PREFIX = ("超过", "超", "逾", "过", "上", "大于", "高于", "over", ">")
_NEAR_PREFIX = ("接近", "将近", "近")
_ABOUT_PREFIX = ("大约", "约", "about", "~")
_AT_MOST_PREFIX = ("不到", "不足", "少于", "under", "<")
_AT_LEAST_SUFFIX = ("以上", "余", "多", "+")
_AT_MOST_SUFFIX = ("以下", "以内")
_ABOUT_SUFFIX = ("左右",)
_SEVERAL = ("数", "几")
_LEVEL_SUFFIX = ("级别", "级")
_RANGE_SEPARATORS = re.compile(r"\s*(?:-|~|至|到|—|–)\s*")
_QUANTITY = re.compile(
    r"^(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九])?(?P<unit>[十百千]?[万亿]|[十百千]|万亿)?$"
)
_LATIN_QUANTITY = re.compile(r"^(?P<num>\d+(?:\.\d+)?)(?P<unit>k|mn|mm|m|million|bn|b|billion)?$")


@dataclass(frozen=True, slots=True)
class ParsedAmount:
    """An amount as a range in minor units of ``currency``; ``high_minor`` None means open."""

    raw: str
    kind: AmountKind
    currency: str
    low_minor: int | None
    high_minor: int | None

    @property
    def disclosed(self) -> bool:
        """False only for an undisclosed amount (a range or a floor is disclosed)."""
        return self.kind is not AmountKind.UNDISCLOSED

    @property
    def estimate_minor(self) -> int | None:
        """One figure for sums: the midpoint of a closed range, else the lower bound."""
        if self.low_minor is None:
            return None
        if self.high_minor is None:
            return self.low_minor
        return (self.low_minor + self.high_minor) // 2


def _strip_prefix(text: str, words: tuple[str, ...]) -> tuple[str, bool]:
    for w in words:
        if text.startswith(w) and len(text) > len(w):
            return text[len(w) :], True
    return text, False


def _strip_suffix(text: str, words: tuple[str, ...]) -> tuple[str, bool]:
    for w in words:
        if text.endswith(w) and len(text) > len(w):
            return text[: -len(w)], True
    return text, False


def _currency(text: str) -> tuple[str, str]:
    """Find and remove the currency words; CNY when none is given."""
    found: str | None = None
    for word, code in _CURRENCY_WORDS:
        if word in text:
            if found is not None and code != found:
                raise AmountError(f"two currencies in one amount ({found} and {code})")
            found = code
            text = text.replace(word, "")
    return text, found or "CNY"


def _unit_value(unit: str) -> int:
    value = 1
    for ch in unit:
        value *= _CN_UNITS[ch]
    return value


def _quantity(text: str) -> Decimal:
    """A number with its magnitude words, in major units: "1.2亿" → 120000000."""
    if not text:
        raise AmountError("no number in the amount")
    if m := _QUANTITY.match(text):
        num, unit = m.group("num"), m.group("unit")
        if num is None and unit is None:
            raise AmountError("no number in the amount")
        base = Decimal(1)
        if num is not None:
            base = Decimal(_CN_DIGITS[num]) if num in _CN_DIGITS else Decimal(num)
        return base * (_unit_value(unit) if unit else 1)
    if m := _LATIN_QUANTITY.match(text):
        unit = m.group("unit")
        return Decimal(m.group("num")) * (_LATIN_UNITS[unit] if unit else 1)
    raise AmountError(f"cannot read {text!r} as a number with 万/亿 or K/M/B")


def _minor(value: Decimal, currency: str) -> int:
    return int((value * MINOR_PER_MAJOR[currency]).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    text = re.sub(r"[,，\s]", "", text)
    # NFKC maps ￥ to ¥; "人民币" and "元" stay as written.
    # "不到" holds the range word "到"; say it without one before ranges are split.
    return text.replace("rmb¥", "¥").replace("不到", "不足")


def parse_amount(raw: str | None) -> ParsedAmount:
    """Parse one amount text; raise :class:`AmountError` when it cannot be read."""
    original = "" if raw is None else str(raw)
    text = _normalise(original)
    if text in UNDISCLOSED_WORDS:
        return ParsedAmount(original, AmountKind.UNDISCLOSED, "CNY", None, None)
    text, currency = _currency(text)
    text = text.replace("级别", "级")
    try:
        return _parse_body(original, text, currency)
    except InvalidOperation as exc:
        raise AmountError(f"cannot read {original!r} as a number") from exc


def _parse_body(original: str, text: str, currency: str) -> ParsedAmount:
    parts = _RANGE_SEPARATORS.split(text)
    if len(parts) == 2 and parts[0] and parts[1]:
        high = _quantity(parts[1])
        # "1-2亿": the unit written once applies to both ends.
        low_text = parts[0]
        if _QUANTITY.match(low_text) and not re.search(r"[十百千万亿]", low_text):
            unit_m = re.search(r"[十百千]?[万亿]$|万亿$", parts[1])
            if unit_m:
                low_text += unit_m.group(0)
        low = _quantity(low_text)
        if low > high:
            raise AmountError(f"range {original!r} runs backwards")
        return ParsedAmount(
            original, AmountKind.RANGE, currency, _minor(low, currency), _minor(high, currency)
        )
    if len(parts) > 2:
        raise AmountError(f"{original!r} has more than one range separator")

    body, at_least = _strip_prefix(text, _AT_LEAST_PREFIX)
    body, near = (body, False) if at_least else _strip_prefix(body, _NEAR_PREFIX)
    body, about = (body, False) if at_least or near else _strip_prefix(body, _ABOUT_PREFIX)
    body, at_most = (
        (body, False) if at_least or near or about else _strip_prefix(body, _AT_MOST_PREFIX)
    )
    body, s_at_least = _strip_suffix(body, _AT_LEAST_SUFFIX)
    body, s_at_most = _strip_suffix(body, _AT_MOST_SUFFIX)
    body, s_about = _strip_suffix(body, _ABOUT_SUFFIX)
    body, level = _strip_suffix(body, _LEVEL_SUFFIX)
    body, several = _strip_prefix(body, _SEVERAL)
    at_least, at_most, about = at_least or s_at_least, at_most or s_at_most, about or s_about
    if sum([at_least, near, about, at_most]) > 1:
        raise AmountError(f"{original!r} says both more and less than an amount")

    if several or level:
        if several and (not body or not re.fullmatch(r"[十百千]?[万亿]|[十百千]|万亿", body)):
            raise AmountError(f"{original!r}: 数/几 must be followed by a unit such as 千万 or 亿")
        unit = _quantity(body)
        lo_f, hi_f = (SEVERAL_LOW, SEVERAL_HIGH) if several else (LEVEL_LOW, LEVEL_HIGH)
        low_minor, high_minor = _minor(unit * lo_f, currency), _minor(unit * hi_f, currency)
        if at_least:
            return ParsedAmount(original, AmountKind.AT_LEAST, currency, low_minor, None)
        return ParsedAmount(original, AmountKind.RANGE, currency, low_minor, high_minor)

    value = _minor(_quantity(body), currency)
    if value <= 0:
        raise AmountError(f"{original!r} is not a positive amount")
    if at_least:
        return ParsedAmount(original, AmountKind.AT_LEAST, currency, value, None)
    if near:
        return ParsedAmount(
            original,
            AmountKind.RANGE,
            currency,
            _minor(Decimal(value) * NEAR_FACTOR / MINOR_PER_MAJOR[currency], currency),
            value,
        )
    if about:
        return ParsedAmount(original, AmountKind.APPROXIMATE, currency, value, value)
    if at_most:
        return ParsedAmount(original, AmountKind.AT_MOST, currency, 0, value)
    return ParsedAmount(original, AmountKind.EXACT, currency, value, value)


def to_cny_fen(minor: int | None, currency: str, rate_to_cny: Decimal | None) -> int | None:
    """Convert minor units of ``currency`` to fen at ``rate_to_cny`` (CNY per major unit)."""
    if minor is None:
        return None
    if currency == "CNY":
        return minor
    if rate_to_cny is None:
        raise AmountError(f"no exchange rate to CNY for {currency}")
    major = Decimal(minor) / MINOR_PER_MAJOR[currency]
    return int((major * rate_to_cny * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
