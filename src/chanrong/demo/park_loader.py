"""Loading a simulated park's Parquet output (docs/DEVELOPING.md, "Simulator output") into
the platform, one enterprise at a time, as if each had sent its data itself.

Demo-only, not a production importer: the directory layout (``enterprises.parquet`` beside
``devices``, ``orders``, … and a ``telemetry/uscc=…/month=…`` dataset, amounts in fen,
records owned through ``seller_uscc`` / ``payee_uscc`` columns) is the simulator's output
contract, produced by nothing else, and loading it creates organisations straight from the
file, which a real onboarding never does. Real enterprises send their data through the
telemetry domain's doors (HTTP uploads in JSON, CSV, Parquet or Arrow, CSV/Excel imports,
MQTT, OPC UA); this loader goes through the same doors (``ingest_points`` and
``import_records``), so the demo's batches are recorded like any others.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.core.park_files import PARK_FILES
from chanrong.identity import service as identity
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

TABLES = PARK_FILES
# Which column names the enterprise a record belongs to, per kind of business record.
OWNER = {
    "orders": ("orders", "seller_uscc"),
    "invoices": ("invoices", "seller_uscc"),
    "payments": ("payments", "payee_uscc"),
    "energy_bills": ("energy", "uscc"),
    "cloud_usage": ("cloud_usage", "uscc"),
}
SOURCE = "file"


class ParkFormatError(ValueError):
    """The directory is not a simulated park; the text names what is missing."""


def read_table(root: Path, name: str) -> pa.Table:
    """One of the park's tables (``TABLES``), whole."""
    path = root / TABLES[name]
    if not path.is_file():
        raise ParkFormatError(f"park: {path} is missing (is {root} a simulated park?)")
    return ds.dataset(path).to_table()


def read_tables(root: Path) -> dict[str, pa.Table]:
    """Every table of the park but its telemetry (read per enterprise, in batches)."""
    return {name: read_table(root, name) for name in TABLES}


def of(table: pa.Table, column: str, uscc: str) -> pa.Table:
    """The rows of ``table`` whose ``column`` is ``uscc``."""
    return table.filter(pc.equal(table.column(column), uscc))


def telemetry_batches(root: Path, uscc: str) -> Iterator[pa.RecordBatch]:
    """One enterprise's telemetry, batch by batch, from the hive-partitioned dataset."""
    path = root / "telemetry"
    if not path.is_dir():
        raise ParkFormatError(f"park: {path} is missing")
    dataset = ds.dataset(path, format="parquet", partitioning="hive")
    yield from dataset.to_batches(
        columns=["device_id", "metric", "ts", "value"],
        filter=ds.field("uscc") == uscc,
        batch_size=1_000_000,
    )


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else str(Decimal(fen).scaleb(-2))


def record_rows(kind: str, table: pa.Table) -> list[tuple[int, dict[str, object]]]:
    """Rows for ``import_records``: fen amounts become yuan, numbered as Parquet rows (from 1)."""
    rows: list[tuple[int, dict[str, object]]] = []
    for i, r in enumerate(table.to_pylist(), start=1):
        if kind in ("orders", "invoices", "payments"):
            r["amount"] = _yuan(r.pop("amount_fen"))
        elif kind == "energy_bills":
            r["cost"] = _yuan(r.pop("cost_fen"))
            r["output_value"] = _yuan(r.pop("output_value_fen"))
        rows.append((i, r))
    return rows


@dataclass
class EnterpriseLoad:
    """What loading one simulated enterprise did."""

    uscc: str
    org_id: str | None
    created: bool = False
    devices: int = 0
    points: int = 0
    records: dict[str, int] = field(default_factory=dict)


def load_park_enterprise(
    session: Session,
    store: TelemetryStore,
    root: Path,
    enterprise: dict[str, Any],
    tables: dict[str, pa.Table],
    *,
    create_org: bool,
) -> EnterpriseLoad:
    """Load one enterprise of a simulated park: its organisation (created if asked),
    devices, telemetry and business records, as if it had sent them itself.

    Idempotent: loading again finds the organisation, updates devices and records by key
    and stores no telemetry point twice.
    """
    uscc = str(enterprise["uscc"])
    org_id = telemetry.org_for_uscc(session, uscc)
    created = False
    if org_id is None:
        if not create_org:
            return EnterpriseLoad(uscc, None)
        org = identity.create_organisation(
            session,
            name=str(enterprise["name"]),
            kind="enterprise",
            uscc=uscc,
            is_core=bool(enterprise["is_core"]),
            industry_code=enterprise.get("industry_code"),
            region_code=enterprise.get("region_code"),
        )
        org_id, created = org.id, True
    out = EnterpriseLoad(uscc, org_id, created)
    for d in of(tables["devices"], "uscc", uscc).to_pylist():
        telemetry.upsert_device(
            session,
            org_id=org_id,
            device_id=d["device_id"],
            kind=d["kind"],
            identifier=d["identifier"],
            rated_kw=d["rated_kw"],
            installed_on=d["installed_on"],
        )
        out.devices += 1
    res = telemetry.ingest_points(
        session,
        store,
        org_id=org_id,
        batches=telemetry_batches(root, uscc),
        source=SOURCE,
        filename=f"{root.name}/telemetry",
    )
    out.points = res.points
    for kind, (table_name, owner) in OWNER.items():
        rows = record_rows(kind, of(tables[table_name], owner, uscc))
        report = telemetry.import_records(
            session,
            org_id=org_id,
            kind=kind,
            rows=rows,
            source=SOURCE,
            filename=f"{root.name}/{TABLES[table_name]}",
        )
        if not report.ok:
            e = report.errors[0]
            raise ValidationFailed(
                f"park: {kind} row {e.row} of {uscc}: {e.column}: {e.reason}", field="park"
            )
        out.records[kind] = report.rows_accepted
    return out
