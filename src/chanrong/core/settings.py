"""Configuration from ``CHANRONG_*`` environment variables, with embedded defaults."""

from __future__ import annotations

import hashlib
import os
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chanrong.core import keyfile
from chanrong.core.errors import ConfigurationError, DataUnavailable
from chanrong.core.logs import register_secret

JWT_SECRET_FILE = "jwt-secret"  # noqa: S105 (a file name, not a secret)
# SHA-256 of signing secrets that were once published (an old default in this file and the
# README): refused even when someone configures one on purpose.
_PUBLISHED_SECRETS = frozenset({"f28d3113361e1472ce912a61358f3c3cc467fa58292a0dba1b498fc1cab65dbf"})


class Settings(BaseSettings):
    """Every setting has a default that works on one machine with nothing installed."""

    model_config = SettingsConfigDict(env_prefix="CHANRONG_", extra="ignore")

    var_dir: Path = Field(default=Path("var"), description="Where embedded state lives.")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite at var/chanrong.db."
    )
    telemetry_dir: Path | None = Field(
        default=None, description="Parquet telemetry store; empty means var/telemetry."
    )
    telemetry_retention: str = Field(
        default="",
        description=(
            "Raw telemetry kept per metric, in months, as metric=months pairs separated by"
            " commas (power_kw=12,run_state=24); older raw points are down-sampled to"
            " 15-minute aggregates (hourly and daily ones stay). Empty keeps every point."
        ),
    )
    telemetry_request_threads: int = Field(
        default=1,
        ge=0,
        le=64,
        description=(
            "DuckDB threads per telemetry query in the API process (0: one per core). One"
            " suits a server: its requests run side by side, and a small query split over"
            " threads spent a third more CPU for no shorter wait."
        ),
    )
    shared_data: Path = Field(
        default=Path("../shared/data"), description="Public data sets for tests/benchmarks."
    )
    jwt_secret: str = Field(
        default="",
        description=(
            "HMAC key for access tokens, at least 32 bytes; empty means the installation's own, "
            "generated on first run under var/keys/jwt-secret."
        ),
    )
    jwt_ttl_seconds: int = 900
    # A console session slides (its token is renewed while pages are read) up to this age.
    session_max_seconds: int = Field(default=12 * 3600, ge=60)
    # Password sign-in failures allowed per account, and per client address, in the window;
    # one more is answered 429 with Retry-After until the oldest counted failure leaves it.
    signin_max_failures: int = Field(default=5, ge=1)
    signin_max_failures_per_address: int = Field(default=20, ge=1)
    signin_window_seconds: int = Field(default=900, ge=1)
    log_json: bool = False
    log_level: str = "INFO"
    locale: str = "zh-CN"
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    # The platform's own account on a broker with per-device accounts and topic limits
    # (`chanrong lease broker-access`); unset for an open development broker.
    mqtt_username: str | None = None
    mqtt_password: str | None = Field(default=None, repr=False)
    # Joint (federated) models in credit decisions, on a bank's instance: the platform's URL
    # and the bank's API key there, the folder of the bank's parts and its table of features
    # (CSV with ``uscc``). Unset: a product naming ``joint:<name>`` refers every application.
    federated_server: str | None = None
    federated_api_key: str | None = Field(default=None, repr=False)
    federated_parts: Path | None = None
    federated_bank_data: Path | None = None
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # API processes for `chanrong serve` and `chanrong demo` (0: one per core this process may
    # run on, at most 8). One Python process answers on one core at a time: on two cores a
    # single process left half the machine idle while requests queued.
    api_workers: int = Field(default=0, ge=0, le=64)
    # Worker threads per API process for the sync routes (anyio's default is 40). Under load
    # every runnable thread competes for the GIL, and the decision route's short write section
    # (the database write lock) gets stretched by them: on two cores, 2 threads per process
    # kept p99 near 20 ms at 200 decisions/s where 40 let a backlog build.
    api_threads: int = Field(default=40, ge=1, le=1000)
    # Admission (per API process): at most this many requests are worked on at once; one more
    # waits for a place up to ``api_queue_seconds`` and is then answered 503 with Retry-After,
    # at once and without touching the database. Past capacity a queue only adds latency to
    # every request and takes minutes to drain; refused requests are retried by their callers.
    # The work is mostly Python under one GIL per process, so more places add latency, not
    # throughput; the wait is bounded to a few times the latency goal (p99 250 ms), so a
    # momentary burst queues and real overload is shed. Keep api_threads at least
    # api_concurrency, so an admitted request never waits for a thread as well. 8, not 16:
    # the load mix at 200 requests/s on two processes (benchmarks/RESULTS.md, 2026-12-07) gave
    # p99 0.6-0.8 s with 2, 4 or 8 places against 2.2 s with 16, where the admitted requests'
    # threads took the GIL from the event loop that had to finish them.
    api_concurrency: int = Field(default=8, ge=1, le=1000)
    api_queue_seconds: float = Field(default=0.5, gt=0, le=60)
    # Database connections per process: every admitted request may hold one, and the worker's
    # or console's own sessions a few more; 0 means api_concurrency + 8. A request that still
    # finds none waits at most ``db_pool_timeout_seconds`` and is answered 503.
    db_pool_size: int = Field(default=0, ge=0, le=1000)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # The worker (`chanrong worker`): how often each worker looks for due work, how often a
    # worker on PostgreSQL tells the queue it is alive (three missed beats and its jobs are
    # retried elsewhere), and extra modules declaring jobs beside the domains' tasks.py.
    jobs_tick_seconds: int = Field(default=10, ge=1, le=60)
    jobs_heartbeat_seconds: float = Field(default=10.0, gt=0, le=300)
    jobs_keep_event_runs_days: int = Field(
        default=30, ge=1, le=3650, description="Days a finished event-job window is kept."
    )
    jobs_modules: str = Field(default="", description="Comma-separated modules with more jobs.")
    jobs_enabled: str = Field(
        default="",
        description="Comma-separated job names or prefixes ('lending.') to run; empty: all.",
    )
    # Where profile features are computed: DuckDB in this process, or PySpark (local mode
    # unless CHANRONG_SPARK_MASTER names a cluster) over the same files.
    profile_engine: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str = Field(default="local[2]", description="PySpark master for profiles.")

    @field_validator("jwt_secret")
    @classmethod
    def _strong_secret(cls, value: str) -> str:
        # ConfigurationError, not ValueError: pydantic passes it through unwrapped, so the CLI
        # prints it as one plain sentence.
        if value and len(value.encode()) < keyfile.MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"CHANRONG_JWT_SECRET is {len(value.encode())} bytes; it must be at least "
                f"{keyfile.MIN_SECRET_BYTES} (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`), or unset to use the installation's own"
            )
        if hashlib.sha256(value.encode()).hexdigest() in _PUBLISHED_SECRETS:
            raise ConfigurationError(
                "CHANRONG_JWT_SECRET is a published example value: anyone could sign tokens "
                "with it; set a random one, or unset it to use the installation's own"
            )
        return value

    @cached_property
    def token_secret(self) -> str:
        """The key that signs access tokens: ``CHANRONG_JWT_SECRET``, else the installation's
        own, generated once under ``var/keys/`` and shared by every process of it."""
        secret = self.jwt_secret or keyfile.load_or_create_secret(
            keyfile.keys_dir(self.var_dir) / JWT_SECRET_FILE
        )
        register_secret(secret)
        return secret

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under ``var_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'chanrong.db').as_posix()}"

    @property
    def effective_api_workers(self) -> int:
        """API processes: ``api_workers``, or one per usable core (at most 8)."""
        if self.api_workers:
            return self.api_workers
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        return max(1, min(8, cores or os.cpu_count() or 1))

    @property
    def effective_db_pool_size(self) -> int:
        """Connections per process: ``db_pool_size``, or one per admitted request and 8 more."""
        return self.db_pool_size or self.api_concurrency + 8

    @property
    def effective_telemetry_dir(self) -> Path:
        return self.telemetry_dir or self.var_dir / "telemetry"

    def shared_data_path(self, *parts: str) -> Path:
        """A path inside the shared data sets, or a clear error saying where it was looked for."""
        path = self.shared_data.joinpath(*parts)
        if not path.exists():
            raise DataUnavailable(
                f"shared data not found at {path.resolve()}: put the chanrong 'shared' folder "
                "beside the checkout or set CHANRONG_SHARED_DATA"
            )
        return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process."""
    return Settings()
