"""funds: guide-fund structure (terms, closes, commitments) and portfolio investments

Revision ID: funds_0002
Revises: funds_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "funds_0002"
down_revision = "funds_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_terms",
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("parent_fund_id", sa.String(36), nullable=True),
        sa.Column("guide_contribution_fen", sa.BigInteger(), nullable=True),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.Column("required_reinvest_ratio", sa.Numeric(8, 4), nullable=True),
        sa.Column("mandated_sectors", sa.String(400), nullable=True),
        sa.Column("sponsor_org_id", sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_terms_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["parent_fund_id"], ["funds.id"], name=op.f("fk_fund_terms_parent_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("fund_id", name=op.f("pk_fund_terms")),
    )
    op.create_index(op.f("ix_fund_terms_parent_fund_id"), "fund_terms", ["parent_fund_id"])
    op.create_index(op.f("ix_fund_terms_sponsor_org_id"), "fund_terms", ["sponsor_org_id"])
    op.create_table(
        "fund_closes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_closes_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_closes")),
    )
    op.create_index(op.f("ix_fund_closes_fund_id"), "fund_closes", ["fund_id"])
    op.create_table(
        "fund_commitments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("lp", sa.String(200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("close_id", sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_commitments_fund_id_funds")
        ),
        sa.ForeignKeyConstraint(
            ["close_id"], ["fund_closes.id"], name=op.f("fk_fund_commitments_close_id_fund_closes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_commitments")),
    )
    op.create_index(op.f("ix_fund_commitments_fund_id"), "fund_commitments", ["fund_id"])
    op.create_table(
        "fund_investments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("fund_id", sa.String(36), nullable=False),
        sa.Column("company_org_id", sa.String(36), nullable=True),
        sa.Column("company_name", sa.String(200), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("sector_code", sa.String(8), nullable=True),
        sa.Column("region_code", sa.String(6), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_id"], ["funds.id"], name=op.f("fk_fund_investments_fund_id_funds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_investments")),
    )
    op.create_index(op.f("ix_fund_investments_fund_id"), "fund_investments", ["fund_id"])
    op.create_index(
        op.f("ix_fund_investments_company_org_id"), "fund_investments", ["company_org_id"]
    )


def downgrade() -> None:
    for table, cols in (
        ("fund_investments", ("company_org_id", "fund_id")),
        ("fund_commitments", ("fund_id",)),
        ("fund_closes", ("fund_id",)),
        ("fund_terms", ("sponsor_org_id", "parent_fund_id")),
    ):
        for col in cols:
            op.drop_index(op.f(f"ix_{table}_{col}"), table)
        op.drop_table(table)
