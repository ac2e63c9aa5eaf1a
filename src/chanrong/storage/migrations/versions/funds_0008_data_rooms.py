"""funds: data rooms opened from a match under a time-bound consent grant

Revision ID: funds_0008
Revises: funds_0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "funds_0008"
down_revision = "funds_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_data_rooms",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("need_id", sa.String(36), nullable=False),
        sa.Column("mandate_id", sa.String(36), nullable=False),
        sa.Column("enterprise_org_id", sa.String(36), nullable=False),
        sa.Column("investor_org_id", sa.String(36), nullable=False),
        sa.Column("grant_id", sa.String(36), nullable=False),
        sa.Column("datasets", sa.String(400), nullable=False),
        sa.Column("valid_until", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("closed_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["financing_needs.id"],
            name=op.f("fk_fund_data_rooms_need_id_financing_needs"),
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"],
            ["financing_mandates.id"],
            name=op.f("fk_fund_data_rooms_mandate_id_financing_mandates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_data_rooms")),
    )
    for col in ("need_id", "mandate_id", "enterprise_org_id", "investor_org_id"):
        op.create_index(op.f(f"ix_fund_data_rooms_{col}"), "fund_data_rooms", [col])


def downgrade() -> None:
    for col in ("investor_org_id", "enterprise_org_id", "mandate_id", "need_id"):
        op.drop_index(op.f(f"ix_fund_data_rooms_{col}"), "fund_data_rooms")
    op.drop_table("fund_data_rooms")
