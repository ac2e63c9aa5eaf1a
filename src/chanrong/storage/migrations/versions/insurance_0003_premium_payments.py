"""insurance: premium payments, and the day a policy's cover ended

Revision ID: insurance_0003
Revises: insurance_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "insurance_0003"
down_revision = "insurance_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("insurance_policies") as batch:
        batch.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
    op.create_table(
        "insurance_premium_payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("policy_id", sa.String(length=36), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["insurance_policies.id"],
            name=op.f("fk_insurance_premium_payments_policy_id_insurance_policies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_premium_payments")),
        sa.UniqueConstraint(
            "policy_id",
            "reference",
            name=op.f("uq_insurance_premium_payments_policy_id_reference"),
        ),
    )
    with op.batch_alter_table("insurance_premium_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insurance_premium_payments_policy_id"), ["policy_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("insurance_premium_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insurance_premium_payments_policy_id"))
    op.drop_table("insurance_premium_payments")
    with op.batch_alter_table("insurance_policies") as batch:
        batch.drop_column("ended_on")
