"""The valuation report: one self-contained HTML page (zh-CN or en) with every approach's
working, the sensitivity table, and links from each figure to its evidence in the
verifiable log (``/console/log/<index>`` recomputes the entry and checks its proof)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from chanrong.assets import messages  # noqa: F401  (registers the report's words)
from chanrong.assets.orm import Valuation
from chanrong.core.i18n import normalise_locale, t
from chanrong.core.money import format_yuan

LOG_HREF = "/console/log/{index}"
BAR_PX = 200


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("chanrong.assets", "templates"),
        autoescape=select_autoescape(["html"]),
    )


def render_report(v: Valuation, locale: str | None = None, *, pdf_href: str = "") -> str:
    """The valuation as an HTML page in ``locale`` (``pdf_href``: where its PDF downloads)."""
    loc = normalise_locale(locale)
    widest = max((int(s["swing_fen"]) for s in v.sensitivity), default=0)
    weights = v.reconciliation.get("weights", {})

    def num(value: str) -> str:
        return f"{Decimal(value):,.2f}"

    return (
        _env()
        .get_template("report.html")
        .render(
            v=v,
            e=v.evidence,
            lang=loc,
            t=lambda key, **p: t(key, loc, **p),
            yuan=format_yuan,
            num=num,
            weight=lambda a: f"{Decimal(weights.get(a, '0')):.2f}",
            bar=lambda swing: 0 if widest == 0 else int(BAR_PX * swing / widest),
            log_href=lambda i: LOG_HREF.format(index=i),
            pdf_href=pdf_href or f"/console/valuations/{v.id}/pdf",
        )
    )
