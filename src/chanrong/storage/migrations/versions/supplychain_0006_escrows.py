"""supplychain: escrows (conditional payment held by an agent bank, four-eyes release)

Revision ID: supplychain_0006
Revises: supplychain_0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "supplychain_0006"
down_revision = "supplychain_0005"
branch_labels = None
depends_on = None

UTC = chanrong.storage.types.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    t = "scf_escrows"
    op.create_table(
        t,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("order_id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("buyer_org_id", sa.String(36), nullable=False),
        sa.Column("seller_org_id", sa.String(36), nullable=False),
        sa.Column("agent_org_id", sa.String(36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("to_seller_fen", sa.BigInteger(), nullable=True),
        sa.Column("refund_fen", sa.BigInteger(), nullable=True),
        sa.Column("dispute_reason", sa.String(500), nullable=True),
        sa.Column("disputed_by_org_id", sa.String(36), nullable=True),
        sa.Column("resolution_note", sa.String(500), nullable=True),
        sa.Column("approved_by_user_id", sa.String(36), nullable=True),
        sa.Column("approved_at", UTC(), nullable=True),
        sa.Column("released_by_user_id", sa.String(36), nullable=True),
        sa.Column("released_at", UTC(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        _fk(t, "order_id", "scf_trade_orders"),
        _fk(t, "contract_id", "scf_trade_contracts"),
        _fk(t, "buyer_org_id", "organisations"),
        _fk(t, "seller_org_id", "organisations"),
        _fk(t, "agent_org_id", "organisations"),
        _fk(t, "disputed_by_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
    )
    for column in ("order_id", "buyer_org_id", "seller_org_id", "agent_org_id"):
        op.create_index(op.f(f"ix_{t}_{column}"), t, [column])


def downgrade() -> None:
    op.drop_table("scf_escrows")
