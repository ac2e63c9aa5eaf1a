"""The platform's Ed25519 signing key for tree heads and export packages.

The private key lives under ``settings.var_dir / "keys"`` (PKCS#8 PEM, owner-only); it is
created on first use. Anyone verifies with the published public key alone (``verify``).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "log-signing-ed25519.pem"


def key_id_of(public_raw: bytes) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    """A loaded private key, with its public half in the forms people publish."""

    private_key: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    @property
    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def key_path(var_dir: Path) -> Path:
    return var_dir / "keys" / KEY_FILE


def load_or_create(var_dir: Path) -> Signer:
    """The signing key under ``var_dir``, generated (and saved owner-only) on first use."""
    path = key_path(var_dir)
    if path.exists():
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 private key")
        return Signer(loaded)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create(var_dir)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    return Signer(key)


def retired_dir(var_dir: Path) -> Path:
    return var_dir / "keys" / "retired"


def rotate(var_dir: Path) -> tuple[Signer, Path]:
    """Retire the signing key and start a new one: the old public key is kept (PEM, named by
    its key id) so heads it signed still verify; its private half is destroyed, so nothing
    new can be signed with it. Returns the new signer and the retired public key's file."""
    old = load_or_create(var_dir)
    target = retired_dir(var_dir) / f"{old.key_id}.pem"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(old.public_pem)
    key_path(var_dir).unlink()
    return load_or_create(var_dir), target


def retired_public_keys(var_dir: Path) -> list[Ed25519PublicKey]:
    """The public keys this installation signed with before its last rotations."""
    folder = retired_dir(var_dir)
    if not folder.is_dir():
        return []
    return [parse_public_key(p.read_bytes()) for p in sorted(folder.glob("*.pem"))]


def parse_public_key(text: str | bytes) -> Ed25519PublicKey:
    """A public key given as PEM or as base64 of the 32 raw bytes."""
    raw = text.encode() if isinstance(text, str) else text
    raw = raw.strip()
    if raw.startswith(b"-----BEGIN"):
        loaded = serialization.load_pem_public_key(raw)
        if not isinstance(loaded, Ed25519PublicKey):
            raise ValueError("the PEM does not hold an Ed25519 public key")
        return loaded
    try:
        decoded = base64.b64decode(raw, validate=True)
    except ValueError:
        raise ValueError("public key is neither PEM nor base64") from None
    if len(decoded) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(decoded)


def public_raw_of(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verify(public_key: Ed25519PublicKey, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is the key's signature of ``message``."""
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


# --- C2SP signed notes (https://c2sp.org/signed-note) and checkpoints (tlog-checkpoint) ----

_NOTE_ED25519 = b"\x01"  # the signature-type byte of an Ed25519 note key


def note_key_hash(name: str, public_raw: bytes) -> bytes:
    """The 4-byte key hash a signed note's signature line starts with."""
    return hashlib.sha256(name.encode() + b"\n" + _NOTE_ED25519 + public_raw).digest()[:4]


def note_verifier_key(name: str, public_raw: bytes) -> str:
    """The vkey a verifier (or a witness) configures: ``name+hash+base64(type‖key)``."""
    return (
        f"{name}+{note_key_hash(name, public_raw).hex()}+"
        + base64.b64encode(_NOTE_ED25519 + public_raw).decode()
    )


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """A C2SP tlog-checkpoint body: origin, tree size, base64 root hash, one per line."""
    if not origin or "\n" in origin:
        raise ValueError("origin: one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(body: str, name: str, signer: Signer) -> str:
    """``body`` as a signed note: the text, a blank line, and the signature line."""
    if not body.endswith("\n"):
        raise ValueError("a note's text ends with a newline")
    sig = signer.sign(body.encode())
    line = base64.b64encode(note_key_hash(name, signer.public_raw) + sig).decode()
    return f"{body}\n\u2014 {name} {line}\n"


def open_note(note: str, name: str, public_key: Ed25519PublicKey) -> str:
    """The text of ``note`` if it carries a valid signature by ``name`` with ``public_key``;
    ``ValueError`` saying why not otherwise (unknown signatures are ignored, as C2SP says)."""
    body, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise ValueError("not a signed note (no blank line before the signatures)")
    body += "\n"
    want = note_key_hash(name, public_raw_of(public_key))
    for line in sigs.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if raw[:4] == want and verify(public_key, body.encode(), raw[4:]):
            return body
    raise ValueError(f"no valid signature by {name} on the note")


# --- C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), version cosignature/v1 -----

_COSIGNATURE_V1 = b"\x04"  # the signature-type byte of a cosignature/v1 (Ed25519) key


def cosignature_key_hash(name: str, public_raw: bytes) -> bytes:
    """The 4-byte key hash a witness's cosignature line starts with."""
    return hashlib.sha256(name.encode() + b"\n" + _COSIGNATURE_V1 + public_raw).digest()[:4]


def cosignature_verifier_key(name: str, public_raw: bytes) -> str:
    """The witness's vkey, as a log or a client configures it."""
    return (
        f"{name}+{cosignature_key_hash(name, public_raw).hex()}+"
        + base64.b64encode(_COSIGNATURE_V1 + public_raw).decode()
    )


def cosigned_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: a header naming the version and the time it was made
    (POSIX seconds), then the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosignature_line(body: str, name: str, witness: Signer, timestamp: int) -> str:
    """The note signature line a witness adds: key hash, 8-byte big-endian time, signature."""
    if not body.endswith("\n"):
        raise ValueError("a note's text ends with a newline")
    if not 0 <= timestamp < 2**63:
        raise ValueError("timestamp: POSIX seconds")
    sig = witness.sign(cosigned_message(body, timestamp))
    raw = cosignature_key_hash(name, witness.public_raw) + timestamp.to_bytes(8, "big") + sig
    return f"\u2014 {name} {base64.b64encode(raw).decode()}\n"


def open_cosignature(note: str, name: str, public_key: Ed25519PublicKey) -> int:
    """The time of a valid cosignature/v1 by ``name`` with ``public_key`` on ``note``;
    ``ValueError`` saying why not otherwise."""
    body, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise ValueError("not a signed note (no blank line before the signatures)")
    body += "\n"
    want = cosignature_key_hash(name, public_raw_of(public_key))
    for line in sigs.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if len(raw) != 4 + 8 + 64 or raw[:4] != want:
            continue
        timestamp = int.from_bytes(raw[4:12], "big")
        if verify(public_key, cosigned_message(body, timestamp), raw[12:]):
            return timestamp
    raise ValueError(f"no valid cosignature by {name} on the note")


def read_checkpoint(body: str) -> tuple[str, int, bytes]:
    """(origin, size, root) of a checkpoint body."""
    lines = body.split("\n")
    if len(lines) < 4:
        raise ValueError("a checkpoint has an origin, a size and a root hash")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isdigit():
        raise ValueError(f"checkpoint size {size!r} is not a number")
    return origin, int(size), base64.b64decode(root, validate=True)
