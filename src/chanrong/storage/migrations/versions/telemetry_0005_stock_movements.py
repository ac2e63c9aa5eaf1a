"""telemetry: stock movements (inventory lots and warehouse receipts) as business records

Revision ID: telemetry_0005
Revises: telemetry_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "telemetry_0005"
down_revision = "telemetry_0004"
branch_labels = None
depends_on = None

T = "business_stock_movements"


def upgrade() -> None:
    op.create_table(
        T,
        sa.Column("movement_id", sa.String(length=200), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("unit_value_fen", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_stock_movements_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_business_stock_movements_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_stock_movements")),
        sa.UniqueConstraint(
            "org_id", "movement_id", name=op.f("uq_business_stock_movements_org_id_movement_id")
        ),
    )
    op.create_index(op.f("ix_business_stock_movements_batch_id"), T, ["batch_id"], unique=False)
    op.create_index(op.f("ix_business_stock_movements_org_id"), T, ["org_id"], unique=False)
    op.create_index(op.f("ix_business_stock_movements_item"), T, ["item"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_business_stock_movements_item"), table_name=T)
    op.drop_index(op.f("ix_business_stock_movements_org_id"), table_name=T)
    op.drop_index(op.f("ix_business_stock_movements_batch_id"), table_name=T)
    op.drop_table(T)
