"""Remote-control commands the device can trust: signed by the platform, verified at the gateway.

A lock or unlock travels as JSON: the command's fields (``command_id``, ``command``,
``reason``, ``uscc``, ``device_id``, ``nonce``, ``issued_at``, ``expires_at``) and an Ed25519
``signature`` (base64) over their canonical form (sorted keys, no spaces, UTF-8). The gateway
refuses a command that is

- ``malformed``: not JSON, a field missing or of the wrong type;
- ``bad_signature``: not signed by the platform's command key, or any field altered;
- ``wrong_device``: signed for another device (or another enterprise's device);
- ``not_yet_valid`` / ``expired``: outside its validity window (with a little clock skew);
- ``replayed``: a nonce it has already obeyed, remembered until the command expires.

The platform's command key is its own (not the log's signing key), kept under
``var_dir/keys``; gateways hold only its public half.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_FILE = "device-command-ed25519.pem"
DEFAULT_TTL = timedelta(minutes=5)
# The most a gateway accepts: a command valid for longer is a standing order, not a command.
MAX_TTL = timedelta(minutes=30)
CLOCK_SKEW = timedelta(seconds=30)
COMMANDS = ("lock", "unlock")
_FIELDS = ("command_id", "command", "reason", "uscc", "device_id", "nonce")


def canonical(body: dict[str, Any]) -> bytes:
    """The bytes signed: every field but the signature, sorted, compact, UTF-8."""
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class CommandSigner:
    """The platform's private command key."""

    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The half a gateway is given."""
        return self.private_key.public_key()

    def sign(
        self,
        *,
        uscc: str,
        device_id: str,
        command: str,
        reason: str,
        command_id: str,
        now: datetime | None = None,
        ttl: timedelta = DEFAULT_TTL,
    ) -> dict[str, Any]:
        """A signed command with a fresh nonce, valid from ``now`` for ``ttl``."""
        if command not in COMMANDS:
            raise ValueError(f"command must be one of {COMMANDS}")
        at = now or datetime.now(UTC)
        body: dict[str, Any] = {
            "command_id": command_id,
            "command": command,
            "reason": reason,
            "uscc": uscc,
            "device_id": device_id,
            "nonce": secrets.token_hex(16),
            "issued_at": _instant(at),
            "expires_at": _instant(at + ttl),
        }
        body["signature"] = base64.b64encode(self.private_key.sign(canonical(body))).decode()
        return body


def load_or_create_signer(var_dir: Path) -> CommandSigner:
    """The command key under ``var_dir/keys``, generated (saved owner-only) on first use."""
    path = var_dir / "keys" / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:  # O_EXCL: two processes starting at once must not each write a different key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return CommandSigner(loaded)


class CommandRefused(Exception):
    """The gateway will not obey this command; ``reason`` says why."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class VerifiedCommand:
    command_id: str
    command: str
    reason: str
    nonce: str
    expires_at: datetime


def _parse_instant(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise CommandRefused("malformed", f"{name} missing")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandRefused("malformed", f"{name} is not an instant") from None
    if at.tzinfo is None:
        raise CommandRefused("malformed", f"{name} has no time zone")
    return at


@dataclass
class CommandVerifier:
    """What a device's gateway runs on every command before obeying it.

    One verifier per device: it knows the platform's public command key, which device it
    guards, and the nonces it has obeyed (forgotten once their command has expired, since an
    expired command is refused anyway).
    """

    public_key: Ed25519PublicKey
    uscc: str
    device_id: str
    _seen: dict[str, datetime] = field(default_factory=dict)

    def verify(self, message: bytes | str, *, now: datetime | None = None) -> VerifiedCommand:
        """The command if it may be obeyed; ``CommandRefused`` (with its reason) otherwise.

        The nonce is remembered only once everything else holds, so a refused forgery cannot
        burn the nonce of a genuine command.
        """
        at = now or datetime.now(UTC)
        try:
            body = json.loads(message)
        except (ValueError, UnicodeDecodeError):
            raise CommandRefused("malformed", "not JSON") from None
        if not isinstance(body, dict):
            raise CommandRefused("malformed", "not an object")
        for name in _FIELDS:
            if not isinstance(body.get(name), str):
                raise CommandRefused("malformed", f"{name} missing")
        issued = _parse_instant(body.get("issued_at"), "issued_at")
        expires = _parse_instant(body.get("expires_at"), "expires_at")
        signature = body.get("signature")
        if not isinstance(signature, str):
            raise CommandRefused("bad_signature", "no signature")
        try:
            raw = base64.b64decode(signature, validate=True)
            self.public_key.verify(raw, canonical(body))
        except (InvalidSignature, binascii.Error, ValueError):
            raise CommandRefused("bad_signature", "not signed by the platform") from None
        if (body["uscc"], body["device_id"]) != (self.uscc, self.device_id):
            raise CommandRefused("wrong_device", f"signed for {body['device_id']}")
        if body["command"] not in COMMANDS:
            raise CommandRefused("malformed", "unknown command")
        if expires - issued > MAX_TTL or expires <= issued:
            raise CommandRefused("expired", "validity window too long or empty")
        if at + CLOCK_SKEW < issued:
            raise CommandRefused("not_yet_valid", f"issued at {body['issued_at']}")
        if at >= expires:
            raise CommandRefused("expired", f"expired at {body['expires_at']}")
        self._seen = {n: e for n, e in self._seen.items() if e > at}
        if body["nonce"] in self._seen:
            raise CommandRefused("replayed", f"nonce {body['nonce']} already obeyed")
        self._seen[body["nonce"]] = expires
        return VerifiedCommand(
            body["command_id"], body["command"], body["reason"], body["nonce"], expires
        )
