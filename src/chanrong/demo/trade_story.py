"""The demo's trade story, through the platform's own services: a tier-1 supplier sells to the
core enterprise under a contract; the core orders; the supplier ships two lots, the core
records what it received (one lot short), the supplier invoices and makes a statement from
its invoices, the core confirms it; a guarantor guarantees the payment (保付) for a fee; the
core does not pay by the due day, the supplier calls, the guarantor pays it and is repaid its
first recourse instalment; a second order's money sits in escrow with the bank and is
released on delivery by a second officer.

Dated in the past so the due day has gone by. Flushes, never commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import SHANGHAI
from chanrong.supplychain import service


@dataclass(frozen=True)
class TradeStory:
    """What the story did, in fen and counts."""

    contract_reference: str
    statement_fen: int
    short_units: int
    fee_fen: int
    paid_out_fen: int
    recovered_fen: int
    outstanding_fen: int
    escrow_released_fen: int
    journal_violations: list[str]


def _at(day: date) -> datetime:
    """10:00 in Shanghai on ``day``."""
    return datetime.combine(day, time(10), tzinfo=SHANGHAI)


def tell(
    session: Session,
    *,
    seller_org_id: str,
    buyer_org_id: str,
    guarantor_org_id: str,
    bank_org_id: str,
    today: date,
) -> TradeStory:
    """Run the story; ``today`` anchors the dates (the statement falls due 40 days before)."""
    seller = service.principal_for_org(session, seller_org_id)
    buyer = service.principal_for_org(session, buyer_org_id)
    guarantor = service.principal_for_org(session, guarantor_org_id)
    start = today - timedelta(days=100)
    ref = f"HT-DEMO-{secrets.token_hex(3).upper()}"
    c = service.create_contract(
        session,
        seller,
        counterparty_org_id=buyer_org_id,
        we_are="seller",
        reference=ref,
        goods="铸件 castings",
        quantity=2000,
        unit_price_fen=12_050,
        delivery_terms="FCA seller's works",
        payment_days=30,
        now=_at(start),
    )
    po1 = service.place_order(
        session, buyer, c.id, reference="PO-1", quantity=800, ordered_on=start, now=_at(start)
    )
    d1 = service.record_shipment(
        session, seller, po1.id, reference="DN-1", quantity=500, shipped_on=start + timedelta(5)
    )
    d2 = service.record_shipment(
        session, seller, po1.id, reference="DN-2", quantity=300, shipped_on=start + timedelta(12)
    )
    service.record_receipt(
        session,
        buyer,
        d1.id,
        received_quantity=500,
        received_on=start + timedelta(6),
        receipt_reference="GRN-1",
    )
    service.record_receipt(
        session,
        buyer,
        d2.id,
        received_quantity=280,
        received_on=start + timedelta(13),
        receipt_reference="GRN-2",
        note="20 castings porous, returned",
    )
    for n, d in enumerate((d1, d2), start=1):
        service.issue_invoice(
            session, seller, d.id, number=f"INV-{n}", issued_on=start + timedelta(14)
        )
    st = service.statement_from_invoices(
        session,
        seller,
        c.id,
        period_start=start,
        period_end=start + timedelta(29),
        now=_at(start + timedelta(30)),
    )
    for line in st.lines:
        service.answer_line(session, buyer, line.id, confirm=True)
    g = service.request_payment_guarantee(
        session, seller, st.statement.id, guarantor_org_id=guarantor_org_id
    )
    service.accept_payment_guarantee(session, guarantor, g.id, fee_rate_percent=Decimal("0.5"))
    # Unpaid after its due day: the seller calls, the guarantor pays and is repaid a part.
    service.call_payment_guarantee(session, seller, g.id)
    view = service.pay_out(session, guarantor, g.id, instalments=3)
    assert view.claim is not None
    first = view.instalments[0].amount_fen
    view = service.repay_recourse(session, buyer, view.claim.id, amount_fen=first)
    # A second order paid into escrow with the bank, released by a second officer.
    po2 = service.place_order(
        session, buyer, c.id, reference="PO-2", quantity=200, ordered_on=today - timedelta(10)
    )
    e = service.deposit_escrow(
        session, buyer, po2.id, agent_org_id=bank_org_id, amount_fen=200 * 12_050
    )
    d3 = service.record_shipment(
        session, seller, po2.id, reference="DN-3", quantity=200, shipped_on=today - timedelta(5)
    )
    service.record_receipt(
        session,
        buyer,
        d3.id,
        received_quantity=200,
        received_on=today - timedelta(4),
        receipt_reference="GRN-3",
    )
    approver = service.principal_for_org(session, bank_org_id, user_id="demo-approver")
    releaser = service.principal_for_org(session, bank_org_id, user_id="demo-releaser")
    service.approve_release(session, approver, e.id)
    released = service.release_escrow(session, releaser, e.id)
    return TradeStory(
        contract_reference=ref,
        statement_fen=g.amount_fen,
        short_units=20,
        fee_fen=g.fee_fen or 0,
        paid_out_fen=g.amount_fen,
        recovered_fen=first,
        outstanding_fen=view.outstanding_fen,
        escrow_released_fen=released.to_seller_fen or 0,
        journal_violations=service.trade_violations(session),
    )
