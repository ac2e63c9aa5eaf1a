"""``chanrong loans …``: products, quotes, the loan lifecycle, the daily close, early warnings.

Commands act as a named user of an organisation (``--org`` id, USCC or name, and
``--user``), so the same organisation and role rules apply as over the API.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import format_yuan
from chanrong.edge.commands import (
    OrgOpt,
    UserOpt,
    acting_principal,
    console,
    friendly_errors,
    parse_day,
    settings,
    unit_of_work,
)
from chanrong.lending import service
from chanrong.telemetry import service as telemetry

loans_app = typer.Typer(
    help="Loans 贷款: products, schedules, servicing, monitoring",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


_as = acting_principal
_day = parse_day


def text_bar(value: int, peak: int, width: int = 30) -> str:
    """A bar of block characters, ``width`` long at ``peak``."""
    return "█" * (round(width * value / peak) if peak else 0)


def progress_bar() -> Progress:
    """The progress display of long loan commands (the close, the monitoring pass)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@loans_app.command("product-create")
@friendly_errors
def product_create(
    org: OrgOpt,
    user: UserOpt,
    code: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    method: Annotated[str, typer.Option(help="equal_instalment | equal_principal | interest_only")],
    day_count: Annotated[str, typer.Option(help="act_360 | act_365")] = "act_365",
    kind: Annotated[str, typer.Option(help="term | revolving")] = "term",
    rate: Annotated[str | None, typer.Option(help="Fixed annual rate, %")] = None,
    spread: Annotated[str | None, typer.Option(help="Points over LPR (LPR products)")] = None,
    lpr_tenor: Annotated[str, typer.Option(help="1y | 5y")] = "1y",
    repricing: Annotated[str, typer.Option(help="anniversary | jan1")] = "anniversary",
    order: Annotated[str, typer.Option(help="Repayment allocation order")] = (
        "penalty_interest_principal"
    ),
    max_amount: Annotated[str, typer.Option(help="Yuan")] = "10000000",
    max_term: Annotated[int, typer.Option(help="Months")] = 36,
) -> None:
    """Define a loan product (bank officers)."""
    with unit_of_work() as s:
        p = service.create_product(
            s,
            _as(s, org, user),
            code=code,
            name=name,
            kind=kind,
            method=method,
            day_count=day_count,
            rate_type="fixed" if spread is None else "lpr",
            fixed_rate=rate,
            spread=spread,
            lpr_tenor=lpr_tenor if spread is not None else None,
            repricing=repricing if spread is not None else None,
            allocation_order=order,
            max_amount=max_amount,
            max_term_months=max_term,
        )
        console.print(f"[green]created[/] product {p.code} ({p.method}, {p.day_count})")
        typer.echo(p.id)


@loans_app.command("lpr")
@friendly_errors
def lpr(
    org: OrgOpt,
    user: UserOpt,
    tenor: Annotated[str, typer.Option(help="1y | 5y")],
    effective_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    rate: Annotated[str, typer.Option(help="Annual %, e.g. 3.10")],
) -> None:
    """Record a published LPR fixing."""
    with unit_of_work() as s:
        row = service.record_lpr(
            s,
            _as(s, org, user),
            tenor=tenor,
            effective_on=_day(effective_on, "effective_on"),
            rate=rate,
        )
        console.print(f"[green]LPR {row.tenor}[/] {row.rate}% from {row.effective_on}")


@loans_app.command("quote")
@friendly_errors
def quote(
    org: OrgOpt,
    user: UserOpt,
    product: Annotated[str, typer.Option(help="Product id")],
    amount: Annotated[str, typer.Option(help="Yuan")],
    term: Annotated[int, typer.Option(help="Months")],
    start: Annotated[str, typer.Option(help="YYYY-MM-DD")],
) -> None:
    """Show the schedule a loan would have, before anyone accepts it."""
    with unit_of_work() as s:
        p, sched = service.quote(
            s,
            _as(s, org, user),
            product_id=product,
            amount=amount,
            term_months=term,
            start_on=_day(start, "start"),
        )
        peak = max(i.total_fen for i in sched.instalments)
        t = Table("#", "due", "principal", "interest", "total", "", title=f"{p.name} — {p.method}")
        for i in sched.instalments:
            t.add_row(
                str(i.number),
                i.due.isoformat(),
                format_yuan(i.principal_fen),
                format_yuan(i.interest_fen),
                format_yuan(i.total_fen),
                f"[cyan]{text_bar(i.principal_fen, peak)}[/]"
                f"[yellow]{text_bar(i.interest_fen, peak)}[/]",
            )
        t.add_row(
            "",
            "",
            format_yuan(sched.principal_fen),
            format_yuan(sched.total_interest_fen),
            format_yuan(sched.total_fen),
            "",
        )
        console.print(t)


