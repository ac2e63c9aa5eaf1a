"""identity: a stamp that every write of organisations, users and API keys replaces

Revision ID: identity_0003
Revises: identity_0002

``identity_stamp`` holds one row whose ``stamp`` the triggers below replace with a fresh
random value in the same transaction as any insert, update or delete of ``organisations``,
``users`` or ``api_keys``: a reader that sees the same stamp twice knows none of those rows
changed in between (the command link keeps the keys it verified until then). Triggers, not
the service, so that nothing writes around them (the ORM, plain SQL, a restore).

On PostgreSQL one statement-level trigger per table runs *before* the statement, so that a
transaction takes the stamp's row lock before it locks any identity row: identity writers
queue on the stamp in one order and cannot deadlock on it. SQLite has one writer at a time
and only row-level triggers.

A later migration that rebuilds one of these tables on SQLite (``batch_alter_table`` copies
it into a new table) drops its triggers: create them again there
(``tests/identity/test_identity_stamp.py`` fails on the head schema if one is missing).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0003"
down_revision = "identity_0002"
branch_labels = None
depends_on = None

_TABLES = ("organisations", "users", "api_keys")
_EVENTS = ("insert", "update", "delete")
_PG_FUNCTION = "identity_stamp_replace"
_RANDOM = {
    "postgresql": "replace(gen_random_uuid()::text, '-', '')",
    "sqlite": "lower(hex(randomblob(16)))",
}


def upgrade() -> None:
    op.create_table(
        "identity_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_stamp")),
    )
    dialect = op.get_bind().dialect.name
    # An installation that already has organisations gets its stamp now, or nothing could
    # be kept on its word until its first identity write; a new one gets none until then,
    # so that a restore still finds it empty. (Every SQL string here is made of this file's
    # constants: nothing from outside is interpolated.)
    op.execute(
        f"INSERT INTO identity_stamp (id, stamp) SELECT 1, {_RANDOM[dialect]} "  # noqa: S608
        "WHERE EXISTS (SELECT 1 FROM organisations)"
    )
    if dialect == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO identity_stamp (id, stamp)
                VALUES (1, {_RANDOM[dialect]})
                ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
                RETURN NULL;
            END
            $$
            """  # noqa: S608 (constants of this file)
        )
        for table in _TABLES:
            op.execute(
                f"CREATE TRIGGER identity_stamp_{table} "
                f"BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()"
            )
        return
    for table in _TABLES:
        for event in _EVENTS:
            op.execute(
                f"CREATE TRIGGER identity_stamp_{table}_{event} "  # noqa: S608
                f"AFTER {event.upper()} ON {table} BEGIN "
                f"INSERT INTO identity_stamp (id, stamp) VALUES (1, {_RANDOM[dialect]}) "
                "ON CONFLICT (id) DO UPDATE SET stamp = excluded.stamp; "
                "END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER identity_stamp_{table} ON {table}")
        op.execute(f"DROP FUNCTION {_PG_FUNCTION}()")
    else:
        for table in _TABLES:
            for event in _EVENTS:
                op.execute(f"DROP TRIGGER identity_stamp_{table}_{event}")
    op.drop_table("identity_stamp")
