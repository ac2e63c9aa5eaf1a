"""Which dues a payment settles, in the order the product states. Pure: no framework.

One strategy per allocation order, after Apache Fineract's transaction-processing
strategies: a *vertical* order settles one component across every instalment before the next
component (all penalty, then all interest, then all principal); the *horizontal* order settles
instalment by instalment, oldest first. A payment is never created nor lost: what no due
absorbs comes back as ``unallocated_fen``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Component(StrEnum):
    """What a due is for."""

    PENALTY = "penalty"  # 罚息 (penalty and compound interest)
    INTEREST = "interest"  # 利息
    PRINCIPAL = "principal"  # 本金


class AllocationOrder(StrEnum):
    """Repayment allocation orders a product may choose."""

    PENALTY_INTEREST_PRINCIPAL = "penalty_interest_principal"  # 先罚息、再利息、后本金
    INTEREST_PRINCIPAL_PENALTY = "interest_principal_penalty"
    PRINCIPAL_INTEREST_PENALTY = "principal_interest_penalty"
    DUE_DATE_HORIZONTAL = "due_date_horizontal"  # 逐期结清: oldest instalment first


@dataclass(frozen=True, slots=True)
class Due:
    """An amount owed: ``instalment`` 0 is the loan-level penalty balance."""

    instalment: int
    due_date: date
    component: Component
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Part:
    instalment: int
    component: Component
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Allocation:
    """What a payment settled and what was left over."""

    amount_fen: int
    parts: tuple[Part, ...]
    unallocated_fen: int

    def total(self, component: Component) -> int:
        """Fen allocated to one component."""
        return sum(p.amount_fen for p in self.parts if p.component is component)

    @property
    def allocated_fen(self) -> int:
        return sum(p.amount_fen for p in self.parts)


SortKey = Callable[[Due], tuple[object, ...]]


def _vertical(first: Component, second: Component, third: Component) -> SortKey:
    rank = {first: 0, second: 1, third: 2}

    def key(due: Due) -> tuple[object, ...]:
        return (rank[due.component], due.due_date, due.instalment)

    return key


def _horizontal(due: Due) -> tuple[object, ...]:
    rank = {Component.PENALTY: 0, Component.INTEREST: 1, Component.PRINCIPAL: 2}
    return (due.due_date, due.instalment, rank[due.component])


STRATEGIES: dict[AllocationOrder, SortKey] = {
    AllocationOrder.PENALTY_INTEREST_PRINCIPAL: _vertical(
        Component.PENALTY, Component.INTEREST, Component.PRINCIPAL
    ),
    AllocationOrder.INTEREST_PRINCIPAL_PENALTY: _vertical(
        Component.INTEREST, Component.PRINCIPAL, Component.PENALTY
    ),
    AllocationOrder.PRINCIPAL_INTEREST_PENALTY: _vertical(
        Component.PRINCIPAL, Component.INTEREST, Component.PENALTY
    ),
    AllocationOrder.DUE_DATE_HORIZONTAL: _horizontal,
}


def allocate(amount_fen: int, dues: Sequence[Due], order: AllocationOrder) -> Allocation:
    """Settle ``dues`` with ``amount_fen`` in ``order``; the rest is ``unallocated_fen``."""
    if amount_fen < 0:
        raise ValueError("a payment cannot be negative")
    if any(d.amount_fen < 0 for d in dues):
        raise ValueError("a due cannot be negative")
    left = amount_fen
    parts: list[Part] = []
    for due in sorted(dues, key=STRATEGIES[order]):
        if left == 0:
            break
        take = min(left, due.amount_fen)
        if take:
            parts.append(Part(due.instalment, due.component, take))
            left -= take
    return Allocation(amount_fen=amount_fen, parts=tuple(parts), unallocated_fen=left)
