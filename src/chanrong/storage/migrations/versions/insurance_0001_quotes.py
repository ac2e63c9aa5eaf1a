"""insurance: premium quotes

Revision ID: insurance_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "insurance_0001"
down_revision = None
branch_labels = ("insurance",)
depends_on = ("identity_0001",)


def upgrade() -> None:
    op.create_table(
        "insurance_quotes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("insurer_org_id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("base_premium_fen", sa.BigInteger(), nullable=False),
        sa.Column("multiplier", sa.String(16), nullable=False),
        sa.Column("premium_fen", sa.BigInteger(), nullable=False),
        sa.Column("index", sa.String(16), nullable=False),
        sa.Column("band", sa.String(2), nullable=False),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["insurer_org_id"],
            ["organisations.id"],
            name=op.f("fk_insurance_quotes_insurer_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_insurance_quotes_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_quotes")),
    )
    op.create_index(
        op.f("ix_insurance_quotes_insurer_org_id"), "insurance_quotes", ["insurer_org_id"]
    )
    op.create_index(op.f("ix_insurance_quotes_org_id"), "insurance_quotes", ["org_id"])


def downgrade() -> None:
    op.drop_table("insurance_quotes")
