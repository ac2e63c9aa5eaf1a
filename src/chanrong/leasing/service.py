"""Leasing use cases: contracts, bills from telemetry counters, payments, arrears and lock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import month_bounds, utc_midnight, utcnow
from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.core.money import yuan_to_fen
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.leasing.billing import Reading, Tariff, bill, residual_value_fen, usage_from_counter
from chanrong.leasing.commands import Commander
from chanrong.leasing.contracts import (
    PURPOSE,
    accept_contract,
    create_contract,
    decline_contract,
    get_contract,
    list_assets,
    list_contracts,
    own_contract,
    register_asset,
    require_lessor,
    text,
    visible,
)
from chanrong.leasing.orm import DeviceCommand, LeaseBill, LeaseContract, LeasePayment
from chanrong.leasing.products import PRODUCTS, bill_ceiling_fen
from chanrong.leasing.repository import LeasingRepository
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

__all__ = [
    "accept_contract",
    "create_contract",
    "decline_contract",
    "get_contract",
    "list_assets",
    "list_contracts",
    "register_asset",
]

BILLABLE_UNITS = tuple(PRODUCTS)
PAYMENT_TERM_DAYS = 10
# Contracts that were accepted and are running: only these are billed or locked.
RUNNING = ("active", "locked")


def tariff_of(c: LeaseContract) -> Tariff:
    """The contract's price and monthly minimum as a tariff."""
    return Tariff(c.unit, Decimal(c.price_millifen_per_unit) / 1000, c.minimum_fen)


def counter_readings(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    c: LeaseContract,
    start: datetime,
    end: datetime,
) -> list[Reading]:
    """The billed counter's readings in [start, end), read under the lessee's consent."""
    table = telemetry.query_points(
        session,
        principal,
        store,
        org_id=c.lessee_org_id,
        start=start,
        end=end,
        devices=[c.device_id],
        metrics=[c.unit],
        purpose=PURPOSE,
    )
    ts = table.column("ts").to_pylist()
    values = table.column("value").to_pylist()
    return [Reading(t, Decimal(repr(v))) for t, v in zip(ts, values, strict=True)]


def issue_bill(
    session: Session, principal: Principal, store: TelemetryStore, contract_id: str, period: date
) -> LeaseBill:
    """Bill one month from the device's counter. Use crossing into the month from the last
    reading before it counts in this month; resets and gaps are never charged."""
    c = own_contract(session, principal, contract_id)
    if c.state not in RUNNING or c.accepted_at is None:
        raise Conflict(
            f"lease contract {c.id} is {c.state}: only an accepted contract is billed",
            field="state",
            extra={"reason": "not_accepted"},
        )
    first, nxt = month_bounds(period)
    if nxt <= c.start_date or first > c.end_date:
        raise ValidationFailed("period: outside the contract's term", field="period")
    repo = LeasingRepository(session)
    if repo.bill_for(c.id, first) is not None:
        raise Conflict(f"period: {first:%Y-%m} is already billed", field="period")
    if utc_midnight(nxt) > utcnow():
        raise ValidationFailed("period: a month can be billed only after it ends", field="period")
    lookback = timedelta(minutes=c.max_gap_minutes)
    # Use before the contract started (or after it ended) is not the lessee's to pay: the
    # first month counts from the start date, with no look-back across it.
    start = utc_midnight(c.start_date) if c.start_date > first else utc_midnight(first) - lookback
    end = utc_midnight(min(nxt, c.end_date + timedelta(days=1)))
    readings = counter_readings(session, principal, store, c, start, end)
    max_rate = Decimal(c.max_units_per_hour)
    usage = usage_from_counter(
        readings, max_gap=timedelta(minutes=c.max_gap_minutes), max_rate_per_hour=max_rate
    )
    b = bill(usage, tariff_of(c))
    ceiling = bill_ceiling_fen(
        price_millifen=c.price_millifen_per_unit,
        minimum_fen=c.minimum_fen,
        max_units_per_hour=max_rate,
        span=end - start,
    )
    if b.amount_fen > ceiling:  # cannot happen from the rules above; never bill it if it does
        raise Conflict(
            f"amount: {b.amount_fen} fen exceeds the {ceiling} fen the terms allow",
            field="amount",
            extra={"reason": "above_terms"},
        )
    ref = governance.append_log(
        session,
        kind="lease.billed",
        actor_org_id=principal.org_id,
        subject=f"{c.lessee_org_id}:lease:{c.id}",
        payload={
            "contract_id": c.id,
            "period": first.isoformat(),
            "usage": text(b.usage),
            "amount_fen": b.amount_fen,
            "disputed_usage": text(b.disputed_usage),
            "disputed_periods": len(b.disputed_periods),
            "rejected_readings": b.rejected_readings,
        },
    )
    row = LeaseBill(
        contract_id=c.id,
        period=first,
        usage=text(b.usage),
        disputed_usage=text(b.disputed_usage),
        disputed_periods=len(b.disputed_periods),
        amount_fen=b.amount_fen,
        paid_fen=0,
        due_date=nxt + timedelta(days=PAYMENT_TERM_DAYS),
        log_index=ref.index,
    )
    repo.add(row)
    return row


