"""``chanrong scf trade`` commands: orders, deliveries (with the seller's production counters),
goods received, invoices, statements from invoices; payment guarantees (保付) and recourse;
escrow; the alerts on guaranteed trades; and the trade journal's check. Each command acts as
an officer of ``--as-org`` (``--user`` names the officer where four eyes matter)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from chanrong.core.money import format_yuan, yuan_to_fen
from chanrong.core.settings import get_settings
from chanrong.edge.commands import console, friendly_errors, parse_day, unit_of_work
from chanrong.supplychain import service
from chanrong.telemetry import service as telemetry

trade_app = typer.Typer(
    help="Trade 贸易: orders, deliveries, invoices, 保付 payment guarantees, escrow",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

AsOrg = Annotated[str, typer.Option("--as-org", help="The acting organisation's id")]


@trade_app.command("order")
@friendly_errors
def order(
    contract: Annotated[str, typer.Option(help="Contract id")],
    as_org: AsOrg,
    reference: Annotated[str, typer.Option(help="The buyer's order number")],
    quantity: Annotated[int, typer.Option(help="Units ordered")],
    ordered_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
) -> None:
    """The buyer orders part of a contract's quantity."""
    with unit_of_work() as session:
        o = service.place_order(
            session,
            service.principal_for_org(session, as_org),
            contract,
            reference=reference,
            quantity=quantity,
            ordered_on=parse_day(ordered_on, "ordered_on"),
        )
        console.print(o.id)


@trade_app.command("ship")
@friendly_errors
def ship(
    order_id: Annotated[str, typer.Option("--order", help="Order id")],
    as_org: AsOrg,
    reference: Annotated[str, typer.Option(help="Delivery note number")],
    quantity: Annotated[int, typer.Option(help="Units shipped")],
    shipped_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    device: Annotated[
        list[str] | None, typer.Option(help="A device whose output counter is the evidence")
    ] = None,
    produced_from: Annotated[str, typer.Option(help="Counters' window start")] = "",
    produced_to: Annotated[str, typer.Option(help="Counters' window end")] = "",
) -> None:
    """The seller ships against an order (with its production counters as evidence)."""
    with unit_of_work() as session:
        d = service.record_shipment(
            session,
            service.principal_for_org(session, as_org),
            order_id,
            reference=reference,
            quantity=quantity,
            shipped_on=parse_day(shipped_on, "shipped_on"),
            devices=device or [],
            produced_from=parse_day(produced_from, "produced_from") if produced_from else None,
            produced_to=parse_day(produced_to, "produced_to") if produced_to else None,
            store=telemetry.open_store(get_settings()) if device else None,
        )
        counted = "" if d.produced_count is None else f" · counters +{d.produced_count}"
        console.print(f"{d.id}{counted} {' '.join(d.flags)}".rstrip())


@trade_app.command("receive")
@friendly_errors
def receive(
    delivery: Annotated[str, typer.Option(help="Delivery id")],
    as_org: AsOrg,
    quantity: Annotated[int, typer.Option(help="Units received")],
    received_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    grn: Annotated[str, typer.Option(help="Goods-received note number (收货单)")],
    note: Annotated[str, typer.Option(help="What was wrong, if anything")] = "",
) -> None:
    """The buyer records what it received of a delivery."""
    with unit_of_work() as session:
        d = service.record_receipt(
            session,
            service.principal_for_org(session, as_org),
            delivery,
            received_quantity=quantity,
            received_on=parse_day(received_on, "received_on"),
            receipt_reference=grn,
            note=note,
        )
        console.print(f"{d.id} received {d.received_quantity}/{d.quantity_shipped}")


@trade_app.command("invoice")
@friendly_errors
def invoice(
    delivery: Annotated[str, typer.Option(help="Delivery id")],
    as_org: AsOrg,
    number: Annotated[str, typer.Option(help="Invoice number")],
    issued_on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
) -> None:
    """The seller invoices a received delivery (what was received, at the contract's price)."""
    with unit_of_work() as session:
        i = service.issue_invoice(
            session,
            service.principal_for_org(session, as_org),
            delivery,
            number=number,
            issued_on=parse_day(issued_on, "issued_on"),
        )
        console.print(f"{i.id} {format_yuan(i.amount_fen)}")


