"""leasing: multi-party leases — parties and their shares, signatures, settlement journal

Revision ID: leasing_0003
Revises: leasing_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "leasing_0003"
down_revision = "leasing_0002"
branch_labels = None
depends_on = None

UTC = chanrong.storage.types.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("lease_contracts") as batch:
        batch.add_column(sa.Column("remainder_role", sa.String(16), nullable=True))
    op.create_table(
        "lease_parties",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("share_bps", sa.Integer(), nullable=False),
        sa.Column("fixed_fen", sa.BigInteger(), nullable=False),
        sa.Column("signed_hash", sa.String(64), nullable=True),
        sa.Column("signed_at", UTC(), nullable=True),
        sa.Column("sign_log_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["lease_contracts.id"],
            name=op.f("fk_lease_parties_contract_id_lease_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_lease_parties_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease_parties")),
        sa.UniqueConstraint("contract_id", "role", name=op.f("uq_lease_parties_contract_id_role")),
    )
    op.create_index(op.f("ix_lease_parties_contract_id"), "lease_parties", ["contract_id"])
    op.create_index(op.f("ix_lease_parties_org_id"), "lease_parties", ["org_id"])
    op.create_table(
        "lease_journal_entries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("payment_id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["lease_payments.id"],
            name=op.f("fk_lease_journal_entries_payment_id_lease_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_lease_journal_entries_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease_journal_entries")),
    )
    op.create_index(
        op.f("ix_lease_journal_entries_payment_id"), "lease_journal_entries", ["payment_id"]
    )
    op.create_index(op.f("ix_lease_journal_entries_org_id"), "lease_journal_entries", ["org_id"])
    op.create_table(
        "lease_journal_lines",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("org_id", sa.String(36), nullable=False),
        sa.Column("account", sa.String(32), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["lease_journal_entries.id"],
            name=op.f("fk_lease_journal_lines_entry_id_lease_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease_journal_lines")),
    )
    op.create_index(op.f("ix_lease_journal_lines_entry_id"), "lease_journal_lines", ["entry_id"])
    op.create_index(op.f("ix_lease_journal_lines_org_id"), "lease_journal_lines", ["org_id"])


def downgrade() -> None:
    op.drop_table("lease_journal_lines")
    op.drop_table("lease_journal_entries")
    op.drop_table("lease_parties")
    with op.batch_alter_table("lease_contracts") as batch:
        batch.drop_column("remainder_role")
