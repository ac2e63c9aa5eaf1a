"""A lease as a contract both sides make: the lessor's assets, proposal, the lessee's answer.

The lessor may lease only a device it registered as its asset (owned or financed); a contract
is proposed with terms inside its product's bounds and runs only once the lessee accepts it,
never from a day before the acceptance. Until then nothing can be billed and nothing locked.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.money import to_decimal, yuan_to_fen
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal, Role
from chanrong.leasing.orm import LeaseAsset, LeaseContract
from chanrong.leasing.products import check_terms, product_for
from chanrong.leasing.repository import LeasingRepository
from chanrong.telemetry import service as telemetry

PURPOSE = "leasing_billing"
RELATIONS = ("owns", "finances")


def require_lessor(principal: Principal) -> None:
    """Admit a lessor's officer (or admin); anyone else is refused."""
    identity.require_institution_officer(
        principal, InstitutionType.LESSOR, "only a lessor can manage lease contracts"
    )


def visible(session: Session, principal: Principal, contract_id: str) -> LeaseContract:
    """The contract if the caller is its lessor or lessee; 404 otherwise."""
    c = LeasingRepository(session).contract(contract_id)
    if c is None or principal.org_id not in (c.lessor_org_id, c.lessee_org_id):
        raise NotFound(f"lease contract {contract_id} not found")
    return c


def own_contract(session: Session, principal: Principal, contract_id: str) -> LeaseContract:
    """The contract if the caller is its lessor's officer."""
    require_lessor(principal)
    c = visible(session, principal, contract_id)
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


def text(d: Decimal) -> str:
    """A quantity as plain text without exponent or trailing zeros (``427200``, ``0.5``)."""
    return format(d.normalize(), "f")


def _lessee(session: Session, lessee_org_id: str) -> None:
    lessee = identity.find_organisation(session, lessee_org_id)
    if lessee is None or lessee.kind != OrgKind.ENTERPRISE.value:
        raise ValidationFailed(
            "lessee_org_id: not an enterprise on the platform", field="lessee_org_id"
        )


def register_asset(
    session: Session,
    principal: Principal,
    *,
    lessee_org_id: str,
    device_id: str,
    relation: str,
    reference: str,
) -> LeaseAsset:
    """A lessor registers a device at the lessee's site as an asset it owns or finances.

    The device is looked up in the lessee's registry under its leasing consent; a device
    already registered by any lessor cannot be registered again (409).
    """
    require_lessor(principal)
    _lessee(session, lessee_org_id)
    if relation not in RELATIONS:
        raise ValidationFailed(f"relation: one of {', '.join(RELATIONS)}", field="relation")
    reference = reference.strip()
    if not 1 <= len(reference) <= 100:
        raise ValidationFailed(
            "reference: the invoice or finance contract number, 1 to 100 characters",
            field="reference",
        )
    devices = telemetry.devices_of(session, principal, lessee_org_id, purpose=PURPOSE)
    if device_id not in {d.device_id for d in devices}:
        raise ValidationFailed(
            f"device_id: {device_id!r} is not a device of the lessee", field="device_id"
        )
    repo = LeasingRepository(session)
    if repo.asset(lessee_org_id, device_id) is not None:
        raise Conflict(
            f"device_id: {device_id!r} is already registered as a lessor's asset",
            field="device_id",
            extra={"reason": "already_registered"},
        )
    ref = governance.append_log(
        session,
        kind="lease.asset_registered",
        actor_org_id=principal.org_id,
        subject=f"{lessee_org_id}:lease-asset:{device_id}",
        payload={"device_id": device_id, "relation": relation, "reference": reference},
    )
    asset = LeaseAsset(
        lessor_org_id=principal.org_id,
        lessee_org_id=lessee_org_id,
        device_id=device_id,
        relation=relation,
        reference=reference,
        log_index=ref.index,
    )
    repo.add(asset)
    return asset


