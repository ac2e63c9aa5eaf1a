"""Certificate commands from other processes: the same state as the use cases, refusals naming
the field, the same users admitted as by the HTTP routes (and refused: another organisation's
user, a missing role, an unknown key, a revoked key or membership), and a client killed
mid-run leaves nothing half-written."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import (
    ChanrongError,
    Conflict,
    Forbidden,
    Unauthenticated,
    ValidationFailed,
)
from chanrong.governance.orm import LogEntryRow
from chanrong.identity import service as identity
from chanrong.identity.orm import ApiKey, User
from chanrong.storage.database import Database
from chanrong.supplychain import api, commands, permits, service
from chanrong.supplychain.command_link import CommandClient, CommandServer
from chanrong.supplychain.orm import Certificate, Financing
from tests.builders import add_member, add_org
from tests.supplychain.builders import START, Chain, acting, build_chain, confirmed_certificate

KEY = secrets.token_bytes(16)
AT = START + timedelta(hours=1)


@pytest.fixture
def server(db: Database, tmp_path: Path) -> Iterator[CommandServer]:
    with CommandServer(db, str(tmp_path / "w.sock"), authkey=KEY, max_batch=8) as running:
        yield running


def _tree(s: Session, payable_id: str) -> list[tuple[Any, ...]]:
    """A tree's shape without its identifiers: (face, holder, state, parent's face) in order."""
    rows = s.scalars(select(Certificate).where(Certificate.payable_id == payable_id)).all()
    by_id = {c.id: c for c in rows}
    return sorted(
        (
            c.face_fen,
            c.holder_org_id,
            c.state,
            by_id[c.parent_id].face_fen if c.parent_id else None,
        )
        for c in rows
    )


def _financings(s: Session, cert_ids: set[str]) -> list[tuple[Any, ...]]:
    rows = s.scalars(select(Financing).where(Financing.certificate_id.in_(cert_ids))).all()
    return sorted((f.state, f.recourse, f.days, f.discount_fen, f.proceeds_fen) for f in rows)


def _log_size(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(LogEntryRow)) or 0)


@dataclass(frozen=True)
class Staff:
    """API keys of the chain's users: ``officer[org]`` for every organisation of the chain
    and ``officer["operator"]`` for a platform operator; the tier-1 supplier's viewer and
    admin."""

    officer: dict[str, str]
    viewer: str
    admin: str


def _setup(db: Database) -> tuple[Chain, str, str, Staff]:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        a = confirmed_certificate(s, chain, face_fen=1_000_00)
        b = confirmed_certificate(s, chain, face_fen=1_000_00)
        service.set_exposure_limit(
            s, acting(s, chain.bank), core_org_id=chain.core, limit_fen=10_000_00, now=START
        )
        officer = {org: add_member(s, org, "officer").key for org in vars(chain).values()}
        officer["operator"] = add_member(s, add_org(s, "platform_operator"), "officer").key
        staff = Staff(
            officer=officer,
            viewer=add_member(s, chain.tier1, "viewer").key,
            admin=add_member(s, chain.tier1, "admin").key,
        )
    return chain, a.id, b.id, staff


def _holder(db: Database, cert_id: str) -> tuple[str, str]:
    with db.unit_of_work() as s:
        cert = s.get(Certificate, cert_id)
        assert cert is not None
        return cert.holder_org_id, cert.state


def test_the_command_path_commits_what_the_use_cases_commit(
    db: Database, server: CommandServer
) -> None:
    chain, a, b, staff = _setup(db)
    tier1, bank = staff.officer[chain.tier1], staff.officer[chain.bank]
    with db.unit_of_work() as s:
        log_before = _log_size(s)
    # Through commands, on tree A, each as an officer of the organisation acting.
    with CommandClient(server.address, KEY) as link:
        parts = link.call("split", chain.tier1, api_key=tier1, cert_id=a, parts_fen=[300_00], at=AT)
        assert [p["face_fen"] for p in parts] == [300_00, 700_00]
        moved = link.call(
            "transfer",
            chain.tier1,
            api_key=tier1,
            cert_id=parts[0]["id"],
            to_org_id=chain.tier2a,
            at=AT,
        )
        assert moved["holder_org_id"] == chain.tier2a and moved["face_fen"] == 300_00
        fin = link.call(
            "finance_request",
            chain.tier1,
            api_key=tier1,
            cert_id=parts[1]["id"],
            bank_org_id=chain.bank,
            at=AT,
        )
        link.call(
            "finance_quote",
            chain.bank,
            api_key=bank,
            financing_id=fin["id"],
            annual_rate_percent=Decimal("3.85"),
            day_count="ACT/360",
            recourse=True,
            at=AT,
        )
        accepted = link.call(
            "finance_accept", chain.tier1, api_key=tier1, financing_id=fin["id"], at=AT
        )
        assert accepted["state"] == "accepted" and accepted["proceeds_fen"] > 0
    with db.unit_of_work() as s:
        log_mid = _log_size(s)
    # The same, in-process, on tree B.
    with db.unit_of_work() as s:
        kids = service.split_certificate(s, acting(s, chain.tier1), b, [300_00], now=AT)
        service.transfer_certificate(
            s, acting(s, chain.tier1), kids[0].id, to_org_id=chain.tier2a, now=AT
        )
        f = service.request_financing(
            s, acting(s, chain.tier1), kids[1].id, bank_org_id=chain.bank, now=AT
        )
        service.quote_financing(
            s,
            acting(s, chain.bank),
            f.id,
            annual_rate_percent=Decimal("3.85"),
            day_count=service.DayCount.ACT_360,
            recourse=True,
            now=AT,
        )
        service.accept_financing(s, acting(s, chain.tier1), f.id, now=AT)
    with db.unit_of_work() as s:
        pa = s.get(Certificate, a)
        pb = s.get(Certificate, b)
        assert pa is not None and pb is not None
        tree_a, tree_b = _tree(s, pa.payable_id), _tree(s, pb.payable_id)
        assert tree_a == tree_b and len(tree_a) == 5  # root, two parts, the transfer, the bank's
        ids_a = set(
            s.scalars(select(Certificate.id).where(Certificate.payable_id == pa.payable_id))
        )
        ids_b = set(
            s.scalars(select(Certificate.id).where(Certificate.payable_id == pb.payable_id))
        )
        assert _financings(s, ids_a) == _financings(s, ids_b) != []
        # Each path appended the same number of log entries.
        assert log_mid - log_before == _log_size(s) - log_mid > 0
        assert service.tree_violations(s, pa.payable_id) == []
        assert service.journal_violations(s) == []
    assert server.committer.calls == 5
    assert server.denied == 0


def test_a_lost_race_is_refused_with_the_use_cases_error(
    db: Database, server: CommandServer
) -> None:
    chain, a, _, staff = _setup(db)
    key = staff.officer[chain.tier1]
    with CommandClient(server.address, KEY) as link:
        link.call("transfer", chain.tier1, api_key=key, cert_id=a, to_org_id=chain.tier2a, at=AT)
        with pytest.raises(Conflict):
            link.call("split", chain.tier1, api_key=key, cert_id=a, parts_fen=[1_00], at=AT)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "command"),
        (b"[1, 2]", "command"),
        (b'{"op": "burn"}', "op"),
        (b'{"op": "split", "as": "x", "cert_id": "c", "parts_fen": [1], "colour": 1}', "colour"),
        (b'{"op": "split", "as": "x", "cert_id": "c"}', "parts_fen"),
        (b'{"op": "split", "cert_id": "c", "parts_fen": [5]}', "as"),
        (b'{"op": "split", "as": "x", "cert_id": "c", "parts_fen": [5, 2.5]}', "parts_fen[1]"),
        (b'{"op": "split", "as": "x", "cert_id": "c", "parts_fen": [true]}', "parts_fen[0]"),
        (b'{"op": "split", "as": "x", "cert_id": "", "parts_fen": [5]}', "cert_id"),
        (
            b'{"op": "finance_quote", "as": "b", "financing_id": "f",'
            b' "annual_rate_percent": 3.85, "day_count": "ACT/360"}',
            "annual_rate_percent",
        ),
        (
            b'{"op": "finance_quote", "as": "b", "financing_id": "f",'
            b' "annual_rate_percent": "3.85", "day_count": "30/360"}',
            "day_count",
        ),
        (
            b'{"op": "transfer", "as": "x", "cert_id": "c", "to_org_id": "t", "at": "2026-03-02"}',
            "at",
        ),
        (b'{"op": "mark_overdue", "as": "x", "cert_id": "c", "day": "2026-05-01"}', "as"),
        (b'{"op": "mark_overdue", "cert_id": "c", "day": "May 1st"}', "day"),
        (b'{"op": "split", "as": "x", "cert_id": "c", "parts_fen": [5]}', "api_key"),
        (b'{"op": "split", "as": "x", "cert_id": "c", "parts_fen": [5], "api_key": 7}', "api_key"),
        (b'{"op": "settle", "as": "x", "payable_id": "p", "api_key": ""}', "api_key"),
    ],
)
def test_a_malformed_command_is_refused_naming_the_field(
    db: Database, server: CommandServer, body: bytes, field: str
) -> None:
    with db.unit_of_work() as s:
        before = _log_size(s)
    with CommandClient(server.address, KEY) as link:
        with pytest.raises(ValidationFailed) as refused:
            link.send(body)
        assert refused.value.field == field
        # The connection is still served after a refusal.
        with pytest.raises(ValidationFailed):
            link.send(b'{"op": "burn"}')
    with pytest.raises(ValidationFailed) as parsed:
        commands.parse(body)
    assert parsed.value.field == field
    assert server.committer.calls == 0  # never reached the database
    with db.unit_of_work() as s:
        assert _log_size(s) == before


def _unchanged(db: Database, server: CommandServer, cert_id: str, log_before: int) -> None:
    """Nothing of a refused command reached the database."""
    assert server.committer.calls == 0
    assert _holder(db, cert_id)[1] == "live"
    with db.unit_of_work() as s:
        assert _log_size(s) == log_before


@pytest.mark.parametrize("acting_for", ["tier1", "no-such-org"])
def test_a_user_of_another_organisation_is_refused_naming_as(
    db: Database, server: CommandServer, acting_for: str
) -> None:
    chain, a, _, staff = _setup(db)
    org = getattr(chain, acting_for, acting_for)
    with db.unit_of_work() as s:
        before = _log_size(s)
    # The tier-2 supplier's officer, in the name of the holder (or of nobody).
    with CommandClient(server.address, KEY) as link, pytest.raises(Forbidden) as refused:
        link.call(
            "split", org, api_key=staff.officer[chain.tier2a], cert_id=a, parts_fen=[1_00], at=AT
        )
    assert refused.value.field == "as"
    assert f"not a member of organisation {org}" in refused.value.detail
    assert server.denied == 1
    _unchanged(db, server, a, before)


# (who acts, for whom, the op and its arguments, the words of the refusal, the HTTP route of
# the same write or None); ``{a}`` is the holder's certificate.
DENIALS = {
    "viewer": (
        "viewer",
        "tier1",
        "split",
        {"cert_id": "{a}", "parts_fen": [1_00]},
        "this action needs the officer role",
        ("/supplychain/certificates/{a}/split", {"parts": ["1.00"]}),
    ),
    "enterprise quotes": (
        "officer",
        "tier1",
        "finance_quote",
        {"financing_id": "f", "annual_rate_percent": "3.85", "day_count": "ACT/360"},
        "this action is for financial_institution organisations",
        ("/supplychain/financing-requests/f/quote", {"annual_rate_percent": "3.85"}),
    ),
    "supplier settles": (
        "officer",
        "tier1",
        "settle",
        {"payable_id": "p"},
        "this action is for core enterprises",
        ("/supplychain/payables/p/settle", None),
    ),
    "bank marks overdue": (
        "officer",
        "bank",
        "mark_overdue",
        {"cert_id": "{a}", "day": "2026-06-01"},
        "this action is for platform_operator organisations",
        None,
    ),
}


@pytest.mark.parametrize("case", list(DENIALS))
def test_a_user_without_what_the_route_asks_is_refused_naming_api_key(
    db: Database, server: CommandServer, app_client: TestClient, case: str
) -> None:
    role, org_name, op, raw_args, words, route = DENIALS[case]
    chain, a, _, staff = _setup(db)
    org = getattr(chain, org_name)
    key = staff.viewer if role == "viewer" else staff.officer[org]
    args = {k: v.format(a=a) if isinstance(v, str) else v for k, v in raw_args.items()}
    with db.unit_of_work() as s:
        before = _log_size(s)
    as_org = None if op in ("mark_overdue",) else org
    with CommandClient(server.address, KEY) as link, pytest.raises(Forbidden) as refused:
        link.call(op, as_org, api_key=key, at=AT, **args)
    assert refused.value.field == "api_key"
    assert refused.value.detail == f"api_key: {words}"
    _unchanged(db, server, a, before)
    if route is not None:  # the route of the same write refuses the same user the same way
        path, body = route
        answer = app_client.post(
            path.format(a=a), json=body, headers={"Authorization": f"Bearer {key}"}
        )
        assert answer.status_code == 403
        assert answer.json()["detail"] == words


def test_an_admin_may_do_what_an_officer_may(db: Database, server: CommandServer) -> None:
    chain, a, _, staff = _setup(db)
    with CommandClient(server.address, KEY) as link:
        link.call("split", chain.tier1, api_key=staff.admin, cert_id=a, parts_fen=[1_00], at=AT)
    assert _holder(db, a) == (chain.tier1, "split")


@pytest.mark.parametrize("kind", ["unknown", "not a key", "wrong secret"])
def test_an_unknown_key_is_refused_naming_api_key(
    db: Database, server: CommandServer, kind: str
) -> None:
    chain, a, _, staff = _setup(db)
    real = staff.officer[chain.tier1]
    key = {
        "unknown": "crk_0123456789ab_" + secrets.token_urlsafe(32),
        "not a key": "officer of tier 1",
        "wrong secret": real.rsplit("_", 1)[0] + "_" + secrets.token_urlsafe(32),
    }[kind]
    with db.unit_of_work() as s:
        before = _log_size(s)
    with CommandClient(server.address, KEY) as link, pytest.raises(Unauthenticated) as refused:
        link.call("split", chain.tier1, api_key=key, cert_id=a, parts_fen=[1_00], at=AT)
    assert refused.value.field == "api_key"
    _unchanged(db, server, a, before)


def _revoke_key(s: Session, key: str) -> None:
    principal, key_id = identity.verify_api_key(s, key)
    identity.revoke_key(s, principal, key_id)


def _revoke_key_by_sql(s: Session, key: str) -> None:
    """Around the service: one UPDATE statement of the key's row."""
    key_id = identity.verify_api_key(s, key)[1]
    s.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()))


