"""supplychain: payment guarantees (保付), recourse claims with their schedules, trade journal

Revision ID: supplychain_0005
Revises: supplychain_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "supplychain_0005"
down_revision = "supplychain_0004"
branch_labels = None
depends_on = None

UTC = chanrong.storage.types.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _ix(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    t = "scf_payment_guarantees"
    op.create_table(
        t,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("seller_org_id", sa.String(36), nullable=False),
        sa.Column("buyer_org_id", sa.String(36), nullable=False),
        sa.Column("guarantor_org_id", sa.String(36), nullable=False),
        sa.Column("fee_payer_org_id", sa.String(36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("fee_rate_percent", sa.Numeric(9, 4), nullable=True),
        sa.Column("fee_fen", sa.BigInteger(), nullable=True),
        sa.Column("decline_reason", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTC(), nullable=False),
        sa.Column("decided_at", UTC(), nullable=True),
        sa.Column("closed_at", UTC(), nullable=True),
        sa.Column("called_at", UTC(), nullable=True),
        sa.Column("overdue_flagged_on", sa.Date(), nullable=True),
        _fk(t, "statement_id", "scf_recon_statements"),
        _fk(t, "contract_id", "scf_trade_contracts"),
        _fk(t, "seller_org_id", "organisations"),
        _fk(t, "buyer_org_id", "organisations"),
        _fk(t, "guarantor_org_id", "organisations"),
        _fk(t, "fee_payer_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    _ix(t, "statement_id", "seller_org_id", "buyer_org_id", "guarantor_org_id", "state")
    t = "scf_recourse_claims"
    op.create_table(
        t,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("guarantee_id", sa.String(36), nullable=False),
        sa.Column("guarantor_org_id", sa.String(36), nullable=False),
        sa.Column("buyer_org_id", sa.String(36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("repaid_fen", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("settled_at", UTC(), nullable=True),
        _fk(t, "guarantee_id", "scf_payment_guarantees"),
        _fk(t, "guarantor_org_id", "organisations"),
        _fk(t, "buyer_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("guarantee_id", name=op.f(f"uq_{t}_guarantee_id")),
    )
    _ix(t, "guarantor_org_id", "buyer_org_id")
    t = "scf_recourse_instalments"
    op.create_table(
        t,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("claim_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        _fk(t, "claim_id", "scf_recourse_claims"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("claim_id", "position", name=op.f(f"uq_{t}_claim_id_position")),
    )
    _ix(t, "claim_id")
    t = "scf_trade_journal_entries"
    op.create_table(
        t,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("subject_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    _ix(t, "subject_id")
    t = "scf_trade_journal_lines"
    op.create_table(
        t,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        _fk(t, "entry_id", "scf_trade_journal_entries"),
        _fk(t, "org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    _ix(t, "entry_id", "org_id")


def downgrade() -> None:
    op.drop_table("scf_trade_journal_lines")
    op.drop_table("scf_trade_journal_entries")
    op.drop_table("scf_recourse_instalments")
    op.drop_table("scf_recourse_claims")
    op.drop_table("scf_payment_guarantees")
