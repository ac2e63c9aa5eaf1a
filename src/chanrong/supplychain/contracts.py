"""Trade contracts between enterprises and their reconciliation statements (对账单).

Either party (an enterprise officer) records a contract with the other: goods, quantity, unit
price, delivery terms, payment terms; the payment-term rules it breaks (``trade_terms``) are
flagged at creation and logged for both parties. The seller issues a statement of what it
delivered and billed in a period, line by line; the buyer confirms or disputes each line
(a dispute says why). Each step is a leaf of the verifiable log. Only the two parties see a
contract; anyone else finds it missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.supplychain import access, trade_terms
from chanrong.supplychain.certificates import require_positive_fen
from chanrong.supplychain.orm import ReconLine, ReconStatement, TradeContract
from chanrong.supplychain.trade_repository import TradeRepository
from chanrong.supplychain.trade_terms import LineState, StatementState
from chanrong.supplychain.writes import LOG_KIND, stamp, writer

MAX_LINES = 200


@dataclass(frozen=True, slots=True)
class LineIn:
    """One line a seller puts on a statement."""

    reference: str
    description: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement with its lines and the contract it is on."""

    statement: ReconStatement
    contract: TradeContract
    lines: Sequence[ReconLine]


def text(value: str, *, field: str, limit: int) -> str:
    """``value`` stripped, when it holds 1 to ``limit`` characters; else a 4xx naming ``field``."""
    value = value.strip()
    if not value or len(value) > limit:
        raise ValidationFailed(f"{field}: 1 to {limit} characters", field=field)
    return value


def log(
    session: Session,
    kind: str,
    actor: str,
    concerns: str,
    what: str,
    payload: dict[str, object],
    *,
    at: datetime | None = None,
) -> governance.LogEntryRef:
    """Append a trade step to the verifiable log, readable by ``actor`` and ``concerns``."""
    return governance.append_log(
        session,
        kind=f"{LOG_KIND}.{kind}",
        actor_org_id=actor,
        subject=f"{concerns}:{what}",
        payload=payload,
        at=at,
    )


def create_contract(
    session: Session,
    principal: Principal,
    *,
    counterparty_org_id: str,
    we_are: str,
    reference: str,
    goods: str,
    quantity: int,
    unit_price_fen: int,
    delivery_terms: str,
    payment_days: int,
    pay_when_paid: bool = False,
    now: datetime | None = None,
) -> TradeContract:
    """Record a trade contract with another enterprise; flags the payment terms that break
    the rules on paying SMEs (logged for both parties)."""
    at = stamp(now)
    access.require_enterprise_officer(principal)
    if we_are not in ("seller", "buyer"):
        raise ValidationFailed("we_are: seller or buyer", field="we_are")
    other = access.enterprise(session, counterparty_org_id, field="counterparty_org_id")
    if other.id == principal.org_id:
        raise ValidationFailed(
            "counterparty_org_id: a contract is with another enterprise",
            field="counterparty_org_id",
        )
    require_positive_fen(quantity, field="quantity")
    require_positive_fen(unit_price_fen, field="unit_price")
    seller, buyer = (
        (principal.org_id, other.id) if we_are == "seller" else (other.id, principal.org_id)
    )
    seller_org, buyer_org = (
        identity.find_organisation(session, seller),
        identity.find_organisation(session, buyer),
    )
    assert seller_org is not None and buyer_org is not None
    flags = trade_terms.payment_term_flags(
        buyer_is_large=buyer_org.is_core,
        seller_is_sme=not seller_org.is_core,
        payment_days=payment_days,
        pay_when_paid=pay_when_paid,
    )
    writer(session)
    contract = TradeContract(
        seller_org_id=seller,
        buyer_org_id=buyer,
        reference=text(reference, field="reference", limit=100),
        goods=text(goods, field="goods", limit=200),
        quantity=quantity,
        unit_price_fen=unit_price_fen,
        delivery_terms=text(delivery_terms, field="delivery_terms", limit=200),
        payment_days=payment_days,
        pay_when_paid=pay_when_paid,
        flags=[f.value for f in flags],
        created_by_org_id=principal.org_id,
        created_at=at,
    )
    TradeRepository(session).add(contract)
    payload: dict[str, object] = {
        "contract_id": contract.id,
        "seller_org_id": seller,
        "buyer_org_id": buyer,
        "payment_days": payment_days,
        "pay_when_paid": pay_when_paid,
        "flags": contract.flags,
    }
    log(session, "contract.created", principal.org_id, other.id, f"contract/{contract.id}", payload)
    return contract


