"""federated: platform features, training runs and joint models

Revision ID: federated_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "federated_0001"
down_revision = None
branch_labels = ("federated",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "federated_features",
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("enterprise_org_id", sa.String(36), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("loaded_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f("pk_federated_features")),
    )
    op.create_index(
        op.f("ix_federated_features_enterprise_org_id"), "federated_features", ["enterprise_org_id"]
    )
    op.create_table(
        "federated_runs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("bank_org_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("usccs", sa.JSON(), nullable=False),
        sa.Column("excluded", sa.Integer(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("means", sa.JSON(), nullable=False),
        sa.Column("scales", sa.JSON(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=True),
        sa.Column("boost", sa.JSON(), nullable=True),
        sa.Column("public_key", sa.String(2048), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federated_runs")),
    )
    op.create_index(op.f("ix_federated_runs_bank_org_id"), "federated_runs", ["bank_org_id"])
    op.create_table(
        "federated_models",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("bank_org_id", sa.String(36), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["federated_runs.id"],
            name=op.f("fk_federated_models_run_id_federated_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_federated_models")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_federated_models_name_version")),
    )
    op.create_index(op.f("ix_federated_models_bank_org_id"), "federated_models", ["bank_org_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_federated_models_bank_org_id"), "federated_models")
    op.drop_table("federated_models")
    op.drop_index(op.f("ix_federated_runs_bank_org_id"), "federated_runs")
    op.drop_table("federated_runs")
    op.drop_index(op.f("ix_federated_features_enterprise_org_id"), "federated_features")
    op.drop_table("federated_features")
