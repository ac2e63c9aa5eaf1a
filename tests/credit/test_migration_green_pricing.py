"""Migration credit_0003 keeps the green pricing of decisions made before it: the carbon grade
and the adjustment, filled in from each decision's recorded inputs as the route used to
compute them on every read."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from chanrong.storage import migrate
from tests.builders import Park

V1 = json.loads((Path(__file__).parent / "data" / "decisions_v1.json").read_text("utf-8"))


def test_decisions_made_before_keep_their_green_pricing(db_url: str, park: Park) -> None:
    migrate.downgrade(db_url, "credit_0002")
    engine = sa.create_engine(db_url)
    meta = sa.MetaData()
    table = sa.Table("credit_applications", meta, autoload_with=engine)
    assert "green_adjust_bp" not in table.c
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    rows = [
        {
            "id": f"app-{i}",
            "enterprise_org_id": ent.org_id,
            "bank_org_id": bank.org_id,
            "applied_by": bank.user_id,
            "product_code": "op-loan",
            "as_of": date(2025, 6, 2),
            "requested_fen": c["inputs"]["requested_fen"],
            "outcome": c["outcome"],
            "status": c["status"],
            "knockouts": c["knockouts"],
            "grade": c["grade"],
            "score": c["score"],
            "pd": c["pd"],
            "limit_fen": c["limit_fen"],
            "rate_pct": Decimal(c["rate_pct"]) if c["rate_pct"] else None,
            "reasons": c["reasons"],
            "inputs": c["inputs"],
            "inputs_sha256": "0" * 64,
            "model_ref": None,
            "model_manifest_sha256": None,
            "log_index": i,
            "log_leaf_hash": "0" * 64,
            "created_at": datetime(2025, 6, 2, tzinfo=UTC),
        }
        for i, c in enumerate(V1)
    ]
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    engine.dispose()
    migrate.upgrade(db_url)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            query = sa.text("SELECT id, carbon_grade, green_adjust_bp FROM credit_applications")
            got = {r.id: (r.carbon_grade, r.green_adjust_bp) for r in conn.execute(query)}
    finally:
        engine.dispose()
    assert got == {f"app-{i}": (c["carbon_grade"], c["green_adjust_bp"]) for i, c in enumerate(V1)}
    assert {bp for _, bp in got.values()} >= {0, -15, 20}
