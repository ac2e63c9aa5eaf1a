"""Identity's stamp, on SQLite and PostgreSQL: every insert, update or delete of an
organisation, a user or an API key replaces it in the same transaction, whatever makes the
write (the service, the ORM, plain SQL); other writes and a rolled-back write leave it; and
the migration stamps an installation that already has organisations."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.identity import service as identity
from chanrong.identity import sessions
from chanrong.identity.orm import User
from chanrong.storage import migrate
from chanrong.storage.database import Database
from tests.builders import Member, add_member, add_org


def _stamp(db: Database) -> str | None:
    with db.unit_of_work() as s:
        return identity.identity_stamp(s)


def test_a_new_database_has_no_stamp_until_its_first_identity_write(db: Database) -> None:
    assert _stamp(db) is None
    with db.unit_of_work() as s:
        add_org(s, "enterprise")
    stamp = _stamp(db)
    assert stamp is not None and len(stamp) == 32


def _writes(
    org: str, other_org: str, member: Member, spare_org: str, spare_user: str
) -> dict[str, Callable[[Session], object]]:
    """A write of each identity table for each of insert, update and delete, by every way in
    (the service, the ORM, plain SQL); each its own transaction."""
    names = {
        "org": org,
        "other": other_org,
        "user": member.user_id,
        "spare_org": spare_org,
        "spare_user": spare_user,
        "later": utcnow() + timedelta(days=1),
    }

    def sql(statement: str) -> Callable[[Session], object]:
        return lambda s: s.execute(text(statement), names)

    def deactivate(s: Session) -> None:
        user = s.get(User, member.user_id)
        assert user is not None
        user.active = False

    return {
        "organisation inserted (service)": lambda s: add_org(s, "financial_institution"),
        "organisation updated (SQL)": sql(
            "UPDATE organisations SET is_core = true WHERE id = :org"
        ),
        "organisation deleted (SQL)": sql("DELETE FROM organisations WHERE id = :spare_org"),
        "user inserted (service)": lambda s: add_member(s, org, "viewer"),
        "key inserted (service)": lambda s: identity.create_api_key(s, user_id=member.user_id),
        "key revoked (service)": lambda s: identity.revoke_key(
            s, *identity.verify_api_key(s, member.key)
        ),
        "key's expiry set (SQL)": sql(
            "UPDATE api_keys SET expires_at = :later WHERE user_id = :user"
        ),
        "key deleted (SQL)": sql("DELETE FROM api_keys WHERE user_id = :user"),
        "user's roles changed (SQL)": sql(
            "UPDATE users SET roles = '[\"viewer\"]' WHERE id = :user"
        ),
        "user moved to another organisation (SQL)": sql(
            "UPDATE users SET org_id = :other WHERE id = :user"
        ),
        "user deactivated (ORM)": deactivate,
        "user deleted (SQL)": sql("DELETE FROM users WHERE id = :spare_user"),
    }


def test_every_write_of_organisations_users_and_keys_replaces_the_stamp(db: Database) -> None:
    with db.unit_of_work() as s:
        org, other, spare = (add_org(s, "enterprise") for _ in range(3))
        member = add_member(s, org, "officer")
        spare_user = identity.create_user(s, org_id=org, username="spare", roles="viewer").id
    seen = {_stamp(db)}
    for name, write in _writes(org, other, member, spare, spare_user).items():
        with db.unit_of_work() as s:
            write(s)
        stamp = _stamp(db)
        assert stamp not in seen, f"{name}: the stamp did not change"
        seen.add(stamp)


def test_other_writes_and_a_rolled_back_write_leave_the_stamp(db: Database) -> None:
    with db.unit_of_work() as s:
        org = add_org(s, "enterprise")
        member = add_member(s, org, "officer")
    before = _stamp(db)
    assert before is not None
    with db.unit_of_work() as s:  # a signed-in session, and a failed sign-in
        principal, key_id = identity.verify_api_key(s, member.key)
        sessions.start_session(
            s, principal, expires_at=utcnow() + timedelta(hours=1), api_key_id=key_id
        )
        s.execute(
            text("INSERT INTO sign_in_failures (id, subject, at) VALUES ('f1', 'user:x', :at)"),
            {"at": utcnow()},
        )
    assert _stamp(db) == before
    session = db.sessions()
    try:
        add_org(session, "enterprise")
        assert identity.identity_stamp(session) != before  # seen inside its own transaction
    finally:
        session.rollback()
        session.close()
    assert _stamp(db) == before


def test_the_migration_stamps_an_installation_that_already_has_organisations(
    db_url: str,
) -> None:
    database = Database(db_url)
    try:
        with database.unit_of_work() as s:
            add_org(s, "enterprise")
        migrate.downgrade(db_url, "identity_0002")
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM organisations")).scalar_one() == 1
        migrate.upgrade(db_url)
        assert _stamp(database) is not None
    finally:
        database.dispose()
