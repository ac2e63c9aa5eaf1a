"""credit: default events (a loan turning non-performing, or a reported default)

Revision ID: credit_0002
Revises: credit_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "credit_0002"
down_revision = "credit_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_default_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("recorded_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_default_events_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_default_events")),
        sa.UniqueConstraint(
            "source",
            "reference",
            "occurred_on",
            name=op.f("uq_credit_default_events_source_reference_occurred_on"),
        ),
    )
    op.create_index(
        "ix_credit_default_events_org_on", "credit_default_events", ["org_id", "occurred_on"]
    )


def downgrade() -> None:
    op.drop_index("ix_credit_default_events_org_on", table_name="credit_default_events")
    op.drop_table("credit_default_events")
