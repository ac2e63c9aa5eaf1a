"""Record identifiers: UUIDv7, time-ordered so that B-tree indexes stay compact."""

from __future__ import annotations

import uuid6


def new_id() -> str:
    """A fresh UUIDv7 as its canonical 36-character string."""
    return str(uuid6.uuid7())
