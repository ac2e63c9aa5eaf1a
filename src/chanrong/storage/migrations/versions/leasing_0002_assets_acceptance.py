"""leasing: lessors' registered assets; contracts accepted by the lessee

Contracts written before acceptance existed were never agreed by the lessee: running ones go
back to ``proposed`` (a locked one stays locked so that settling its arrears still unlocks it).

Revision ID: leasing_0002
Revises: leasing_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "leasing_0002"
down_revision = "leasing_0001"
branch_labels = None
depends_on = None

UTC = chanrong.storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "lease_assets",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("lessor_org_id", sa.String(36), nullable=False),
        sa.Column("lessee_org_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(100), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("registered_at", UTC(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lessor_org_id"],
            ["organisations.id"],
            name=op.f("fk_lease_assets_lessor_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["lessee_org_id"],
            ["organisations.id"],
            name=op.f("fk_lease_assets_lessee_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease_assets")),
        sa.UniqueConstraint(
            "lessee_org_id", "device_id", name=op.f("uq_lease_assets_lessee_org_id_device_id")
        ),
    )
    op.create_index(op.f("ix_lease_assets_lessor_org_id"), "lease_assets", ["lessor_org_id"])
    with op.batch_alter_table("lease_contracts") as batch:
        batch.add_column(sa.Column("accepted_at", UTC(), nullable=True))
    op.execute("UPDATE lease_contracts SET state = 'proposed' WHERE state = 'active'")


def downgrade() -> None:
    with op.batch_alter_table("lease_contracts") as batch:
        batch.drop_column("accepted_at")
    op.drop_index(op.f("ix_lease_assets_lessor_org_id"), table_name="lease_assets")
    op.drop_table("lease_assets")
