"""Reading a simulated park's Parquet output (docs/DEVELOPING.md, "Simulator output") so it
can be loaded into the platform as if the enterprises had sent it."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

TABLES = {
    "enterprises": "enterprises.parquet",
    "devices": "devices.parquet",
    "orders": "orders.parquet",
    "invoices": "invoices.parquet",
    "payments": "payments.parquet",
    "energy": "energy.parquet",
    "cloud_usage": "cloud_usage.parquet",
}
# Which column names the enterprise a record belongs to, per kind of business record.
OWNER = {
    "orders": ("orders", "seller_uscc"),
    "invoices": ("invoices", "seller_uscc"),
    "payments": ("payments", "payee_uscc"),
    "energy_bills": ("energy", "uscc"),
    "cloud_usage": ("cloud_usage", "uscc"),
}


class ParkFormatError(ValueError):
    """The directory is not a simulated park; the text names what is missing."""


def read_table(root: Path, name: str) -> pa.Table:
    path = root / TABLES[name]
    if not path.is_file():
        raise ParkFormatError(f"park: {path} is missing (is {root} a simulated park?)")
    return ds.dataset(path).to_table()


def of(table: pa.Table, column: str, uscc: str) -> pa.Table:
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
