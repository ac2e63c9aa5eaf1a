"""insurance: devices' sites, and safety profiles and alerts per site

Revision ID: insurance_0005
Revises: insurance_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "insurance_0005"
down_revision = "insurance_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "insurance_device_sites",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("updated_at", chanrong.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_insurance_device_sites_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurance_device_sites")),
        sa.UniqueConstraint(
            "org_id", "device_id", name=op.f("uq_insurance_device_sites_org_id_device_id")
        ),
    )
    with op.batch_alter_table("insurance_device_sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_insurance_device_sites_org_id"), ["org_id"], unique=False
        )
    with op.batch_alter_table("insurance_safety_alerts") as batch:
        batch.add_column(sa.Column("site", sa.String(length=64), nullable=True))
    with op.batch_alter_table("insurance_safety_profiles") as batch:
        batch.add_column(sa.Column("site", sa.String(length=64), nullable=False, server_default=""))
        batch.drop_constraint("uq_insurance_safety_profiles_org_id_day", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_insurance_safety_profiles_org_id_day_site"), ["org_id", "day", "site"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM insurance_safety_profiles WHERE site <> ''")
    with op.batch_alter_table("insurance_safety_profiles") as batch:
        batch.drop_constraint("uq_insurance_safety_profiles_org_id_day_site", type_="unique")
        batch.create_unique_constraint(
            op.f("uq_insurance_safety_profiles_org_id_day"), ["org_id", "day"]
        )
        batch.drop_column("site")
    with op.batch_alter_table("insurance_safety_alerts") as batch:
        batch.drop_column("site")
    with op.batch_alter_table("insurance_device_sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insurance_device_sites_org_id"))
    op.drop_table("insurance_device_sites")
