"""The guarantor's guaranteed trade (保付) in the console: the statements it is asked to
guarantee (accept at a fee rate, or decline), those called on (pay the seller, setting the
recourse schedule), the recourse it is owed, and the alerts on the buyers, with a check of the
buyer's records under the buyer's grant. And the agent bank's escrows (资金托管): the money it
holds for orders, the release one officer approves once the buyer has received the whole
order and another officer executes (four eyes), and the split it approves for a disputed
one. Every figure comes from ``supplychain.service``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.money import yuan_to_fen
from chanrong.identity.domain import OrgKind, Role
from chanrong.supplychain import service as supplychain
from chanrong.web import directory, trade_messages
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import failed
from chanrong.web.render import render

assert trade_messages  # registers this page's words
router = APIRouter(prefix="/console", include_in_schema=False)
fi_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
fi_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)


def _page(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    me = p.ctx.principal
    views = [
        v
        for v in supplychain.payment_guarantees(p.session, me)
        if v.guarantee.guarantor_org_id == me.org_id
    ]
    orgs = {v.guarantee.seller_org_id for v in views} | {v.guarantee.buyer_org_id for v in views}
    live = ("active", "called")
    return render(
        request,
        "guarantee/trade.html",
        p,
        locale=p.locale,
        status_code=status_code,
        rows=views,
        names=directory.names(p.session, orgs),
        live_fen=sum(v.guarantee.amount_fen for v in views if v.guarantee.state in live),
        fees_fen=sum(v.guarantee.fee_fen or 0 for v in views),
        outstanding_fen=sum(v.outstanding_fen for v in views),
        alerts=supplychain.trade_alerts(p.session, me),
        can_act=me.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/guarantor/trade", response_class=HTMLResponse)
def trade(request: Request, p: Page = Depends(fi_page)) -> HTMLResponse:
    """The statements whose payment the institution guarantees (or is asked to)."""
    return _page(request, p)


def _rate(value: str) -> Decimal:
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        raise ValidationFailed(
            "fee_rate_percent: a percentage such as 0.50", field="fee_rate_percent"
        ) from None


@router.post("/guarantor/trade/{guarantee_id}/accept", response_class=HTMLResponse)
def accept(
    request: Request,
    guarantee_id: str,
    p: Page = Depends(fi_officer),
    fee_rate_percent: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Accept at a fee rate; the fee is charged at once."""
    try:
        supplychain.accept_payment_guarantee(
            p.session, p.ctx.principal, guarantee_id, fee_rate_percent=_rate(fee_rate_percent)
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.pg.accepted", p.locale))


@router.post("/guarantor/trade/{guarantee_id}/decline", response_class=HTMLResponse)
def decline(
    request: Request,
    guarantee_id: str,
    p: Page = Depends(fi_officer),
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        supplychain.decline_payment_guarantee(
            p.session, p.ctx.principal, guarantee_id, reason=reason
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.pg.declined", p.locale))


@router.post("/guarantor/trade/{guarantee_id}/pay-out", response_class=HTMLResponse)
def pay_out(
    request: Request,
    guarantee_id: str,
    p: Page = Depends(fi_officer),
    instalments: Annotated[str, Form()] = "3",
) -> HTMLResponse:
    """Pay the seller (代偿) and open the recourse claim on the buyer."""
    try:
        try:
            count = int(instalments.strip())
        except ValueError:
            raise ValidationFailed("instalments: a whole number", field="instalments") from None
        supplychain.pay_out(p.session, p.ctx.principal, guarantee_id, instalments=count)
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.pg.paid_out", p.locale))


@router.post("/guarantor/trade/{guarantee_id}/watch", response_class=HTMLResponse)
def watch(
    request: Request,
    guarantee_id: str,
    p: Page = Depends(fi_officer),
    as_of: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Check the buyer's records now, under the buyer's grant for this purpose."""
    try:
        day = date.fromisoformat(as_of) if as_of.strip() else shanghai_date(utcnow())
    except ValueError:
        return _page(
            request,
            p,
            **failed(
                p,
                ValidationFailed("as_of: a date such as 2026-11-30", field="as_of"),
                request.url.path,
            ),
        )
    try:
        out = supplychain.watch_now(p.session, p.ctx.principal, guarantee_id, as_of=day)
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    if out.refusal:
        return _page(request, p, ok=t("web.pg.not_read", p.locale, reason=out.refusal))
    return _page(request, p, ok=t("web.pg.watched", p.locale))


# --- the agent bank's escrows ------------------------------------------------------------

ESCROWS = "/bank/escrows"  # under the router's /console
HELD = ("held", "approved", "disputed")


def _escrows(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    me = p.ctx.principal
    rows = [e for e in supplychain.escrows(p.session, me) if e.agent_org_id == me.org_id]
    orgs = {e.buyer_org_id for e in rows} | {e.seller_org_id for e in rows}
    received = {e.id: supplychain.received_in_full(p.session, e) for e in rows if e.state == "held"}
    return render(
        request,
        "bank/escrows.html",
        p,
        locale=p.locale,
        status_code=status_code,
        rows=rows,
        received=received,
        names=directory.names(p.session, orgs),
        held_fen=sum(e.amount_fen for e in rows if e.state in HELD),
        approved_fen=sum(e.amount_fen for e in rows if e.state == "approved"),
        released_fen=sum(e.to_seller_fen or 0 for e in rows if e.state == "released"),
        me_user=me.user_id,
        can_act=me.has_role(Role.OFFICER),
        **extra,
    )


@router.get(ESCROWS, response_class=HTMLResponse)
def escrows(request: Request, p: Page = Depends(fi_page)) -> HTMLResponse:
    """The escrows the bank holds as agent: approve, release, resolve disputes."""
    return _escrows(request, p)


@router.post(ESCROWS + "/{escrow_id}/approve", response_class=HTMLResponse)
def approve_escrow(request: Request, escrow_id: str, p: Page = Depends(fi_officer)) -> HTMLResponse:
    """Approve paying the whole escrow to the seller (the buyer received the whole order)."""
    try:
        supplychain.approve_release(p.session, p.ctx.principal, escrow_id)
    except ChanrongError as exc:
        return _escrows(request, p, **failed(p, exc, request.url.path))
    return _escrows(request, p, ok=t("web.es.approved", p.locale))


@router.post(ESCROWS + "/{escrow_id}/release", response_class=HTMLResponse)
def release_escrow(request: Request, escrow_id: str, p: Page = Depends(fi_officer)) -> HTMLResponse:
    """Execute an approved release (another officer than the approver)."""
    try:
        supplychain.release_escrow(p.session, p.ctx.principal, escrow_id)
    except ChanrongError as exc:
        return _escrows(request, p, **failed(p, exc, request.url.path))
    return _escrows(request, p, ok=t("web.es.released", p.locale))


@router.post(ESCROWS + "/{escrow_id}/resolve", response_class=HTMLResponse)
def resolve_escrow(
    request: Request,
    escrow_id: str,
    p: Page = Depends(fi_officer),
    to_seller: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Approve a disputed escrow's split: this much to the seller, the rest back to the buyer."""
    try:
        if not to_seller.strip():
            raise ValidationFailed("to_seller: an amount in yuan", field="to_seller")
        supplychain.resolve_escrow(
            p.session,
            p.ctx.principal,
            escrow_id,
            to_seller_fen=yuan_to_fen(to_seller.strip(), field="to_seller"),
            note=note,
        )
    except ChanrongError as exc:
        return _escrows(request, p, **failed(p, exc, request.url.path))
    return _escrows(request, p, ok=t("web.es.resolved", p.locale))
