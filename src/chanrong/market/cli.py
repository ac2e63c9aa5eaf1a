"""``chanrong market …``: import, report, classify, override, match."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.core import sheets
from chanrong.edge.commands import console, err_console, friendly_errors, print_json, unit_of_work
from chanrong.market import service
from chanrong.market.analytics import Bucket, MarketReport
from chanrong.market.tabular import Dataset

market_app = typer.Typer(
    help="Investment & financing intelligence 投融资",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


class _RowsBar:
    """A Rich progress bar fed by the import as it checks rows."""

    def __init__(self, progress: Progress, description: str) -> None:
        self.progress = progress
        self.task = progress.add_task(description, total=None)

    def start(self, total: int) -> None:
        self.progress.update(self.task, total=total)

    def advance(self, rows: int) -> None:
        self.progress.advance(self.task, rows)


@market_app.command("import")
@friendly_errors
def import_cmd(
    dataset: Annotated[
        Dataset, typer.Argument(help="events | investors | listings | financials | proceeds")
    ],
    file: Annotated[Path, typer.Argument(help="CSV or .xlsx file", exists=True, dir_okay=False)],
    errors_out: Annotated[
        Path | None,
        typer.Option(help="Write the row errors to this CSV when the import is rejected"),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="Map a header to a column: --map investor=investors (repeatable)"
        ),
    ] = None,
    template: Annotated[
        str | None, typer.Option(help="A saved mapping (see save-template)")
    ] = None,
) -> None:
    """Import a CSV/Excel file. Every column must be known or mapped (an unknown one is an
    error naming it); any row error rejects the whole file and lists every error."""
    data = file.read_bytes()
    mapping = _mapping(map_)
    try:
        with _progress() as progress, unit_of_work() as session:
            bar = _RowsBar(progress, f"checking {file.name}")
            report = service.import_file(
                session,
                dataset,
                data,
                file.name,
                mapping=mapping,
                template=template,
                progress=bar,
            )
            progress.update(bar.task, description=f"imported {file.name}")
    except service.ImportRejected as exc:
        _print_errors(exc, errors_out)
        raise typer.Exit(code=2) from None
    console.print(
        f"[green]imported[/] {report.dataset.value}: {report.rows} rows, {report.created} new, "
        f"{report.updated} updated, {report.skipped} already present (batch {report.batch_id})"
    )
    if report.new_companies:
        console.print(f"  {len(report.new_companies)} new companies")
    if report.new_investors:
        console.print(
            f"  {len(report.new_investors)} investors were not known and were added as kind "
            "'other', not state-owned: import an investors file to set their type"
        )


def _mapping(items: list[str] | None) -> dict[str, str] | None:
    from chanrong.core.errors import ValidationFailed
    from chanrong.market.tabular import TableError, parse_mapping

    try:
        return parse_mapping(items) if items else None
    except TableError as exc:
        raise ValidationFailed(exc.reason, field="map") from None


def _print_errors(exc: service.ImportRejected, errors_out: Path | None) -> None:
    table = Table("row", "column", "reason", title="rows with errors — nothing was imported")
    for e in exc.errors[:50]:
        table.add_row(str(e.row), e.column, e.reason)
    err_console.print(table)
    if len(exc.errors) > 50:
        err_console.print(f"… and {len(exc.errors) - 50} more")
    if errors_out:
        with errors_out.open("w", encoding="utf-8", newline="") as f:
            # Reasons quote the file's cells: written so no spreadsheet runs one as a formula.
            sheets.write_csv(
                f, ["row", "column", "reason"], ([e.row, e.column, e.reason] for e in exc.errors)
            )
        err_console.print(f"all {len(exc.errors)} errors written to {errors_out}")


def _bucket_table(title: str, buckets: list[Bucket]) -> Table:
    from chanrong.market.report import pct, yi

    table = Table("", "events", "share", "companies", "amount (亿元)", title=title)
    for b in buckets:
        table.add_row(b.label, str(b.events), pct(b.share), str(b.companies), yi(b.amount_fen))
    return table


def _show(report: MarketReport, lang: str) -> None:
    from chanrong.core.i18n import t
    from chanrong.market.report import summary_lines

    summary = Table("figure", "value", title=t("market.title", lang, year=report.year))
    for label, value in summary_lines(report, lang):
        summary.add_row(label, value)
    console.print(summary)
    console.print(_bucket_table("轮次 rounds", report.by_round))
    console.print(_bucket_table("领域 fields", report.by_field))
    console.print(_bucket_table("省份 provinces (top 10)", report.by_province))
    console.print(_bucket_table("城市群 clusters", report.by_cluster))
    inv = Table(
        "investor", "deals", "early", "preferred stage", "state-owned", title="活跃投资机构"
    )
    for i in report.top_investors[:10]:
        inv.add_row(
            i.investor,
            str(i.deals),
            str(i.early_deals),
            i.stage_preference,
            "是" if i.state_owned else "",
        )
    console.print(inv)
    console.print(_bucket_table("上市板块 boards (year end)", report.listings.listed_by_board))


@market_app.command("template")
def template_cmd(
    dataset: Annotated[
        Dataset, typer.Argument(help="events | investors | listings | financials | proceeds")
    ],
) -> None:
    """Print the CSV header of a data set and the header spellings each column accepts."""
    from chanrong.market.tabular import COLUMNS

    spec = COLUMNS[dataset]
    table = Table("column", "required", "also accepted as", title=f"{dataset.value} columns")
    for column, (required, aliases) in spec.items():
        table.add_row(
            column, "yes" if required else "", ", ".join(a for a in aliases if a != column)
        )
    console.print(table)
    typer.echo(",".join(spec))


@market_app.command("report")
@friendly_errors
def report_cmd(
    year: Annotated[int, typer.Option(help="Report year, e.g. 2024")],
    out: Annotated[Path, typer.Option(help="Directory for the HTML and PDF")] = Path("var/reports"),
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write a PDF")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON too")] = False,
    lang: Annotated[str, typer.Option(help="zh-CN or en")] = "zh-CN",
) -> None:
    """Write the year's report (HTML with charts, and PDF) and print its figures."""
    from chanrong.market.report import render_html, write_pdf
    from chanrong.market.schemas import ReportOut

    with _progress() as progress:
        task = progress.add_task("computing figures", total=3 if pdf else 2)
        with unit_of_work() as session:
            report = service.market_report(session, year)
        progress.update(task, advance=1, description="drawing HTML charts")
        out.mkdir(parents=True, exist_ok=True)
        html_path = out / f"market-report-{year}.html"
        html_path.write_text(render_html(report, lang), encoding="utf-8")
        pdf_path = None
        if pdf:
            progress.update(task, advance=1, description="writing PDF")
            pdf_path = out / f"market-report-{year}.pdf"
            write_pdf(report, pdf_path, lang)
        progress.update(task, advance=1, description="done")
    _show(report, lang)
    if as_json:
        print_json(ReportOut.of(report).model_dump(mode="json"))
    console.print(f"[green]wrote[/] {html_path}" + (f" and {pdf_path}" if pdf_path else ""))


