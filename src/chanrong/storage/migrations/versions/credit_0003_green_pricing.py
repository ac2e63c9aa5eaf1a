"""credit: the green pricing a decision applied (carbon grade read, basis points)

Revision ID: credit_0003
Revises: credit_0002

Decisions made before are filled in from their recorded inputs, as the route used to compute
them on every read: the carbon grade recorded, and that grade's adjustment in the recorded
product's ``green_bp`` table when the decision has a rate.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "credit_0003"
down_revision = "credit_0002"
branch_labels = None
depends_on = None


def _green(inputs: Any, rate_pct: Any) -> tuple[int | None, int]:
    if isinstance(inputs, str):  # JSON read back as text by some drivers
        inputs = json.loads(inputs)
    grade = (inputs or {}).get("carbon_grade")
    if grade is None:
        return None, 0
    table = {
        int(g): int(bp) for g, bp in dict(inputs.get("product", {}).get("green_bp", {})).items()
    }
    return int(grade), table.get(int(grade), 0) if rate_pct else 0


def upgrade() -> None:
    with op.batch_alter_table("credit_applications") as batch:
        batch.add_column(sa.Column("carbon_grade", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("green_adjust_bp", sa.Integer(), nullable=False, server_default="0")
        )
    apps = sa.table(
        "credit_applications",
        sa.column("id", sa.String),
        sa.column("inputs", sa.JSON),
        sa.column("rate_pct", sa.Numeric),
        sa.column("carbon_grade", sa.Integer),
        sa.column("green_adjust_bp", sa.Integer),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(apps.c.id, apps.c.inputs, apps.c.rate_pct)):
        grade, bp = _green(row.inputs, row.rate_pct)
        if grade is not None:
            conn.execute(
                apps.update()
                .where(apps.c.id == row.id)
                .values(carbon_grade=grade, green_adjust_bp=bp)
            )


def downgrade() -> None:
    with op.batch_alter_table("credit_applications") as batch:
        batch.drop_column("green_adjust_bp")
        batch.drop_column("carbon_grade")
