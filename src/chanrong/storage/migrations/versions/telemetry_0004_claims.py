"""telemetry: insurance claims as business records

Revision ID: telemetry_0004
Revises: telemetry_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "telemetry_0004"
down_revision = "telemetry_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "business_claims",
        sa.Column("claim_id", sa.String(length=200), nullable=False),
        sa.Column("policy", sa.String(length=200), nullable=False),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("site", sa.String(length=200), nullable=True),
        sa.Column("loss_date", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(length=200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_claims_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_business_claims_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_claims")),
        sa.UniqueConstraint("org_id", "claim_id", name=op.f("uq_business_claims_org_id_claim_id")),
    )
    op.create_index(
        op.f("ix_business_claims_batch_id"), "business_claims", ["batch_id"], unique=False
    )
    op.create_index(op.f("ix_business_claims_org_id"), "business_claims", ["org_id"], unique=False)
    op.create_index(op.f("ix_business_claims_policy"), "business_claims", ["policy"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_business_claims_policy"), table_name="business_claims")
    op.drop_index(op.f("ix_business_claims_org_id"), table_name="business_claims")
    op.drop_index(op.f("ix_business_claims_batch_id"), table_name="business_claims")
    op.drop_table("business_claims")
