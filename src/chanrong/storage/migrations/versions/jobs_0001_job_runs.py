"""jobs: the worker's run record and event outbox; on PostgreSQL, the task queue's schema

Revision ID: jobs_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "jobs_0001"
down_revision = None
branch_labels = ("jobs",)
depends_on = None

# procrastinate (the distributed task queue used on PostgreSQL) keeps its tables, types and
# functions in a schema of its own, so they never mix with chanrong's tables. Its SQL is the
# schema of the pinned version (pyproject: procrastinate>=3.10,<3.11); a newer version's
# migrations (procrastinate/sql/migrations) would come as a later revision of this branch.
QUEUE_SCHEMA = "procrastinate"


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.Column("not_before", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.Column("window_closes_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("dispatched_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("worker", sa.String(100), nullable=True),
        sa.Column("claim", sa.String(36), nullable=True),
        sa.Column("lease_until", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("started_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint(
            "name", "period", "subject", name=op.f("uq_job_runs_name_period_subject")
        ),
    )
    op.create_index("ix_job_runs_status_not_before", "job_runs", ["status", "not_before"])
    op.create_index("ix_job_runs_name_created_at", "job_runs", ["name", "created_at"])
    op.create_table(
        "job_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
    )
    op.create_index(op.f("ix_job_events_topic"), "job_events", ["topic"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        bind.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}")
        # The queue's SQL names no schema: create its objects inside its own.
        bind.exec_driver_sql(f"SET LOCAL search_path TO {QUEUE_SCHEMA}")
        # The driver formats parameters even when there are none: a literal % is written %%.
        bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
        bind.exec_driver_sql("SET LOCAL search_path TO DEFAULT")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(f"DROP SCHEMA IF EXISTS {QUEUE_SCHEMA} CASCADE")
    op.drop_table("job_events")
    op.drop_table("job_runs")
