"""Insurance use cases: an enterprise's equipment quality and a premium quote from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import utc_midnight
from chanrong.core.errors import ValidationFailed
from chanrong.core.money import yuan_to_fen
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, Principal
from chanrong.insurance.fleet import stats_by_device
from chanrong.insurance.orm import InsuranceQuote
from chanrong.insurance.pricing import Exposure, GlmModel
from chanrong.insurance.quality import (
    DeviceStats,
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
    stats: list[DeviceStats] = field(default_factory=list)
    ages: dict[str, float | None] = field(default_factory=dict)
    rated_kw: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RatingResult:
    """The multiplier an insurer applies now, and the inputs that produced it."""

    multiplier: Decimal
    factors: dict[str, str]
    quality: EquipmentQuality


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
    ages = {
        d.device_id: ((end - d.installed_on).days / 365.25 if d.installed_on else None)
        for d in devices
    }
    return EquipmentQuality(
        org_id,
        start,
        end,
        indices,
        hours,
        risk,
        list(stats.values()),
        ages,
        {d.device_id: d.rated_kw for d in devices},
    )


def rate(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    org_id: str,
    start: date,
    end: date,
) -> RatingResult:
    """The premium multiplier for an enterprise's fleet over [start, end): from the insurer's
    latest claims-fitted model when it has one, else from the hand-set index (the prior)."""
    q = equipment_quality(session, principal, store, org_id, start, end)
    if q.risk is None:
        raise ValidationFailed(
            "org_id: the enterprise has no machines with telemetry to rate", field="org_id"
        )
    factors = {
        "index": str(q.risk.index),
        "band": q.risk.band,
        "worst_devices": ",".join(q.risk.worst_devices),
    }
    row = InsuranceRepository(session).latest_model(principal.org_id)
    if row is None:
        factors["pricing"] = "prior"
        return RatingResult(q.risk.multiplier, factors, q)
    model = GlmModel.from_json(row.model)
    exposures = [
        Exposure(
            st.device_id,
            float(st.running_hours),
            st.failures,
            float(st.downtime_hours),
            float(st.scheduled_hours),
            float(st.mean_load_ratio),
            q.ages.get(st.device_id),
            q.rated_kw.get(st.device_id),
        )
        for st in q.stats
    ]
    # The fleet's multiplier: each machine's, weighted by its running hours (idle fleets: even).
    hours = [max(float(h), 0.0) for h in q.running_hours]
    weights = hours if sum(hours) > 0 else [1.0] * len(hours)
    each = [model.multiplier(e) for e in exposures]
    total = sum((m * Decimal(repr(w)) for m, w in zip(each, weights, strict=True)), Decimal(0))
    multiplier = (total / Decimal(repr(sum(weights)))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    factors["pricing"] = f"model v{row.version}"
    factors["expected_claims_per_kh"] = (
        f"{float(model.frequency_per_kh(exposures).mean()):.3f}" if exposures else "0"
    )
    return RatingResult(multiplier, factors, q)


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
    rated = rate(session, principal, store, org_id, start, end)
    q = rated.quality
    assert q.risk is not None  # rate() refuses a fleet without telemetry
    amount = premium_fen(base_fen, rated.multiplier)
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
            "multiplier": str(rated.multiplier),
            "pricing": rated.factors["pricing"],
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
        multiplier=str(rated.multiplier),
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
        pricing=rated.factors["pricing"],
    )
    InsuranceRepository(session).add(row)
    return row


def list_quotes(session: Session, principal: Principal) -> Sequence[InsuranceQuote]:
    """Quotes the caller issued (insurer) or received (enterprise)."""
    return InsuranceRepository(session).quotes_of(principal.org_id)