def _expire_key(s: Session, key: str) -> None:
    key_id = identity.verify_api_key(s, key)[1]
    s.execute(update(ApiKey).where(ApiKey.id == key_id).values(expires_at=utcnow()))


def _deactivate(s: Session, key: str) -> None:
    user = s.get(User, identity.verify_api_key(s, key)[0].user_id)
    assert user is not None
    user.active = False


def _demote(s: Session, key: str) -> None:
    user = s.get(User, identity.verify_api_key(s, key)[0].user_id)
    assert user is not None
    user.roles = ["viewer"]


def _move(s: Session, key: str) -> None:
    """The user's membership taken away: they now belong to another organisation."""
    user = s.get(User, identity.verify_api_key(s, key)[0].user_id)
    assert user is not None
    user.org_id = add_org(s, "enterprise")


@pytest.mark.parametrize(
    ("revoke", "error", "field"),
    [
        (_revoke_key, Unauthenticated, "api_key"),
        (_revoke_key_by_sql, Unauthenticated, "api_key"),
        (_expire_key, Unauthenticated, "api_key"),
        (_deactivate, Unauthenticated, "api_key"),
        (_demote, Forbidden, "api_key"),
        (_move, Forbidden, "as"),
    ],
)
def test_a_revocation_refuses_the_next_command(
    db: Database,
    server: CommandServer,
    revoke: Any,
    error: type[ChanrongError],
    field: str,
) -> None:
    """A key revoked or expired, a user deactivated, a role or a membership taken away
    refuses the next command on the same connection, also when the writer had the key
    verified from the batches before (kept until identity's rows change)."""
    chain, a, b, staff = _setup(db)
    key = staff.officer[chain.tier1]
    with CommandClient(server.address, KEY) as link:
        link.call("split", chain.tier1, api_key=key, cert_id=a, parts_fen=[1_00], at=AT)
        parts = link.call("split", chain.tier1, api_key=key, cert_id=b, parts_fen=[1_00], at=AT)
        assert server.known.hits == 1  # the second batch took the key the first verified
        with db.unit_of_work() as s:
            revoke(s, key)
        rest = parts[1]["id"]
        with pytest.raises(error) as refused:
            link.call("split", chain.tier1, api_key=key, cert_id=rest, parts_fen=[2_00], at=AT)
        assert refused.value.field == field
        # Admitted from the kept key at first: the batch's own transaction found identity
        # changed, ran nothing, and the batch was authorised again from the rows.
        assert server.stale == 1
        # Another user of the same organisation is not affected.
        other = staff.admin
        link.call("split", chain.tier1, api_key=other, cert_id=rest, parts_fen=[2_00], at=AT)
    assert server.committer.calls == 3 and server.denied == 1