@loans_app.command("book")
@friendly_errors
def book(
    org: OrgOpt,
    user: UserOpt,
    product: Annotated[str, typer.Option(help="Product id")],
    borrower: Annotated[str, typer.Option(help="Borrower organisation id")],
    amount: Annotated[str, typer.Option(help="Yuan")],
    term: Annotated[int, typer.Option(help="Months")],
    purpose: Annotated[
        str, typer.Option(help="raw_materials | equipment | working_capital | energy_saving")
    ],
    decision: Annotated[str | None, typer.Option(help="Approved credit decision id")] = None,
    rate: Annotated[str | None, typer.Option(help="Annual % from the decision")] = None,
    sweep: Annotated[str | None, typer.Option(help="回款自动还款 share, %")] = None,
) -> None:
    """Book a loan (bank officers); it waits for the borrower's acceptance."""
    with unit_of_work() as s:
        loan = service.book_loan(
            s,
            _as(s, org, user),
            product_id=product,
            borrower_org_id=borrower,
            amount=amount,
            term_months=term,
            purpose=purpose,
            decision_id=decision,
            annual_rate=rate,
            sweep_share_pct=sweep,
        )
        console.print(f"[green]booked[/] loan {loan.id} {format_yuan(loan.principal_fen)}")
        typer.echo(loan.id)


@loans_app.command("book-decision")
@friendly_errors
def book_decision(
    org: OrgOpt,
    user: UserOpt,
    decision: Annotated[str, typer.Option(help="Approved credit application id")],
    product: Annotated[str, typer.Option(help="Product id")],
    term: Annotated[int, typer.Option(help="Months")],
    purpose: Annotated[str, typer.Option()],
    amount: Annotated[str | None, typer.Option(help="Yuan; default the rest of the limit")] = None,
) -> None:
    """Book a loan from an approved credit decision (borrower, limit and rate from it)."""
    with unit_of_work() as s:
        loan = service.book_from_decision(
            s,
            _as(s, org, user),
            decision_id=decision,
            product_id=product,
            term_months=term,
            purpose=purpose,
            amount=amount,
        )
        console.print(
            f"[green]booked[/] loan {loan.id} {format_yuan(loan.principal_fen)}"
            f" at {loan.annual_rate}%"
        )
        typer.echo(loan.id)


@loans_app.command("accept")
@friendly_errors
def accept(org: OrgOpt, user: UserOpt, loan: Annotated[str, typer.Argument()]) -> None:
    """The borrower accepts a booked loan."""
    with unit_of_work() as s:
        service.accept_loan(s, _as(s, org, user), loan)
        console.print(f"[green]accepted[/] {loan}")


@loans_app.command("disburse")
@friendly_errors
def disburse(
    org: OrgOpt,
    user: UserOpt,
    loan: Annotated[str, typer.Argument()],
    on: Annotated[str, typer.Option()],
) -> None:
    """Disburse an accepted loan."""
    with unit_of_work() as s:
        x = service.disburse(s, _as(s, org, user), loan, on=_day(on, "on"))
        console.print(f"[green]disbursed[/] {x.id} on {x.start_on}")


@loans_app.command("repay")
@friendly_errors
def repay(
    org: OrgOpt,
    user: UserOpt,
    loan: Annotated[str, typer.Argument()],
    amount: Annotated[str, typer.Option(help="Yuan")],
    on: Annotated[str, typer.Option()],
    reference: Annotated[str, typer.Option(help="Bank transaction reference")],
) -> None:
    """Record a repayment."""
    with unit_of_work() as s:
        rep = service.repay(
            s, _as(s, org, user), loan, amount=amount, paid_on=_day(on, "on"), reference=reference
        )
        console.print(f"[green]repaid[/] {format_yuan(rep.amount_fen)} ({rep.reference})")


@loans_app.command("reverse")
@friendly_errors
def reverse(
    org: OrgOpt,
    user: UserOpt,
    loan: Annotated[str, typer.Argument()],
    repayment: Annotated[str, typer.Option(help="Repayment id")],
    on: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option()],
) -> None:
    """Undo a repayment that did not stand (a new, opposite entry)."""
    with unit_of_work() as s:
        back = service.reverse_repayment(
            s, _as(s, org, user), loan, repayment, on=_day(on, "on"), reason=reason
        )
        console.print(f"[yellow]reversed[/] {format_yuan(-back.amount_fen)} ({back.reference})")


