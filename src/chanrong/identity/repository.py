"""Every identity query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from chanrong.core.ids import new_id
from chanrong.identity.orm import (
    ApiKey,
    AuthSession,
    IdentityStamp,
    Organisation,
    SignInFailure,
    User,
)
from chanrong.storage.driver import Prepared
from chanrong.storage.statements import AnyRow, connection, table_of

_KEYS, _USERS, _ORGS = table_of(ApiKey), table_of(User), table_of(Organisation)
_SESSIONS, _FAILURES = table_of(AuthSession), table_of(SignInFailure)
_STAMP = table_of(IdentityStamp)

# Every API call authenticates: the key, its user and organisation in one Core statement built
# once (building it and its cache key, and the ORM loading entities, cost more than SQLite took
# to answer it).
_KEY_WITH_OWNER = (
    select(
        _KEYS.c.id.label("key_id"),
        _KEYS.c.key_hash,
        _KEYS.c.revoked_at,
        _KEYS.c.expires_at,
        _USERS.c.id.label("user_id"),
        _USERS.c.roles,
        _USERS.c.active,
        _ORGS.c.id.label("org_id"),
        _ORGS.c.kind,
        _ORGS.c.institution_type,
        _ORGS.c.is_core,
    )
    .join(_USERS, _USERS.c.id == _KEYS.c.user_id)
    .join(_ORGS, _ORGS.c.id == _USERS.c.org_id)
    .where(_KEYS.c.prefix == bindparam("prefix"))
)
_ORG_KIND = select(_ORGS.c.kind).where(_ORGS.c.id == bindparam("org"))
# Read once per command-link batch, first thing in its write transaction: on the DBAPI
# cursor there (``Prepared``), as SQLAlchemy's execution of it cost several times the read.
_STAMP_OF = Prepared(select(_STAMP.c.stamp).where(_STAMP.c.id == 1))

# Every call with an access token: its session (and the API key it was opened with, if any),
# the user and the organisation, in one statement on the session's primary key. Revoking the
# session or the key, or deactivating the user, is seen by the next request.
_SESSION_WITH_OWNER = (
    select(
        _SESSIONS.c.user_id,
        _SESSIONS.c.expires_at,
        _SESSIONS.c.revoked_at,
        _KEYS.c.revoked_at.label("key_revoked_at"),
        _KEYS.c.expires_at.label("key_expires_at"),
        _USERS.c.roles,
        _USERS.c.active,
        _ORGS.c.id.label("org_id"),
        _ORGS.c.kind,
        _ORGS.c.institution_type,
        _ORGS.c.is_core,
    )
    .select_from(_SESSIONS)
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .join(_ORGS, _ORGS.c.id == _USERS.c.org_id)
    .outerjoin(_KEYS, _KEYS.c.id == _SESSIONS.c.api_key_id)
    .where(_SESSIONS.c.id == bindparam("sid"))
)
_END_SESSION = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("sid"), _SESSIONS.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("at"))
)
_TOUCH_SESSION = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == bindparam("sid"))
    .values(last_address=bindparam("address"))
)
_PRUNE_SESSIONS = delete(_SESSIONS).where(
    _SESSIONS.c.user_id == bindparam("user"), _SESSIONS.c.expires_at < bindparam("before")
)
# The newest failures of one subject inside the window, at most as many as asked for.
_RECENT_FAILURES = (
    select(_FAILURES.c.id, _FAILURES.c.at)
    .where(_FAILURES.c.subject == bindparam("subject"), _FAILURES.c.at > bindparam("since"))
    .order_by(_FAILURES.c.at.desc())
    .limit(bindparam("limit", type_=Integer))
)
_ADD_FAILURE = insert(_FAILURES)
_FORGET_FAILURES = delete(_FAILURES).where(_FAILURES.c.subject == bindparam("subject"))
_DROP_FAILURES = delete(_FAILURES).where(_FAILURES.c.id.in_(bindparam("ids", expanding=True)))
_PRUNE_FAILURES = delete(_FAILURES).where(_FAILURES.c.at <= bindparam("before"))


class IdentityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Organisation | User | ApiKey | AuthSession) -> None:
        self.session.add(obj)
        self.session.flush()

    def org(self, org_id: str) -> Organisation | None:
        return self.session.get(Organisation, org_id)

    def org_by_uscc(self, uscc: str) -> Organisation | None:
        return self.session.scalars(
            select(Organisation).where(Organisation.uscc == uscc)
        ).one_or_none()

    def org_by_name(self, name: str) -> Organisation | None:
        return self.session.scalars(select(Organisation).where(Organisation.name == name)).first()

    def orgs(self, *, kind: str | None = None, org_id: str | None = None) -> Sequence[Organisation]:
        stmt = select(Organisation).order_by(Organisation.created_at, Organisation.id)
        if kind:
            stmt = stmt.where(Organisation.kind == kind)
        if org_id:
            stmt = stmt.where(Organisation.id == org_id)
        return self.session.scalars(stmt).all()

    def count_orgs(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(Organisation)) or 0)

    def user(self, user_id: str) -> User | None:
        return self.session.get(User, user_id)

    def user_by_name(self, org_id: str, username: str) -> User | None:
        return self.session.scalars(
            select(User).where(User.org_id == org_id, User.username == username)
        ).one_or_none()

    def users(self, org_id: str) -> Sequence[User]:
        return self.session.scalars(
            select(User).where(User.org_id == org_id).order_by(User.username)
        ).all()

    def key(self, key_id: str) -> ApiKey | None:
        return self.session.get(ApiKey, key_id)

    def key_by_prefix(self, prefix: str) -> ApiKey | None:
        return self.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()

    def key_with_owner(self, prefix: str) -> AnyRow | None:
        """What authenticating a key needs of the key, its user and the user's organisation,
        in one round trip (every API call authenticates: this is the hottest query there is).
        Columns: key_id, key_hash, revoked_at, expires_at, user_id, roles, active, org_id,
        kind, institution_type, is_core."""
        return connection(self.session).execute(_KEY_WITH_OWNER, {"prefix": prefix}).one_or_none()

    def stamp(self) -> str | None:
        """The identity rows' current stamp (``IdentityStamp``), or None when there is no
        stamp row."""
        rows = _STAMP_OF.rows(self.session, {})
        return str(rows[0][0]) if rows else None

    def org_kind(self, org_id: str) -> str | None:
        """An organisation's kind, or None when there is no such organisation."""
        kind = connection(self.session).execute(_ORG_KIND, {"org": org_id}).scalar_one_or_none()
        return None if kind is None else str(kind)

    def keys(self, org_id: str) -> Sequence[ApiKey]:
        return self.session.scalars(
            select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.created_at)
        ).all()

    def session_with_owner(self, session_id: str) -> AnyRow | None:
        """What authenticating an access token needs, in one round trip on the session's
        primary key. Columns: user_id, expires_at, revoked_at, key_revoked_at,
        key_expires_at (None without a key), roles, active, org_id, kind, institution_type,
        is_core."""
        conn = connection(self.session)
        return conn.execute(_SESSION_WITH_OWNER, {"sid": session_id}).one_or_none()

    def end_session(self, session_id: str, at: datetime) -> bool:
        """Mark a session revoked; False when it was already revoked or does not exist."""
        result = connection(self.session).execute(_END_SESSION, {"sid": session_id, "at": at})
        return bool(result.rowcount)

    def touch_session(self, session_id: str, address: str | None) -> None:
        connection(self.session).execute(_TOUCH_SESSION, {"sid": session_id, "address": address})

    def prune_sessions(self, user_id: str, before: datetime) -> None:
        """Forget a user's sessions that ended before ``before``."""
        connection(self.session).execute(_PRUNE_SESSIONS, {"user": user_id, "before": before})

    def recent_failures(
        self, subject: str, since: datetime, limit: int
    ) -> list[tuple[str, datetime]]:
        """(id, at) of the newest failures of ``subject`` after ``since``, newest first, at
        most ``limit``."""
        rows = connection(self.session).execute(
            _RECENT_FAILURES, {"subject": subject, "since": since, "limit": limit}
        )
        return [(row.id, row.at) for row in rows]

    def add_failures(self, subjects: Sequence[str], at: datetime) -> list[str]:
        """One row per subject at ``at``; returns their ids in the same order."""
        rows = [{"id": new_id(), "subject": s, "at": at} for s in subjects]
        connection(self.session).execute(_ADD_FAILURE, rows)
        return [str(r["id"]) for r in rows]

    def drop_failures(self, ids: Sequence[str]) -> None:
        connection(self.session).execute(_DROP_FAILURES, {"ids": list(ids)})

    def forget_failures(self, subject: str) -> None:
        connection(self.session).execute(_FORGET_FAILURES, {"subject": subject})

    def prune_failures(self, before: datetime) -> None:
        """Delete failures that no window can count any more."""
        connection(self.session).execute(_PRUNE_FAILURES, {"before": before})
