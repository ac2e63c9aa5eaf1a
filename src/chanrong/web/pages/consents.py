"""The enterprise's consent grants (grant and revoke) and who accessed its data."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.clock import SHANGHAI, utcnow
from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.governance import service as governance
from chanrong.governance.domain import DEFAULT_CATALOG, PURPOSE_DATASETS, Purpose
from chanrong.identity.domain import OrgKind, Role
from chanrong.web import charts, directory
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import failed
from chanrong.web.grants import grant_rows
from chanrong.web.render import render

router = APIRouter(prefix="/console/enterprise", include_in_schema=False)
enterprise_page = page_for(OrgKind.ENTERPRISE)
enterprise_officer = action_for(OrgKind.ENTERPRISE, role=Role.OFFICER)

PURPOSES = [p.value for p in governance.Purpose]
CATEGORIES = ["rd", "production", "operations", "management", "external"]


def _grants_context(p: Page) -> dict[str, Any]:
    now = utcnow()
    rows = grant_rows(p.session, p.ctx.principal, now)
    grantee_names = directory.names(p.session, {r["grant"].grantee_org_id for r in rows})
    catalog = governance.list_catalog(p.session, p.ctx.principal, p.ctx.principal.org_id)
    return {
        # The enterprise's own datasets, to narrow a grant to some of them.
        "datasets": [(e.name, e.category, e.grade) for e in sorted(catalog, key=lambda e: e.name)],
        "rows": rows,
        "names": grantee_names,
        "institutions": directory.institutions(p.session),
        "purposes": PURPOSES,
        "categories": CATEGORIES,
        "can_act": p.ctx.principal.has_role(Role.OFFICER),
        "default_until": (now.astimezone(SHANGHAI).date() + timedelta(days=180)).isoformat(),
        # The purpose × dataset table, shown beside the form: what each purpose may read.
        "purpose_table": [
            (purpose.value, [DEFAULT_CATALOG[d] for d in sorted(PURPOSE_DATASETS[purpose])])
            for purpose in Purpose
        ],
    }


def _render(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    # htmx asks only for the grants section; a plain form post gets the whole page.
    template = (
        "enterprise/_grants.html"
        if request.headers.get("HX-Request") == "true"
        else "enterprise/consents.html"
    )
    return render(
        request,
        template,
        p,
        locale=p.locale,
        status_code=status_code,
        **_grants_context(p),
        **extra,
    )


@router.get("/consents", response_class=HTMLResponse)
def consents(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The grants the enterprise has given, and a form to give one."""
    return _render(request, p)


def _end_of_day(value: str) -> datetime:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            "valid_until: give a date as YYYY-MM-DD", field="valid_until"
        ) from None
    # A grant "until" a day lasts to the end of that day in Beijing.
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


@router.post("/consents", response_class=HTMLResponse)
def grant(
    request: Request,
    p: Page = Depends(enterprise_officer),
    grantee_org_id: Annotated[str, Form()] = "",
    categories: Annotated[list[str] | None, Form()] = None,
    datasets: Annotated[list[str] | None, Form()] = None,
    max_grade: Annotated[str, Form()] = "",
    purpose: Annotated[str, Form()] = "",
    valid_until: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Grant an institution access to data categories up to a grade, for a purpose (to some
    of the enterprise's datasets only, when it chooses them)."""
    try:
        if not max_grade.strip().isdigit():
            raise ValidationFailed("max_grade: choose 1, 2 or 3", field="max_grade")
        g = governance.grant_consent(
            p.session,
            p.ctx.principal,
            grantee_org_id=grantee_org_id,
            categories=categories or [],
            max_grade=int(max_grade),
            purpose=purpose,
            valid_from=None,
            valid_until=_end_of_day(valid_until),
            note=note,
            datasets=datasets or None,
        )
    except ChanrongError as exc:
        return _render(request, p, **failed(p, exc, request.url.path))
    name = directory.names(p.session, [g.grantee_org_id])[g.grantee_org_id]
    return _render(request, p, status_code=201, ok=t("web.grant.granted", p.locale, org=name))


@router.post("/consents/{grant_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    grant_id: str,
    p: Page = Depends(enterprise_officer),
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Withdraw a grant: the institution's reads are refused from this instant."""
    try:
        g = governance.revoke_consent(p.session, p.ctx.principal, grant_id, reason=reason)
    except ChanrongError as exc:
        return _render(request, p, **failed(p, exc, request.url.path))
    name = directory.names(p.session, [g.grantee_org_id])[g.grantee_org_id]
    return _render(request, p, ok=t("web.grant.revoked", p.locale, org=name))


@router.get("/access", response_class=HTMLResponse)
def access(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """Who read the enterprise's data, when, which dataset and why (newest first)."""
    rows = governance.list_access(p.session, p.ctx.principal, limit=500)
    names = directory.names(p.session, {r.accessor_org_id for r in rows})
    by_who = Counter(names[r.accessor_org_id] for r in rows)
    by_dataset = Counter(r.dataset for r in rows)
    who_chart = charts.bar(
        [w for w, _ in by_who.most_common(10)][::-1],
        {t("web.access.reads", p.locale): [n for _, n in by_who.most_common(10)][::-1]},
        horizontal=True,
    )
    denials = governance.list_denials(p.session, p.ctx.principal, limit=500)
    names.update(directory.names(p.session, {d.accessor_org_id for d in denials}))
    return render(
        request,
        "enterprise/access.html",
        p,
        locale=p.locale,
        rows=rows,
        denials=denials,
        names=names,
        who_chart=who_chart if rows else None,
        dataset_chart=charts.pie(dict(by_dataset.most_common())) if rows else None,
    )
