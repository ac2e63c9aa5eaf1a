"""``chanrong scf`` commands: certificate trees as Rich trees, payables from invoices, invariant
checks. (``scf story``, the demo's telling, lives in ``chanrong.cli.supplychain_demo``.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.markup import escape
from rich.tree import Tree
from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date
from chanrong.core.i18n import t
from chanrong.core.money import format_yuan, yuan_to_fen
from chanrong.edge.commands import console, friendly_errors, unit_of_work
from chanrong.identity import service as identity
from chanrong.supplychain import service
from chanrong.supplychain.domain import LineageNode

scf_app = typer.Typer(
    help="Supply-chain finance 供应链金融: certificates 凭证",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

_STYLE = {
    "live": "green",
    "split": "cyan",
    "transferred": "blue",
    "financed": "magenta",
    "settled": "bold green",
}


def render_tree(session: Session, lineage: service.Lineage, *, locale: str | None = None) -> Tree:
    """A payable's certificate tree as a Rich tree: holder, face value, state, identifier."""
    names = identity.organisation_names(
        session, [c.holder_org_id for c in lineage.certificates.values()]
    )
    fin_by_cert = {f.certificate_id: f for f in lineage.financings if f.state == "accepted"}
    paid = {s.certificate_id: s.settled_at for s in lineage.settlements}
    p = lineage.payable
    core = identity.organisation_names(session, [p.core_org_id]).get(p.core_org_id, "")
    confirmed = (
        t("scf.confirmed_on", locale, day=shanghai_date(p.decided_at)) + " · "
        if p.decided_at
        else ""
    )
    due = t("scf.due_on", locale, day=p.maturity_date)
    state = escape(f"[{p.state}]")
    title = (
        f"[bold]{t('scf.payable', locale)}[/] {p.identifier}  {format_yuan(p.face_fen)}  "
        f"{escape(core)}  {confirmed}{due}  {state}"
    )
    top = Tree(title)

    def add(parent: Tree, node: LineageNode) -> None:
        c = lineage.certificates[node.cert.id]
        style = _STYLE.get(c.state, "white")
        label = (
            f"[{style}]{format_yuan(c.face_fen)}[/] "
            f"{escape(names.get(c.holder_org_id, c.holder_org_id))}"
            f"  [dim]{t('scf.origin.' + c.origin, locale)} · {c.identifier}[/]"
            f"  [{style}]{t('scf.state.' + c.state, locale)}[/]"
        )
        fin = fin_by_cert.get(c.id)
        if fin is not None and fin.discount_fen is not None and fin.decided_at is not None:
            rate = Decimal(fin.annual_rate_percent or 0).normalize()
            text = t(
                "scf.discount",
                locale,
                rate=f"{rate:f}",
                basis=fin.day_count,
                days=fin.days,
                discount=format_yuan(fin.discount_fen),
                day=shanghai_date(fin.decided_at),
            )
            label += f"  [magenta]{text}[/]"
        if c.id in paid:
            label += f"  [bold green]{t('scf.paid_on', locale, day=shanghai_date(paid[c.id]))}[/]"
        branch = parent.add(label)
        for child in node.children:
            add(branch, child)

    add(top, lineage.root)
    return top


@scf_app.command("tree")
@friendly_errors
def tree(
    payable: Annotated[str, typer.Option(help="Payable id")],
    as_org: Annotated[str, typer.Option("--as-org", help="View as this organisation id")],
    lang: Annotated[str, typer.Option(help="zh-CN or en")] = "zh-CN",
) -> None:
    """Print a payable's certificate tree as the given organisation may see it."""
    with unit_of_work() as session:
        viewer = service.principal_for_org(session, as_org)
        console.print(
            render_tree(session, service.payable_tree(session, viewer, payable), locale=lang)
        )


@scf_app.command("from-invoices")
@friendly_errors
def from_invoices(
    supplier: Annotated[str, typer.Option(help="Supplier organisation id (whose invoices)")],
    core: Annotated[str, typer.Option(help="Core enterprise organisation id (the buyer)")],
) -> None:
    """Submit a supplier's ingested invoices to a core enterprise as payables to confirm."""
    from rich.table import Table

    with unit_of_work() as session:
        actor = service.principal_for_org(session, supplier)
        with console.status("reading invoices and submitting payables…"):
            made = service.payables_from_invoices(session, actor, core_org_id=core)
        table = Table("payable", "invoice", "amount", "maturity")
        for p in made:
            table.add_row(
                p.identifier, p.invoice_ref, format_yuan(p.face_fen), str(p.maturity_date)
            )
        console.print(table)
        console.print(f"{len(made)} payables submitted for confirmation")


@scf_app.command("check")
@friendly_errors
def check() -> None:
    """Check every certificate tree against the invariants; exit 1 when any is broken."""
    from rich.progress import track

    problems: list[str] = []
    with unit_of_work() as session:
        ids = service.payable_ids(session)
        for pid in track(ids, description="checking certificate trees…", console=console):
            problems.extend(service.tree_violations(session, pid))
    if problems:
        for p in problems:
            console.print(f"[red]✗[/] {p}")
        raise typer.Exit(code=1)
    console.print(f"[green]{len(ids)} certificate trees hold every invariant[/]")


@scf_app.command("limit")
@friendly_errors
def set_limit(
    bank: Annotated[str, typer.Option(help="Bank organisation id (setting its limit)")],
    core: Annotated[str, typer.Option(help="Core enterprise organisation id")],
    amount: Annotated[str, typer.Option(help="Limit in yuan, e.g. 5000000.00")],
) -> None:
    """Set a bank's exposure limit on a core enterprise (授信额度)."""
    with unit_of_work() as session:
        actor = service.principal_for_org(session, bank)
        e = service.set_exposure_limit(
            session, actor, core_org_id=core, limit_fen=yuan_to_fen(amount, field="amount")
        )
        console.print(
            f"limit {format_yuan(e.limit_fen)} · outstanding {format_yuan(e.used_fen)} · "
            f"headroom {format_yuan(e.headroom_fen)}"
        )


