"""federated: a joint model's validation report and who moved its state last

Revision ID: federated_0002
Revises: federated_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "federated_0002"
down_revision = "federated_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("federated_models") as batch:
        batch.add_column(sa.Column("validation", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("state_by", sa.String(36), nullable=True))
        batch.add_column(sa.Column("state_at", chanrong.storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("federated_models") as batch:
        batch.drop_column("state_at")
        batch.drop_column("state_by")
        batch.drop_column("validation")
