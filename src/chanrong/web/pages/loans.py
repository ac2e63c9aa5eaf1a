"""Loans in the console: the bank's loan book with delinquency and alerts, a loan's schedule,
and the borrower's own loans (accepting a booked loan)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError
from chanrong.core.i18n import t
from chanrong.identity.domain import OrgKind, Role
from chanrong.lending import service as lending
from chanrong.web import charts, directory
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import error_page, failed
from chanrong.web.render import page_view, render

router = APIRouter(prefix="/console", include_in_schema=False)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
bank_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
either_page = page_for(OrgKind.FINANCIAL_INSTITUTION, OrgKind.ENTERPRISE)
borrower_officer = action_for(OrgKind.ENTERPRISE, role=Role.OFFICER)

CATEGORIES = ["normal", "special_mention", "substandard", "doubtful", "loss"]
BUCKETS = ["current", "M1", "M2", "M3+"]


def _number(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _message(alert: Any, locale: str) -> str:
    """The alert's message in the reader's language (its catalog key travels in the evidence)."""
    msg = alert.evidence.get("i18n") if isinstance(alert.evidence, dict) else None
    if isinstance(msg, dict) and "key" in msg:
        return t(str(msg["key"]), locale, **dict(msg.get("params") or {}))
    return str(alert.message)


def _evidence(alert: Any, locale: str) -> dict[str, Any]:
    """Charts and provenance of an alert's evidence, as the console shows them.

    Daily telemetry evidence gets one chart per signal (the day's value, the expected value
    and its band, the days that triggered) and the governed reads it came from, each linking
    to its entry in the verifiable log; monthly series get a line or bar chart.
    """
    ev = alert.evidence if isinstance(alert.evidence, dict) else {}
    charts_out: list[tuple[str, dict[str, Any], str]] = []
    notes: list[str] = []
    kind = ev.get("type")
    if kind == "daily":
        triggered = [str(d) for d in ev.get("triggered", [])]
        marked_days = set(triggered)
        names = {
            "value": t("web.alert.actual", locale),
            "baseline": t("web.alert.baseline", locale),
            "band": t("web.alert.band", locale),
            "marked": t("web.alert.triggered_days", locale),
        }
        for sig in ev.get("signals", []):
            pts = sig.get("series", [])
            x = [str(p["day"]) for p in pts]
            values = [_number(p.get("value")) for p in pts]
            option = charts.band(
                x,
                value=values,
                baseline=[_number(p.get("baseline")) for p in pts],
                low=[_number(p.get("low")) for p in pts],
                high=[_number(p.get("high")) for p in pts],
                marked=[v if d in marked_days else None for d, v in zip(x, values, strict=True)],
                names=names,
                unit=str(sig.get("unit", "")),
            )
            label = t(f"lending.signal.{sig.get('signal')}", locale) + f" · {sig.get('dataset')}"
            charts_out.append((f"alert-{alert.id}-{sig.get('signal')}", option, label))
        if triggered:
            notes.append(
                t(
                    "web.alert.triggered",
                    locale,
                    days=len(triggered),
                    first=triggered[0],
                    last=triggered[-1],
                )
            )
    elif kind in ("line", "bar") and ev.get("series"):
        pts = ev["series"]
        x = [str(p.get("period") or p.get("label")) for p in pts]
        lines: dict[str, list[float | None]] = {
            t("web.alert.actual", locale): [_number(p.get("value")) for p in pts]
        }
        if any("baseline" in p for p in pts):
            lines[t("web.alert.baseline", locale)] = [_number(p.get("baseline")) for p in pts]
        elif _number(ev.get("baseline")) is not None:
            lines[t("web.alert.baseline", locale)] = [_number(ev["baseline"])] * len(pts)
        unit = str(ev.get("unit", ""))
        if kind == "line":
            option = charts.line(x, lines, unit=unit)
        else:
            option = charts.bar(x, lines, unit=unit)
        charts_out.append((f"alert-{alert.id}-series", option, t("web.alert.evidence", locale)))
    elif kind == "gap":
        notes.append(t("web.alert.last_seen", locale, day=str(ev.get("last_seen"))))
    reads = [
        (str(r.get("dataset")), r.get("log_index"))
        for r in ev.get("reads", [])
        if isinstance(r, dict)
    ]
    return {"charts": charts_out, "notes": notes, "reads": reads}


def _book_context(p: Page) -> dict[str, Any]:
    loans = list(lending.list_loans(p.session, p.ctx.principal))
    alerts = [
        a
        for a in lending.list_alerts(p.session, p.ctx.principal)
        if a.status in ("open", "acknowledged")
    ]
    names = directory.names(p.session, {x.borrower_org_id for x in loans})
    by_category = Counter(x.category for x in loans if x.status == "active")
    by_bucket = Counter(x.bucket for x in loans if x.status == "active")
    live = [x for x in loans if x.status in ("active", "booked", "accepted")]
    return {
        "loans": sorted(loans, key=lambda x: (-x.dpd, x.created_at)),
        "alerts": sorted(alerts, key=lambda a: (a.status != "open", a.detected_on)),
        "evidence": {a.id: _evidence(a, p.locale) for a in alerts},
        "messages": {a.id: _message(a, p.locale) for a in alerts},
        "names": names,
        "total_fen": sum(x.principal_fen for x in live),
        "delinquent": sum(1 for x in loans if x.dpd > 0),
        "category_chart": charts.pie(
            {t(f"web.loan.cat.{c}", p.locale): by_category[c] for c in CATEGORIES if by_category[c]}
        ),
        "bucket_chart": charts.bar(
            BUCKETS, {t("web.loan.count", p.locale): [by_bucket.get(b, 0) for b in BUCKETS]}
        ),
        "can_act": p.ctx.principal.has_role(Role.OFFICER),
    }


_book = page_view("bank/loans.html", _book_context)


@router.get("/bank/loans", response_class=HTMLResponse)
def loan_book(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """The institution's loans with days past due, bucket and five-category class, and alerts."""
    return _book(request, p)


