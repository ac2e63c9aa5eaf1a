"""Federated tables on the platform's side: the operating features it contributes, the
training runs banks open and the joint models those runs registered.

The bank's features, labels, weights and private key are never stored here: the bank keeps
them in its own process (``chanrong federated ...`` on the bank's machine).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class PlatformFeatures(Base):
    """One enterprise's operating features as the platform contributes them to joint models."""

    __tablename__ = "federated_features"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    enterprise_org_id: Mapped[str] = mapped_column(String(36), index=True)
    values: Mapped[dict[str, float]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TrainingRun(Base):
    """A bank's training run: the aligned enterprises (in the bank's order), the platform's
    standardisation and weights, and the masks of the round in flight (platform-only)."""

    __tablename__ = "federated_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    bank_org_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="logistic")  # logistic | boost
    status: Mapped[str] = mapped_column(String(16))  # training | finished
    usccs: Mapped[list[str]] = mapped_column(JSON)
    excluded: Mapped[int] = mapped_column(Integer)
    features: Mapped[list[str]] = mapped_column(JSON)
    means: Mapped[list[float]] = mapped_column(JSON)
    scales: Mapped[list[float]] = mapped_column(JSON)
    weights: Mapped[list[float]] = mapped_column(JSON)
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Trees: the platform's bin edges, split lookups and the current tree's packed ciphertexts.
    boost: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    public_key: Mapped[str] = mapped_column(String(2048))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JointModel(Base):
    """A registered joint model: the manifest names both parties' feature lists and the
    fingerprints of their parts; only the platform's part is stored here."""

    __tablename__ = "federated_models"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    bank_org_id: Mapped[str] = mapped_column(String(36), index=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("federated_runs.id"))
    state: Mapped[str] = mapped_column(String(16))
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The validation: the held-out scoring exchange the platform answered and the bank's
    # report on it (rows, defaults, AUC, KS); outside the manifest, which stays as trained.
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Who moved the state last and when (every move is also a leaf of the verifiable log).
    state_by: Mapped[str | None] = mapped_column(String(36))
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
