"""lending: each loan's collection account (回款账户), its collections, declared related parties

Revision ID: lending_0003
Revises: lending_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "lending_0003"
down_revision = "lending_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lending_loans") as batch:
        batch.add_column(sa.Column("collection_account", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("related_parties", sa.JSON(), server_default="[]", nullable=False)
        )
        batch.create_unique_constraint(
            batch.f("uq_lending_loans_collection_account"), ["collection_account"]
        )
    # Loans booked before this revision get the virtual account a new loan would get.
    loans = sa.table(
        "lending_loans", sa.column("id", sa.String()), sa.column("collection_account", sa.String())
    )
    conn = op.get_bind()
    for (loan_id,) in conn.execute(sa.select(loans.c.id)).all():
        conn.execute(
            loans.update()
            .where(loans.c.id == loan_id)
            .values(collection_account="VA" + loan_id.replace("-", "").upper())
        )
    op.create_table(
        "lending_collections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("account", sa.String(length=40), nullable=False),
        sa.Column("payer", sa.String(length=200), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("applied_fen", sa.BigInteger(), nullable=False),
        sa.Column("released_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("repayment_id", sa.String(length=36), nullable=True),
        sa.Column("release_entry_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["lending_loans.id"],
            name=op.f("fk_lending_collections_loan_id_lending_loans"),
        ),
        sa.ForeignKeyConstraint(
            ["repayment_id"],
            ["lending_repayments.id"],
            name=op.f("fk_lending_collections_repayment_id_lending_repayments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_collections")),
        sa.UniqueConstraint(
            "loan_id", "reference", name=op.f("uq_lending_collections_loan_id_reference")
        ),
    )
    op.create_index(
        op.f("ix_lending_collections_loan_id"), "lending_collections", ["loan_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_lending_collections_loan_id"), table_name="lending_collections")
    op.drop_table("lending_collections")
    with op.batch_alter_table("lending_loans") as batch:
        batch.drop_constraint(batch.f("uq_lending_loans_collection_account"), type_="unique")
        batch.drop_column("related_parties")
        batch.drop_column("collection_account")
