"""The demo's institutions and sign-ins: the platform operator, a bank, an insurer, a lessor,
a guarantor, a fund manager and an analyst, each with a user and a fresh API key."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chanrong.identity import service as identity

DEMO_PASSWORD = "chanrong-demo"  # noqa: S105 (published demo sign-in)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    kind: str
    institution_type: str | None = None
    analyst_type: str | None = None
    region: str | None = None
    roles: str = "admin"


INSTITUTIONS = (
    DemoOrg(
        "operator",
        "湖州工业互联网平台 Huzhou IIoT Platform",
        "platform_operator",
        region="330500",
        roles="admin",
    ),
    DemoOrg(
        "bank",
        "湖州科创银行 Huzhou Sci-Tech Bank",
        "financial_institution",
        institution_type="bank",
        region="330500",
        roles="officer",
    ),
    DemoOrg(
        "insurer",
        "安吉财产保险 Anji Property Insurance",
        "financial_institution",
        institution_type="insurer",
        region="330500",
        roles="officer",
    ),
    DemoOrg(
        "lessor",
        "太湖设备租赁 Taihu Equipment Leasing",
        "financial_institution",
        institution_type="lessor",
        region="330500",
        roles="officer",
    ),
    DemoOrg(
        "guarantor",
        "湖州融资担保 Huzhou Financing Guarantee",
        "financial_institution",
        institution_type="guarantor",
        region="330500",
        roles="officer",
    ),
    DemoOrg(
        "fund_manager",
        "湖州产业基金管理 Huzhou Industrial Fund Management",
        "financial_institution",
        institution_type="fund_manager",
        region="330500",
        roles="officer",
    ),
    DemoOrg(
        "analyst",
        "湖州市经信局 Huzhou Bureau of Economy and IT",
        "analyst",
        analyst_type="government",
        region="330500",
        roles="viewer",
    ),
)


@dataclass
class SignIn:
    role: str
    organisation: str
    username: str
    key: str


def seed_institutions(session: Session) -> tuple[dict[str, str], list[SignIn]]:
    """Create (or find) the platform operator, bank, insurer, lessor, guarantor, fund manager
    and analyst with
    a user each, and issue each a fresh API key (keys are shown once, so a rerun issues new
    ones)."""
    ids: dict[str, str] = {}
    signins = []
    for d in INSTITUTIONS:
        org = identity.find_organisation_by_name(session, d.name) or identity.create_organisation(
            session,
            name=d.name,
            kind=d.kind,
            institution_type=d.institution_type,
            analyst_type=d.analyst_type,
            region_code=d.region,
        )
        username = f"{d.key}-{d.roles}"
        users = {u.username: u for u in identity.list_users_unchecked(session, org.id)}
        user = users.get(username) or identity.create_user(
            session, org_id=org.id, username=username, roles=d.roles, password=DEMO_PASSWORD
        )
        _, raw = identity.create_api_key(session, user_id=user.id, name="demo")
        ids[d.key] = org.id
        signins.append(SignIn(d.key, d.name, username, raw))
    return ids, signins


def enterprise_signin(session: Session, role: str, org_id: str) -> SignIn:
    org = identity.find_organisation(session, org_id)
    assert org is not None
    admin = next(u for u in identity.list_users_unchecked(session, org_id) if u.username == "admin")
    _, raw = identity.create_api_key(session, user_id=admin.id, name="demo")
    return SignIn(role, org.name, "admin", raw)
