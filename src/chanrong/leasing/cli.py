"""``chanrong lease …``: a lessor's assets and contracts, the lessee's answer, bills, payments
and the remote lock.

Commands act as a named user of an organisation (``--org`` id, USCC or name, and ``--user``),
so the same organisation and role rules apply as over the API; every rule lives in
``chanrong.leasing.service``. Bad input is an error naming the field, exit code 2.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chanrong.core.clock import parse_month, shanghai_date, utcnow
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
from chanrong.leasing import service
from chanrong.leasing.broker_access import new_accounts, write_broker_access
from chanrong.leasing.commands import MqttCommander, platform_commander
from chanrong.telemetry import service as telemetry

app = typer.Typer(
    help="Leasing 融资租赁: assets, contracts, bills, remote lock",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _commander() -> MqttCommander:
    return platform_commander(settings())


@app.command("asset-register")
@friendly_errors
def asset_register(
    org: OrgOpt,
    user: UserOpt,
    lessee: Annotated[str, typer.Option(help="The lessee's organisation id")],
    device: Annotated[str, typer.Option(help="The device id at the lessee's site")],
    reference: Annotated[str, typer.Option(help="Invoice or finance contract number")],
    relation: Annotated[str, typer.Option(help="owns | finances")] = "owns",
) -> None:
    """A lessor registers a device at the lessee's site as an asset it owns or finances."""
    with unit_of_work() as s:
        a = service.register_asset(
            s,
            acting_principal(s, org, user),
            lessee_org_id=lessee,
            device_id=device,
            relation=relation,
            reference=reference,
        )
        console.print(f"asset {a.device_id} registered ({a.relation}), log #{a.log_index}")


@app.command("propose")
@friendly_errors
def propose(
    org: OrgOpt,
    user: UserOpt,
    lessee: Annotated[str, typer.Option(help="The lessee's organisation id")],
    device: Annotated[str, typer.Option(help="A device registered as the lessor's asset")],
    unit: Annotated[str, typer.Option(help="stitches | runtime_h | output_count")],
    price: Annotated[str, typer.Option(help="Yuan per unit of use")],
    minimum: Annotated[str, typer.Option(help="Monthly minimum charge, yuan")],
    cost: Annotated[str, typer.Option(help="The device's cost, yuan")],
    design_life: Annotated[int, typer.Option(help="Design life in units of use")],
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (not before today)")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD")],
    grace_days: Annotated[int, typer.Option(help="Days past due before a lock")] = 10,
    party: Annotated[
        list[str] | None,
        typer.Option(
            help="Multi-party lease: ROLE=ORG[:bps=N|:fen=N] for funder, manufacturer, dealer "
            "and lessee (repeat)"
        ),
    ] = None,
    remainder: Annotated[
        str | None, typer.Option(help="The party taking each payment's rounding remainder")
    ] = None,
) -> None:
    """A lessor proposes a lease of one of its registered assets; the lessee must accept
    (and, with --party, every party must sign the contract's hash)."""
    parties = None if not party else [_party(x) for x in party]
    with unit_of_work() as s:
        c = service.create_contract(
            s,
            acting_principal(s, org, user),
            lessee_org_id=lessee,
            device_id=device,
            unit=unit,
            price_per_unit=price,
            minimum_charge=minimum,
            cost=cost,
            design_life_units=design_life,
            start_date=parse_day(start, "start"),
            end_date=parse_day(end, "end"),
            grace_days=grace_days,
            parties=parties,
            remainder_role=remainder,
        )
        console.print(f"contract {c.id} proposed on {c.device_id} ({c.state})")


def _party(text: str) -> service.PartyShare:
    """``ROLE=ORG``, ``ROLE=ORG:bps=N`` or ``ROLE=ORG:fen=N`` as a party's share."""
    role, _, rest = text.partition("=")
    org, _, share = rest.partition(":")
    kind, _, number = share.partition("=")
    if not role or not org or (share and (kind not in ("bps", "fen") or not number.isdigit())):
        raise ValidationFailed(
            f"party: {text!r} is not ROLE=ORG, ROLE=ORG:bps=N or ROLE=ORG:fen=N", field="party"
        )
    n = int(number) if number else 0
    return service.PartyShare(
        role, org, bps=n if kind == "bps" else 0, fixed_fen=n if kind == "fen" else 0
    )


