"""supplychain: recourse instalments flagged overdue (the day their flag went out)

Revision ID: supplychain_0008
Revises: supplychain_0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "supplychain_0008"
down_revision = "supplychain_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scf_recourse_instalments") as batch:
        batch.add_column(sa.Column("overdue_flagged_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scf_recourse_instalments") as batch:
        batch.drop_column("overdue_flagged_on")
