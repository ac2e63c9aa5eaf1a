"""``chanrong scf`` commands: certificate trees as Rich trees, the demo story, invariant checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.tree import Tree
from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date
from chanrong.core.i18n import t
from chanrong.core.money import format_yuan
from chanrong.core.uscc import make_uscc
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

# Organisations the story uses when it runs on its own (``chanrong scf story``).
# (key, name, USCC region, USCC organisation-code body, extra attributes); the core enterprise,
# the tier-1 supplier and the bank are the ones ``chanrong demo`` seeds, so both stories meet.
STORY_ORGS: tuple[tuple[str, str, str, str | None, dict[str, Any]], ...] = (
    (
        "core",
        "浙北机电集团 Zhebei Electromechanical Group",
        "330500",
        "MA2B0C1D",
        {"is_core": True},
    ),
    ("tier1", "吴兴精密零件 Wuxing Precision Parts", "330502", "MA2B0C2E", {}),
    ("tier2a", "南浔铸件 Nanxun Castings", "330503", "MA2B0C4G", {}),
    ("tier2b", "德清紧固件 Deqing Fasteners", "330521", "MA2B0C5H", {}),
    ("bank", "湖州科创银行 Huzhou Sci-Tech Bank", "330500", None, {"institution_type": "bank"}),
)


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


def print_story(session: Session, story: service.Story, *, locale: str | None = None) -> None:
    """Print what ``service.demo_story`` did as a Rich tree (for ``chanrong demo`` too)."""
    core = service.principal_for_org(session, story.core_org_id)
    console.print(
        render_tree(session, service.payable_tree(session, core, story.payable_id), locale=locale)
    )
    summary = t(
        "scf.settled_summary",
        locale,
        amount=format_yuan(story.settled_fen),
        holders=len(story.settlements),
    )
    console.print(summary)


def _story_org(
    session: Session, name: str, region: str, body: str | None, extra: dict[str, Any]
) -> str:
    uscc = make_uscc("9", "1", region, body).code if body else None
    org = identity.find_enterprise_by_uscc(session, uscc) if uscc else None
    org = org or identity.find_organisation_by_name(session, name)
    if org is None:
        kind = "enterprise" if body else "financial_institution"
        org = identity.create_organisation(
            session,
            name=name,
            kind=kind,
            uscc=uscc,
            region_code="330500",
            **extra,  # type: ignore[arg-type]
        )
    return org.id


@scf_app.command("story")
@friendly_errors
def story(
    lang: Annotated[str, typer.Option(help="zh-CN or en")] = "zh-CN",
) -> None:
    """Run the supply-chain story: confirm, split to two tier-2 suppliers, finance, settle."""
    with unit_of_work() as session:
        ids = {
            key: _story_org(session, name, region, body, extra)
            for key, name, region, body, extra in STORY_ORGS
        }
        with console.status("confirming, splitting, financing and settling…"):
            result = service.demo_story(
                session,
                core_org_id=ids["core"],
                tier1_org_id=ids["tier1"],
                tier2_org_ids=(ids["tier2a"], ids["tier2b"]),
                bank_org_id=ids["bank"],
            )
        print_story(session, result, locale=lang)


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
