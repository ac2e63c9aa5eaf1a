"""funds: enterprises' financing needs and investors' / banks' mandates (matchmaking)

Revision ID: funds_0004
Revises: funds_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "funds_0004"
down_revision = "funds_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "financing_needs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("instrument", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("use_of_funds", sa.String(500), nullable=False),
        sa.Column("sector_code", sa.String(8), nullable=True),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_needs")),
    )
    op.create_index(op.f("ix_financing_needs_org_id"), "financing_needs", ["org_id"])
    op.create_table(
        "financing_mandates",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("instruments", sa.String(100), nullable=False),
        sa.Column("sectors", sa.String(400), nullable=False),
        sa.Column("stages", sa.String(200), nullable=False),
        sa.Column("regions", sa.String(400), nullable=False),
        sa.Column("ticket_min_fen", sa.BigInteger(), nullable=True),
        sa.Column("ticket_max_fen", sa.BigInteger(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financing_mandates")),
    )
    op.create_index(op.f("ix_financing_mandates_org_id"), "financing_mandates", ["org_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_financing_mandates_org_id"), "financing_mandates")
    op.drop_table("financing_mandates")
    op.drop_index(op.f("ix_financing_needs_org_id"), "financing_needs")
    op.drop_table("financing_needs")
