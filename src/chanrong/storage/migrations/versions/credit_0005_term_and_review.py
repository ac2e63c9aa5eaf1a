"""credit: the term an application asks for; the refreshed decision an officer's review of a
stale-profile referral stands on

Revision ID: credit_0005
Revises: credit_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "credit_0005"
down_revision = "credit_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_applications") as batch:
        batch.add_column(sa.Column("term_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_inputs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("review_inputs_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credit_applications") as batch:
        batch.drop_column("review_inputs_sha256")
        batch.drop_column("review_inputs")
        batch.drop_column("term_months")
