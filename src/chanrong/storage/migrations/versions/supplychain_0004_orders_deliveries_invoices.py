"""supplychain: orders under a trade contract, deliveries with their evidence, invoices

Revision ID: supplychain_0004
Revises: supplychain_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "supplychain_0004"
down_revision = "supplychain_0003"
branch_labels = None
depends_on = None

UTC = chanrong.storage.types.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "scf_trade_orders",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("deliver_by", sa.Date(), nullable=True),
        sa.Column("placed_by_org_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        _fk("scf_trade_orders", "contract_id", "scf_trade_contracts"),
        _fk("scf_trade_orders", "placed_by_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_trade_orders")),
        sa.UniqueConstraint(
            "contract_id", "reference", name=op.f("uq_scf_trade_orders_contract_id_reference")
        ),
    )
    op.create_index(op.f("ix_scf_trade_orders_contract_id"), "scf_trade_orders", ["contract_id"])
    op.create_table(
        "scf_trade_deliveries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("quantity_shipped", sa.BigInteger(), nullable=False),
        sa.Column("shipped_on", sa.Date(), nullable=False),
        sa.Column("produced_count", sa.BigInteger(), nullable=True),
        sa.Column("produced_devices", sa.JSON(), nullable=True),
        sa.Column("produced_from", sa.Date(), nullable=True),
        sa.Column("produced_to", sa.Date(), nullable=True),
        sa.Column("received_quantity", sa.BigInteger(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("receipt_reference", sa.String(100), nullable=True),
        sa.Column("receipt_note", sa.String(500), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("received_at", UTC(), nullable=True),
        _fk("scf_trade_deliveries", "order_id", "scf_trade_orders"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_trade_deliveries")),
        sa.UniqueConstraint(
            "order_id", "reference", name=op.f("uq_scf_trade_deliveries_order_id_reference")
        ),
    )
    op.create_index(op.f("ix_scf_trade_deliveries_order_id"), "scf_trade_deliveries", ["order_id"])
    op.create_table(
        "scf_trade_invoices",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=True),
        sa.Column("line_id", sa.String(36), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        _fk("scf_trade_invoices", "contract_id", "scf_trade_contracts"),
        _fk("scf_trade_invoices", "delivery_id", "scf_trade_deliveries"),
        _fk("scf_trade_invoices", "statement_id", "scf_recon_statements"),
        _fk("scf_trade_invoices", "line_id", "scf_recon_lines"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_trade_invoices")),
        sa.UniqueConstraint("delivery_id", name=op.f("uq_scf_trade_invoices_delivery_id")),
        sa.UniqueConstraint(
            "contract_id", "number", name=op.f("uq_scf_trade_invoices_contract_id_number")
        ),
    )
    op.create_index(
        op.f("ix_scf_trade_invoices_contract_id"), "scf_trade_invoices", ["contract_id"]
    )
    op.create_index(
        op.f("ix_scf_trade_invoices_statement_id"), "scf_trade_invoices", ["statement_id"]
    )


def downgrade() -> None:
    op.drop_table("scf_trade_invoices")
    op.drop_table("scf_trade_deliveries")
    op.drop_table("scf_trade_orders")
