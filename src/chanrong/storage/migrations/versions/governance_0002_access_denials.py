"""governance: refused attempts on an enterprise's data, shown to that enterprise

Revision ID: governance_0002
Revises: governance_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "governance_0002"
down_revision = "governance_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_denials",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("owner_org_id", sa.String(36), nullable=False),
        sa.Column("accessor_org_id", sa.String(36), nullable=False),
        sa.Column("accessor_user_id", sa.String(36), nullable=True),
        sa.Column("dataset", sa.String(100), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_access_denials_owner_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["accessor_org_id"],
            ["organisations.id"],
            name=op.f("fk_access_denials_accessor_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_denials")),
    )
    op.create_index(op.f("ix_access_denials_owner_org_id"), "access_denials", ["owner_org_id"])


def downgrade() -> None:
    op.drop_table("access_denials")
