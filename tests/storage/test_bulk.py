"""insert_rows: mapped objects written past the unit of work, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chanrong.core.uscc import make_uscc
from chanrong.credit.orm import Application, DefaultEvent
from chanrong.identity import service as identity
from chanrong.storage.bulk import insert_rows
from chanrong.storage.database import Database


def _application(org_id: str, bank_id: str, **extra: object) -> Application:
    values: dict[str, object] = {
        "enterprise_org_id": org_id,
        "bank_org_id": bank_id,
        "applied_by": "u",
        "product_code": "p",
        "as_of": date(2026, 1, 5),
        "requested_fen": None,
        "outcome": "approve",
        "status": "approved",
        "knockouts": [],
        "grade": "B",
        "score": "612.5",
        "pd": "0.031",
        "limit_fen": 12_345_600,
        "rate_pct": Decimal("4.15"),
        "reasons": [{"code": "R1", "text": {"zh-CN": "利用率", "en": "utilisation"}}],
        "inputs": {"features": {"utilisation": 0.61}},
        "inputs_sha256": "0" * 64,
        "model_ref": None,
        "model_manifest_sha256": None,
        "log_index": 7,
        "log_leaf_hash": "ab" * 32,
        **extra,
    }
    return Application(**values)


def test_rows_land_with_their_types_and_defaults(db: Database) -> None:
    at = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    with db.unit_of_work() as s:
        org = identity.create_organisation(
            s, name="甲厂", kind="enterprise", uscc=make_uscc("9", "1", "330500", "BULK0001").code
        )
        bank = identity.create_organisation(
            s, name="乙行", kind="financial_institution", institution_type="bank"
        )
        explicit = _application(org.id, bank.id, id="app-1", created_at=at, decided_at=at)
        # No id and no created_at: the column defaults fill them in the database.
        defaulted = _application(org.id, bank.id)
        event = DefaultEvent(
            org_id=org.id, occurred_on=date(2025, 12, 1), source="test", reference="r"
        )
        insert_rows(s, [explicit, defaulted, event])
        assert explicit not in s  # past the session: nothing to flush twice
    with db.unit_of_work() as s:
        apps = s.scalars(select(Application).order_by(Application.id)).all()
        assert len(apps) == 2
        got = next(a for a in apps if a.id == "app-1")
        assert got.created_at == at and got.decided_at == at
        assert got.reasons[0]["text"]["zh-CN"] == "利用率"
        assert got.inputs == {"features": {"utilisation": 0.61}}
        assert got.limit_fen == 12_345_600
        other = next(a for a in apps if a.id != "app-1")
        assert len(other.id) == 36 and other.created_at.tzinfo is not None
        assert other.decided_at is None
        assert s.scalars(select(DefaultEvent.reference)).all() == ["r"]


def _insert_twice(db: Database, app: Application) -> None:
    with db.unit_of_work() as s:
        insert_rows(s, [app])
        insert_rows(s, [app])  # the same primary key again


def test_nothing_is_written_when_the_transaction_fails(db: Database) -> None:
    with db.unit_of_work() as s:
        org = identity.create_organisation(
            s, name="丙厂", kind="enterprise", uscc=make_uscc("9", "1", "330500", "BULK0002").code
        )
        bank = identity.create_organisation(
            s, name="丁行", kind="financial_institution", institution_type="bank"
        )
    # The driver's IntegrityError, whichever the backend.
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"):
        _insert_twice(db, _application(org.id, bank.id, id="app-2"))
    with db.unit_of_work() as s:
        assert s.scalars(select(Application.id)).all() == []
