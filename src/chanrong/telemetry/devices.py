"""The registry: an enterprise's devices, and how it sends each metric (unit, limits)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.identity.domain import Principal
from chanrong.telemetry.access import authorize, require_own_enterprise
from chanrong.telemetry.domain import (
    CATALOG,
    DEVICE_KINDS,
    MetricKind,
    MetricSpec,
    UnitError,
    conversion_factor,
    default_spec,
)
from chanrong.telemetry.orm import Device, MetricSetting
from chanrong.telemetry.repository import TelemetryRepository


def register_device(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    device_id: str,
    kind: str,
    identifier: str | None = None,
    name: str | None = None,
    rated_kw: float | None = None,
    installed_on: date | None = None,
) -> Device:
    """Add a device to the enterprise's registry, or update it when it is already there."""
    require_own_enterprise(principal, org_id)
    return upsert_device(
        session,
        org_id=org_id,
        device_id=device_id,
        kind=kind,
        identifier=identifier,
        name=name,
        rated_kw=rated_kw,
        installed_on=installed_on,
    )


def upsert_device(
    session: Session,
    *,
    org_id: str,
    device_id: str,
    kind: str,
    identifier: str | None = None,
    name: str | None = None,
    rated_kw: float | None = None,
    installed_on: date | None = None,
) -> Device:
    """Registry write for trusted callers (the simulator loader, connectors); no caller check."""
    device_id = device_id.strip()
    if not device_id or len(device_id) > 100:
        raise ValidationFailed("device_id: 1 to 100 characters", field="device_id")
    if kind not in DEVICE_KINDS:
        raise ValidationFailed(
            f"kind: {kind!r} is not one of {', '.join(DEVICE_KINDS)}", field="kind"
        )
    if rated_kw is not None and not (0 <= rated_kw <= 100_000):
        raise ValidationFailed("rated_kw: must be between 0 and 100000", field="rated_kw")
    repo = TelemetryRepository(session)
    device = repo.device(org_id, device_id)
    if device is None:
        device = Device(org_id=org_id, device_id=device_id, kind=kind)
        session.add(device)
    device.kind = kind
    device.identifier = identifier
    device.name = name
    device.rated_kw = rated_kw
    device.installed_on = installed_on
    session.flush()
    return device


def devices_of(
    session: Session, principal: Principal, org_id: str, *, purpose: str | None = None
) -> Sequence[Device]:
    """An enterprise's registered devices."""
    authorize(
        session, principal, owner_org_id=org_id, dataset="telemetry.equipment", purpose=purpose
    )
    return TelemetryRepository(session).devices(org_id)


def set_metric(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    metric: str,
    unit: str,
    low: float | None = None,
    high: float | None = None,
    expected_interval_s: int | None = None,
) -> MetricSetting:
    """Say in which unit the enterprise sends a metric (converted on arrival) and its limits."""
    require_own_enterprise(principal, org_id)
    spec = default_spec(metric)
    try:
        conversion_factor(unit, spec.unit)
    except UnitError as exc:
        raise ValidationFailed(f"unit: {exc}", field="unit") from None
    if low is not None and high is not None and low > high:
        raise ValidationFailed("low: must not exceed high", field="low")
    if expected_interval_s is not None and not (1 <= expected_interval_s <= 86_400):
        raise ValidationFailed(
            "expected_interval_s: between 1 and 86400 seconds", field="expected_interval_s"
        )
    repo = TelemetryRepository(session)
    setting = repo.metric_setting(org_id, metric)
    if setting is None:
        setting = MetricSetting(org_id=org_id, metric=metric)
        session.add(setting)
    setting.unit = unit
    setting.kind = spec.kind.value
    setting.low = low if low is not None else spec.low
    setting.high = high if high is not None else spec.high
    setting.expected_interval_s = expected_interval_s or spec.expected_interval_s
    session.flush()
    return setting


def metric_specs(session: Session, org_id: str) -> tuple[dict[str, MetricSpec], dict[str, str]]:
    """(specs in canonical units, the unit each registered metric arrives in)."""
    specs = dict(CATALOG)
    units: dict[str, str] = {}
    for s in TelemetryRepository(session).metric_settings(org_id):
        base = default_spec(s.metric)
        specs[s.metric] = MetricSpec(
            s.metric,
            base.unit,
            MetricKind(s.kind),
            s.low,
            s.high,
            s.expected_interval_s,
        )
        units[s.metric] = s.unit
    return specs, units
