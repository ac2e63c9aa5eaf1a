"""Profiles from the platform's own data: the telemetry store and the business records an
enterprise brought, shaped like a park's files so the same Ibis profile expressions run on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit import features as feats
from chanrong.credit.orm import ProfileSnapshot
from chanrong.credit.profiles import record_profile
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind

_RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("order_id", "buyer_uscc", "buyer_name", "order_date", "amount_fen"),
    "invoices": (
        "invoice_id",
        "order_id",
        "buyer_uscc",
        "buyer_name",
        "issue_date",
        "due_date",
        "amount_fen",
    ),
    "payments": ("payment_id", "invoice_id", "payer_uscc", "paid_date", "amount_fen"),
    "energy_bills": (
        "month",
        "electricity_kwh",
        "gas_m3",
        "coal_t",
        "steam_t",
        "cost_fen",
        "output_value_fen",
    ),
    "cloud_usage": ("day", "compute_hours", "api_calls", "storage_gb"),
}
_FLOATS = {
    "electricity_kwh",
    "gas_m3",
    "coal_t",
    "steam_t",
    "compute_hours",
    "api_calls",
    "storage_gb",
}


def _records_frame(session: Session, org_id: str, kind: str) -> pd.DataFrame:
    from chanrong.telemetry import service as telemetry

    return _frame_of(telemetry.pipeline_records(session, kind=kind, org_id=org_id), kind)


def _frame_of(rows: Sequence[Any], kind: str) -> pd.DataFrame:
    cols = _RECORD_COLUMNS[kind]
    frame = pd.DataFrame([{c: getattr(r, c) for c in cols} for r in rows], columns=list(cols))
    for c in cols:
        if c in _FLOATS:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
        elif c.endswith("_fen"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Int64")
        elif c.endswith(("_date", "month", "day")) and frame.empty:
            # Typed even with no rows: an empty column of objects reaches Ibis as a null
            # column, and the profile's date arithmetic on it failed (an enterprise with no
            # energy bills had no profile, and the nightly job retried it again and again).
            frame[c] = pd.Series([], dtype=pd.ArrowDtype(pa.date32()))
        elif c.endswith(("_date", "month", "day")):
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[s]").dt.date
        else:
            frame[c] = frame[c].astype(object)
    return frame


def platform_tables(
    session: Session, settings: Settings, org_id: str, *, as_of: date | None = None
) -> feats.ParkTables:
    """One enterprise's data as held by the platform (telemetry store + business records),
    shaped like the simulator's contract so the same Ibis profile expressions run on it.
    A platform pipeline: what it derives is shared only through the governance check.

    With ``as_of`` the profile of that day only is meant: telemetry is then read as daily
    aggregates (folded months from their rollups) plus the per-day stats the equipment
    quality index needs over the last RECENT_DAYS, not every point."""
    import ibis

    from chanrong.telemetry import service as telemetry

    org = identity.find_organisation(session, org_id)
    if org is None or org.kind != OrgKind.ENTERPRISE.value or not org.uscc:
        raise NotFound(f"enterprise {org_id} not found", field="org_id")
    uscc = org.uscc
    # Through the store's deduplicating read, not its files: a correction sent later, a day
    # being compacted and late data for a folded month all hold the same point twice on disk,
    # and the newest must win here as it does everywhere else.
    store = telemetry.open_store(settings)
    days = equip = None
    tel = feats.empty_telemetry()
    if as_of is None:
        points = store.query(org_id)
        if len(points):
            tel = ibis.memtable(points).select("device_id", "metric", "ts", "value")
    else:
        end = datetime.combine(as_of, time(0), tzinfo=UTC)
        equip = store.equipment_days(org_id, start=end - timedelta(days=feats.RECENT_DAYS), end=end)
        days = store.series(org_id, every="1d", end=end).select(
            ["device_id", "metric", "start", "n", "n_neg", "running"]
        )
    daily = ibis.memtable(days) if days is not None and len(days) else None
    # Machines' ratings (for the equipment quality index's load) from the enterprise's own
    # device register; a device that reports without being registered has no rating.
    registered = telemetry.devices_of(session, identity.system_principal(session, org_id), org_id)
    ratings = pd.DataFrame(
        {
            "device_id": pd.Series([d.device_id for d in registered], dtype=str),
            "rated_kw": pd.Series([d.rated_kw for d in registered], dtype="float64"),
        }
    )
    seen = (daily if daily is not None else tel).select("device_id").distinct()
    devices = seen.left_join(ibis.memtable(ratings), "device_id").select(
        "device_id", "rated_kw", uscc=ibis.literal(uscc)
    )
    orders = _records_frame(session, org_id, "orders").assign(seller_uscc=uscc)
    invoices = _records_frame(session, org_id, "invoices").assign(seller_uscc=uscc)
    payments = _records_frame(session, org_id, "payments").assign(payee_uscc=uscc)
    energy = _records_frame(session, org_id, "energy_bills").assign(uscc=uscc)
    cloud = _records_frame(session, org_id, "cloud_usage").assign(uscc=uscc)
    # On the platform since its organisation was created, or since the earliest data it
    # brought along (history back-filled at onboarding counts).
    firsts = [org.created_at.date()]
    for frame, col in (
        (orders, "order_date"),
        (invoices, "issue_date"),
        (energy, "month"),
        (cloud, "day"),
    ):
        if len(frame):
            firsts.append(min(frame[col]))
    first_ts = (daily.start if daily is not None else tel.ts).min().to_pyarrow().as_py()
    if first_ts is not None:
        firsts.append(first_ts.astimezone(UTC).date())
    # The carbon-efficiency benchmark pools the energy bills of the platform's enterprises
    # per industry, as the carbon assessment does (only the ratio K reaches this profile).
    # Peers carry no onboarding date: they enter the benchmark, never the profile's rows.
    firms: list[dict[str, Any]] = [
        {
            "uscc": uscc,
            "onboarded_on": min(firsts),
            "industry_code": org.industry_code,
            "region_code": org.region_code,
        }
    ]
    bills = [energy]
    by_org: dict[str, list[Any]] = {}
    for bill in telemetry.pipeline_records(session, kind="energy_bills", org_id=None):
        by_org.setdefault(bill.org_id, []).append(bill)
    for peer in identity.all_organisations(session):
        if peer.id == org_id or peer.kind != OrgKind.ENTERPRISE.value:
            continue
        if not peer.uscc or not peer.industry_code:
            continue
        if by_org.get(peer.id):
            bills.append(_frame_of(by_org[peer.id], "energy_bills").assign(uscc=peer.uscc))
            firms.append(
                {
                    "uscc": peer.uscc,
                    "onboarded_on": None,
                    "industry_code": peer.industry_code,
                    "region_code": peer.region_code,
                }
            )
    enterprises = pd.DataFrame(
        {
            "uscc": pd.Series([f["uscc"] for f in firms], dtype=str),
            "onboarded_on": pd.Series([f["onboarded_on"] for f in firms], dtype=object),
            "industry_code": pd.Series([f["industry_code"] for f in firms], dtype=str),
            "region_code": pd.Series([f["region_code"] for f in firms], dtype=str),
        }
    )
    return feats.ParkTables(
        enterprises=ibis.memtable(enterprises),
        devices=devices,
        telemetry=tel,
        orders=ibis.memtable(orders),
        invoices=ibis.memtable(invoices),
        payments=ibis.memtable(payments),
        energy=ibis.memtable(pd.concat(bills, ignore_index=True) if len(bills) > 1 else energy),
        cloud_usage=ibis.memtable(cloud),
        telemetry_daily=daily,
        equipment_daily=None if equip is None else ibis.memtable(equip),
    )


def build_profile_from_platform(
    session: Session, settings: Settings, org_id: str, as_of: date
) -> ProfileSnapshot:
    """Compute and store an enterprise's profile as of ``as_of`` from the platform's data."""
    tables = platform_tables(session, settings, org_id, as_of=as_of)
    frame = feats.compute_profiles(tables, [as_of])
    if frame.empty:
        raise ValidationFailed(
            f"as_of: enterprise {org_id} was not on the platform before {as_of}", field="as_of"
        )
    values = frame.iloc[0].to_dict()
    return record_profile(
        session,
        org_id=org_id,
        as_of=as_of,
        features={k: values[k] for k in feats.FEATURES},
        revenue_12m_fen=int(values["revenue_12m_fen"]),
        open_orders_fen=int(values["open_orders_fen"]),
        receivables_fen=int(values["receivables_fen"]),
        source="platform",
    )
