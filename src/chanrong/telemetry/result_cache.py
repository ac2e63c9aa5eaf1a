"""Aggregate reads remembered by the exact files they read.

The store's files never change once in place: every batch, compacted day or month and rollup
is written under a new UUIDv7 name and renamed into place, and a file is replaced only by a
new file under a new name (compaction, retention) before the old one is removed. So a query
names its data completely by its SQL and its bound parameters, which list every file it reads:
the same text and parameters read the same rows, and any change to the data a read covers
(a new batch in the window, a compaction, a fold, a retention pass) changes the file list and
so the key. That makes the cache exact, not "fresh enough": there is nothing to invalidate.

The API also keeps each such read's encoded answer (``ENCODED``), found by the read's
fingerprint (``stamp``: a digest of its key carried in the table's schema metadata), so a
repeated daily read is not turned into Python objects and JSON again (that conversion was
the largest single cost of the server under the mixed load).

Why it is there: the API's busiest heavy read, a firm's daily series over the last 30 days,
costs about 20 ms of DuckDB per request (binding and scanning some 30 small rollup files) for
a result a dashboard asks for again and again. Each process keeps its own cache, bounded in
bytes, least recently used first out.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import pyarrow as pa

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
ENCODED_MAX_BYTES = 32 * 1024 * 1024
_FINGERPRINT = b"chanrong.read"
V = TypeVar("V")
# A result larger than this share of the cache is not kept: one huge read would evict
# everything the dashboards keep asking for.
_LARGEST_SHARE = 8


def freeze(params: Sequence[object]) -> tuple[Hashable, ...]:
    """Bound parameters as a hashable key (lists of files or names become tuples)."""
    out: list[Hashable] = []
    for p in params:
        if isinstance(p, list | tuple):
            out.append(tuple(freeze(p)))
        else:
            out.append(p)  # type: ignore[arg-type]  # str, datetime, date, numbers: hashable
    return tuple(out)


@dataclass
class CacheStats:
    """What the cache has done since the process started (for /metrics and tests)."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0
    bytes: int = 0
    entries: int = 0


def _table_bytes(table: pa.Table) -> int:
    return int(table.nbytes)


class ResultCache(Generic[V]):
    """Values (Arrow tables unless ``size`` says otherwise) by key, bounded in bytes, least
    recently used evicted first."""

    def __init__(
        self,
        max_bytes: int = DEFAULT_MAX_BYTES,
        size: Callable[[V], int] = _table_bytes,  # type: ignore[assignment]
    ) -> None:
        self.max_bytes = max_bytes
        self._size = size
        self._tables: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def get(self, key: Hashable) -> V | None:
        """The table stored under ``key`` (now the most recently used), or None."""
        with self._lock:
            table = self._tables.get(key)
            if table is None:
                self.stats.misses += 1
                return None
            self._tables.move_to_end(key)
            self.stats.hits += 1
            return table

    def put(self, key: Hashable, table: V) -> None:
        """Keep ``table`` under ``key``, evicting the least recently used beyond the bound."""
        size = self._size(table)
        if size * _LARGEST_SHARE > self.max_bytes:
            return
        with self._lock:
            old = self._tables.pop(key, None)
            if old is not None:
                self.stats.bytes -= self._size(old)
            self._tables[key] = table
            self.stats.bytes += size
            while self.stats.bytes > self.max_bytes and self._tables:
                _, gone = self._tables.popitem(last=False)
                self.stats.bytes -= self._size(gone)
                self.stats.evictions += 1
            self.stats.entries = len(self._tables)

    def clear(self) -> None:
        """Forget everything (tests, and a store whose files were removed by hand)."""
        with self._lock:
            self._tables.clear()
            self.stats.bytes = 0
            self.stats.entries = 0


def stamp(table: pa.Table, key: Hashable) -> pa.Table:
    """``table`` carrying a fingerprint of the read ``key`` that made it (see ``fingerprint``)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    return table.replace_schema_metadata({_FINGERPRINT: digest})


def fingerprint(table: pa.Table) -> str | None:
    """The fingerprint ``stamp`` gave the read behind ``table`` (None if it has none): equal
    fingerprints mean equal tables, since the key names every file read."""
    found = (table.schema.metadata or {}).get(_FINGERPRINT)
    return found.decode() if found is not None else None


def keep_fingerprint(derived: pa.Table, source: pa.Table) -> pa.Table:
    """``derived`` (computed from ``source`` alone, deterministically) with its fingerprint:
    the fingerprint then names the derived table."""
    found = (source.schema.metadata or {}).get(_FINGERPRINT)
    if found is None:
        return derived
    return derived.replace_schema_metadata({_FINGERPRINT: found})


RESULTS: ResultCache[pa.Table] = ResultCache()
# Encoded answers by (the read's fingerprint, the encoding's name).
ENCODED: ResultCache[bytes] = ResultCache(ENCODED_MAX_BYTES, size=len)
