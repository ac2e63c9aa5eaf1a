"""credit: profile snapshots and credit applications

Revision ID: credit_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "credit_0001"
down_revision = None
branch_labels = ("credit",)
depends_on = ("identity_0001",)


def upgrade() -> None:
    op.create_table(
        "credit_profiles",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("revenue_12m_fen", sa.BigInteger(), nullable=False),
        sa.Column("open_orders_fen", sa.BigInteger(), nullable=False),
        sa.Column("receivables_fen", sa.BigInteger(), nullable=False),
        sa.Column("last_default_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_credit_profiles_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_profiles")),
    )
    op.create_index("ix_credit_profiles_org_as_of", "credit_profiles", ["org_id", "as_of"])
    op.create_table(
        "credit_applications",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("enterprise_org_id", sa.String(36), nullable=False),
        sa.Column("bank_org_id", sa.String(36), nullable=False),
        sa.Column("applied_by", sa.String(36), nullable=False),
        sa.Column("product_code", sa.String(40), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("requested_fen", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("knockouts", sa.JSON(), nullable=False),
        sa.Column("grade", sa.String(4), nullable=True),
        sa.Column("score", sa.String(24), nullable=True),
        sa.Column("pd", sa.String(24), nullable=True),
        sa.Column("limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate_pct", sa.Numeric(7, 2), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("model_ref", sa.String(120), nullable=True),
        sa.Column("model_manifest_sha256", sa.String(64), nullable=True),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("log_leaf_hash", sa.String(64), nullable=False),
        sa.Column("officer_id", sa.String(36), nullable=True),
        sa.Column("officer_note", sa.String(500), nullable=True),
        sa.Column("officer_log_index", sa.Integer(), nullable=True),
        sa.Column("decided_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_applications_enterprise_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_credit_applications_bank_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_applications")),
    )
    op.create_index(
        op.f("ix_credit_applications_enterprise_org_id"),
        "credit_applications",
        ["enterprise_org_id"],
    )
    op.create_index(
        op.f("ix_credit_applications_bank_org_id"), "credit_applications", ["bank_org_id"]
    )
    op.create_index(op.f("ix_credit_applications_status"), "credit_applications", ["status"])


def downgrade() -> None:
    op.drop_table("credit_applications")
    op.drop_table("credit_profiles")
