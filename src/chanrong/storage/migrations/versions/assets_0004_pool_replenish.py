"""assets: a pool replenished from intake (the enterprise's open receivables join it as they
land, paid ones leave)

Revision ID: assets_0004
Revises: assets_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assets_0004"
down_revision = "assets_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("asset_pools") as batch:
        batch.add_column(
            sa.Column("replenish", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("asset_pools") as batch:
        batch.drop_column("replenish")
