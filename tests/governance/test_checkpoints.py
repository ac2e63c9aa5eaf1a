"""C2SP signed-note checkpoints and a witness that cosigns only a consistent extension."""

from __future__ import annotations

import base64
import hashlib
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from chanrong.governance import keys
from chanrong.storage.database import Database
from tests.builders import add_member, add_org
from tests.governance.builders import grant

runner = CliRunner()


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    return result.output


def _grants(var_dir: Path, n: int) -> None:
    db = Database(f"sqlite:///{var_dir / 'chanrong.db'}")
    with db.unit_of_work() as s:
        ent = add_org(s, "enterprise")
        bank = add_org(s, "financial_institution")
        owner = add_member(s, ent, "officer")
    for _ in range(n):
        with db.unit_of_work() as s:
            grant(s, owner, bank)
    db.dispose()


def test_checkpoint_is_a_signed_note_and_the_witness_cosigns_extensions(
    var_dir: Path, tmp_path: Path
) -> None:
    _run(["db", "upgrade"])
    _grants(var_dir, 3)
    signer = keys.load_or_create(get_settings().var_dir)
    origin = f"chanrong/{signer.key_id}"
    old = _run(["log", "checkpoint"])
    lines = old.split("\n")
    assert lines[0] == origin and lines[1] == "3" and lines[3] == ""
    assert lines[4].startswith(f"\u2014 {origin} ")
    assert keys.open_note(old, origin, signer.private_key.public_key()).startswith(origin)
    _grants(var_dir, 2)
    new = _run(["log", "checkpoint"])
    (tmp_path / "old.txt").write_text(old)
    (tmp_path / "new.txt").write_text(new)
    (tmp_path / "log.pem").write_text(signer.public_pem)
    cosigned = _run(["log", "witness", str(tmp_path / "old.txt"), str(tmp_path / "new.txt"),
                     "--public-key", str(tmp_path / "log.pem")])  # fmt: skip
    assert cosigned.startswith(new)
    witness = keys.load_or_create(get_settings().var_dir / "witness")
    wname = f"chanrong-witness/{witness.key_id}"
    at = keys.open_cosignature(cosigned, wname, witness.private_key.public_key())
    assert abs(at - time.time()) < 3600
    # The C2SP cosignature/v1 line, checked by hand against the spec: key hash over
    # name ‖ LF ‖ 0x04 ‖ key, then the 8-byte big-endian time, then Ed25519 over
    # "cosignature/v1\ntime <t>\n" ‖ checkpoint body.
    body = new[: new.index("\n\n") + 1]
    line = cosigned[len(new) :].strip().split(" ")
    assert line[:2] == ["\u2014", wname]
    raw = base64.b64decode(line[2])
    pub = witness.public_raw
    assert raw[:4] == hashlib.sha256(wname.encode() + b"\n\x04" + pub).digest()[:4]
    assert int.from_bytes(raw[4:12], "big") == at
    message = f"cosignature/v1\ntime {at}\n{body}".encode()
    Ed25519PublicKey.from_public_bytes(pub).verify(raw[12:], message)  # raises if not
    # It is not a plain note signature: read as the log's kind of signature it does not open.
    with pytest.raises(ValueError, match="no valid signature"):
        keys.open_note(cosigned, wname, witness.private_key.public_key())

    # A checkpoint of the same size with another root (a fork), even signed by the log's
    # key, is not cosigned; nor is an edited note.
    forked = keys.sign_note(keys.checkpoint_body(origin, 5, b"\x00" * 32), origin, signer)
    (tmp_path / "fork.txt").write_text(forked)
    refused = _run(["log", "witness", str(tmp_path / "old.txt"), str(tmp_path / "fork.txt"),
                    "--public-key", str(tmp_path / "log.pem")], code=1)  # fmt: skip
    assert "does not extend" in refused
    (tmp_path / "edited.txt").write_text(new.replace("\n5\n", "\n6\n", 1))
    edited = _run(["log", "witness", str(tmp_path / "old.txt"), str(tmp_path / "edited.txt"),
                   "--public-key", str(tmp_path / "log.pem")], code=2)  # fmt: skip
    assert "no valid signature" in edited


def test_open_note_refuses_another_key() -> None:
    signer = keys.Signer(keys.Ed25519PrivateKey.generate())
    other = keys.Signer(keys.Ed25519PrivateKey.generate())
    note = keys.sign_note("o\n1\nAAAA\n", "o", signer)
    with pytest.raises(ValueError, match="no valid signature"):
        keys.open_note(note, "o", other.private_key.public_key())