@router.post("/bank/alerts/{alert_id}", response_class=HTMLResponse)
def handle_alert(
    request: Request,
    alert_id: str,
    p: Page = Depends(bank_officer),
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Acknowledge or resolve an early-warning alert (resolving needs a note)."""
    try:
        lending.update_alert(p.session, p.ctx.principal, alert_id, action=action, note=note)
    except ChanrongError as exc:
        return _book(request, p, **failed(p, exc, request.url.path))
    return _book(request, p, ok=t("web.alert.saved", p.locale))


@router.get("/loans/{loan_id}", response_class=HTMLResponse)
def loan_detail(request: Request, loan_id: str, p: Page = Depends(either_page)) -> HTMLResponse:
    """One loan (the lender's or the borrower's): schedule paid and owed, balances, history."""
    try:
        view = lending.loan_view(p.session, p.ctx.principal, loan_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    loan = view.loan
    names = directory.names(p.session, [loan.borrower_org_id, loan.lender_org_id])
    return render(request, "loan.html", p, locale=p.locale, view=view, loan=loan, names=names)


def _mine(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    loans = list(lending.list_loans(p.session, p.ctx.principal))
    names = directory.names(p.session, {x.lender_org_id for x in loans})
    return render(
        request,
        "enterprise/loans.html",
        p,
        locale=p.locale,
        status_code=status_code,
        loans=loans,
        names=names,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/enterprise/loans", response_class=HTMLResponse)
def my_loans(request: Request, p: Page = Depends(page_for(OrgKind.ENTERPRISE))) -> HTMLResponse:
    """The enterprise's loans from every lender."""
    return _mine(request, p)


@router.post("/enterprise/loans/{loan_id}/accept", response_class=HTMLResponse)
def accept(request: Request, loan_id: str, p: Page = Depends(borrower_officer)) -> HTMLResponse:
    """The borrower accepts a booked loan and its schedule."""
    try:
        lending.accept_loan(p.session, p.ctx.principal, loan_id)
    except ChanrongError as exc:
        return _mine(request, p, **failed(p, exc, request.url.path))
    return _mine(request, p, ok=t("web.loan.accepted", p.locale))
