"""GB/T 4754-2017 industry and GB/T 2260 administrative-division code tables.

The tables ship as CSV data in ``core/data``. Industry codes are validated to the division
(大类) level: a code is a section letter, optionally followed by a two-digit division of that
section and up to two more digits (group 中类, class 小类). Region codes are validated to the
province level and named down to the prefecture where the shipped table knows it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from chanrong.core.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class Industry:
    code: str
    section: str
    division: str | None
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    province_code: str
    province_zh: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("chanrong.core").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def sections() -> dict[str, dict[str, str]]:
    """Section letter -> names."""
    return {r["section"]: r for r in _rows("gbt4754_2017_sections.csv")}


@cache
def divisions() -> dict[str, dict[str, str]]:
    """Two-digit division -> row with its section and names."""
    return {r["division"]: r for r in _rows("gbt4754_2017_divisions.csv")}


@cache
def regions() -> dict[str, dict[str, str]]:
    """Six-digit code -> row."""
    return {r["code"]: r for r in _rows("gbt2260_regions.csv")}


def validate_industry(raw: str, *, field: str = "industry_code") -> Industry:
    """Validate a GB/T 4754-2017 code such as ``C``, ``C34`` or ``C3411``."""
    code = raw.strip().upper()
    if not code or code[0] not in sections():
        raise ValidationFailed(
            f"{field}: {raw!r} must start with a GB/T 4754 section letter A-T", field=field
        )
    section = code[0]
    digits = code[1:]
    if not digits:
        s = sections()[section]
        return Industry(code, section, None, s["name_zh"], s["name_en"])
    if not digits.isdigit() or len(digits) not in (2, 3, 4):
        raise ValidationFailed(
            f"{field}: {raw!r} must be a section letter followed by 2, 3 or 4 digits",
            field=field,
        )
    div = divisions().get(digits[:2])
    if div is None:
        raise ValidationFailed(f"{field}: division {digits[:2]} does not exist", field=field)
    if div["section"] != section:
        raise ValidationFailed(
            f"{field}: division {digits[:2]} belongs to section {div['section']}, not {section}",
            field=field,
        )
    return Industry(code, section, digits[:2], div["name_zh"], div["name_en"])


def validate_region(raw: str, *, field: str = "region_code") -> Region:
    """Validate a six-digit GB/T 2260 code whose province exists; name it as closely as known."""
    code = raw.strip()
    if len(code) != 6 or not code.isdigit():
        raise ValidationFailed(f"{field}: {raw!r} must be a 6-digit division code", field=field)
    table = regions()
    province = table.get(code[:2] + "0000")
    if province is None:
        raise ValidationFailed(f"{field}: province {code[:2]} does not exist", field=field)
    known = table.get(code) or table.get(code[:4] + "00") or province
    return Region(code, known["name_zh"], known["name_en"], province["code"], province["name_zh"])
