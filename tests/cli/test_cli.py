"""The ``chanrong`` command against a real SQLite file, as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings

runner = CliRunner()


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHANRONG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_onboarding_from_the_command_line(var_dir: Path) -> None:
    assert "latest schema" in _ok(["db", "upgrade"])
    assert (var_dir / "chanrong.db").exists()
    out = _ok(
        [
            "org",
            "create",
            "--name",
            "宝钢",
            "--kind",
            "enterprise",
            "--uscc",
            "91310000631696382C",
            "--industry",
            "C31",
            "--region",
            "310000",
        ]
    )
    org_id = out.strip().splitlines()[-1]
    out = _ok(["user", "create", "--org", org_id, "--username", "cfo", "--roles", "admin,officer"])
    user_id = out.strip().splitlines()[-1]
    key = _ok(["apikey", "create", "--user", user_id]).strip().splitlines()[-1]
    assert key.startswith("crk_")
    assert "宝钢" in _ok(["org", "list"])


def test_bad_input_is_a_plain_error_naming_the_field(var_dir: Path) -> None:
    _ok(["db", "upgrade"])
    result = runner.invoke(
        app,
        ["org", "create", "--name", "x", "--kind", "enterprise", "--uscc", "91310000631696382D"],
    )
    assert result.exit_code == 2
    assert "uscc" in result.output and "check_digit" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["user", "create", "--org", "nope", "--username", "a"])
    assert result.exit_code == 2 and "org_id" in result.output
    # Nothing half-written: the failed org does not exist.
    assert "91310000631696382D" not in _ok(["org", "list"])


def test_installed_entry_point_runs(tmp_path: Path) -> None:
    env = {**os.environ, "CHANRONG_VAR_DIR": str(tmp_path / "var")}
    exe = Path(sys.executable).with_name("chanrong")
    proc = subprocess.run(
        [str(exe), "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert proc.returncode == 0
    for cmd in ("db", "serve", "org", "user", "apikey", "demo"):
        assert cmd in proc.stdout
