"""assets: data-resource register, cost records, IP rights and pledges, valuations, pools,
pledges, revaluations, margin alerts

Revision ID: assets_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "assets_0001"
down_revision = None
branch_labels = ("assets",)
depends_on = ("identity_0001",)

TABLES = (
    "asset_margin_alerts",
    "asset_pool_revaluations",
    "asset_pledges",
    "asset_pools",
    "asset_valuations",
    "asset_ip_pledges",
    "asset_ip_rights",
    "asset_cost_records",
    "asset_data_resources",
)


def upgrade() -> None:
    op.create_table(
        "asset_data_resources",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("dataset", sa.String(length=100), nullable=False),
        sa.Column("catalog_entry_id", sa.String(length=36), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("quality_score", sa.String(length=12), nullable=True),
        sa.Column("consented_reads", sa.Integer(), nullable=False),
        sa.Column("reads_log_indexes", sa.JSON(), nullable=False),
        sa.Column("held_for", sa.String(length=16), nullable=False),
        sa.Column("formed_by", sa.String(length=16), nullable=False),
        sa.Column("controlled", sa.Boolean(), nullable=False),
        sa.Column("benefits_probable", sa.Boolean(), nullable=False),
        sa.Column("useful_life_months", sa.Integer(), nullable=True),
        sa.Column("ready_on", sa.Date(), nullable=True),
        sa.Column("refreshed_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_asset_data_resources_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_data_resources")),
        sa.UniqueConstraint(
            "org_id", "dataset", name=op.f("uq_asset_data_resources_org_id_dataset")
        ),
    )
    op.create_index(
        op.f("ix_asset_data_resources_org_id"), "asset_data_resources", ["org_id"], unique=False
    )
    op.create_table(
        "asset_ip_rights",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("owner_name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("fees_paid_until", sa.Date(), nullable=True),
        sa.Column("annual_fee_fen", sa.BigInteger(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_asset_ip_rights_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_ip_rights")),
        sa.UniqueConstraint("kind", "number", name=op.f("uq_asset_ip_rights_kind_number")),
    )
    op.create_index(op.f("ix_asset_ip_rights_org_id"), "asset_ip_rights", ["org_id"], unique=False)
    op.create_table(
        "asset_pools",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("bank_org_id", sa.String(length=36), nullable=False),
        sa.Column("limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("drawn_fen", sa.BigInteger(), nullable=False),
        sa.Column("base_fen", sa.BigInteger(), nullable=False),
        sa.Column("available_fen", sa.BigInteger(), nullable=False),
        sa.Column("revalued_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_asset_pools_bank_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_asset_pools_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_pools")),
        sa.UniqueConstraint(
            "org_id", "bank_org_id", name=op.f("uq_asset_pools_org_id_bank_org_id")
        ),
    )
    op.create_index(
        op.f("ix_asset_pools_bank_org_id"), "asset_pools", ["bank_org_id"], unique=False
    )
    op.create_index(op.f("ix_asset_pools_org_id"), "asset_pools", ["org_id"], unique=False)
    op.create_table(
        "asset_valuations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("subject_type", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("subject_name", sa.String(length=300), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("approaches", sa.JSON(), nullable=False),
        sa.Column("reconciliation", sa.JSON(), nullable=False),
        sa.Column("sensitivity", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("accounting", sa.JSON(), nullable=True),
        sa.Column("valued_by", sa.String(length=36), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_asset_valuations_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_valuations")),
    )
    op.create_index(
        op.f("ix_asset_valuations_org_id"), "asset_valuations", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_asset_valuations_subject_id"), "asset_valuations", ["subject_id"], unique=False
    )
    op.create_table(
        "asset_cost_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("resource_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.String(length=300), nullable=False),
        sa.Column("entered_by", sa.String(length=36), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["asset_data_resources.id"],
            name=op.f("fk_asset_cost_records_resource_id_asset_data_resources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_cost_records")),
    )
    op.create_index(
        op.f("ix_asset_cost_records_resource_id"),
        "asset_cost_records",
        ["resource_id"],
        unique=False,
    )
    op.create_table(
        "asset_ip_pledges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ip_id", sa.String(length=36), nullable=False),
        sa.Column("pledgee_org_id", sa.String(length=36), nullable=False),
        sa.Column("registration_no", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("close_log_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ip_id"],
            ["asset_ip_rights.id"],
            name=op.f("fk_asset_ip_pledges_ip_id_asset_ip_rights"),
        ),
        sa.ForeignKeyConstraint(
            ["pledgee_org_id"],
            ["organisations.id"],
            name=op.f("fk_asset_ip_pledges_pledgee_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_ip_pledges")),
    )
    op.create_index(op.f("ix_asset_ip_pledges_ip_id"), "asset_ip_pledges", ["ip_id"], unique=False)
    op.create_index(
        op.f("ix_asset_ip_pledges_pledgee_org_id"),
        "asset_ip_pledges",
        ["pledgee_org_id"],
        unique=False,
    )
    op.create_table(
        "asset_margin_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pool_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("bank_org_id", sa.String(length=36), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("shortfall_fen", sa.BigInteger(), nullable=False),
        sa.Column("base_fen", sa.BigInteger(), nullable=False),
        sa.Column("drawn_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_asset_margin_alerts_bank_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_asset_margin_alerts_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["asset_pools.id"], name=op.f("fk_asset_margin_alerts_pool_id_asset_pools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_margin_alerts")),
    )
    op.create_index(
        op.f("ix_asset_margin_alerts_bank_org_id"),
        "asset_margin_alerts",
        ["bank_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_asset_margin_alerts_org_id"), "asset_margin_alerts", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_asset_margin_alerts_pool_id"), "asset_margin_alerts", ["pool_id"], unique=False
    )
    op.create_table(
        "asset_pledges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pool_id", sa.String(length=36), nullable=False),
        sa.Column("asset_type", sa.String(length=20), nullable=False),
        sa.Column("asset_ref", sa.String(length=200), nullable=False),
        sa.Column("asset_key", sa.String(length=230), nullable=False),
        sa.Column("active_key", sa.String(length=230), nullable=True),
        sa.Column("declared_value_fen", sa.BigInteger(), nullable=True),
        sa.Column("debtor", sa.String(length=200), nullable=True),
        sa.Column("reference_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("pledged_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.Column("released_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("replaced_by", sa.String(length=36), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("release_log_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["asset_pools.id"], name=op.f("fk_asset_pledges_pool_id_asset_pools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_pledges")),
        sa.UniqueConstraint("active_key", name=op.f("uq_asset_pledges_active_key")),
    )
    op.create_index(
        op.f("ix_asset_pledges_asset_key"), "asset_pledges", ["asset_key"], unique=False
    )
    op.create_index(op.f("ix_asset_pledges_pool_id"), "asset_pledges", ["pool_id"], unique=False)
    op.create_table(
        "asset_pool_revaluations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pool_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("gross_fen", sa.BigInteger(), nullable=False),
        sa.Column("base_fen", sa.BigInteger(), nullable=False),
        sa.Column("limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("drawn_fen", sa.BigInteger(), nullable=False),
        sa.Column("available_fen", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pool_id"],
            ["asset_pools.id"],
            name=op.f("fk_asset_pool_revaluations_pool_id_asset_pools"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_pool_revaluations")),
        sa.UniqueConstraint(
            "pool_id", "as_of", name=op.f("uq_asset_pool_revaluations_pool_id_as_of")
        ),
    )
    op.create_index(
        op.f("ix_asset_pool_revaluations_pool_id"),
        "asset_pool_revaluations",
        ["pool_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