def test_a_refusal_leaves_the_rest_of_its_batch_alone(db: Database, tmp_path: Path) -> None:
    """One batch of three: the middle one's user is refused, the others commit together."""
    chain, a, b, staff = _setup(db)
    tier1 = staff.officer[chain.tier1]
    batch = [
        commands.parse(commands.encode(op, org, api_key=key, at=AT, **args))
        for op, org, key, args in (
            ("split", chain.tier1, tier1, {"cert_id": a, "parts_fen": [1_00]}),
            ("split", chain.tier1, staff.viewer, {"cert_id": b, "parts_fen": [1_00]}),
            ("transfer", chain.tier1, tier1, {"cert_id": b, "to_org_id": chain.tier2a}),
        )
    ]
    # Not started: ``execute`` is the loop's own step, called here in its place.
    server = CommandServer(db, str(tmp_path / "b.sock"), authkey=KEY)
    try:
        replies = server.execute(batch)
    finally:
        server.close()
    assert len(commands.outcome(replies[0])) == 2
    with pytest.raises(Forbidden) as refused:
        commands.outcome(replies[1])
    assert refused.value.field == "api_key"
    assert commands.outcome(replies[2])["holder_org_id"] == chain.tier2a
    assert (server.committer.batches, server.committer.calls, server.denied) == (1, 2, 1)
    assert _holder(db, a) == (chain.tier1, "split")
    assert _holder(db, b) == (chain.tier1, "transferred")


