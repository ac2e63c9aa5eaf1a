"""market: how many times each company was classified (the reports' cache sees every change)

Revision ID: market_0003
Revises: market_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "market_0003"
down_revision = "market_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("market_companies") as batch:
        batch.add_column(
            sa.Column("classifications", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("market_companies") as batch:
        batch.drop_column("classifications")
