"""``chanrong assets …``: the data-resource register, pool revaluation, valuation reports and
patent-number checks from the command line (trusted: runs with the database's authority)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chanrong.assets import service
from chanrong.core.clock import month_start, parse_month
from chanrong.core.money import format_yuan
from chanrong.edge.commands import console, friendly_errors, unit_of_work
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role

app = typer.Typer(
    help="Data assets, IP and asset pools 数据资产·知识产权·资产池",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _operator() -> Principal:
    # Reads scoped like the platform operator's (every register, every valuation).
    return Principal("cli", "cli", OrgKind.PLATFORM_OPERATOR, frozenset({Role.VIEWER}))


@app.command("register")
@friendly_errors
def register(org: Annotated[str, typer.Option(help="Enterprise organisation id")]) -> None:
    """Build or refresh an enterprise's data-resource register from its catalog and log."""
    with unit_of_work() as session:
        rows = service.build_register(session, identity.system_principal(session, org), org)
        table = Table("dataset", "category", "grade", "quality", "consented reads")
        for r in rows:
            table.add_row(
                r.dataset, r.category, str(r.grade), r.quality_score or "—", str(r.consented_reads)
            )
    console.print(table)


@app.command("revalue")
@friendly_errors
def revalue(
    as_of: Annotated[str, typer.Option(help="Day, YYYY-MM-DD")],
    pool: Annotated[
        str | None, typer.Option(help="One pool id (default: every active pool)")
    ] = None,
) -> None:
    """Revalue pools from today's evidence; margin alerts raised or resolved are printed."""
    day = date.fromisoformat(as_of)
    with unit_of_work() as session:
        ids = [pool] if pool else list(service.active_pool_ids(session))
        table = Table("pool", "base", "drawn", "available", "alert")
        # Every pool: in batches, each batch's evidence read once (service.revalue_many).
        for i in range(0, len(ids), 500):
            pools = []
            for pid in ids[i : i + 500]:
                p = service.pool_by_id(session, pid)
                if p is None:
                    raise typer.BadParameter(f"pool {pid} not found", param_hint="--pool")
                pools.append(p)
            for r in service.revalue_many(session, pools, as_of=day):
                alert = "raised" if r.alert else ("resolved" if r.resolved else "")
                table.add_row(
                    r.pool.id,
                    format_yuan(r.base.base_fen),
                    format_yuan(r.pool.drawn_fen),
                    format_yuan(r.revaluation.available_fen),
                    alert,
                )
    console.print(table)


@app.command("trends")
@friendly_errors
def trends(
    month: Annotated[str, typer.Option(help="The month whose month-end is read, YYYY-MM")],
) -> None:
    """Run the borrowing-base trend rule over every active pool at the month's end (what the
    worker's monthly job does); trend alerts raised or resolved are printed."""
    first = parse_month(month, field="month")
    with unit_of_work() as session:
        run = service.check_trends(session, month_end=month_start(first, 1) - timedelta(days=1))
        table = Table("pool", "ratio", "seasonal factor", "adjusted", "trend alert")
        raised = {a.pool_id for a in run.raised}
        resolved = {a.pool_id for a in run.resolved}
        for pid, r in run.readings.items():
            if r.ratio is None:
                continue
            what = "raised" if pid in raised else ("resolved" if pid in resolved else "")
            table.add_row(pid, str(r.ratio), str(r.factor or "—"), str(r.adjusted or "—"), what)
    console.print(table)
    console.print(run.summary())


@app.command("report")
@friendly_errors
def report(
    valuation: Annotated[str, typer.Argument(help="Valuation id")],
    out: Annotated[Path, typer.Option(help="Directory for the HTML and PDF")] = Path("var/reports"),
    lang: Annotated[str, typer.Option(help="zh-CN or en")] = "zh-CN",
) -> None:
    """Write a valuation's report as HTML and PDF."""
    with unit_of_work() as session:
        v = service.get_valuation(session, _operator(), valuation)
        html, pdf = service.render_report(v, lang), service.render_pdf(v, lang)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"valuation-{valuation}.html").write_text(html, encoding="utf-8")
    (out / f"valuation-{valuation}.pdf").write_bytes(pdf)
    console.print(f"wrote {out}/valuation-{valuation}.html and .pdf")


@app.command("check-number")
@friendly_errors
def check_number(
    kind: Annotated[str, typer.Argument(help="invention_patent, utility_model, design_patent, …")],
    number: Annotated[str, typer.Argument(help="The registration or application number")],
) -> None:
    """Validate an IP number (a patent's check character included) and print its canonical form."""
    console.print(service.normalise_ip_number(kind, number))
