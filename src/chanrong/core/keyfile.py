"""Secrets generated once per installation and kept under ``var/keys/`` (owner-only).

The access-token signing secret, when ``CHANRONG_JWT_SECRET`` is not set, is made here on first
run. Several ``chanrong serve --workers N`` processes start at once and must agree on one
secret: each writes a candidate to a private temporary file and ``link``s it to the final
name, which fails if the name exists (the same guarantee as ``O_EXCL``, but the final file is
never seen half-written); the losers read the winner's.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from chanrong.core.errors import ConfigurationError

MIN_SECRET_BYTES = 32


def keys_dir(var_dir: Path) -> Path:
    return var_dir / "keys"


def load_or_create_secret(path: Path) -> str:
    """The secret stored at ``path``, generated (64 URL-safe characters) on first use.

    Refuses a file that other users may read or write, or that holds fewer than
    ``MIN_SECRET_BYTES`` bytes, with a ``ConfigurationError`` naming the file and the fix.
    """
    if not path.exists():
        _create(path)
    return _read(path)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    # O_EXCL on the temporary name too: nobody else can have opened it before us.
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        # FileExistsError: another process won the race, and everyone uses its secret.
        with contextlib.suppress(FileExistsError):
            os.link(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{path} can be read or written by other users (mode {stat.filemode(mode)}); "
            f"run `chmod 600 {path}` (it signs every access token)"
        )
    value = path.read_text(encoding="ascii").strip()
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"{path} holds a secret shorter than {MIN_SECRET_BYTES} bytes; delete the file to "
            "have a new one generated (every signed-in session then ends)"
        )
    return value
