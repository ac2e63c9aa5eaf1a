"""Inventory and warehouse receipts valued from their stock movements: the pure position
worked by hand, then through intake into a pool whose base moves with goods going out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from chanrong.assets.stock import Movement, position
from chanrong.storage.database import Database
from tests.assets.builders import credit_line, draw, land
from tests.builders import Park

D = date(2026, 6, 1)
WR = "88.608.8889/WR-7001"


def test_position_worked_by_hand() -> None:
    moves = [
        Movement(date(2026, 6, 1), "in", Decimal(100), 50_000),  # 100 t at ¥500
        Movement(date(2026, 6, 5), "out", Decimal(30)),
        Movement(date(2026, 6, 9), "in", Decimal("20.5"), 52_000),  # price now ¥520
        Movement(date(2026, 7, 1), "out", Decimal(90)),  # after the as-of date: not counted
    ]
    pos = position(moves, date(2026, 6, 30))
    assert pos is not None
    assert pos.quantity == Decimal("90.5") and pos.unit_value_fen == 52_000
    assert pos.value_fen == 4_706_000  # 90.5 × ¥520 = ¥47,060
    assert pos.movements == 3 and pos.last_moved_on == date(2026, 6, 9)
    assert position(moves, date(2026, 5, 31)) is None  # no evidence yet: declared value stands
    later = position(moves, date(2026, 7, 1))
    assert later is not None and later.quantity == Decimal("0.5") and later.value_fen == 26_000


def test_out_beyond_balance_lends_nothing_until_a_count() -> None:
    moves = [
        Movement(date(2026, 6, 1), "in", Decimal(10), 1_000),
        Movement(date(2026, 6, 2), "out", Decimal(12)),
    ]
    pos = position(moves, date(2026, 6, 2))
    assert pos is not None and pos.overdrawn and pos.quantity == 0 and pos.value_fen == 0
    moves.append(Movement(date(2026, 6, 3), "count", Decimal(7), 1_100))
    pos = position(moves, date(2026, 6, 3))
    assert pos is not None and not pos.overdrawn and pos.value_fen == 7_700


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["in", "out", "count"]),
            st.integers(0, 500),
            st.integers(1, 100_000),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_position_never_negative_and_value_is_balance_times_price(
    script: list[tuple[str, int, int]],
) -> None:
    moves = [Movement(D, d, Decimal(q), None if d == "out" else price) for d, q, price in script]
    pos = position(moves, D)
    assert pos is not None and pos.quantity >= 0 and pos.value_fen >= 0
    if not pos.overdrawn and pos.unit_value_fen is not None:
        assert pos.value_fen == int(pos.quantity * pos.unit_value_fen)


def test_unknown_direction_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        position([Movement(D, "lost", Decimal(1), 1)], D)


def _moves(db: Database, org_id: str, rows: list[tuple[str, str, str, str, str | None]]) -> None:
    land(
        db,
        org_id,
        "stock_movements",
        [
            {
                "movement_id": mid,
                "item": WR,
                "moved_on": on,
                "direction": d,
                "quantity": q,
                "unit": "t",
                **({"unit_value": v} if v else {}),
            }
            for mid, on, d, q, v in rows
        ],
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_receipt_in_pool_moves_with_stock(app_client: TestClient, db: Database, park: Park) -> None:
    """A warehouse receipt with stock movements needs no declared value; goods going out lower
    the pool's base until the drawn balance is uncovered and a margin alert is raised."""
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    # An unknown direction is refused at intake, naming the field.
    bad = app_client.post(
        f"/telemetry/orgs/{ent.org_id}/records/stock_movements",
        json={"records": [
            {"movement_id": "X", "item": WR, "moved_on": "2026-06-01",
             "direction": "lost", "quantity": "1", "unit_value": "1"},
            {"movement_id": "Y", "item": WR, "moved_on": "2026-06-01",
             "direction": "in", "quantity": "1"},
        ]},
        headers=ent.headers,
    )  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert [e["column"] for e in bad.json()["errors"]] == ["direction", "unit_value"]
    _moves(db, ent.org_id, [("M1", "2026-06-01", "in", "100", "500")])
    pool = app_client.post(
        "/assets/pools", json={"enterprise_org_id": ent.org_id, "limit": "100000"},
        headers=bank.headers,
    ).json()  # fmt: skip
    r = app_client.post(
        f"/assets/pools/{pool['id']}/pledges",
        json={"asset_type": "warehouse_receipt", "asset_ref": WR, "reference_date": "2026-06-01",
              "on": "2026-06-10"},
        headers=ent.headers,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    line_id = credit_line(app_client, bank.headers, ent.org_id, limit="100000")
    r = app_client.put(
        f"/assets/pools/{pool['id']}/line", json={"line_id": line_id, "as_of": "2026-06-10"},
        headers=bank.headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["base_fen"] == 3_500_000  # 100 t × ¥500 × 0.70
    draw(app_client, ent.headers, line_id, amount="30000", on="2026-06-10")

    def revalue(on: str) -> dict[str, int]:
        r = app_client.post(
            f"/assets/pools/{pool['id']}/revalue", json={"as_of": on}, headers=bank.headers
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    rv = revalue("2026-06-10")
    assert rv["drawn_fen"] == 3_000_000 and rv["available_fen"] == 500_000
    # 40 t go out: 60 t × ¥500 × 0.7 = ¥21,000 < ¥30,000 drawn.
    _moves(db, ent.org_id, [("M2", "2026-06-12", "out", "40", None)])
    rv = revalue("2026-06-12")
    assert rv["base_fen"] == 2_100_000 and rv["available_fen"] == 0
    [line] = rv["lines"]
    assert line["value_fen"] == 3_000_000  # type: ignore[index]
    alerts = app_client.get("/assets/alerts", headers=ent.headers).json()
    assert len(alerts) == 1 and alerts[0]["shortfall_fen"] == 900_000
    # A stocktake restates the lot at a higher price: covered again, the alert resolves.
    _moves(db, ent.org_id, [("M3", "2026-06-15", "count", "90", "520")])
    rv = revalue("2026-06-15")
    assert rv["base_fen"] == 3_276_000  # 90 × ¥520 × 0.7
    assert app_client.get("/assets/alerts", headers=bank.headers).json()[0]["status"] == (
        "resolved"
    )
    # Everything goes out: a lot with nothing left cannot be pledged into another pool either.
    _moves(db, ent.org_id, [("M4", "2026-06-20", "out", "90", None)])
    assert revalue("2026-06-20")["base_fen"] == 0
