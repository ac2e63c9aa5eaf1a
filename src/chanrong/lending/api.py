"""Lending routes: products, quotes, loans, lines, money movements, the close, alerts.

Thin: each route parses, calls ``chanrong.lending.service`` (which checks organisation and
role) and shapes the answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from chanrong.core.i18n import t
from chanrong.core.money import fen_to_yuan, yuan_to_fen
from chanrong.edge import Ctx, Idempotency, current, idempotency
from chanrong.lending import service
from chanrong.lending.fund_use import FundUseConfig
from chanrong.lending.monitoring import BorrowerSeries, Order, Point
from chanrong.lending.schemas import (
    AlertOut,
    ClassificationOut,
    CloseOut,
    CloseRequest,
    CollectionCreate,
    CollectionOut,
    DisburseRequest,
    DrawRequest,
    FundFindingOut,
    FundUseOut,
    FundUseRequest,
    InstalmentOut,
    JournalEntryOut,
    JournalLineOut,
    LineCreate,
    LineOut,
    LoanCreate,
    LoanDetail,
    LoanFromDecision,
    LoanOut,
    LprCreate,
    LprOut,
    MonitorRequest,
    PayoffOut,
    PrepaymentCreate,
    ProductCreate,
    ProductOut,
    QuoteRequest,
    RelatedPartiesIn,
    RepaymentCreate,
    RepaymentOut,
    ResolveRequest,
    ReversalCreate,
    ScheduleOut,
)
from chanrong.telemetry import service as telemetry

router = APIRouter(prefix="/lending", tags=["lending"])


def _repayment(rep: Any) -> RepaymentOut:
    return RepaymentOut(
        id=rep.id,
        loan_id=rep.loan_id,
        amount=fen_to_yuan(rep.amount_fen),
        paid_on=rep.paid_on,
        source=rep.source,
        reference=rep.reference,
        entry_id=rep.entry_id,
    )


def _line(ctx: Ctx, line: Any) -> LineOut:
    return LineOut(
        id=line.id,
        product_id=line.product_id,
        lender_org_id=line.lender_org_id,
        borrower_org_id=line.borrower_org_id,
        decision_id=line.decision_id,
        limit=fen_to_yuan(line.limit_fen),
        available=fen_to_yuan(service.line_available_fen(ctx.session, line)),
        opened_on=line.opened_on,
        expires_on=line.expires_on,
        purpose=line.purpose,
    )


def _alert(ctx: Ctx, alert: Any) -> AlertOut:
    """An alert with its message in the caller's language."""
    out = AlertOut.model_validate(alert)
    msg = alert.evidence.get("i18n") if isinstance(alert.evidence, dict) else None
    if msg:
        out.message = t(msg["key"], ctx.locale, **msg["params"])
    return out


def _payoff(p: service.Payoff) -> PayoffOut:
    return PayoffOut(
        on=p.on,
        dues=fen_to_yuan(p.dues_fen),
        accrued_interest=fen_to_yuan(p.accrued_interest_fen),
        principal=fen_to_yuan(p.principal_fen),
        total=fen_to_yuan(p.total_fen),
    )


@router.post("/products", response_model=ProductOut, status_code=201)
def create_product(
    body: ProductCreate, ctx: Ctx = Depends(current), idem: Idempotency = Depends(idempotency)
) -> JSONResponse:
    """A bank defines a product (bank officers)."""
    if (replay := idem.replay()) is not None:
        return replay
    product = service.create_product(ctx.session, ctx.principal, **body.model_dump(mode="python"))
    return idem.save(201, ProductOut.model_validate(product).model_dump(mode="json"))


@router.get("/products", response_model=list[ProductOut])
def list_products(ctx: Ctx = Depends(current)) -> list[ProductOut]:
    return [ProductOut.model_validate(p) for p in service.list_products(ctx.session, ctx.principal)]


@router.post("/lpr", response_model=LprOut, status_code=201)
def record_lpr(body: LprCreate, ctx: Ctx = Depends(current)) -> LprOut:
    """Record a published LPR fixing."""
    row = service.record_lpr(
        ctx.session, ctx.principal, tenor=body.tenor, effective_on=body.effective_on, rate=body.rate
    )
    return LprOut.model_validate(row)


