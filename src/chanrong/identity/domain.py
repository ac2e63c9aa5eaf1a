"""Organisations, roles and what each may do. Pure rules: no framework imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OrgKind(StrEnum):
    """The four kinds of organisation on the platform."""

    ENTERPRISE = "enterprise"  # 企业
    FINANCIAL_INSTITUTION = "financial_institution"  # 金融机构
    PLATFORM_OPERATOR = "platform_operator"  # 平台运营方
    ANALYST = "analyst"  # 政府 / 研究机构


class InstitutionType(StrEnum):
    BANK = "bank"
    INSURER = "insurer"
    LESSOR = "lessor"
    GUARANTOR = "guarantor"
    FUND_MANAGER = "fund_manager"  # 基金管理人 (引导基金 / VC / PE)


class AnalystType(StrEnum):
    GOVERNMENT = "government"
    RESEARCH = "research"


class Role(StrEnum):
    """Roles inside one organisation."""

    ADMIN = "admin"  # manages the organisation's users and keys, and everything an officer does
    OFFICER = "officer"  # acts: credit officer, finance staff, data steward
    VIEWER = "viewer"  # reads only


ROLE_RANK = {Role.VIEWER: 0, Role.OFFICER: 1, Role.ADMIN: 2}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user acting for one organisation, with their roles."""

    user_id: str
    org_id: str
    org_kind: OrgKind
    roles: frozenset[Role]
    institution_type: InstitutionType | None = None
    is_core: bool = False

    def has_role(self, role: Role) -> bool:
        """True when one of the user's roles is at least ``role`` (admin ⊇ officer ⊇ viewer)."""
        return any(ROLE_RANK[r] >= ROLE_RANK[role] for r in self.roles)

    @property
    def is_operator(self) -> bool:
        return self.org_kind is OrgKind.PLATFORM_OPERATOR


@dataclass(frozen=True, slots=True)
class VerifiedKey:
    """An API key verified against its rows: the principal it acts as, the key's id, and
    when it expires (None: never). Only as true as the rows it was read from: a caller that
    keeps one must drop it when they change (``identity.service.identity_stamp``), and check
    the expiry again each time it is used (``expired``)."""

    principal: Principal
    key_id: str
    expires_at: datetime | None

    def expired(self, now: datetime) -> bool:
        """True once ``now`` has reached the key's expiry (the API's rule: expired at it)."""
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated credential: the principal, and the session when it was an access
    token (None for an API key sent as is)."""

    principal: Principal
    session_id: str | None = None
    session_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SignInLimits:
    """How many failed password sign-ins are allowed in a sliding window, per account and
    per client address, before further attempts are refused (429) until the window frees."""

    per_account: int = 5
    per_address: int = 20
    window_seconds: int = 900


def parse_roles(values: list[str] | tuple[str, ...] | str) -> frozenset[Role]:
    """Parse role names (a list or a comma-separated string); unknown names raise ValueError."""
    items = values.split(",") if isinstance(values, str) else list(values)
    roles = set()
    for item in items:
        name = item.strip().lower()
        if not name:
            continue
        try:
            roles.add(Role(name))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise ValueError(f"unknown role {name!r}; expected one of {allowed}") from None
    if not roles:
        raise ValueError("at least one role is required")
    return frozenset(roles)


def check_org_shape(
    kind: OrgKind,
    *,
    uscc: str | None,
    institution_type: InstitutionType | None,
    analyst_type: AnalystType | None,
    is_core: bool,
) -> tuple[str, str] | None:
    """Return (field, reason) when the attributes do not fit the kind, else None."""
    if kind is OrgKind.ENTERPRISE and not uscc:
        return ("uscc", "an enterprise must have a Unified Social Credit Code")
    if kind is not OrgKind.ENTERPRISE and is_core:
        return ("is_core", "only an enterprise can be a core enterprise")
    if kind is OrgKind.FINANCIAL_INSTITUTION and institution_type is None:
        return ("institution_type", "a financial institution must be a bank, insurer or lessor")
    if kind is not OrgKind.FINANCIAL_INSTITUTION and institution_type is not None:
        return ("institution_type", "only a financial institution has an institution type")
    if kind is not OrgKind.ANALYST and analyst_type is not None:
        return ("analyst_type", "only an analyst organisation has an analyst type")
    return None
