"""Configuration from ``CHANRONG_*`` environment variables, with embedded defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from chanrong.core.errors import DataUnavailable


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
    shared_data: Path = Field(
        default=Path("../shared/data"), description="Public data sets for tests/benchmarks."
    )
    jwt_secret: str = Field(
        default="chanrong-dev-secret-change-me-in-production-0123456789",
        description="HMAC key for short-lived access tokens.",
    )
    jwt_ttl_seconds: int = 900
    log_json: bool = False
    log_level: str = "INFO"
    locale: str = "zh-CN"
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Worker threads per API process for the sync routes (anyio's default is 40). Under load
    # every runnable thread competes for the GIL, and the decision route's short write section
    # (the database write lock) gets stretched by them: on two cores, 2 threads per process
    # kept p99 near 20 ms at 200 decisions/s where 40 let a backlog build.
    api_threads: int = Field(default=40, ge=1, le=1000)
    # The worker (`chanrong worker`): how often each worker looks for due work, how often a
    # worker on PostgreSQL tells the queue it is alive (three missed beats and its jobs are
    # retried elsewhere), and extra modules declaring jobs beside the domains' tasks.py.
    jobs_tick_seconds: int = Field(default=10, ge=1, le=60)
    jobs_heartbeat_seconds: float = Field(default=10.0, gt=0, le=300)
    jobs_modules: str = Field(default="", description="Comma-separated modules with more jobs.")
    jobs_enabled: str = Field(
        default="",
        description="Comma-separated job names or prefixes ('lending.') to run; empty: all.",
    )

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file under ``var_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'chanrong.db').as_posix()}"

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
