"""Identity API input and output."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from chanrong.identity.domain import AnalystType, InstitutionType, OrgKind, Role


class OrgCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: OrgKind
    uscc: str | None = Field(default=None, description="统一社会信用代码, required for enterprises")
    is_core: bool = False
    institution_type: InstitutionType | None = None
    analyst_type: AnalystType | None = None
    industry_code: str | None = Field(default=None, description="GB/T 4754-2017, e.g. C34")
    region_code: str | None = Field(default=None, description="GB/T 2260, e.g. 330500")


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: OrgKind
    uscc: str | None
    is_core: bool
    institution_type: InstitutionType | None
    analyst_type: AnalystType | None
    industry_code: str | None
    region_code: str | None
    created_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    display_name: str | None = None
    roles: list[Role] = Field(min_length=1)
    password: str | None = Field(default=None, min_length=8)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    username: str
    display_name: str
    roles: list[Role]
    active: bool
    created_at: datetime


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="default", min_length=1, max_length=100)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    user_id: str
    org_id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyIssued(ApiKeyOut):
    key: str | None = Field(description="The raw key; shown once (null on a replay)")


class TokenRequest(BaseModel):
    """Either ``api_key`` or ``organisation`` + ``username`` + ``password``."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = None
    organisation: str | None = Field(default=None, description="id, USCC or name")
    username: str | None = None
    password: str | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class MeOut(BaseModel):
    user_id: str
    org_id: str
    org_kind: OrgKind
    org_name: str
    roles: list[Role]
    institution_type: InstitutionType | None
    is_core: bool
