"""Hashing of passwords and API keys (argon2), and the key format."""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from collections import OrderedDict

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


def _make_hasher() -> PasswordHasher:
    # The test suite creates hundreds of keys; it may ask for argon2's cheapest profile.
    # Verification reads the parameters from each stored hash, so both kinds verify.
    if os.environ.get("CHANRONG_ARGON2_PROFILE") == "test":
        from argon2.profiles import CHEAPEST

        return PasswordHasher.from_parameters(CHEAPEST)
    return PasswordHasher()


_hasher = _make_hasher()

KEY_SCHEME = "crk"


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


_dummy: list[str] = []
_dummy_lock = threading.Lock()


def dummy_hash() -> str:
    """A hash of a random secret nobody knows, made with the current parameters: verified
    against when a sign-in names no account, so that answer costs what a wrong password does."""
    with _dummy_lock:
        if not _dummy:
            _dummy.append(_hasher.hash(secrets.token_urlsafe(24)))
        return _dummy[0]


def verify_secret(stored_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_key() -> tuple[str, str]:
    """A fresh key ``crk_<prefix>_<secret>`` and its look-up prefix."""
    prefix = secrets.token_hex(6)
    return f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def split_api_key(raw: str) -> str | None:
    """The prefix of a well-formed key, else None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != 12:
        return None
    return parts[1]


class VerifiedKeyCache:
    """Remembers keys already verified, by SHA-256, so argon2 runs once per key per process.

    argon2 is deliberately slow (tens of ms); paying it on every request would cap the API at a
    few dozen requests a second. Revocation is still checked against the database each time.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _digest(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    def hit(self, key_id: str, raw: str) -> bool:
        d = self._digest(raw)
        with self._lock:
            if self._items.get(d) == key_id:
                self._items.move_to_end(d)
                return True
            return False

    def add(self, key_id: str, raw: str) -> None:
        with self._lock:
            self._items[self._digest(raw)] = key_id
            while len(self._items) > self._size:
                self._items.popitem(last=False)


key_cache = VerifiedKeyCache()
