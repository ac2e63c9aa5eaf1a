"""Fixtures for telemetry: the real Mosquitto broker and a single SQLite database for the
multi-process tests (workers are separate processes; one backend is enough for them)."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from chanrong.storage.database import Database
from tests.builders import add_org, fresh_uscc


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