def list_assets(session: Session, principal: Principal) -> Sequence[LeaseAsset]:
    """Assets the caller registered, or that lessors registered on the caller's devices."""
    return LeasingRepository(session).assets_for(principal.org_id)


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
    now: datetime | None = None,
) -> LeaseContract:
    """A lessor proposes to lease one of its registered assets, priced per unit of use.

    The contract starts ``proposed``; it runs only when the lessee accepts it. ``now`` is for
    trusted in-process callers (tests, the demo's simulated history); routes never pass it.
    """
    require_lessor(principal)
    today = shanghai_date(now or utcnow())
    _lessee(session, lessee_org_id)
    product = product_for(unit)
    if start_date < today:
        raise ValidationFailed(
            "start_date: a contract cannot start before it is proposed and accepted",
            field="start_date",
        )
    if end_date <= start_date:
        raise ValidationFailed("end_date: must be after start_date", field="end_date")
    if design_life_units <= 0:
        raise ValidationFailed("design_life_units: must be positive", field="design_life_units")
    if not 15 <= max_gap_minutes <= 24 * 60:
        raise ValidationFailed("max_gap_minutes: 15 to 1440", field="max_gap_minutes")
    ceiling = (
        product.max_units_per_hour
        if max_units_per_hour is None
        else to_decimal(max_units_per_hour, field="max_units_per_hour")
    )
    price = _millifen(to_decimal(price_per_unit, field="price_per_unit"))
    minimum_fen = yuan_to_fen(minimum_charge, field="minimum_charge")
    check_terms(
        product,
        price_millifen=price,
        minimum_fen=minimum_fen,
        grace_days=grace_days,
        max_units_per_hour=ceiling,
        term_days=(end_date - start_date).days,
    )
    cost_fen = yuan_to_fen(cost, field="cost")
    if cost_fen <= 0:
        raise ValidationFailed("cost: must be positive", field="cost")
    asset = LeasingRepository(session).asset(lessee_org_id, device_id)
    if asset is None or asset.lessor_org_id != principal.org_id:
        raise ValidationFailed(
            f"device_id: {device_id!r} is not registered as the lessor's asset",
            field="device_id",
        )
    # The device must still be the lessee's, read under its consent (logged).
    devices = telemetry.devices_of(session, principal, lessee_org_id, purpose=PURPOSE)
    if device_id not in {d.device_id for d in devices}:
        raise ValidationFailed(
            f"device_id: {device_id!r} is not a device of the lessee", field="device_id"
        )
    contract = LeaseContract(
        lessor_org_id=principal.org_id,
        lessee_org_id=lessee_org_id,
        device_id=device_id,
        unit=unit,
        price_millifen_per_unit=price,
        minimum_fen=minimum_fen,
        max_gap_minutes=max_gap_minutes,
        max_units_per_hour=text(ceiling),
        grace_days=grace_days,
        cost_fen=cost_fen,
        design_life_units=design_life_units,
        start_date=start_date,
        end_date=end_date,
        state="proposed",
    )
    LeasingRepository(session).add(contract)
    governance.append_log(
        session,
        kind="lease.proposed",
        actor_org_id=principal.org_id,
        subject=f"{lessee_org_id}:lease:{contract.id}",
        payload={
            "contract_id": contract.id,
            "device_id": device_id,
            "unit": unit,
            "price_millifen_per_unit": price,
            "minimum_fen": minimum_fen,
            "grace_days": grace_days,
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
        },
    )
    return contract


def _lessee_contract(session: Session, principal: Principal, contract_id: str) -> LeaseContract:
    c = visible(session, principal, contract_id)
    if c.lessee_org_id != principal.org_id:
        raise Forbidden("only the lessee answers a proposed lease")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")
    if c.state != "proposed":
        raise Conflict(
            f"lease contract {contract_id} is {c.state}, not proposed",
            field="state",
            extra={"reason": "not_proposed"},
        )
    return c


def accept_contract(
    session: Session, principal: Principal, contract_id: str, *, now: datetime | None = None
) -> LeaseContract:
    """The lessee accepts a proposed lease; it runs from its start date, which may not lie
    before today (the lessor must propose again rather than back-date)."""
    c = _lessee_contract(session, principal, contract_id)
    at = now or utcnow()
    if c.start_date < shanghai_date(at):
        raise Conflict(
            "start_date: the contract would start before it was accepted",
            field="start_date",
            extra={"reason": "start_before_acceptance"},
        )
    asset = LeasingRepository(session).asset(c.lessee_org_id, c.device_id)
    if asset is None or asset.lessor_org_id != c.lessor_org_id:
        raise Conflict(
            "device_id: no longer registered as the lessor's asset",
            field="device_id",
            extra={"reason": "asset_not_registered"},
        )
    c.state = "active"
    c.accepted_at = at
    session.flush()
    governance.append_log(
        session,
        kind="lease.accepted",
        actor_org_id=principal.org_id,
        subject=f"{c.lessee_org_id}:lease:{c.id}",
        payload={"contract_id": c.id, "accepted_at": at.isoformat()},
    )
    return c


def decline_contract(session: Session, principal: Principal, contract_id: str) -> LeaseContract:
    """The lessee declines a proposed lease."""
    c = _lessee_contract(session, principal, contract_id)
    c.state = "declined"
    session.flush()
    governance.append_log(
        session,
        kind="lease.declined",
        actor_org_id=principal.org_id,
        subject=f"{c.lessee_org_id}:lease:{c.id}",
        payload={"contract_id": c.id},
    )
    return c


def list_contracts(session: Session, principal: Principal) -> Sequence[LeaseContract]:
    """Contracts where the caller is the lessor or the lessee."""
    return LeasingRepository(session).contracts_for(principal.org_id)


def get_contract(session: Session, principal: Principal, contract_id: str) -> LeaseContract:
    """One contract the caller is party to."""
    return visible(session, principal, contract_id)
