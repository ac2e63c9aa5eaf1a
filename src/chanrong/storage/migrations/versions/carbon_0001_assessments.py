"""carbon: monthly carbon-efficiency assessments

Revision ID: carbon_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "carbon_0001"
down_revision = None
branch_labels = ("carbon",)
depends_on = ("identity_0001",)


def upgrade() -> None:
    op.create_table(
        "carbon_assessments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("industry_code", sa.String(5), nullable=False),
        sa.Column("emissions_t", sa.String(40), nullable=False),
        sa.Column("by_carrier_t", sa.JSON(), nullable=False),
        sa.Column("value_added_fen", sa.BigInteger(), nullable=False),
        sa.Column("intensity", sa.String(40), nullable=False),
        sa.Column("industry_intensity", sa.String(40), nullable=False),
        sa.Column("k", sa.String(40), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("benchmark_scope", sa.String(5), nullable=False),
        sa.Column("peers", sa.Integer(), nullable=False),
        sa.Column("factor_versions", sa.JSON(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_carbon_assessments_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carbon_assessments")),
        sa.UniqueConstraint("org_id", "period", name=op.f("uq_carbon_assessments_org_id_period")),
    )
    op.create_index(op.f("ix_carbon_assessments_org_id"), "carbon_assessments", ["org_id"])
    op.create_index(op.f("ix_carbon_assessments_period"), "carbon_assessments", ["period"])


def downgrade() -> None:
    op.drop_table("carbon_assessments")
