"""财会〔2023〕11号 treatment and amortisation."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.assets.accounting import (
    CostKind,
    FormedBy,
    HeldFor,
    Treatment,
    amortise,
    recognise,
)
from chanrong.core.errors import ValidationFailed

COSTS = {CostKind.COLLECTION: 300_000, CostKind.PROCESSING: 200_000, CostKind.RESEARCH: 50_000}


def test_own_use_is_intangible_and_research_expensed() -> None:
    r = recognise(
        held_for=HeldFor.OWN_USE,
        formed_by=FormedBy.DEVELOPED,
        costs_fen=COSTS,
        controlled=True,
        benefits_probable=True,
    )
    assert r.treatment is Treatment.INTANGIBLE
    assert (r.capitalised_fen, r.expensed_fen) == (500_000, 50_000)
    assert "amortisation_method_and_useful_life" in r.disclosure


def test_held_for_sale_is_inventory() -> None:
    r = recognise(
        held_for=HeldFor.SALE,
        formed_by=FormedBy.PURCHASED,
        costs_fen={CostKind.PURCHASE: 1_000},
        controlled=True,
        benefits_probable=True,
    )
    assert r.treatment is Treatment.INVENTORY
    assert "net_realisable_value_write_down" in r.disclosure


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"controlled": False}, "not_controlled"),
        ({"benefits_probable": False}, "benefits_not_probable"),
        ({"costs_fen": {CostKind.RESEARCH: 10}}, "no_reliable_cost"),
        ({"held_for": HeldFor.UNDECIDED}, "purpose_not_decided"),
    ],
)
def test_not_recognised_with_reason(kwargs: dict[str, object], reason: str) -> None:
    base: dict[str, object] = {
        "held_for": HeldFor.OWN_USE,
        "formed_by": FormedBy.DEVELOPED,
        "costs_fen": COSTS,
        "controlled": True,
        "benefits_probable": True,
    }
    r = recognise(**{**base, **kwargs})  # type: ignore[arg-type]
    assert r.treatment is Treatment.NOT_RECOGNISED
    assert reason in r.reasons
    assert r.capitalised_fen == 0
    assert "voluntary_description" in r.disclosure


def test_amortisation_hand_worked() -> None:
    """¥1,000.00 over 36 months from July 2024: 100,000 / 36 = 2,777.78 fen a month; 2024 has 6
    months (16,667 fen after rounding the cumulative), 2025 and 2026 twelve, 2027 the last six
    that land exactly on the cost."""
    lines, carrying = amortise(
        100_000, useful_life_months=36, start=date(2024, 7, 1), as_of=date(2025, 6, 30)
    )
    assert [ln.year for ln in lines] == [2024, 2025, 2026, 2027]
    assert lines[0].charge_fen == 16_667
    assert sum(ln.charge_fen for ln in lines) == 100_000
    assert lines[-1].carrying_fen == 0
    assert carrying == 100_000 - 33_333  # 12 months done: round(2,777.78 × 12) = 33,333


def test_amortisation_refuses_bad_life() -> None:
    with pytest.raises(ValidationFailed) as e:
        amortise(1, useful_life_months=0, start=date(2024, 1, 1), as_of=date(2024, 1, 1))
    assert e.value.field == "useful_life_months"
