"""Funds in the console: the fund manager's funds, one fund's commitments, portfolio, exits
and performance, a guide fund's evaluation (with each figure's records), and the government
body's view of the guide funds it sponsors. Every figure comes from ``funds.service``; a fund
the caller neither manages nor sponsors is a 404."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from chanrong.core.clock import SHANGHAI, shanghai_date, utcnow
from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.money import yuan_to_fen
from chanrong.funds import service as funds
from chanrong.identity.domain import OrgKind, Role
from chanrong.web import directory, funds_messages  # noqa: F401  (registers the pages' words)
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import error_page, failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
manager_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
reader_page = page_for(OrgKind.FINANCIAL_INSTITUTION, OrgKind.ANALYST)
gov_page = page_for(OrgKind.ANALYST)
manager_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)


@router.get("/funds", response_class=HTMLResponse)
def fund_list(request: Request, p: Page = Depends(manager_page)) -> HTMLResponse:
    """The organisation's funds with their size and the guide fund that seeded each."""
    s, org = p.session, p.ctx.principal.org_id
    rows = funds.funds_of(s, org)
    terms = {f.id: funds.terms_of(s, f.id) for f in rows}
    names = {f.id: f.name for f in rows}
    return render(
        request,
        "funds/list.html",
        p,
        locale=p.locale,
        rows=rows,
        terms=terms,
        names=names,
        committed={f.id: funds.committed_total(s, f.id) for f in rows},
    )


