"""Certificate commands from other processes: the same state as the use cases, refusals naming
the field, and a client killed mid-run leaves nothing half-written."""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.governance.orm import LogEntryRow
from chanrong.storage.database import Database
from chanrong.supplychain import commands, service
from chanrong.supplychain.command_link import CommandClient, CommandServer
from chanrong.supplychain.orm import Certificate, Financing
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


def _setup(db: Database) -> tuple[Chain, str, str]:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        a = confirmed_certificate(s, chain, face_fen=1_000_00)
        b = confirmed_certificate(s, chain, face_fen=1_000_00)
        service.set_exposure_limit(
            s, acting(s, chain.bank), core_org_id=chain.core, limit_fen=10_000_00, now=START
        )
    return chain, a.id, b.id


def test_the_command_path_commits_what_the_use_cases_commit(
    db: Database, server: CommandServer
) -> None:
    chain, a, b = _setup(db)
    with db.unit_of_work() as s:
        log_before = _log_size(s)
    # Through commands, on tree A.
    with CommandClient(server.address, KEY) as link:
        parts = link.call("split", chain.tier1, cert_id=a, parts_fen=[300_00], at=AT)
        assert [p["face_fen"] for p in parts] == [300_00, 700_00]
        moved = link.call(
            "transfer", chain.tier1, cert_id=parts[0]["id"], to_org_id=chain.tier2a, at=AT
        )
        assert moved["holder_org_id"] == chain.tier2a and moved["face_fen"] == 300_00
        fin = link.call(
            "finance_request", chain.tier1, cert_id=parts[1]["id"], bank_org_id=chain.bank, at=AT
        )
        link.call(
            "finance_quote",
            chain.bank,
            financing_id=fin["id"],
            annual_rate_percent=Decimal("3.85"),
            day_count="ACT/360",
            recourse=True,
            at=AT,
        )
        accepted = link.call("finance_accept", chain.tier1, financing_id=fin["id"], at=AT)
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


def test_a_lost_race_is_refused_with_the_use_cases_error(
    db: Database, server: CommandServer
) -> None:
    chain, a, _ = _setup(db)
    with CommandClient(server.address, KEY) as link:
        link.call("transfer", chain.tier1, cert_id=a, to_org_id=chain.tier2a, at=AT)
        with pytest.raises(Conflict):
            link.call("split", chain.tier1, cert_id=a, parts_fen=[1_00], at=AT)


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


def test_an_unknown_acting_organisation_is_refused_naming_as(
    db: Database, server: CommandServer
) -> None:
    _, a, _ = _setup(db)
    with CommandClient(server.address, KEY) as link, pytest.raises(ValidationFailed) as refused:
        link.call("split", "no-such-org", cert_id=a, parts_fen=[1_00], at=AT)
    assert refused.value.field == "as"


def test_a_client_without_the_key_is_not_heard(server: CommandServer) -> None:
    from multiprocessing import AuthenticationError

    with pytest.raises(AuthenticationError):
        CommandClient(server.address, b"wrong key")


_CLIENT = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from chanrong.storage.database import Database
    from chanrong.supplychain import service
    from chanrong.supplychain.command_link import CommandClient

    url, address, key, holder, payable = sys.argv[1:]
    at = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    db = Database(url)
    link = CommandClient(address, bytes.fromhex(key))
    while True:  # split the biggest live certificate until killed
        with db.unit_of_work() as s:
            live = [c for c in service.live_certificates(s, [payable]) if c[1] == holder]
        cert_id, _, face = max(live, key=lambda c: c[2])
        link.call("split", holder, cert_id=cert_id, parts_fen=[1], at=at)
        print("split", flush=True)
    """
)


def test_a_client_killed_mid_run_leaves_nothing_half_written(
    db: Database, server: CommandServer
) -> None:
    chain, a, _ = _setup(db)
    with db.unit_of_work() as s:
        cert = s.get(Certificate, a)
        assert cert is not None
        payable_id = cert.payable_id
    child = subprocess.Popen(
        [sys.executable, "-c", _CLIENT, db.url, server.address, KEY.hex(), chain.tier1, payable_id],
        stdout=subprocess.PIPE,
        text=True,
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
        link.call("transfer", chain.tier1, cert_id=big[0], to_org_id=chain.tier2a, at=AT)
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
