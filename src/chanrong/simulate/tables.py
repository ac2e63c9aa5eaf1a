"""Arrow schemas of the simulator's output (the "Simulator output" contract) and builders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from chanrong.simulate.calendar import date_ordinal
from chanrong.simulate.faults import FAULT_RECORD_KINDS, FaultRecords, FaultyMonth
from chanrong.simulate.health import HealthTruth
from chanrong.simulate.population import Enterprise
from chanrong.simulate.telemetry import METRICS, TelemetryMonth

TS = pa.timestamp("us", tz="UTC")

ENTERPRISES = pa.schema(
    [
        ("uscc", pa.string()),
        ("name", pa.string()),
        ("industry_code", pa.string()),
        ("region_code", pa.string()),
        ("size", pa.string()),
        ("is_core", pa.bool_()),
        ("tier", pa.int8()),
        ("core_uscc", pa.string()),
        ("customer_uscc", pa.string()),
        ("onboarded_on", pa.date32()),
    ]
)
DEVICES = pa.schema(
    [
        ("device_id", pa.string()),
        ("uscc", pa.string()),
        ("kind", pa.string()),
        ("identifier", pa.string()),
        ("rated_kw", pa.float64()),
        ("installed_on", pa.date32()),
    ]
)
TELEMETRY = pa.schema(
    [("device_id", pa.string()), ("metric", pa.string()), ("ts", TS), ("value", pa.float64())]
)
ORDERS = pa.schema(
    [
        ("order_id", pa.string()),
        ("seller_uscc", pa.string()),
        ("buyer_uscc", pa.string()),
        ("buyer_name", pa.string()),
        ("order_date", pa.date32()),
        ("amount_fen", pa.int64()),
    ]
)
INVOICES = pa.schema(
    [
        ("invoice_id", pa.string()),
        ("order_id", pa.string()),
        ("seller_uscc", pa.string()),
        ("buyer_uscc", pa.string()),
        ("buyer_name", pa.string()),
        ("issue_date", pa.date32()),
        ("due_date", pa.date32()),
        ("amount_fen", pa.int64()),
    ]
)
PAYMENTS = pa.schema(
    [
        ("payment_id", pa.string()),
        ("invoice_id", pa.string()),
        ("payer_uscc", pa.string()),
        ("payee_uscc", pa.string()),
        ("paid_date", pa.date32()),
        ("amount_fen", pa.int64()),
    ]
)
ENERGY = pa.schema(
    [
        ("uscc", pa.string()),
        ("month", pa.date32()),
        ("electricity_kwh", pa.float64()),
        ("gas_m3", pa.float64()),
        ("coal_t", pa.float64()),
        ("steam_t", pa.float64()),
        ("cost_fen", pa.int64()),
        ("output_value_fen", pa.int64()),
    ]
)
CLOUD_USAGE = pa.schema(
    [
        ("uscc", pa.string()),
        ("day", pa.date32()),
        ("compute_hours", pa.float64()),
        ("api_calls", pa.float64()),
        ("storage_gb", pa.float64()),
    ]
)
MAINTENANCE = pa.schema(
    [
        ("device_id", pa.string()),
        ("uscc", pa.string()),
        ("start", TS),
        ("end", TS),
        ("kind", pa.string()),
    ]
)
TRUTH_ENTERPRISES = pa.schema(
    [
        ("uscc", pa.string()),
        ("deteriorating", pa.bool_()),
        ("defaulted", pa.bool_()),
        ("default_date", pa.date32()),
    ]
)
TRUTH_HEALTH = pa.schema([("uscc", pa.string()), ("month", pa.date32()), ("health", pa.float64())])
FAULTS = pa.schema(
    [
        ("kind", pa.string()),
        ("uscc", pa.string()),
        ("device_id", pa.string()),
        ("metric", pa.string()),
        ("start", TS),
        ("end", TS),
        ("points", pa.int64()),
        ("magnitude", pa.float64()),
    ]
)

_METRIC_NAMES = pa.array(METRICS, pa.string())
_FAULT_KINDS = pa.array(FAULT_RECORD_KINDS, pa.string())


def enterprises_table(firms: Sequence[Enterprise]) -> pa.Table:
    core = {f.index: f.uscc for f in firms}
    return pa.Table.from_pydict(
        {
            "uscc": [f.uscc for f in firms],
            "name": [f.name for f in firms],
            "industry_code": [f.industry_code for f in firms],
            "region_code": [f.region_code for f in firms],
            "size": [f.size for f in firms],
            "is_core": [f.is_core for f in firms],
            "tier": [f.tier for f in firms],
            "core_uscc": [core[f.core_index] for f in firms],
            "customer_uscc": [
                core.get(f.customer_index) if f.customer_index >= 0 else None for f in firms
            ],
            "onboarded_on": [date_ordinal(f.onboarded_on) for f in firms],
        },
        schema=ENTERPRISES,
    )


def devices_table(firms: Sequence[Enterprise]) -> pa.Table:
    devs = [d for f in firms for d in sorted(f.devices, key=lambda d: d.device_id)]
    return pa.Table.from_pydict(
        {
            "device_id": [d.device_id for d in devs],
            "uscc": [d.uscc for d in devs],
            "kind": [d.kind for d in devs],
            "identifier": [d.identifier for d in devs],
            "rated_kw": [d.rated_kw for d in devs],
            "installed_on": [date_ordinal(d.installed_on) for d in devs],
        },
        schema=DEVICES,
    )


def telemetry_batch(month: TelemetryMonth, rows: FaultyMonth) -> pa.RecordBatch:
    """The delivered rows of one firm-month in the contract's long format."""
    device_names = pa.array(month.device_ids, pa.string())
    dev = pa.array(month.series_device[rows.series])
    met = pa.array(month.series_metric[rows.series].astype(np.int32))
    return pa.RecordBatch.from_arrays(
        [
            device_names.take(dev),
            _METRIC_NAMES.take(met),
            pa.array(rows.ts_us, pa.int64()).cast(TS),
            pa.array(rows.value, pa.float64()),
        ],
        schema=TELEMETRY,
    )


