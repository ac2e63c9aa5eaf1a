"""supplychain: trade contracts with payment-term flags, reconciliation statements and lines

Revision ID: supplychain_0003
Revises: supplychain_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "supplychain_0003"
down_revision = "supplychain_0002"
branch_labels = None
depends_on = None

UTC = chanrong.storage.types.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "scf_trade_contracts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("seller_org_id", sa.String(36), nullable=False),
        sa.Column("buyer_org_id", sa.String(36), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("goods", sa.String(200), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("delivery_terms", sa.String(200), nullable=False),
        sa.Column("payment_days", sa.Integer(), nullable=False),
        sa.Column("pay_when_paid", sa.Boolean(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_by_org_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        _fk("scf_trade_contracts", "seller_org_id", "organisations"),
        _fk("scf_trade_contracts", "buyer_org_id", "organisations"),
        _fk("scf_trade_contracts", "created_by_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_trade_contracts")),
    )
    op.create_index(
        op.f("ix_scf_trade_contracts_seller_org_id"), "scf_trade_contracts", ["seller_org_id"]
    )
    op.create_index(
        op.f("ix_scf_trade_contracts_buyer_org_id"), "scf_trade_contracts", ["buyer_org_id"]
    )
    op.create_table(
        "scf_recon_statements",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("issued_at", UTC(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("paid_at", UTC(), nullable=True),
        sa.Column("payment_overdue_on", sa.Date(), nullable=True),
        _fk("scf_recon_statements", "contract_id", "scf_trade_contracts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_recon_statements")),
    )
    op.create_index(
        op.f("ix_scf_recon_statements_contract_id"), "scf_recon_statements", ["contract_id"]
    )
    op.create_table(
        "scf_recon_lines",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("dispute_reason", sa.String(500), nullable=True),
        sa.Column("answered_at", UTC(), nullable=True),
        _fk("scf_recon_lines", "statement_id", "scf_recon_statements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_recon_lines")),
    )
    op.create_index(op.f("ix_scf_recon_lines_statement_id"), "scf_recon_lines", ["statement_id"])


def downgrade() -> None:
    op.drop_table("scf_recon_lines")
    op.drop_table("scf_recon_statements")
    op.drop_table("scf_trade_contracts")
