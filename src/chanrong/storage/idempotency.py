"""Idempotency keys: a replayed POST returns the first result instead of creating again."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.errors import IdempotencyMismatch
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    org_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """A stable hash of what was asked, so a key reused for a different request is caught."""
    blob = json.dumps([method, path, body], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def find_replay(
    session: Session, org_id: str, key: str, fingerprint: str
) -> IdempotencyRecord | None:
    """The stored first result for ``key``, or None; a different request under it is refused."""
    rec = session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.org_id == org_id, IdempotencyRecord.key == key
        )
    ).one_or_none()
    if rec is not None and rec.request_hash != fingerprint:
        raise IdempotencyMismatch(
            f"Idempotency-Key {key!r} was already used for a different request",
            field="Idempotency-Key",
        )
    return rec


def remember(
    session: Session,
    *,
    org_id: str,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    status_code: int,
    response: Any,
) -> None:
    """Store the first result in the same transaction as the thing it created."""
    session.add(
        IdempotencyRecord(
            org_id=org_id,
            key=key,
            method=method,
            path=path,
            request_hash=fingerprint,
            status_code=status_code,
            response=response,
        )
    )
    session.flush()
