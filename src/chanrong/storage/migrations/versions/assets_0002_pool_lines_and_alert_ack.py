"""assets: the lending credit line a pool secures (its drawn balance is read from lending), and
the bank's acknowledgement of a margin alert

Revision ID: assets_0002
Revises: assets_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "assets_0002"
down_revision = "assets_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("asset_pools") as batch:
        batch.add_column(sa.Column("line_id", sa.String(length=36), nullable=True))
        batch.create_unique_constraint(op.f("uq_asset_pools_line_id"), ["line_id"])
    with op.batch_alter_table("asset_margin_alerts") as batch:
        batch.add_column(sa.Column("line_id", sa.String(length=36), nullable=True))
        batch.add_column(
            sa.Column("acknowledged_at", chanrong.storage.types.UTCDateTime(), nullable=True)
        )
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("ack_log_index", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("asset_margin_alerts") as batch:
        batch.drop_column("ack_log_index")
        batch.drop_column("acknowledged_by")
        batch.drop_column("acknowledged_at")
        batch.drop_column("line_id")
    with op.batch_alter_table("asset_pools") as batch:
        batch.drop_constraint(op.f("uq_asset_pools_line_id"), type_="unique")
        batch.drop_column("line_id")
