"""telemetry: device and metric registry, ingestion batches, business records, quality scores

Revision ID: telemetry_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "telemetry_0001"
down_revision = None
branch_labels = ("telemetry",)
depends_on = ("identity_0001",)


def upgrade() -> None:
    op.create_table(
        "telemetry_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_received", sa.Integer(), nullable=False),
        sa.Column("rows_accepted", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_telemetry_batches_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_batches")),
    )
    op.create_index(
        op.f("ix_telemetry_batches_org_id"), "telemetry_batches", ["org_id"], unique=False
    )
    op.create_table(
        "telemetry_devices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("identifier", sa.String(length=120), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("rated_kw", sa.Float(), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_telemetry_devices_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_devices")),
        sa.UniqueConstraint(
            "org_id", "device_id", name=op.f("uq_telemetry_devices_org_id_device_id")
        ),
    )
    op.create_index(
        op.f("ix_telemetry_devices_org_id"), "telemetry_devices", ["org_id"], unique=False
    )
    op.create_table(
        "telemetry_metrics",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("expected_interval_s", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_telemetry_metrics_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_metrics")),
        sa.UniqueConstraint("org_id", "metric", name=op.f("uq_telemetry_metrics_org_id_metric")),
    )
    op.create_index(
        op.f("ix_telemetry_metrics_org_id"), "telemetry_metrics", ["org_id"], unique=False
    )
    op.create_table(
        "telemetry_quality_scores",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("checked", sa.BigInteger(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("computed_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_telemetry_quality_scores_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telemetry_quality_scores")),
        sa.UniqueConstraint(
            "org_id",
            "day",
            "scope",
            "subject",
            name=op.f("uq_telemetry_quality_scores_org_id_day_scope_subject"),
        ),
    )
    op.create_index(
        op.f("ix_telemetry_quality_scores_day"), "telemetry_quality_scores", ["day"], unique=False
    )
    op.create_index(
        op.f("ix_telemetry_quality_scores_org_id"),
        "telemetry_quality_scores",
        ["org_id"],
        unique=False,
    )
    op.create_table(
        "business_cloud_usage",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("compute_hours", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("api_calls", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("storage_gb", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_cloud_usage_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_business_cloud_usage_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_cloud_usage")),
        sa.UniqueConstraint("org_id", "day", name=op.f("uq_business_cloud_usage_org_id_day")),
    )
    op.create_index(
        op.f("ix_business_cloud_usage_batch_id"), "business_cloud_usage", ["batch_id"], unique=False
    )
    op.create_index(
        op.f("ix_business_cloud_usage_org_id"), "business_cloud_usage", ["org_id"], unique=False
    )
    op.create_table(
        "business_energy_bills",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("electricity_kwh", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("gas_m3", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("coal_t", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("steam_t", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("output_value_fen", sa.BigInteger(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_energy_bills_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_business_energy_bills_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_energy_bills")),
        sa.UniqueConstraint("org_id", "month", name=op.f("uq_business_energy_bills_org_id_month")),
    )
    op.create_index(
        op.f("ix_business_energy_bills_batch_id"),
        "business_energy_bills",
        ["batch_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_business_energy_bills_org_id"), "business_energy_bills", ["org_id"], unique=False
    )
    op.create_table(
        "business_invoices",
        sa.Column("invoice_id", sa.String(length=200), nullable=False),
        sa.Column("order_id", sa.String(length=200), nullable=True),
        sa.Column("buyer_uscc", sa.String(length=18), nullable=True),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_invoices_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_business_invoices_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_invoices")),
        sa.UniqueConstraint(
            "org_id", "invoice_id", name=op.f("uq_business_invoices_org_id_invoice_id")
        ),
    )
    op.create_index(
        op.f("ix_business_invoices_batch_id"), "business_invoices", ["batch_id"], unique=False
    )
    op.create_index(
        op.f("ix_business_invoices_org_id"), "business_invoices", ["org_id"], unique=False
    )
    op.create_table(
        "business_orders",
        sa.Column("order_id", sa.String(length=200), nullable=False),
        sa.Column("buyer_uscc", sa.String(length=18), nullable=True),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_orders_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_business_orders_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_orders")),
        sa.UniqueConstraint("org_id", "order_id", name=op.f("uq_business_orders_org_id_order_id")),
    )
    op.create_index(
        op.f("ix_business_orders_batch_id"), "business_orders", ["batch_id"], unique=False
    )
    op.create_index(op.f("ix_business_orders_org_id"), "business_orders", ["org_id"], unique=False)
    op.create_table(
        "business_payments",
        sa.Column("payment_id", sa.String(length=200), nullable=False),
        sa.Column("invoice_id", sa.String(length=200), nullable=False),
        sa.Column("payer_uscc", sa.String(length=18), nullable=True),
        sa.Column("paid_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_payments_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_business_payments_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_payments")),
        sa.UniqueConstraint(
            "org_id", "payment_id", name=op.f("uq_business_payments_org_id_payment_id")
        ),
    )
    op.create_index(
        op.f("ix_business_payments_batch_id"), "business_payments", ["batch_id"], unique=False
    )
    op.create_index(
        op.f("ix_business_payments_org_id"), "business_payments", ["org_id"], unique=False
    )
    op.create_table(
        "business_receivables",
        sa.Column("receivable_id", sa.String(length=200), nullable=False),
        sa.Column("invoice_id", sa.String(length=200), nullable=True),
        sa.Column("debtor_uscc", sa.String(length=18), nullable=True),
        sa.Column("debtor_name", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("outstanding_fen", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["telemetry_batches.id"],
            name=op.f("fk_business_receivables_batch_id_telemetry_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_business_receivables_org_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_receivables")),
        sa.UniqueConstraint(
            "org_id", "receivable_id", name=op.f("uq_business_receivables_org_id_receivable_id")
        ),
    )
    op.create_index(
        op.f("ix_business_receivables_batch_id"), "business_receivables", ["batch_id"], unique=False
    )
    op.create_index(
        op.f("ix_business_receivables_org_id"), "business_receivables", ["org_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_business_receivables_org_id"), table_name="business_receivables")
    op.drop_index(op.f("ix_business_receivables_batch_id"), table_name="business_receivables")
    op.drop_table("business_receivables")
    op.drop_index(op.f("ix_business_payments_org_id"), table_name="business_payments")
    op.drop_index(op.f("ix_business_payments_batch_id"), table_name="business_payments")
    op.drop_table("business_payments")
    op.drop_index(op.f("ix_business_orders_org_id"), table_name="business_orders")
    op.drop_index(op.f("ix_business_orders_batch_id"), table_name="business_orders")
    op.drop_table("business_orders")
    op.drop_index(op.f("ix_business_invoices_org_id"), table_name="business_invoices")
    op.drop_index(op.f("ix_business_invoices_batch_id"), table_name="business_invoices")
    op.drop_table("business_invoices")
    op.drop_index(op.f("ix_business_energy_bills_org_id"), table_name="business_energy_bills")
    op.drop_index(op.f("ix_business_energy_bills_batch_id"), table_name="business_energy_bills")
    op.drop_table("business_energy_bills")
    op.drop_index(op.f("ix_business_cloud_usage_org_id"), table_name="business_cloud_usage")
    op.drop_index(op.f("ix_business_cloud_usage_batch_id"), table_name="business_cloud_usage")
    op.drop_table("business_cloud_usage")
    op.drop_index(op.f("ix_telemetry_quality_scores_org_id"), table_name="telemetry_quality_scores")
    op.drop_index(op.f("ix_telemetry_quality_scores_day"), table_name="telemetry_quality_scores")
    op.drop_table("telemetry_quality_scores")
    op.drop_index(op.f("ix_telemetry_metrics_org_id"), table_name="telemetry_metrics")
    op.drop_table("telemetry_metrics")
    op.drop_index(op.f("ix_telemetry_devices_org_id"), table_name="telemetry_devices")
    op.drop_table("telemetry_devices")
    op.drop_index(op.f("ix_telemetry_batches_org_id"), table_name="telemetry_batches")
    op.drop_table("telemetry_batches")
