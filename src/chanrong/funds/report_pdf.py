"""The guide fund's annual evaluation report as PDF (matplotlib's PDF backend, as the
valuation report does): the figures with the ids of their records, then the J-curve chart.
No pyplot global state, so it is safe in a server."""

from __future__ import annotations

import io
import textwrap
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from chanrong.core.i18n import normalise_locale, t
from chanrong.core.money import format_yuan
from chanrong.funds import messages  # noqa: F401  (registers the report's words)
from chanrong.funds.evaluation import GuideEvaluation
from chanrong.funds.report import percent, ratio

_CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
_FAMILIES = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "DejaVu Sans"]
_PER_PAGE = 40


@cache
def _fonts() -> list[str]:
    for path in _CJK_FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
    return _FAMILIES


def _ids(label: str, ids: tuple[str, ...] | list[str]) -> list[str]:
    return textwrap.wrap(f"{label}: {', '.join(ids) or '—'}", 110, subsequent_indent="    ")


def report_lines(e: GuideEvaluation, year: int | None, locale: str | None = None) -> list[str]:
    """The report's text, one line each (also what the PDF prints)."""
    loc = normalise_locale(locale)

    def tr(key: str) -> str:
        return t(key, loc)

    unknown = tr("funds.report.unknown")
    rec = tr("funds.report.records")
    lev, r, s, j, p = e.leverage, e.reinvestment, e.sectors, e.j_curve, e.performance
    lines = [tr("funds.report.title"), "", f"{tr('funds.report.fund')}: {e.fund.name}"]
    if year is not None:
        lines.append(f"{tr('funds.report.year')}: {year}")
    lines += ["", f"{tr('funds.report.leverage')}: {ratio(lev.ratio) or unknown}"]
    lines += _ids(rec, lev.funds)
    if r is not None:
        lines += [
            f"{tr('funds.report.reinvest')}: {tr('funds.report.achieved')} "
            f"{ratio(r.achieved_ratio) or unknown} / {tr('funds.report.required')} "
            f"{ratio(r.required_ratio) or tr('funds.report.not_set')}",
            *_ids(rec, r.in_region),
            *_ids(tr("funds.report.unknown_invs"), r.unknown),
        ]
    if s is not None:
        lines += [
            f"{tr('funds.report.sectors')}: {percent(s.share) or unknown}",
            *_ids(rec, s.mandated),
        ]
    trough = f"{j.trough_on} {format_yuan(j.trough_fen)}" if j.trough_fen is not None else "—"
    lines += [
        f"{tr('funds.report.jcurve')}: {tr('funds.report.trough')} {trough}; "
        f"{tr('funds.report.breakeven')} {j.breakeven_on or tr('funds.report.not_yet')}",
        *_ids(rec, e.flow_ids),
    ]
    if p.figures is None:
        lines.append(f"{tr('funds.report.performance')}: {tr('funds.report.no_performance')}")
        lines.append(f"    {p.missing}")
    else:
        f = p.figures
        lines.append(
            f"{tr('funds.report.performance')}: IRR {percent(f.irr)} · DPI {ratio(f.dpi)} · "
            f"TVPI {ratio(f.tvpi)}"
        )
        lines += _ids(rec, [*([p.nav_id] if p.nav_id else []), *p.flow_ids])
    lines.append(f"{tr('funds.report.realised')}: {ratio(e.realised.multiple) or unknown}")
    return lines


def render_pdf(e: GuideEvaluation, year: int | None, locale: str | None = None) -> bytes:
    """The evaluation report as PDF in ``locale``."""
    import matplotlib as mpl

    lines = report_lines(e, year, locale)
    buf = io.BytesIO()
    with mpl.rc_context({"font.family": _fonts()}), PdfPages(buf) as pdf:
        for start in range(0, len(lines), _PER_PAGE):
            page = Figure(figsize=(8.27, 11.69))
            for i, text in enumerate(lines[start : start + _PER_PAGE]):
                size = 16 if start == 0 and i == 0 else 9
                page.text(0.06, 0.95 - i * 0.022, text, fontsize=size, va="top")
            pdf.savefig(page)
        if e.j_curve.points:
            fig = Figure(figsize=(8.27, 4.5), layout="constrained")
            ax = fig.subplots()
            # Plotting only: floats for the chart axes; the text keeps exact yuan.
            xs = [pt.on.toordinal() for pt in e.j_curve.points]
            ys = [pt.cumulative_fen / 100 for pt in e.j_curve.points]
            ax.step(xs, ys, where="post", color="#1f5fa8")
            ax.set_xticks(xs, [pt.on.isoformat() for pt in e.j_curve.points], rotation=30)
            ax.axhline(0, color="#222", linewidth=0.8)
            ax.set_title(t("funds.report.jcurve", normalise_locale(locale)))
            pdf.savefig(fig)
    return buf.getvalue()
