"""The Parquet contract of a park's operating data: one file per business table.

The simulator writes it, the demo's loader reads it onto the platform, and credit's feature
definitions run over it directly; each names the files from here so the three cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping

PARK_FILES: Mapping[str, str] = {
    "enterprises": "enterprises.parquet",
    "devices": "devices.parquet",
    "orders": "orders.parquet",
    "invoices": "invoices.parquet",
    "payments": "payments.parquet",
    "energy": "energy.parquet",
    "cloud_usage": "cloud_usage.parquet",
}
