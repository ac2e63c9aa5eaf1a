"""guarantee: risk-sharing schemes, guaranteed loans, fees, claims (代偿), recoveries, their
journal, and interest-subsidy programmes (贴息) with enrolments and payments

Revision ID: guarantee_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "guarantee_0001"
down_revision = None
branch_labels = ("guarantee",)
depends_on = ("identity_0001", "lending_0001")


def upgrade() -> None:
    op.create_table(
        "guarantee_journal_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("ref_id", sa.String(length=36), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_guarantee_journal_entries_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_journal_entries")),
    )
    op.create_index(
        op.f("ix_guarantee_journal_entries_event_id"),
        "guarantee_journal_entries",
        ["event_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_guarantee_journal_entries_org_id"),
        "guarantee_journal_entries",
        ["org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_guarantee_journal_entries_ref_id"),
        "guarantee_journal_entries",
        ["ref_id"],
        unique=False,
    )
    op.create_table(
        "guarantee_schemes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner_org_id", sa.String(length=36), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("sharer_orgs", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_org_id"],
            ["organisations.id"],
            name=op.f("fk_guarantee_schemes_owner_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_schemes")),
        sa.UniqueConstraint("code", name=op.f("uq_guarantee_schemes_code")),
    )
    op.create_index(
        op.f("ix_guarantee_schemes_owner_org_id"),
        "guarantee_schemes",
        ["owner_org_id"],
        unique=False,
    )
    op.create_table(
        "subsidy_programmes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("gov_org_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("eligibility", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("spent_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gov_org_id"],
            ["organisations.id"],
            name=op.f("fk_subsidy_programmes_gov_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_programmes")),
    )
    op.create_index(
        op.f("ix_subsidy_programmes_gov_org_id"), "subsidy_programmes", ["gov_org_id"], unique=False
    )
    op.create_table(
        "guarantee_journal_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("entry_id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["guarantee_journal_entries.id"],
            name=op.f("fk_guarantee_journal_lines_entry_id_guarantee_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_journal_lines")),
    )
    op.create_index(
        op.f("ix_guarantee_journal_lines_entry_id"),
        "guarantee_journal_lines",
        ["entry_id"],
        unique=False,
    )
    op.create_index(
        "ix_guarantee_journal_lines_org_account",
        "guarantee_journal_lines",
        ["org_id", "account"],
        unique=False,
    )
    op.create_table(
        "guarantee_guarantees",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scheme_id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("guarantor_org_id", sa.String(length=36), nullable=False),
        sa.Column("bank_org_id", sa.String(length=36), nullable=False),
        sa.Column("borrower_org_id", sa.String(length=36), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fees_through", sa.Date(), nullable=False),
        sa.Column("refusal", sa.String(length=40), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_guarantee_guarantees_bank_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["borrower_org_id"],
            ["organisations.id"],
            name=op.f("fk_guarantee_guarantees_borrower_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["guarantor_org_id"],
            ["organisations.id"],
            name=op.f("fk_guarantee_guarantees_guarantor_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["lending_loans.id"],
            name=op.f("fk_guarantee_guarantees_loan_id_lending_loans"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["guarantee_schemes.id"],
            name=op.f("fk_guarantee_guarantees_scheme_id_guarantee_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_guarantees")),
        sa.UniqueConstraint("loan_id", name=op.f("uq_guarantee_guarantees_loan_id")),
    )
    op.create_index(
        op.f("ix_guarantee_guarantees_bank_org_id"),
        "guarantee_guarantees",
        ["bank_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_guarantee_guarantees_borrower_org_id"),
        "guarantee_guarantees",
        ["borrower_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_guarantee_guarantees_guarantor_org_id"),
        "guarantee_guarantees",
        ["guarantor_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_guarantee_guarantees_scheme_id"),
        "guarantee_guarantees",
        ["scheme_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_guarantee_guarantees_status"), "guarantee_guarantees", ["status"], unique=False
    )
    op.create_table(
        "subsidy_enrolments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("borrower_org_id", sa.String(length=36), nullable=False),
        sa.Column("bank_org_id", sa.String(length=36), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("annual_rate", sa.String(length=40), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_org_id"],
            ["organisations.id"],
            name=op.f("fk_subsidy_enrolments_bank_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["borrower_org_id"],
            ["organisations.id"],
            name=op.f("fk_subsidy_enrolments_borrower_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["lending_loans.id"],
            name=op.f("fk_subsidy_enrolments_loan_id_lending_loans"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["subsidy_programmes.id"],
            name=op.f("fk_subsidy_enrolments_programme_id_subsidy_programmes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_enrolments")),
        sa.UniqueConstraint(
            "programme_id", "loan_id", name=op.f("uq_subsidy_enrolments_programme_id_loan_id")
        ),
    )
    op.create_index(
        op.f("ix_subsidy_enrolments_borrower_org_id"),
        "subsidy_enrolments",
        ["borrower_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_subsidy_enrolments_loan_id"), "subsidy_enrolments", ["loan_id"], unique=False
    )
    op.create_index(
        op.f("ix_subsidy_enrolments_programme_id"),
        "subsidy_enrolments",
        ["programme_id"],
        unique=False,
    )
    op.create_table(
        "subsidy_payments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("programme_id", sa.String(length=36), nullable=False),
        sa.Column("loan_id", sa.String(length=36), nullable=False),
        sa.Column("borrower_org_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("interest_paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("computed_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("limited_by", sa.String(length=16), nullable=True),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["borrower_org_id"],
            ["organisations.id"],
            name=op.f("fk_subsidy_payments_borrower_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["lending_loans.id"],
            name=op.f("fk_subsidy_payments_loan_id_lending_loans"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["subsidy_programmes.id"],
            name=op.f("fk_subsidy_payments_programme_id_subsidy_programmes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_payments")),
        sa.UniqueConstraint(
            "programme_id",
            "loan_id",
            "period",
            name=op.f("uq_subsidy_payments_programme_id_loan_id_period"),
        ),
    )
    op.create_index(
        op.f("ix_subsidy_payments_borrower_org_id"),
        "subsidy_payments",
        ["borrower_org_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_subsidy_payments_programme_id"), "subsidy_payments", ["programme_id"], unique=False
    )
    op.create_table(
        "guarantee_claims",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("guarantee_id", sa.String(length=36), nullable=False),
        sa.Column("scheme_id", sa.String(length=36), nullable=False),
        sa.Column("default_on", sa.Date(), nullable=False),
        sa.Column("unpaid_fen", sa.BigInteger(), nullable=False),
        sa.Column("bank_fen", sa.BigInteger(), nullable=False),
        sa.Column("compensation_fen", sa.BigInteger(), nullable=False),
        sa.Column("guarantor_fen", sa.BigInteger(), nullable=False),
        sa.Column("sharers", sa.JSON(), nullable=False),
        sa.Column("limited_by", sa.JSON(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("payout_log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guarantee_id"],
            ["guarantee_guarantees.id"],
            name=op.f("fk_guarantee_claims_guarantee_id_guarantee_guarantees"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["guarantee_schemes.id"],
            name=op.f("fk_guarantee_claims_scheme_id_guarantee_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_claims")),
        sa.UniqueConstraint("guarantee_id", name=op.f("uq_guarantee_claims_guarantee_id")),
    )
    op.create_index(
        op.f("ix_guarantee_claims_scheme_id"), "guarantee_claims", ["scheme_id"], unique=False
    )
    op.create_table(
        "guarantee_fees",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("guarantee_id", sa.String(length=36), nullable=False),
        sa.Column("scheme_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=24), nullable=False),
        sa.Column("payer_org_id", sa.String(length=36), nullable=False),
        sa.Column("payee_org_id", sa.String(length=36), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("rate_pct", sa.String(length=40), nullable=False),
        sa.Column("base_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("counts_for_caps", sa.Boolean(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guarantee_id"],
            ["guarantee_guarantees.id"],
            name=op.f("fk_guarantee_fees_guarantee_id_guarantee_guarantees"),
        ),
        sa.ForeignKeyConstraint(
            ["payee_org_id"],
            ["organisations.id"],
            name=op.f("fk_guarantee_fees_payee_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["payer_org_id"],
            ["organisations.id"],
            name=op.f("fk_guarantee_fees_payer_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["guarantee_schemes.id"],
            name=op.f("fk_guarantee_fees_scheme_id_guarantee_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_fees")),
        sa.UniqueConstraint(
            "guarantee_id",
            "name",
            "period_start",
            name=op.f("uq_guarantee_fees_guarantee_id_name_period_start"),
        ),
    )
    op.create_index(
        op.f("ix_guarantee_fees_guarantee_id"), "guarantee_fees", ["guarantee_id"], unique=False
    )
    op.create_index(
        op.f("ix_guarantee_fees_payee_org_id"), "guarantee_fees", ["payee_org_id"], unique=False
    )
    op.create_index(
        op.f("ix_guarantee_fees_payer_org_id"), "guarantee_fees", ["payer_org_id"], unique=False
    )
    op.create_index(
        op.f("ix_guarantee_fees_scheme_id"), "guarantee_fees", ["scheme_id"], unique=False
    )
    op.create_table(
        "guarantee_recoveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("claim_id", sa.String(length=36), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.JSON(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["guarantee_claims.id"],
            name=op.f("fk_guarantee_recoveries_claim_id_guarantee_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_recoveries")),
    )
    op.create_index(
        op.f("ix_guarantee_recoveries_claim_id"), "guarantee_recoveries", ["claim_id"], unique=False
    )


def downgrade() -> None:

    op.drop_index(op.f("ix_guarantee_recoveries_claim_id"), table_name="guarantee_recoveries")
    op.drop_table("guarantee_recoveries")
    op.drop_index(op.f("ix_guarantee_fees_scheme_id"), table_name="guarantee_fees")
    op.drop_index(op.f("ix_guarantee_fees_payer_org_id"), table_name="guarantee_fees")
    op.drop_index(op.f("ix_guarantee_fees_payee_org_id"), table_name="guarantee_fees")
    op.drop_index(op.f("ix_guarantee_fees_guarantee_id"), table_name="guarantee_fees")
    op.drop_table("guarantee_fees")
    op.drop_index(op.f("ix_guarantee_claims_scheme_id"), table_name="guarantee_claims")
    op.drop_table("guarantee_claims")
    op.drop_index(op.f("ix_subsidy_payments_programme_id"), table_name="subsidy_payments")
    op.drop_index(op.f("ix_subsidy_payments_borrower_org_id"), table_name="subsidy_payments")
    op.drop_table("subsidy_payments")
    op.drop_index(op.f("ix_subsidy_enrolments_programme_id"), table_name="subsidy_enrolments")
    op.drop_index(op.f("ix_subsidy_enrolments_loan_id"), table_name="subsidy_enrolments")
    op.drop_index(op.f("ix_subsidy_enrolments_borrower_org_id"), table_name="subsidy_enrolments")
    op.drop_table("subsidy_enrolments")
    op.drop_index(op.f("ix_guarantee_guarantees_status"), table_name="guarantee_guarantees")
    op.drop_index(op.f("ix_guarantee_guarantees_scheme_id"), table_name="guarantee_guarantees")
    op.drop_index(
        op.f("ix_guarantee_guarantees_guarantor_org_id"), table_name="guarantee_guarantees"
    )
    op.drop_index(
        op.f("ix_guarantee_guarantees_borrower_org_id"), table_name="guarantee_guarantees"
    )
    op.drop_index(op.f("ix_guarantee_guarantees_bank_org_id"), table_name="guarantee_guarantees")
    op.drop_table("guarantee_guarantees")
    op.drop_index("ix_guarantee_journal_lines_org_account", table_name="guarantee_journal_lines")
    op.drop_index(op.f("ix_guarantee_journal_lines_entry_id"), table_name="guarantee_journal_lines")
    op.drop_table("guarantee_journal_lines")
    op.drop_index(op.f("ix_subsidy_programmes_gov_org_id"), table_name="subsidy_programmes")
    op.drop_table("subsidy_programmes")
    op.drop_index(op.f("ix_guarantee_schemes_owner_org_id"), table_name="guarantee_schemes")
    op.drop_table("guarantee_schemes")
    op.drop_index(
        op.f("ix_guarantee_journal_entries_ref_id"), table_name="guarantee_journal_entries"
    )
    op.drop_index(
        op.f("ix_guarantee_journal_entries_org_id"), table_name="guarantee_journal_entries"
    )
    op.drop_index(
        op.f("ix_guarantee_journal_entries_event_id"), table_name="guarantee_journal_entries"
    )
    op.drop_table("guarantee_journal_entries")
