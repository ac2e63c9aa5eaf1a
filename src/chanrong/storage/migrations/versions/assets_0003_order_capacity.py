"""assets: an order pledge's units, delivery date and production-capacity check

Revision ID: assets_0003
Revises: assets_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assets_0003"
down_revision = "assets_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("asset_pledges") as batch:
        batch.add_column(sa.Column("quantity", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("delivery_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("capacity", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("asset_pledges") as batch:
        batch.drop_column("capacity")
        batch.drop_column("delivery_date")
        batch.drop_column("quantity")
