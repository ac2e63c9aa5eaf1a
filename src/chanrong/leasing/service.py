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
from chanrong.core.money import to_decimal, yuan_to_fen
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal
from chanrong.leasing.billing import Reading, Tariff, bill, residual_value_fen, usage_from_counter
from chanrong.leasing.commands import Commander
from chanrong.leasing.orm import DeviceCommand, LeaseBill, LeaseContract, LeasePayment
from chanrong.leasing.repository import LeasingRepository
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

BILLABLE_UNITS = ("runtime_h", "output_count", "stitches")
# Default ceilings on provable use per hour: a runtime counter cannot gain more than an hour
# an hour (with clock tolerance); industrial sewing heads top out near 6,000 stitches a minute.
DEFAULT_MAX_PER_HOUR = {
    "runtime_h": Decimal("1.05"),
    "output_count": Decimal(100_000),
    "stitches": Decimal(500_000),
}
PURPOSE = "leasing_billing"
PAYMENT_TERM_DAYS = 10


def _require_lessor(principal: Principal) -> None:
    identity.require_institution_officer(
        principal, InstitutionType.LESSOR, "only a lessor can manage lease contracts"
    )


def _visible(session: Session, principal: Principal, contract_id: str) -> LeaseContract:
    c = LeasingRepository(session).contract(contract_id)
    if c is None or principal.org_id not in (c.lessor_org_id, c.lessee_org_id):
        raise NotFound(f"lease contract {contract_id} not found")
    return c


def _own_contract(session: Session, principal: Principal, contract_id: str) -> LeaseContract:
    _require_lessor(principal)
    c = _visible(session, principal, contract_id)
    if c.lessor_org_id != principal.org_id:
        raise NotFound(f"lease contract {contract_id} not found")
    return c


def _millifen(price_yuan: Decimal) -> int:
    millifen = price_yuan * 100_000
    if millifen != millifen.to_integral_value() or millifen < 0:
        raise ValidationFailed(
            "price_per_unit: at most five decimal places of a yuan, not negative",
            field="price_per_unit",
        )
    return int(millifen)


def _text(d: Decimal) -> str:
    """A quantity as plain text without exponent or trailing zeros (``427200``, ``0.5``)."""
    return format(d.normalize(), "f")


def tariff_of(c: LeaseContract) -> Tariff:
    return Tariff(c.unit, Decimal(c.price_millifen_per_unit) / 1000, c.minimum_fen)


def create_contract(
    session: Session,
    principal: Principal,
    *,
    lessee_org_id: str,
    device_id: str,
    unit: str,
    price_per_unit: Decimal | str,
    minimum_charge: Decimal | str,
    cost: Decimal | str,
    design_life_units: int,
    start_date: date,
    end_date: date,
    grace_days: int = 10,
    max_gap_minutes: int = 120,
    max_units_per_hour: Decimal | str | None = None,
) -> LeaseContract:
    """A lessor leases a device of the lessee, priced per unit of use with a monthly minimum.

    The lessor must hold the lessee's leasing-billing consent: the device is looked up in
    the lessee's registry through the central policy check.
    """
    _require_lessor(principal)
    lessee = identity.find_organisation(session, lessee_org_id)
    if lessee is None or lessee.kind != OrgKind.ENTERPRISE.value:
        raise ValidationFailed(
            "lessee_org_id: not an enterprise on the platform", field="lessee_org_id"
        )
    if unit not in BILLABLE_UNITS:
        raise ValidationFailed(f"unit: one of {', '.join(BILLABLE_UNITS)}", field="unit")
    if end_date <= start_date:
        raise ValidationFailed("end_date: must be after start_date", field="end_date")
    if design_life_units <= 0:
        raise ValidationFailed("design_life_units: must be positive", field="design_life_units")
    if not 0 <= grace_days <= 90:
        raise ValidationFailed("grace_days: 0 to 90", field="grace_days")
    if not 15 <= max_gap_minutes <= 24 * 60:
        raise ValidationFailed("max_gap_minutes: 15 to 1440", field="max_gap_minutes")
    devices = telemetry.devices_of(session, principal, lessee_org_id, purpose=PURPOSE)
    if device_id not in {d.device_id for d in devices}:
        raise ValidationFailed(
            f"device_id: {device_id!r} is not a device of the lessee", field="device_id"
        )
    ceiling = (
        DEFAULT_MAX_PER_HOUR[unit]
        if max_units_per_hour is None
        else to_decimal(max_units_per_hour, field="max_units_per_hour")
    )
    if ceiling <= 0:
        raise ValidationFailed("max_units_per_hour: must be positive", field="max_units_per_hour")
    minimum_fen = yuan_to_fen(minimum_charge, field="minimum_charge")
    cost_fen = yuan_to_fen(cost, field="cost")
    if minimum_fen < 0 or cost_fen <= 0:
        raise ValidationFailed("cost: must be positive; minimum_charge not negative", field="cost")
    contract = LeaseContract(
        lessor_org_id=principal.org_id,
        lessee_org_id=lessee_org_id,
        device_id=device_id,
        unit=unit,
        price_millifen_per_unit=_millifen(to_decimal(price_per_unit, field="price_per_unit")),
        minimum_fen=minimum_fen,
        max_gap_minutes=max_gap_minutes,
        max_units_per_hour=_text(ceiling),
        grace_days=grace_days,
        cost_fen=cost_fen,
        design_life_units=design_life_units,
        start_date=start_date,
        end_date=end_date,
        state="active",
    )
    LeasingRepository(session).add(contract)
    governance.append_log(
        session,
        kind="lease.contracted",
        actor_org_id=principal.org_id,
        subject=f"{lessee_org_id}:lease:{contract.id}",
        payload={
            "contract_id": contract.id,
            "device_id": device_id,
            "unit": unit,
            "price_millifen_per_unit": contract.price_millifen_per_unit,
            "minimum_fen": minimum_fen,
        },
    )
    return contract


