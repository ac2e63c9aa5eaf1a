"""Money: ``Decimal`` yuan with two places at the edges, integer fen in storage. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from chanrong.core.errors import ValidationFailed

FEN_PER_YUAN = 100
_CENT = Decimal("0.01")
# 10^15 yuan (a thousand trillion): beyond any amount the platform handles, and its fen
# (10^17) still fits the 64-bit columns with room for sums.
MAX_YUAN = Decimal(10**15)


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """Parse a user-supplied amount in yuan; floats are refused because they are inexact."""
    if isinstance(value, (bool, float)):
        raise ValidationFailed(
            f"{field}: give money as a decimal string or integer, not a float", field=field
        )
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(f"{field}: {value!r} is not a number", field=field) from exc
    if not amount.is_finite():
        raise ValidationFailed(f"{field}: must be a finite number", field=field)
    if abs(amount) > MAX_YUAN:
        raise ValidationFailed(f"{field}: at most {MAX_YUAN:,} yuan", field=field)
    return amount


def yuan_to_fen(value: Decimal | int | str, *, field: str = "amount") -> int:
    """Convert yuan to integer fen; more than two decimal places is an error, not a rounding."""
    amount = to_decimal(value, field=field)
    fen = amount * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValidationFailed(f"{field}: at most two decimal places (fen)", field=field)
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen as ``Decimal`` yuan with exactly two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(_CENT)


def round_fen(value: Decimal) -> int:
    """Round a fractional fen amount half-up to whole fen (the banking convention in CNY)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_yuan(fen: int) -> str:
    """Human display: ``¥1,234.50``."""
    return f"¥{fen_to_yuan(fen):,.2f}"
