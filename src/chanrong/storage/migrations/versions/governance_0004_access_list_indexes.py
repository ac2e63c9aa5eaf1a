"""governance: the access list and the refused attempts read newest first from an index

Revision ID: governance_0004
Revises: governance_0003
"""

from __future__ import annotations

from alembic import op

revision = "governance_0004"
down_revision = "governance_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An enterprise's page of its access list was sorted from all its rows on every read (the
    # owner's index gave the rows, not their order): a cost growing with every governed read.
    op.create_index("ix_access_records_owner_log", "access_records", ["owner_org_id", "log_index"])
    op.create_index("ix_access_denials_owner_at", "access_denials", ["owner_org_id", "at", "id"])


def downgrade() -> None:
    op.drop_index("ix_access_denials_owner_at", table_name="access_denials")
    op.drop_index("ix_access_records_owner_log", table_name="access_records")
