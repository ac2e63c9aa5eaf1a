"""Supply-chain finance routes: payables, certificates, financing, settlement, lineage."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from chanrong.core.money import yuan_to_fen
from chanrong.edge import Ctx, Idempotency, current, idempotency, require
from chanrong.supplychain import permits, service
from chanrong.supplychain.api_writes import write, write_idempotent
from chanrong.supplychain.certificates import CertState, FinancingState, PayableState
from chanrong.supplychain.domain import LineageNode
from chanrong.supplychain.schemas import (
    AnswerIn,
    CertificateOut,
    ConfirmOut,
    ContractIn,
    ContractOut,
    EventOut,
    ExposureLimitIn,
    ExposureOut,
    FinancingOut,
    FinancingRequestIn,
    FromInvoicesIn,
    LineageNodeOut,
    LineageOut,
    PayableCreate,
    PayableOut,
    PayableReject,
    QuoteIn,
    SettlementOut,
    SplitIn,
    StatementIn,
    StatementOut,
    TransferIn,
)

router = APIRouter(prefix="/supplychain", tags=["supplychain"])


def _gate(permit: permits.Permit) -> Callable[..., Coroutine[Any, Any, Ctx]]:
    """The route dependency admitting what ``permit`` admits."""
    return require(*permit.kinds, role=permit.role, core=permit.core or None)


enterprise_officer = _gate(permits.ENTERPRISE_OFFICER)
bank_officer = _gate(permits.BANK_OFFICER)
bank_viewer = _gate(permits.BANK_VIEWER)
# The certificate writes take their gate from the table the command link checks commands
# against (``permits.WRITES``), so the two ways in admit the same callers.
gate = {op: _gate(permit) for op, permit in permits.WRITES.items()}


# The certificate operations (submit, confirm, split, transfer, finance, settle, recourse) run
# their use case through ``api_writes.write``: the database's group committer on SQLite.


@router.post("/payables", response_model=PayableOut, status_code=201)
async def submit_payable(
    body: PayableCreate,
    request: Request,
    ctx: Ctx = Depends(gate["submit_payable"]),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """A supplier submits its invoice to a core enterprise for confirmation (确权)."""
    amount_fen = yuan_to_fen(body.amount, field="amount")

    def use_case(s: Session) -> object:
        payable = service.submit_payable(
            s,
            ctx.principal,
            core_org_id=body.core_org_id,
            amount_fen=amount_fen,
            maturity_date=body.maturity_date,
            contract_ref=body.contract_ref,
            invoice_ref=body.invoice_ref,
        )
        return PayableOut.of(payable).model_dump(mode="json")

    return await write_idempotent(request, ctx, idem, 201, use_case)


@router.post("/payables/from-invoices", response_model=list[PayableOut], status_code=201)
def payables_from_invoices(
    body: FromInvoicesIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Submit the caller's ingested invoices to a core enterprise (those not yet submitted)."""
    if (replay := idem.replay()) is not None:
        return replay
    rows = service.payables_from_invoices(
        ctx.session,
        ctx.principal,
        core_org_id=body.core_org_id,
        issued_from=body.issued_from,
        issued_before=body.issued_before,
    )
    return idem.save(201, [PayableOut.of(p).model_dump(mode="json") for p in rows])


@router.get("/payables", response_model=list[PayableOut])
def list_payables(
    state: PayableState | None = None, ctx: Ctx = Depends(current)
) -> list[PayableOut]:
    """Payables the caller submitted (as supplier) or owes (as core enterprise)."""
    rows = service.list_payables(ctx.session, ctx.principal, state=state.value if state else None)
    return [PayableOut.of(p) for p in rows]


@router.get("/payables/{payable_id}", response_model=PayableOut)
def get_payable(payable_id: str, ctx: Ctx = Depends(current)) -> PayableOut:
    return PayableOut.of(service.get_payable(ctx.session, ctx.principal, payable_id))


