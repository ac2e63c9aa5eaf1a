"""Leasing pages: the lessor's contracts (with each device's lock state and usage) and bills;
the lessee's leases; one contract's page for every party — terms, parties and signatures,
bills, remote commands, residual value from the device's condition — with the lessor's lock
and unlock and the lessee's acceptance. Every figure comes from ``leasing.service``; forms
carry the CSRF token."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import ChanrongError
from chanrong.core.i18n import t
from chanrong.identity.domain import InstitutionType, OrgKind, Role
from chanrong.leasing import service as leasing
from chanrong.leasing.commands import platform_commander
from chanrong.telemetry import service as telemetry
from chanrong.web import (
    directory,
    leasing_messages,  # noqa: F401  (registers the pages' words)
)
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import error_page, failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
fi_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
ent_page = page_for(OrgKind.ENTERPRISE)
any_party = page_for(OrgKind.FINANCIAL_INSTITUTION, OrgKind.ENTERPRISE)
fi_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
party_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, OrgKind.ENTERPRISE, role=Role.OFFICER)


def _rows(p: Page) -> list[dict[str, Any]]:
    """Each contract with its device's lock state, last month's usage and what is unpaid."""
    out = []
    for c in leasing.list_contracts(p.session, p.ctx.principal):
        bills = leasing.list_bills(p.session, p.ctx.principal, c.id)
        out.append(
            {
                "c": c,
                "last_usage": bills[-1].usage if bills else None,
                "outstanding_fen": sum(b.amount_fen - b.paid_fen for b in bills),
                "device": "locked"
                if c.state == "locked"
                else "running"
                if c.state == "active"
                else "pending",
            }
        )
    return out


def _list(request: Request, p: Page, template: str, **extra: Any) -> HTMLResponse:
    rows = _rows(p)
    names = directory.names(
        p.session, {r["c"].lessor_org_id for r in rows} | {r["c"].lessee_org_id for r in rows}
    )
    return render(request, template, p, locale=p.locale, rows=rows, names=names, **extra)


@router.get("/lessor/contracts", response_class=HTMLResponse)
def lessor_contracts(request: Request, p: Page = Depends(fi_page)) -> HTMLResponse:
    """The lessor's contracts: lessee, device, its lock state and usage, what is unpaid."""
    return _list(request, p, "leasing/contracts.html")


@router.get("/lessor/bills", response_class=HTMLResponse)
def lessor_bills(request: Request, p: Page = Depends(fi_page)) -> HTMLResponse:
    """Every bill of the lessor's contracts, newest first."""
    contracts = leasing.list_contracts(p.session, p.ctx.principal)
    bills = [
        (c, b) for c in contracts for b in leasing.list_bills(p.session, p.ctx.principal, c.id)
    ]
    bills.sort(key=lambda cb: (cb[1].period, cb[0].id), reverse=True)
    names = directory.names(p.session, {c.lessee_org_id for c in contracts})
    today = shanghai_date(utcnow())
    return render(
        request,
        "leasing/bills.html",
        p,
        locale=p.locale,
        bills=bills,
        names=names,
        today=today,
    )


@router.get("/enterprise/leases", response_class=HTMLResponse)
def lessee_leases(request: Request, p: Page = Depends(ent_page)) -> HTMLResponse:
    """The enterprise's leases: proposals to accept, bills, usage and device state."""
    return _list(request, p, "leasing/leases.html")


