"""leasing: contracts, bills, payments, device commands

Revision ID: leasing_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "leasing_0001"
down_revision = None
branch_labels = ("leasing",)
depends_on = ("identity_0001",)

UTC = chanrong.storage.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "lease_contracts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("lessor_org_id", sa.String(36), nullable=False),
        sa.Column("lessee_org_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(100), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("price_millifen_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("minimum_fen", sa.BigInteger(), nullable=False),
        sa.Column("max_gap_minutes", sa.Integer(), nullable=False),
        sa.Column("max_units_per_hour", sa.String(40), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("design_life_units", sa.BigInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lessor_org_id"],
            ["organisations.id"],
            name=op.f("fk_lease_contracts_lessor_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["lessee_org_id"],
            ["organisations.id"],
            name=op.f("fk_lease_contracts_lessee_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease_contracts")),
    )
    op.create_index(op.f("ix_lease_contracts_lessor_org_id"), "lease_contracts", ["lessor_org_id"])
    op.create_index(op.f("ix_lease_contracts_lessee_org_id"), "lease_contracts", ["lessee_org_id"])
    op.create_table(
        "lease_bills",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("usage", sa.String(40), nullable=False),
        sa.Column("disputed_usage", sa.String(40), nullable=False),
        sa.Column("disputed_periods", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["lease_contracts.id"],
            name=op.f("fk_lease_bills_contract_id_lease_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease_bills")),
        sa.UniqueConstraint(
            "contract_id", "period", name=op.f("uq_lease_bills_contract_id_period")
        ),
    )
    op.create_index(op.f("ix_lease_bills_contract_id"), "lease_bills", ["contract_id"])
    op.create_table(
        "lease_payments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("bill_id", sa.String(36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", UTC(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["lease_bills.id"], name=op.f("fk_lease_payments_bill_id_lease_bills")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease_payments")),
    )
    op.create_index(op.f("ix_lease_payments_bill_id"), "lease_payments", ["bill_id"])
    op.create_table(
        "lease_device_commands",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(100), nullable=False),
        sa.Column("command", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", UTC(), nullable=False),
        sa.Column("acked_at", UTC(), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["lease_contracts.id"],
            name=op.f("fk_lease_device_commands_contract_id_lease_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease_device_commands")),
    )
    op.create_index(
        op.f("ix_lease_device_commands_contract_id"), "lease_device_commands", ["contract_id"]
    )


def downgrade() -> None:
    op.drop_table("lease_device_commands")
    op.drop_table("lease_payments")
    op.drop_table("lease_bills")
    op.drop_table("lease_contracts")