def list_contracts(session: Session, principal: Principal) -> Sequence[LeaseContract]:
    return LeasingRepository(session).contracts_for(principal.org_id)


def get_contract(session: Session, principal: Principal, contract_id: str) -> LeaseContract:
    return _visible(session, principal, contract_id)


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
    c = _own_contract(session, principal, contract_id)
    first, nxt = month_bounds(period)
    if nxt <= c.start_date or first > c.end_date:
        raise ValidationFailed("period: outside the contract's term", field="period")
    repo = LeasingRepository(session)
    if repo.bill_for(c.id, first) is not None:
        raise Conflict(f"period: {first:%Y-%m} is already billed", field="period")
    if utc_midnight(nxt) > utcnow():
        raise ValidationFailed("period: a month can be billed only after it ends", field="period")
    lookback = timedelta(minutes=c.max_gap_minutes)
    readings = counter_readings(
        session, principal, store, c, utc_midnight(first) - lookback, utc_midnight(nxt)
    )
    usage = usage_from_counter(
        readings,
        max_gap=timedelta(minutes=c.max_gap_minutes),
        max_rate_per_hour=Decimal(c.max_units_per_hour),
    )
    b = bill(usage, tariff_of(c))
    ref = governance.append_log(
        session,
        kind="lease.billed",
        actor_org_id=principal.org_id,
        subject=f"{c.lessee_org_id}:lease:{c.id}",
        payload={
            "contract_id": c.id,
            "period": first.isoformat(),
            "usage": _text(b.usage),
            "amount_fen": b.amount_fen,
            "disputed_usage": _text(b.disputed_usage),
            "disputed_periods": len(b.disputed_periods),
            "rejected_readings": b.rejected_readings,
        },
    )
    row = LeaseBill(
        contract_id=c.id,
        period=first,
        usage=_text(b.usage),
        disputed_usage=_text(b.disputed_usage),
        disputed_periods=len(b.disputed_periods),
        amount_fen=b.amount_fen,
        paid_fen=0,
        due_date=nxt + timedelta(days=PAYMENT_TERM_DAYS),
        log_index=ref.index,
    )
    repo.add(row)
    return row


def list_bills(session: Session, principal: Principal, contract_id: str) -> Sequence[LeaseBill]:
    c = _visible(session, principal, contract_id)
    return LeasingRepository(session).bills(c.id)


def record_payment(
    session: Session, principal: Principal, bill_id: str, amount: Decimal | str
) -> LeaseBill:
    """The lessor records money received against a bill (never more than is owed)."""
    _require_lessor(principal)
    repo = LeasingRepository(session)
    b = repo.bill(bill_id)
    if b is None:
        raise NotFound(f"bill {bill_id} not found")
    c = _own_contract(session, principal, b.contract_id)
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
    c = _own_contract(session, principal, contract_id)
    lessee = identity.find_organisation(session, c.lessee_org_id)
    assert lessee is not None and lessee.uscc is not None
    overdue = overdue_bills(session, c, today)
    owed = sum(b.amount_fen - b.paid_fen for b in overdue)
    if overdue and c.state == "active":
        command, reason = "lock", f"arrears of {owed} fen past grace"
    elif not overdue and c.state == "locked":
        command, reason = "unlock", "arrears settled"
    else:
        return Enforcement(c, None, owed)
    command_id = new_id()
    result = commander.send(
        uscc=lessee.uscc,
        device_id=c.device_id,
        command=command,
        reason=reason,
        command_id=command_id,
    )
    status = "acknowledged" if result.acknowledged else "unanswered"
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
    c = _visible(session, principal, contract_id)
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
    c = _visible(session, principal, contract_id)
    used = sum((Decimal(b.usage) for b in LeasingRepository(session).bills(c.id)), Decimal(0))
    value = residual_value_fen(
        c.cost_fen, used=used, design_life=Decimal(c.design_life_units), condition=condition
    )
    return Residual(used, c.design_life_units, condition, value)
