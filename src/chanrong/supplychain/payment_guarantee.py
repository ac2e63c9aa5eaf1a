"""保付: a bank or guarantor guarantees that the buyer pays a confirmed statement at maturity.

Either party to the statement asks a guarantor (a bank or a 融资担保机构) and pays its fee;
the guarantor accepts at a fee rate (the fee is journalled at once, and the guaranteed debt
enters the books) or declines. At maturity the buyer pays (the guarantee is released unused),
or, the due day past and unpaid, the seller calls on the guarantee and the guarantor pays the
seller (代偿) and takes recourse against the buyer: a recourse claim with its own schedule of
instalments, which the buyer repays oldest first. Every money movement is one balanced entry
of the trade journal (``trade_ledger``), and every request, decision, call, payout and
repayment is a leaf of the verifiable log, its index kept beside the journal entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal
from chanrong.supplychain import access, contracts, trade_journal, trade_ledger
from chanrong.supplychain.trade_ledger import ClaimState, GuaranteeState
from chanrong.supplychain.trade_orm import PaymentGuarantee, RecourseClaim, RecourseInstalment
from chanrong.supplychain.trade_repository import TradeRepository
from chanrong.supplychain.trade_terms import StatementState
from chanrong.supplychain.writes import stamp, writer

GUARANTOR_TYPES = (InstitutionType.BANK.value, InstitutionType.GUARANTOR.value)
# A guarantee still standing behind the statement (one at a time per statement).
LIVE = (GuaranteeState.REQUESTED, GuaranteeState.ACTIVE, GuaranteeState.CALLED)
DEFAULT_INSTALMENTS = 3


@dataclass(frozen=True, slots=True)
class GuaranteeView:
    """A guarantee with its recourse claim and the claim's schedule, when there is one."""

    guarantee: PaymentGuarantee
    claim: RecourseClaim | None = None
    instalments: Sequence[RecourseInstalment] = field(default_factory=tuple)

    @property
    def outstanding_fen(self) -> int:
        return 0 if self.claim is None else self.claim.amount_fen - self.claim.repaid_fen


def _view(repo: TradeRepository, g: PaymentGuarantee) -> GuaranteeView:
    claim = repo.claim_of(g.id)
    return GuaranteeView(g, claim, repo.instalments(claim.id) if claim is not None else ())


def _visible(
    repo: TradeRepository, principal: Principal, guarantee_id: str, *, lock: bool = False
) -> PaymentGuarantee:
    g = repo.guarantee(guarantee_id, lock=lock)
    if g is None or principal.org_id not in (g.guarantor_org_id, g.seller_org_id, g.buyer_org_id):
        raise NotFound(f"payment guarantee {guarantee_id} not found")
    return g


def _as_guarantor(
    repo: TradeRepository, principal: Principal, guarantee_id: str
) -> PaymentGuarantee:
    g = _visible(repo, principal, guarantee_id, lock=True)
    if principal.org_id != g.guarantor_org_id:
        raise Forbidden("only the guarantor does this")
    access.require_officer(principal)
    return g


def _state(g: PaymentGuarantee, *allowed: GuaranteeState) -> None:
    if g.state not in allowed:
        raise Conflict(
            f"the guarantee is {g.state}; this needs it {' or '.join(allowed)}", field="state"
        )


def _post(
    session: Session,
    g: PaymentGuarantee,
    kind: str,
    at: datetime,
    lines: list[trade_ledger.Line],
    log_index: int,
) -> None:
    trade_journal.post(session, subject_id=g.id, kind=kind, at=at, lines=lines, log_index=log_index)


