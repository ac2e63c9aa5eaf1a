"""Leasing routes: contracts, bills, payments, arrears enforcement (remote lock)."""

from __future__ import annotations

import base64
from decimal import Decimal

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from chanrong.core.clock import parse_month, shanghai_date, utcnow
from chanrong.edge import Ctx, Idempotency, current, idempotency
from chanrong.leasing import service
from chanrong.leasing.commands import MqttCommander
from chanrong.leasing.schemas import (
    AssetCreate,
    AssetOut,
    BillCreate,
    BillOut,
    CommandOut,
    ContractCreate,
    ContractOut,
    EnforcementOut,
    PaymentCreate,
    ResidualOut,
)
from chanrong.leasing.signing import load_or_create_signer
from chanrong.telemetry import service as telemetry

router = APIRouter(prefix="/leasing", tags=["leasing"])


@router.post("/assets", response_model=AssetOut, status_code=201)
def register_asset(
    body: AssetCreate,
    ctx: Ctx = Depends(current),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """A lessor registers a device at the lessee's site that it owns or finances."""
    if (replay := idem.replay()) is not None:
        return replay
    a = service.register_asset(ctx.session, ctx.principal, **body.model_dump())
    return idem.save(201, AssetOut.model_validate(a).model_dump(mode="json"))


@router.get("/assets", response_model=list[AssetOut])
def list_assets(ctx: Ctx = Depends(current)) -> list[AssetOut]:
    """Assets the caller registered, or that lessors registered on the caller's devices."""
    return [AssetOut.model_validate(a) for a in service.list_assets(ctx.session, ctx.principal)]


@router.post("/contracts", response_model=ContractOut, status_code=201)
def create_contract(
    body: ContractCreate,
    ctx: Ctx = Depends(current),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """A lessor proposes to lease one of its registered assets, priced per unit of use."""
    if (replay := idem.replay()) is not None:
        return replay
    c = service.create_contract(ctx.session, ctx.principal, **body.model_dump())
    return idem.save(201, ContractOut.model_validate(c).model_dump(mode="json"))


@router.get("/contracts", response_model=list[ContractOut])
def list_contracts(ctx: Ctx = Depends(current)) -> list[ContractOut]:
    """Contracts where the caller is the lessor or the lessee."""
    return [
        ContractOut.model_validate(c) for c in service.list_contracts(ctx.session, ctx.principal)
    ]


@router.get("/contracts/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: str, ctx: Ctx = Depends(current)) -> ContractOut:
    return ContractOut.model_validate(service.get_contract(ctx.session, ctx.principal, contract_id))


@router.post("/contracts/{contract_id}/accept", response_model=ContractOut)
def accept_contract(contract_id: str, ctx: Ctx = Depends(current)) -> ContractOut:
    """The lessee accepts a proposed lease (409 if it would start before today)."""
    return ContractOut.model_validate(
        service.accept_contract(ctx.session, ctx.principal, contract_id)
    )


@router.post("/contracts/{contract_id}/decline", response_model=ContractOut)
def decline_contract(contract_id: str, ctx: Ctx = Depends(current)) -> ContractOut:
    """The lessee declines a proposed lease."""
    return ContractOut.model_validate(
        service.decline_contract(ctx.session, ctx.principal, contract_id)
    )


@router.post("/contracts/{contract_id}/bills", response_model=BillOut, status_code=201)
def issue_bill(contract_id: str, body: BillCreate, ctx: Ctx = Depends(current)) -> BillOut:
    """Bill a finished month from the device's counter (idempotent per month: 409 if billed)."""
    store = telemetry.open_store(ctx.settings)
    b = service.issue_bill(ctx.session, ctx.principal, store, contract_id, parse_month(body.period))
    return BillOut.model_validate(b)


@router.get("/contracts/{contract_id}/bills", response_model=list[BillOut])
def list_bills(contract_id: str, ctx: Ctx = Depends(current)) -> list[BillOut]:
    return [
        BillOut.model_validate(b)
        for b in service.list_bills(ctx.session, ctx.principal, contract_id)
    ]


@router.post("/bills/{bill_id}/payments", response_model=BillOut, status_code=201)
def record_payment(
    bill_id: str,
    body: PaymentCreate,
    ctx: Ctx = Depends(current),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    if (replay := idem.replay()) is not None:
        return replay
    b = service.record_payment(ctx.session, ctx.principal, bill_id, body.amount)
    return idem.save(201, BillOut.model_validate(b).model_dump(mode="json"))


@router.post("/contracts/{contract_id}/enforce", response_model=EnforcementOut)
def enforce(contract_id: str, ctx: Ctx = Depends(current)) -> EnforcementOut:
    """Lock the device if the lessee is in arrears past grace; unlock it once settled."""
    s = ctx.settings
    commander = MqttCommander(s.mqtt_host, s.mqtt_port, signer=load_or_create_signer(s.var_dir))
    # Server time only: a caller must not be able to move the clock to lock early.
    today = shanghai_date(utcnow())
    e = service.enforce(ctx.session, ctx.principal, commander, contract_id, today)
    return EnforcementOut(
        contract=ContractOut.model_validate(e.contract),
        command=CommandOut.model_validate(e.command) if e.command else None,
        overdue_fen=e.overdue_fen,
    )


@router.post("/contracts/{contract_id}/lock", response_model=EnforcementOut)
def lock(contract_id: str, ctx: Ctx = Depends(current)) -> EnforcementOut:
    """Lock the device now: 409 naming the reason unless the accepted contract is in arrears
    past grace."""
    s = ctx.settings
    commander = MqttCommander(s.mqtt_host, s.mqtt_port, signer=load_or_create_signer(s.var_dir))
    e = service.lock(ctx.session, ctx.principal, commander, contract_id, shanghai_date(utcnow()))
    return EnforcementOut(
        contract=ContractOut.model_validate(e.contract),
        command=CommandOut.model_validate(e.command) if e.command else None,
        overdue_fen=e.overdue_fen,
    )


@router.get("/command-key")
def command_key(ctx: Ctx = Depends(current)) -> dict[str, str]:
    """The platform's public command key, for provisioning a device gateway's verifier."""
    signer = load_or_create_signer(ctx.settings.var_dir)
    raw = signer.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"algorithm": "Ed25519", "public_key_b64": base64.b64encode(raw).decode()}


@router.get("/contracts/{contract_id}/commands", response_model=list[CommandOut])
def list_commands(contract_id: str, ctx: Ctx = Depends(current)) -> list[CommandOut]:
    return [
        CommandOut.model_validate(c)
        for c in service.list_commands(ctx.session, ctx.principal, contract_id)
    ]


@router.get("/contracts/{contract_id}/residual-value", response_model=ResidualOut)
def residual_value(
    contract_id: str,
    condition: Decimal = Query(default=Decimal(1), ge=0, le=1),
    ctx: Ctx = Depends(current),
) -> ResidualOut:
    r = service.residual_value(ctx.session, ctx.principal, contract_id, condition=condition)
    return ResidualOut(
        used_units=r.used_units,
        design_life_units=r.design_life_units,
        condition=r.condition,
        residual_fen=r.residual_fen,
    )