@app.command("parties")
@friendly_errors
def parties(contract_id: str, org: OrgOpt, user: UserOpt) -> None:
    """A multi-party lease's parties, shares, signatures and the hash each party signs."""
    with unit_of_work() as s:
        view = service.parties_of(s, acting_principal(s, org, user), contract_id)
        if view is None:
            raise ValidationFailed(
                "contract_id: a lessor–lessee lease has no parties", field="contract_id"
            )
        console.print(f"contract hash {view.contract_hash}")
        console.print(f"rounding remainder to the {view.remainder_role}")
        for x in view.parties:
            share = format_yuan(x.fixed_fen) if x.fixed_fen else f"{x.share_bps} bps"
            signed = f"signed, log #{x.sign_log_index}" if x.signed_at else "not signed"
            console.print(f"{x.role} {x.org_id}: {share}, {signed}")


@app.command("sign")
@friendly_errors
def sign(
    contract_id: str,
    org: OrgOpt,
    user: UserOpt,
    role: Annotated[str, typer.Option(help="The role signed for")],
    contract_hash: Annotated[str, typer.Option("--hash", help="The hash `lease parties` shows")],
) -> None:
    """A party signs the contract's hash for its role (a leaf of the verifiable log)."""
    with unit_of_work() as s:
        c = service.sign_contract(
            s, acting_principal(s, org, user), contract_id, role=role, contract_hash=contract_hash
        )
        console.print(f"contract {c.id} signed by the {role}; {c.state}")


@app.command("journal")
@friendly_errors
def journal(contract_id: str, org: OrgOpt, user: UserOpt) -> None:
    """The settlement journal (清分) of a multi-party lease's payments."""
    with unit_of_work() as s:
        t = Table("payment", "role", "account", "debit", "credit")
        for ln in service.journal_of(s, acting_principal(s, org, user), contract_id):
            t.add_row(
                ln.payment_id[-8:],
                ln.role,
                ln.account,
                format_yuan(ln.debit_fen) if ln.debit_fen else "",
                format_yuan(ln.credit_fen) if ln.credit_fen else "",
            )
        console.print(t)


@app.command("accept")
@friendly_errors
def accept(contract_id: str, org: OrgOpt, user: UserOpt) -> None:
    """The lessee accepts a proposed lease."""
    with unit_of_work() as s:
        c = service.accept_contract(s, acting_principal(s, org, user), contract_id)
        console.print(f"contract {c.id} {c.state}")


@app.command("decline")
@friendly_errors
def decline(contract_id: str, org: OrgOpt, user: UserOpt) -> None:
    """The lessee declines a proposed lease."""
    with unit_of_work() as s:
        c = service.decline_contract(s, acting_principal(s, org, user), contract_id)
        console.print(f"contract {c.id} {c.state}")


@app.command("contracts")
@friendly_errors
def contracts(org: OrgOpt, user: UserOpt) -> None:
    """Contracts where the organisation is the lessor or the lessee."""
    with unit_of_work() as s:
        t = Table("contract", "device", "unit", "state", "start", "end")
        for c in service.list_contracts(s, acting_principal(s, org, user)):
            t.add_row(c.id, c.device_id, c.unit, c.state, str(c.start_date), str(c.end_date))
        console.print(t)


