"""The borrowing base: haircuts, concentration limits, and its invariants (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.assets.borrowing import AssetType, HaircutPolicy, PoolItem, borrowing_base
from chanrong.core.errors import ValidationFailed


def test_hand_worked_pool() -> None:
    """A receivable ¥100,000 due 10 days ago (0.8 × 0.9 = ¥72,000), an order ¥50,000 aged 20
    days (0.5 → ¥25,000), a dataset valued ¥40,000 with quality 75 (0.3 × 0.75 → ¥9,000):
    lendable ¥106,000. Debtor cap 30 % of 106,000 = ¥31,800 on the receivable's debtor cuts
    it by ¥40,200, so the base is ¥65,800."""
    items = [
        PoolItem("receivable:r1", AssetType.RECEIVABLE, 10_000_000, 10, debtor="D1"),
        PoolItem("order:o1", AssetType.ORDER, 5_000_000, 20, debtor="D2"),
        PoolItem("data:d1", AssetType.DATA, 4_000_000, 5, quality=Decimal(75)),
    ]
    bb = borrowing_base(items)
    assert bb.lendable_fen == 10_600_000
    assert bb.lines[0].cut_fen == 4_020_000
    assert "concentration_debtor" in bb.lines[0].reasons
    assert bb.base_fen == 6_580_000
    assert bb.available_fen(limit_fen=10_000_000, drawn_fen=6_000_000) == 580_000
    assert bb.shortfall_fen(limit_fen=10_000_000, drawn_fen=7_000_000) == 420_000


def test_ineligible_assets_lend_nothing_with_a_reason() -> None:
    bb = borrowing_base(
        [
            PoolItem("receivable:old", AssetType.RECEIVABLE, 1_000, 200, debtor="X"),
            PoolItem("data:poor", AssetType.DATA, 1_000, 1, quality=Decimal(50)),
            PoolItem("ip:lapsed", AssetType.IP, 1_000, 1, in_force=False),
        ]
    )
    assert bb.base_fen == 0
    assert [ln.reasons[0] for ln in bb.lines] == [
        "too_old",
        "quality_below_minimum",
        "not_in_force",
    ]


def test_same_asset_twice_is_refused() -> None:
    it = PoolItem("order:o1", AssetType.ORDER, 1, 1)
    with pytest.raises(ValidationFailed) as e:
        borrowing_base([it, it])
    assert e.value.field == "assets"


items_st = st.lists(
    st.builds(
        PoolItem,
        key=st.uuids().map(lambda u: f"x:{u}"),
        asset_type=st.sampled_from(list(AssetType)),
        value_fen=st.integers(0, 10**11),
        age_days=st.integers(0, 800),
        debtor=st.sampled_from([None, "A", "B", "C"]),
        quality=st.one_of(st.none(), st.decimals(0, 100, places=1)),
        in_force=st.booleans(),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(items=items_st, limit=st.integers(0, 10**12), drawn=st.integers(0, 10**12))
def test_available_never_exceeds_base_nor_limit(
    items: list[PoolItem], limit: int, drawn: int
) -> None:
    bb = borrowing_base(items)
    available = bb.available_fen(limit_fen=limit, drawn_fen=drawn)
    assert 0 <= available <= bb.base_fen
    assert available <= limit
    assert (
        bb.base_fen
        <= bb.lendable_fen
        <= sum(int(Decimal(i.value_fen) * HaircutPolicy().advance[i.asset_type]) + 1 for i in items)
    )
    # Either something can be drawn or there is a shortfall or exactly at the limit, never both.
    assert not (available > 0 and bb.shortfall_fen(limit_fen=limit, drawn_fen=drawn) > 0)


@settings(max_examples=200, deadline=None)
@given(items=items_st)
def test_concentration_limits_hold(items: list[PoolItem]) -> None:
    policy = HaircutPolicy()
    bb = borrowing_base(items, policy)
    by_debtor: dict[str, int] = {}
    for it, line in zip(items, bb.lines, strict=True):
        assert 0 <= line.cut_fen <= line.lendable_fen
        if it.debtor:
            by_debtor[it.debtor] = by_debtor.get(it.debtor, 0) + line.eligible_fen
    for total in by_debtor.values():
        assert total <= int(Decimal(bb.lendable_fen) * policy.max_debtor_share)