def faults_batch(uscc: str, month: TelemetryMonth, faults: FaultRecords) -> pa.RecordBatch:
    device_names = pa.array(month.device_ids, pa.string())
    metric = faults.metric.astype(np.int32)
    metric_idx = pa.array(np.where(metric < 0, 0, metric), mask=metric < 0)
    return pa.RecordBatch.from_arrays(
        [
            _FAULT_KINDS.take(pa.array(faults.kind.astype(np.int32))),
            pa.array([uscc] * len(faults), pa.string()),
            device_names.take(pa.array(faults.device)),
            _METRIC_NAMES.take(metric_idx),
            pa.array(faults.start_us, pa.int64()).cast(TS),
            pa.array(faults.end_us, pa.int64()).cast(TS),
            pa.array(faults.points, pa.int64()),
            pa.array(faults.magnitude, pa.float64()),
        ],
        schema=FAULTS,
    )


def maintenance_rows(uscc: str, month: TelemetryMonth) -> dict[str, list]:
    g = month.grid
    step = g.interval_minutes * 60_000_000
    return {
        "device_id": [d.device_id for d in month.downtime],
        "uscc": [uscc] * len(month.downtime),
        "start": [int(g.ts_us[d.start_slot]) for d in month.downtime],
        "end": [int(g.ts_us[d.end_slot - 1]) + step for d in month.downtime],
        "kind": [d.kind for d in month.downtime],
    }


def truth_tables(
    firms: Sequence[Enterprise], truth: HealthTruth, months: Sequence[int]
) -> tuple[pa.Table, pa.Table]:
    """``truth/enterprises`` and ``truth/health_monthly``; ``months`` are date32 ordinals."""
    default_date: list[int | None] = []
    for f in firms:
        m = int(truth.default_month[f.index])
        default_date.append(None if m < 0 else months[m] + int(truth.default_day[f.index]) - 1)
    ent = pa.Table.from_pydict(
        {
            "uscc": [f.uscc for f in firms],
            "deteriorating": truth.deteriorating.tolist(),
            "defaulted": truth.defaulted.tolist(),
            "default_date": default_date,
        },
        schema=TRUTH_ENTERPRISES,
    )
    n, m_count = truth.health.shape
    health = pa.Table.from_pydict(
        {
            "uscc": [f.uscc for f in firms for _ in range(m_count)],
            "month": [months[m] for _ in range(n) for m in range(m_count)],
            "health": np.round(truth.health, 6).ravel().tolist(),
        },
        schema=TRUTH_HEALTH,
    )
    return ent, health


def table(columns: dict[str, list], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pydict(columns, schema=schema)
