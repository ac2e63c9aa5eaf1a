"""Governance test builders: principals for park members, grants, log corruption helpers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.governance import service as governance
from chanrong.governance.orm import ConsentGrant
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from tests.builders import Member

if TYPE_CHECKING:
    from chanrong.core.settings import Settings
    from chanrong.storage.database import Database


def principal(session: Session, member: Member) -> Principal:
    """The principal a park member acts as."""
    org = identity.find_organisation(session, member.org_id)
    assert org is not None
    user = next(u for u in identity.list_users_unchecked(session, org.id) if u.id == member.user_id)
    return identity.principal_of(user, org)


def grant(
    session: Session,
    owner: Member,
    grantee_org_id: str,
    *,
    categories: tuple[str, ...] = ("production",),
    max_grade: int = 2,
    purpose: str = "credit_assessment",
    days: int = 30,
    now: datetime | None = None,
) -> ConsentGrant:
    """A grant from the owner's enterprise, valid ``days`` from ``now``."""
    return governance.grant_consent(
        session,
        principal(session, owner),
        grantee_org_id=grantee_org_id,
        categories=list(categories),
        max_grade=max_grade,
        purpose=purpose,
        valid_from=now,
        valid_until=(now or utcnow()) + timedelta(days=days),
        now=now,
    )


def fill_log(session: Session, n: int, *, actor: str | None = None) -> None:
    """Append ``n`` plain entries."""
    governance.append_many(
        session, [("test.event", actor, f"test:{i}", {"i": i}) for i in range(n)]
    )


def sign_head_now(db: Database, settings: Settings) -> None:
    """Run the worker's head-signing job now, as ``chanrong jobs run governance.sign_head``."""
    from chanrong.governance.tasks import SIGN_HEAD
    from chanrong.jobs import catalog, runner

    jobs = catalog.load(settings)
    [outcome] = runner.run_manually(db, settings, jobs, SIGN_HEAD, subject="-")
    assert outcome.status == "succeeded", outcome