def list_contracts(session: Session, principal: Principal) -> Sequence[TradeContract]:
    """Contracts the caller's enterprise is a party to."""
    return TradeRepository(session).contracts_of(principal.org_id)


def get_contract(session: Session, principal: Principal, contract_id: str) -> TradeContract:
    """A contract, to its two parties; missing to anyone else."""
    contract = TradeRepository(session).contract(contract_id)
    if contract is None or principal.org_id not in (contract.seller_org_id, contract.buyer_org_id):
        raise NotFound(f"contract {contract_id} not found")
    return contract


def issue_statement(
    session: Session,
    principal: Principal,
    contract_id: str,
    *,
    period_start: date,
    period_end: date,
    lines: Sequence[LineIn],
    now: datetime | None = None,
) -> Statement:
    """The seller issues a reconciliation statement of a period, line by line."""
    at = stamp(now)
    contract = get_contract(session, principal, contract_id)
    if principal.org_id != contract.seller_org_id:
        raise Forbidden("only the seller issues a reconciliation statement")
    access.require_officer(principal)
    if period_end < period_start:
        raise ValidationFailed("period_end: on or after period_start", field="period_end")
    if not lines or len(lines) > MAX_LINES:
        raise ValidationFailed(f"lines: 1 to {MAX_LINES} lines", field="lines")
    writer(session)
    statement = ReconStatement(
        contract_id=contract.id,
        period_start=period_start,
        period_end=period_end,
        state=StatementState.OPEN.value,
        issued_at=at,
        due_on=period_end + timedelta(days=contract.payment_days),
    )
    repo = TradeRepository(session)
    repo.add(statement)
    rows = [
        ReconLine(
            statement_id=statement.id,
            position=i,
            reference=text(x.reference, field=f"lines.{i}.reference", limit=100),
            description=text(x.description, field=f"lines.{i}.description", limit=200),
            amount_fen=require_positive_fen(x.amount_fen, field=f"lines.{i}.amount"),
            state=LineState.PENDING.value,
        )
        for i, x in enumerate(lines)
    ]
    repo.add(*rows)
    log(
        session,
        "statement.issued",
        principal.org_id,
        contract.buyer_org_id,
        f"statement/{statement.id}",
        {
            "statement_id": statement.id,
            "contract_id": contract.id,
            "lines": [{"reference": r.reference, "amount_fen": r.amount_fen} for r in rows],
        },
    )
    return Statement(statement, contract, rows)


def get_statement(session: Session, principal: Principal, statement_id: str) -> Statement:
    """A statement with its lines, to the contract's two parties."""
    repo = TradeRepository(session)
    statement = repo.statement(statement_id)
    if statement is None:
        raise NotFound(f"statement {statement_id} not found")
    try:
        contract = get_contract(session, principal, statement.contract_id)
    except NotFound:
        raise NotFound(f"statement {statement_id} not found") from None
    return Statement(statement, contract, repo.lines(statement.id))


def statements_of(session: Session, principal: Principal, contract_id: str) -> list[Statement]:
    """Every statement of a contract, to its parties."""
    contract = get_contract(session, principal, contract_id)
    repo = TradeRepository(session)
    return [Statement(s, contract, repo.lines(s.id)) for s in repo.statements_of(contract.id)]