def request_payment_guarantee(
    session: Session,
    principal: Principal,
    statement_id: str,
    *,
    guarantor_org_id: str,
    now: datetime | None = None,
) -> PaymentGuarantee:
    """A party to a confirmed, unpaid statement asks a bank or guarantor to guarantee the
    buyer's payment at maturity; the party asking pays the fee."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    st = contracts.get_statement(session, principal, statement_id)
    access.require_enterprise_officer(principal)
    if st.statement.state != StatementState.CONFIRMED.value:
        raise Conflict(
            f"statement_id: the statement is {st.statement.state}; only a confirmed one is "
            "guaranteed",
            field="statement_id",
        )
    if st.statement.paid_at is not None:
        raise Conflict("statement_id: the statement is already paid", field="statement_id")
    if any(
        g.state in LIVE or g.state == GuaranteeState.PAID_OUT
        for g in repo.guarantees_on(statement_id)
    ):
        raise Conflict("statement_id: the statement already has a guarantee", field="statement_id")
    org = identity.find_organisation(session, guarantor_org_id)
    if (
        org is None
        or org.kind != OrgKind.FINANCIAL_INSTITUTION.value
        or org.institution_type not in GUARANTOR_TYPES
    ):
        raise ValidationFailed(
            "guarantor_org_id: not a bank or guarantor on the platform", field="guarantor_org_id"
        )
    c = st.contract
    g = PaymentGuarantee(
        statement_id=st.statement.id,
        contract_id=c.id,
        seller_org_id=c.seller_org_id,
        buyer_org_id=c.buyer_org_id,
        guarantor_org_id=org.id,
        fee_payer_org_id=principal.org_id,
        amount_fen=sum(x.amount_fen for x in st.lines),
        due_on=st.statement.due_on,
        state=GuaranteeState.REQUESTED.value,
        version=1,
        requested_at=at,
    )
    repo.add(g)
    contracts.log(
        session,
        "guarantee.requested",
        principal.org_id,
        org.id,
        f"payment-guarantee/{g.id}",
        {
            "guarantee_id": g.id,
            "statement_id": g.statement_id,
            "seller_org_id": g.seller_org_id,
            "buyer_org_id": g.buyer_org_id,
            "amount_fen": g.amount_fen,
            "due_on": g.due_on.isoformat(),
        },
    )
    return g


def accept_payment_guarantee(
    session: Session,
    principal: Principal,
    guarantee_id: str,
    *,
    fee_rate_percent: Decimal,
    now: datetime | None = None,
) -> PaymentGuarantee:
    """The guarantor accepts at a fee rate (% of the amount): the fee moves from its payer to
    the guarantor and the guaranteed debt enters the books."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    g = _as_guarantor(repo, principal, guarantee_id)
    _state(g, GuaranteeState.REQUESTED)
    st = repo.statement(g.statement_id)
    assert st is not None  # a foreign key
    if st.paid_at is not None:
        raise Conflict("the statement was paid meanwhile; nothing is left to guarantee")
    fee = trade_ledger.fee_fen(g.amount_fen, fee_rate_percent)
    g.state = GuaranteeState.ACTIVE.value
    g.fee_rate_percent = fee_rate_percent
    g.fee_fen = fee
    g.decided_at = at
    g.version += 1
    session.flush()
    ref = contracts.log(
        session,
        "guarantee.accepted",
        principal.org_id,
        g.fee_payer_org_id,
        f"payment-guarantee/{g.id}",
        {
            "guarantee_id": g.id,
            "amount_fen": g.amount_fen,
            "fee_rate_percent": str(fee_rate_percent),
            "fee_fen": fee,
            "due_on": g.due_on.isoformat(),
        },
    )
    if fee:
        _post(
            session,
            g,
            "fee",
            at,
            trade_ledger.fee(g.fee_payer_org_id, g.guarantor_org_id, fee),
            ref.index,
        )
    _post(
        session,
        g,
        "obligation",
        at,
        trade_ledger.obligation(g.seller_org_id, g.buyer_org_id, g.amount_fen),
        ref.index,
    )
    return g


