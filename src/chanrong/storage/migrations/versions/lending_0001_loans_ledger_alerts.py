"""lending: products, LPR fixings, credit lines, loans, instalments, journal, repayments,
allocations, classifications, daily closes, alerts

Revision ID: lending_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "lending_0001"
down_revision = None
branch_labels = ("lending",)
depends_on = ("identity_0001",)


def upgrade() -> None:
    op.create_table(
        "lending_daily_closes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("lender_org_id", sa.String(length=36), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("interest_accrued_fen", sa.BigInteger(), nullable=False),
        sa.Column("penalty_accrued_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_credit_fen", sa.BigInteger(), nullable=False),
        sa.Column("balanced", sa.Boolean(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_daily_closes")),
    )
    op.create_index(
        op.f("ix_lending_daily_closes_lender_org_id"),
        "lending_daily_closes",
        ["lender_org_id"],
        unique=False,
    )
    op.create_table(
        "lending_lpr_fixings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("tenor", sa.String(length=4), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("rate", sa.String(length=32), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_lpr_fixings")),
        sa.UniqueConstraint(
            "tenor", "effective_on", name=op.f("uq_lending_lpr_fixings_tenor_effective_on")
        ),
    )
    op.create_table(
        "lending_products",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("lender_org_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("day_count", sa.String(length=8), nullable=False),
        sa.Column("rate_type", sa.String(length=8), nullable=False),
        sa.Column("fixed_rate", sa.String(length=32), nullable=True),
        sa.Column("spread", sa.String(length=32), nullable=True),
        sa.Column("lpr_tenor", sa.String(length=4), nullable=True),
        sa.Column("repricing", sa.String(length=16), nullable=True),
        sa.Column("allocation_order", sa.String(length=32), nullable=False),
        sa.Column("penalty_markup_pct", sa.String(length=32), nullable=False),
        sa.Column("max_term_months", sa.Integer(), nullable=False),
        sa.Column("max_amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lender_org_id"],
            ["organisations.id"],
            name=op.f("fk_lending_products_lender_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_products")),
        sa.UniqueConstraint(
            "lender_org_id", "code", name=op.f("uq_lending_products_lender_org_id_code")
        ),
    )
    op.create_index(
        op.f("ix_lending_products_lender_org_id"),
        "lending_products",
        ["lender_org_id"],
        unique=False,
    )
    op.create_table(
        "lending_credit_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("lender_org_id", sa.String(length=36), nullable=False),
        sa.Column("borrower_org_id", sa.String(length=36), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=True),
        sa.Column("limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("annual_rate", sa.String(length=32), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("sweep_share_pct", sa.String(length=32), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_org_id"],
            ["organisations.id"],
            name=op.f("fk_lending_credit_lines_borrower_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["lender_org_id"],
            ["organisations.id"],
            name=op.f("fk_lending_credit_lines_lender_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["lending_products.id"],
            name=op.f("fk_lending_credit_lines_product_id_lending_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_credit_lines")),
    )
    op.create_index(
        op.f("ix_lending_credit_lines_borrower_org_id"),
        "lending_credit_lines",
        ["borrower_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_lending_credit_lines_lender_org_id"),
        "lending_credit_lines",
        ["lender_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_lending_credit_lines_product_id"),
        "lending_credit_lines",
        ["product_id"],
        unique=False,
    )
    op.create_table(
        "lending_loans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product_id", sa.String(length=36), nullable=False),
        sa.Column("line_id", sa.String(length=36), nullable=True),
        sa.Column("lender_org_id", sa.String(length=36), nullable=False),
        sa.Column("borrower_org_id", sa.String(length=36), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=True),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=24), nullable=False),
        sa.Column("day_count", sa.String(length=8), nullable=False),
        sa.Column("allocation_order", sa.String(length=32), nullable=False),
        sa.Column("annual_rate", sa.String(length=32), nullable=False),
        sa.Column("spread", sa.String(length=32), nullable=True),
        sa.Column("lpr_tenor", sa.String(length=4), nullable=True),
        sa.Column("repricing", sa.String(length=16), nullable=True),
        sa.Column("penalty_markup_pct", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("sweep_share_pct", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("schedule_version", sa.Integer(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("accrued_interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("accrued_penalty_fen", sa.BigInteger(), nullable=False),
        sa.Column("closed_through", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("booked_by_user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_org_id"],
            ["organisations.id"],
            name=op.f("fk_lending_loans_borrower_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["lender_org_id"],
            ["organisations.id"],
            name=op.f("fk_lending_loans_lender_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["lending_credit_lines.id"],
            name=op.f("fk_lending_loans_line_id_lending_credit_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["lending_products.id"],
            name=op.f("fk_lending_loans_product_id_lending_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_loans")),
    )
    op.create_index(
        op.f("ix_lending_loans_borrower_org_id"), "lending_loans", ["borrower_org_id"], unique=False
    )
    op.create_index(
        op.f("ix_lending_loans_lender_org_id"), "lending_loans", ["lender_org_id"], unique=False
    )
    op.create_index(op.f("ix_lending_loans_line_id"), "lending_loans", ["line_id"], unique=False)
    op.create_index(
        op.f("ix_lending_loans_product_id"), "lending_loans", ["product_id"], unique=False
    )
    op.create_index(op.f("ix_lending_loans_status"), "lending_loans", ["status"], unique=False)
    op.create_table(
        "lending_alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("lender_org_id", sa.String(length=36), nullable=False),
        sa.Column("borrower_org_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("detected_on", sa.Date(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=36), nullable=True),
        sa.Column("acknowledged_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("resolved_at", chanrong.storage.types.UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=300), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_org_id"],
            ["organisations.id"],
            name=op.f("fk_lending_alerts_borrower_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["lender_org_id"],
            ["organisations.id"],
            name=op.f("fk_lending_alerts_lender_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["lending_loans.id"], name=op.f("fk_lending_alerts_loan_id_lending_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_alerts")),
    )
    op.create_index(
        op.f("ix_lending_alerts_borrower_org_id"),
        "lending_alerts",
        ["borrower_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_lending_alerts_lender_org_id"), "lending_alerts", ["lender_org_id"], unique=False
    )
    op.create_index(op.f("ix_lending_alerts_loan_id"), "lending_alerts", ["loan_id"], unique=False)
    op.create_index(op.f("ix_lending_alerts_status"), "lending_alerts", ["status"], unique=False)
    op.create_table(
        "lending_classifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("from_category", sa.String(length=20), nullable=False),
        sa.Column("to_category", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["lending_loans.id"],
            name=op.f("fk_lending_classifications_loan_id_lending_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_classifications")),
    )
    op.create_index(
        op.f("ix_lending_classifications_loan_id"),
        "lending_classifications",
        ["loan_id"],
        unique=False,
    )
    op.create_table(
        "lending_instalments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("accrual_start", sa.Date(), nullable=False),
        sa.Column("carried_interest_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["lending_loans.id"],
            name=op.f("fk_lending_instalments_loan_id_lending_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_instalments")),
        sa.UniqueConstraint(
            "loan_id",
            "version",
            "number",
            name=op.f("uq_lending_instalments_loan_id_version_number"),
        ),
    )
    op.create_table(
        "lending_journal_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reverses_id", sa.String(length=36), nullable=True),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["lending_loans.id"],
            name=op.f("fk_lending_journal_entries_loan_id_lending_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_journal_entries")),
    )
    op.create_index(
        op.f("ix_lending_journal_entries_loan_id"),
        "lending_journal_entries",
        ["loan_id"],
        unique=False,
    )
    op.create_table(
        "lending_journal_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["lending_journal_entries.id"],
            name=op.f("fk_lending_journal_lines_entry_id_lending_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_journal_lines")),
    )
    op.create_index(
        op.f("ix_lending_journal_lines_entry_id"),
        "lending_journal_lines",
        ["entry_id"],
        unique=False,
    )
    op.create_index(
        "ix_lending_journal_lines_loan_account",
        "lending_journal_lines",
        ["loan_id", "account"],
        unique=False,
    )
    op.create_table(
        "lending_repayments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["lending_journal_entries.id"],
            name=op.f("fk_lending_repayments_entry_id_lending_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["lending_loans.id"],
            name=op.f("fk_lending_repayments_loan_id_lending_loans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_repayments")),
        sa.UniqueConstraint(
            "loan_id", "reference", name=op.f("uq_lending_repayments_loan_id_reference")
        ),
    )
    op.create_index(
        op.f("ix_lending_repayments_loan_id"), "lending_repayments", ["loan_id"], unique=False
    )
    op.create_table(
        "lending_allocations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("repayment_id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("instalment", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["repayment_id"],
            ["lending_repayments.id"],
            name=op.f("fk_lending_allocations_repayment_id_lending_repayments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lending_allocations")),
    )
    op.create_index(
        "ix_lending_allocations_loan_instalment",
        "lending_allocations",
        ["loan_id", "instalment"],
        unique=False,
    )
    op.create_index(
        op.f("ix_lending_allocations_repayment_id"),
        "lending_allocations",
        ["repayment_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("lending_allocations")
    op.drop_table("lending_repayments")
    op.drop_table("lending_journal_lines")
    op.drop_table("lending_journal_entries")
    op.drop_table("lending_instalments")
    op.drop_table("lending_classifications")
    op.drop_table("lending_alerts")
    op.drop_table("lending_loans")
    op.drop_table("lending_credit_lines")
    op.drop_table("lending_products")
    op.drop_table("lending_lpr_fixings")
    op.drop_table("lending_daily_closes")
