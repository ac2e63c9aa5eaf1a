"""assets: the trend alert (a pool's value falling, raised by the monthly run) and each
revaluation's lendable value before the concentration limits, which the trend rule follows

Revision ID: assets_0005
Revises: assets_0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "assets_0005"
down_revision = "assets_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("asset_pool_revaluations") as batch:
        batch.add_column(sa.Column("lendable_fen", sa.BigInteger(), nullable=True))
    # Revaluations stored before: their lendable value is the sum of their lines'.
    rv = sa.table(
        "asset_pool_revaluations",
        sa.column("id", sa.String()),
        sa.column("lines", sa.JSON()),
        sa.column("lendable_fen", sa.BigInteger()),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(rv.c.id, rv.c.lines)).all()
    for rid, lines in rows:
        total = sum(int(ln.get("lendable_fen") or 0) for ln in (lines or []))
        conn.execute(sa.update(rv).where(rv.c.id == rid).values(lendable_fen=total))
    op.create_table(
        "asset_trend_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("pool_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("bank_org_id", sa.String(length=36), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("ratio", sa.String(length=20), nullable=False),
        sa.Column("seasonal_factor", sa.String(length=20), nullable=True),
        sa.Column("adjusted", sa.String(length=20), nullable=False),
        sa.Column("threshold", sa.String(length=12), nullable=False),
        sa.Column("level_fen", sa.BigInteger(), nullable=False),
        sa.Column("reference_fen", sa.BigInteger(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_asset_trend_alerts_bank_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_asset_trend_alerts_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["pool_id"], ["asset_pools.id"], name=op.f("fk_asset_trend_alerts_pool_id_asset_pools")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_trend_alerts")),
        sa.UniqueConstraint(
            "pool_id", "raised_on", name=op.f("uq_asset_trend_alerts_pool_id_raised_on")
        ),
    )
    for col in ("bank_org_id", "org_id", "pool_id"):
        op.create_index(
            op.f(f"ix_asset_trend_alerts_{col}"), "asset_trend_alerts", [col], unique=False
        )


def downgrade() -> None:
    for col in ("pool_id", "org_id", "bank_org_id"):
        op.drop_index(op.f(f"ix_asset_trend_alerts_{col}"), table_name="asset_trend_alerts")
    op.drop_table("asset_trend_alerts")
    with op.batch_alter_table("asset_pool_revaluations") as batch:
        batch.drop_column("lendable_fen")
