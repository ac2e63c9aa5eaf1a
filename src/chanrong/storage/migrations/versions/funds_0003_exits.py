"""funds: exits from portfolio investments (IPO, M&A, buy-back, write-off)

Revision ID: funds_0003
Revises: funds_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "funds_0003"
down_revision = "funds_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_exits",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("investment_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("proceeds_fen", sa.BigInteger(), nullable=False),
        sa.Column("flow_id", sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(
            ["investment_id"],
            ["fund_investments.id"],
            name=op.f("fk_fund_exits_investment_id_fund_investments"),
        ),
        sa.ForeignKeyConstraint(
            ["flow_id"], ["fund_flows.id"], name=op.f("fk_fund_exits_flow_id_fund_flows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_exits")),
    )
    op.create_index(op.f("ix_fund_exits_investment_id"), "fund_exits", ["investment_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fund_exits_investment_id"), "fund_exits")
    op.drop_table("fund_exits")
