"""Profiles from the platform's own data: the telemetry store and the business records an
enterprise brought, shaped like a park's files so the same Ibis profile expressions run on them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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

    inputs = _platform_inputs(session, settings, org_id, as_of=as_of)
    return feats.ParkTables(
        **{name: None if data is None else ibis.memtable(data) for name, data in inputs.items()}
    )


def _platform_inputs(
    session: Session, settings: Settings, org_id: str, *, as_of: date | None
) -> dict[str, pd.DataFrame | pa.Table | None]:
    """The data behind ``platform_tables``, per field of ``ParkTables``, as frames (None where
    the field is unset): wrapped as memtables there, loaded into a connection of its own by
    ``build_profile_from_platform``."""
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
    tel: pd.DataFrame | pa.Table = feats.EMPTY_TELEMETRY
    if as_of is None:
        points = store.query(org_id)
        if len(points):
            tel = points.select(["device_id", "metric", "ts", "value"])
    else:
        end = datetime.combine(as_of, time(0), tzinfo=UTC)
        equip = store.equipment_days(org_id, start=end - timedelta(days=feats.RECENT_DAYS), end=end)
        days = store.series(org_id, every="1d", end=end).select(
            ["device_id", "metric", "start", "n", "n_neg", "running"]
        )
    daily = days if days is not None and len(days) else None
    # Machines' ratings (for the equipment quality index's load) from the enterprise's own
    # device register; a device that reports without being registered has no rating (null).
    registered = telemetry.devices_of(session, identity.system_principal(session, org_id), org_id)
    rating = {d.device_id: d.rated_kw for d in registered}
    seen = sorted(set((daily if daily is not None else tel)["device_id"].to_pylist()))
    devices = pa.table(
        {
            "device_id": pa.array(seen, pa.string()),
            "rated_kw": pa.array(
                [None if (kw := rating.get(i)) is None else float(kw) for i in seen], pa.float64()
            ),
            "uscc": pa.array([uscc] * len(seen), pa.string()),
        }
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
    first_ts = (pc.min(daily["start"]) if daily is not None else pc.min(tel["ts"])).as_py()
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
    by_org: dict[str, list[Any]] = {}
    for bill in telemetry.pipeline_records(session, kind="energy_bills", org_id=None):
        by_org.setdefault(bill.org_id, []).append(bill)
    # The peers' bills in one frame (one per peer made the nightly job quadratic in frames).
    peer_bills: list[Any] = []
    peer_usccs: list[str] = []
    for peer in identity.all_organisations(session):
        if peer.id == org_id or peer.kind != OrgKind.ENTERPRISE.value:
            continue
        if not peer.uscc or not peer.industry_code:
            continue
        if by_org.get(peer.id):
            peer_bills.extend(by_org[peer.id])
            peer_usccs.extend([peer.uscc] * len(by_org[peer.id]))
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
    return {
        "enterprises": enterprises,
        "devices": devices,
        "telemetry": tel,
        "orders": orders,
        "invoices": invoices,
        "payments": payments,
        "energy": (
            pd.concat(
                [energy, _frame_of(peer_bills, "energy_bills").assign(uscc=peer_usccs)],
                ignore_index=True,
            )
            if peer_bills
            else energy
        ),
        "cloud_usage": cloud,
        "telemetry_daily": daily,
        "equipment_daily": equip,
    }


# The profile's SQL, compiled once per as-of date and shape of the inputs (which tables are
# there, their columns and types) and kept for the process: building and compiling the Ibis
# expression costs several times what running it on one enterprise's data does, and the nightly
# job and the demo profile every enterprise as of the same day, one after another.
_COMPILED: OrderedDict[tuple[Any, ...], tuple[str, Any]] = OrderedDict()
_COMPILED_MAX = 16
_COMPILED_LOCK = threading.Lock()


def _profile_frame(inputs: dict[str, pd.DataFrame | pa.Table | None], as_of: date) -> pd.DataFrame:
    """``feats.compute_profiles`` of the inputs as of one day: each input converted and typed
    as ``ibis.memtable`` does, but registered under a fixed name on a DuckDB connection of its
    own, so the compiled SQL serves every enterprise whose inputs have the same shape."""
    import ibis

    con = ibis.duckdb.connect()
    try:
        tabs: dict[str, Any] = {}
        for name, data in inputs.items():
            if data is None:
                tabs[name] = None
                continue
            schema = ibis.memtable(data).schema()
            arrow = (
                pa.Table.from_pandas(data, schema=schema.to_pyarrow(), preserve_index=False)
                if isinstance(data, pd.DataFrame)
                else data
            )
            con.con.register(f"platform_{name}", arrow)
            tabs[name] = ibis.table(schema, name=f"platform_{name}")
        key = (
            as_of,
            tuple(
                (name, None if t is None else tuple((c, str(d)) for c, d in t.schema().items()))
                for name, t in tabs.items()
            ),
        )
        sql, schema = _compiled(
            key, con, lambda: feats.profiles_expr(feats.ParkTables(**tabs), [as_of])
        )
        # Straight to DuckDB: wrapping the SQL in an Ibis expression would parse it again.
        frame = _as_ibis_returns(con.con.sql(sql).to_arrow_table(), schema)
    finally:
        con.disconnect()
    # As ``feats.compute_profiles`` returns it.
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame.sort_values(["as_of", "uscc"]).reset_index(drop=True)


def _as_ibis_returns(table: pa.Table, schema: Any) -> pd.DataFrame:
    """A DuckDB result as ``expr.to_pandas()`` on the DuckDB backend converts it (the same
    steps, so the profile's values and types do not depend on which path computed them)."""
    import pyarrow.types as pat
    from ibis.backends.duckdb.converter import DuckDBPandasData
    from ibis.formats.pandas import PandasData

    df = pd.DataFrame(
        {
            name: (
                col.to_pylist()
                if pat.is_nested(col.type) or pat.is_dictionary(col.type) or col.null_count
                else col.to_pandas()
            )
            for name, col in zip(table.column_names, table.columns, strict=True)
        }
    )
    return PandasData.convert_table(DuckDBPandasData.convert_table(df, schema), schema)


def _compiled(key: tuple[Any, ...], con: Any, build: Callable[[], Any]) -> tuple[str, Any]:
    """The SQL and result schema of ``build()``'s expression, compiled once per key."""
    with _COMPILED_LOCK:
        found = _COMPILED.get(key)
        if found is not None:
            _COMPILED.move_to_end(key)
            return found
    expr = build()
    compiled = (str(con.compile(expr)), expr.schema())
    with _COMPILED_LOCK:
        _COMPILED[key] = compiled
        while len(_COMPILED) > _COMPILED_MAX:
            _COMPILED.popitem(last=False)
    return compiled


def build_profile_from_platform(
    session: Session, settings: Settings, org_id: str, as_of: date
) -> ProfileSnapshot:
    """Compute and store an enterprise's profile as of ``as_of`` from the platform's data."""
    frame = _profile_frame(_platform_inputs(session, settings, org_id, as_of=as_of), as_of)
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
