"""Fixtures for telemetry: the real Mosquitto broker and a single SQLite database for the
multi-process tests (workers are separate processes; one backend is enough for them)."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from chanrong.storage.database import Database
from tests.builders import add_org, fresh_uscc

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def mqtt_port() -> int:
    port = int(os.environ.get("CHANRONG_TEST_MQTT_PORT", "0") or 0)
    if port:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return port
        except OSError:
            pass
    if IN_CI:
        pytest.fail("Mosquitto is not running: run the suite through `make test`")
    pytest.skip('Mosquitto not available (eval "$(bash scripts/services.sh start)")')


@dataclass
class Plant:
    """A SQLite database holding one enterprise, and a telemetry directory."""

    db_url: str
    org_id: str
    uscc: str
    telemetry_dir: Path

    def env(self, mqtt_port: int) -> dict[str, str]:
        return {
            **os.environ,
            "CHANRONG_DATABASE_URL": self.db_url,
            "CHANRONG_TELEMETRY_DIR": str(self.telemetry_dir),
            "CHANRONG_MQTT_HOST": "127.0.0.1",
            "CHANRONG_MQTT_PORT": str(mqtt_port),
            "COLUMNS": "200",
        }


@pytest.fixture
def plant(sqlite_template: Path, tmp_path: Path) -> Plant:
    path = tmp_path / "plant.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    db = Database(url)
    uscc = fresh_uscc()
    with db.unit_of_work() as session:
        org_id = add_org(session, "enterprise", uscc=uscc)
    db.dispose()
    return Plant(url, org_id, uscc, tmp_path / "telemetry")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