def test_every_command_has_the_permit_of_its_route() -> None:
    """One table: every op the link runs has a permit, and each certificate write's route
    takes its gate from the same table (none builds its own)."""
    assert set(commands.OPS) <= set(permits.WRITES)
    gated: set[str] = set()
    for route in api.router.routes:
        assert isinstance(route, APIRoute)
        for dep in route.dependant.dependencies:
            gated |= {op for op, gate in api.gate.items() if dep.call is gate}
    # Every write with a route uses its gate; mark_overdue is the worker's, with no route.
    assert gated == set(permits.WRITES) - {"mark_overdue"}


def test_a_client_without_the_key_is_not_heard(server: CommandServer) -> None:
    from multiprocessing import AuthenticationError

    with pytest.raises(AuthenticationError):
        CommandClient(server.address, b"wrong key")


_CLIENT = textwrap.dedent(
    """
    import os
    import sys
    from datetime import UTC, datetime
    from chanrong.storage.database import Database
    from chanrong.supplychain import service
    from chanrong.supplychain.command_link import CommandClient

    url, address, key, holder, payable = sys.argv[1:]
    officer = os.environ["SCF_TEST_API_KEY"]  # not in the arguments, which anyone may list
    at = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    db = Database(url)
    link = CommandClient(address, bytes.fromhex(key))
    while True:  # split the biggest live certificate until killed
        with db.unit_of_work() as s:
            live = [c for c in service.live_certificates(s, [payable]) if c[1] == holder]
        cert_id, _, face = max(live, key=lambda c: c[2])
        link.call("split", holder, api_key=officer, cert_id=cert_id, parts_fen=[1], at=at)
        print("split", flush=True)
    """
)