def _contract(
    request: Request, p: Page, contract_id: str, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    principal = p.ctx.principal
    try:
        c = leasing.get_contract(p.session, principal, contract_id)
        bills = leasing.list_bills(p.session, principal, c.id)
        commands = leasing.list_commands(p.session, principal, c.id)
        parties = leasing.parties_of(p.session, principal, c.id)
        journal = leasing.journal_of(p.session, principal, c.id) if parties else []
        residual = leasing.residual_value(
            p.session, principal, telemetry.open_store(p.ctx.settings), c.id
        )
    except ChanrongError as exc:
        return error_page(request, p, exc)
    ids = {c.lessor_org_id, c.lessee_org_id} | (
        {x.org_id for x in parties.parties} if parties else set()
    )
    is_officer = principal.has_role(Role.OFFICER)
    return render(
        request,
        "leasing/contract.html",
        p,
        locale=p.locale,
        status_code=status_code,
        c=c,
        # Exact decimal yuan (a float would print a tiny price as 1e-05).
        price=format((Decimal(c.price_millifen_per_unit) / 100_000).normalize(), "f"),
        bills=bills,
        commands=commands,
        parties=parties,
        journal=journal,
        residual=residual,
        names=directory.names(p.session, ids),
        can_lock=is_officer
        and principal.org_id == c.lessor_org_id
        and principal.institution_type is InstitutionType.LESSOR,
        can_accept=is_officer and principal.org_id == c.lessee_org_id and c.state == "proposed",
        can_sign=is_officer and c.state in ("proposed", "accepted"),
        **extra,
    )


@router.get("/leases/{contract_id}", response_class=HTMLResponse)
def contract(request: Request, contract_id: str, p: Page = Depends(any_party)) -> HTMLResponse:
    """One lease for any of its parties."""
    return _contract(request, p, contract_id)


@router.post("/leases/{contract_id}/lock", response_class=HTMLResponse)
def lock(request: Request, contract_id: str, p: Page = Depends(fi_officer)) -> HTMLResponse:
    """The lessor locks the device (only an accepted contract in arrears past grace)."""
    try:
        e = leasing.lock(
            p.session,
            p.ctx.principal,
            platform_commander(p.ctx.settings),
            contract_id,
            shanghai_date(utcnow()),
        )
    except ChanrongError as exc:
        return _contract(request, p, contract_id, **failed(p, exc, request.url.path))
    return _contract(request, p, contract_id, **_outcome(p, e, "web.lease.locked_ok"))


@router.post("/leases/{contract_id}/unlock", response_class=HTMLResponse)
def unlock(request: Request, contract_id: str, p: Page = Depends(fi_officer)) -> HTMLResponse:
    """The lessor unlocks a locked device."""
    try:
        e = leasing.unlock(
            p.session, p.ctx.principal, platform_commander(p.ctx.settings), contract_id
        )
    except ChanrongError as exc:
        return _contract(request, p, contract_id, **failed(p, exc, request.url.path))
    return _contract(request, p, contract_id, **_outcome(p, e, "web.lease.unlocked_ok"))


def _outcome(p: Page, e: leasing.Enforcement, ok_key: str) -> dict[str, Any]:
    """Say the device obeyed only when it acknowledged; otherwise say what happened."""
    status = e.command.status if e.command else "none"
    if status == "acknowledged":
        return {"ok": t(ok_key, p.locale)}
    return {"error": t("web.lease.command_failed", p.locale, status=status)}


@router.post("/leases/{contract_id}/accept", response_class=HTMLResponse)
def accept(request: Request, contract_id: str, p: Page = Depends(party_officer)) -> HTMLResponse:
    """The lessee accepts a proposed lease."""
    try:
        leasing.accept_contract(p.session, p.ctx.principal, contract_id)
    except ChanrongError as exc:
        return _contract(request, p, contract_id, **failed(p, exc, request.url.path))
    return _contract(request, p, contract_id, ok=t("web.lease.accepted_ok", p.locale))


@router.post("/leases/{contract_id}/sign", response_class=HTMLResponse)
def sign(
    request: Request,
    contract_id: str,
    role: Annotated[str, Form()],
    contract_hash: Annotated[str, Form()],
    p: Page = Depends(party_officer),
) -> HTMLResponse:
    """A party signs the hash of the terms it was shown on this page."""
    try:
        leasing.sign_contract(
            p.session, p.ctx.principal, contract_id, role=role, contract_hash=contract_hash
        )
    except ChanrongError as exc:
        return _contract(request, p, contract_id, **failed(p, exc, request.url.path))
    return _contract(request, p, contract_id, ok=t("web.lease.signed_ok", p.locale))
