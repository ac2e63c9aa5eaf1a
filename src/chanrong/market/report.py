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

from chanrong.core.money import fen_to_yuan
from chanrong.market.analytics import Bucket, MarketReport

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
    return "—" if share is None else f"{share * 100:.1f}%"


def _figure(width: float = 7.0, height: float = 3.4) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    return fig, ax


def _bars(
    title: str, buckets: list[Bucket], *, horizontal: bool = False, amount: bool = False
) -> Figure:
    fig, ax = _figure()
    labels = [b.label for b in buckets]
    values = [float(fen_to_yuan(b.amount_fen) / _YI) if amount else b.events for b in buckets]
    if horizontal:
        ax.barh(labels[::-1], values[::-1], color=_COLOURS[0])
        for i, v in enumerate(values[::-1]):
            ax.text(v, i, f" {v:,.0f}" if not amount else f" {v:,.1f}", va="center", fontsize=8)
    else:
        ax.bar(labels, values, color=_COLOURS[0])
        for i, v in enumerate(values):
            ax.text(
                i,
                v,
                f"{v:,.0f}" if not amount else f"{v:,.1f}",
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.tick_params(axis="x", labelrotation=30 if len(labels) > 6 else 0, labelsize=8)
    ax.set_title(title)
    ax.set_ylabel("" if horizontal else ("亿元" if amount else "事件数"))
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _by_year(report: MarketReport) -> Figure:
    fig, ax = _figure()
    years = [b.label for b in report.by_year]
    ax.bar(years, [b.events for b in report.by_year], color=_COLOURS[0], label="事件数")
    ax.set_ylabel("事件数")
    ax2 = ax.twinx()
    ax2.plot(
        years,
        [float(fen_to_yuan(b.amount_fen) / _YI) for b in report.by_year],
        color=_COLOURS[1],
        marker="o",
        label="金额 (亿元)",
    )
    ax2.set_ylabel("亿元")
    ax.set_title("历年投融资事件数与金额")
    ax.spines[["top"]].set_visible(False)
    return fig


def _pie(title: str, buckets: list[Bucket]) -> Figure:
    fig, ax = _figure(6.0, 3.6)
    shown = [b for b in buckets if b.events]
    ax.pie(
        [b.events for b in shown],
        labels=[b.label for b in shown],
        autopct="%1.1f%%",
        colors=_COLOURS[: len(shown)] if len(shown) <= len(_COLOURS) else None,
        textprops={"fontsize": 8},
    )
    ax.set_title(title)
    return fig


def _investors(report: MarketReport) -> Figure:
    fig, ax = _figure(7.0, 4.2)
    top = report.top_investors[:15][::-1]
    early = [i.early_deals for i in top]
    other = [i.deals - i.early_deals for i in top]
    names = [i.investor + (" (国资)" if i.state_owned else "") for i in top]
    ax.barh(names, early, color=_COLOURS[2], label="早期")
    ax.barh(names, other, left=early, color=_COLOURS[0], label="其他阶段")
    ax.set_title("最活跃投资机构 (投资事件数)")
    ax.legend(fontsize=8, loc="lower right")
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


@dataclass(frozen=True, slots=True)
class Chart:
    key: str
    title: str
    draw: Callable[[], Figure]


def charts(report: MarketReport) -> list[Chart]:
    """Every chart of the report, drawn lazily."""
    lf = report.listings
    items = [
        Chart("by_year", "历年趋势", lambda: _by_year(report)),
        Chart(
            "by_month", "月度分布", lambda: _bars(f"{report.year}年各月投融资事件", report.by_month)
        ),
        Chart(
            "by_round", "轮次分布", lambda: _bars("融资轮次分布", report.by_round, horizontal=True)
        ),
        Chart("by_stage", "阶段结构", lambda: _pie("融资阶段结构", report.by_stage)),
        Chart("by_field", "领域分布", lambda: _pie("细分领域分布", report.by_field)),
        Chart(
            "field_amount",
            "领域金额",
            lambda: _bars("各领域融资金额 (亿元)", report.by_field, horizontal=True, amount=True),
        ),
        Chart("by_province", "地区分布", lambda: _bars("融资事件数前十省份", report.by_province)),
        Chart("by_cluster", "城市群", lambda: _bars("主要城市群融资事件", report.by_cluster)),
        Chart("investors", "活跃投资机构", lambda: _investors(report)),
    ]
    if lf.listed_by_board:
        items.append(
            Chart(
                "boards", "上市板块", lambda: _bars("上市公司板块分布 (年末)", lf.listed_by_board)
            )
        )
    if lf.new_by_board:
        items.append(
            Chart(
                "new_boards",
                "新上市",
                lambda: _bars(f"{report.year}年新上市企业板块", lf.new_by_board),
            )
        )
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


def render_html(report: MarketReport) -> str:
    """The report as one self-contained HTML page."""
    import matplotlib as mpl

    with mpl.rc_context({"font.family": _fonts(), "svg.fonttype": "none"}):
        drawn = [(c.title, svg(c.draw())) for c in charts(report)]
    return (
        _env()
        .get_template("report.html")
        .render(r=report, charts=drawn, yi=yi, pct=pct, lf=report.listings)
    )


def _summary_page(report: MarketReport) -> Figure:
    fig = Figure(figsize=(8.27, 11.69))
    lines = [
        (f"{report.year} 年工业互联网投融资报告", 18),
        ("", 10),
        *[(f"{label}：{value}", 11) for label, value in summary_lines(report)],
    ]
    y = 0.95
    for text, size in lines:
        fig.text(0.08, y, text, fontsize=size, va="top")
        y -= 0.035 if size < 14 else 0.05
    return fig


def summary_lines(report: MarketReport) -> list[tuple[str, str]]:
    """The headline figures as (label, value) pairs, for the PDF, the page and the console."""
    lf = report.listings
    cluster = next((b for b in report.by_cluster if b.key == "yangtze_delta"), None)
    return [
        ("投融资事件", f"{report.events} 起，涉及 {report.companies} 家企业"),
        ("两轮及以上融资企业", f"{report.companies_two_or_more_rounds} 家"),
        ("披露金额事件", f"{report.disclosed_events} 起 ({pct(report.disclosed_share)})"),
        ("融资总额", f"{yi(report.amount_total_fen)} 亿元"),
        ("平均单笔融资", f"{yi(report.average_deal_fen)} 亿元"),
        (
            "早期 (A+及以前) 事件",
            f"{report.early_stage_events} 起 ({pct(report.early_stage_share)})",
        ),
        ("国资参与事件", f"{report.state_owned_events} 起 ({pct(report.state_owned_share)})"),
        (
            "长三角",
            f"{cluster.events} 起 ({pct(cluster.share)})，{cluster.companies} 家企业"
            if cluster
            else "—",
        ),
        ("年末上市企业", f"{lf.listed_total} 家；当年新上市 {lf.new_listings} 家"),
        (
            "首发募资",
            f"合计 {yi(lf.ipo_proceeds_total_fen)} 亿元，"
            f"平均 {yi(lf.ipo_proceeds_average_fen)} 亿元",
        ),
        ("上市企业营收增长", pct(lf.revenue_growth_total)),
        ("上市企业净利润增长", pct(lf.profit_growth_total)),
    ]


def write_pdf(report: MarketReport, path: Path) -> None:
    """The summary page and every chart, one per page."""
    import matplotlib as mpl

    title = f"{report.year} 工业互联网投融资报告"
    with (
        mpl.rc_context({"font.family": _fonts()}),
        PdfPages(path, metadata={"Title": title}) as pdf,
    ):
        pdf.savefig(_summary_page(report))
        for chart in charts(report):
            pdf.savefig(chart.draw())


def write_report(
    report: MarketReport, out_dir: Path, *, pdf: bool = True
) -> tuple[Path, Path | None]:
    """Write ``market-report-<year>.html`` (and ``.pdf``) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"market-report-{report.year}.html"
    html_path.write_text(render_html(report), encoding="utf-8")
    pdf_path = None
    if pdf:
        pdf_path = out_dir / f"market-report-{report.year}.pdf"
        write_pdf(report, pdf_path)
    return html_path, pdf_path
