"""Parsing a caller's lending input: choices, amounts in yuan, percentages, references.

Each parser raises ``ValidationFailed`` naming the field, so bad input is a 4xx that says
which field is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import to_decimal, yuan_to_fen
from chanrong.lending.schedule import check_rate

E = TypeVar("E")


def parse_enum(enum_cls: Callable[[str], E], value: str | None, field_name: str, allowed: Any) -> E:
    """``value`` as a member of ``enum_cls``, or an error listing the allowed values."""
    try:
        return enum_cls(str(value))
    except ValueError:
        names = ", ".join(str(e.value) for e in allowed)
        raise ValidationFailed(
            f"{field_name}: {value!r} is not one of {names}", field=field_name
        ) from None


def parse_amount(value: Decimal | str | int, field_name: str) -> int:
    """A positive amount in yuan, as integer fen."""
    fen = yuan_to_fen(value, field=field_name)
    if fen <= 0:
        raise ValidationFailed(f"{field_name}: must be more than zero", field=field_name)
    return fen


def parse_pct(value: Decimal | str | int | None, field_name: str, *, default: Decimal) -> Decimal:
    """A percentage in the range a rate may take; ``default`` when not given."""
    if value is None:
        return default
    pct = to_decimal(value, field=field_name)
    return check_rate(pct, field=field_name)


def parse_reference(value: str) -> str:
    """A payment reference: 1 to 100 characters once trimmed."""
    value = value.strip()
    if not 1 <= len(value) <= 100:
        raise ValidationFailed("reference: 1 to 100 characters", field="reference")
    return value
