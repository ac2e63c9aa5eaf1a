"""Governance tables: catalog, consent grants, access records and the verifiable log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class CatalogEntry(Base):
    """One dataset an enterprise holds on the platform, with its category and grade."""

    __tablename__ = "catalog_entries"
    __table_args__ = (UniqueConstraint("owner_org_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500))
    schema: Mapped[dict[str, str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(100))
    # 0–100; Numeric so a score is never a float.
    quality_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    category: Mapped[str] = mapped_column(String(32))
    grade: Mapped[int] = mapped_column(Integer)
    suggested_category: Mapped[str] = mapped_column(String(32))
    suggested_grade: Mapped[int] = mapped_column(Integer)
    suggestion_reasons: Mapped[list[str]] = mapped_column(JSON)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClassificationChange(Base):
    """Who set a catalog entry's category and grade, from what, and why."""

    __tablename__ = "catalog_changes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entry_id: Mapped[str] = mapped_column(ForeignKey("catalog_entries.id"), index=True)
    changed_by_user_id: Mapped[str | None] = mapped_column(String(36))
    changed_by_org_id: Mapped[str | None] = mapped_column(String(36))
    old_category: Mapped[str | None] = mapped_column(String(32))
    old_grade: Mapped[int | None] = mapped_column(Integer)
    new_category: Mapped[str] = mapped_column(String(32))
    new_grade: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))  # suggested / confirmed / overridden
    reason: Mapped[str] = mapped_column(String(500))
    log_index: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConsentGrant(Base):
    """An enterprise's permission for one institution: categories, max grade, purpose, period."""

    __tablename__ = "consent_grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    grantee_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    categories: Mapped[list[str]] = mapped_column(JSON)
    # Only these catalog datasets, when the enterprise named them (a data room, an
    # application's evidence); None: every dataset of the categories and grade.
    dataset_scope: Mapped[list[str] | None] = mapped_column(JSON)
    max_grade: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(500), default="")
    granted_by_user_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_user_id: Mapped[str | None] = mapped_column(String(36))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))
    log_index: Mapped[int] = mapped_column(BigInteger)
    revoke_log_index: Mapped[int | None] = mapped_column(BigInteger)


class AccessRecordRow(Base):
    """One granted read of an enterprise's data by another organisation."""

    __tablename__ = "access_records"
    # The access list reads an owner's rows newest first, a page at a time (governance_0004).
    __table_args__ = (Index("ix_access_records_owner_log", "owner_org_id", "log_index"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    accessor_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    accessor_user_id: Mapped[str] = mapped_column(String(36))
    dataset: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32))
    grade: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    aggregate: Mapped[bool] = mapped_column(Boolean)
    grant_id: Mapped[str | None] = mapped_column(String(36))
    log_index: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AccessDenialRow(Base):
    """A refused attempt by another organisation to read an enterprise's data. Written in
    its own transaction after the refused request rolled back, so the enterprise sees it."""

    __tablename__ = "access_denials"
    __table_args__ = (Index("ix_access_denials_owner_at", "owner_org_id", "at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    owner_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    accessor_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    accessor_user_id: Mapped[str | None] = mapped_column(String(36))
    dataset: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(40))
    route: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LogEntryRow(Base):
    """A leaf of the verifiable log. ``data`` is the exact byte string that was hashed."""

    __tablename__ = "log_entries"

    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    actor_org_id: Mapped[str | None] = mapped_column(String(36), index=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    data: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class LogNodeRow(Base):
    """A complete perfect subtree (level >= 1) of the log; written once, never changed."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogHeadRow(Base):
    """The single row every append locks: tree size, its compact range and root."""

    __tablename__ = "log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[list[str]] = mapped_column(JSON)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SignedTreeHeadRow(Base):
    """A tree head the platform signed with its Ed25519 key."""

    __tablename__ = "log_tree_heads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