def answer_line(
    session: Session,
    principal: Principal,
    line_id: str,
    *,
    confirm: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Statement:
    """The buyer confirms a line or disputes it (saying why); the statement follows."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    line = repo.line(line_id)
    if line is None:
        raise NotFound(f"statement line {line_id} not found")
    found = repo.statement(line.statement_id, lock=True)
    assert found is not None  # a foreign key
    try:
        contract = get_contract(session, principal, found.contract_id)
    except NotFound:
        raise NotFound(f"statement line {line_id} not found") from None
    if principal.org_id != contract.buyer_org_id:
        raise Forbidden("only the buyer confirms or disputes a statement's lines")
    access.require_officer(principal)
    if line.state != LineState.PENDING.value:
        raise Conflict(f"the line is already {line.state}")
    if not confirm:
        reason = text(reason, field="reason", limit=500)
    line.state = (LineState.CONFIRMED if confirm else LineState.DISPUTED).value
    line.dispute_reason = None if confirm else reason
    line.answered_at = at
    lines = repo.lines(found.id)
    found.state = trade_terms.statement_state([LineState(x.state) for x in lines]).value
    found.version += 1
    session.flush()
    log(
        session,
        "statement.line_confirmed" if confirm else "statement.line_disputed",
        principal.org_id,
        contract.seller_org_id,
        f"statement/{found.id}",
        {
            "statement_id": found.id,
            "line_id": line.id,
            "reference": line.reference,
            "amount_fen": line.amount_fen,
            "reason": line.dispute_reason,
            "statement_state": found.state,
        },
    )
    return Statement(found, contract, lines)


def record_payment(
    session: Session, principal: Principal, statement_id: str, *, now: datetime | None = None
) -> Statement:
    """The buyer records that it paid a confirmed statement (logged for the seller)."""
    at = stamp(now)
    writer(session)
    st = get_statement(session, principal, statement_id)
    if principal.org_id != st.contract.buyer_org_id:
        raise Forbidden("only the buyer records its payment")
    access.require_officer(principal)
    if st.statement.state != StatementState.CONFIRMED.value:
        raise Conflict(f"the statement is {st.statement.state}; only a confirmed one is paid")
    if st.statement.paid_at is not None:
        raise Conflict("the statement is already paid")
    st.statement.paid_at = at
    session.flush()
    total = sum(x.amount_fen for x in st.lines)
    log(
        session,
        "statement.paid",
        principal.org_id,
        st.contract.seller_org_id,
        f"statement/{st.statement.id}",
        {"statement_id": st.statement.id, "amount_fen": total, "due_on": str(st.statement.due_on)},
    )
    return st


def due_unpaid_statements(session: Session, day: date) -> list[str]:
    """Confirmed statements unpaid after their due day (trusted: the worker's finder)."""
    return list(TradeRepository(session).due_unpaid(day))


def flag_late_payment(session: Session, statement_id: str, *, day: date) -> bool:
    """Flag a confirmed statement the buyer has not paid by ``day`` (its due day or later) to
    the seller, in the verifiable log (trusted: the worker). Once per statement."""
    writer(session)
    repo = TradeRepository(session)
    statement = repo.statement(statement_id, lock=True)
    if statement is None:
        raise NotFound(f"statement {statement_id} not found")
    if (
        statement.state != StatementState.CONFIRMED.value
        or statement.paid_at is not None
        or statement.payment_overdue_on is not None
        or statement.due_on > day
    ):
        return False
    contract = repo.contract(statement.contract_id)
    assert contract is not None  # a foreign key
    statement.payment_overdue_on = day
    session.flush()
    log(
        session,
        "statement.payment_overdue",
        contract.buyer_org_id,
        contract.seller_org_id,
        f"statement/{statement.id}",
        {
            "statement_id": statement.id,
            "contract_id": contract.id,
            "buyer_org_id": contract.buyer_org_id,
            "due_on": statement.due_on.isoformat(),
            "amount_fen": sum(x.amount_fen for x in repo.lines(statement.id)),
        },
    )
    return True
