"""Lease products: the bounds a contract's terms must keep (pure).

A lessor chooses a contract's price, monthly minimum, grace and plausibility ceiling, but only
inside its product's bounds, so a contract cannot be written to bill an arbitrary amount
(a ¥99,999,999 minimum) or lock a machine the day a bill falls due (zero grace). The bounds
also give every bill a ceiling: no month can cost more than the minimum or the most use the
counter can prove at the product's fastest rate, priced at the contract's price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from chanrong.core.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class LeaseProduct:
    """Bounds for contracts billed on one counter. Prices in millifen (1/1000 fen) per unit."""

    unit: str
    min_price_millifen: int
    max_price_millifen: int
    max_minimum_fen: int
    min_grace_days: int
    max_grace_days: int
    # The most use an hour can prove (also the default plausibility ceiling of a contract).
    max_units_per_hour: Decimal
    max_term_days: int = 366 * 5


# Why these numbers: an industrial sewing head tops out near 6,000 stitches a minute and is
# leased for fractions of a fen per stitch; CNC and moulders for tens of yuan an hour. The
# minimum caps are a few months' heavy use, the grace floor gives a lessee a working week.
PRODUCTS: dict[str, LeaseProduct] = {
    "stitches": LeaseProduct(
        unit="stitches",
        min_price_millifen=1,  # ¥0.00001 a stitch
        max_price_millifen=1_000,  # ¥0.01 a stitch
        max_minimum_fen=500_000,  # ¥5,000 a month
        min_grace_days=5,
        max_grace_days=90,
        max_units_per_hour=Decimal(500_000),
    ),
    "runtime_h": LeaseProduct(
        unit="runtime_h",
        min_price_millifen=100_000,  # ¥1 an hour
        max_price_millifen=50_000_000,  # ¥500 an hour
        max_minimum_fen=5_000_000,  # ¥50,000 a month
        min_grace_days=5,
        max_grace_days=90,
        max_units_per_hour=Decimal("1.05"),
    ),
    "output_count": LeaseProduct(
        unit="output_count",
        min_price_millifen=100,  # ¥0.001 a piece
        max_price_millifen=10_000_000,  # ¥100 a piece
        max_minimum_fen=5_000_000,  # ¥50,000 a month
        min_grace_days=5,
        max_grace_days=90,
        max_units_per_hour=Decimal(100_000),
    ),
}


def product_for(unit: str) -> LeaseProduct:
    """The product billed on ``unit``; a 422 naming ``unit`` when there is none."""
    try:
        return PRODUCTS[unit]
    except KeyError:
        raise ValidationFailed(f"unit: one of {', '.join(PRODUCTS)}", field="unit") from None


def check_terms(
    product: LeaseProduct,
    *,
    price_millifen: int,
    minimum_fen: int,
    grace_days: int,
    max_units_per_hour: Decimal,
    term_days: int,
) -> None:
    """Refuse terms outside the product's bounds, naming the field."""
    if not product.min_price_millifen <= price_millifen <= product.max_price_millifen:
        raise ValidationFailed(
            f"price_per_unit: between {Decimal(product.min_price_millifen) / 100_000} and "
            f"{Decimal(product.max_price_millifen) / 100_000} yuan per {product.unit}",
            field="price_per_unit",
        )
    if not 0 <= minimum_fen <= product.max_minimum_fen:
        raise ValidationFailed(
            f"minimum_charge: 0 to {Decimal(product.max_minimum_fen) / 100} yuan a month",
            field="minimum_charge",
        )
    if not product.min_grace_days <= grace_days <= product.max_grace_days:
        raise ValidationFailed(
            f"grace_days: {product.min_grace_days} to {product.max_grace_days}",
            field="grace_days",
        )
    if not Decimal(0) < max_units_per_hour <= product.max_units_per_hour:
        raise ValidationFailed(
            f"max_units_per_hour: above 0 and at most {product.max_units_per_hour}",
            field="max_units_per_hour",
        )
    if term_days > product.max_term_days:
        raise ValidationFailed(
            f"end_date: a term of at most {product.max_term_days} days", field="end_date"
        )


def bill_ceiling_fen(
    *, price_millifen: int, minimum_fen: int, max_units_per_hour: Decimal, span: timedelta
) -> int:
    """The most a bill over ``span`` of counter readings can come to under these terms."""
    hours = Decimal(span.total_seconds()) / Decimal(3600)
    most = max_units_per_hour * hours * Decimal(price_millifen) / 1000
    return max(minimum_fen, int(most.quantize(Decimal(1), ROUND_HALF_UP)))