@scf_app.command("limits")
@friendly_errors
def limits(bank: Annotated[str, typer.Option(help="Bank organisation id")]) -> None:
    """A bank's exposure limits with what it holds outstanding and the headroom."""
    from rich.table import Table

    with unit_of_work() as session:
        rows = service.exposure_limits(session, service.principal_for_org(session, bank))
        names = identity.organisation_names(session, [e.core_org_id for e in rows])
        table = Table("core enterprise", "limit", "outstanding", "headroom")
        for e in rows:
            table.add_row(
                names.get(e.core_org_id, e.core_org_id),
                format_yuan(e.limit_fen),
                format_yuan(e.used_fen),
                format_yuan(e.headroom_fen),
            )
        console.print(table)


@scf_app.command("overdue")
@friendly_errors
def overdue(
    as_org: Annotated[str, typer.Option("--as-org", help="Organisation id looking")],
) -> None:
    """Overdue certificates the organisation holds, owes or sold with a bank."""
    from rich.table import Table

    with unit_of_work() as session:
        rows = service.overdue_certificates(session, service.principal_for_org(session, as_org))
        names = identity.organisation_names(
            session, [c.holder_org_id for c in rows] + [c.core_org_id for c in rows]
        )
        table = Table("certificate", "id", "holder", "owed by", "face", "matured", "overdue since")
        for c in rows:
            table.add_row(
                c.identifier,
                c.id,
                names.get(c.holder_org_id, c.holder_org_id),
                names.get(c.core_org_id, c.core_org_id),
                format_yuan(c.face_fen),
                str(c.maturity_date),
                str(c.overdue_since),
            )
        console.print(table)
        console.print(f"{len(rows)} overdue certificates")


@scf_app.command("recourse")
@friendly_errors
def recourse(
    certificate: Annotated[str, typer.Option(help="The bank's overdue certificate id")],
    bank: Annotated[str, typer.Option(help="Bank organisation id (the holder)")],
) -> None:
    """追索: the bank turns back to the seller for an overdue certificate financed with recourse."""
    with unit_of_work() as session:
        back = service.execute_recourse(
            session, service.principal_for_org(session, bank), certificate
        )
        console.print(
            f"{format_yuan(back.face_fen)} repaid by the seller; it holds {back.identifier} "
            f"(overdue) again"
        )


@scf_app.command("contracts")
@friendly_errors
def contracts(
    as_org: Annotated[str, typer.Option("--as-org", help="Enterprise organisation id")],
) -> None:
    """An enterprise's trade contracts with their flagged payment terms and statements."""
    from rich.table import Table

    with unit_of_work() as session:
        me = service.principal_for_org(session, as_org)
        rows = service.list_contracts(session, me)
        names = identity.organisation_names(
            session, [c.seller_org_id for c in rows] + [c.buyer_org_id for c in rows]
        )
        table = Table("contract", "seller", "buyer", "amount", "pay in", "flags", "statements")
        for c in rows:
            statements = service.statements_of(session, me, c.id)
            table.add_row(
                f"{c.reference}\n[dim]{c.id}[/]",
                names.get(c.seller_org_id, c.seller_org_id),
                names.get(c.buyer_org_id, c.buyer_org_id),
                format_yuan(c.unit_price_fen * c.quantity),
                f"{c.payment_days} d" + (" · pay-when-paid" if c.pay_when_paid else ""),
                "\n".join(f"[red]{f}[/]" for f in c.flags) or "[green]—[/]",
                "\n".join(f"{s.statement.id} {s.statement.state}" for s in statements) or "—",
            )
        console.print(table)


@scf_app.command("statement")
@friendly_errors
def statement(
    statement_id: Annotated[str, typer.Option("--id", help="Statement id")],
    as_org: Annotated[str, typer.Option("--as-org", help="Seller or buyer organisation id")],
) -> None:
    """A reconciliation statement (对账单) line by line, with each line's answer."""
    from rich.table import Table

    with unit_of_work() as session:
        st = service.get_statement(
            session, service.principal_for_org(session, as_org), statement_id
        )
        table = Table(
            "line", "reference", "description", "amount", "state", title=st.statement.state
        )
        for x in st.lines:
            reason = f" · {x.dispute_reason}" if x.dispute_reason else ""
            table.add_row(
                x.id, x.reference, x.description, format_yuan(x.amount_fen), x.state + reason
            )
        console.print(table)


@scf_app.command("answer-line")
@friendly_errors
def answer_line(
    line: Annotated[str, typer.Option(help="Statement line id")],
    as_org: Annotated[str, typer.Option("--as-org", help="The buyer's organisation id")],
    dispute: Annotated[str, typer.Option(help="Dispute, with this reason (else confirm)")] = "",
) -> None:
    """The buyer confirms a statement line, or disputes it with ``--dispute REASON``."""
    with unit_of_work() as session:
        st = service.answer_line(
            session,
            service.principal_for_org(session, as_org),
            line,
            confirm=not dispute,
            reason=dispute,
        )
        console.print(f"statement {st.statement.id}: {st.statement.state}")


def _add_trade() -> None:
    """``chanrong scf trade``: the trade commands live in their own module."""
    from chanrong.supplychain.trade_cli import trade_app

    scf_app.add_typer(trade_app, name="trade")


_add_trade()
