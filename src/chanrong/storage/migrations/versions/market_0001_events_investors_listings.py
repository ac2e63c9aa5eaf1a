"""market: companies, investors, financing events, listings, financials, use of proceeds

Revision ID: market_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import chanrong.storage.types

revision = "market_0001"
down_revision = None
branch_labels = ("market",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "market_companies",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("province_code", sa.String(6), nullable=True),
        sa.Column("city", sa.String(50), nullable=True),
        sa.Column("field", sa.String(32), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("field_method", sa.String(16), nullable=True),
        sa.Column("field_confidence_bp", sa.Integer(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_companies")),
        sa.UniqueConstraint("name", name=op.f("uq_market_companies_name")),
    )
    op.create_index(op.f("ix_market_companies_field"), "market_companies", ["field"])
    op.create_index(
        op.f("ix_market_companies_province_code"), "market_companies", ["province_code"]
    )
    op.create_table(
        "market_investors",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("state_owned", sa.Boolean(), nullable=False),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_investors")),
        sa.UniqueConstraint("name", name=op.f("uq_market_investors_name")),
    )
    op.create_table(
        "market_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("company_id", sa.String(36), nullable=False),
        sa.Column("round", sa.String(24), nullable=False),
        sa.Column("amount_text", sa.String(100), nullable=False),
        sa.Column("amount_kind", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_low_minor", sa.BigInteger(), nullable=True),
        sa.Column("amount_high_minor", sa.BigInteger(), nullable=True),
        sa.Column("cny_low_fen", sa.BigInteger(), nullable=True),
        sa.Column("cny_high_fen", sa.BigInteger(), nullable=True),
        sa.Column("province_code", sa.String(6), nullable=False),
        sa.Column("city", sa.String(50), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["market_companies.id"],
            name=op.f("fk_market_events_company_id_market_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_events")),
        sa.UniqueConstraint(
            "company_id",
            "event_date",
            "round",
            name=op.f("uq_market_events_company_id_event_date_round"),
        ),
    )
    op.create_index(op.f("ix_market_events_event_date"), "market_events", ["event_date"])
    op.create_index(op.f("ix_market_events_company_id"), "market_events", ["company_id"])
    op.create_index(op.f("ix_market_events_province_code"), "market_events", ["province_code"])
    op.create_table(
        "market_event_investors",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("investor_id", sa.String(36), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["market_events.id"],
            name=op.f("fk_market_event_investors_event_id_market_events"),
        ),
        sa.ForeignKeyConstraint(
            ["investor_id"],
            ["market_investors.id"],
            name=op.f("fk_market_event_investors_investor_id_market_investors"),
        ),
        sa.PrimaryKeyConstraint("event_id", "investor_id", name=op.f("pk_market_event_investors")),
    )
    op.create_index(
        op.f("ix_market_event_investors_investor_id"), "market_event_investors", ["investor_id"]
    )
    op.create_table(
        "market_listings",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("company_id", sa.String(36), nullable=False),
        sa.Column("stock_code", sa.String(12), nullable=False),
        sa.Column("exchange", sa.String(8), nullable=False),
        sa.Column("board", sa.String(12), nullable=False),
        sa.Column("listing_date", sa.Date(), nullable=False),
        sa.Column("ipo_proceeds_fen", sa.BigInteger(), nullable=True),
        sa.Column("market_value_fen", sa.BigInteger(), nullable=True),
        sa.Column("created_at", chanrong.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["market_companies.id"],
            name=op.f("fk_market_listings_company_id_market_companies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_listings")),
        sa.UniqueConstraint("company_id", name=op.f("uq_market_listings_company_id")),
        sa.UniqueConstraint("stock_code", name=op.f("uq_market_listings_stock_code")),
    )
    op.create_index(op.f("ix_market_listings_board"), "market_listings", ["board"])
    op.create_index(op.f("ix_market_listings_listing_date"), "market_listings", ["listing_date"])
    op.create_table(
        "market_financials",
        sa.Column("listing_id", sa.String(36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revenue_fen", sa.BigInteger(), nullable=False),
        sa.Column("profit_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["market_listings.id"],
            name=op.f("fk_market_financials_listing_id_market_listings"),
        ),
        sa.PrimaryKeyConstraint("listing_id", "year", name=op.f("pk_market_financials")),
    )
    op.create_table(
        "market_proceeds_uses",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("listing_id", sa.String(36), nullable=False),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["market_listings.id"],
            name=op.f("fk_market_proceeds_uses_listing_id_market_listings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_proceeds_uses")),
    )
    op.create_index(
        op.f("ix_market_proceeds_uses_listing_id"), "market_proceeds_uses", ["listing_id"]
    )


def downgrade() -> None:
    op.drop_table("market_proceeds_uses")
    op.drop_table("market_financials")
    op.drop_table("market_listings")
    op.drop_table("market_event_investors")
    op.drop_table("market_events")
    op.drop_table("market_investors")
    op.drop_table("market_companies")
