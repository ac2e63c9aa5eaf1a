"""funds: funds, their cash flows and NAV statements

Revision ID: funds_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "funds_0001"
down_revision = None
branch_labels = ("funds",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "funds",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_funds_org_id_name")),
    )
    op.create_index(op.f("ix_funds_org_id"), "funds", ["org_id"])
    op.create_table(
        "fund_flows",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("lp", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_flows_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_flows")),
    )
    op.create_index(op.f("ix_fund_flows_fund_id"), "fund_flows", ["fund_id"])
    op.create_table(
        "fund_navs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("nav_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["funds.id"], name=op.f("fk_fund_navs_fund_id_funds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_navs")),
        sa.UniqueConstraint("fund_id", "on", name=op.f("uq_fund_navs_fund_id_on")),
    )
    op.create_index(op.f("ix_fund_navs_fund_id"), "fund_navs", ["fund_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fund_navs_fund_id"), "fund_navs")
    op.drop_table("fund_navs")
    op.drop_index(op.f("ix_fund_flows_fund_id"), "fund_flows")
    op.drop_table("fund_flows")
    op.drop_index(op.f("ix_funds_org_id"), "funds")
    op.drop_table("funds")