@loans_app.command("prepay")
@friendly_errors
def prepay(
    org: OrgOpt,
    user: UserOpt,
    loan: Annotated[str, typer.Argument()],
    amount: Annotated[str, typer.Option(help="Yuan; see `loans payoff` for the full amount")],
    on: Annotated[str, typer.Option()],
    reference: Annotated[str, typer.Option()],
) -> None:
    """Prepay part or all; the rest of the schedule is recalculated."""
    with unit_of_work() as s:
        rep = service.prepay(
            s, _as(s, org, user), loan, amount=amount, on=_day(on, "on"), reference=reference
        )
        console.print(f"[green]prepaid[/] {format_yuan(rep.amount_fen)}")


@loans_app.command("payoff")
@friendly_errors
def payoff(
    org: OrgOpt,
    user: UserOpt,
    loan: Annotated[str, typer.Argument()],
    on: Annotated[str, typer.Option()],
) -> None:
    """What closes the loan on a day."""
    with unit_of_work() as s:
        p = service.payoff_quote(s, _as(s, org, user), loan, on=_day(on, "on"))
        console.print(
            f"dues {format_yuan(p.dues_fen)}"
            f" + interest to date {format_yuan(p.accrued_interest_fen)}"
            f" + principal {format_yuan(p.principal_fen)} = [bold]{format_yuan(p.total_fen)}[/]"
        )


@loans_app.command("list")
@friendly_errors
def list_loans(org: OrgOpt, user: UserOpt) -> None:
    """The bank's book, or the enterprise's borrowing."""
    with unit_of_work() as s:
        t = Table("id", "borrower", "principal", "status", "dpd", "bucket", "category")
        for x in service.list_loans(s, _as(s, org, user)):
            t.add_row(
                x.id,
                x.borrower_org_id,
                format_yuan(x.principal_fen),
                x.status,
                str(x.dpd),
                x.bucket,
                x.category,
            )
        console.print(t)


@loans_app.command("show")
@friendly_errors
def show(org: OrgOpt, user: UserOpt, loan: Annotated[str, typer.Argument()]) -> None:
    """A loan's schedule with what is paid, its balances and its classification history."""
    with unit_of_work() as s:
        v = service.loan_view(s, _as(s, org, user), loan)
        x = v.loan
        console.print(
            f"[bold]{x.id}[/] {x.status} · {x.method} · {x.annual_rate}% · dpd {x.dpd} · "
            f"{x.bucket} · {x.category}"
        )
        t = Table("#", "due", "principal", "interest", "paid", "owed")
        for i in v.instalments:
            owed = i.owed_principal_fen + i.owed_interest_fen
            t.add_row(
                str(i.number),
                i.due.isoformat(),
                format_yuan(i.principal_fen),
                format_yuan(i.interest_fen),
                format_yuan(i.paid_principal_fen + i.paid_interest_fen),
                f"[red]{format_yuan(owed)}[/]"
                if owed and x.closed_through and i.due < x.closed_through
                else format_yuan(owed),
            )
        console.print(t)
        b = Table("account", "balance")
        for k, val in v.balances.items():
            b.add_row(k, format_yuan(val))
        console.print(b)
        for c in v.classifications:
            console.print(f"{c.as_of} {c.from_category} → {c.to_category} ({c.rule}: {c.reason})")


@loans_app.command("line-open")
@friendly_errors
def line_open(
    org: OrgOpt,
    user: UserOpt,
    product: Annotated[str, typer.Option()],
    borrower: Annotated[str, typer.Option()],
    limit: Annotated[str, typer.Option(help="Yuan")],
    opened_on: Annotated[str, typer.Option()],
    expires_on: Annotated[str, typer.Option()],
    purpose: Annotated[str, typer.Option()],
    sweep: Annotated[str | None, typer.Option(help="回款自动还款 share, %")] = None,
) -> None:
    """Open a revolving credit line."""
    with unit_of_work() as s:
        line = service.open_credit_line(
            s,
            _as(s, org, user),
            product_id=product,
            borrower_org_id=borrower,
            limit=limit,
            opened_on=_day(opened_on, "opened_on"),
            expires_on=_day(expires_on, "expires_on"),
            purpose=purpose,
            sweep_share_pct=sweep,
        )
        console.print(f"[green]line[/] {line.id} limit {format_yuan(line.limit_fen)}")
        typer.echo(line.id)


@loans_app.command("draw")
@friendly_errors
def draw(
    org: OrgOpt,
    user: UserOpt,
    line: Annotated[str, typer.Argument()],
    amount: Annotated[str, typer.Option()],
    term: Annotated[int, typer.Option()],
    on: Annotated[str, typer.Option()],
) -> None:
    """Draw on a credit line (the borrower)."""
    with unit_of_work() as s:
        loan = service.draw(
            s, _as(s, org, user), line, amount=amount, term_months=term, on=_day(on, "on")
        )
        console.print(f"[green]drawn[/] {format_yuan(loan.principal_fen)} as loan {loan.id}")
        typer.echo(loan.id)