@router.post("/payables/{payable_id}/confirm", response_model=ConfirmOut, status_code=201)
async def confirm_payable(
    payable_id: str,
    request: Request,
    ctx: Ctx = Depends(gate["confirm_payable"]),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The core enterprise confirms what it owes; the supplier receives the root certificate."""

    def use_case(s: Session) -> object:
        cert = service.confirm_payable(s, ctx.principal, payable_id)
        payable = service.get_payable(s, ctx.principal, payable_id)
        out = ConfirmOut(payable=PayableOut.of(payable), certificate=CertificateOut.of(cert))
        return out.model_dump(mode="json")

    return await write_idempotent(request, ctx, idem, 201, use_case)


@router.post("/payables/{payable_id}/reject", response_model=PayableOut)
def reject_payable(
    payable_id: str, body: PayableReject, ctx: Ctx = Depends(gate["reject_payable"])
) -> PayableOut:
    """The core enterprise refuses to confirm, saying why."""
    return PayableOut.of(
        service.reject_payable(ctx.session, ctx.principal, payable_id, reason=body.reason)
    )


@router.post("/payables/{payable_id}/settle", response_model=list[SettlementOut])
async def settle_payable(
    payable_id: str, request: Request, ctx: Ctx = Depends(gate["settle"])
) -> list[SettlementOut]:
    """At maturity the core enterprise pays every current holder and the tree closes."""
    rows = await write(request, ctx, lambda s: service.settle_payable(s, ctx.principal, payable_id))
    return [SettlementOut.of(s) for s in rows]


@router.get("/payables/{payable_id}/settlements", response_model=list[SettlementOut])
def list_settlements(payable_id: str, ctx: Ctx = Depends(current)) -> list[SettlementOut]:
    return [
        SettlementOut.of(s) for s in service.settlements_of(ctx.session, ctx.principal, payable_id)
    ]


@router.get("/payables/{payable_id}/tree", response_model=LineageOut)
def payable_tree(payable_id: str, ctx: Ctx = Depends(current)) -> LineageOut:
    """The payable's certificate tree, as far as the caller may see it."""
    return _lineage_out(service.payable_tree(ctx.session, ctx.principal, payable_id))


@router.get("/certificates", response_model=list[CertificateOut])
def list_certificates(
    state: CertState | None = None, ctx: Ctx = Depends(current)
) -> list[CertificateOut]:
    """Certificates the caller holds (``state=live``) or held."""
    rows = service.list_certificates(
        ctx.session, ctx.principal, state=state.value if state else None
    )
    return [CertificateOut.of(c) for c in rows]


@router.get("/handles", response_model=CertificateOut)
def resolve_handle(handle: str, ctx: Ctx = Depends(current)) -> CertificateOut:
    """标识解析: look a certificate up by its handle (``?handle=88.608.8889/SCF.…``)."""
    return CertificateOut.of(service.resolve_handle(ctx.session, ctx.principal, handle))


@router.get("/certificates/{cert_id}", response_model=CertificateOut)
def get_certificate(cert_id: str, ctx: Ctx = Depends(current)) -> CertificateOut:
    return CertificateOut.of(service.get_certificate(ctx.session, ctx.principal, cert_id))


@router.get("/certificates/{cert_id}/lineage", response_model=LineageOut)
def certificate_lineage(cert_id: str, ctx: Ctx = Depends(current)) -> LineageOut:
    """Root payable → splits → transfers → financing, with each step's place in the log."""
    return _lineage_out(service.lineage(ctx.session, ctx.principal, cert_id))


@router.post("/certificates/{cert_id}/split", response_model=list[CertificateOut], status_code=201)
async def split_certificate(
    cert_id: str,
    body: SplitIn,
    request: Request,
    ctx: Ctx = Depends(gate["split"]),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Split a held certificate; parts are yuan, any remainder stays with the holder."""
    parts = [yuan_to_fen(p, field=f"parts.{i}") for i, p in enumerate(body.parts)]

    def use_case(s: Session) -> object:
        children = service.split_certificate(s, ctx.principal, cert_id, parts)
        return [CertificateOut.of(c).model_dump(mode="json") for c in children]

    return await write_idempotent(request, ctx, idem, 201, use_case)


@router.post("/certificates/{cert_id}/transfer", response_model=CertificateOut, status_code=201)
async def transfer_certificate(
    cert_id: str,
    body: TransferIn,
    request: Request,
    ctx: Ctx = Depends(gate["transfer"]),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Transfer a whole held certificate to a supplier; answers the recipient's certificate."""

    def use_case(s: Session) -> object:
        child = service.transfer_certificate(s, ctx.principal, cert_id, to_org_id=body.to_org_id)
        return CertificateOut.of(child).model_dump(mode="json")

    return await write_idempotent(request, ctx, idem, 201, use_case)


@router.post(
    "/certificates/{cert_id}/financing-requests", response_model=FinancingOut, status_code=201
)
async def request_financing(
    cert_id: str,
    body: FinancingRequestIn,
    request: Request,
    ctx: Ctx = Depends(gate["finance_request"]),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Offer a held certificate to a bank for discounting."""

    def use_case(s: Session) -> object:
        fin = service.request_financing(s, ctx.principal, cert_id, bank_org_id=body.bank_org_id)
        return FinancingOut.of(fin).model_dump(mode="json")

    return await write_idempotent(request, ctx, idem, 201, use_case)


@router.get("/financing-requests", response_model=list[FinancingOut])
def list_financings(
    state: FinancingState | None = None, ctx: Ctx = Depends(current)
) -> list[FinancingOut]:
    """Requests the caller made, or (a bank) received."""
    rows = service.list_financings(ctx.session, ctx.principal, state=state.value if state else None)
    certs = service.certificates_of(ctx.session, rows)
    return [FinancingOut.of(f, certs.get(f.certificate_id)) for f in rows]


@router.get("/financing-requests/{financing_id}", response_model=FinancingOut)
def get_financing(financing_id: str, ctx: Ctx = Depends(current)) -> FinancingOut:
    fin = service.get_financing(ctx.session, ctx.principal, financing_id)
    return FinancingOut.of(fin, service.certificates_of(ctx.session, [fin]).get(fin.certificate_id))


@router.post("/financing-requests/{financing_id}/quote", response_model=FinancingOut)
async def quote_financing(
    financing_id: str, body: QuoteIn, request: Request, ctx: Ctx = Depends(gate["finance_quote"])
) -> FinancingOut:
    """The bank quotes an annual discount rate on the core enterprise's credit."""
    fin = await write(
        request,
        ctx,
        lambda s: service.quote_financing(
            s,
            ctx.principal,
            financing_id,
            annual_rate_percent=body.annual_rate_percent,
            day_count=body.day_count,
            recourse=body.recourse,
        ),
    )
    return FinancingOut.of(fin)


@router.post("/financing-requests/{financing_id}/decline", response_model=FinancingOut)
async def decline_financing(
    financing_id: str, request: Request, ctx: Ctx = Depends(gate["finance_decline"])
) -> FinancingOut:
    fin = await write(
        request, ctx, lambda s: service.decline_financing(s, ctx.principal, financing_id)
    )
    return FinancingOut.of(fin)


@router.post("/financing-requests/{financing_id}/accept", response_model=FinancingOut)
async def accept_financing(
    financing_id: str, request: Request, ctx: Ctx = Depends(gate["finance_accept"])
) -> FinancingOut:
    """The holder accepts the quote: the bank holds the certificate and pays the proceeds."""
    fin = await write(
        request, ctx, lambda s: service.accept_financing(s, ctx.principal, financing_id)
    )
    return FinancingOut.of(fin)


@router.get("/overdue", response_model=list[CertificateOut])
def list_overdue(ctx: Ctx = Depends(current)) -> list[CertificateOut]:
    """Overdue certificates the caller holds, owes (core enterprise) or sold with a bank."""
    return [CertificateOut.of(c) for c in service.overdue_certificates(ctx.session, ctx.principal)]


@router.post("/certificates/{cert_id}/recourse", response_model=CertificateOut, status_code=201)
async def execute_recourse(
    cert_id: str,
    request: Request,
    ctx: Ctx = Depends(gate["recourse"]),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """追索: the bank holding an overdue certificate financed with recourse is repaid by the
    seller; answers the seller's (still overdue) certificate."""

    def use_case(s: Session) -> object:
        back = service.execute_recourse(s, ctx.principal, cert_id)
        return CertificateOut.of(back).model_dump(mode="json")

    return await write_idempotent(request, ctx, idem, 201, use_case)


@router.post("/exposure-limits", response_model=ExposureOut)
def set_exposure_limit(body: ExposureLimitIn, ctx: Ctx = Depends(bank_officer)) -> ExposureOut:
    """A bank sets its exposure limit on a core enterprise (授信额度)."""
    return ExposureOut.of(
        service.set_exposure_limit(
            ctx.session,
            ctx.principal,
            core_org_id=body.core_org_id,
            limit_fen=yuan_to_fen(body.limit, field="limit"),
        )
    )


@router.get("/exposure-limits", response_model=list[ExposureOut])
def list_exposure_limits(ctx: Ctx = Depends(bank_viewer)) -> list[ExposureOut]:
    """The caller bank's limits with what it holds outstanding and the headroom."""
    return [ExposureOut.of(e) for e in service.exposure_limits(ctx.session, ctx.principal)]


@router.post("/contracts", response_model=ContractOut, status_code=201)
def create_contract(
    body: ContractIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Record a trade contract with another enterprise; payment terms that break the rules
    on paying SMEs come back in ``flags``."""
    if (replay := idem.replay()) is not None:
        return replay
    contract = service.create_contract(
        ctx.session,
        ctx.principal,
        counterparty_org_id=body.counterparty_org_id,
        we_are=body.we_are,
        reference=body.reference,
        goods=body.goods,
        quantity=body.quantity,
        unit_price_fen=yuan_to_fen(body.unit_price, field="unit_price"),
        delivery_terms=body.delivery_terms,
        payment_days=body.payment_days,
        pay_when_paid=body.pay_when_paid,
    )
    return idem.save(201, ContractOut.of(contract).model_dump(mode="json"))


@router.get("/contracts", response_model=list[ContractOut])
def list_contracts(ctx: Ctx = Depends(current)) -> list[ContractOut]:
    """Contracts the caller's enterprise is a party to."""
    return [ContractOut.of(c) for c in service.list_contracts(ctx.session, ctx.principal)]


@router.get("/contracts/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: str, ctx: Ctx = Depends(current)) -> ContractOut:
    return ContractOut.of(service.get_contract(ctx.session, ctx.principal, contract_id))


@router.post("/contracts/{contract_id}/statements", response_model=StatementOut, status_code=201)
def issue_statement(
    contract_id: str,
    body: StatementIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The seller issues a reconciliation statement (对账单) for a period."""
    if (replay := idem.replay()) is not None:
        return replay
    lines = [
        service.LineIn(
            reference=x.reference,
            description=x.description,
            amount_fen=yuan_to_fen(x.amount, field=f"lines.{i}.amount"),
        )
        for i, x in enumerate(body.lines)
    ]
    st = service.issue_statement(
        ctx.session,
        ctx.principal,
        contract_id,
        period_start=body.period_start,
        period_end=body.period_end,
        lines=lines,
    )
    return idem.save(201, StatementOut.of(st).model_dump(mode="json"))


@router.get("/contracts/{contract_id}/statements", response_model=list[StatementOut])
def list_statements(contract_id: str, ctx: Ctx = Depends(current)) -> list[StatementOut]:
    return [
        StatementOut.of(s) for s in service.statements_of(ctx.session, ctx.principal, contract_id)
    ]


@router.get("/statements/{statement_id}", response_model=StatementOut)
def get_statement(statement_id: str, ctx: Ctx = Depends(current)) -> StatementOut:
    return StatementOut.of(service.get_statement(ctx.session, ctx.principal, statement_id))


@router.post("/statement-lines/{line_id}/answer", response_model=StatementOut)
def answer_line(
    line_id: str, body: AnswerIn, ctx: Ctx = Depends(enterprise_officer)
) -> StatementOut:
    """The buyer confirms a line or disputes it, saying why."""
    return StatementOut.of(
        service.answer_line(
            ctx.session, ctx.principal, line_id, confirm=body.confirm, reason=body.reason
        )
    )


@router.post("/statements/{statement_id}/paid", response_model=StatementOut)
def record_payment(statement_id: str, ctx: Ctx = Depends(enterprise_officer)) -> StatementOut:
    """The buyer records that it paid a confirmed statement."""
    return StatementOut.of(service.record_payment(ctx.session, ctx.principal, statement_id))


def _node_out(node: LineageNode, lineage: service.Lineage) -> LineageNodeOut:
    return LineageNodeOut(
        certificate=CertificateOut.of(lineage.certificates[node.cert.id]),
        children=[_node_out(c, lineage) for c in node.children],
    )


def _lineage_out(lineage: service.Lineage) -> LineageOut:
    return LineageOut(
        payable=PayableOut.of(lineage.payable),
        tree=_node_out(lineage.root, lineage),
        events=[
            EventOut(
                kind=e.kind,
                certificate_id=e.certificate_id,
                actor_org_id=e.actor_org_id,
                at=e.at,
                log_index=e.log_index,
                leaf_hash=e.leaf_hash,
            )
            for e in lineage.events
        ],
        financings=[FinancingOut.of(f) for f in lineage.financings],
        settlements=[SettlementOut.of(s) for s in lineage.settlements],
    )
