"""Identity use cases. Services flush, never commit: the edge owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import TypeVar

from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.codes import validate_industry, validate_region
from chanrong.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from chanrong.core.uscc import validate_uscc
from chanrong.identity import secrets
from chanrong.identity.domain import (
    AnalystType,
    InstitutionType,
    OrgKind,
    Principal,
    Role,
    VerifiedKey,
    check_org_shape,
    parse_roles,
)
from chanrong.identity.orm import ApiKey, Organisation, User
from chanrong.identity.repository import IdentityRepository

E = TypeVar("E", bound=Enum)


def _enum(enum_cls: type[E], value: str | None, field: str) -> E | None:
    if value is None or value == "":
        return None
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(e.value) for e in enum_cls)
        raise ValidationFailed(f"{field}: {value!r} is not one of {allowed}", field=field) from None


def create_organisation(
    session: Session,
    *,
    name: str,
    kind: str,
    uscc: str | None = None,
    is_core: bool = False,
    institution_type: str | None = None,
    analyst_type: str | None = None,
    industry_code: str | None = None,
    region_code: str | None = None,
) -> Organisation:
    """Register an organisation after checking every attribute against its kind and standard."""
    name = name.strip()
    if not name:
        raise ValidationFailed("name: must not be empty", field="name")
    org_kind = _enum(OrgKind, kind, "kind")
    if org_kind is None:
        raise ValidationFailed("kind: is required", field="kind")
    itype = _enum(InstitutionType, institution_type, "institution_type")
    atype = _enum(AnalystType, analyst_type, "analyst_type")
    code = validate_uscc(uscc).code if uscc else None
    problem = check_org_shape(
        org_kind,
        uscc=code,
        institution_type=itype,
        analyst_type=atype,
        is_core=is_core,
    )
    if problem:
        raise ValidationFailed(f"{problem[0]}: {problem[1]}", field=problem[0])
    industry = validate_industry(industry_code).code if industry_code else None
    region = validate_region(region_code).code if region_code else None
    repo = IdentityRepository(session)
    if code and repo.org_by_uscc(code):
        raise Conflict(f"uscc: an organisation with USCC {code} already exists", field="uscc")
    org = Organisation(
        name=name,
        kind=org_kind.value,
        uscc=code,
        is_core=is_core,
        institution_type=itype.value if itype else None,
        analyst_type=atype.value if atype else None,
        industry_code=industry,
        region_code=region,
    )
    repo.add(org)
    return org


def create_user(
    session: Session,
    *,
    org_id: str,
    username: str,
    roles: Sequence[str] | str,
    display_name: str | None = None,
    password: str | None = None,
) -> User:
    """Add a user to an organisation."""
    repo = IdentityRepository(session)
    if repo.org(org_id) is None:
        raise NotFound(f"organisation {org_id} not found", field="org_id")
    username = username.strip()
    if not username or len(username) > 100:
        raise ValidationFailed("username: 1 to 100 characters", field="username")
    try:
        parsed = parse_roles(roles if isinstance(roles, str) else list(roles))
    except ValueError as exc:
        raise ValidationFailed(f"roles: {exc}", field="roles") from None
    if password is not None and len(password) < 8:
        raise ValidationFailed("password: at least 8 characters", field="password")
    if repo.user_by_name(org_id, username):
        raise Conflict(f"username: {username!r} already exists here", field="username")
    user = User(
        org_id=org_id,
        username=username,
        display_name=display_name or username,
        roles=sorted(r.value for r in parsed),
        password_hash=secrets.hash_secret(password) if password else None,
    )
    repo.add(user)
    return user


def create_api_key(
    session: Session, *, user_id: str, name: str = "default", expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Issue an API key for a user. The raw key is returned once and only its hash is stored."""
    repo = IdentityRepository(session)
    user = repo.user(user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", field="user_id")
    raw, prefix = secrets.new_api_key()
    key = ApiKey(
        user_id=user.id,
        org_id=user.org_id,
        name=name,
        prefix=prefix,
        key_hash=secrets.hash_secret(raw),
        expires_at=ensure_aware(expires_at) if expires_at else None,
    )
    repo.add(key)
    return key, raw


def principal_of(user: User, org: Organisation) -> Principal:
    return principal_from_columns(
        user.id, user.roles, org.id, org.kind, org.institution_type, org.is_core
    )


def principal_from_columns(
    user_id: str,
    roles: Sequence[str],
    org_id: str,
    kind: str,
    institution_type: str | None,
    is_core: bool | None,
) -> Principal:
    """A principal from the columns an authentication statement read (user, organisation)."""
    return Principal(
        user_id=user_id,
        org_id=org_id,
        org_kind=OrgKind(kind),
        roles=frozenset(Role(r) for r in roles),
        institution_type=InstitutionType(institution_type) if institution_type else None,
        is_core=bool(is_core),
    )


def live_principal(session: Session, user_id: str) -> Principal:
    """The principal of an active user, else ``Unauthenticated``."""
    repo = IdentityRepository(session)
    user = repo.user(user_id)
    if user is None or not user.active:
        raise Unauthenticated("the user behind this credential is not active")
    org = repo.org(user.org_id)
    assert org is not None
    return principal_of(user, org)


def authenticate_api_key(session: Session, raw: str, *, now: datetime | None = None) -> Principal:
    """The principal for a raw API key, or ``Unauthenticated`` saying why not."""
    return verify_api_key(session, raw, now=now)[0]


def verify_api_key(
    session: Session, raw: str, *, now: datetime | None = None
) -> tuple[Principal, str]:
    """The principal for a raw API key and the key's id, or ``Unauthenticated``."""
    key = verified_key(session, raw, now=now)
    return key.principal, key.key_id


def verified_key(session: Session, raw: str, *, now: datetime | None = None) -> VerifiedKey:
    """``verify_api_key``'s verification (the same reads and refusals), answered with what
    a caller needs to trust it again without the rows: the key's principal, id and expiry.
    It stays true while ``identity_stamp`` is unchanged, the expiry apart
    (``unexpired``)."""
    prefix = secrets.split_api_key(raw)
    if prefix is None:
        raise Unauthenticated("credential is neither an API key nor a valid access token")
    key = IdentityRepository(session).key_with_owner(prefix)
    if key is None:
        raise Unauthenticated("unknown API key")
    now = now or utcnow()
    if key.revoked_at is not None:
        raise Unauthenticated("API key has been revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthenticated("API key has expired")
    if not secrets.key_cache.hit(key.key_id, raw):
        if not secrets.verify_secret(key.key_hash, raw):
            raise Unauthenticated("unknown API key")
        secrets.key_cache.add(key.key_id, raw)
    if not key.active:
        raise Unauthenticated("the user behind this credential is not active")
    principal = principal_from_columns(
        key.user_id, key.roles, key.org_id, key.kind, key.institution_type, key.is_core
    )
    return VerifiedKey(principal, str(key.key_id), key.expires_at)


def unexpired(key: VerifiedKey, *, now: datetime) -> Principal:
    """The principal of a key verified earlier (``verified_key``, its rows unchanged since),
    or ``Unauthenticated`` as ``verify_api_key`` says it once the key has expired."""
    if key.expired(now):
        raise Unauthenticated("API key has expired")
    return key.principal


def identity_stamp(session: Session) -> str | None:
    """A value that changes, in the same transaction, with every insert, update or delete
    of an organisation, a user or an API key (``IdentityStamp``; database triggers, so no
    write escapes it). Read the same twice, none of those rows changed in between. One read
    of one row by its key. None when there is no stamp (nothing written since the migration,
    or the row removed): then it vouches for nothing, and nothing may be kept on its word."""
    return IdentityRepository(session).stamp()


def can_see_org(principal: Principal, org_id: str) -> bool:
    """An organisation sees itself; the platform operator sees every organisation's record."""
    return principal.is_operator or principal.org_id == org_id


def get_organisation(session: Session, principal: Principal, org_id: str) -> Organisation:
    """An organisation the caller may see; others look exactly like missing ones (404)."""
    org = IdentityRepository(session).org(org_id)
    if org is None or not can_see_org(principal, org_id):
        raise NotFound(f"organisation {org_id} not found")
    return org


def list_organisations(
    session: Session, principal: Principal, *, kind: str | None = None
) -> Sequence[Organisation]:
    repo = IdentityRepository(session)
    if principal.is_operator:
        return repo.orgs(kind=kind)
    return repo.orgs(kind=kind, org_id=principal.org_id)


def require_institution_officer(
    principal: Principal, institution_type: InstitutionType, refusal: str
) -> None:
    """Admit an officer (or admin) of a financial institution of ``institution_type``; anyone
    else is refused with ``refusal`` (what the action is for), or told it needs the role."""
    if (
        principal.org_kind is not OrgKind.FINANCIAL_INSTITUTION
        or principal.institution_type is not institution_type
    ):
        raise Forbidden(refusal)
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def require_org_admin(principal: Principal, org_id: str) -> None:
    """Only the organisation's own admins (or the operator's admins) manage its people."""
    if not can_see_org(principal, org_id):
        raise NotFound(f"organisation {org_id} not found")
    if not principal.has_role(Role.ADMIN):
        raise Forbidden("only an admin can manage users and keys")


def list_users(session: Session, principal: Principal, org_id: str) -> Sequence[User]:
    get_organisation(session, principal, org_id)
    return IdentityRepository(session).users(org_id)


def get_user(session: Session, principal: Principal, user_id: str) -> User:
    user = IdentityRepository(session).user(user_id)
    if user is None or not can_see_org(principal, user.org_id):
        raise NotFound(f"user {user_id} not found")
    return user


def issue_key_for(
    session: Session, principal: Principal, user_id: str, *, name: str
) -> tuple[ApiKey, str]:
    """An admin issues keys for users of their organisation; anyone may issue one for themself."""
    user = get_user(session, principal, user_id)
    if user.id != principal.user_id:
        require_org_admin(principal, user.org_id)
    return create_api_key(session, user_id=user.id, name=name)


def list_keys(session: Session, principal: Principal, org_id: str) -> Sequence[ApiKey]:
    require_org_admin(principal, org_id)
    return IdentityRepository(session).keys(org_id)


def revoke_key(session: Session, principal: Principal, key_id: str) -> ApiKey:
    key = IdentityRepository(session).key(key_id)
    if key is None or not can_see_org(principal, key.org_id):
        raise NotFound(f"API key {key_id} not found")
    if key.user_id != principal.user_id:
        require_org_admin(principal, key.org_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def organisation_names(session: Session, org_ids: Sequence[str]) -> dict[str, str]:
    """Names for display (other domains show who did what without reading identity tables)."""
    repo = IdentityRepository(session)
    out = {}
    for oid in set(org_ids):
        org = repo.org(oid)
        if org is not None:
            out[oid] = org.name
    return out


def find_organisation(session: Session, org_id: str) -> Organisation | None:
    """Unchecked look-up for other domains' services (they apply their own access rules)."""
    return IdentityRepository(session).org(org_id)


def organisation_kind(session: Session, org_id: str) -> OrgKind | None:
    """What kind of organisation ``org_id`` is, or None when there is none (unchecked, like
    ``find_organisation``, for a caller that needs nothing else of it)."""
    kind = IdentityRepository(session).org_kind(org_id)
    return None if kind is None else OrgKind(kind)


def find_enterprise_by_uscc(session: Session, uscc: str) -> Organisation | None:
    return IdentityRepository(session).org_by_uscc(uscc)


def list_users_unchecked(session: Session, org_id: str) -> Sequence[User]:
    """Users of an organisation, for trusted callers (the CLI, the demo seeder)."""
    return IdentityRepository(session).users(org_id)


def find_organisation_by_name(session: Session, name: str) -> Organisation | None:
    return IdentityRepository(session).org_by_name(name)


def all_organisations(session: Session) -> Sequence[Organisation]:
    """Every organisation, for trusted callers (the CLI)."""
    return IdentityRepository(session).orgs()


def system_principal(session: Session, org_id: str, *, user_id: str = "system") -> Principal:
    """An officer acting for ``org_id`` with no user behind it: for trusted callers only
    (the demo, CLI pipelines, benchmarks), never for a request."""
    org = IdentityRepository(session).org(org_id)
    if org is None:
        raise NotFound(f"organisation {org_id} not found", field="org_id")
    return Principal(
        user_id=user_id,
        org_id=org.id,
        org_kind=OrgKind(org.kind),
        roles=frozenset({Role.OFFICER}),
        institution_type=InstitutionType(org.institution_type) if org.institution_type else None,
        is_core=org.is_core,
    )
