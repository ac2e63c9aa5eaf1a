"""The guide fund's annual evaluation report: one self-contained HTML page (zh-CN or en)
with every figure beside the ids of the records it was computed from."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from chanrong.core.i18n import normalise_locale, t
from chanrong.core.money import format_yuan
from chanrong.funds import messages  # noqa: F401  (registers the report's words)
from chanrong.funds.evaluation import GuideEvaluation


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("chanrong.funds", "templates"),
        autoescape=select_autoescape(["html"]),
    )


def ratio(value: Decimal | None, places: int = 2) -> str | None:
    """A ratio rounded for reading, or None when unknown."""
    return None if value is None else f"{value.quantize(Decimal(1).scaleb(-places)):f}"


def percent(value: Decimal | None) -> str | None:
    """A share as a percentage with one place, or None when unknown."""
    return None if value is None else f"{(value * 100).quantize(Decimal('0.1')):f} %"


def render_report(
    e: GuideEvaluation, year: int | None, locale: str | None = None, *, pdf_href: str = ""
) -> str:
    """The evaluation as an HTML page in ``locale`` (``year``: the year evaluated)."""
    loc = normalise_locale(locale)
    return (
        _env()
        .get_template("evaluation.html")
        .render(
            e=e,
            year=year,
            lang=loc,
            t=lambda key, **p: t(key, loc, **p),
            yuan=format_yuan,
            ratio=ratio,
            percent=percent,
            pdf_href=pdf_href,
            names={i.id: i.company_name for i in e.investments},
        )
    )
