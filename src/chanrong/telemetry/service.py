"""The telemetry domain's surface: what the routes, the commands, the connectors and other
domains call. Flushes, never commits.

The use cases live in modules named for what they hold: ``access`` (who may send or read),
``devices`` (the registry), ``ingest`` (the ingestion door every source goes through),
``records`` (business records), ``reads`` (points and daily aggregates) and ``scoring``
(daily quality scores). Other domains read through ``query_points``, ``daily_metrics``,
``devices_of``, ``records`` and ``quality_scores``; each checks the caller against
governance before reading another organisation's data.
"""

from __future__ import annotations

from chanrong.core.settings import Settings
from chanrong.telemetry import duck, result_cache
from chanrong.telemetry.access import (
    authorize,
    org_for_uscc,
    organisation_exists,
    require_own_enterprise,
)
from chanrong.telemetry.daily import device_days, device_days_of
from chanrong.telemetry.devices import (
    devices_of,
    metric_specs,
    register_device,
    set_metric,
    upsert_device,
)
from chanrong.telemetry.ingest import (
    DATA_LANDED,
    IngestRejected,
    IngestReport,
    batch_fields,
    get_batch,
    has_landed_data,
    ingest_points,
    to_canonical_units,
)
from chanrong.telemetry.reads import daily_metrics, encoded_daily, query_points
from chanrong.telemetry.records import (
    RecordsRead,
    import_records,
    payables,
    pipeline_records,
    pipeline_records_of,
    records,
    records_read,
)
from chanrong.telemetry.retention import RetentionResult, apply_retention, parse_policies
from chanrong.telemetry.scoring import (
    compute_quality,
    compute_quality_range,
    iter_days,
    quality_scores,
)
from chanrong.telemetry.store import TelemetryStore

__all__ = [
    "DATA_LANDED",
    "IngestRejected",
    "IngestReport",
    "RecordsRead",
    "RetentionResult",
    "apply_retention",
    "authorize",
    "batch_fields",
    "compute_quality",
    "compute_quality_range",
    "daily_metrics",
    "device_days",
    "device_days_of",
    "devices_of",
    "encoded_daily",
    "get_batch",
    "has_landed_data",
    "import_records",
    "ingest_points",
    "iter_days",
    "metric_specs",
    "open_store",
    "org_for_uscc",
    "organisation_exists",
    "parse_policies",
    "payables",
    "pipeline_records",
    "pipeline_records_of",
    "quality_scores",
    "query_points",
    "records",
    "records_read",
    "register_device",
    "require_own_enterprise",
    "set_metric",
    "to_canonical_units",
    "upsert_device",
]


def open_store(settings: Settings) -> TelemetryStore:
    """The telemetry store configured in ``settings``."""
    return TelemetryStore(settings.effective_telemetry_dir)


def read_cache_stats() -> result_cache.CacheStats:
    """What this process's cache of aggregate reads has done (``telemetry.result_cache``)."""
    return result_cache.RESULTS.stats


def serve_requests(settings: Settings) -> None:
    """Tune this process's telemetry queries for a server's many small requests."""
    duck.use_threads(settings.telemetry_request_threads)
