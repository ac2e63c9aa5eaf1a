"""Builders for trade tests: a contract between the park's SME (seller) and its core
enterprise (buyer), and the seller's production counters in its own telemetry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.supplychain import service
from chanrong.supplychain.orm import TradeContract
from chanrong.telemetry import service as telemetry
from tests.builders import Park, add_member, add_org
from tests.telemetry.builders import points


def contract(
    session: Session,
    park: Park,
    *,
    quantity: int = 1000,
    unit_price_fen: int = 12_050,
    payment_days: int = 60,
    reference: str = "HT-2026-11",
) -> TradeContract:
    """The park's enterprise sells castings to the core enterprise."""
    seller = service.principal_for_org(session, park["enterprise"]["officer"].org_id)
    return service.create_contract(
        session,
        seller,
        counterparty_org_id=park["core"]["officer"].org_id,
        we_are="seller",
        reference=reference,
        goods="castings",
        quantity=quantity,
        unit_price_fen=unit_price_fen,
        delivery_terms="FCA seller's works",
        payment_days=payment_days,
    )


def production_counter(
    session: Session,
    settings: Settings,
    org_id: str,
    *,
    device: str,
    day: date,
    made: int,
) -> None:
    """Register ``device`` for ``org_id`` and have its output counter add ``made`` units over
    ``day`` (Asia/Shanghai), read hourly from 09:00 to 17:00 local time."""
    owner = service.principal_for_org(session, org_id)
    telemetry.register_device(session, owner, org_id=org_id, device_id=device, kind="cnc")
    start = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)  # 09:00 in Shanghai
    values = [round(made * i / 8) for i in range(9)]
    store = telemetry.open_store(settings)
    store.write(
        org_id, points(device, "output_count", values, start=start, step=timedelta(hours=1))
    )


def add_guarantor(session: Session, park: Park) -> None:
    """A guarantor (融资担保机构) in the park, as ``park["guarantor"]``."""
    org = add_org(session, "financial_institution", institution_type="guarantor", name="担保")
    park.members["guarantor"] = {
        role: add_member(session, org, role) for role in ("admin", "officer", "viewer")
    }


def confirmed_statement(
    session: Session,
    park: Park,
    *,
    amount_fen: int = 10_000_000,
    end: date = date(2025, 9, 30),
    payment_days: int = 30,
    reference: str = "HT-PG",
) -> str:
    """A statement of one line the buyer (the core enterprise) confirmed; due
    ``payment_days`` after ``end`` (in the past by default, so it can be called)."""
    c = contract(s := session, park, reference=reference, payment_days=payment_days)
    seller = service.principal_for_org(s, c.seller_org_id)
    buyer = service.principal_for_org(s, c.buyer_org_id)
    st = service.issue_statement(
        s,
        seller,
        c.id,
        period_start=end.replace(day=1),
        period_end=end,
        lines=[service.LineIn("INV-1", "castings", amount_fen)],
        now=datetime(end.year, end.month, end.day, 4, tzinfo=UTC),
    )
    done = service.answer_line(s, buyer, st.lines[0].id, confirm=True)
    assert done.statement.state == "confirmed"
    return st.statement.id
