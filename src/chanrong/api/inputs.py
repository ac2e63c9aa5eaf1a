"""Inputs no route should ever see, refused on every API route with the field named.

Run as a router dependency, after FastAPI has read and parsed a JSON body and before the
route's own validation, over the query and path parameters and every string, key and number
of the JSON body:

- integers that do not fit the database's 64-bit columns (offsets, log indexes, ids), and
  JSON numbers of that size or not finite (``1e30``, ``NaN``): they would fail in the driver;
- lone UTF-16 surrogates (``"\\ud800"``): not text, and not encodable as UTF-8;
- NUL and other control characters except tab and line breaks: PostgreSQL refuses NUL in
  text, and a name holding one shows differently to different readers;
- Unicode bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder
  what a reader sees ("Trojan Source") and have no business in names, ids or amounts;
- dates and times outside the years 1900–2199 (``0001-01-01``, ``9999-12-31``): no record,
  grant or schedule of the platform lies there, and arithmetic on them overflows.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from fastapi import Request

from chanrong.core.errors import ValidationFailed

INT64_MAX = 2**63 - 1
# C0 controls except \t \n \r, DEL, C1 controls, bidi embeddings/overrides and isolates,
# and lone surrogates (a valid pair never reaches Python as two code points from json.loads).
_BAD_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# A decimal number written as text ("1e30", "1000…0.5"): Decimal fields parse these. Plain
# digit strings are left alone: 20-digit invoice and bank-account numbers are identifiers.
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d*)?[eE][+-]?\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
# An ISO 8601 date or date-time (what pydantic and FastAPI parse as one).
_ISO_DATE = re.compile(r"(\d{4})-\d{2}-\d{2}(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
MIN_YEAR, MAX_YEAR = 1900, 2199
_MAX_DEPTH = 64


def _describe(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF:
        return f"a lone surrogate (U+{code:04X})"
    if code in (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069):
        return f"a bidirectional control character (U+{code:04X})"
    return f"a control character (U+{code:04X})"


def check_text(value: str, field: str) -> None:
    """Refuse ``value`` if it holds a character no input may hold, or is a date outside
    the years the platform knows, naming ``field``."""
    found = _BAD_TEXT.search(value)
    if found is not None:
        raise ValidationFailed(
            f"{field}: holds {_describe(found.group())} at position {found.start()}",
            field=field,
        )
    stripped = value.strip()
    if len(stripped) <= 400 and _DECIMAL.fullmatch(stripped) and abs(Decimal(stripped)) > INT64_MAX:
        raise ValidationFailed(f"{field}: {stripped} is out of range (|n| < 2^63)", field=field)
    if len(value) <= 40 and (date := _ISO_DATE.fullmatch(stripped)) is not None:
        year = int(date.group(1))
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationFailed(
                f"{field}: year {year} is outside {MIN_YEAR}–{MAX_YEAR}", field=field
            )


def check_json(value: Any, field: str = "body", depth: int = 0) -> None:
    """Walk a parsed JSON document; the first bad string, key or number is refused."""
    if depth > _MAX_DEPTH:
        raise ValidationFailed(f"{field}: nested more than {_MAX_DEPTH} levels", field=field)
    if isinstance(value, str):
        check_text(value, field)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > INT64_MAX:
            raise ValidationFailed(f"{field}: {value} is out of range (|n| < 2^63)", field=field)
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > INT64_MAX:
            raise ValidationFailed(f"{field}: {value} is out of range", field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{field}.{key}" if field != "body" else str(key)
            check_text(str(key), name)
            check_json(item, name, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_json(item, f"{field}.{i}", depth + 1)


_int_params: dict[int, frozenset[str]] = {}


def _integer_parameters(route: Any) -> frozenset[str]:
    """The names of the query and path parameters ``route`` declares as integers (cached)."""
    if route is None:
        return frozenset()
    key = id(route)
    found = _int_params.get(key)
    if found is None:
        names: set[str] = set()
        stack = [getattr(route, "dependant", None)]
        while stack:
            dep = stack.pop()
            if dep is None:
                continue
            for param in (*dep.query_params, *dep.path_params):
                annotation = getattr(param.field_info, "annotation", None)
                if annotation is int or int in getattr(annotation, "__args__", ()):
                    names.add(param.alias)
            stack.extend(dep.dependencies)
        found = _int_params[key] = frozenset(names)
    return found


async def sane_inputs(request: Request) -> None:
    """Refuse out-of-range integers and forbidden characters in parameters and JSON bodies."""
    route = request.scope.get("route")
    integers = _integer_parameters(route)
    for name, raw in (*request.path_params.items(), *request.query_params.multi_items()):
        value = str(raw)
        check_text(value, name)
        # An integer parameter (offset, index, size) past 64 bits fails in the driver.
        if name in integers and _INTEGER.fullmatch(value.strip()) and abs(int(value)) > INT64_MAX:
            raise ValidationFailed(f"{name}: {value} is out of range (|n| < 2^63)", field=name)
    # FastAPI has already parsed the JSON body of a route that declares one; a route that
    # streams its own body (uploads) is left to read it, and checks it itself.
    if getattr(route, "body_field", None) is None:
        return
    if not hasattr(request, "_json"):
        return
    check_json(await request.json())
