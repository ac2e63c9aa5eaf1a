"""Rendering console pages: one Jinja2 environment with the helpers every template uses."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from chanrong.core.clock import to_shanghai
from chanrong.core.i18n import t
from chanrong.core.money import format_yuan
from chanrong.web.auth import CSRF_FIELD, CSRF_HEADER, Page, set_session_cookie
from chanrong.web.nav import is_current, nav_for

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

# Scripts only from our own origin; ECharts and htmx set element styles, hence inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def local_time(value: datetime | None) -> str:
    """An instant as Beijing time, minutes precision."""
    if value is None:
        return "—"
    return to_shanghai(value).strftime("%Y-%m-%d %H:%M")


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return to_shanghai(value).strftime("%Y-%m-%d")
    return value.isoformat()


def yuan(value: int | Decimal | str | None) -> str:
    """Fen (int) or yuan (Decimal/str) as ``¥1,234.50``; never through float."""
    if value is None or value == "":
        return "—"
    if isinstance(value, int):
        return format_yuan(value)
    return f"¥{Decimal(str(value)):,.2f}"


def big_yuan(fen: int | None, locale: str) -> str:
    """Large amounts as 亿元 (zh-CN) or billions of yuan (en), two places, exact to that."""
    if fen is None:
        return "—"
    yuan = Decimal(fen) / 100
    if locale == "zh-CN":
        return f"{yuan / Decimal(100_000_000):,.2f} 亿元"
    return f"¥{yuan / Decimal(1_000_000_000):,.2f} bn"


def chart_json(option: dict[str, Any]) -> str:
    """An ECharts option as JSON for a ``data-chart`` attribute (Jinja escapes the quotes)."""
    return json.dumps(option, ensure_ascii=False, default=str, separators=(",", ":"))


templates.env.filters["local_time"] = local_time
templates.env.filters["day"] = day
templates.env.filters["yuan"] = yuan
templates.env.filters["chart_json"] = chart_json


def render(
    request: Request,
    template: str,
    p: Page | None,
    *,
    locale: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` with the common context (translator, menu, CSRF, caller)."""

    def tr(key: str, **params: Any) -> str:
        return t(key, locale, **params)

    nav = []
    if p is not None:
        nav = [
            {
                "label": tr(item.key),
                "href": item.href,
                "current": is_current(item, request.url.path),
            }
            for item in nav_for(p.ctx.principal)
        ]
    base = {
        "t": tr,
        "locale": locale,
        "p": p,
        "principal": p.ctx.principal if p else None,
        "nav": nav,
        "csrf": p.csrf if p else "",
        "csrf_field": CSRF_FIELD,
        "csrf_headers": json.dumps({CSRF_HEADER: p.csrf}) if p else "",
        "path": request.url.path,
        "is_htmx": request.headers.get("HX-Request") == "true",
        "big_yuan": lambda fen: big_yuan(fen, locale),
    }
    base.update(context)
    response = templates.TemplateResponse(request, template, base, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    if p is not None and p.renewed_token:
        set_session_cookie(response, request, p.renewed_token, p.renewed_max_age)
    if headers:
        response.headers.update(headers)
    return response


class PageView(Protocol):
    """A page drawn from its own context, optionally with a status and what an action said."""

    def __call__(
        self, request: Request, p: Page, *, status_code: int = 200, **extra: Any
    ) -> HTMLResponse: ...


def page_view(template: str, context: Callable[[Page], Mapping[str, Any]]) -> PageView:
    """The page ``template`` drawn from ``context(p)``: shown by its GET route and re-rendered
    by the forms on it with ``ok=`` or (after a refusal) ``**failed(p, exc, request.url.path)``."""

    def view(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
        return render(
            request,
            template,
            p,
            locale=p.locale,
            status_code=status_code,
            **context(p),
            **extra,
        )

    return view