@app.command("show")
@friendly_errors
def show(contract_id: str, org: OrgOpt, user: UserOpt) -> None:
    """One contract: its terms, state, bills and device commands."""
    with unit_of_work() as s:
        p = acting_principal(s, org, user)
        c = service.get_contract(s, p, contract_id)
        console.print(f"contract {c.id}: {c.state}")
        console.print(f"device {c.device_id}, billed on {c.unit}")
        console.print(
            f"term {c.start_date} → {c.end_date}, minimum {format_yuan(c.minimum_fen)}/month, "
            f"grace {c.grace_days} days"
        )
        for b in service.list_bills(s, p, c.id):
            console.print(
                f"bill {b.id} {b.period:%Y-%m}: {format_yuan(b.amount_fen)}, "
                f"paid {format_yuan(b.paid_fen)}, due {b.due_date}"
            )
        for cmd in service.list_commands(s, p, c.id):
            console.print(f"command {cmd.command} {cmd.status} at {cmd.sent_at:%Y-%m-%d %H:%M}")
        r = service.residual_value(s, p, telemetry.open_store(settings()), c.id)
        cond = r.condition
        console.print(
            f"residual value {format_yuan(r.residual_fen)}: used {r.used_units} of "
            f"{r.design_life_units} {c.unit}, condition {cond.score} (running hours "
            f"{cond.running_hours if cond.running_hours is not None else 'unknown'}, faults "
            f"{cond.faults if cond.faults is not None else 'unknown'}, high-load share "
            f"{cond.high_load_share if cond.high_load_share is not None else 'unknown'})"
        )


@app.command("bill")
@friendly_errors
def bill(
    contract_id: str,
    org: OrgOpt,
    user: UserOpt,
    period: Annotated[str, typer.Option(help="The month, YYYY-MM")],
) -> None:
    """Bill a finished month (YYYY-MM) from the device's counter."""
    with unit_of_work() as s:
        month = parse_month(period)
        store = telemetry.open_store(settings())
        b = service.issue_bill(s, acting_principal(s, org, user), store, contract_id, month)
        console.print(
            f"bill {b.id} {b.period:%Y-%m}: usage {b.usage}, {format_yuan(b.amount_fen)}, "
            f"due {b.due_date}"
        )


@app.command("bills")
@friendly_errors
def bills(contract_id: str, org: OrgOpt, user: UserOpt) -> None:
    """A contract's bills (lessor or lessee)."""
    with unit_of_work() as s:
        t = Table("bill", "period", "usage", "amount", "paid", "due")
        for b in service.list_bills(s, acting_principal(s, org, user), contract_id):
            t.add_row(
                b.id,
                f"{b.period:%Y-%m}",
                b.usage,
                format_yuan(b.amount_fen),
                format_yuan(b.paid_fen),
                str(b.due_date),
            )
        console.print(t)


@app.command("pay")
@friendly_errors
def pay(
    bill_id: str,
    org: OrgOpt,
    user: UserOpt,
    amount: Annotated[str, typer.Option(help="Yuan received")],
) -> None:
    """The lessor records money received against a bill (yuan)."""
    with unit_of_work() as s:
        b = service.record_payment(s, acting_principal(s, org, user), bill_id, amount)
        console.print(f"bill {b.id}: paid {format_yuan(b.paid_fen)} of {format_yuan(b.amount_fen)}")


@app.command("lock")
@friendly_errors
def lock(contract_id: str, org: OrgOpt, user: UserOpt) -> None:
    """Lock the device: only an accepted contract in arrears past grace (server's date)."""
    with unit_of_work() as s:
        e = service.lock(
            s, acting_principal(s, org, user), _commander(), contract_id, shanghai_date(utcnow())
        )
        assert e.command is not None
        console.print(f"lock {e.command.status}; contract {e.contract.state}")


@app.command("unlock")
@friendly_errors
def unlock(contract_id: str, org: OrgOpt, user: UserOpt) -> None:
    """Unlock a locked device now."""
    with unit_of_work() as s:
        e = service.unlock(s, acting_principal(s, org, user), _commander(), contract_id)
        assert e.command is not None
        console.print(f"unlock {e.command.status}; contract {e.contract.state}")


@app.command("broker-access")
@friendly_errors
def broker_access(
    out: Annotated[Path, typer.Option(help="Directory for passwd, acl and devices.json")],
) -> None:
    """Write the command broker's per-device accounts and topic ACL for every leased device
    (an operator's step on the host: the files hold fresh secrets, devices.json is 0600)."""
    with unit_of_work() as s:
        devices = service.leased_devices(s)
    accounts = new_accounts(devices)
    files = write_broker_access(out, accounts, secrets.token_urlsafe(32))
    console.print(
        f"{len(accounts)} device accounts; passwd {files['passwd']}, acl {files['acl']}, "
        f"credentials {files['devices']} (give each gateway its own entry)"
    )
