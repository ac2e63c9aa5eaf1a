"""`chanrong db backup` / `restore` on SQLite and PostgreSQL: after a restore into an empty
installation the log verifies against the key and checkpoint kept before, the telemetry
store and keys are back, and tampering with the backup is refused."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import Settings, get_settings
from chanrong.governance import keys
from chanrong.governance import service as governance
from chanrong.governance.domain import Purpose
from chanrong.governance.orm import AccessRecordRow, LogEntryRow
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park, build_park
from tests.governance.builders import grant, principal
from tests.telemetry.builders import points

runner = CliRunner()


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, freshly migrated database of the same kind: the restore target."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    from tests.conftest import _pg_admin_url

    name = f"chanrong_r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(_pg_admin_url()).set(database=name).render_as_string(False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _use(monkeypatch: pytest.MonkeyPatch, url: str, var: Path) -> None:
    monkeypatch.setenv("CHANRONG_DATABASE_URL", url)
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(var))
    get_settings.cache_clear()


def _populate(db: Database, settings: Settings) -> Park:
    with db.unit_of_work() as s:
        park = build_park(s)
    owner, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    with db.unit_of_work() as s:
        g = grant(s, owner, bank.org_id, categories=("production",))
        telemetry.ingest_points(
            s,
            telemetry.open_store(settings),
            org_id=owner.org_id,
            batches=[points("cnc-1", "power_kw", [1.0, 2.0, 3.0])],
            source="http",
        )
        governance.authorize_read(
            s, principal(s, bank), owner_org_id=owner.org_id, dataset="telemetry.equipment",
            purpose=Purpose.CREDIT_ASSESSMENT,
        )  # fmt: skip
        governance.revoke_consent(s, principal(s, owner), g.id, reason="done")
    return park


def test_backup_then_restore_into_an_empty_installation_verifies(
    db: Database,
    db_url: str,
    empty_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    var1, var2 = tmp_path / "var1", tmp_path / "var2"
    settings = Settings(database_url=db_url, var_dir=var1)
    _populate(db, settings)
    _use(monkeypatch, db_url, var1)
    head = json.loads(_run(["log", "head"]))
    (tmp_path / "head.json").write_text(json.dumps(head))
    (tmp_path / "key.pem").write_text(keys.load_or_create(var1).public_pem)
    store_files = sorted(p.relative_to(var1) for p in (var1 / "telemetry").rglob("*.parquet"))
    assert store_files
    out = _run(["db", "backup", str(tmp_path / "backup.tar.gz")])
    assert "backed up" in out

    _use(monkeypatch, empty_url, var2)
    _run(["db", "upgrade"])
    restored = _run(["db", "restore", str(tmp_path / "backup.tar.gz")])
    assert "restored" in restored
    verified = _run(
        ["log", "verify", "--public-key", str(tmp_path / "key.pem"),
         "--checkpoint", str(tmp_path / "head.json")]
    )  # fmt: skip
    assert "log verified" in verified
    # The platform answers as before: same log, same access list, same store, same key.
    target = Database(empty_url)
    try:
        with target.unit_of_work() as s, db.unit_of_work() as before:
            for model in (LogEntryRow, AccessRecordRow):
                n = s.scalar(select(func.count()).select_from(model))
                assert n == before.scalar(select(func.count()).select_from(model)) and n
    finally:
        target.dispose()
    for rel in store_files:
        assert (var2 / rel).read_bytes() == (var1 / rel).read_bytes()
    assert keys.load_or_create(var2).public_pem == keys.load_or_create(var1).public_pem
    # New writes after the restore (sequences, the log's head) work.
    assert json.loads(_run(["log", "head"]))["size"] == head["size"]

    # Restoring again over data is refused unless asked for.
    refused = _run(["db", "restore", str(tmp_path / "backup.tar.gz")], code=2)
    assert "--replace" in refused


def test_a_tampered_backup_is_refused(
    db: Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    var1 = tmp_path / "var1"
    _populate(db, Settings(database_url=db_url, var_dir=var1))
    _use(monkeypatch, db_url, var1)
    good = tmp_path / "good.tar.gz"
    _run(["db", "backup", str(good)])
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(good, "r:gz") as src, tarfile.open(bad, "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()  # type: ignore[union-attr]
            if m.name == "db/consent_grants.jsonl":
                data = data.replace(b'"done"', b'"xxxx"')
            m.size = len(data)
            dst.addfile(m, io.BytesIO(data))
    out = _run(["db", "restore", str(bad), "--replace"], code=2)
    assert "does not match its digest" in out
