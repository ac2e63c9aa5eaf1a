"""jobs: events of one topic and subject within one second share a row

Revision ID: jobs_0002
Revises: jobs_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "jobs_0002"
down_revision = "jobs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_events") as batch:
        batch.add_column(sa.Column("bucket", sa.String(40), nullable=True))
    # Events waiting from before: each keeps a bucket of its own (its id).
    op.execute("UPDATE job_events SET bucket = id")
    with op.batch_alter_table("job_events") as batch:
        batch.alter_column("bucket", existing_type=sa.String(40), nullable=False)
        batch.create_unique_constraint(
            "uq_job_events_topic_subject_bucket", ["topic", "subject", "bucket"]
        )
    op.create_index("ix_job_events_at", "job_events", ["at"])


def downgrade() -> None:
    op.drop_index("ix_job_events_at", "job_events")
    with op.batch_alter_table("job_events") as batch:
        batch.drop_constraint("uq_job_events_topic_subject_bucket", type_="unique")
        batch.drop_column("bucket")
