"""Typed builders for test data, one small function per thing."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chanrong.core.uscc import CHARSET, make_uscc
from chanrong.identity import service as identity

_seq = itertools.count(1)

REAL_USCCS = {
    "sinopec": "91110000710926094P",
    "baosteel": "91310000631696382C",
    "tencent": "9144030071526726XG",
}


def fresh_uscc(region: str = "330500") -> str:
    """A valid USCC, random so parallel test workers sharing a broker never pick the same."""
    body = "MA" + "".join(secrets.choice(CHARSET) for _ in range(6))
    return make_uscc("9", "1", region, body).code


@dataclass
class Member:
    org_id: str
    user_id: str
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Park:
    """Named members, e.g. ``park["bank"]["officer"]``."""

    members: dict[str, dict[str, Member]] = field(default_factory=dict)

    def __getitem__(self, org: str) -> dict[str, Member]:
        return self.members[org]


def add_org(session: Session, kind: str, **kw: object) -> str:
    name = str(kw.pop("name", f"{kind}-{next(_seq)}"))
    if kind == "enterprise" and "uscc" not in kw:
        kw["uscc"] = fresh_uscc()
    if kind == "financial_institution" and "institution_type" not in kw:
        kw["institution_type"] = "bank"
    org = identity.create_organisation(session, name=name, kind=kind, **kw)  # type: ignore[arg-type]
    return org.id


def add_member(session: Session, org_id: str, role: str, *, password: str | None = None) -> Member:
    user = identity.create_user(
        session, org_id=org_id, username=f"{role}-{next(_seq)}", roles=[role], password=password
    )
    _, raw = identity.create_api_key(session, user_id=user.id, name="test")
    return Member(org_id=org_id, user_id=user.id, key=raw)


def build_park(session: Session) -> Park:
    specs = {
        "operator": ("platform_operator", {}),
        "enterprise": ("enterprise", {"industry_code": "C34", "region_code": "330500"}),
        "core": ("enterprise", {"is_core": True}),
        "other_enterprise": ("enterprise", {}),
        "bank": ("financial_institution", {"institution_type": "bank"}),
        "other_bank": ("financial_institution", {"institution_type": "bank"}),
        "insurer": ("financial_institution", {"institution_type": "insurer"}),
        "lessor": ("financial_institution", {"institution_type": "lessor"}),
        "analyst": ("analyst", {"analyst_type": "government"}),
    }
    park = Park()
    for name, (kind, kw) in specs.items():
        org_id = add_org(session, kind, name=name, **kw)
        park.members[name] = {
            role: add_member(session, org_id, role) for role in ("admin", "officer", "viewer")
        }
    return park
