"""credit: the challenger's shadow score on each application; model monitoring figures

Revision ID: credit_0004
Revises: credit_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "credit_0004"
down_revision = "credit_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_applications") as batch:
        batch.add_column(sa.Column("shadow_model_ref", sa.String(120), nullable=True))
        batch.add_column(sa.Column("shadow_pd", sa.String(24), nullable=True))
        batch.add_column(sa.Column("shadow_score", sa.String(24), nullable=True))
    op.create_table(
        "credit_model_monitoring",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("model_ref", sa.String(120), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("applications", sa.Integer(), nullable=False),
        sa.Column("psi", sa.String(24), nullable=True),
        sa.Column("csi", sa.JSON(), nullable=False),
        sa.Column("live_score", sa.JSON(), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("computed_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_model_monitoring")),
        sa.UniqueConstraint(
            "model_ref", "as_of", name=op.f("uq_credit_model_monitoring_model_ref_as_of")
        ),
    )
    op.create_index(
        op.f("ix_credit_model_monitoring_model_ref"), "credit_model_monitoring", ["model_ref"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_model_monitoring_model_ref"), "credit_model_monitoring")
    op.drop_table("credit_model_monitoring")
    with op.batch_alter_table("credit_applications") as batch:
        batch.drop_column("shadow_score")
        batch.drop_column("shadow_pd")
        batch.drop_column("shadow_model_ref")