@router.post("/quotes", response_model=ScheduleOut)
def quote(body: QuoteRequest, ctx: Ctx = Depends(current)) -> ScheduleOut:
    """The schedule a loan would have, shown before acceptance."""
    product, schedule = service.quote(
        ctx.session,
        ctx.principal,
        product_id=body.product_id,
        amount=body.amount,
        term_months=body.term_months,
        start_on=body.start_on,
        annual_rate=body.annual_rate,
    )
    return ScheduleOut(
        product_id=product.id,
        method=product.method,
        day_count=product.day_count,
        principal=fen_to_yuan(schedule.principal_fen),
        total_interest=fen_to_yuan(schedule.total_interest_fen),
        total=fen_to_yuan(schedule.total_fen),
        instalments=[
            InstalmentOut(
                number=i.number,
                start=i.start,
                due=i.due,
                principal=fen_to_yuan(i.principal_fen),
                interest=fen_to_yuan(i.interest_fen),
                total=fen_to_yuan(i.total_fen),
            )
            for i in schedule.instalments
        ],
    )


@router.post("/loans", response_model=LoanOut, status_code=201)
def book_loan(
    body: LoanCreate, ctx: Ctx = Depends(current), idem: Idempotency = Depends(idempotency)
) -> JSONResponse:
    """Book a loan on the bank's own product (from a decision, or directly by an officer)."""
    if (replay := idem.replay()) is not None:
        return replay
    loan = service.book_loan(ctx.session, ctx.principal, **body.model_dump(mode="python"))
    return idem.save(201, LoanOut.of(loan).model_dump(mode="json"))


