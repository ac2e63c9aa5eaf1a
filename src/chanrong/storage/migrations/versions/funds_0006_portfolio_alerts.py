"""funds: stored portfolio alerts (投后预警) with their lifecycle

Revision ID: funds_0006
Revises: funds_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "funds_0006"
down_revision = "funds_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_portfolio_alerts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("company_org_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("first_detected_on", sa.Date(), nullable=False),
        sa.Column("last_detected_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_by", sa.String(36), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_reason", sa.String(32), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_portfolio_alerts_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_portfolio_alerts")),
    )
    op.create_index(op.f("ix_fund_portfolio_alerts_fund_id"), "fund_portfolio_alerts", ["fund_id"])
    op.create_index(
        op.f("ix_fund_portfolio_alerts_company_org_id"),
        "fund_portfolio_alerts",
        ["company_org_id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_fund_portfolio_alerts_company_org_id"), "fund_portfolio_alerts")
    op.drop_index(op.f("ix_fund_portfolio_alerts_fund_id"), "fund_portfolio_alerts")
    op.drop_table("fund_portfolio_alerts")
