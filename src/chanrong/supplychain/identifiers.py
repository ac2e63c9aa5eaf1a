"""Industrial-internet style handle identifiers (标识) for payables and certificates.

A handle is ``prefix/suffix``: the prefix is country.industry.enterprise codes (for example
``88.608.8889``), the suffix is ours to define. A payable's root certificate gets
``<prefix>/SCF.<YYYYMMDD>.<serial>``; every child appends its 1-based position under its
parent, so ``…/SCF.20261121.0A1B2C3D4E5F.2.1`` reads as "the first child of the second part".
The handle therefore carries the lineage, and because a certificate is consumed only once,
a second consumption would need a handle that already exists: the unique index on handles
is one more guard against double spending.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

DEFAULT_PREFIX = "88.608.8889"  # the platform's enterprise node prefix (configurable)
NAMESPACE = "SCF"  # supply-chain finance

_PREFIX = re.compile(r"^\d{2,3}(\.\d{1,6}){1,5}$")
_SUFFIX = re.compile(rf"^{NAMESPACE}\.(\d{{8}})\.([0-9A-F]{{12}})((?:\.[1-9]\d{{0,2}})*)$")


@dataclass(frozen=True, slots=True)
class Handle:
    """A parsed certificate handle."""

    prefix: str
    issued_on: date
    serial: str
    path: tuple[int, ...]  # positions from the root; () for the root itself

    def __str__(self) -> str:
        base = f"{self.prefix}/{NAMESPACE}.{self.issued_on:%Y%m%d}.{self.serial}"
        return base + "".join(f".{p}" for p in self.path)

    @property
    def depth(self) -> int:
        return len(self.path)

    @property
    def root(self) -> str:
        return str(Handle(self.prefix, self.issued_on, self.serial, ()))


def check_prefix(prefix: str) -> str:
    """A handle prefix such as ``88.608.8889``; raises ``ValueError`` when it is not one."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"{prefix!r} is not a handle prefix like 88.608.8889")
    return prefix


def serial_from_id(record_id: str) -> str:
    """A 12-character serial from a UUIDv7's random tail (its head is only a timestamp)."""
    hex_digits = record_id.replace("-", "").upper()
    if len(hex_digits) != 32 or not re.fullmatch(r"[0-9A-F]{32}", hex_digits):
        raise ValueError(f"{record_id!r} is not a UUID")
    return hex_digits[-12:]


def root_handle(prefix: str, issued_on: date, serial: str) -> str:
    """The handle of a payable and its root certificate."""
    return str(Handle(check_prefix(prefix), issued_on, serial, ()))


def child_handle(parent: str, position: int) -> str:
    """The handle of the ``position``-th (1-based) child of ``parent``."""
    if not 1 <= position <= 999:
        raise ValueError("a child position is 1 to 999")
    parse_handle(parent)
    return f"{parent}.{position}"


def parse_handle(text: str) -> Handle:
    """Parse and validate a certificate handle; ``ValueError`` says what is wrong."""
    prefix, sep, suffix = text.partition("/")
    if not sep:
        raise ValueError(f"{text!r} has no '/' between prefix and suffix")
    check_prefix(prefix)
    m = _SUFFIX.match(suffix)
    if not m:
        raise ValueError(f"{suffix!r} is not a certificate suffix like SCF.20261121.<serial>")
    day, serial, path = m.groups()
    try:
        issued_on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise ValueError(f"{day} is not a calendar date") from None
    positions = tuple(int(p) for p in path.split(".")[1:]) if path else ()
    return Handle(prefix, issued_on, serial, positions)