def test_a_client_killed_mid_run_leaves_nothing_half_written(
    db: Database, server: CommandServer
) -> None:
    chain, a, _, staff = _setup(db)
    with db.unit_of_work() as s:
        cert = s.get(Certificate, a)
        assert cert is not None
        payable_id = cert.payable_id
    child = subprocess.Popen(
        [sys.executable, "-c", _CLIENT, db.url, server.address, KEY.hex(), chain.tier1, payable_id],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "SCF_TEST_API_KEY": staff.officer[chain.tier1]},
    )
    assert child.stdout is not None
    for _ in range(5):  # some splits committed, and more on their way
        assert child.stdout.readline() == "split\n"
    child.send_signal(signal.SIGKILL)
    child.wait()
    # The server goes on serving; what was committed is whole.
    with CommandClient(server.address, KEY) as link:
        with db.unit_of_work() as s:
            live = [c for c in service.live_certificates(s, [payable_id]) if c[1] == chain.tier1]
        big = max(live, key=lambda c: c[2])
        link.call(
            "transfer",
            chain.tier1,
            api_key=staff.officer[chain.tier1],
            cert_id=big[0],
            to_org_id=chain.tier2a,
            at=AT,
        )
    with db.unit_of_work() as s:
        assert service.tree_violations(s, payable_id) == []
        assert service.journal_violations(s) == []
        live = service.live_certificates(s, [payable_id])
        assert sum(c[2] for c in live) == 1_000_00
        splits = s.scalars(
            select(Certificate).where(
                Certificate.payable_id == payable_id, Certificate.state == "split"
            )
        ).all()
        assert len(splits) >= 5
        # Every split certificate has both its parts.
        for parent in splits:
            kids = s.scalars(select(Certificate).where(Certificate.parent_id == parent.id)).all()
            assert sorted(k.face_fen for k in kids) == sorted([1, parent.face_fen - 1])
