"""Leasing's jobs for the worker: monthly billing from the counters, daily arrears enforcement."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy.orm import Session

from chanrong.core.clock import month_bounds
from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind
from chanrong.jobs.registry import Cadence, JobContext, job, parse_period
from chanrong.leasing import service
from chanrong.leasing.commands import MqttCommander
from chanrong.leasing.signing import load_or_create_signer
from chanrong.telemetry import service as telemetry


def _lessors(session: Session) -> Iterable[str]:
    for org in identity.all_organisations(session):
        if (
            org.kind == OrgKind.FINANCIAL_INSTITUTION.value
            and org.institution_type == InstitutionType.LESSOR.value
        ):
            yield org.id


def contracts_to_bill(session: Session, _settings: Settings, period: str) -> Iterable[str]:
    """``<lessor>/<contract>`` for each accepted contract whose term covers the month."""
    first, nxt = month_bounds(parse_period(Cadence.MONTHLY, period))
    for lessor in _lessors(session):
        for c in service.list_contracts(session, identity.system_principal(session, lessor)):
            if (
                c.lessor_org_id == lessor
                and c.state in service.RUNNING
                and c.accepted_at is not None
                and c.start_date < nxt
                and c.end_date >= first
            ):
                yield f"{lessor}/{c.id}"


def contracts_to_enforce(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """``<lessor>/<contract>`` for each contract that is running or locked."""
    for lessor in _lessors(session):
        for c in service.list_contracts(session, identity.system_principal(session, lessor)):
            if c.lessor_org_id == lessor and c.state in ("active", "locked"):
                yield f"{lessor}/{c.id}"


@job("leasing.billing", cadence=Cadence.MONTHLY, cron="0 2 1 * *", subjects=contracts_to_bill)
def billing(ctx: JobContext) -> str:
    """Bill one lease contract for the month just ended, from its device's counter."""
    lessor, contract_id = ctx.subject.split("/", 1)
    officer = identity.system_principal(ctx.session, lessor)
    done = {b.period for b in service.list_bills(ctx.session, officer, contract_id)}
    if ctx.month in done:  # billed by hand before the worker came to it
        return f"{ctx.period} already billed"
    store = telemetry.open_store(ctx.settings)
    b = service.issue_bill(ctx.session, officer, store, contract_id, ctx.month)
    return f"usage {b.usage}, {b.amount_fen} fen, due {b.due_date.isoformat()}"


@job(
    "leasing.enforcement",
    cadence=Cadence.DAILY,
    cron="0 9 * * *",
    offset=0,
    subjects=contracts_to_enforce,
    lease=timedelta(minutes=2),
)
def enforcement(ctx: JobContext) -> str:
    """Lock a leased device whose lessee is in arrears, unlock it once paid (over MQTT)."""
    lessor, contract_id = ctx.subject.split("/", 1)
    officer = identity.system_principal(ctx.session, lessor)
    commander = MqttCommander(
        ctx.settings.mqtt_host,
        ctx.settings.mqtt_port,
        signer=load_or_create_signer(ctx.settings.var_dir),
    )
    e = service.enforce(ctx.session, officer, commander, contract_id, ctx.day)
    if e.command is None:
        return f"no change ({e.contract.state}), overdue {e.overdue_fen} fen"
    return f"{e.command.command} {e.command.status}, overdue {e.overdue_fen} fen"
