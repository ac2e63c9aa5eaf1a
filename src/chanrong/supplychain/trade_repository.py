"""Queries of trade contracts and reconciliation statements (the writes lock rows on
PostgreSQL; on SQLite ``SupplyChainRepository.begin_write`` has taken the write lock)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chanrong.supplychain.orm import ReconLine, ReconStatement, TradeContract
from chanrong.supplychain.trade_orm import (
    Escrow,
    PaymentGuarantee,
    RecourseClaim,
    RecourseInstalment,
    TradeAlert,
    TradeDelivery,
    TradeInvoice,
    TradeOrder,
)


class TradeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *objs: object) -> None:
        self.session.add_all(objs)
        self.session.flush()

    def contract(self, contract_id: str, *, lock: bool = False) -> TradeContract | None:
        if not lock:
            return self.session.get(TradeContract, contract_id)
        stmt = (
            select(TradeContract)
            .where(TradeContract.id == contract_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(stmt).one_or_none()

    def contracts_of(self, org_id: str) -> Sequence[TradeContract]:
        return self.session.scalars(
            select(TradeContract)
            .where(or_(TradeContract.seller_org_id == org_id, TradeContract.buyer_org_id == org_id))
            .order_by(TradeContract.created_at, TradeContract.id)
        ).all()

    def statement(self, statement_id: str, *, lock: bool = False) -> ReconStatement | None:
        stmt = select(ReconStatement).where(ReconStatement.id == statement_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def statements_of(self, contract_id: str) -> Sequence[ReconStatement]:
        return self.session.scalars(
            select(ReconStatement)
            .where(ReconStatement.contract_id == contract_id)
            .order_by(ReconStatement.period_start, ReconStatement.id)
        ).all()

    def lines(self, statement_id: str) -> Sequence[ReconLine]:
        return self.session.scalars(
            select(ReconLine)
            .where(ReconLine.statement_id == statement_id)
            .order_by(ReconLine.position)
        ).all()

    def due_unpaid(self, day: date) -> Sequence[str]:
        """Confirmed statements due on or before ``day``, unpaid and not yet flagged."""
        return self.session.scalars(
            select(ReconStatement.id)
            .where(
                ReconStatement.state == "confirmed",
                ReconStatement.due_on <= day,
                ReconStatement.paid_at.is_(None),
                ReconStatement.payment_overdue_on.is_(None),
            )
            .order_by(ReconStatement.id)
        ).all()

    def line(self, line_id: str) -> ReconLine | None:
        return self.session.get(ReconLine, line_id)

    # -- orders, deliveries, invoices ------------------------------------------------------

    def order(self, order_id: str) -> TradeOrder | None:
        return self.session.get(TradeOrder, order_id)

    def orders_of(self, contract_id: str) -> Sequence[TradeOrder]:
        return self.session.scalars(
            select(TradeOrder)
            .where(TradeOrder.contract_id == contract_id)
            .order_by(TradeOrder.ordered_on, TradeOrder.created_at, TradeOrder.id)
        ).all()

    def delivery(self, delivery_id: str) -> TradeDelivery | None:
        return self.session.get(TradeDelivery, delivery_id)

    def deliveries_of(self, order_ids: Sequence[str]) -> Sequence[TradeDelivery]:
        if not order_ids:
            return []
        return self.session.scalars(
            select(TradeDelivery)
            .where(TradeDelivery.order_id.in_(order_ids))
            .order_by(TradeDelivery.shipped_on, TradeDelivery.created_at, TradeDelivery.id)
        ).all()

    def invoice(self, invoice_id: str) -> TradeInvoice | None:
        return self.session.get(TradeInvoice, invoice_id)

    def invoice_for_delivery(self, delivery_id: str) -> TradeInvoice | None:
        return self.session.scalars(
            select(TradeInvoice).where(TradeInvoice.delivery_id == delivery_id)
        ).one_or_none()

    def invoices_of(self, contract_id: str) -> Sequence[TradeInvoice]:
        return self.session.scalars(
            select(TradeInvoice)
            .where(TradeInvoice.contract_id == contract_id)
            .order_by(TradeInvoice.issued_on, TradeInvoice.number)
        ).all()

    def invoices_on(self, statement_id: str) -> Sequence[TradeInvoice]:
        return self.session.scalars(
            select(TradeInvoice).where(TradeInvoice.statement_id == statement_id)
        ).all()

    # -- payment guarantees (保付) and recourse ----------------------------------------------

    def guarantee(self, guarantee_id: str, *, lock: bool = False) -> PaymentGuarantee | None:
        stmt = select(PaymentGuarantee).where(PaymentGuarantee.id == guarantee_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def guarantees_on(self, statement_id: str) -> Sequence[PaymentGuarantee]:
        return self.session.scalars(
            select(PaymentGuarantee)
            .where(PaymentGuarantee.statement_id == statement_id)
            .order_by(PaymentGuarantee.requested_at, PaymentGuarantee.id)
        ).all()

    def guarantees_of(self, org_id: str) -> Sequence[PaymentGuarantee]:
        """Guarantees the organisation is the guarantor, the seller or the buyer of."""
        return self.session.scalars(
            select(PaymentGuarantee)
            .where(
                or_(
                    PaymentGuarantee.guarantor_org_id == org_id,
                    PaymentGuarantee.seller_org_id == org_id,
                    PaymentGuarantee.buyer_org_id == org_id,
                )
            )
            .order_by(PaymentGuarantee.requested_at.desc(), PaymentGuarantee.id)
        ).all()

    def guarantees_in(self, states: Sequence[str]) -> Sequence[PaymentGuarantee]:
        return self.session.scalars(
            select(PaymentGuarantee)
            .where(PaymentGuarantee.state.in_(states))
            .order_by(PaymentGuarantee.id)
        ).all()

    def claim_of(self, guarantee_id: str, *, lock: bool = False) -> RecourseClaim | None:
        stmt = select(RecourseClaim).where(RecourseClaim.guarantee_id == guarantee_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def claim(self, claim_id: str, *, lock: bool = False) -> RecourseClaim | None:
        stmt = select(RecourseClaim).where(RecourseClaim.id == claim_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def instalments(self, claim_id: str) -> Sequence[RecourseInstalment]:
        return self.session.scalars(
            select(RecourseInstalment)
            .where(RecourseInstalment.claim_id == claim_id)
            .order_by(RecourseInstalment.position)
        ).all()

    def due_unflagged_instalments(self, day: date) -> Sequence[str]:
        """Instalments of open recourse claims due by ``day``, not fully paid, not yet flagged
        overdue."""
        return self.session.scalars(
            select(RecourseInstalment.id)
            .join(RecourseClaim, RecourseClaim.id == RecourseInstalment.claim_id)
            .where(
                RecourseClaim.state == "open",
                RecourseInstalment.due_on <= day,
                RecourseInstalment.paid_fen < RecourseInstalment.amount_fen,
                RecourseInstalment.overdue_flagged_on.is_(None),
            )
            .order_by(RecourseInstalment.claim_id, RecourseInstalment.position)
        ).all()

    def instalment(self, instalment_id: str, *, lock: bool = False) -> RecourseInstalment | None:
        stmt = select(RecourseInstalment).where(RecourseInstalment.id == instalment_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def open_claim_guarantees(self) -> Sequence[str]:
        """Guarantees paid out whose recourse claim on the buyer is still open."""
        return self.session.scalars(
            select(RecourseClaim.guarantee_id)
            .where(RecourseClaim.state == "open")
            .order_by(RecourseClaim.guarantee_id)
        ).all()

    # -- escrows --------------------------------------------------------------------------

    def escrow(self, escrow_id: str, *, lock: bool = False) -> Escrow | None:
        stmt = select(Escrow).where(Escrow.id == escrow_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def escrows_of(self, org_id: str) -> Sequence[Escrow]:
        """Escrows the organisation deposited, is paid from, or holds as agent."""
        return self.session.scalars(
            select(Escrow)
            .where(
                or_(
                    Escrow.buyer_org_id == org_id,
                    Escrow.seller_org_id == org_id,
                    Escrow.agent_org_id == org_id,
                )
            )
            .order_by(Escrow.created_at.desc(), Escrow.id)
        ).all()

    # -- alerts on guaranteed trades --------------------------------------------------------

    def alert(self, guarantee_id: str, recipient_org_id: str, kind: str) -> TradeAlert | None:
        return self.session.scalars(
            select(TradeAlert).where(
                TradeAlert.guarantee_id == guarantee_id,
                TradeAlert.recipient_org_id == recipient_org_id,
                TradeAlert.kind == kind,
            )
        ).one_or_none()

    def alerts_for(self, org_id: str) -> Sequence[TradeAlert]:
        return self.session.scalars(
            select(TradeAlert)
            .where(TradeAlert.recipient_org_id == org_id)
            .order_by(TradeAlert.refreshed_at.desc(), TradeAlert.id)
        ).all()

    def due_unflagged_guarantees(self, day: date) -> Sequence[str]:
        """Active guarantees whose due day ended by ``day`` unpaid, not yet flagged overdue."""
        return self.session.scalars(
            select(PaymentGuarantee.id)
            .where(
                PaymentGuarantee.state == "active",
                PaymentGuarantee.due_on <= day,
                PaymentGuarantee.overdue_flagged_on.is_(None),
            )
            .order_by(PaymentGuarantee.id)
        ).all()
