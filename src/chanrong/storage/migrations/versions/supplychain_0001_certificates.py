"""supplychain: payables, certificates, financing, settlements, events

Revision ID: supplychain_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "supplychain_0001"
down_revision = None
branch_labels = ("supplychain",)
depends_on = ("identity_0001",)

UTC = chanrong.storage.types.UTCDateTime


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "scf_payables",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("identifier", sa.String(255), nullable=False),
        sa.Column("supplier_org_id", sa.String(36), nullable=False),
        sa.Column("core_org_id", sa.String(36), nullable=False),
        sa.Column("face_fen", sa.BigInteger(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        sa.Column("contract_ref", sa.String(100), nullable=False),
        sa.Column("invoice_ref", sa.String(100), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UTC(), nullable=False),
        sa.Column("decided_at", UTC(), nullable=True),
        sa.Column("settled_at", UTC(), nullable=True),
        sa.Column("reject_reason", sa.String(500), nullable=True),
        _fk("scf_payables", "supplier_org_id", "organisations"),
        _fk("scf_payables", "core_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_payables")),
        sa.UniqueConstraint("identifier", name=op.f("uq_scf_payables_identifier")),
        sa.UniqueConstraint(
            "supplier_org_id",
            "invoice_ref",
            name=op.f("uq_scf_payables_supplier_org_id_invoice_ref"),
        ),
    )
    op.create_index(op.f("ix_scf_payables_supplier_org_id"), "scf_payables", ["supplier_org_id"])
    op.create_index(op.f("ix_scf_payables_core_org_id"), "scf_payables", ["core_org_id"])
    op.create_index(op.f("ix_scf_payables_state"), "scf_payables", ["state"])

    op.create_table(
        "scf_certificates",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("identifier", sa.String(255), nullable=False),
        sa.Column("payable_id", sa.String(36), nullable=False),
        sa.Column("parent_id", sa.String(36), nullable=True),
        sa.Column("core_org_id", sa.String(36), nullable=False),
        sa.Column("holder_org_id", sa.String(36), nullable=False),
        sa.Column("face_fen", sa.BigInteger(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("closed_at", UTC(), nullable=True),
        _fk("scf_certificates", "payable_id", "scf_payables"),
        _fk("scf_certificates", "parent_id", "scf_certificates"),
        _fk("scf_certificates", "core_org_id", "organisations"),
        _fk("scf_certificates", "holder_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_certificates")),
        sa.UniqueConstraint("identifier", name=op.f("uq_scf_certificates_identifier")),
    )
    op.create_index(op.f("ix_scf_certificates_payable_id"), "scf_certificates", ["payable_id"])
    op.create_index(op.f("ix_scf_certificates_parent_id"), "scf_certificates", ["parent_id"])
    op.create_index(
        op.f("ix_scf_certificates_holder_org_id"), "scf_certificates", ["holder_org_id"]
    )

    op.create_table(
        "scf_financings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("certificate_id", sa.String(36), nullable=False),
        sa.Column("requester_org_id", sa.String(36), nullable=False),
        sa.Column("bank_org_id", sa.String(36), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("annual_rate_percent", sa.Numeric(9, 4), nullable=True),
        sa.Column("day_count", sa.String(8), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("discount_fen", sa.BigInteger(), nullable=True),
        sa.Column("proceeds_fen", sa.BigInteger(), nullable=True),
        sa.Column("bank_certificate_id", sa.String(36), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("requested_at", UTC(), nullable=False),
        sa.Column("quoted_at", UTC(), nullable=True),
        sa.Column("decided_at", UTC(), nullable=True),
        _fk("scf_financings", "certificate_id", "scf_certificates"),
        _fk("scf_financings", "requester_org_id", "organisations"),
        _fk("scf_financings", "bank_org_id", "organisations"),
        _fk("scf_financings", "bank_certificate_id", "scf_certificates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_financings")),
    )
    op.create_index(op.f("ix_scf_financings_certificate_id"), "scf_financings", ["certificate_id"])
    op.create_index(
        op.f("ix_scf_financings_requester_org_id"), "scf_financings", ["requester_org_id"]
    )
    op.create_index(op.f("ix_scf_financings_bank_org_id"), "scf_financings", ["bank_org_id"])

    op.create_table(
        "scf_settlements",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("payable_id", sa.String(36), nullable=False),
        sa.Column("certificate_id", sa.String(36), nullable=False),
        sa.Column("payee_org_id", sa.String(36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", UTC(), nullable=False),
        _fk("scf_settlements", "payable_id", "scf_payables"),
        _fk("scf_settlements", "certificate_id", "scf_certificates"),
        _fk("scf_settlements", "payee_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_settlements")),
        sa.UniqueConstraint("certificate_id", name=op.f("uq_scf_settlements_certificate_id")),
    )
    op.create_index(op.f("ix_scf_settlements_payable_id"), "scf_settlements", ["payable_id"])
    op.create_index(op.f("ix_scf_settlements_payee_org_id"), "scf_settlements", ["payee_org_id"])

    op.create_table(
        "scf_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("payable_id", sa.String(36), nullable=False),
        sa.Column("certificate_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("actor_org_id", sa.String(36), nullable=True),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("log_index", sa.BigInteger(), nullable=True),
        sa.Column("leaf_hash", sa.String(64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        _fk("scf_events", "payable_id", "scf_payables"),
        _fk("scf_events", "certificate_id", "scf_certificates"),
        _fk("scf_events", "actor_org_id", "organisations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scf_events")),
    )
    op.create_index(op.f("ix_scf_events_payable_id"), "scf_events", ["payable_id"])


def downgrade() -> None:
    op.drop_table("scf_events")
    op.drop_table("scf_settlements")
    op.drop_table("scf_financings")
    op.drop_table("scf_certificates")
    op.drop_table("scf_payables")
