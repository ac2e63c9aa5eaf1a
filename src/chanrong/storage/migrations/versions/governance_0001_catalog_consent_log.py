"""governance: catalog, classification changes, consent grants, access records, verifiable log

Revision ID: governance_0001
Revises:
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "governance_0001"
down_revision = None
branch_labels = ("governance",)
depends_on = ("identity_0001",)


def _org_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["organisations.id"], name=op.f(f"fk_{table}_{column}_organisations")
    )


def upgrade() -> None:
    utc = chanrong.storage.types.UTCDateTime
    op.create_table(
        "catalog_entries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_org_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("schema", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("quality_score", sa.Numeric(5, 2), nullable=True),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("suggested_category", sa.String(32), nullable=False),
        sa.Column("suggested_grade", sa.Integer(), nullable=False),
        sa.Column("suggestion_reasons", sa.JSON(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        _org_fk("catalog_entries", "owner_org_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_entries")),
        sa.UniqueConstraint(
            "owner_org_id", "name", name=op.f("uq_catalog_entries_owner_org_id_name")
        ),
    )
    op.create_index(op.f("ix_catalog_entries_owner_org_id"), "catalog_entries", ["owner_org_id"])
    op.create_table(
        "catalog_changes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("changed_by_user_id", sa.String(36), nullable=True),
        sa.Column("changed_by_org_id", sa.String(36), nullable=True),
        sa.Column("old_category", sa.String(32), nullable=True),
        sa.Column("old_grade", sa.Integer(), nullable=True),
        sa.Column("new_category", sa.String(32), nullable=False),
        sa.Column("new_grade", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["catalog_entries.id"],
            name=op.f("fk_catalog_changes_entry_id_catalog_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_changes")),
    )
    op.create_index(op.f("ix_catalog_changes_entry_id"), "catalog_changes", ["entry_id"])
    op.create_table(
        "consent_grants",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_org_id", sa.String(36), nullable=False),
        sa.Column("grantee_org_id", sa.String(36), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("max_grade", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("valid_from", utc(), nullable=False),
        sa.Column("valid_until", utc(), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("granted_by_user_id", sa.String(36), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("revoked_at", utc(), nullable=True),
        sa.Column("revoked_by_user_id", sa.String(36), nullable=True),
        sa.Column("revoke_reason", sa.String(500), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("revoke_log_index", sa.BigInteger(), nullable=True),
        _org_fk("consent_grants", "owner_org_id"),
        _org_fk("consent_grants", "grantee_org_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_grants")),
    )
    op.create_index(op.f("ix_consent_grants_owner_org_id"), "consent_grants", ["owner_org_id"])
    op.create_index(op.f("ix_consent_grants_grantee_org_id"), "consent_grants", ["grantee_org_id"])
    op.create_table(
        "access_records",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_org_id", sa.String(36), nullable=False),
        sa.Column("accessor_org_id", sa.String(36), nullable=False),
        sa.Column("accessor_user_id", sa.String(36), nullable=False),
        sa.Column("dataset", sa.String(100), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("aggregate", sa.Boolean(), nullable=False),
        sa.Column("grant_id", sa.String(36), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("at", utc(), nullable=False),
        _org_fk("access_records", "owner_org_id"),
        _org_fk("access_records", "accessor_org_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_records")),
    )
    op.create_index(op.f("ix_access_records_owner_org_id"), "access_records", ["owner_org_id"])
    op.create_index(
        op.f("ix_access_records_accessor_org_id"), "access_records", ["accessor_org_id"]
    )
    op.create_table(
        "log_entries",
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor_org_id", sa.String(36), nullable=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("index", name=op.f("pk_log_entries")),
    )
    op.create_index(op.f("ix_log_entries_kind"), "log_entries", ["kind"])
    op.create_index(op.f("ix_log_entries_actor_org_id"), "log_entries", ["actor_org_id"])
    op.create_index(op.f("ix_log_entries_subject"), "log_entries", ["subject"])
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_log_nodes")),
    )
    head = op.create_table(
        "log_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_head")),
    )
    # The one row appends lock; it exists from the start so no append has to create it.
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "size": 0,
                "frontier": [],
                "root_hash": hashlib.sha256(b"").digest(),
                "updated_at": datetime.now(UTC),
            }
        ],
    )
    op.create_table(
        "log_tree_heads",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_tree_heads")),
    )
    op.create_index(op.f("ix_log_tree_heads_size"), "log_tree_heads", ["size"])


def downgrade() -> None:
    for table in (
        "log_tree_heads",
        "log_head",
        "log_nodes",
        "log_entries",
        "access_records",
        "consent_grants",
        "catalog_changes",
        "catalog_entries",
    ):
        op.drop_table(table)
