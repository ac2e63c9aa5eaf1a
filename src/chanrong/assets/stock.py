"""An inventory lot's or a warehouse receipt's position from its stock movements (pure).

Movements come from the enterprise's records through intake (``stock_movements``): goods
``in`` add to the balance, goods ``out`` take from it, a ``count`` sets it (a stocktake or the
warehouse's statement). The lot is worth its balance at the latest unit value stated (in and
count movements state one, an out may). A movement taking out more than is held leaves the
balance at zero and is flagged: the records contradict each other, and nothing is lent on it
until a count restates the lot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chanrong.core.money import round_fen


@dataclass(frozen=True, slots=True)
class Movement:
    moved_on: date
    direction: str  # in | out | count
    quantity: Decimal
    unit_value_fen: int | None = None


@dataclass(frozen=True, slots=True)
class StockPosition:
    quantity: Decimal
    unit_value_fen: int | None  # latest stated; None: never stated
    value_fen: int
    movements: int
    last_moved_on: date
    overdrawn: bool  # an out exceeded the balance at some point


def position(movements: Iterable[Movement], as_of: date) -> StockPosition | None:
    """The position on ``as_of`` from the movements up to it (in date order, stable), or None
    when there is none: then the lot has no movement evidence and its declared value stands."""
    seen = sorted((m for m in movements if m.moved_on <= as_of), key=lambda m: m.moved_on)
    if not seen:
        return None
    qty, unit, overdrawn = Decimal(0), None, False
    for m in seen:
        if m.quantity < 0:
            raise ValueError("quantity must not be negative")
        if m.direction == "in":
            qty += m.quantity
        elif m.direction == "out":
            if m.quantity > qty:
                overdrawn = True
            qty = max(Decimal(0), qty - m.quantity)
        elif m.direction == "count":
            qty, overdrawn = m.quantity, False  # a stocktake restates the lot
        else:
            raise ValueError(f"direction {m.direction!r}: in, out or count")
        if m.unit_value_fen is not None:
            unit = m.unit_value_fen
    value = 0 if unit is None or overdrawn else round_fen(qty * unit)
    return StockPosition(qty, unit, value, len(seen), seen[-1].moved_on, overdrawn)
