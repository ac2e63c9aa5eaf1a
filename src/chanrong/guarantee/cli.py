"""``chanrong guarantee …``: schemes, guaranteed loans, fees, claims (代偿), recoveries, and
interest-subsidy programmes (贴息).

Commands act as a named user of an organisation (``--org`` id, USCC or name, and ``--user``),
so the same organisation and role rules apply as over the API. The simulated run
(``chanrong guarantee demo``) is demo code in ``chanrong.cli.guarantee_demo``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.table import Table

from chanrong.core.clock import month_bounds, parse_month
from chanrong.core.errors import ValidationFailed
from chanrong.core.money import format_yuan, yuan_to_fen
from chanrong.edge.commands import (
    OrgOpt,
    UserOpt,
    acting_principal,
    console,
    friendly_errors,
    parse_day,
    unit_of_work,
)
from chanrong.guarantee import service

app = typer.Typer(
    help="Guarantees 融资担保: schemes, claims, recoveries, interest subsidies",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


_as = acting_principal
_day = parse_day


@app.command("scheme-create")
@friendly_errors
def scheme_create(
    org: OrgOpt,
    user: UserOpt,
    preset: Annotated[str, typer.Option(help="national-fund | pingshan-pool")],
    code: Annotated[str, typer.Option(help="The scheme's code")],
    starts: Annotated[str, typer.Option("--from", help="Cooperation period start")],
    ends: Annotated[str, typer.Option("--to", help="Cooperation period end")],
    sharer: Annotated[list[str], typer.Option(help="party=ORG for each sharer, e.g. pool=ORG_ID")],
) -> None:
    """Set up a risk-sharing scheme from a preset (a government body's officer)."""
    orgs = {}
    for item in sharer:
        party, _, org_id = item.partition("=")
        if not org_id:
            raise ValidationFailed("sharer: give party=ORG", field="sharer")
        orgs[party] = org_id
    with unit_of_work() as s:
        row = service.create_scheme(
            s,
            _as(s, org, user),
            preset=preset,
            code=code,
            starts_on=_day(starts, "from"),
            ends_on=_day(ends, "to"),
            sharer_orgs=orgs,
        )
        console.print(f"scheme {row.code} ({row.name}) set up, log #{row.log_index}")


@app.command("schemes")
@friendly_errors
def schemes() -> None:
    """Every scheme's position: enrolled, defaulted, loss rate, losses by party, fees."""
    with unit_of_work() as s:
        t = Table("scheme", "enrolled", "defaulted", "loss rate", "losses by party", "fees")
        for row in service.list_schemes(s):
            r = service.scheme_report(s, row)
            rate = r.position.loss_rate
            t.add_row(
                row.code,
                format_yuan(r.position.enrolled_fen),
                format_yuan(r.position.defaulted_fen),
                "—" if rate is None else f"{rate:.2%}" + (" ⛔" if r.breaker_tripped else ""),
                ", ".join(f"{p} {format_yuan(v)}" for p, v in r.net_losses.items()),
                ", ".join(f"{p} {format_yuan(v)}" for p, v in r.fees.items()),
            )
        console.print(t)


@app.command("request")
@friendly_errors
def request(
    org: OrgOpt,
    user: UserOpt,
    loan: Annotated[str, typer.Option(help="The bank's loan id")],
    guarantor: Annotated[str, typer.Option(help="The guarantor's organisation id")],
    scheme: Annotated[str, typer.Option(help="The scheme's code")],
) -> None:
    """The lending bank asks a guarantor to guarantee a loan."""
    with unit_of_work() as s:
        g = service.request_guarantee(
            s, _as(s, org, user), loan_id=loan, guarantor_org_id=guarantor, scheme_code=scheme
        )
        console.print(f"guarantee {g.id} requested on {format_yuan(g.principal_fen)}")


@app.command("accept")
@friendly_errors
def accept(guarantee_id: str, org: OrgOpt, user: UserOpt) -> None:
    """The guarantor accepts a requested guarantee (the scheme may refuse it)."""
    with unit_of_work() as s:
        g = service.accept_guarantee(s, _as(s, org, user), guarantee_id)
        console.print(f"guarantee {g.id} {g.status}, log #{g.log_index}")


@app.command("fees")
@friendly_errors
def fees(
    guarantee_id: str,
    org: OrgOpt,
    user: UserOpt,
    through: Annotated[str, typer.Option(help="Charge fees up to this day")],
) -> None:
    """Charge a guarantee's fees through a day (the worker does it monthly)."""
    with unit_of_work() as s:
        rows = service.charge_fees(
            s, _as(s, org, user), guarantee_id, through=_day(through, "through")
        )
        for f in rows:
            console.print(
                f"{f.name}: {format_yuan(f.amount_fen)} ({f.period_start} → {f.period_end})"
            )
        if not rows:
            console.print("nothing due")


@app.command("claim")
@friendly_errors
def claim(
    guarantee_id: str,
    org: OrgOpt,
    user: UserOpt,
    on: Annotated[str, typer.Option(help="The claim's day")],
) -> None:
    """The bank claims on a defaulted loan: 代偿 and the scheme's shares."""
    with unit_of_work() as s:
        c = service.file_claim(s, _as(s, org, user), guarantee_id, on=_day(on, "on"))
        console.print(
            f"claim {c.id}: unpaid {format_yuan(c.unpaid_fen)}; bank keeps "
            f"{format_yuan(c.bank_fen)}; guarantor pays {format_yuan(c.compensation_fen)}; "
            + ", ".join(f"{p} reimburses {format_yuan(int(v))}" for p, v in c.sharers.items())
            + f"; guarantor's loss {format_yuan(c.guarantor_fen)}; log #{c.log_index}"
        )


@app.command("recover")
@friendly_errors
def recover(
    claim_id: str,
    org: OrgOpt,
    user: UserOpt,
    amount: Annotated[str, typer.Option(help="Yuan recovered")],
    on: Annotated[str, typer.Option(help="The day received")],
) -> None:
    """The guarantor records a recovery, shared back by loss borne."""
    with unit_of_work() as s:
        r = service.record_recovery(
            s, _as(s, org, user), claim_id, amount_fen=yuan_to_fen(amount), on=_day(on, "on")
        )
        console.print(", ".join(f"{p} {format_yuan(int(v))}" for p, v in r.shares.items()))


@app.command("book")
@friendly_errors
def book(org: OrgOpt, user: UserOpt) -> None:
    """The guaranteed loans the acting organisation is party to."""
    with unit_of_work() as s:
        t = Table("guarantee", "loan", "principal", "status", "claim")
        for g in service.list_guarantees(s, _as(s, org, user)):
            c = service.claim_of(s, g.id)
            t.add_row(
                g.id,
                g.loan_id,
                format_yuan(g.principal_fen),
                g.status,
                format_yuan(c.compensation_fen) if c else "",
            )
        console.print(t)


@app.command("programme-create")
@friendly_errors
def programme_create(
    org: OrgOpt,
    user: UserOpt,
    name: Annotated[str, typer.Option(help="The programme's name")],
    mode: Annotated[str, typer.Option(help="rate | share")],
    value: Annotated[str, typer.Option(help="Points a year (rate) or share of interest")],
    budget: Annotated[str, typer.Option(help="Budget in yuan")],
    starts: Annotated[str, typer.Option("--from")],
    ends: Annotated[str, typer.Option("--to")],
    eligibility: Annotated[str, typer.Option(help='JSON, e.g. {"industries": ["C"]}')] = "{}",
) -> None:
    """A government body defines an interest-subsidy programme (贴息)."""
    try:
        rules = json.loads(eligibility)
        v = Decimal(value)
    except (ValueError, InvalidOperation):
        raise ValidationFailed(
            "eligibility/value: not valid JSON or number", field="eligibility"
        ) from None
    with unit_of_work() as s:
        p = service.create_programme(
            s,
            _as(s, org, user),
            name=name,
            mode=mode,
            value=v,
            eligibility=rules,
            starts_on=_day(starts, "from"),
            ends_on=_day(ends, "to"),
            budget_fen=yuan_to_fen(budget, field="budget"),
        )
        console.print(f"programme {p.id} ({p.name}), budget {format_yuan(p.budget_fen)}")


@app.command("programme-pay")
@friendly_errors
def programme_pay(
    programme_id: str,
    org: OrgOpt,
    user: UserOpt,
    period: Annotated[str, typer.Option(help="YYYY-MM")],
) -> None:
    """Find eligible loans and pay one month now (the worker does both monthly)."""
    month = parse_month(period)
    with unit_of_work() as s:
        who = _as(s, org, user)
        new = service.enrol_now(s, who, programme_id, as_of=month_bounds(month)[1] - timedelta(1))
        paid = service.pay_now(s, who, programme_id, month)
        total = sum(p.amount_fen for p in paid)
        p = service.get_programme(s, who, programme_id)
        console.print(
            f"{len(new)} loan(s) enrolled; {len(paid)} paid {format_yuan(total)} for {period}; "
            f"spent {format_yuan(p.spent_fen)} of {format_yuan(p.budget_fen)} ({p.status})"
        )
