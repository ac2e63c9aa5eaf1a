"""Conditional payment (escrow): the buyer's money for an order, held by an agent bank and
released to the seller once delivery is confirmed.

The buyer deposits the order's value (or any amount up to it) with a bank as agent. When
every unit ordered has been received (the buyer's goods-received notes), an officer of the
agent approves the release; a different officer of the agent executes it: the approver can
never release (four eyes). Either party may dispute while the money is held or approved;
then nothing is released until the agent approves a resolution, a split of the money between
the seller and a refund to the buyer, which again another officer executes. Each step is a
leaf of the verifiable log; deposit and release are entries of the trade journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal
from chanrong.supplychain import access, contracts, orders, trade_journal, trade_ledger
from chanrong.supplychain.trade_ledger import EscrowState
from chanrong.supplychain.trade_orm import Escrow
from chanrong.supplychain.trade_repository import TradeRepository
from chanrong.supplychain.writes import stamp, writer


def _visible(
    repo: TradeRepository, principal: Principal, escrow_id: str, *, lock: bool = False
) -> Escrow:
    e = repo.escrow(escrow_id, lock=lock)
    if e is None or principal.org_id not in (e.buyer_org_id, e.seller_org_id, e.agent_org_id):
        raise NotFound(f"escrow {escrow_id} not found")
    return e


def _as_agent(repo: TradeRepository, principal: Principal, escrow_id: str) -> Escrow:
    e = _visible(repo, principal, escrow_id, lock=True)
    if principal.org_id != e.agent_org_id:
        raise Forbidden("only the escrow agent does this")
    access.require_officer(principal)
    return e


def _state(e: Escrow, *allowed: EscrowState) -> None:
    if e.state not in allowed:
        raise Conflict(
            f"the escrow is {e.state}; this needs it {' or '.join(allowed)}", field="state"
        )


def deposit(
    session: Session,
    principal: Principal,
    order_id: str,
    *,
    agent_org_id: str,
    amount_fen: int,
    now: datetime | None = None,
) -> Escrow:
    """The buyer puts money for an order in escrow with a bank (at most the order's value)."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    order = repo.order(order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    try:
        contract = contracts.get_contract(session, principal, order.contract_id)
    except NotFound:
        raise NotFound(f"order {order_id} not found") from None
    if principal.org_id != contract.buyer_org_id:
        raise Forbidden("only the buyer puts money in escrow")
    access.require_officer(principal)
    agent = identity.find_organisation(session, agent_org_id)
    if (
        agent is None
        or agent.kind != OrgKind.FINANCIAL_INSTITUTION.value
        or agent.institution_type != InstitutionType.BANK.value
    ):
        raise ValidationFailed("agent_org_id: not a bank on the platform", field="agent_org_id")
    value = order.quantity * contract.unit_price_fen
    if isinstance(amount_fen, bool) or not 0 < amount_fen <= value:
        raise ValidationFailed(
            f"amount: more than nothing, at most the order's value ({value} fen)", field="amount"
        )
    e = Escrow(
        order_id=order.id,
        contract_id=contract.id,
        buyer_org_id=contract.buyer_org_id,
        seller_org_id=contract.seller_org_id,
        agent_org_id=agent.id,
        amount_fen=amount_fen,
        state=EscrowState.HELD.value,
        version=1,
        created_at=at,
    )
    repo.add(e)
    ref = contracts.log(
        session,
        "escrow.deposited",
        principal.org_id,
        agent.id,
        f"escrow/{e.id}",
        {"escrow_id": e.id, "order_id": order.id, "amount_fen": amount_fen},
    )
    trade_journal.post(
        session,
        subject_id=e.id,
        kind="escrow_deposit",
        at=at,
        lines=trade_ledger.deposit(e.buyer_org_id, e.agent_org_id, amount_fen),
        log_index=ref.index,
    )
    return e


def delivery_confirmed(session: Session, principal: Principal, e: Escrow) -> bool:
    """Whether the buyer has recorded receiving every unit of the escrow's order."""
    for view in orders.orders_of(session, principal, e.contract_id):
        if view.order.id == e.order_id:
            return view.received >= view.order.quantity and all(
                d.received_at is not None for d in view.deliveries
            )
    return False


def received_in_full(session: Session, e: Escrow) -> bool:
    """Whether the escrow's order has been received in full: what the agent's page shows
    beside a held escrow (the agent already sees the escrow; the receipts are the buyer's)."""
    return delivery_confirmed(session, principal_of_buyer(session, e), e)


def approve_release(
    session: Session, principal: Principal, escrow_id: str, *, now: datetime | None = None
) -> Escrow:
    """An agent officer approves paying the whole escrow to the seller: only once delivery
    of the order is confirmed by the buyer's receipts, and never while disputed."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    e = _as_agent(repo, principal, escrow_id)
    _state(e, EscrowState.HELD)
    if not delivery_confirmed(session, principal_of_buyer(session, e), e):
        raise Conflict("the buyer has not confirmed receiving the whole order", field="order_id")
    return _approve(session, principal, e, to_seller=e.amount_fen, note=None, at=at)


def principal_of_buyer(session: Session, e: Escrow) -> Principal:
    """The buyer's view of its own order (the agent sees receipts through the escrow)."""
    return access.principal_for_org(session, e.buyer_org_id)


def _approve(
    session: Session,
    principal: Principal,
    e: Escrow,
    *,
    to_seller: int,
    note: str | None,
    at: datetime,
) -> Escrow:
    e.to_seller_fen = to_seller
    e.refund_fen = e.amount_fen - to_seller
    e.resolution_note = note
    e.approved_by_user_id = principal.user_id
    e.approved_at = at
    e.state = EscrowState.APPROVED.value
    e.version += 1
    session.flush()
    contracts.log(
        session,
        "escrow.release_approved",
        principal.org_id,
        e.seller_org_id,
        f"escrow/{e.id}",
        {
            "escrow_id": e.id,
            "to_seller_fen": e.to_seller_fen,
            "refund_fen": e.refund_fen,
            "approved_by": principal.user_id,
            "note": note,
        },
    )
    return e


def dispute(
    session: Session,
    principal: Principal,
    escrow_id: str,
    *,
    reason: str,
    now: datetime | None = None,
) -> Escrow:
    """The buyer or the seller disputes: nothing is released until the agent resolves it."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    e = _visible(repo, principal, escrow_id, lock=True)
    if principal.org_id not in (e.buyer_org_id, e.seller_org_id):
        raise Forbidden("only the buyer or the seller disputes an escrow")
    access.require_officer(principal)
    _state(e, EscrowState.HELD, EscrowState.APPROVED)
    e.dispute_reason = contracts.text(reason, field="reason", limit=500)
    e.disputed_by_org_id = principal.org_id
    e.state = EscrowState.DISPUTED.value
    # A dispute withdraws any approval: the release must be approved afresh.
    e.to_seller_fen = e.refund_fen = None
    e.approved_by_user_id = None
    e.approved_at = None
    e.version += 1
    session.flush()
    contracts.log(
        session,
        "escrow.disputed",
        principal.org_id,
        e.agent_org_id,
        f"escrow/{e.id}",
        {"escrow_id": e.id, "reason": e.dispute_reason},
        at=at,
    )
    return e


def resolve(
    session: Session,
    principal: Principal,
    escrow_id: str,
    *,
    to_seller_fen: int,
    note: str,
    now: datetime | None = None,
) -> Escrow:
    """An agent officer approves a disputed escrow's split: ``to_seller_fen`` to the seller,
    the rest back to the buyer (another officer executes it)."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    e = _as_agent(repo, principal, escrow_id)
    _state(e, EscrowState.DISPUTED)
    if isinstance(to_seller_fen, bool) or not 0 <= to_seller_fen <= e.amount_fen:
        raise ValidationFailed(f"to_seller: 0 to the {e.amount_fen} fen held", field="to_seller")
    return _approve(
        session,
        principal,
        e,
        to_seller=to_seller_fen,
        note=contracts.text(note, field="note", limit=500),
        at=at,
    )


def release(
    session: Session, principal: Principal, escrow_id: str, *, now: datetime | None = None
) -> Escrow:
    """Another agent officer (never the approver) pays out the approved release."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    e = _as_agent(repo, principal, escrow_id)
    _state(e, EscrowState.APPROVED)
    if principal.user_id == e.approved_by_user_id:
        raise Forbidden("the officer who approved a release cannot also execute it")
    assert e.to_seller_fen is not None and e.refund_fen is not None
    e.released_by_user_id = principal.user_id
    e.released_at = at
    e.state = EscrowState.RELEASED.value
    e.version += 1
    session.flush()
    ref = contracts.log(
        session,
        "escrow.released",
        principal.org_id,
        e.seller_org_id,
        f"escrow/{e.id}",
        {
            "escrow_id": e.id,
            "to_seller_fen": e.to_seller_fen,
            "refund_fen": e.refund_fen,
            "approved_by": e.approved_by_user_id,
            "released_by": principal.user_id,
        },
    )
    trade_journal.post(
        session,
        subject_id=e.id,
        kind="escrow_release",
        at=at,
        lines=trade_ledger.escrow_release(
            e.agent_org_id, e.buyer_org_id, e.seller_org_id, e.to_seller_fen, e.refund_fen
        ),
        log_index=ref.index,
    )
    return e


def escrows(session: Session, principal: Principal) -> Sequence[Escrow]:
    """Escrows the caller's organisation deposited, is paid from, or holds as agent."""
    return TradeRepository(session).escrows_of(principal.org_id)


def get_escrow(session: Session, principal: Principal, escrow_id: str) -> Escrow:
    """One escrow, to its buyer, seller and agent."""
    return _visible(TradeRepository(session), principal, escrow_id)
