"""market: import batches (rollback), mapping templates, an event's province may be unknown

Revision ID: market_0002
Revises: market_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "market_0002"
down_revision = "market_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_import_batches",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("dataset", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("new_companies", sa.JSON(), nullable=False),
        sa.Column("new_investors", sa.JSON(), nullable=False),
        sa.Column("actor_org_id", sa.String(36), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.Column("rolled_back_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_import_batches")),
    )
    op.create_index(op.f("ix_market_import_batches_dataset"), "market_import_batches", ["dataset"])
    op.create_table(
        "market_import_templates",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("dataset", sa.String(16), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_import_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_market_import_templates_name")),
    )
    with op.batch_alter_table("market_events") as batch:
        batch.alter_column("province_code", existing_type=sa.String(6), nullable=True)
        batch.add_column(sa.Column("batch_id", sa.String(36), nullable=True))
        batch.create_foreign_key(
            op.f("fk_market_events_batch_id_market_import_batches"),
            "market_import_batches",
            ["batch_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_market_events_batch_id"), ["batch_id"])


def downgrade() -> None:
    with op.batch_alter_table("market_events") as batch:
        batch.drop_index(op.f("ix_market_events_batch_id"))
        batch.drop_constraint(
            op.f("fk_market_events_batch_id_market_import_batches"), type_="foreignkey"
        )
        batch.drop_column("batch_id")
        batch.alter_column("province_code", existing_type=sa.String(6), nullable=False)
    op.drop_table("market_import_templates")
    op.drop_index(op.f("ix_market_import_batches_dataset"), "market_import_batches")
    op.drop_table("market_import_batches")
