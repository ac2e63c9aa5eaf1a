"""telemetry: every ingestion batch counts what it refused (by reason) and its duplicates

Revision ID: telemetry_0002
Revises: telemetry_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "telemetry_0002"
down_revision = "telemetry_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batches recorded before this revision refused nothing they kept (a refused telemetry
    # upload left no batch; a refused records upload kept its errors), hence the defaults.
    with op.batch_alter_table("telemetry_batches") as batch:
        batch.add_column(
            sa.Column("rows_rejected", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("rows_duplicate", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column("rejected_by_reason", sa.JSON(), server_default="{}", nullable=False)
        )
    # A records upload refused before this revision refused every row it received: each row
    # with an error under its first error's column, the others as refused with the batch.
    batches = sa.table(
        "telemetry_batches",
        sa.column("id", sa.String()),
        sa.column("status", sa.String()),
        sa.column("rows_received", sa.Integer()),
        sa.column("rows_rejected", sa.Integer()),
        sa.column("rejected_by_reason", sa.JSON()),
        sa.column("errors", sa.JSON()),
    )
    conn = op.get_bind()
    refused = conn.execute(
        sa.select(batches.c.id, batches.c.rows_received, batches.c.errors).where(
            batches.c.status == "rejected"
        )
    ).all()
    for batch_id, received, errors in refused:
        first: dict[object, str] = {}
        for e in errors or []:
            first.setdefault(e.get("row"), str(e.get("column")))
        reasons: dict[str, int] = {}
        for column in first.values():
            reasons[column] = reasons.get(column, 0) + 1
        if received > len(first):
            reasons["refused_with_batch"] = received - len(first)
        conn.execute(
            batches.update()
            .where(batches.c.id == batch_id)
            .values(rows_rejected=received, rejected_by_reason=reasons)
        )


def downgrade() -> None:
    with op.batch_alter_table("telemetry_batches") as batch:
        batch.drop_column("rejected_by_reason")
        batch.drop_column("rows_duplicate")
        batch.drop_column("rows_rejected")
