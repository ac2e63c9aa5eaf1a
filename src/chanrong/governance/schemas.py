"""Governance API input and output."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chanrong.governance.domain import Category, Purpose


class GrantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grantee_org_id: str = Field(description="The financial institution granted access")
    categories: list[Category] = Field(min_length=1, description="MIIT data domains granted")
    datasets: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Only these catalog datasets (each of a granted category, within the "
        "grade); left out: every dataset of the categories the purpose allows",
    )
    max_grade: int = Field(ge=1, le=3, description="Highest grade granted (3 only as aggregates)")
    purpose: Purpose
    valid_from: AwareDatetime | None = Field(default=None, description="Default: now")
    valid_until: AwareDatetime
    note: str = Field(default="", max_length=500)


class GrantRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500)


class GrantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    owner_org_id: str
    grantee_org_id: str
    categories: list[Category]
    max_grade: int
    purpose: Purpose
    valid_from: datetime
    valid_until: datetime
    note: str
    granted_by_user_id: str
    created_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    log_index: int
    revoke_log_index: int | None
    status: str = ""
    dataset_scope: list[str] | None = Field(
        default=None,
        description="The datasets the enterprise named in the grant, if it named any",
    )
    datasets: list[str] = Field(
        default_factory=list,
        description="The catalog datasets this grant's purpose, categories and grade let the "
        "grantee read",
    )


class PurposeDatasetOut(BaseModel):
    name: str
    category: Category
    grade: int
    description: str


class PurposeOut(BaseModel):
    """One purpose and the catalog datasets it may read (the purpose × dataset table)."""

    purpose: Purpose
    datasets: list[PurposeDatasetOut]


class DenialOut(BaseModel):
    """A refused attempt to read the enterprise's data."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    owner_org_id: str
    accessor_org_id: str
    accessor_name: str | None = None
    accessor_user_id: str | None
    dataset: str
    purpose: str | None
    reason: str
    route: str
    at: datetime


class AccessOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    owner_org_id: str
    accessor_org_id: str
    accessor_name: str | None = None
    accessor_user_id: str
    dataset: str
    category: Category
    grade: int
    purpose: str
    aggregate: bool
    grant_id: str | None
    log_index: int
    at: datetime


class DatasetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner_org_id: str
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=500)
    source: str = Field(default="", max_length=100)
    schema_: dict[str, str] = Field(default_factory=dict, alias="schema")
    quality_score: Decimal | None = Field(default=None, ge=0, le=100)


class SuggestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    source: str = ""
    schema_: dict[str, str] = Field(default_factory=dict, alias="schema")


class SuggestionOut(BaseModel):
    category: Category
    grade: int
    national_level: str
    reasons: list[str]


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category | None = Field(default=None, description="Omit to keep")
    grade: int | None = Field(default=None, ge=1, le=3, description="Omit to keep")
    reason: str = Field(default="", max_length=500, description="Required when changing")


class CatalogEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: str
    owner_org_id: str
    name: str
    description: str
    schema_: dict[str, str] = Field(alias="schema", serialization_alias="schema")
    source: str
    quality_score: Decimal | None
    category: Category
    grade: int
    national_level: str = ""
    suggested_category: Category
    suggested_grade: int
    suggestion_reasons: list[str]
    confirmed: bool
    updated_at: datetime


class ChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    entry_id: str
    changed_by_user_id: str | None
    changed_by_org_id: str | None
    old_category: str | None
    old_grade: int | None
    new_category: str
    new_grade: int
    action: str
    reason: str
    log_index: int
    at: datetime


class DatasetView(BaseModel):
    """What a granted reader learns about one dataset of an enterprise."""

    owner_org_id: str
    dataset: str
    category: Category | None
    grade: int | None
    description: str
    quality_score: Decimal | None
    access_log_index: int | None


class TreeHeadOut(BaseModel):
    size: int
    root_hash: str
    timestamp_ms: int
    key_id: str
    signature: str


class PublicKeyOut(BaseModel):
    key_id: str
    algorithm: str = "Ed25519"
    public_key_b64: str
    public_key_pem: str


class LogEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    index: int
    kind: str
    actor_org_id: str | None
    subject: str
    data: str
    leaf_hash: str
    at: datetime


class InclusionProofOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    path: list[str]


class ConsistencyProofOut(BaseModel):
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str]