@trade_app.command("statement-from-invoices")
@friendly_errors
def statement_from_invoices(
    contract: Annotated[str, typer.Option(help="Contract id")],
    as_org: AsOrg,
    start: Annotated[str, typer.Option(help="Period start YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="Period end YYYY-MM-DD")],
) -> None:
    """The seller puts the period's invoices on a statement, a line each."""
    with unit_of_work() as session:
        st = service.statement_from_invoices(
            session,
            service.principal_for_org(session, as_org),
            contract,
            period_start=parse_day(start, "period_start"),
            period_end=parse_day(end, "period_end"),
        )
        total = sum(x.amount_fen for x in st.lines)
        console.print(f"{st.statement.id} {len(st.lines)} line(s) {format_yuan(total)}")


@trade_app.command("orders")
@friendly_errors
def orders(contract: Annotated[str, typer.Option(help="Contract id")], as_org: AsOrg) -> None:
    """A contract's orders, deliveries with their evidence, and invoices."""
    with unit_of_work() as session:
        table = Table("order", "delivery", "shipped", "received", "evidence", "invoice")
        for v in service.orders_of(session, service.principal_for_org(session, as_org), contract):
            for d in v.deliveries:
                inv = v.invoices.get(d.id)
                evidence = "—" if d.produced_count is None else f"counters +{d.produced_count}"
                table.add_row(
                    f"{v.order.reference} ({v.order.quantity})",
                    d.reference,
                    str(d.quantity_shipped),
                    "—" if d.received_quantity is None else f"{d.received_quantity}",
                    " ".join([evidence, *d.flags]),
                    "—" if inv is None else f"{inv.number} {format_yuan(inv.amount_fen)}",
                )
        console.print(table)


@trade_app.command("guarantee-request")
@friendly_errors
def guarantee_request(
    statement: Annotated[str, typer.Option(help="Confirmed statement id")],
    as_org: AsOrg,
    guarantor: Annotated[str, typer.Option(help="Bank or guarantor organisation id")],
) -> None:
    """A party to a confirmed statement asks a bank or guarantor for a 保付 (it pays the fee)."""
    with unit_of_work() as session:
        g = service.request_payment_guarantee(
            session,
            service.principal_for_org(session, as_org),
            statement,
            guarantor_org_id=guarantor,
        )
        console.print(g.id)


@trade_app.command("guarantee-accept")
@friendly_errors
def guarantee_accept(
    guarantee: Annotated[str, typer.Option("--id", help="Payment guarantee id")],
    as_org: AsOrg,
    fee_rate: Annotated[str, typer.Option(help="Fee, % of the amount: 0.50")],
) -> None:
    """The guarantor accepts at a fee rate; the fee is charged at once."""
    with unit_of_work() as session:
        g = service.accept_payment_guarantee(
            session,
            service.principal_for_org(session, as_org),
            guarantee,
            fee_rate_percent=Decimal(fee_rate),
        )
        console.print(f"{g.id} active, fee {format_yuan(g.fee_fen or 0)}")


@trade_app.command("guarantee-call")
@friendly_errors
def guarantee_call(
    guarantee: Annotated[str, typer.Option("--id", help="Payment guarantee id")], as_org: AsOrg
) -> None:
    """The seller calls on the guarantee after the due day passed unpaid."""
    with unit_of_work() as session:
        g = service.call_payment_guarantee(
            session, service.principal_for_org(session, as_org), guarantee
        )
        console.print(f"{g.id} {g.state}")


@trade_app.command("pay-out")
@friendly_errors
def pay_out(
    guarantee: Annotated[str, typer.Option("--id", help="Payment guarantee id")],
    as_org: AsOrg,
    instalments: Annotated[int, typer.Option(help="Recourse instalments")] = 3,
) -> None:
    """The guarantor pays the seller (代偿) and opens its recourse claim on the buyer."""
    with unit_of_work() as session:
        v = service.pay_out(
            session, service.principal_for_org(session, as_org), guarantee, instalments=instalments
        )
        assert v.claim is not None
        console.print(f"recourse claim {v.claim.id}")
        for i in v.instalments:
            console.print(f"  {i.due_on} {format_yuan(i.amount_fen)}")


@trade_app.command("repay")
@friendly_errors
def repay(
    claim: Annotated[str, typer.Option(help="Recourse claim id")],
    as_org: AsOrg,
    amount: Annotated[str, typer.Option(help="Yuan")],
) -> None:
    """The buyer repays the guarantor's recourse claim."""
    with unit_of_work() as session:
        v = service.repay_recourse(
            session,
            service.principal_for_org(session, as_org),
            claim,
            amount_fen=yuan_to_fen(amount, field="amount"),
        )
        console.print(f"outstanding {format_yuan(v.outstanding_fen)}")


@trade_app.command("guarantees")
@friendly_errors
def guarantees(as_org: AsOrg) -> None:
    """The payment guarantees the organisation gives, or is seller or buyer of."""
    with unit_of_work() as session:
        table = Table("guarantee", "amount", "due", "state", "fee", "recourse outstanding")
        for v in service.payment_guarantees(session, service.principal_for_org(session, as_org)):
            g = v.guarantee
            table.add_row(
                g.id,
                format_yuan(g.amount_fen),
                str(g.due_on),
                g.state,
                "—" if g.fee_fen is None else format_yuan(g.fee_fen),
                "—" if v.claim is None else format_yuan(v.outstanding_fen),
            )
        console.print(table)


@trade_app.command("escrow")
@friendly_errors
def escrow(
    order_id: Annotated[str, typer.Option("--order", help="Order id")],
    as_org: AsOrg,
    agent: Annotated[str, typer.Option(help="The bank holding the money")],
    amount: Annotated[str, typer.Option(help="Yuan")],
) -> None:
    """The buyer puts money for an order in escrow with a bank."""
    with unit_of_work() as session:
        e = service.deposit_escrow(
            session,
            service.principal_for_org(session, as_org),
            order_id,
            agent_org_id=agent,
            amount_fen=yuan_to_fen(amount, field="amount"),
        )
        console.print(e.id)


@trade_app.command("escrow-approve")
@friendly_errors
def escrow_approve(
    escrow_id: Annotated[str, typer.Option("--id", help="Escrow id")],
    as_org: AsOrg,
    user: Annotated[str, typer.Option(help="The approving officer's user id")],
) -> None:
    """An officer of the agent approves the release (the whole order received)."""
    with unit_of_work() as session:
        e = service.approve_release(
            session, service.principal_for_org(session, as_org, user_id=user), escrow_id
        )
        console.print(f"{e.id} {e.state}")


@trade_app.command("escrow-release")
@friendly_errors
def escrow_release(
    escrow_id: Annotated[str, typer.Option("--id", help="Escrow id")],
    as_org: AsOrg,
    user: Annotated[str, typer.Option(help="The releasing officer's user id (not the approver)")],
) -> None:
    """Another officer of the agent executes the approved release."""
    with unit_of_work() as session:
        e = service.release_escrow(
            session, service.principal_for_org(session, as_org, user_id=user), escrow_id
        )
        console.print(f"{e.id} {e.state}: {format_yuan(e.to_seller_fen or 0)} to the seller")


@trade_app.command("alerts")
@friendly_errors
def alerts(as_org: AsOrg) -> None:
    """The alerts on guaranteed trades addressed to the organisation."""
    with unit_of_work() as session:
        table = Table("guarantee", "kind", "severity", "as of")
        for a in service.trade_alerts(session, service.principal_for_org(session, as_org)):
            table.add_row(a.guarantee_id, a.kind, a.severity, str(a.as_of))
        console.print(table)


@trade_app.command("check")
@friendly_errors
def check() -> None:
    """The trade journal: every entry balanced and no cash created or lost (exit 1 if not)."""
    with unit_of_work() as session:
        problems = service.trade_violations(session)
    for p in problems:
        console.print(f"[red]{p}[/]")
    if problems:
        raise typer.Exit(1)
    console.print("the trade journal balances: no fen created or lost")