@router.get("/funds/{fund_id}", response_class=HTMLResponse)
def fund_page(request: Request, fund_id: str, p: Page = Depends(reader_page)) -> HTMLResponse:
    """One fund: closes, commitments, portfolio with exits, and its performance."""
    s = p.session
    try:
        fund = funds.readable_fund(s, p.ctx.principal.org_id, fund_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    investments = funds.investments_of(s, [fund.id])
    exits = funds.exits_of(s, [i.id for i in investments])
    return render(
        request,
        "funds/fund.html",
        p,
        locale=p.locale,
        fund=fund,
        closes=funds.closes_of(s, fund.id),
        commitments=funds.commitments_of(s, fund.id),
        investments=investments,
        exits=exits,
        names={i.id: i.company_name for i in investments},
        perf=funds.recorded_performance(s, fund.id),
        subs=funds.sub_funds(s, fund.id),
        ratio=funds.ratio,
        percent=funds.percent,
    )


@router.get("/funds/{fund_id}/evaluation", response_class=HTMLResponse)
def evaluation_page(request: Request, fund_id: str, p: Page = Depends(reader_page)) -> HTMLResponse:
    """A guide fund's evaluation: leverage, 返投, 投向, J-curve and performance, each with
    the ids of its records, and the annual report for the last complete year."""
    try:
        e = funds.evaluate_guide_fund(p.session, p.ctx.principal.org_id, fund_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    return render(
        request,
        "funds/evaluation.html",
        p,
        locale=p.locale,
        e=e,
        ratio=funds.ratio,
        percent=funds.percent,
        report_year=utcnow().year - 1,
    )


@router.get("/analyst/guide-funds", response_class=HTMLResponse)
def sponsored(request: Request, p: Page = Depends(gov_page)) -> HTMLResponse:
    """The guide funds the government body sponsors, with their headline figures."""
    s, org = p.session, p.ctx.principal.org_id
    rows = [funds.evaluate_guide_fund(s, org, f.id) for f in funds.sponsored_funds(s, org)]
    return render(
        request,
        "funds/sponsored.html",
        p,
        locale=p.locale,
        rows=rows,
        ratio=funds.ratio,
        percent=funds.percent,
    )


@router.get("/funds/{fund_id}/report", response_class=HTMLResponse)
def report_page(
    request: Request, fund_id: str, year: int, p: Page = Depends(reader_page)
) -> HTMLResponse:
    """The annual evaluation report of ``year`` for the manager or the sponsor."""
    try:
        e = funds.annual_evaluation(p.session, p.ctx.principal.org_id, fund_id, year)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    pdf = f"/console/funds/{fund_id}/report.pdf?year={year}"
    return HTMLResponse(funds.render_report(e, year, p.locale, pdf_href=pdf))


@router.get("/funds/{fund_id}/report.pdf", response_class=Response)
def report_pdf(fund_id: str, year: int, p: Page = Depends(reader_page)) -> Response:
    """The annual evaluation report as PDF, for the same readers as the page."""
    e = funds.annual_evaluation(p.session, p.ctx.principal.org_id, fund_id, year)
    return Response(
        funds.render_pdf(e, year, p.locale),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="evaluation-{fund_id}-{year}.pdf"'},
    )


def _monitoring(
    request: Request, p: Page, fund_id: str, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    try:
        rows = funds.watch_portfolio(p.session, p.ctx.principal, fund_id, as_of=utcnow().date())
        fund = funds.get_fund(p.session, p.ctx.principal.org_id, fund_id)
        stored = funds.list_alerts(p.session, p.ctx.principal, fund_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    names = {w.company_org_id: w.company_name for w in rows}
    return render(
        request,
        "funds/monitoring.html",
        p,
        locale=p.locale,
        status_code=status_code,
        fund=fund,
        rows=rows,
        stored=stored,
        names=names,
        messages={
            a.id: t(f"lending.alert.{a.kind}", p.locale, **a.params) if a.params else a.kind
            for a in stored
        },
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/funds/{fund_id}/monitoring", response_class=HTMLResponse)
def monitoring_page(
    request: Request, fund_id: str, p: Page = Depends(manager_page)
) -> HTMLResponse:
    """投后管理: each platform portfolio company's indicators and alerts under its live grant
    (companies without one are listed with the reason and nothing of them is read), and the
    stored alerts the worker's daily pass raised, with their lifecycle."""
    return _monitoring(request, p, fund_id)


@router.post("/funds/{fund_id}/alerts/{alert_id}", response_class=HTMLResponse)
def handle_portfolio_alert(
    request: Request,
    fund_id: str,
    alert_id: str,
    p: Page = Depends(manager_officer),
    action: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Acknowledge or close a stored portfolio alert."""
    try:
        if action == "acknowledge":
            funds.acknowledge_alert(p.session, p.ctx.principal, fund_id, alert_id)
        elif action == "close":
            funds.close_alert(
                p.session, p.ctx.principal, fund_id, alert_id, on=shanghai_date(utcnow())
            )
        else:
            raise ValidationFailed("action: acknowledge or close", field="action")
    except ChanrongError as exc:
        return _monitoring(request, p, fund_id, **failed(p, exc, request.url.path))
    return _monitoring(request, p, fund_id, ok=t("web.funds.alert_saved", p.locale))


# -- the deal pipeline (投) ------------------------------------------------------------------

NEXT_STAGE = {
    "sourced": "screening",
    "screening": "due_diligence",
    "due_diligence": "term_sheet",
    "term_sheet": "invested",
}


def _pipeline(
    request: Request, p: Page, fund_id: str, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    s = p.session
    try:
        fund = funds.get_fund(s, p.ctx.principal.org_id, fund_id)
        deals = funds.deals_of(s, p.ctx.principal, fund_id)
        watched = funds.watchlist(s, p.ctx.principal, fund_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    return render(
        request,
        "funds/pipeline.html",
        p,
        locale=p.locale,
        status_code=status_code,
        fund=fund,
        deals=deals,
        watched=watched,
        next=NEXT_STAGE,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/funds/{fund_id}/pipeline", response_class=HTMLResponse)
def pipeline_page(request: Request, fund_id: str, p: Page = Depends(manager_page)) -> HTMLResponse:
    """The fund's watch list and its deal pipeline, each deal with its stage and moves."""
    return _pipeline(request, p, fund_id)


@router.post("/funds/{fund_id}/watchlist", response_class=HTMLResponse)
def add_watch(
    request: Request,
    fund_id: str,
    company_name: Annotated[str, Form()] = "",
    p: Page = Depends(manager_officer),
) -> HTMLResponse:
    """Watch a company in the market data."""
    try:
        funds.watch_company(p.session, p.ctx.principal, fund_id, company_name)
    except ChanrongError as exc:
        return _pipeline(request, p, fund_id, **failed(p, exc, request.url.path))
    return _pipeline(request, p, fund_id, ok=t("web.deal.saved", p.locale))


@router.post("/funds/{fund_id}/pipeline/{deal_id}", response_class=HTMLResponse)
def move_deal(
    request: Request,
    fund_id: str,
    deal_id: str,
    to: Annotated[str, Form()] = "",
    p: Page = Depends(manager_officer),
) -> HTMLResponse:
    """Move a deal to its next stage or pass on it."""
    try:
        funds.move_deal(p.session, p.ctx.principal, fund_id, deal_id, to=to)
    except ChanrongError as exc:
        return _pipeline(request, p, fund_id, **failed(p, exc, request.url.path))
    return _pipeline(request, p, fund_id, ok=t("web.deal.saved", p.locale))


# -- matchmaking (供需对接) --------------------------------------------------------------------

enterprise_page = page_for(OrgKind.ENTERPRISE)


enterprise_officer = action_for(OrgKind.ENTERPRISE, role=Role.OFFICER)
reader_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, OrgKind.ANALYST, role=Role.OFFICER)


def _codes(text: str) -> tuple[str, ...]:
    """``"C34, I64"`` → ("C34", "I64"): a comma- or space-separated list, blanks dropped."""
    return tuple(part for part in text.replace("，", ",").replace(" ", ",").split(",") if part)


def _optional_fen(text: str, field: str) -> int | None:
    return yuan_to_fen(text.strip(), field=field) if text.strip() else None


def _needs(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    s, org = p.session, p.ctx.principal.org_id
    needs = funds.needs_of(s, org)
    return render(
        request,
        "funds/needs.html",
        p,
        locale=p.locale,
        status_code=status_code,
        needs=needs,
        matches={n.id: funds.matches_for_need(s, org, n.id) for n in needs},
        links=funds.links_of(s, org),
        instruments=funds.INSTRUMENTS,
        stages=funds.STAGES,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        form=extra.pop("form", {}),
        **_rooms(p),
        **extra,
    )


def _rooms(p: Page) -> dict[str, Any]:
    rooms = funds.rooms_of(p.session, p.ctx.principal)
    orgs = {r.investor_org_id for r in rooms} | {r.enterprise_org_id for r in rooms}
    return {
        "rooms": rooms,
        "room_live": {r.id: funds.is_live(r) for r in rooms},
        "room_names": directory.names(p.session, orgs),
        "room_datasets": funds.ROOM_DATASETS,
    }


@router.get("/enterprise/needs", response_class=HTMLResponse)
def enterprise_needs(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's financing needs, each with the mandates that match it and why, and
    the form to post a new one."""
    return _needs(request, p)


@router.post("/enterprise/needs", response_class=HTMLResponse)
def post_need(
    request: Request,
    instrument: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    stage: Annotated[str, Form()] = "",
    use_of_funds: Annotated[str, Form()] = "",
    p: Page = Depends(enterprise_officer),
) -> HTMLResponse:
    """The enterprise posts a financing need (its sector and region are its registration's);
    a bad field is said by name and the form keeps what was typed."""
    form = {
        "instrument": instrument,
        "amount": amount,
        "stage": stage,
        "use_of_funds": use_of_funds,
    }
    try:
        if not use_of_funds.strip():
            raise ValidationFailed("use_of_funds: say what the money is for", field="use_of_funds")
        funds.post_need(
            p.session,
            p.ctx.principal.org_id,
            instrument=instrument,
            amount_fen=yuan_to_fen(amount.strip() or "-", field="amount"),
            stage=stage or None,
            use_of_funds=use_of_funds.strip()[:500],
        )
    except ChanrongError as exc:
        return _needs(request, p, form=form, **failed(p, exc, request.url.path))
    return _needs(request, p, ok=t("web.match.form.posted", p.locale))


def _mandates(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    s, org = p.session, p.ctx.principal.org_id
    rows = funds.mandates_of(s, org)
    return render(
        request,
        "funds/mandates.html",
        p,
        locale=p.locale,
        status_code=status_code,
        mandates=rows,
        matches={m.id: funds.matches_for_mandate(s, org, m.id) for m in rows},
        links=funds.links_of(s, org),
        instruments=funds.INSTRUMENTS,
        stages=funds.STAGES,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        form=extra.pop("form", {}),
        **_rooms(p),
        **extra,
    )


@router.get("/mandates", response_class=HTMLResponse)
def mandates(request: Request, p: Page = Depends(reader_page)) -> HTMLResponse:
    """The organisation's mandates, each with the enterprises' needs that match it and why,
    and the form to post a new one."""
    return _mandates(request, p)


@router.post("/mandates", response_class=HTMLResponse)
def post_mandate(
    request: Request,
    name: Annotated[str, Form()] = "",
    instruments: Annotated[list[str] | None, Form()] = None,
    sectors: Annotated[str, Form()] = "",
    stages: Annotated[list[str] | None, Form()] = None,
    regions: Annotated[str, Form()] = "",
    ticket_min: Annotated[str, Form()] = "",
    ticket_max: Annotated[str, Form()] = "",
    p: Page = Depends(reader_officer),
) -> HTMLResponse:
    """An investor or a bank posts a mandate: instruments, sectors (GB/T 4754), stages,
    regions (GB/T 2260) and ticket range; empty means any."""
    form: dict[str, Any] = {
        "name": name,
        "instruments": instruments or [],
        "sectors": sectors,
        "stages": stages or [],
        "regions": regions,
        "ticket_min": ticket_min,
        "ticket_max": ticket_max,
    }
    try:
        if not name.strip():
            raise ValidationFailed("name: name the mandate", field="name")
        funds.post_mandate(
            p.session,
            p.ctx.principal.org_id,
            funds.MandateInput(
                name=name.strip()[:200],
                instruments=tuple(instruments or ()),
                sectors=_codes(sectors),
                stages=tuple(stages or ()),
                regions=_codes(regions),
                ticket_min_fen=_optional_fen(ticket_min, "ticket_min"),
                ticket_max_fen=_optional_fen(ticket_max, "ticket_max"),
            ),
        )
    except ChanrongError as exc:
        return _mandates(request, p, form=form, **failed(p, exc, request.url.path))
    return _mandates(request, p, ok=t("web.match.form.posted", p.locale))


# -- data rooms (尽调) ------------------------------------------------------------------------


@router.post("/enterprise/needs/{need_id}/data-rooms", response_class=HTMLResponse)
def open_room(
    request: Request,
    need_id: str,
    mandate_id: Annotated[str, Form()] = "",
    datasets: Annotated[list[str] | None, Form()] = None,
    valid_until: Annotated[str, Form()] = "",
    p: Page = Depends(enterprise_officer),
) -> HTMLResponse:
    """The enterprise opens a data room on its need for a matching mandate's organisation,
    open to the end of the chosen day (Asia/Shanghai)."""
    try:
        try:
            day = date.fromisoformat(valid_until)
        except ValueError:
            raise ValidationFailed("valid_until: a date", field="valid_until") from None
        until = datetime.combine(day, time(23, 59, 59), SHANGHAI)
        funds.open_room(
            p.session, p.ctx.principal, need_id, mandate_id=mandate_id,
            datasets=datasets or [], valid_until=until,
        )  # fmt: skip
    except ChanrongError as exc:
        return _needs(request, p, **failed(p, exc, request.url.path))
    return _needs(request, p, ok=t("web.room.opened", p.locale))


@router.post("/data-rooms/{room_id}/close", response_class=HTMLResponse)
def close_room(
    request: Request, room_id: str, p: Page = Depends(enterprise_officer)
) -> HTMLResponse:
    """The enterprise closes a room: the grant is revoked."""
    try:
        funds.close_room(p.session, p.ctx.principal, room_id)
    except ChanrongError as exc:
        return _needs(request, p, **failed(p, exc, request.url.path))
    return _needs(request, p, ok=t("web.room.closed_ok", p.locale))


@router.get("/data-rooms/{room_id}/{dataset}", response_class=HTMLResponse)
def read_room(
    request: Request, room_id: str, dataset: str, p: Page = Depends(reader_page)
) -> HTMLResponse:
    """The investor reads one dataset of a room (checked and logged as every read)."""
    try:
        rows = funds.read_room(p.session, p.ctx.principal, room_id, dataset)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    hidden = {"id", "batch_id", "created_at", "updated_at"}
    columns = [c for c in (rows[0] if rows else {}) if c not in hidden]
    return render(
        request, "funds/room.html", p, locale=p.locale, dataset=dataset, rows=rows, columns=columns
    )
