"""Per-device MQTT credentials and topic ACL for the broker that carries lock commands.

Signed commands (``chanrong.leasing.signing``) stop a forged or replayed command at the
gateway; the broker's access limits stop a device from even seeing another device's
commands. Each leased device gets its own username (``{uscc}.{device_id}``) and random
password, and may only

- read its own command topic ``chanrong/v1/{uscc}/{device_id}/command``,
- write its own acknowledgements ``…/command/ack`` and its own telemetry ``…/telemetry``;

the platform's account reads and writes ``chanrong/v1/#``. Anonymous clients are refused.

``write_broker_access`` writes three files for Mosquitto and the provisioning step:
``passwd`` (hashed with ``mosquitto_passwd -U``, never plaintext once written), ``acl``,
and ``devices.json`` (each device's username and password, mode 0600, handed to its gateway).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from chanrong.core.errors import ValidationFailed
from chanrong.leasing.commands import ack_topic, command_topic

PLATFORM_USER = "chanrong-platform"
# A username or topic level must not carry MQTT wildcards, separators or the password
# file's ':' — a device id like ``a/+`` would otherwise widen its own ACL.
_SAFE = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


@dataclass(frozen=True, slots=True)
class DeviceAccount:
    uscc: str
    device_id: str
    password: str

    @property
    def username(self) -> str:
        return device_username(self.uscc, self.device_id)


def device_username(uscc: str, device_id: str) -> str:
    """The broker username of one device (the USCC is 18 characters, so this is unambiguous)."""
    for value, field in ((uscc, "uscc"), (device_id, "device_id")):
        if not _SAFE.match(value):
            raise ValidationFailed(
                f"{field}: {value!r} cannot name an MQTT account (letters, digits, _ . - only)",
                field=field,
            )
    return f"{uscc}.{device_id}"


def telemetry_topic(uscc: str, device_id: str) -> str:
    return f"chanrong/v1/{uscc}/{device_id}/telemetry"


def acl_text(devices: Iterable[tuple[str, str]]) -> str:
    """The Mosquitto ACL: the platform on ``chanrong/v1/#``, each device on its own topics."""
    lines = [
        "# chanrong: per-device topic access (generated; do not edit by hand)",
        f"user {PLATFORM_USER}",
        "topic readwrite chanrong/v1/#",
        "",
    ]
    for uscc, device_id in sorted(set(devices)):
        lines += [
            f"user {device_username(uscc, device_id)}",
            f"topic read {command_topic(uscc, device_id)}",
            f"topic write {ack_topic(uscc, device_id)}",
            f"topic write {telemetry_topic(uscc, device_id)}",
            "",
        ]
    return "\n".join(lines)


def new_accounts(devices: Iterable[tuple[str, str]]) -> list[DeviceAccount]:
    """A fresh random password for each device (32 bytes of entropy)."""
    return [DeviceAccount(u, d, secrets.token_urlsafe(32)) for u, d in sorted(set(devices))]


def mosquitto_passwd() -> str:
    """The installed ``mosquitto_passwd`` (from the mosquitto package)."""
    found = shutil.which("mosquitto_passwd")
    if found is None:
        raise ValidationFailed(
            "mosquitto_passwd: not installed (it comes with the mosquitto package)",
            field="mosquitto_passwd",
        )
    return found


def write_broker_access(
    out_dir: Path, accounts: Iterable[DeviceAccount], platform_password: str
) -> Mapping[str, Path]:
    """Write ``passwd`` (hashed), ``acl`` and ``devices.json`` (0600) into ``out_dir``."""
    accounts = list(accounts)
    out_dir.mkdir(parents=True, exist_ok=True)
    passwd = out_dir / "passwd"
    # Written plaintext with owner-only access, then hashed in place by mosquitto_passwd.
    fd = os.open(passwd, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"{PLATFORM_USER}:{platform_password}\n")
        for a in accounts:
            f.write(f"{a.username}:{a.password}\n")
    subprocess.run([mosquitto_passwd(), "-U", str(passwd)], check=True, capture_output=True)
    acl = out_dir / "acl"
    acl.write_text(acl_text((a.uscc, a.device_id) for a in accounts))
    devices = out_dir / "devices.json"
    fd = os.open(devices, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(
            {
                "platform": {"username": PLATFORM_USER, "password": platform_password},
                "devices": [
                    {
                        "uscc": a.uscc,
                        "device_id": a.device_id,
                        "username": a.username,
                        "password": a.password,
                        "command_topic": command_topic(a.uscc, a.device_id),
                    }
                    for a in accounts
                ],
            },
            f,
            indent=2,
        )
    return {"passwd": passwd, "acl": acl, "devices": devices}


def broker_config(port: int, out_dir: Path, *, run_as_root: bool = False) -> str:
    """A loopback Mosquitto listener that enforces the files above (no anonymous clients)."""
    lines = [
        f"listener {port} 127.0.0.1",
        "allow_anonymous false",
        f"password_file {out_dir / 'passwd'}",
        f"acl_file {out_dir / 'acl'}",
        "persistence false",
    ]
    if run_as_root:  # a test broker reading files under a root-only temporary directory
        lines.append("user root")
    return "\n".join(lines) + "\n"
