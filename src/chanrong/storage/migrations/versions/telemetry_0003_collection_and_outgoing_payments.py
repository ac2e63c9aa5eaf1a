"""telemetry: the account a customer payment went into; the enterprise's outgoing payments

Revision ID: telemetry_0003
Revises: telemetry_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "telemetry_0003"
down_revision = "telemetry_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("business_payments") as batch:
        batch.add_column(sa.Column("account", sa.String(length=200), nullable=True))
        batch.create_index(batch.f("ix_business_payments_account"), ["account"], unique=False)
    op.create_table(
        "business_outgoing_payments",
        sa.Column("payment_id", sa.String(length=200), nullable=False),
        sa.Column("payee_name", sa.String(length=200), nullable=False),
        sa.Column("payee_uscc", sa.String(length=18), nullable=True),
        sa.Column("payee_account", sa.String(length=200), nullable=True),
        sa.Column("payee_industry", sa.String(length=8), nullable=True),
        sa.Column("paid_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_outgoing_payments_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_business_outgoing_payments_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_outgoing_payments")),
        sa.UniqueConstraint(
            "org_id", "payment_id", name=op.f("uq_business_outgoing_payments_org_id_payment_id")
        ),
    )
    op.create_index(
        op.f("ix_business_outgoing_payments_batch_id"),
        "business_outgoing_payments",
        ["batch_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_business_outgoing_payments_org_id"),
        "business_outgoing_payments",
        ["org_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_business_outgoing_payments_org_id"), table_name="business_outgoing_payments"
    )
    op.drop_index(
        op.f("ix_business_outgoing_payments_batch_id"), table_name="business_outgoing_payments"
    )
    op.drop_table("business_outgoing_payments")
    with op.batch_alter_table("business_payments") as batch:
        batch.drop_index(batch.f("ix_business_payments_account"))
        batch.drop_column("account")