@market_app.command("classify")
@friendly_errors
def classify_cmd(description: Annotated[str, typer.Argument(help="Business description")]) -> None:
    """Classify a business description into the sector's six fields (+ AI/5G tags)."""
    c = service.classify_description(description)
    console.print(
        f"{c.field.label_zh} ({c.field.value}) tags={sorted(t.value for t in c.tags)} "
        f"method={c.method.value} confidence={c.confidence:.2f}"
    )
    for reason in c.reasons:
        console.print(f"  · {reason}")


@market_app.command("override")
@friendly_errors
def override_cmd(
    company: Annotated[str, typer.Argument(help="Company id")],
    field: Annotated[str, typer.Option(help="Field key or Chinese name")],
    tags: Annotated[str | None, typer.Option(help="Comma-separated: ai,5g")] = None,
) -> None:
    """Set a company's field by hand (the operator's override)."""
    with unit_of_work() as session:
        c = service.override_classification(session, company, field=field, tags=tags)
        console.print(f"[green]{c.name}[/] → {c.field} tags={c.tags} (operator)")


@market_app.command("reclassify")
@friendly_errors
def reclassify_cmd(company: Annotated[str, typer.Argument(help="Company id")]) -> None:
    """Drop an override and classify the company from its description again."""
    with unit_of_work() as session:
        c = service.reclassify(session, company)
        console.print(f"[green]{c.name}[/] → {c.field} tags={c.tags} ({c.field_method})")


@market_app.command("match")
@friendly_errors
def match_cmd(
    field: Annotated[str | None, typer.Option(help="Field of the enterprise")] = None,
    stage: Annotated[str | None, typer.Option(help="early | growth | late | strategic …")] = None,
    province: Annotated[str | None, typer.Option(help="Province name or code")] = None,
    top: Annotated[int, typer.Option(help="How many investors")] = 10,
) -> None:
    """Investors who backed similar companies, ranked with reasons."""
    with unit_of_work() as session:
        found = service.match_investors(
            session, field=field, stage=stage, province=province, top=top
        )
    table = Table("investor", "score", "deals", "why", title="matching investors")
    for m in found:
        table.add_row(m["investor"], f"{m['score']:.1f}", str(m["deals"]), "；".join(m["reasons"]))
    console.print(table)


@market_app.command("save-template")
@friendly_errors
def save_template_cmd(
    name: Annotated[str, typer.Argument(help="Template name")],
    dataset: Annotated[Dataset, typer.Argument(help="events | investors | listings | …")],
    map_: Annotated[list[str], typer.Option("--map", help="SOURCE=COLUMN (repeatable)")],
) -> None:
    """Save a column mapping under a name, for ``import --template NAME``."""
    with unit_of_work() as session:
        saved = service.save_template(session, name, dataset, _mapping(map_) or {})
        console.print(f"[green]saved[/] template {saved.name} ({saved.dataset}): {saved.mapping}")


@market_app.command("batches")
@friendly_errors
def batches_cmd(limit: Annotated[int, typer.Option(help="How many")] = 20) -> None:
    """Imports, newest first: what each created and whether it was rolled back."""
    with unit_of_work() as session:
        table = Table("batch", "dataset", "source", "rows", "created", "when", "rolled back")
        for b in service.list_batches(session, limit=limit):
            table.add_row(
                b.id, b.dataset, b.source, str(b.rows), str(b.created),
                b.created_at.isoformat(timespec="seconds"),
                b.rolled_back_at.isoformat(timespec="seconds") if b.rolled_back_at else "",
            )  # fmt: skip
    console.print(table)


@market_app.command("rollback")
@friendly_errors
def rollback_cmd(batch: Annotated[str, typer.Argument(help="Batch id (see batches)")]) -> None:
    """Undo an events import: its events, and the companies and investors it created."""
    with unit_of_work() as session:
        b = service.rollback_batch(session, batch)
        console.print(f"[green]rolled back[/] batch {b.id} ({b.created} events)")


@market_app.command("investor")
@friendly_errors
def investor_cmd(
    investor: Annotated[str, typer.Argument(help="Investor id or exact name")],
) -> None:
    """An investor's deals by year and round, co-investors, sectors and stages."""
    from chanrong.market.schemas import InvestorProfileOut

    with unit_of_work() as session:
        out = InvestorProfileOut.of(service.investor_profile(session, investor))
    print_json(out.model_dump(mode="json"))