@router.post("/loans/from-decision", response_model=LoanOut, status_code=201)
def book_from_decision(
    body: LoanFromDecision,
    ctx: Ctx = Depends(current),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Book a loan from the bank's approved credit decision (borrower, limit, rate from it)."""
    if (replay := idem.replay()) is not None:
        return replay
    loan = service.book_from_decision(ctx.session, ctx.principal, **body.model_dump(mode="python"))
    return idem.save(201, LoanOut.of(loan).model_dump(mode="json"))


@router.get("/loans", response_model=list[LoanOut])
def list_loans(ctx: Ctx = Depends(current)) -> list[LoanOut]:
    """The bank's own book, or the enterprise's own borrowing."""
    return [LoanOut.of(x) for x in service.list_loans(ctx.session, ctx.principal)]


@router.get("/loans/{loan_id}", response_model=LoanDetail)
def get_loan(loan_id: str, ctx: Ctx = Depends(current)) -> LoanDetail:
    """A loan with its schedule, what was paid, balances from the journal and its history."""
    view = service.loan_view(ctx.session, ctx.principal, loan_id)
    return LoanDetail(
        loan=LoanOut.of(view.loan),
        instalments=[
            InstalmentOut(
                number=i.number,
                start=i.start,
                due=i.due,
                principal=fen_to_yuan(i.principal_fen),
                interest=fen_to_yuan(i.interest_fen),
                total=fen_to_yuan(i.principal_fen + i.interest_fen),
                paid_principal=fen_to_yuan(i.paid_principal_fen),
                paid_interest=fen_to_yuan(i.paid_interest_fen),
            )
            for i in view.instalments
        ],
        balances={k: fen_to_yuan(v) for k, v in view.balances.items()},
        payoff=_payoff(view.payoff) if view.payoff else None,
        classifications=[ClassificationOut.model_validate(c) for c in view.classifications],
        collections=[
            CollectionOut(
                reference=c.reference,
                payer=c.payer,
                paid_on=c.paid_on,
                booked_on=c.booked_on,
                amount=fen_to_yuan(c.amount_fen),
                applied=fen_to_yuan(c.applied_fen),
                released=fen_to_yuan(c.released_fen),
            )
            for c in view.collections
        ],
    )


@router.get("/loans/{loan_id}/journal", response_model=list[JournalEntryOut])
def loan_journal(loan_id: str, ctx: Ctx = Depends(current)) -> list[JournalEntryOut]:
    return [
        JournalEntryOut(
            id=e.id,
            kind=e.kind,
            effective_on=e.effective_on,
            memo=e.memo,
            lines=[
                JournalLineOut(
                    account=x.account,
                    debit=fen_to_yuan(x.debit_fen),
                    credit=fen_to_yuan(x.credit_fen),
                )
                for x in lines
            ],
        )
        for e, lines in service.loan_journal(ctx.session, ctx.principal, loan_id)
    ]


@router.post("/loans/{loan_id}/accept", response_model=LoanOut)
def accept_loan(loan_id: str, ctx: Ctx = Depends(current)) -> LoanOut:
    """The borrower accepts the loan and its schedule."""
    return LoanOut.of(service.accept_loan(ctx.session, ctx.principal, loan_id))


@router.post("/loans/{loan_id}/disburse", response_model=LoanOut)
def disburse(loan_id: str, body: DisburseRequest, ctx: Ctx = Depends(current)) -> LoanOut:
    return LoanOut.of(service.disburse(ctx.session, ctx.principal, loan_id, on=body.on))


@router.post("/loans/{loan_id}/repayments", response_model=RepaymentOut, status_code=201)
def repay(loan_id: str, body: RepaymentCreate, ctx: Ctx = Depends(current)) -> RepaymentOut:
    """Record money received; the same ``reference`` twice records it once."""
    rep = service.repay(
        ctx.session,
        ctx.principal,
        loan_id,
        amount=body.amount,
        paid_on=body.paid_on,
        reference=body.reference,
    )
    return _repayment(rep)


@router.post("/loans/{loan_id}/prepayments", response_model=RepaymentOut, status_code=201)
def prepay(loan_id: str, body: PrepaymentCreate, ctx: Ctx = Depends(current)) -> RepaymentOut:
    """Prepay part or all of the principal; the rest of the schedule is recalculated."""
    rep = service.prepay(
        ctx.session,
        ctx.principal,
        loan_id,
        amount=body.amount,
        on=body.on,
        reference=body.reference,
    )
    return _repayment(rep)


@router.post(
    "/loans/{loan_id}/repayments/{repayment_id}/reverse",
    response_model=RepaymentOut,
    status_code=201,
)
def reverse_repayment(
    loan_id: str, repayment_id: str, body: ReversalCreate, ctx: Ctx = Depends(current)
) -> RepaymentOut:
    """Undo a repayment that did not stand, by an opposite entry (nothing is edited)."""
    rep = service.reverse_repayment(
        ctx.session, ctx.principal, loan_id, repayment_id, on=body.on, reason=body.reason
    )
    return _repayment(rep)


@router.get("/loans/{loan_id}/payoff", response_model=PayoffOut)
def payoff(loan_id: str, on: date, ctx: Ctx = Depends(current)) -> PayoffOut:
    return _payoff(service.payoff_quote(ctx.session, ctx.principal, loan_id, on=on))


@router.post("/lines", response_model=LineOut, status_code=201)
def open_line(
    body: LineCreate, ctx: Ctx = Depends(current), idem: Idempotency = Depends(idempotency)
) -> JSONResponse:
    """Open a revolving credit line (bank officers)."""
    if (replay := idem.replay()) is not None:
        return replay
    line = service.open_credit_line(ctx.session, ctx.principal, **body.model_dump(mode="python"))
    return idem.save(201, _line(ctx, line).model_dump(mode="json"))


@router.get("/lines/{line_id}", response_model=LineOut)
def get_line(line_id: str, ctx: Ctx = Depends(current)) -> LineOut:
    return _line(ctx, service.get_line(ctx.session, ctx.principal, line_id))


@router.post("/lines/{line_id}/drawdowns", response_model=LoanOut, status_code=201)
def draw(
    line_id: str,
    body: DrawRequest,
    ctx: Ctx = Depends(current),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The borrower draws on its line; the drawdown is disbursed at once.

    Send an ``Idempotency-Key``: a retried drawdown then answers the first one.
    """
    if (replay := idem.replay()) is not None:
        return replay
    loan = service.draw(
        ctx.session,
        ctx.principal,
        line_id,
        amount=body.amount,
        term_months=body.term_months,
        on=body.on,
    )
    return idem.save(201, LoanOut.of(loan).model_dump(mode="json"))


@router.post("/collections", response_model=list[RepaymentOut])
def collection(body: CollectionCreate, ctx: Ctx = Depends(current)) -> list[RepaymentOut]:
    """A borrower's receivable was paid through the platform: sweep the agreed share."""
    reps = service.record_collection(
        ctx.session,
        ctx.principal,
        borrower_org_id=body.borrower_org_id,
        payment_ref=body.payment_ref,
        amount_fen=yuan_to_fen(body.amount, field="amount"),
        paid_on=body.paid_on,
    )
    return [_repayment(r) for r in reps]


@router.post("/close", response_model=CloseOut)
def close(body: CloseRequest, ctx: Ctx = Depends(current)) -> CloseOut:
    """The daily close of the caller's book: accrual, delinquency, and the balance proof."""
    r = service.close_books(ctx.session, ctx.principal, as_of=body.as_of)
    return CloseOut(
        as_of=r.as_of,
        loans=r.loans,
        interest_accrued=fen_to_yuan(r.interest_accrued_fen),
        penalty_accrued=fen_to_yuan(r.penalty_accrued_fen),
        overpayments_applied=fen_to_yuan(r.overpayments_applied_fen),
        reclassified=r.reclassified,
        closed=r.closed,
        total_debit=fen_to_yuan(r.total_debit_fen),
        total_credit=fen_to_yuan(r.total_credit_fen),
        balanced=r.balanced,
        checks={k: [fen_to_yuan(a), fen_to_yuan(b)] for k, (a, b) in r.checks.items()},
    )


@router.post("/loans/{loan_id}/monitor", response_model=list[AlertOut])
def monitor(loan_id: str, body: MonitorRequest, ctx: Ctx = Depends(current)) -> list[AlertOut]:
    """Run the early-warning detectors (needs the borrower's monitoring consent).

    Without ``series`` the borrower's own business records on the platform are read, and its
    machines' telemetry day by day where the grant reaches production data.
    """
    s = body.series
    if s is None:
        found = service.monitor_from_platform(
            ctx.session,
            ctx.principal,
            loan_id,
            as_of=body.as_of,
            store=telemetry.open_store(ctx.settings),
        )
        return [_alert(ctx, a) for a in found]
    series = BorrowerSeries(
        output=[Point(p.period, p.value) for p in s.output],
        energy=[Point(p.period, p.value) for p in s.energy],
        orders=[
            Order(o.period, o.buyer, yuan_to_fen(o.amount, field="orders.amount")) for o in s.orders
        ],
        payment_delay_days=[Point(p.period, p.value) for p in s.payment_delay_days],
        last_seen=s.last_seen,
    )
    alerts = service.monitor_loan(
        ctx.session, ctx.principal, loan_id, series=series, as_of=body.as_of
    )
    return [_alert(ctx, a) for a in alerts]


@router.post("/loans/{loan_id}/fund-use", response_model=FundUseOut)
def fund_use(loan_id: str, body: FundUseRequest, ctx: Ctx = Depends(current)) -> FundUseOut:
    """Where the loan money went: the borrower's outgoing payments on the platform (its
    ``outgoing_payments`` records, read under its monitoring consent) traced against the
    rules; each rule that fires opens an alert with the payments as evidence. The worker
    runs the same check whenever outgoing payments land; this runs it now."""
    cfg = FundUseConfig(
        window_days=body.window_days,
        fast_days=body.fast_days,
        fast_share=body.fast_share_pct / 100,
    )
    r = service.check_fund_use_of(ctx.session, ctx.principal, loan_id, as_of=body.as_of, config=cfg)
    tr = r.traced
    return FundUseOut(
        purpose=r.purpose,
        disbursed=fen_to_yuan(r.disbursed_fen),
        payments_read=r.payments_read,
        traced=fen_to_yuan(tr.traced_fen),
        consistent=fen_to_yuan(tr.consistent_fen),
        unknown=fen_to_yuan(tr.unknown_fen),
        inconsistent=fen_to_yuan(tr.inconsistent_fen),
        forbidden=fen_to_yuan(tr.forbidden_fen),
        consistent_share=tr.consistent_share,
        findings=[
            FundFindingOut(
                rule=h.rule.value,
                severity="high" if h.high else "medium",
                amount=fen_to_yuan(h.amount_fen),
                note=h.note,
                payments=[
                    {
                        "payment_id": p.reference,
                        "payee_name": p.payee_name,
                        "paid_date": p.paid_on.isoformat(),
                        "amount": str(fen_to_yuan(p.amount_fen)),
                        "loan_money": str(fen_to_yuan(fen)),
                        "channel": p.channel,
                    }
                    for p, fen in h.payments
                ],
            )
            for h in tr.hits
        ],
        alert_ids=[a.id for a in r.alerts],
    )


@router.put("/loans/{loan_id}/related-parties", response_model=LoanOut)
def related_parties(loan_id: str, body: RelatedPartiesIn, ctx: Ctx = Depends(current)) -> LoanOut:
    """The bank declares the borrower's related parties (关联方); loan money paid to them
    is a fund-use finding."""
    loan = service.declare_related_parties(
        ctx.session,
        ctx.principal,
        loan_id,
        [p.model_dump() for p in body.related_parties],
    )
    return LoanOut.of(loan)


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(
    status: str | None = None, loan_id: str | None = None, ctx: Ctx = Depends(current)
) -> list[AlertOut]:
    """Alerts on the bank's book, or about the calling enterprise."""
    alerts = service.list_alerts(ctx.session, ctx.principal, status=status, loan_id=loan_id)
    return [_alert(ctx, a) for a in alerts]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(alert_id: str, ctx: Ctx = Depends(current)) -> AlertOut:
    a = service.update_alert(ctx.session, ctx.principal, alert_id, action="acknowledge")
    return _alert(ctx, a)


@router.post("/alerts/{alert_id}/resolve", response_model=AlertOut)
def resolve(alert_id: str, body: ResolveRequest, ctx: Ctx = Depends(current)) -> AlertOut:
    a = service.update_alert(ctx.session, ctx.principal, alert_id, action="resolve", note=body.note)
    return _alert(ctx, a)
