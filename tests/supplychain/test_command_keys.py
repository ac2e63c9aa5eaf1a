"""The command link keeps the keys it verified while identity's rows are unchanged, on
SQLite and PostgreSQL: a kept key still expires on the clock with nothing written, any
identity write makes every key be verified again, and without a stamp nothing is kept. (The
refusals after a revocation, a deactivation, a role or membership taken away, on a writer
that had the key kept, are in ``test_commands``.)"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from chanrong.core.clock import FixedClock, utcnow
from chanrong.core.errors import Unauthenticated
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.supplychain import commands
from chanrong.supplychain.command_link import CommandServer
from tests.builders import add_member, add_org
from tests.supplychain.builders import START, Chain, build_chain, confirmed_certificate

KEY = secrets.token_bytes(16)
AT = START + timedelta(hours=1)
NOW = utcnow()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def server(db: Database, tmp_path: Path, clock: FixedClock) -> Iterator[CommandServer]:
    """A server whose loop is not started: each test runs its batches with ``execute``."""
    link = CommandServer(db, str(tmp_path / "k.sock"), authkey=KEY, clock=clock)
    try:
        yield link
    finally:
        link.close()


def _chain(db: Database, certificates: int) -> tuple[Chain, list[str]]:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        certs = [confirmed_certificate(s, chain, face_fen=1_000_00).id for _ in range(certificates)]
    return chain, certs


def _split(server: CommandServer, org: str, key: str, cert_id: str) -> Any:
    """One batch of one split by ``key``'s user: its result, or its refusal raised."""
    cmd = commands.parse(
        commands.encode("split", org, api_key=key, cert_id=cert_id, parts_fen=[1_00], at=AT)
    )
    (reply,) = server.execute([cmd])
    return commands.outcome(reply)


def _stamp(db: Database) -> str | None:
    with db.unit_of_work() as s:
        return identity.identity_stamp(s)


def test_a_kept_key_is_refused_once_it_expires_with_nothing_written(
    db: Database, server: CommandServer, clock: FixedClock
) -> None:
    chain, (a, b, c) = _chain(db, 3)
    with db.unit_of_work() as s:
        user = add_member(s, chain.tier1, "officer").user_id
        _, key = identity.create_api_key(s, user_id=user, expires_at=NOW + timedelta(hours=1))
    _split(server, chain.tier1, key, a)
    _split(server, chain.tier1, key, b)
    assert (server.known.misses, server.known.hits) == (1, 1)  # kept from the first batch
    assert server.stale == 0
    stamp = _stamp(db)
    clock.advance(timedelta(hours=1))  # the key's expiry: expired at it, as over HTTP
    with pytest.raises(Unauthenticated) as refused:
        _split(server, chain.tier1, key, c)
    assert refused.value.field == "api_key"
    assert refused.value.detail == "api_key: API key has expired"
    assert server.known.hits == 2 and _stamp(db) == stamp  # refused by the kept key's expiry
    assert server.denied == 1 and server.committer.calls == 2


def test_any_identity_write_has_every_key_verified_again(
    db: Database, server: CommandServer
) -> None:
    chain, (a, b, c, d) = _chain(db, 4)
    with db.unit_of_work() as s:
        key = add_member(s, chain.tier1, "officer").key
    _split(server, chain.tier1, key, a)
    _split(server, chain.tier1, key, b)  # the first batch's commit left identity alone
    assert (server.known.misses, server.known.hits) == (1, 1)
    with db.unit_of_work() as s:  # a write that concerns neither this key nor its user
        add_org(s, "enterprise")
    # Admitted from the kept key, but the batch's transaction finds another stamp: nothing
    # runs, and the batch is authorised again from the rows.
    _split(server, chain.tier1, key, c)
    assert (server.known.misses, server.known.hits, server.stale) == (2, 2, 1)
    _split(server, chain.tier1, key, d)
    assert (server.known.misses, server.known.hits, server.stale) == (2, 3, 1)
    assert server.denied == 0 and server.committer.calls == 4


def test_without_a_stamp_nothing_is_kept(db: Database, server: CommandServer) -> None:
    chain, (a, b) = _chain(db, 2)
    with db.unit_of_work() as s:
        key = add_member(s, chain.tier1, "officer").key
        s.execute(text("DELETE FROM identity_stamp"))
    _split(server, chain.tier1, key, a)
    _split(server, chain.tier1, key, b)
    assert (server.known.misses, server.known.hits) == (2, 0)
    assert server.denied == 0 and server.committer.calls == 2


def test_a_key_refused_once_is_read_again_not_kept(db: Database, server: CommandServer) -> None:
    """Only verified keys are kept: a wrong secret for a real key's prefix is refused each
    time, and the real key, sent next, is verified on its own."""
    chain, (a,) = _chain(db, 1)
    with db.unit_of_work() as s:
        key = add_member(s, chain.tier1, "officer").key
    wrong = key.rsplit("_", 1)[0] + "_" + secrets.token_urlsafe(32)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            _split(server, chain.tier1, wrong, a)
    _split(server, chain.tier1, key, a)
    assert (server.known.misses, server.known.hits) == (3, 0)
    assert server.denied == 2 and server.committer.calls == 1
