"""Enterprise pages: devices and quality, profile and score, carbon, access log, consents,
applications, loans and certificates."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.carbon import service as carbon
from chanrong.core.errors import NotFound
from chanrong.core.i18n import t
from chanrong.credit import service as credit
from chanrong.governance import service as governance
from chanrong.identity.domain import OrgKind
from chanrong.telemetry import service as telemetry
from chanrong.web import charts, directory, forms, profile
from chanrong.web.auth import Page, page_for
from chanrong.web.render import render

router = APIRouter(prefix="/console/enterprise", include_in_schema=False)
enterprise_page = page_for(OrgKind.ENTERPRISE)


def _pending(request: Request, p: Page, title_key: str, *missing: str) -> HTMLResponse:
    return render(
        request,
        "pending.html",
        p,
        locale=p.locale,
        title_key=title_key,
        missing=missing or (title_key,),
    )


@router.get("/devices", response_class=HTMLResponse)
def devices(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's devices and the daily quality score of its data, with reasons."""
    principal = p.ctx.principal
    devs = telemetry.devices_of(p.session, principal, principal.org_id)
    scores = telemetry.quality_scores(p.session, principal, org_id=principal.org_id)
    overall = sorted((s for s in scores if s.scope == "enterprise"), key=lambda s: s.day)[-90:]
    chart = None
    if overall:
        chart = charts.line(
            [s.day.isoformat() for s in overall],
            {t("web.dev.score", p.locale): [float(s.score) for s in overall]},
        )
    latest_day = max((s.day for s in scores), default=None)
    latest = [s for s in scores if s.day == latest_day and s.scope != "enterprise"]
    return render(
        request,
        "enterprise/devices.html",
        p,
        locale=p.locale,
        devices=devs,
        quality_chart=chart,
        latest=sorted(latest, key=lambda s: (s.scope, s.subject)),
        latest_day=latest_day,
    )


@router.get("/profile", response_class=HTMLResponse)
def own_profile(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's own operating picture, as a bank sees it under a grant."""
    principal = p.ctx.principal
    panels = profile.operating_panels(
        p.session,
        principal,
        p.ctx.settings,
        org_id=principal.org_id,
        purpose=None,
        locale=p.locale,
        route=request.url.path,
    )
    decided = [a for a in credit.list_applications(p.session, principal) if a.score]
    latest = max(decided, key=lambda a: a.created_at, default=None)
    governance.authorize_read(
        p.session,
        principal,
        owner_org_id=principal.org_id,
        dataset="derived.profile",
        purpose=None,
    )
    try:
        snap = credit.latest_profile(p.session, principal.org_id)
    except NotFound:
        snap = None
    score_chart = None
    if latest is not None and latest.score:
        score_chart = charts.gauge(
            round(float(latest.score)), minimum=400, maximum=800, name=latest.grade or ""
        )
    return render(
        request,
        "enterprise/profile.html",
        p,
        locale=p.locale,
        panels=panels,
        latest=latest,
        score_chart=score_chart,
        reasons=forms.reason_texts(latest, p.locale) if latest else [],
        bank=directory.names(p.session, [latest.bank_org_id]) if latest else {},
        features=credit.profile_view(snap, p.locale) if snap else [],
        profile_as_of=snap.as_of if snap else None,
    )


@router.get("/carbon", response_class=HTMLResponse)
def carbon_grade(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's monthly carbon-efficiency codes, trend and how its peers are graded."""
    principal = p.ctx.principal
    governance.authorize_read(
        p.session, principal, owner_org_id=principal.org_id, dataset=carbon.DATASET, purpose=None
    )
    codes = carbon.enterprise_codes(p.session, principal.org_id)
    rows = list(codes.codes)
    trend = None
    if rows:
        trend = charts.line(
            [c.period.strftime("%Y-%m") for c in rows],
            {t("web.carbon.grade", p.locale): [c.grade for c in rows]},
        )
        # Grade 1 is the best: draw it at the top.
        trend["yAxis"].update({"inverse": True, "min": 1, "max": 5, "interval": 1, "scale": False})
    peers = None
    if codes.peer_grades:
        grades = [1, 2, 3, 4, 5]
        peers = charts.bar(
            [t("web.carbon.grade_n", p.locale, grade=g) for g in grades],
            {t("web.carbon.peers", p.locale): [codes.peer_grades.get(g, 0) for g in grades]},
        )
    return render(
        request,
        "enterprise/carbon.html",
        p,
        locale=p.locale,
        codes=rows[::-1],
        latest=rows[-1] if rows else None,
        trend_chart=trend,
        peers_chart=peers,
    )
