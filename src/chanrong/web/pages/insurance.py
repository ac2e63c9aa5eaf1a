"""Insurance in the console: the insurer's book of policies, portfolio risk map, alerts,
claims and pricing model; the enterprise's own safety alerts with what to check. Every figure
comes from the insurance services, which check the insurer's role and the enterprise's
consent (an enterprise without a grant shows as "no consent", never as a blank)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.identity.domain import InstitutionType, OrgKind
from chanrong.insurance import calibration, lifecycle, notices, policies, risk
from chanrong.insurance import safety as safety_rules
from chanrong.web import (
    directory,
    insurance_messages,  # noqa: F401  (registers the pages' words)
)
from chanrong.web.auth import NotForRole, Page, page_for
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
_fi_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
enterprise_page = page_for(OrgKind.ENTERPRISE)
FACTORS = tuple(safety_rules.POINTS)


def insurer_page(p: Page = Depends(_fi_page)) -> Page:
    """A financial institution's user whose institution is an insurer."""
    if p.ctx.principal.institution_type is not InstitutionType.INSURER:
        raise NotForRole("this page is for insurers")
    return p


def _page(request: Request, p: Page, template: str, **extra: Any) -> HTMLResponse:
    return render(request, template, p, locale=p.locale, **extra)


@router.get("/insurer/book", response_class=HTMLResponse)
def book(request: Request, p: Page = Depends(insurer_page)) -> HTMLResponse:
    """Every policy the insurer wrote, its premium and what it has paid on it."""
    rows = policies.list_policies(p.session, p.ctx.principal)
    paid = {
        r.id: sum(c.amount_fen for c in policies.claims_of(p.session, p.ctx.principal, r.id))
        for r in rows
    }
    names = directory.names(p.session, {r.org_id for r in rows})
    return _page(
        request,
        p,
        "insurance/book.html",
        rows=rows,
        paid=paid,
        names=names,
        written_fen=sum(r.premium_fen for r in rows),
        paid_fen=sum(paid.values()),
    )


@router.get("/insurer/policies/{policy_id}", response_class=HTMLResponse)
def policy(request: Request, policy_id: str, p: Page = Depends(insurer_page)) -> HTMLResponse:
    """One policy: its state, schedule with what is paid (paid, late, overdue, missed as of
    today), re-ratings with their reasons, ledger and claims."""
    v = policies.policy_view(p.session, p.ctx.principal, policy_id)
    claims = policies.claims_of(p.session, p.ctx.principal, policy_id)
    names = directory.names(p.session, {v.policy.org_id})
    today = shanghai_date(utcnow())
    status = lifecycle.schedule_status(p.session, p.ctx.principal, policy_id, today)
    return _page(
        request, p, "insurance/policy.html", v=v, claims=claims, names=names, status=status,
        today=today,
    )  # fmt: skip


@router.get("/insurer/portfolio", response_class=HTMLResponse)
def portfolio(request: Request, p: Page = Depends(insurer_page)) -> HTMLResponse:
    """The risk map: each insured enterprise against each risk factor (a heat grid)."""
    rows = risk.portfolio(p.session, p.ctx.principal)
    return _page(request, p, "insurance/portfolio.html", rows=rows, factors=FACTORS)


@router.get("/insurer/alerts", response_class=HTMLResponse)
def alerts(request: Request, p: Page = Depends(insurer_page)) -> HTMLResponse:
    """Alerts of every consenting insured enterprise, newest first."""
    rows = risk.portfolio(p.session, p.ctx.principal)
    items = [(r, a) for r in rows if r.view for a in r.view.alerts]
    inbox = notices.inbox(p.session, p.ctx.principal)
    names = directory.names(p.session, {n.org_id for n in inbox})
    return _page(request, p, "insurance/alerts.html", items=items, inbox=inbox, names=names)


@router.get("/insurer/alerts/{alert_id}", response_class=HTMLResponse)
def alert(request: Request, alert_id: str, p: Page = Depends(insurer_page)) -> HTMLResponse:
    """One alert: its evidence and what the enterprise is asked to check."""
    a = risk.alert(p.session, p.ctx.principal, alert_id)
    names = directory.names(p.session, {a.org_id})
    return _page(request, p, "insurance/alert.html", a=a, names=names)


@router.get("/insurer/claims", response_class=HTMLResponse)
def claims(request: Request, p: Page = Depends(insurer_page)) -> HTMLResponse:
    """Claims paid on the insurer's policies."""
    rows = policies.list_policies(p.session, p.ctx.principal)
    items = [(r, c) for r in rows for c in policies.claims_of(p.session, p.ctx.principal, r.id)]
    names = directory.names(p.session, {r.org_id for r in rows})
    return _page(request, p, "insurance/claims.html", items=items, names=names)


@router.get("/insurer/pricing", response_class=HTMLResponse)
def pricing(request: Request, p: Page = Depends(insurer_page)) -> HTMLResponse:
    """The pricing model in use: its coefficients, validation and versions."""
    versions = list(calibration.models(p.session, p.ctx.principal))
    return _page(
        request, p, "insurance/pricing.html", model=versions[0] if versions else None,
        versions=versions,
    )  # fmt: skip


@router.get("/enterprise/safety", response_class=HTMLResponse)
def enterprise_safety(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's own safety-risk profile and alerts, each with what to check."""
    v = risk.risk_of(p.session, p.ctx.principal, p.ctx.principal.org_id)
    sent = [n for n in notices.sent_about(p.session, p.ctx.principal) if n.audience == "insurer"]
    names = directory.names(p.session, {n.recipient_org_id for n in sent})
    return _page(request, p, "insurance/safety.html", v=v, sent=sent, names=names)
