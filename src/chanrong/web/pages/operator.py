"""Platform operator pages: park overview, data catalog, the verifiable log."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Role
from chanrong.web import charts, directory, park_activity
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import failed
from chanrong.web.render import render

router = APIRouter(prefix="/console/operator", include_in_schema=False)
operator_page = page_for(OrgKind.PLATFORM_OPERATOR)
operator_officer = action_for(OrgKind.PLATFORM_OPERATOR, role=Role.OFFICER)
CATEGORIES = [c.value for c in governance.Category]
RECENT_ENTRIES = 50


@router.get("/park", response_class=HTMLResponse)
def park(request: Request, p: Page = Depends(operator_page)) -> HTMLResponse:
    """Who is on the platform, which enterprises are sending data, how much, and its quality.

    Telemetry is read as park-wide aggregates through the telemetry service (the governance
    check admits the operator to aggregates only, and logs each read).
    """
    orgs = identity.list_organisations(p.session, p.ctx.principal)
    by_kind = Counter(o.kind for o in orgs)
    kinds = [k.value for k in OrgKind]
    labels = [t(f"web.kind.{k}", p.locale) for k in kinds]
    chart = charts.bar(labels, {t("web.park.count", p.locale): [by_kind.get(k, 0) for k in kinds]})
    enterprises = [o for o in orgs if o.kind == OrgKind.ENTERPRISE.value]
    activity = park_activity.activity(
        p.session, p.ctx.principal, p.ctx.settings, [o.id for o in enterprises]
    )
    quality = park_activity.catalog_quality(p.session, p.ctx.principal)
    ingestion_chart = charts.bar(
        [d.isoformat() for d in activity.days],
        {t("web.park.points", p.locale): activity.points_per_day},
    )
    return render(
        request,
        "operator/park.html",
        p,
        locale=p.locale,
        orgs=orgs,
        enterprises=enterprises,
        by_kind=by_kind,
        kinds_chart=chart,
        activity=activity,
        quality=quality,
        online=len(activity.online),
        ingestion_chart=ingestion_chart,
    )


@router.get("/catalog", response_class=HTMLResponse)
def catalog(request: Request, p: Page = Depends(operator_page)) -> HTMLResponse:
    """The data catalog with suggested and confirmed classification and grading."""
    return _catalog(request, p)


def _catalog(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    entries = governance.list_catalog(p.session, p.ctx.principal)
    owners = directory.names(p.session, {e.owner_org_id for e in entries})
    by_grade = Counter(int(e.grade) for e in entries)
    by_category = Counter(e.category for e in entries)
    grade_chart = charts.pie(
        {t("web.grade", p.locale, grade=g): by_grade[g] for g in sorted(by_grade)}
    )
    category_chart = charts.pie(
        {t(f"web.category.{c}", p.locale): n for c, n in sorted(by_category.items())}
    )
    return render(
        request,
        "operator/catalog.html",
        p,
        locale=p.locale,
        status_code=status_code,
        entries=sorted(entries, key=lambda e: (owners.get(e.owner_org_id, ""), e.name)),
        owners=owners,
        categories=CATEGORIES,
        grade_chart=grade_chart,
        category_chart=category_chart,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.post("/catalog/{entry_id}/classify", response_class=HTMLResponse)
def classify(
    request: Request,
    entry_id: str,
    p: Page = Depends(operator_officer),
    category: Annotated[str, Form()] = "",
    grade: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Confirm the suggested classification, or override it with a reason (both are logged)."""
    try:
        if grade and not grade.isdigit():
            raise ValidationFailed("grade: choose 1, 2 or 3", field="grade")
        entry = governance.classify(
            p.session,
            p.ctx.principal,
            entry_id,
            category=category or None,
            grade=int(grade) if grade else None,
            reason=reason,
        )
    except ChanrongError as exc:
        return _catalog(request, p, **failed(p, exc, request.url.path))
    return _catalog(request, p, ok=t("web.catalog.saved", p.locale, name=entry.name))


@router.get("/log", response_class=HTMLResponse)
def log(request: Request, p: Page = Depends(operator_page)) -> HTMLResponse:
    """The verifiable log: its size and root, the latest signed tree head, recent entries."""
    head = governance.current_root(p.session)
    signed = governance.tree_heads(p.session)
    start = max(0, head.size - RECENT_ENTRIES)
    entries = list(
        governance.list_log_entries(p.session, p.ctx.principal, start=start, limit=RECENT_ENTRIES)
    )
    entries.reverse()
    kinds = Counter(e.kind for e in entries)
    actors = directory.names(p.session, {e.actor_org_id for e in entries if e.actor_org_id})
    return render(
        request,
        "operator/log.html",
        p,
        locale=p.locale,
        size=head.size,
        root=head.root.hex(),
        signed=signed[-1] if signed else None,
        entries=entries,
        actors=actors,
        kinds_chart=charts.pie(dict(kinds.most_common())) if kinds else None,
    )
