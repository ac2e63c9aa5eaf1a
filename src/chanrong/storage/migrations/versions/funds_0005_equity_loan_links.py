"""funds: 投贷联动 — a bank's loan offer linked to an enterprise's equity round

Revision ID: funds_0005
Revises: funds_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "funds_0005"
down_revision = "funds_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("financing_needs") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    op.create_table(
        "equity_loan_links",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("bank_org_id", sa.String(36), nullable=False),
        sa.Column("need_id", sa.String(36), nullable=False),
        sa.Column("product_id", sa.String(36), nullable=False),
        sa.Column("limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("condition", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["financing_needs.id"],
            name=op.f("fk_equity_loan_links_need_id_financing_needs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_equity_loan_links")),
    )
    op.create_index(op.f("ix_equity_loan_links_bank_org_id"), "equity_loan_links", ["bank_org_id"])
    op.create_index(op.f("ix_equity_loan_links_need_id"), "equity_loan_links", ["need_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_equity_loan_links_need_id"), "equity_loan_links")
    op.drop_index(op.f("ix_equity_loan_links_bank_org_id"), "equity_loan_links")
    op.drop_table("equity_loan_links")
    with op.batch_alter_table("financing_needs") as batch:
        batch.drop_column("closed_on")
