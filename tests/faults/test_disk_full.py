"""Disk full on the telemetry store: the arrival is refused with a 503 that says so, nothing
is half-written (no file, no stored point), and once space is back the same upload succeeds.

The store lives on a small tmpfs mounted for the test (a real ENOSPC from the kernel)."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs; the test is skipped (saying why) where mounting is not permitted."""
    mount = tmp_path / "store"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Fill the disk to the last byte with one file; returns it (delete it to free space)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        while _wrote(f):
            pass
    return filler


def _wrote(f: BinaryIO) -> bool:
    """Write a page; False once the disk is full (ENOSPC), any other error raised."""
    try:
        f.write(b"\0" * 4096)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        return False
    return True


def _files(disk: Path) -> list[str]:
    return sorted(str(p.relative_to(disk)) for p in disk.rglob("*") if p.is_file())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_full_store_refuses_the_arrival_and_keeps_nothing(
    small_disk: Path, settings: Settings, db: Database, park: Park
) -> None:
    settings = settings.model_copy(update={"telemetry_dir": small_disk})
    officer = park["enterprise"]["officer"]
    url = f"/telemetry/orgs/{officer.org_id}/points"
    body = {
        "points": [
            {
                "device_id": "cnc-1",
                "metric": "power_kw",
                "ts": f"2026-03-02T00:{m:02d}:00Z",
                "value": m,
            }
            for m in range(0, 60, 5)
        ]
    }
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        filler = _fill(small_disk)
        r = client.post(url, json=body, headers=officer.headers)
        assert r.status_code == 503, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert "Retry-After" in r.headers
        assert "no space" in r.json()["detail"]
        # Nothing half-written: no staged or final file, no point readable.
        assert _files(small_disk) == ["filler"]
        assert telemetry.open_store(settings).count(officer.org_id) == 0
        # Space back: the same upload is taken, whole.
        filler.unlink()
        r = client.post(url, json=body, headers=officer.headers)
        assert r.status_code == 201, r.text
        assert r.json()["points"] == 12
        assert telemetry.open_store(settings).count(officer.org_id) == 12