def list_bills(session: Session, principal: Principal, contract_id: str) -> Sequence[LeaseBill]:
    c = visible(session, principal, contract_id)
    return LeasingRepository(session).bills(c.id)


def record_payment(
    session: Session, principal: Principal, bill_id: str, amount: Decimal | str
) -> LeaseBill:
    """The lessor records money received against a bill (never more than is owed)."""
    require_lessor(principal)
    repo = LeasingRepository(session)
    b = repo.bill(bill_id)
    if b is None:
        raise NotFound(f"bill {bill_id} not found")
    c = own_contract(session, principal, b.contract_id)
    fen = yuan_to_fen(amount, field="amount")
    if fen <= 0:
        raise ValidationFailed("amount: must be positive", field="amount")
    if fen > b.amount_fen - b.paid_fen:
        raise ValidationFailed("amount: more than is outstanding on the bill", field="amount")
    ref = governance.append_log(
        session,
        kind="lease.paid",
        actor_org_id=principal.org_id,
        subject=f"{c.lessee_org_id}:lease:{c.id}",
        payload={"bill_id": b.id, "amount_fen": fen},
    )
    b.paid_fen += fen
    repo.add(LeasePayment(bill_id=b.id, amount_fen=fen, log_index=ref.index))
    return b


def overdue_bills(session: Session, c: LeaseContract, today: date) -> list[LeaseBill]:
    """Bills unpaid past their due date plus the contract's grace days."""
    return [
        b
        for b in LeasingRepository(session).bills(c.id)
        if b.paid_fen < b.amount_fen and b.due_date + timedelta(days=c.grace_days) < today
    ]


@dataclass(frozen=True, slots=True)
class Enforcement:
    contract: LeaseContract
    command: DeviceCommand | None
    overdue_fen: int


def enforce(
    session: Session,
    principal: Principal,
    commander: Commander,
    contract_id: str,
    today: date,
) -> Enforcement:
    """Apply the arrears rule: lock a device whose lessee is in arrears, unlock it once paid.

    The command goes to the device over MQTT and counts only when the device acknowledges;
    every command, answered or not, is in the verifiable log.
    """
    c = own_contract(session, principal, contract_id)
    overdue = overdue_bills(session, c, today)
    owed = sum(b.amount_fen - b.paid_fen for b in overdue)
    # Unlocking is always allowed (it can only help the lessee); locking needs an accepted
    # contract, so a proposed, declined or legacy contract is refused outright.
    if c.state == "locked":
        if not overdue:
            return _send(session, principal, commander, c, "unlock", "arrears settled", owed)
        return Enforcement(c, None, owed)
    if c.state not in RUNNING or c.accepted_at is None:
        raise Conflict(
            f"lease contract {c.id} is {c.state}: only an accepted contract is enforced",
            field="state",
            extra={"reason": "not_accepted"},
        )
    if overdue and c.state == "active":
        return _send(
            session, principal, commander, c, "lock", f"arrears of {owed} fen past grace", owed
        )
    return Enforcement(c, None, owed)


