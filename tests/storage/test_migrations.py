"""The migrations build exactly the schema the ORM declares, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import chanrong.api.app  # noqa: F401  (imports every domain's ORM through the routers)
from chanrong.storage import migrate
from chanrong.storage.base import Base
from chanrong.storage.database import Database


def test_schema_matches_orm(db: Database) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"migrations and ORM disagree: {diff}"


def test_database_is_at_every_head(db: Database) -> None:
    assert migrate.is_current(db.engine)
    # identity_0001 is applied though Alembic lists only the revisions depending on it.
    assert {"identity_0001", "storage_0001"} <= migrate.applied_revisions(db.engine)
    assert migrate.script_heads() <= migrate.applied_revisions(db.engine)


def test_one_branch_behind_is_not_current(db_url: str) -> None:
    migrate.downgrade(db_url, "carbon@base")
    database = Database(db_url)
    try:
        assert not migrate.is_current(database.engine)
        assert "carbon_0001" not in migrate.applied_revisions(database.engine)
    finally:
        database.dispose()
    migrate.upgrade(db_url)


def test_downgrade_and_upgrade_again(db_url: str) -> None:
    migrate.downgrade(db_url, "base")
    database = Database(db_url)
    try:
        assert migrate.current_heads(database.engine) == set()
    finally:
        database.dispose()
    migrate.upgrade(db_url)
    database = Database(db_url)
    try:
        assert migrate.is_current(database.engine)
    finally:
        database.dispose()
