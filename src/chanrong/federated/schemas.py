"""Request and response bodies of the federated routes (the protocol's messages as JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanrong.federated.protocol import MAX_BATCH


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FeatureRowIn(_In):
    uscc: str
    values: dict[str, float]


class FeaturesIn(_In):
    rows: list[FeatureRowIn] = Field(min_length=1, max_length=200_000)


class PsiIn(_In):
    request: str = Field(min_length=1, max_length=50_000_000)


class PsiOut(BaseModel):
    setup: str
    response: str


class ConfigIn(_In):
    iterations: int = Field(ge=1, le=10_000)
    batch_size: int = Field(ge=1, le=MAX_BATCH)
    learning_rate: float = Field(gt=0, le=10)
    l2: float = Field(ge=0, le=10)
    seed: int


class BoostConfigIn(_In):
    trees: int = Field(ge=1, le=200)
    depth: int = Field(ge=1, le=8)
    bins: int = Field(ge=2, le=64)
    learning_rate: float = Field(gt=0, le=1)
    lam: float = Field(ge=0, le=100)
    min_rows: int = Field(ge=1, le=100_000)


class RunIn(_In):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[^@/]+$")
    ids: list[str] = Field(min_length=1, max_length=200_000)
    public_key: str = Field(min_length=64, max_length=2048)
    config: ConfigIn | None = None
    boost: BoostConfigIn | None = None


class PackedIn(_In):
    packed: list[str] = Field(min_length=1, max_length=200_000)


class HistogramsIn(_In):
    rows: list[int] = Field(min_length=1, max_length=200_000)
    bins: int = Field(ge=2, le=64)


class HistogramsOut(BaseModel):
    histograms: list[list[str | None]]


class SplitIn(_In):
    rows: list[int] = Field(min_length=1, max_length=200_000)
    split: list[int] = Field(min_length=2, max_length=2)


class SplitOut(BaseModel):
    split_id: int
    left: list[int]


class RunOpenedOut(BaseModel):
    run_id: str
    accepted: list[str]
    excluded: int
    platform_features: list[str]


class RowsIn(_In):
    rows: list[int] = Field(min_length=1, max_length=MAX_BATCH)


class PartialOut(BaseModel):
    partial: list[float]


class ResidualsIn(_In):
    rows: list[int] = Field(min_length=1, max_length=MAX_BATCH)
    residuals: list[str] = Field(min_length=1, max_length=MAX_BATCH)


class MaskedOut(BaseModel):
    masked: list[str]


class MaskedSumsIn(_In):
    masked_sums: list[str] = Field(min_length=1, max_length=10_000)


class RoundOut(BaseModel):
    round: int
    leaf: int


class FinishIn(_In):
    bank_features: list[str] = Field(min_length=1, max_length=1000)
    bank_fingerprint: str
    metrics: dict[str, float]


class ModelOut(BaseModel):
    model: str
    state: str
    manifest_sha256: str
    bank_features: list[str]
    bank_fingerprint: str
    platform_features: list[str]
    platform_fingerprint: str
    metrics: dict[str, Any]
    created_at: datetime
    validation: dict[str, Any] | None = None
    state_by: str | None = None
    state_at: datetime | None = None


class ScoreIn(_In):
    uscc: str


class ScoreOut(BaseModel):
    partial: float | list[bool]
    # The names of the platform's features that raised the partial score most (no values).
    reasons: list[str] = []
    model: str
    state: str
    manifest_sha256: str
    bank_fingerprint: str
    platform_fingerprint: str
    leaf: int


class HeldOutIn(_In):
    ids: list[str] = Field(min_length=1, max_length=50_000)


class HeldOutOut(BaseModel):
    # Per id the platform's part, or None where the enterprise has no live grant.
    parts: list[float | list[bool] | None]
    leaf: int


class ValidationIn(_In):
    exchange: int = Field(ge=0)
    rows: int = Field(ge=0)
    bads: int = Field(ge=0)
    auc: float
    ks: float


class StateIn(_In):
    to: str


class RunOut(BaseModel):
    run_id: str
    name: str
    status: str
    rows: int
    excluded: int
    rounds: int
    platform_features: list[str]
    created_at: datetime
    finished_at: datetime | None


class PartnerOut(BaseModel):
    enterprise_org_id: str
    name: str
    status: str
    valid_until: datetime
    features_held: bool
