"""lending: the day a non-performing loan was brought current (its observation period)

Revision ID: lending_0002
Revises: lending_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lending_0002"
down_revision = "lending_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lending_loans") as batch:
        batch.add_column(sa.Column("cured_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lending_loans") as batch:
        batch.drop_column("cured_on")
