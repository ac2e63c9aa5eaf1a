"""Platform operator pages: park overview, data catalog, the verifiable log."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.core.i18n import t
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind
from chanrong.web import charts
from chanrong.web.auth import Page, page_for
from chanrong.web.render import render

router = APIRouter(prefix="/console/operator", include_in_schema=False)
operator_page = page_for(OrgKind.PLATFORM_OPERATOR)


@router.get("/park", response_class=HTMLResponse)
def park(request: Request, p: Page = Depends(operator_page)) -> HTMLResponse:
    """Who is on the platform, by kind, with the enterprises listed."""
    orgs = identity.list_organisations(p.session, p.ctx.principal)
    by_kind = Counter(o.kind for o in orgs)
    kinds = [k.value for k in OrgKind]
    labels = [t(f"web.kind.{k}", p.locale) for k in kinds]
    chart = charts.bar(labels, {t("web.park.count", p.locale): [by_kind.get(k, 0) for k in kinds]})
    enterprises = [o for o in orgs if o.kind == OrgKind.ENTERPRISE.value]
    return render(
        request,
        "operator/park.html",
        p,
        locale=p.locale,
        orgs=orgs,
        enterprises=enterprises,
        by_kind=by_kind,
        kinds_chart=chart,
    )


@router.get("/catalog", response_class=HTMLResponse)
def catalog(request: Request, p: Page = Depends(operator_page)) -> HTMLResponse:
    """The data catalog with classification and grading."""
    return render(request, "operator/catalog.html", p, locale=p.locale, entries=None)


@router.get("/log", response_class=HTMLResponse)
def log(request: Request, p: Page = Depends(operator_page)) -> HTMLResponse:
    """The verifiable log's status and signed tree head."""
    return render(request, "operator/log.html", p, locale=p.locale, head=None, entries=None)
