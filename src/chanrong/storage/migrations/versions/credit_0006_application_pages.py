"""credit: applications listed a page at a time, newest first, per bank and per enterprise

Revision ID: credit_0006
Revises: credit_0005
"""

from __future__ import annotations

from alembic import op

revision = "credit_0006"
down_revision = "credit_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_credit_applications_bank_created", "credit_applications", ["bank_org_id", "created_at"]
    )
    op.create_index(
        "ix_credit_applications_enterprise_created",
        "credit_applications",
        ["enterprise_org_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_credit_applications_enterprise_created", "credit_applications")
    op.drop_index("ix_credit_applications_bank_created", "credit_applications")
