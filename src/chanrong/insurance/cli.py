"""``chanrong insurance …``: the insurer's and the insured's commands.

Commands act as a named user of an organisation (``--org`` id, USCC or name, and ``--user``),
so the same organisation and role rules apply as over the API; every rule lives in
``chanrong.insurance.service`` / ``policies`` / ``risk``. Bad input is an error naming the
field, exit code 2.

``chanrong insurance report`` and ``pricing`` (the quality index and the pricing model on a
simulated park) are demo code: they live in ``chanrong.cli.insurance_demo`` and
``chanrong.cli.main`` attaches them here, so the domain never imports the simulator.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import NotFound
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
from chanrong.identity import service as identity
from chanrong.insurance import lifecycle, notices, policies, risk, service
from chanrong.telemetry import service as telemetry

app = typer.Typer(
    help="Equipment insurance 设备保险: quotes, policies, premiums, claims, safety alerts",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _enterprise(session: Session, value: str) -> str:
    """An enterprise named on the command line by id, USCC or name."""
    o = (
        identity.find_organisation(session, value)
        or identity.find_enterprise_by_uscc(session, value.upper())
        or identity.find_organisation_by_name(session, value)
    )
    if o is None:
        raise NotFound(f"enterprise: no organisation {value!r}", field="enterprise")
    return o.id


@app.command("quote")
@friendly_errors
def quote(
    org: OrgOpt,
    user: UserOpt,
    enterprise: Annotated[str, typer.Option(help="The enterprise to insure: id, USCC or name")],
    base_premium: Annotated[str, typer.Option(help="Annual base premium, yuan")],
    start: Annotated[str, typer.Option(help="First day of cover, YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="Day cover ends (exclusive), YYYY-MM-DD")],
) -> None:
    """An insurer prices an enterprise's equipment policy from its machines' telemetry."""
    with unit_of_work() as s:
        q = service.quote(
            s,
            acting_principal(s, org, user),
            telemetry.open_store(settings()),
            org_id=_enterprise(s, enterprise),
            base_premium=base_premium,
            start=parse_day(start, "start"),
            end=parse_day(end, "end"),
        )
        console.print(
            f"quote {q.id}: premium {format_yuan(q.premium_fen)} "
            f"(base {format_yuan(q.base_premium_fen)} × {q.multiplier}, band {q.band}, "
            f"index {q.index}, pricing {q.pricing})"
        )


@app.command("quotes")
@friendly_errors
def quotes(org: OrgOpt, user: UserOpt) -> None:
    """Quotes the organisation issued (insurer) or received (enterprise)."""
    with unit_of_work() as s:
        table = Table("quote", "enterprise", "term", "premium", "multiplier", "band")
        for q in service.list_quotes(s, acting_principal(s, org, user)):
            table.add_row(
                q.id,
                q.org_id,
                f"{q.start}–{q.end}",
                format_yuan(q.premium_fen),
                q.multiplier,
                q.band,
            )
        console.print(table)


@app.command("bind")
@friendly_errors
def bind(
    quote_id: str,
    org: OrgOpt,
    user: UserOpt,
    instalments: Annotated[int, typer.Option(help="Premium instalments: 1, 2, 4 or 12")] = 4,
) -> None:
    """The insured enterprise accepts the quote it received: the policy is bound."""
    with unit_of_work() as s:
        p = policies.bind(s, acting_principal(s, org, user), quote_id, instalments=instalments)
        console.print(
            f"policy {p.id} bound: {format_yuan(p.premium_fen)} in {p.instalments} instalment(s)"
        )


@app.command("policies")
@friendly_errors
def list_policies(org: OrgOpt, user: UserOpt) -> None:
    """Policies the organisation wrote (insurer) or holds (enterprise)."""
    with unit_of_work() as s:
        table = Table("policy", "enterprise", "state", "term", "premium", "multiplier")
        for p in policies.list_policies(s, acting_principal(s, org, user)):
            table.add_row(
                p.id,
                p.org_id,
                p.state,
                f"{p.start}–{p.end}",
                format_yuan(p.premium_fen),
                p.multiplier,
            )
        console.print(table)


@app.command("show")
@friendly_errors
def show(
    policy_id: str,
    org: OrgOpt,
    user: UserOpt,
    as_of: Annotated[
        str | None, typer.Option(help="Instalments' state as of this day (default today)")
    ] = None,
) -> None:
    """A policy with its premium schedule (paid, late, overdue, missed), re-ratings and ledger."""
    day = parse_day(as_of, "as_of") if as_of else shanghai_date(utcnow())
    with unit_of_work() as s:
        principal = acting_principal(s, org, user)
        v = policies.policy_view(s, principal, policy_id)
        p = v.policy
        ended = f", ended {p.ended_on}" if p.ended_on else ""
        console.print(
            f"policy {p.id}: {p.state}{ended}, {p.start}–{p.end}, "
            f"premium {format_yuan(p.premium_fen)} "
            f"(base {format_yuan(p.base_premium_fen)} × {p.multiplier})"
        )
        table = Table("#", "due", "amount", "paid", f"state on {day}")
        for i in lifecycle.schedule_status(s, principal, policy_id, day):
            table.add_row(
                str(i.seq),
                i.due_date.isoformat(),
                format_yuan(i.amount_fen),
                format_yuan(i.paid_fen),
                i.state,
            )
        console.print(table)
        for r in v.ratings:
            moved = ", ".join(f"{x['factor']} {x['old']}→{x['new']}" for x in r.reasons)
            console.print(
                f"re-rated {r.as_of}: ×{r.old_multiplier} → ×{r.new_multiplier}, "
                f"{format_yuan(r.delta_fen)} ({moved})"
            )
        ledger = Table("entry", "kind", "account", "debit", "credit")
        for j in v.journal:
            debit, credit = format_yuan(j.debit_fen), format_yuan(j.credit_fen)
            ledger.add_row(j.entry_id[:8], j.kind, j.account, debit, credit)
        console.print(ledger)


@app.command("pay")
@friendly_errors
def pay(
    policy_id: str,
    org: OrgOpt,
    user: UserOpt,
    amount: Annotated[str, typer.Option(help="Premium received, yuan")],
    paid_on: Annotated[str, typer.Option(help="Day it was received, YYYY-MM-DD")],
    reference: Annotated[str, typer.Option(help="The transfer's reference (once per policy)")],
) -> None:
    """The insurer records a premium payment it received (allocated to the oldest instalment)."""
    with unit_of_work() as s:
        row = lifecycle.pay_premium(
            s,
            acting_principal(s, org, user),
            policy_id,
            amount=amount,
            paid_on=parse_day(paid_on, "paid_on"),
            reference=reference,
        )
        console.print(f"premium {format_yuan(row.amount_fen)} received on {row.paid_on}")


@app.command("cancel")
@friendly_errors
def cancel(
    policy_id: str,
    org: OrgOpt,
    user: UserOpt,
    reason: Annotated[str, typer.Option(help="Why the policy is cancelled")],
    on: Annotated[
        str | None, typer.Option(help="Cover ends on this day, YYYY-MM-DD (default today)")
    ] = None,
) -> None:
    """The insured or the insurer cancels a policy: premium earned pro rata, the rest refunded."""
    day = parse_day(on, "on") if on else shanghai_date(utcnow())
    with unit_of_work() as s:
        principal = acting_principal(s, org, user)
        ended = lifecycle.cancel(s, principal, policy_id, on=day, reason=reason)
        t = ended.termination
        console.print(
            f"policy {policy_id} cancelled from {t.on}: earned {format_yuan(t.earned_fen)}, "
            f"refund {format_yuan(t.refund_fen)}, no longer owed "
            f"{format_yuan(t.receivable_cancelled_fen)}, still owed {format_yuan(t.still_owed_fen)}"
        )


@app.command("claim")
@friendly_errors
def claim(
    policy_id: str,
    org: OrgOpt,
    user: UserOpt,
    claim_id: Annotated[str, typer.Option(help="The insurer's claim number")],
    loss_date: Annotated[str, typer.Option(help="Day of the loss, YYYY-MM-DD")],
    cause: Annotated[str, typer.Option(help="Cause of the loss, e.g. breakdown, fire")],
    amount: Annotated[str, typer.Option(help="Amount paid, yuan")],
    device: Annotated[str | None, typer.Option(help="The device lost or damaged")] = None,
    site: Annotated[str | None, typer.Option(help="The site of the loss")] = None,
) -> None:
    """The insurer records a claim it paid on its policy (a claims record of the insured)."""
    with unit_of_work() as s:
        row = policies.pay_claim(
            s,
            acting_principal(s, org, user),
            policy_id,
            claim_id=claim_id,
            loss_date=parse_day(loss_date, "loss_date"),
            cause=cause,
            amount=amount,
            device_id=device,
            site=site,
        )
        console.print(f"claim {row['claim_id']} paid: {format_yuan(row['amount_fen'])}")


@app.command("claims")
@friendly_errors
def claims(policy_id: str, org: OrgOpt, user: UserOpt) -> None:
    """The claims recorded on a policy."""
    with unit_of_work() as s:
        table = Table("claim", "loss date", "cause", "device", "site", "amount")
        for c in policies.claims_of(s, acting_principal(s, org, user), policy_id):
            table.add_row(
                c.claim_id,
                str(c.loss_date),
                c.cause,
                c.device_id or "",
                c.site or "",
                format_yuan(c.amount_fen),
            )
        console.print(table)


@app.command("alerts")
@friendly_errors
def alerts(
    org: OrgOpt,
    user: UserOpt,
    enterprise: Annotated[
        str | None, typer.Option(help="Whose alerts (an insurer, under consent); default own")
    ] = None,
) -> None:
    """An enterprise's safety-risk profile and alerts, with what to check."""
    with unit_of_work() as s:
        principal = acting_principal(s, org, user)
        org_id = _enterprise(s, enterprise) if enterprise else principal.org_id
        v = risk.risk_of(s, principal, org_id)
        if v.profile is None:
            console.print("no safety-risk profile yet")
            return
        console.print(f"profile {v.profile.day}: score {v.profile.score} ({v.profile.band})")
        for site in v.sites:
            console.print(f"site {site.site}: score {site.score} ({site.band})")
        table = Table("day", "site", "severity", "alert", "subject", "evidence")
        for a in v.alerts:
            evidence = ", ".join(f"{k}={val}" for k, val in sorted(a.evidence.items()))
            table.add_row(a.day.isoformat(), a.site or "", a.severity, a.code, a.subject, evidence)
        console.print(table)


