"""Trade contracts and reconciliation in the console: an enterprise's contracts (with the
payment terms flagged at creation), their orders and deliveries with the evidence behind them
(goods-received notes, the seller's production counters), invoices, and statements (对账单);
the seller issues one (by hand or from its invoices), the buyer confirms or disputes each line
with the evidence beside it. A confirmed statement can be guaranteed (保付): either party asks
a bank or guarantor, the seller calls on it when unpaid after the due day, the buyer repays
the guarantor's recourse claim. The alerts on the enterprise's guaranteed trades are shown."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.money import yuan_to_fen
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Role
from chanrong.supplychain import service as supplychain
from chanrong.telemetry import service as telemetry
from chanrong.web import directory
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
enterprise_page = page_for(OrgKind.ENTERPRISE)
enterprise_officer = action_for(OrgKind.ENTERPRISE, role=Role.OFFICER)


def guarantors(p: Page) -> list[tuple[str, str]]:
    """(id, name) of the banks and guarantors an enterprise may ask for a 保付, by name."""
    kinds = (InstitutionType.BANK.value, InstitutionType.GUARANTOR.value)
    orgs = identity.all_organisations(p.session)
    return sorted(((o.id, o.name) for o in orgs if o.institution_type in kinds), key=lambda r: r[1])


def _page(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    me = p.ctx.principal
    contracts = sorted(
        supplychain.list_contracts(p.session, me),
        key=lambda c: c.created_at,
        reverse=True,
    )
    rows = []
    guarantees = {}
    evidence = {}
    for c in contracts:
        statements = supplychain.statements_of(p.session, me, c.id)
        for st in statements:
            sid = st.statement.id
            guarantees[sid] = supplychain.guarantees_of_statement(p.session, me, sid)
            evidence.update(supplychain.evidence_of(p.session, me, sid))
        rows.append(
            {
                "contract": c,
                "statements": statements,
                "orders": supplychain.orders_of(p.session, me, c.id),
            }
        )
    orgs = {c.seller_org_id for c in contracts} | {c.buyer_org_id for c in contracts}
    orgs |= {v.guarantee.guarantor_org_id for vs in guarantees.values() for v in vs}
    return render(
        request,
        "enterprise/contracts.html",
        p,
        locale=p.locale,
        status_code=status_code,
        rows=rows,
        me=me.org_id,
        names=directory.names(p.session, orgs),
        can_act=me.has_role(Role.OFFICER),
        guarantees=guarantees,
        evidence=evidence,
        guarantors=guarantors(p),
        alerts=supplychain.trade_alerts(p.session, me),
        **extra,
    )


@router.get("/enterprise/contracts", response_class=HTMLResponse)
def contracts(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's trade contracts and their reconciliation statements."""
    return _page(request, p)