@loans_app.command("close")
@friendly_errors
def close(
    org: OrgOpt,
    user: UserOpt,
    as_of: Annotated[str, typer.Option("--as-of", help="Last day to close")],
    since: Annotated[str | None, typer.Option(help="Close each day from this one")] = None,
) -> None:
    """Daily close of the bank's book: accrual, delinquency, and the proof it balances."""
    end = _day(as_of, "as_of")
    start = _day(since, "since") if since else end
    if start > end:
        raise ValidationFailed("since: must not be after --as-of", field="since")
    from datetime import timedelta

    with unit_of_work() as s, progress_bar() as bar:
        who = _as(s, org, user)
        days = (end - start).days + 1
        task = bar.add_task("closing", total=days)
        report = None
        for k in range(days):
            day = start + timedelta(days=k)
            bar.update(task, description=f"closing {day}")
            report = service.close_books(s, who, as_of=day)
            bar.advance(task)
        assert report is not None
    t = Table(
        "as of", "loans", "interest", "penalty", "reclassified", "debits", "credits", "balanced"
    )
    t.add_row(
        report.as_of.isoformat(),
        str(report.loans),
        format_yuan(report.interest_accrued_fen),
        format_yuan(report.penalty_accrued_fen),
        str(report.reclassified),
        format_yuan(report.total_debit_fen),
        format_yuan(report.total_credit_fen),
        "[green]yes[/]" if report.balanced else "[red]NO[/]",
    )
    console.print(t)
    if not report.balanced:
        raise typer.Exit(code=1)


@loans_app.command("monitor")
@friendly_errors
def monitor(
    org: OrgOpt,
    user: UserOpt,
    loan: Annotated[str, typer.Argument()],
    as_of: Annotated[str, typer.Option("--as-of")],
) -> None:
    """Run the early warnings on the borrower's platform records (needs its consent)."""
    with unit_of_work() as s:
        result = service.watch_loan(
            s,
            _as(s, org, user),
            loan,
            as_of=_day(as_of, "as_of"),
            store=telemetry.open_store(settings()),
        )
        if not result.alerts:
            console.print("[green]no warning[/]")
        for a in result.alerts:
            console.print(f"[red]{a.severity}[/] {a.kind}: {a.message} ({a.status})")
        if result.telemetry is not service.TelemetryRead.READ:
            console.print(f"[yellow]telemetry not judged: {result.telemetry.value}[/]")


@loans_app.command("watch")
@friendly_errors
def watch(org: OrgOpt, user: UserOpt, as_of: Annotated[str, typer.Option("--as-of")]) -> None:
    """Run the early warnings over the whole active book (borrowers who granted consent)."""
    with unit_of_work() as s, progress_bar() as bar:
        task = bar.add_task("watching", total=None)
        report = service.monitor_book(
            s,
            _as(s, org, user),
            as_of=_day(as_of, "as_of"),
            store=telemetry.open_store(settings()),
            progress=lambda n, total: bar.update(task, completed=n, total=total),
        )
    t = Table("loan", "kind", "severity", "message")
    for a in report.alerts:
        t.add_row(a.loan_id, a.kind, a.severity, a.message)
    console.print(t)
    console.print(
        f"watched {report.watched} loans; {len(report.without_consent)} without a monitoring grant;"
        f" {len(report.without_telemetry)} whose grant does not reach their machines' data"
    )


@loans_app.command("alerts")
@friendly_errors
def alerts(
    org: OrgOpt, user: UserOpt, status: Annotated[str | None, typer.Option()] = None
) -> None:
    """Early warnings on the bank's book (or about the calling enterprise)."""
    with unit_of_work() as s:
        t = Table("id", "loan", "kind", "severity", "status", "detected", "message")
        for a in service.list_alerts(s, _as(s, org, user), status=status):
            t.add_row(
                a.id,
                a.loan_id[-8:],
                a.kind,
                a.severity,
                a.status,
                a.detected_on.isoformat(),
                a.message,
            )
        console.print(t)


@loans_app.command("ack")
@friendly_errors
def ack(org: OrgOpt, user: UserOpt, alert: Annotated[str, typer.Argument()]) -> None:
    """Acknowledge an alert."""
    with unit_of_work() as s:
        a = service.update_alert(s, _as(s, org, user), alert, action="acknowledge")
        console.print(f"{a.id} → {a.status}")


@loans_app.command("resolve")
@friendly_errors
def resolve(
    org: OrgOpt,
    user: UserOpt,
    alert: Annotated[str, typer.Argument()],
    note: Annotated[str, typer.Option()],
) -> None:
    """Resolve an alert, saying how."""
    with unit_of_work() as s:
        a = service.update_alert(s, _as(s, org, user), alert, action="resolve", note=note)
        console.print(f"{a.id} → {a.status}")
