"""supplychain: overdue certificates, recourse agreed at financing, exposure limits, journal

Revision ID: supplychain_0002
Revises: supplychain_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "supplychain_0002"
down_revision = "supplychain_0001"
branch_labels = None
depends_on = None

UTC = chanrong.storage.types.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    with op.batch_alter_table("scf_financings") as batch:
        batch.add_column(
            sa.Column("recourse", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("scf_certificates") as batch:
        batch.add_column(sa.Column("overdue_since", sa.Date(), nullable=True))
    op.create_table(
        "scf_exposure_limits",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("bank_org_id", sa.String(36), nullable=False),
        sa.Column("core_org_id", sa.String(36), nullable=False),
        sa.Column("limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("set_at", UTC(), nullable=False),
        _fk("scf_exposure_limits", "bank_org_id", "organisations"),
        _fk("scf_exposure_limits", "core_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_exposure_limits")),
        sa.UniqueConstraint(
            "bank_org_id",
            "core_org_id",
            name=op.f("uq_scf_exposure_limits_bank_org_id_core_org_id"),
        ),
    )
    op.create_index(
        op.f("ix_scf_exposure_limits_bank_org_id"), "scf_exposure_limits", ["bank_org_id"]
    )
    op.create_table(
        "scf_journal_entries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("payable_id", sa.String(36), nullable=False),
        sa.Column("certificate_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        _fk("scf_journal_entries", "payable_id", "scf_payables"),
        _fk("scf_journal_entries", "certificate_id", "scf_certificates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_journal_entries")),
    )
    op.create_index(
        op.f("ix_scf_journal_entries_payable_id"), "scf_journal_entries", ["payable_id"]
    )
    op.create_table(
        "scf_journal_lines",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        _fk("scf_journal_lines", "entry_id", "scf_journal_entries"),
        _fk("scf_journal_lines", "org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_journal_lines")),
    )
    op.create_index(op.f("ix_scf_journal_lines_entry_id"), "scf_journal_lines", ["entry_id"])
    op.create_index(op.f("ix_scf_journal_lines_org_id"), "scf_journal_lines", ["org_id"])


def downgrade() -> None:
    op.drop_table("scf_journal_lines")
    op.drop_table("scf_journal_entries")
    op.drop_table("scf_exposure_limits")
    with op.batch_alter_table("scf_certificates") as batch:
        batch.drop_column("overdue_since")
    with op.batch_alter_table("scf_financings") as batch:
        batch.drop_column("recourse")