def _day(value: str, *, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{field}: a date such as 2026-11-30", field=field) from None


@router.post("/enterprise/contracts/{contract_id}/statements", response_class=HTMLResponse)
def issue_statement(
    request: Request,
    contract_id: str,
    p: Page = Depends(enterprise_officer),
    period_start: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The seller issues a one-line statement (the API takes any number of lines)."""
    try:
        supplychain.issue_statement(
            p.session,
            p.ctx.principal,
            contract_id,
            period_start=_day(period_start, field="period_start"),
            period_end=_day(period_end, field="period_end"),
            lines=[
                supplychain.LineIn(
                    reference=reference,
                    description=description,
                    amount_fen=yuan_to_fen(amount.strip() or "-", field="amount"),
                )
            ],
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, status_code=201, ok=t("web.trade.issued", p.locale))


@router.post("/enterprise/statement-lines/{line_id}", response_class=HTMLResponse)
def answer_line(
    request: Request,
    line_id: str,
    p: Page = Depends(enterprise_officer),
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The buyer confirms a line or disputes it, saying why."""
    try:
        if action not in ("confirm", "dispute"):
            raise ValidationFailed("action: confirm or dispute", field="action")
        supplychain.answer_line(
            p.session, p.ctx.principal, line_id, confirm=action == "confirm", reason=reason
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.trade.answered", p.locale))


@router.post("/enterprise/statements/{statement_id}/paid", response_class=HTMLResponse)
def record_payment(
    request: Request, statement_id: str, p: Page = Depends(enterprise_officer)
) -> HTMLResponse:
    """The buyer records that it paid a confirmed statement."""
    try:
        supplychain.record_payment(p.session, p.ctx.principal, statement_id)
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.trade.paid_saved", p.locale))


@router.post("/enterprise/deliveries/{delivery_id}/receipt", response_class=HTMLResponse)
def record_receipt(
    request: Request,
    delivery_id: str,
    p: Page = Depends(enterprise_officer),
    received_quantity: Annotated[str, Form()] = "",
    received_on: Annotated[str, Form()] = "",
    receipt_reference: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The buyer records what it received of a delivery (its goods-received note)."""
    try:
        supplychain.record_receipt(
            p.session,
            p.ctx.principal,
            delivery_id,
            received_quantity=_count(received_quantity, field="received_quantity"),
            received_on=_day(received_on, field="received_on"),
            receipt_reference=receipt_reference,
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.tr.received_saved", p.locale))


def _count(value: str, *, field: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ValidationFailed(f"{field}: a whole number", field=field) from None


@router.post("/enterprise/deliveries/{delivery_id}/invoice", response_class=HTMLResponse)
def issue_invoice(
    request: Request,
    delivery_id: str,
    p: Page = Depends(enterprise_officer),
    number: Annotated[str, Form()] = "",
    issued_on: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The seller invoices a received delivery."""
    try:
        supplychain.issue_invoice(
            p.session,
            p.ctx.principal,
            delivery_id,
            number=number,
            issued_on=_day(issued_on, field="issued_on"),
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, status_code=201, ok=t("web.tr.invoiced", p.locale))


@router.post(
    "/enterprise/contracts/{contract_id}/statements/from-invoices", response_class=HTMLResponse
)
def statement_from_invoices(
    request: Request,
    contract_id: str,
    p: Page = Depends(enterprise_officer),
    period_start: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The seller puts the period's invoices on a statement, a line each."""
    try:
        supplychain.statement_from_invoices(
            p.session,
            p.ctx.principal,
            contract_id,
            period_start=_day(period_start, field="period_start"),
            period_end=_day(period_end, field="period_end"),
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, status_code=201, ok=t("web.tr.statement_made", p.locale))


@router.post("/enterprise/statements/{statement_id}/guarantee", response_class=HTMLResponse)
def request_guarantee(
    request: Request,
    statement_id: str,
    p: Page = Depends(enterprise_officer),
    guarantor_org_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """A party to a confirmed statement asks a bank or guarantor for a 保付."""
    try:
        supplychain.request_payment_guarantee(
            p.session, p.ctx.principal, statement_id, guarantor_org_id=guarantor_org_id
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, status_code=201, ok=t("web.pg.asked", p.locale))


@router.post("/enterprise/payment-guarantees/{guarantee_id}/call", response_class=HTMLResponse)
def call_guarantee(
    request: Request, guarantee_id: str, p: Page = Depends(enterprise_officer)
) -> HTMLResponse:
    """The seller calls on the guarantee after the due day passed unpaid."""
    try:
        supplychain.call_payment_guarantee(p.session, p.ctx.principal, guarantee_id)
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.pg.called", p.locale))


@router.post("/enterprise/recourse-claims/{claim_id}/repay", response_class=HTMLResponse)
def repay_recourse(
    request: Request,
    claim_id: str,
    p: Page = Depends(enterprise_officer),
    amount: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The buyer repays the guarantor's recourse claim."""
    try:
        supplychain.repay_recourse(
            p.session,
            p.ctx.principal,
            claim_id,
            amount_fen=yuan_to_fen(amount.strip() or "-", field="amount"),
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.pg.repaid", p.locale))


@router.post("/enterprise/contracts/{contract_id}/orders", response_class=HTMLResponse)
def place_order(
    request: Request,
    contract_id: str,
    p: Page = Depends(enterprise_officer),
    reference: Annotated[str, Form()] = "",
    quantity: Annotated[str, Form()] = "",
    ordered_on: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The buyer orders part of the contract's quantity."""
    try:
        supplychain.place_order(
            p.session,
            p.ctx.principal,
            contract_id,
            reference=reference,
            quantity=_count(quantity, field="quantity"),
            ordered_on=_day(ordered_on, field="ordered_on"),
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, status_code=201, ok=t("web.tr.ordered", p.locale))


@router.post("/enterprise/orders/{order_id}/deliveries", response_class=HTMLResponse)
def record_shipment(
    request: Request,
    order_id: str,
    p: Page = Depends(enterprise_officer),
    reference: Annotated[str, Form()] = "",
    quantity: Annotated[str, Form()] = "",
    shipped_on: Annotated[str, Form()] = "",
    device: Annotated[str, Form()] = "",
    produced_from: Annotated[str, Form()] = "",
    produced_to: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The seller ships; naming a device and a window attaches its production counters."""
    try:
        devices = [device.strip()] if device.strip() else []
        supplychain.record_shipment(
            p.session,
            p.ctx.principal,
            order_id,
            reference=reference,
            quantity=_count(quantity, field="quantity"),
            shipped_on=_day(shipped_on, field="shipped_on"),
            devices=devices,
            produced_from=_day(produced_from, field="produced_from") if devices else None,
            produced_to=_day(produced_to, field="produced_to") if devices else None,
            store=telemetry.open_store(p.ctx.settings) if devices else None,
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, status_code=201, ok=t("web.tr.shipped_saved", p.locale))
