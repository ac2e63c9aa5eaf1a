"""The annual investment & financing report as HTML (charts inline as SVG) and PDF.

Charts are drawn with matplotlib's object API (no pyplot global state, so it is safe in a
server). The HTML embeds each chart as SVG; the PDF puts a summary page and the same charts
on pages of their own. Chinese text needs a CJK font: Noto Sans CJK (Debian's
fonts-noto-cjk, installed by scripts/system-deps.sh) is used when present.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from chanrong.core.i18n import DEFAULT_LOCALE, normalise_locale, t
from chanrong.core.money import fen_to_yuan
from chanrong.market.analytics import Bucket, MarketReport
from chanrong.market.messages import label

_CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
_FAMILIES = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "DejaVu Sans"]
_YI = Decimal(100_000_000)
_COLOURS = ("#1f5fa8", "#e07b39", "#3a9d5d", "#b8443a", "#7a5aa6", "#8c6d31", "#4aa3b5")


@cache
def _fonts() -> list[str]:
    for path in _CJK_FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
    return _FAMILIES


def yi(fen: int | None) -> str:
    """Fen as 亿元 with two places, the unit the sector reports use."""
    if fen is None:
        return "—"
    return f"{fen_to_yuan(fen) / _YI:,.2f}"


def pct(share: float | None) -> str:
    """A share as a percentage with one decimal, or a dash."""
    return "—" if share is None else f"{share * 100:.1f}%"


def _figure(width: float = 7.0, height: float = 3.4) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    return fig, ax


def _amounts(buckets: list[Bucket]) -> list[float]:
    # Plotting only: the chart needs floats; the figures themselves stay in integer fen.
    return [float(fen_to_yuan(b.amount_fen) / _YI) for b in buckets]


def _bars(
    title: str,
    buckets: list[Bucket],
    labels: list[str],
    locale: str,
    *,
    horizontal: bool = False,
    amount: bool = False,
) -> Figure:
    fig, ax = _figure()
    values: list[float] = _amounts(buckets) if amount else [float(b.events) for b in buckets]
    shown = [f"{v:,.1f}" if amount else f"{v:,.0f}" for v in values]
    if horizontal:
        ax.barh(labels[::-1], values[::-1], color=_COLOURS[0])
        for i, (v, text) in enumerate(zip(values[::-1], shown[::-1], strict=True)):
            ax.text(v, i, f" {text}", va="center", fontsize=8)
    else:
        ax.bar(labels, values, color=_COLOURS[0])
        for i, (v, text) in enumerate(zip(values, shown, strict=True)):
            ax.text(i, v, text, ha="center", va="bottom", fontsize=8)
        ax.tick_params(axis="x", labelrotation=30 if len(labels) > 6 else 0, labelsize=8)
    ax.set_title(title)
    if not horizontal:
        ax.set_ylabel(t("market.axis.yi" if amount else "market.axis.events", locale))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _by_year(report: MarketReport, locale: str) -> Figure:
    fig, ax = _figure()
    years = [b.label for b in report.by_year]
    ax.bar(years, [b.events for b in report.by_year], color=_COLOURS[0])
    ax.set_ylabel(t("market.axis.events", locale))
    ax2 = ax.twinx()
    ax2.plot(years, _amounts(report.by_year), color=_COLOURS[1], marker="o")
    ax2.set_ylim(bottom=0)
    ax2.set_ylabel(t("market.legend.amount", locale))
    ax.set_title(t("market.chart.by_year", locale))
    ax.spines[["top"]].set_visible(False)
    return fig


def _pie(title: str, buckets: list[Bucket], labels: list[str]) -> Figure:
    fig, ax = _figure(6.0, 3.6)
    shown = [(b, name) for b, name in zip(buckets, labels, strict=True) if b.events]
    ax.pie(
        [b.events for b, _ in shown],
        labels=[name for _, name in shown],
        autopct="%1.1f%%",
        colors=_COLOURS[: len(shown)] if len(shown) <= len(_COLOURS) else None,
        textprops={"fontsize": 8},
    )
    ax.set_title(title)
    return fig


def _investors(report: MarketReport, locale: str) -> Figure:
    fig, ax = _figure(7.0, 4.2)
    top = report.top_investors[:15][::-1]
    early = [i.early_deals for i in top]
    other = [i.deals - i.early_deals for i in top]
    mark = f" ({t('market.state_owned', locale)})"
    names = [i.investor + (mark if i.state_owned else "") for i in top]
    ax.barh(names, early, color=_COLOURS[2], label=t("market.legend.early", locale))
    ax.barh(names, other, left=early, color=_COLOURS[0], label=t("market.legend.other", locale))
    ax.set_title(t("market.chart.investors", locale))
    ax.legend(fontsize=8, loc="lower right")
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    draw: Callable[[], Figure]


def _labels(kind: str, buckets: list[Bucket], locale: str) -> list[str]:
    return [label(kind, b.key, b.label, locale) for b in buckets]


def charts(report: MarketReport, locale: str = DEFAULT_LOCALE) -> list[Chart]:
    """Every chart of the report, drawn lazily, with titles and labels in ``locale``."""
    lf = report.listings
    year = report.year

    def bars(key: str, kind: str, buckets: list[Bucket], **kw: bool) -> Chart:
        title = t(f"market.chart.{key}", locale, year=year)
        labels = _labels(kind, buckets, locale)
        return Chart(key, title, lambda: _bars(title, buckets, labels, locale, **kw))

    def pie(key: str, kind: str, buckets: list[Bucket]) -> Chart:
        title = t(f"market.chart.{key}", locale, year=year)
        labels = _labels(kind, buckets, locale)
        return Chart(key, title, lambda: _pie(title, buckets, labels))

    items = [
        Chart("by_year", t("market.chart.by_year", locale), lambda: _by_year(report, locale)),
        bars("by_month", "month", report.by_month),
        bars("by_round", "round", report.by_round, horizontal=True),
        pie("by_stage", "stage", report.by_stage),
        pie("by_field", "field", report.by_field),
        bars("field_amount", "field", report.by_field, horizontal=True, amount=True),
        bars("by_province", "province", report.by_province),
        bars("by_cluster", "cluster", report.by_cluster),
        Chart("investors", t("market.chart.investors", locale), lambda: _investors(report, locale)),
    ]
    if lf.listed_by_board:
        items.append(bars("boards", "board", lf.listed_by_board))
    if lf.new_by_board:
        items.append(bars("new_boards", "board", lf.new_by_board))
    return items


def svg(fig: Figure) -> str:
    """A figure as an inline SVG element (text kept as text, so it stays searchable)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("chanrong.market", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(report: MarketReport, locale: str = DEFAULT_LOCALE) -> str:
    """The report as one self-contained HTML page in ``locale`` (zh-CN or en)."""
    import matplotlib as mpl

    loc = normalise_locale(locale)
    with mpl.rc_context({"font.family": _fonts(), "svg.fonttype": "none"}):
        drawn = [(c.title, svg(c.draw())) for c in charts(report, loc)]

    def tr(key: str, **params: object) -> str:
        return t(key, loc, **params)

    def name(kind: str, b: Bucket) -> str:
        return label(kind, b.key, b.label, loc)

    return (
        _env()
        .get_template("report.html")
        .render(
            r=report,
            lf=report.listings,
            charts=drawn,
            yi=yi,
            pct=pct,
            t=tr,
            name=name,
            stage=lambda key: label("stage", key, key, loc),
            yiu=lambda fen: "—" if fen is None else tr("market.unit.yi", v=yi(fen)),
            lang=loc,
        )
    )


def _summary_page(report: MarketReport, locale: str) -> Figure:
    fig = Figure(figsize=(8.27, 11.69))
    lines = [
        (t("market.title", locale, year=report.year), 18),
        ("", 10),
        *[(f"{name}: {value}", 11) for name, value in summary_lines(report, locale)],
    ]
    y = 0.95
    for text, size in lines:
        fig.text(0.08, y, text, fontsize=size, va="top")
        y -= 0.035 if size < 14 else 0.05
    return fig


def summary_lines(report: MarketReport, locale: str = DEFAULT_LOCALE) -> list[tuple[str, str]]:
    """The headline figures as (label, value) pairs, for the PDF, the page and the console."""
    lf = report.listings

    def tr(key: str, **params: object) -> str:
        return t(key, locale, **params)

    def events(n: int, share: float) -> str:
        return f"{tr('market.unit.events', n=n)} ({pct(share)})"

    yrd = next((b for b in report.by_cluster if b.key == "yangtze_delta"), None)
    return [
        (
            tr("market.sum.events"),
            tr("market.sum.events_value", events=report.events, companies=report.companies),
        ),
        (
            tr("market.sum.repeat"),
            tr("market.unit.companies", n=report.companies_two_or_more_rounds),
        ),
        (tr("market.sum.disclosed"), events(report.disclosed_events, report.disclosed_share)),
        (tr("market.sum.amount"), tr("market.unit.yi", v=yi(report.amount_total_fen))),
        (
            tr("market.sum.average"),
            "—"  # over no known amount the average is absent, not zero
            if report.average_deal_fen is None
            else tr("market.unit.yi", v=yi(report.average_deal_fen)),
        ),
        (
            tr("market.sum.unknown"),
            tr(
                "market.sum.unknown_value",
                amount=report.amount_unknown,
                province=report.province_unknown,
            ),
        ),
        (tr("market.sum.early"), events(report.early_stage_events, report.early_stage_share)),
        (tr("market.sum.state"), events(report.state_owned_events, report.state_owned_share)),
        (
            tr("market.sum.yrd"),
            f"{events(yrd.events, yrd.share)}, {tr('market.unit.companies', n=yrd.companies)}"
            if yrd
            else "—",
        ),
        (
            tr("market.sum.listed"),
            tr("market.sum.listed_value", total=lf.listed_total, new=lf.new_listings),
        ),
        (
            tr("market.sum.ipo"),
            tr(
                "market.sum.ipo_value",
                total=yi(lf.ipo_proceeds_total_fen),
                average=yi(lf.ipo_proceeds_average_fen),
            ),
        ),
        (tr("market.sum.revenue_growth"), pct(lf.revenue_growth_total)),
        (tr("market.sum.profit_growth"), pct(lf.profit_growth_total)),
    ]


def write_pdf(report: MarketReport, path: Path, locale: str = DEFAULT_LOCALE) -> None:
    """The summary page and every chart, one per page."""
    import matplotlib as mpl

    loc = normalise_locale(locale)
    title = t("market.title", loc, year=report.year)
    with (
        mpl.rc_context({"font.family": _fonts()}),
        PdfPages(path, metadata={"Title": title}) as pdf,
    ):
        pdf.savefig(_summary_page(report, loc))
        for chart in charts(report, loc):
            pdf.savefig(chart.draw())
