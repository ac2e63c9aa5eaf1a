"""The valuation report as PDF (matplotlib's PDF backend, already a dependency of the project
for the market report): a summary page with every approach, the evidence and the log entry,
then the sensitivity tornado. No pyplot global state, so it is safe in a server."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from chanrong.assets import messages  # noqa: F401  (registers the report's words)
from chanrong.assets.orm import Valuation
from chanrong.core.i18n import normalise_locale, t
from chanrong.core.money import format_yuan

_CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
_FAMILIES = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "DejaVu Sans"]


@cache
def _fonts() -> list[str]:
    for path in _CJK_FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
    return _FAMILIES


def render_pdf(v: Valuation, locale: str | None = None) -> bytes:
    """The valuation report as a two-page PDF in ``locale``."""
    import matplotlib as mpl

    loc = normalise_locale(locale)

    def tr(key: str, **p: object) -> str:
        return t(key, loc, **p)

    lines = [
        tr("assets.report.title"),
        "",
        f"{tr('assets.report.subject')}: {v.subject_name}",
        f"{tr('assets.report.as_of')}: {v.as_of.isoformat()}",
        f"{tr('assets.report.value')}: {format_yuan(v.value_fen)}",
        f"{tr('assets.report.range')}: {format_yuan(v.reconciliation['low_fen'])} – "
        f"{format_yuan(v.reconciliation['high_fen'])}",
        tr("assets.report.logged_as", i=v.log_index),
        "",
        tr("assets.report.approaches"),
    ]
    for a in v.approaches:
        weight = v.reconciliation["weights"].get(a["approach"], "0")
        lines.append(
            f"  {tr('assets.approach.' + a['approach'])}: {format_yuan(a['value_fen'])}"
            f"  ({tr('assets.report.weight')} {float(weight):.2f})"
        )
        assumptions = "; ".join(f"{k}={val}" for k, val in a["assumptions"].items())
        lines.append(f"    {assumptions}"[:110])
    if v.subject_type == "data":
        e = v.evidence
        lines += [
            "",
            tr("assets.report.evidence"),
            f"  {tr('assets.evidence.quality')}: {e.get('quality_score') or '—'}",
            f"  {tr('assets.evidence.reads')}: {e.get('consented_reads')}",
        ]
    buf = io.BytesIO()
    with mpl.rc_context({"font.family": _fonts()}), PdfPages(buf) as pdf:
        page = Figure(figsize=(8.27, 11.69))
        for i, text in enumerate(lines):
            size = 16 if i == 0 else 10
            page.text(0.08, 0.94 - i * 0.026, text, fontsize=size, va="top")
        pdf.savefig(page)
        rows = list(reversed(v.sensitivity))
        if rows:
            fig = Figure(figsize=(8.27, 5), layout="constrained")
            ax = fig.subplots()
            base = rows[0]["base_value_fen"] / 100  # plotting only: floats for the chart
            names = [r["assumption"] for r in rows]
            lows = [min(r["value_low_fen"], r["value_high_fen"]) / 100 - base for r in rows]
            highs = [max(r["value_low_fen"], r["value_high_fen"]) / 100 - base for r in rows]
            ax.barh(names, highs, left=base, color="#1f5fa8")
            ax.barh(names, lows, left=base, color="#e07b39")
            ax.axvline(base, color="#222", linewidth=0.8)
            ax.set_title(tr("assets.report.sensitivity"))
            pdf.savefig(fig)
    return buf.getvalue()
