"""The token-signing secret: never a published default; generated once per installation
under var/keys (owner-only, created atomically so concurrent processes agree); a short or
published secret from the environment is refused in plain words."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core import keyfile
from chanrong.core.errors import ConfigurationError
from chanrong.core.settings import JWT_SECRET_FILE, Settings, get_settings

OLD_PUBLISHED_DEFAULT = "chanrong-dev-secret-change-me-in-production-0123456789"


@pytest.fixture
def no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHANRONG_JWT_SECRET", raising=False)


def test_the_default_is_no_secret_at_all(no_env_secret: None) -> None:
    assert Settings.model_fields["jwt_secret"].default == ""
    assert Settings().jwt_secret == ""


def test_generated_once_owner_only_and_reused(tmp_path: Path, no_env_secret: None) -> None:
    first = Settings(var_dir=tmp_path).token_secret
    path = tmp_path / "keys" / JWT_SECRET_FILE
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.encode()) >= 32
    assert first != OLD_PUBLISHED_DEFAULT
    # A new Settings (a restart) reads the same secret; another installation gets its own.
    assert Settings(var_dir=tmp_path).token_secret == first
    assert Settings(var_dir=tmp_path / "other").token_secret != first
    # The environment's secret wins over the file.
    assert Settings(var_dir=tmp_path, jwt_secret="e" * 40).token_secret == "e" * 40


def test_threads_racing_to_create_it_agree(tmp_path: Path) -> None:
    path = tmp_path / "keys" / JWT_SECRET_FILE
    barrier = threading.Barrier(12)
    seen: list[str] = []

    def racer() -> None:
        barrier.wait()
        seen.append(keyfile.load_or_create_secret(path))

    threads = [threading.Thread(target=racer) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 12
    assert set(seen) == {path.read_text().strip()}
    assert [p.name for p in path.parent.iterdir()] == [JWT_SECRET_FILE]  # no leftovers


def test_processes_starting_together_agree(tmp_path: Path) -> None:
    """What `chanrong serve --workers N` does: N fresh interpreters resolve the secret at once."""
    env = {k: v for k, v in os.environ.items() if k != "CHANRONG_JWT_SECRET"}
    env["CHANRONG_VAR_DIR"] = str(tmp_path)
    code = "from chanrong.core.settings import Settings; print(Settings().token_secret)"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    assert outputs == {(tmp_path / "keys" / JWT_SECRET_FILE).read_text().strip()}


def test_a_short_or_published_env_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHANRONG_JWT_SECRET", "too-short-secret")
    with pytest.raises(ConfigurationError, match="at least 32"):
        Settings(var_dir=tmp_path)
    monkeypatch.setenv("CHANRONG_JWT_SECRET", OLD_PUBLISHED_DEFAULT)
    with pytest.raises(ConfigurationError, match="published"):
        Settings(var_dir=tmp_path)
    # 32 bytes is enough (counted in bytes: 11 Chinese characters are 33).
    monkeypatch.setenv("CHANRONG_JWT_SECRET", "密" * 11)
    assert Settings(var_dir=tmp_path).token_secret == "密" * 11


def test_the_command_line_says_so_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHANRONG_JWT_SECRET", "short")
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "CHANRONG_JWT_SECRET is 5 bytes; it must be at least 32" in result.output
    assert "Traceback" not in result.output


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path, no_env_secret: None) -> None:
    Settings(var_dir=tmp_path).token_secret  # noqa: B018 (creates the file)
    path = tmp_path / "keys" / JWT_SECRET_FILE
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        Settings(var_dir=tmp_path).token_secret  # noqa: B018
    path.chmod(0o600)
    path.write_text("short\n")
    with pytest.raises(ConfigurationError, match="shorter than 32"):
        Settings(var_dir=tmp_path).token_secret  # noqa: B018