def lock_refusal(session: Session, c: LeaseContract, today: date) -> str | None:
    """Why the device may not be locked today (``None``: it may)."""
    if c.state == "locked":
        return "already_locked"
    if c.state != "active" or c.accepted_at is None:
        return "not_accepted"
    if overdue_bills(session, c, today):
        return None
    unpaid = [b for b in LeasingRepository(session).bills(c.id) if b.paid_fen < b.amount_fen]
    if any(b.due_date < today for b in unpaid):
        return "within_grace"
    return "no_arrears"


def lock(
    session: Session,
    principal: Principal,
    commander: Commander,
    contract_id: str,
    today: date,
) -> Enforcement:
    """Lock the device now; 409 with ``extra.reason`` (``not_accepted``, ``already_locked``,
    ``within_grace``, ``no_arrears``) unless the accepted contract is in arrears past grace."""
    c = own_contract(session, principal, contract_id)
    reason = lock_refusal(session, c, today)
    if reason is not None:
        raise Conflict(
            f"lease contract {c.id}: cannot lock ({reason})",
            field="state",
            extra={"reason": reason},
        )
    overdue = overdue_bills(session, c, today)
    owed = sum(b.amount_fen - b.paid_fen for b in overdue)
    return _send(
        session, principal, commander, c, "lock", f"arrears of {owed} fen past grace", owed
    )


def _send(
    session: Session,
    principal: Principal,
    commander: Commander,
    c: LeaseContract,
    command: str,
    reason: str,
    owed: int,
) -> Enforcement:
    """Send one command to the device, log it and record it; the state follows the ack."""
    lessee = identity.find_organisation(session, c.lessee_org_id)
    assert lessee is not None and lessee.uscc is not None
    command_id = new_id()
    result = commander.send(
        uscc=lessee.uscc,
        device_id=c.device_id,
        command=command,
        reason=reason,
        command_id=command_id,
    )
    status = (
        "acknowledged" if result.acknowledged else "refused" if result.refused else "unanswered"
    )
    ref = governance.append_log(
        session,
        kind=f"device.{command}",
        actor_org_id=principal.org_id,
        subject=f"{c.lessee_org_id}:lease:{c.id}",
        payload={
            "command_id": command_id,
            "device_id": c.device_id,
            "status": status,
            "reason": reason,
            **({"refused": result.refused} if result.refused else {}),
        },
    )
    row = DeviceCommand(
        id=command_id,
        contract_id=c.id,
        device_id=c.device_id,
        command=command,
        reason=reason,
        status=status,
        acked_at=utcnow() if result.acknowledged else None,
        log_index=ref.index,
    )
    LeasingRepository(session).add(row)
    if result.acknowledged:
        c.state = "locked" if command == "lock" else "active"
        session.flush()
    return Enforcement(c, row, owed)


def list_commands(
    session: Session, principal: Principal, contract_id: str
) -> Sequence[DeviceCommand]:
    c = visible(session, principal, contract_id)
    return LeasingRepository(session).commands(c.id)


@dataclass(frozen=True, slots=True)
class Residual:
    used_units: Decimal
    design_life_units: int
    condition: Decimal
    residual_fen: int


def residual_value(
    session: Session, principal: Principal, contract_id: str, *, condition: Decimal = Decimal(1)
) -> Residual:
    """Residual value from billed use so far (the use both parties have seen) and condition."""
    c = visible(session, principal, contract_id)
    used = sum((Decimal(b.usage) for b in LeasingRepository(session).bills(c.id)), Decimal(0))
    value = residual_value_fen(
        c.cost_fen, used=used, design_life=Decimal(c.design_life_units), condition=condition
    )
    return Residual(used, c.design_life_units, condition, value)
