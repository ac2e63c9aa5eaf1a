"""leasing_0002: contracts written before acceptance existed were never agreed by the lessee."""

from __future__ import annotations

from sqlalchemy import text

from chanrong.core.clock import utcnow
from chanrong.storage import migrate
from chanrong.storage.database import Database
from tests.builders import Park


def test_unaccepted_running_contracts_go_back_to_proposed(
    db_url: str, db: Database, park: Park
) -> None:
    migrate.downgrade(db_url, "leasing_0001")
    lessor, lessee = park["lessor"]["officer"].org_id, park["enterprise"]["admin"].org_id
    insert = text(
        "INSERT INTO lease_contracts (id, lessor_org_id, lessee_org_id, device_id, unit,"
        " price_millifen_per_unit, minimum_fen, max_gap_minutes, max_units_per_hour,"
        " grace_days, cost_fen, design_life_units, start_date, end_date, state, created_at)"
        " VALUES (:id, :lessor, :lessee, 'sew-01', 'stitches', 20, 9999999900, 120, '500000',"
        " 0, 100000, 1000, '2026-01-01', '2027-01-01', :state, :at)"
    )
    with db.engine.begin() as conn:
        for cid, state in (("c-active", "active"), ("c-locked", "locked"), ("c-ended", "ended")):
            conn.execute(
                insert,
                {"id": cid, "lessor": lessor, "lessee": lessee, "state": state, "at": utcnow()},
            )
    db.engine.dispose()
    migrate.upgrade(db_url)
    with db.engine.connect() as conn:
        rows = dict(
            conn.execute(text("SELECT id, state FROM lease_contracts WHERE accepted_at IS NULL"))
            .tuples()
            .all()
        )
    # A locked one stays locked so settling its arrears still unlocks it.
    assert rows == {"c-active": "proposed", "c-locked": "locked", "c-ended": "ended"}
