"""insurance: safety alerts sent to the insured and its insurer, with their delivery state

Revision ID: insurance_0004
Revises: insurance_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "insurance_0004"
down_revision = "insurance_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insurance_notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("recipient_org_id", sa.String(length=36), nullable=False),
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("check", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", chanrong.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_at", chanrong.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["recipient_org_id"],
            ["organisations.id"],
            name=op.f("fk_insurance_notifications_recipient_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_insurance_notifications_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_notifications")),
        sa.UniqueConstraint(
            "recipient_org_id",
            "org_id",
            "day",
            "code",
            "subject",
            name="uq_insurance_notice_once",
        ),
    )
    with op.batch_alter_table("insurance_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insurance_notifications_recipient_org_id"),
            ["recipient_org_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_insurance_notifications_org_id"), ["org_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_insurance_notifications_state"), ["state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("insurance_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insurance_notifications_state"))
        batch_op.drop_index(batch_op.f("ix_insurance_notifications_org_id"))
        batch_op.drop_index(batch_op.f("ix_insurance_notifications_recipient_org_id"))
    op.drop_table("insurance_notifications")
