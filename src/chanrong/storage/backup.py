"""Backup and restore of one installation: the database, the telemetry store and the keys.

A backup is one ``.tar.gz``:

    manifest.json        format, dialect, migration heads, rows per table, SHA-256 per member
    db/<table>.jsonl     every row of every table, one JSON array per line, in column order
    files/telemetry/…    the Parquet telemetry store
    files/keys/…         the log's signing key and the installation's secrets

Rows are read and written as the database driver gives them, through plain SQL (no ORM
types in between), so what is restored is byte for byte what was stored: log entries, their
hashes and the signed heads verify afterwards. Values JSON cannot hold are tagged
(``{"b": base64}``, ``{"t": iso}``, ``{"d": iso}``, ``{"n": "1.50"}``, ``{"j": …}``).
A backup restores into the same kind of database (SQLite or PostgreSQL) at the same
migration heads: ``chanrong db upgrade`` the target first. Restoring replaces the target's
rows in one transaction (foreign keys checked at commit) and refuses to overwrite files or
rows unless told to.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, text
from sqlalchemy.engine import Connection, Engine

from chanrong.core.errors import Conflict, ValidationFailed

FORMAT = "chanrong-backup-v1"
# Left to the migrations (and the job engine's own schema): never dumped nor cleared.
_SKIPPED = frozenset({"alembic_version"})


@dataclass
class BackupSummary:
    """What a backup holds (or a restore wrote)."""

    path: Path
    dialect: str
    heads: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0


def _tag(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, dict | list):
        return {"j": value}
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _untag(value: Any, dialect: str) -> Any:
    if not isinstance(value, dict):
        return value
    ((tag, raw),) = value.items()
    if tag == "b":
        return base64.b64decode(raw)
    if tag == "t":
        return datetime.fromisoformat(raw)
    if tag == "d":
        return date.fromisoformat(raw)
    if tag == "n":
        return Decimal(raw)
    if tag == "j":
        if dialect == "postgresql":
            from psycopg.types.json import Json  # the migrations' sa.JSON is PostgreSQL json

            return Json(raw)
        return json.dumps(raw)
    raise ValidationFailed(f"backup: unknown value tag {tag!r}", field="backup")


def _tables(conn: Connection) -> list[Table]:
    meta = MetaData()
    meta.reflect(conn)
    return [t for t in meta.sorted_tables if t.name not in _SKIPPED]


def _heads(conn: Connection) -> list[str]:
    return sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))


def _rows(conn: Connection, table: Table) -> Iterator[list[Any]]:
    cols = ", ".join(f'"{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or cols
    result = conn.execute(text(f'SELECT {cols} FROM "{table.name}" ORDER BY {order}'))  # noqa: S608
    for row in result:
        yield [_tag(v) for v in row]


def _add(tar: tarfile.TarFile, name: str, data: bytes, digests: dict[str, str]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))
    digests[name] = hashlib.sha256(data).hexdigest()


def backup(engine: Engine, out: Path, *, telemetry_dir: Path, keys_dir: Path) -> BackupSummary:
    """Write a backup of the database behind ``engine`` and the two directories to ``out``.

    The database is read in one transaction (a consistent snapshot on PostgreSQL; SQLite
    holds its read lock for the duration)."""
    if out.exists():
        raise Conflict(f"out: {out} exists; choose a new file", field="out")
    summary = BackupSummary(out, engine.dialect.name, [])
    digests: dict[str, str] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with tarfile.open(partial, "w:gz") as tar, engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        summary.heads = _heads(conn)
        for table in _tables(conn):
            lines = [json.dumps(r, ensure_ascii=False) for r in _rows(conn, table)]
            summary.rows[table.name] = len(lines)
            _add(tar, f"db/{table.name}.jsonl", "\n".join(lines).encode(), digests)
        for label, root in (("telemetry", telemetry_dir), ("keys", keys_dir)):
            if not root.is_dir():
                continue
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                rel = path.relative_to(root).as_posix()
                _add(tar, f"files/{label}/{rel}", path.read_bytes(), digests)
                summary.files += 1
        manifest = {
            "format": FORMAT,
            "dialect": summary.dialect,
            "heads": summary.heads,
            "tables": summary.rows,
            "sha256": digests,
        }
        info = tarfile.TarInfo("manifest.json")
        data = json.dumps(manifest, indent=1, sort_keys=True).encode()
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    partial.rename(out)
    out.chmod(0o600)  # it holds the keys
    return summary


def _read(tar: tarfile.TarFile, name: str) -> bytes:
    member = tar.extractfile(name)
    if member is None:
        raise ValidationFailed(f"backup: {name} is missing", field="backup")
    return member.read()


def _has_rows(conn: Connection, tables: list[Table]) -> list[str]:
    busy = []
    for t in tables:
        if t.name == "log_head":  # seeded by the migration
            continue
        if conn.execute(text(f'SELECT 1 FROM "{t.name}" LIMIT 1')).first():  # noqa: S608
            busy.append(t.name)
    return busy


def _target_dir(root: Path, label: str, replace: bool) -> None:
    if root.is_dir() and any(root.iterdir()) and not replace:
        raise Conflict(f"{label}: {root} is not empty; pass --replace to overwrite it", field=label)


def restore(
    engine: Engine, src: Path, *, telemetry_dir: Path, keys_dir: Path, replace: bool = False
) -> BackupSummary:
    """Restore the backup ``src`` into the database behind ``engine`` and the directories.

    The target must be the same kind of database at the same migration heads. Every member
    is checked against the manifest's SHA-256 before anything is written."""
    try:
        tar = tarfile.open(src, "r:gz")  # noqa: SIM115 (closed below)
    except (OSError, tarfile.TarError) as exc:
        raise ValidationFailed(f"backup: cannot read {src} ({exc})", field="backup") from None
    with tar:
        manifest = json.loads(_read(tar, "manifest.json"))
        if manifest.get("format") != FORMAT:
            raise ValidationFailed("backup: not a chanrong backup", field="backup")
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        contents: dict[str, bytes] = {}
        for name, digest in manifest["sha256"].items():
            if name not in members:
                raise ValidationFailed(f"backup: {name} is missing", field="backup")
            data = _read(tar, name)
            if hashlib.sha256(data).hexdigest() != digest:
                raise ValidationFailed(f"backup: {name} does not match its digest", field="backup")
            contents[name] = data
    dialect = engine.dialect.name
    if manifest["dialect"] != dialect:
        raise ValidationFailed(
            f"backup: made on {manifest['dialect']}, the target is {dialect}", field="backup"
        )
    summary = BackupSummary(src, dialect, list(manifest["heads"]))
    _target_dir(telemetry_dir, "telemetry", replace)
    _target_dir(keys_dir, "keys", replace)
    with engine.begin() as conn:
        heads = _heads(conn)
        if heads != summary.heads:
            raise ValidationFailed(
                f"backup: made at migrations {summary.heads}, the target is at {heads}; "
                "run `chanrong db upgrade` on a target of the same version",
                field="backup",
            )
        tables = _tables(conn)
        busy = _has_rows(conn, tables)
        if busy and not replace:
            raise Conflict(
                f"database: {', '.join(busy[:5])} already hold rows; pass --replace",
                field="database",
            )
        if dialect == "sqlite":
            conn.execute(text("PRAGMA defer_foreign_keys = ON"))
        else:
            conn.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        for table in reversed(tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))  # noqa: S608
        for table in tables:
            raw = contents.get(f"db/{table.name}.jsonl", b"").decode()
            rows = [json.loads(line) for line in raw.splitlines() if line]
            names = [c.name for c in table.columns]
            if rows and len(rows[0]) != len(names):
                raise ValidationFailed(
                    f"backup: {table.name} has other columns than the target", field="backup"
                )
            cols = ", ".join(f'"{n}"' for n in names)
            marks = ", ".join(f":c{i}" for i in range(len(names)))
            stmt = text(f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})')  # noqa: S608
            for start in range(0, len(rows), 1000):
                batch = [
                    {f"c{i}": _untag(v, dialect) for i, v in enumerate(r)}
                    for r in rows[start : start + 1000]
                ]
                conn.execute(stmt, batch)
            summary.rows[table.name] = len(rows)
        if dialect == "postgresql":
            _reset_sequences(conn, tables)
    for label, root in (("telemetry", telemetry_dir), ("keys", keys_dir)):
        prefix = f"files/{label}/"
        for name, data in contents.items():
            if not name.startswith(prefix):
                continue
            target = root / name.removeprefix(prefix)
            if not target.resolve().is_relative_to(root.resolve()):
                raise ValidationFailed(f"backup: {name} points outside {label}", field="backup")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            if label == "keys":
                target.chmod(0o600)
            summary.files += 1
    return summary


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    """Move each serial column's sequence past the restored rows."""
    for table in tables:
        for col in table.primary_key.columns:
            seq = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col.name}
            ).scalar()
            if seq:
                conn.execute(
                    text(
                        f'SELECT setval(:s, COALESCE((SELECT MAX("{col.name}") '  # noqa: S608
                        f'FROM "{table.name}"), 0) + 1, false)'
                    ),
                    {"s": seq},
                )
