"""funds: watch lists and the deal pipeline fed by market events

Revision ID: funds_0007
Revises: funds_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "funds_0007"
down_revision = "funds_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_watchlist",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_watchlist_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_watchlist")),
        sa.UniqueConstraint(
            "fund_id", "company_name", name=op.f("uq_fund_watchlist_fund_id_company_name")
        ),
    )
    op.create_index(op.f("ix_fund_watchlist_fund_id"), "fund_watchlist", ["fund_id"])
    op.create_table(
        "fund_deals",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_ref", sa.String(36), nullable=True),
        sa.Column("round", sa.String(24), nullable=True),
        sa.Column("event_date", sa.Date(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_deals_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_deals")),
        sa.UniqueConstraint("fund_id", "source_ref", name=op.f("uq_fund_deals_fund_id_source_ref")),
    )
    op.create_index(op.f("ix_fund_deals_fund_id"), "fund_deals", ["fund_id"])
    op.create_table(
        "fund_deal_moves",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("deal_id", sa.String(36), nullable=False),
        sa.Column("from_stage", sa.String(16), nullable=True),
        sa.Column("to_stage", sa.String(16), nullable=False),
        sa.Column("by_user", sa.String(36), nullable=True),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column("at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["fund_deals.id"], name=op.f("fk_fund_deal_moves_deal_id_fund_deals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_deal_moves")),
    )
    op.create_index(op.f("ix_fund_deal_moves_deal_id"), "fund_deal_moves", ["deal_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_fund_deal_moves_deal_id"), "fund_deal_moves")
    op.drop_table("fund_deal_moves")
    op.drop_index(op.f("ix_fund_deals_fund_id"), "fund_deals")
    op.drop_table("fund_deals")
    op.drop_index(op.f("ix_fund_watchlist_fund_id"), "fund_watchlist")
    op.drop_table("fund_watchlist")
