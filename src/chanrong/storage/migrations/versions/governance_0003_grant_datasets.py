"""governance: a consent grant may name the datasets it covers (a data room's, an application's)

Revision ID: governance_0003
Revises: governance_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "governance_0003"
down_revision = "governance_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for every existing grant: they cover their categories whole, as they always did.
    with op.batch_alter_table("consent_grants") as batch:
        batch.add_column(sa.Column("dataset_scope", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consent_grants") as batch:
        batch.drop_column("dataset_scope")