def decline_payment_guarantee(
    session: Session,
    principal: Principal,
    guarantee_id: str,
    *,
    reason: str,
    now: datetime | None = None,
) -> PaymentGuarantee:
    """The guarantor declines, saying why (nothing is charged)."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    g = _as_guarantor(repo, principal, guarantee_id)
    _state(g, GuaranteeState.REQUESTED)
    g.decline_reason = contracts.text(reason, field="reason", limit=500)
    g.state = GuaranteeState.DECLINED.value
    g.decided_at = at
    g.version += 1
    session.flush()
    contracts.log(
        session,
        "guarantee.declined",
        principal.org_id,
        g.fee_payer_org_id,
        f"payment-guarantee/{g.id}",
        {"guarantee_id": g.id, "reason": g.decline_reason},
    )
    return g


def record_payment(
    session: Session, principal: Principal, statement_id: str, *, now: datetime | None = None
) -> contracts.Statement:
    """The buyer pays a confirmed statement; a guarantee behind it is released unused and the
    payment is journalled. Once the guarantor has paid the seller, the buyer owes the
    guarantor instead (its recourse claim), so paying the statement is refused."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    contracts.get_statement(session, principal, statement_id)  # missing to outsiders first
    for g in repo.guarantees_on(statement_id):
        if g.state == GuaranteeState.PAID_OUT.value:
            raise Conflict(
                "the guarantor paid this statement; repay its recourse claim instead",
                field="statement_id",
            )
    st = contracts.record_payment(session, principal, statement_id, now=at)
    for g in repo.guarantees_on(statement_id):
        locked = repo.guarantee(g.id, lock=True)
        assert locked is not None
        if locked.state in (GuaranteeState.ACTIVE.value, GuaranteeState.CALLED.value):
            locked.state = GuaranteeState.RELEASED.value
            locked.closed_at = at
            locked.version += 1
            session.flush()
            ref = contracts.log(
                session,
                "guarantee.released",
                principal.org_id,
                locked.guarantor_org_id,
                f"payment-guarantee/{locked.id}",
                {"guarantee_id": locked.id, "amount_fen": locked.amount_fen},
            )
            _post(
                session,
                locked,
                "buyer_paid",
                at,
                trade_ledger.buyer_pays(
                    locked.buyer_org_id, locked.seller_org_id, locked.amount_fen
                ),
                ref.index,
            )
        elif locked.state == GuaranteeState.REQUESTED.value:
            # Nothing is left to guarantee: the request lapses, no fee is charged.
            locked.state = GuaranteeState.DECLINED.value
            locked.decline_reason = "the statement was paid before the guarantor decided"
            locked.decided_at = at
            locked.version += 1
            session.flush()
    return st


def call_payment_guarantee(
    session: Session, principal: Principal, guarantee_id: str, *, now: datetime | None = None
) -> PaymentGuarantee:
    """The seller calls on the guarantee: the due day has passed and the buyer has not paid."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    g = _visible(repo, principal, guarantee_id, lock=True)
    if principal.org_id != g.seller_org_id:
        raise Forbidden("only the seller calls on a payment guarantee")
    access.require_officer(principal)
    _state(g, GuaranteeState.ACTIVE)
    today = shanghai_date(at)
    if today <= g.due_on:
        raise Conflict(
            f"the buyer has until {g.due_on.isoformat()} to pay; call after that day",
            field="due_on",
        )
    g.state = GuaranteeState.CALLED.value
    g.called_at = at
    g.version += 1
    session.flush()
    contracts.log(
        session,
        "guarantee.called",
        principal.org_id,
        g.guarantor_org_id,
        f"payment-guarantee/{g.id}",
        {"guarantee_id": g.id, "amount_fen": g.amount_fen, "due_on": g.due_on.isoformat()},
    )
    return g


def pay_out(
    session: Session,
    principal: Principal,
    guarantee_id: str,
    *,
    instalments: int = DEFAULT_INSTALMENTS,
    first_due_on: date | None = None,
    now: datetime | None = None,
) -> GuaranteeView:
    """The guarantor pays the seller the amount guaranteed (代偿) and opens its recourse claim
    on the buyer, repaid in ``instalments`` every 30 days from ``first_due_on`` (30 days on)."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    g = _as_guarantor(repo, principal, guarantee_id)
    _state(g, GuaranteeState.CALLED)
    today = shanghai_date(at)
    first = first_due_on or today + timedelta(days=trade_ledger.INSTALMENT_DAYS)
    if first <= today:
        raise ValidationFailed("first_due_on: after today", field="first_due_on")
    schedule = trade_ledger.recourse_schedule(g.amount_fen, instalments, first)
    g.state = GuaranteeState.PAID_OUT.value
    g.closed_at = at
    g.version += 1
    claim = RecourseClaim(
        guarantee_id=g.id,
        guarantor_org_id=g.guarantor_org_id,
        buyer_org_id=g.buyer_org_id,
        amount_fen=g.amount_fen,
        repaid_fen=0,
        state=ClaimState.OPEN.value,
        version=1,
        created_at=at,
    )
    repo.add(claim)
    rows = [
        RecourseInstalment(claim_id=claim.id, position=i, due_on=d, amount_fen=fen, paid_fen=0)
        for i, (d, fen) in enumerate(schedule)
    ]
    repo.add(*rows)
    ref = contracts.log(
        session,
        "guarantee.paid_out",
        principal.org_id,
        g.seller_org_id,
        f"payment-guarantee/{g.id}",
        {"guarantee_id": g.id, "statement_id": g.statement_id, "amount_fen": g.amount_fen},
    )
    contracts.log(
        session,
        "recourse.opened",
        principal.org_id,
        g.buyer_org_id,
        f"recourse-claim/{claim.id}",
        {
            "claim_id": claim.id,
            "guarantee_id": g.id,
            "amount_fen": claim.amount_fen,
            "schedule": [{"due_on": d.isoformat(), "amount_fen": fen} for d, fen in schedule],
        },
    )
    _post(
        session,
        g,
        "guarantor_paid",
        at,
        trade_ledger.guarantor_pays(
            g.guarantor_org_id, g.seller_org_id, g.buyer_org_id, g.amount_fen
        ),
        ref.index,
    )
    return GuaranteeView(g, claim, rows)


