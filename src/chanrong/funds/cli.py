"""``chanrong funds …``: a guide fund's evaluation and annual report from the command line,
read as a member of the organisation that manages or sponsors the fund."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chanrong.edge.commands import console, friendly_errors, unit_of_work
from chanrong.funds import service

app = typer.Typer(
    help="Funds, guide-fund evaluation 基金·引导基金绩效评价",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.command("evaluate")
@friendly_errors
def evaluate(
    fund: Annotated[str, typer.Argument(help="Guide fund id")],
    org: Annotated[str, typer.Option(help="Organisation that manages or sponsors the fund")],
    year: Annotated[int, typer.Option(help="Year evaluated (records up to its 31 December)")],
    out: Annotated[Path, typer.Option(help="Directory for the HTML and PDF")] = Path("var/reports"),
    lang: Annotated[str, typer.Option(help="zh-CN or en")] = "zh-CN",
) -> None:
    """Print the figures (with how many records each rests on) and write the annual report."""
    with unit_of_work() as session:
        e = service.annual_evaluation(session, org, fund, year)
        html = service.render_report(e, year, lang)
        pdf = service.render_pdf(e, year, lang)
    table = Table("figure", "value", "records")
    lev, r, s = e.leverage, e.reinvestment, e.sectors
    table.add_row("leverage", service.ratio(lev.ratio) or "unknown", str(len(lev.funds)))
    if r is not None:
        met = {True: "met", False: "not met", None: ""}[r.met]
        achieved = service.ratio(r.achieved_ratio) or "unknown"
        table.add_row("reinvestment", f"{achieved} {met}".strip(), str(len(r.in_region)))
    if s is not None:
        table.add_row("sectors", service.percent(s.share) or "unknown", str(len(s.mandated)))
    trough = e.j_curve.trough_on.isoformat() if e.j_curve.trough_on else "—"
    table.add_row("j-curve trough", trough, str(len(e.flow_ids)))
    console.print(table)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"evaluation-{fund}-{year}.html").write_text(html, encoding="utf-8")
    (out / f"evaluation-{fund}-{year}.pdf").write_bytes(pdf)
    console.print(f"written: {out}/evaluation-{fund}-{year}.html and .pdf")
