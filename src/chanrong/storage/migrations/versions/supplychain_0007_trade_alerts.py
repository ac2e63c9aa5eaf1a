"""supplychain: alerts on guaranteed trades (payment overdue, the buyer's data deteriorating)

Revision ID: supplychain_0007
Revises: supplychain_0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "supplychain_0007"
down_revision = "supplychain_0006"
branch_labels = None
depends_on = None

UTC = chanrong.storage.types.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    t = "scf_trade_alerts"
    op.create_table(
        t,
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("guarantee_id", sa.String(36), nullable=False),
        sa.Column("recipient_org_id", sa.String(36), nullable=False),
        sa.Column("buyer_org_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.Column("raised_at", UTC(), nullable=False),
        sa.Column("refreshed_at", UTC(), nullable=False),
        _fk(t, "guarantee_id", "scf_payment_guarantees"),
        _fk(t, "recipient_org_id", "organisations"),
        _fk(t, "buyer_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint(
            "guarantee_id",
            "recipient_org_id",
            "kind",
            name=op.f(f"uq_{t}_guarantee_id_recipient_org_id_kind"),
        ),
    )
    op.create_index(op.f(f"ix_{t}_guarantee_id"), t, ["guarantee_id"])
    op.create_index(op.f(f"ix_{t}_recipient_org_id"), t, ["recipient_org_id"])


def downgrade() -> None:
    op.drop_table("scf_trade_alerts")