def repay_recourse(
    session: Session,
    principal: Principal,
    claim_id: str,
    *,
    amount_fen: int,
    now: datetime | None = None,
) -> GuaranteeView:
    """The buyer repays the guarantor's recourse claim, oldest instalment first."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    claim = repo.claim(claim_id, lock=True)
    if claim is None or principal.org_id not in (claim.buyer_org_id, claim.guarantor_org_id):
        raise NotFound(f"recourse claim {claim_id} not found")
    if principal.org_id != claim.buyer_org_id:
        raise Forbidden("only the buyer repays its recourse claim")
    access.require_officer(principal)
    if claim.state != ClaimState.OPEN.value:
        raise Conflict("the recourse claim is settled")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise ValidationFailed("amount: whole fen", field="amount")
    rows = repo.instalments(claim.id)
    parts = trade_ledger.allocate(amount_fen, [r.amount_fen - r.paid_fen for r in rows])
    for row, part in zip(rows, parts, strict=True):
        row.paid_fen += part
    claim.repaid_fen += amount_fen
    claim.version += 1
    if claim.repaid_fen == claim.amount_fen:
        claim.state = ClaimState.SETTLED.value
        claim.settled_at = at
    session.flush()
    g = repo.guarantee(claim.guarantee_id)
    assert g is not None  # a foreign key
    ref = contracts.log(
        session,
        "recourse.repaid",
        principal.org_id,
        claim.guarantor_org_id,
        f"recourse-claim/{claim.id}",
        {
            "claim_id": claim.id,
            "amount_fen": amount_fen,
            "repaid_fen": claim.repaid_fen,
            "outstanding_fen": claim.amount_fen - claim.repaid_fen,
        },
    )
    _post(
        session,
        g,
        "recourse_repaid",
        at,
        trade_ledger.recourse_paid(claim.buyer_org_id, claim.guarantor_org_id, amount_fen),
        ref.index,
    )
    return GuaranteeView(g, claim, rows)


def payment_guarantees(session: Session, principal: Principal) -> list[GuaranteeView]:
    """Guarantees the caller's organisation is the guarantor, seller or buyer of."""
    repo = TradeRepository(session)
    return [_view(repo, g) for g in repo.guarantees_of(principal.org_id)]


def get_payment_guarantee(
    session: Session, principal: Principal, guarantee_id: str
) -> GuaranteeView:
    """One guarantee, to its guarantor, seller and buyer; missing to anyone else."""
    repo = TradeRepository(session)
    return _view(repo, _visible(repo, principal, guarantee_id))


def guarantees_of_statement(
    session: Session, principal: Principal, statement_id: str
) -> list[GuaranteeView]:
    """The guarantees asked for on a statement, to the statement's parties."""
    contracts.get_statement(session, principal, statement_id)
    repo = TradeRepository(session)
    return [_view(repo, g) for g in repo.guarantees_on(statement_id)]
