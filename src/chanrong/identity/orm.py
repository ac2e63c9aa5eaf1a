"""Identity tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    is_core: Mapped[bool] = mapped_column(Boolean, default=False)
    institution_type: Mapped[str | None] = mapped_column(String(16))
    analyst_type: Mapped[str | None] = mapped_column(String(16))
    industry_code: Mapped[str | None] = mapped_column(String(5))
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("org_id", "username"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuthSession(Base):
    """A signed-in session: every access token names one, and is valid only while its row
    is neither revoked (sign-out) nor expired, nor its API key (if it came from one) revoked."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    # The API key the session was opened with (None for a password sign-in).
    api_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    via: Mapped[str] = mapped_column(String(16))  # password | api_key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_address: Mapped[str | None] = mapped_column(String(64))


class SignInFailure(Base):
    """One failed password sign-in, counted per account and per client address
    (``subject`` is ``user:…`` or ``addr:…``); rows older than the window are deleted."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_subject_at", "subject", "at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class IdentityStamp(Base):
    """One row (``id`` 1) whose ``stamp`` is replaced by a fresh random value, in the same
    transaction, by every insert, update or delete of an organisation, a user or an API key:
    database triggers do it (migration identity_0003), so no write is missed, through the
    service, the ORM or plain SQL alike. A reader that finds the same stamp as before knows
    those rows are as they were then; a caller may keep what it concluded from them (the
    command link's verified keys) until the stamp changes. Random, not a counter: a database
    restored from an older backup, or changed as often since, never shows a stamp a cache
    took from other rows. A new database has no row until the first such write (a restore
    must find a freshly migrated database empty); the migration gives one to an
    installation that already has organisations."""

    __tablename__ = "identity_stamp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[str] = mapped_column(String(32))