@app.command("place")
@friendly_errors
def place(
    org: OrgOpt,
    user: UserOpt,
    device: Annotated[str, typer.Option(help="One of the enterprise's registered devices")],
    site: Annotated[str, typer.Option(help="The site (厂区/车间) it stands at")],
) -> None:
    """The enterprise places a device at one of its sites: safety profiles and alerts per site."""
    with unit_of_work() as s:
        row = risk.place_device(s, acting_principal(s, org, user), device, site)
        console.print(f"device {row.device_id} at site {row.site}")


@app.command("inbox")
@friendly_errors
def inbox(
    org: OrgOpt,
    user: UserOpt,
    unread: Annotated[bool, typer.Option(help="Only those not yet read")] = False,
    lang: Annotated[str, typer.Option(help="Language of what to check: zh-CN or en")] = "zh-CN",
) -> None:
    """Safety alerts delivered to the organisation, with what to check."""
    with unit_of_work() as s:
        table = Table("day", "enterprise", "severity", "alert", "subject", "what to check", "state")
        for n in notices.inbox(s, acting_principal(s, org, user), unread=unread):
            table.add_row(
                n.day.isoformat(),
                n.org_id,
                n.severity,
                n.code,
                n.subject,
                n.check.get(lang, n.check.get("en", "")),
                n.state,
            )
        console.print(table)
