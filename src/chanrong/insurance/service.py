"""Insurance use cases: an enterprise's equipment quality and a premium quote from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import utc_midnight
from chanrong.core.errors import ValidationFailed
from chanrong.core.money import yuan_to_fen
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, Principal
from chanrong.insurance.fleet import stats_by_device
from chanrong.insurance.orm import InsuranceQuote
from chanrong.insurance.quality import (
    EnterpriseRisk,
    PremiumTable,
    QualityIndex,
    device_index,
    enterprise_risk,
    premium_fen,
)
from chanrong.insurance.repository import InsuranceRepository
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

PURPOSE = "insurance_pricing"
DATASET = "derived.equipment_quality"
MACHINE_KINDS = frozenset({"cnc", "injection_moulder", "sewing_machine", "compressor", "press"})


@dataclass(frozen=True, slots=True)
class EquipmentQuality:
    org_id: str
    start: date
    end: date
    devices: list[QualityIndex]
    running_hours: list[Decimal]
    risk: EnterpriseRisk | None


def equipment_quality(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    org_id: str,
    start: date,
    end: date,
    table: PremiumTable = PremiumTable(),
) -> EquipmentQuality:
    """Quality index of each machine and the enterprise's fleet over [start, end).

    The raw run-state and power telemetry is read through the central policy check, with the
    insurance-pricing purpose, so an insurer needs the enterprise's grant."""
    if end <= start:
        raise ValidationFailed("end: must be after start", field="end")
    devices = [
        d
        for d in telemetry.devices_of(session, principal, org_id, purpose=PURPOSE)
        if d.kind in MACHINE_KINDS
    ]
    points = telemetry.query_points(
        session,
        principal,
        store,
        org_id=org_id,
        start=utc_midnight(start),
        end=utc_midnight(end),
        metrics=["run_state", "power_kw"],
        purpose=PURPOSE,
    )
    stats = stats_by_device(points, {d.device_id: d.rated_kw for d in devices})
    indices = [device_index(s, table=table) for s in stats.values()]
    hours = [s.running_hours for s in stats.values()]
    risk = enterprise_risk(indices, hours, table) if indices else None
    return EquipmentQuality(org_id, start, end, indices, hours, risk)


def _require_insurer(principal: Principal) -> None:
    identity.require_institution_officer(
        principal, InstitutionType.INSURER, "only an insurer can price equipment insurance"
    )


def quote(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    *,
    org_id: str,
    base_premium: Decimal | str,
    start: date,
    end: date,
) -> InsuranceQuote:
    """An insurer prices an enterprise's equipment policy: base premium × band multiplier."""
    _require_insurer(principal)
    base_fen = yuan_to_fen(base_premium, field="base_premium")
    if base_fen <= 0:
        raise ValidationFailed("base_premium: must be positive", field="base_premium")
    q = equipment_quality(session, principal, store, org_id, start, end)
    if q.risk is None:
        raise ValidationFailed(
            "org_id: the enterprise has no machines with telemetry to rate", field="org_id"
        )
    amount = premium_fen(base_fen, q.risk.multiplier)
    ref = governance.append_log(
        session,
        kind="insurance.quoted",
        actor_org_id=principal.org_id,
        subject=f"{org_id}:{DATASET}",
        payload={
            "base_premium_fen": base_fen,
            "premium_fen": amount,
            "index": str(q.risk.index),
            "band": q.risk.band,
            "multiplier": str(q.risk.multiplier),
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )
    row = InsuranceQuote(
        insurer_org_id=principal.org_id,
        org_id=org_id,
        start=start,
        end=end,
        base_premium_fen=base_fen,
        multiplier=str(q.risk.multiplier),
        premium_fen=amount,
        index=str(q.risk.index),
        band=q.risk.band,
        devices=[
            {
                "device_id": d.device_id,
                "index": str(d.index),
                "band": d.band,
                "failure_rate_per_kh": str(d.failure_rate_per_kh),
                "downtime_share": str(d.downtime_share),
                "stress": str(d.stress),
            }
            for d in q.devices
        ],
        log_index=ref.index,
    )
    InsuranceRepository(session).add(row)
    return row


def list_quotes(session: Session, principal: Principal) -> Sequence[InsuranceQuote]:
    """Quotes the caller issued (insurer) or received (enterprise)."""
    return InsuranceRepository(session).quotes_of(principal.org_id)
