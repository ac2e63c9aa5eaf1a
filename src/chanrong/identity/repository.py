"""Every identity query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from chanrong.identity.orm import ApiKey, Organisation, User
from chanrong.storage.statements import AnyRow, connection, table_of

_KEYS, _USERS, _ORGS = table_of(ApiKey), table_of(User), table_of(Organisation)

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


class IdentityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Organisation | User | ApiKey) -> None:
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

    def org_kind(self, org_id: str) -> str | None:
        """An organisation's kind, or None when there is no such organisation."""
        kind = connection(self.session).execute(_ORG_KIND, {"org": org_id}).scalar_one_or_none()
        return None if kind is None else str(kind)

    def keys(self, org_id: str) -> Sequence[ApiKey]:
        return self.session.scalars(
            select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.created_at)
        ).all()
