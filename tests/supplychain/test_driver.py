"""Statements prepared once and run on the DBAPI cursor (``supplychain.driver``/``hotpath``).

What they write and read must be exactly what SQLAlchemy writes and reads (dates, aware
instants, JSON), on SQLite through the cursor and on PostgreSQL through SQLAlchemy; the cursor
is used only inside the session's current write transaction; a lost settlement race is refused
by the cheap first look with the full path's own answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound
from chanrong.core.ids import new_id
from chanrong.storage.database import Database
from chanrong.storage.driver import Prepared, raw
from chanrong.supplychain import hotpath, service
from chanrong.supplychain.hotpath import CertRow
from chanrong.supplychain.orm import Certificate, CertificateEvent, JournalLine
from chanrong.supplychain.repository import SupplyChainRepository
from tests.supplychain.builders import START, acting, build_chain, confirmed_certificate


def _columns(cert: object) -> dict[str, object]:
    return {k: getattr(cert, k) for k in hotpath.CERT_COLUMNS}


def test_a_certificate_read_on_the_cursor_equals_the_orm_read(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain, face_fen=5_000_00)
        service.split_certificate(s, acting(s, chain.tier1), root.id, [1_000_00], now=START)
    with db.unit_of_work() as s:
        repo = SupplyChainRepository(s)
        repo.begin_write()
        fast = repo.certificate_row(root.id)
        orm = repo.certificate(root.id)
        assert fast is not None and orm is not None
        assert isinstance(fast, CertRow) == (db.dialect == "sqlite")
        assert _columns(fast) == _columns(orm)
        assert fast.created_at.tzinfo is not None and fast.closed_at is not None
        assert fast.closed_at.utcoffset() == timedelta(0)
        assert repo.certificate_row("missing") is None


def test_rows_inserted_on_the_cursor_read_back_through_the_orm(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain, face_fen=5_000_00)
    at = START.astimezone(UTC) + timedelta(microseconds=123456)
    event = CertificateEvent(
        id=new_id(),
        payable_id=root.payable_id,
        certificate_id=root.id,
        kind="test.written",
        actor_org_id=chain.tier1,
        at=at,
        log_index=7,
        leaf_hash="ab" * 32,
        payload={"text": "供应商 ¥1.00", "n": [1, 2], "none": None},
    )
    with db.unit_of_work() as s:
        SupplyChainRepository(s).begin_write()
        hotpath.insert_objects(s, CertificateEvent, [event])
    with db.unit_of_work() as s:
        back = s.get(CertificateEvent, event.id)
        assert back is not None
        assert (back.at, back.payload, back.log_index) == (at, event.payload, 7)


def test_a_row_missing_a_required_value_is_refused_before_writing() -> None:
    line = JournalLine(entry_id="e", org_id="o", account="cash", debit_fen=1, credit_fen=0)
    with pytest.raises(ValueError, match="JournalLine: no value for id"):
        hotpath.rows_of(JournalLine, [line])


def test_plain_event_values_are_written_as_the_object_would_be(db: Database) -> None:
    """A group commit's events go in as plain column values (``insert_values``): the
    same row back, and a missing required value refused before anything is written."""
    with db.unit_of_work() as s:
        chain = build_chain(s)
        cert = confirmed_certificate(s, chain, face_fen=1_000_00)
    at = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
    event = {
        "id": new_id(),
        "payable_id": cert.payable_id,
        "certificate_id": cert.id,
        "kind": "certificate.split",
        "actor_org_id": chain.tier1,
        "at": at,
        "log_index": 9,
        "leaf_hash": "cd" * 32,
        "payload": {"text": "供应商 ¥2.00", "n": [3]},
    }
    with db.unit_of_work() as s:
        SupplyChainRepository(s).begin_write()
        with pytest.raises(ValueError, match="CertificateEvent: no value for kind"):
            hotpath.insert_values(s, CertificateEvent, [{**event, "kind": None}])
        hotpath.insert_values(s, CertificateEvent, [event])
    with db.unit_of_work() as s:
        back = s.get(CertificateEvent, event["id"])
        assert back is not None
        assert (back.at, back.payload, back.log_index, back.leaf_hash, back.kind) == (
            at,
            event["payload"],
            9,
            "cd" * 32,
            "certificate.split",
        )


def test_a_prepared_statement_names_what_it_was_not_given(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("on PostgreSQL the statements run through SQLAlchemy, which checks them")
    with db.unit_of_work() as s:
        SupplyChainRepository(s).begin_write()
        with pytest.raises(KeyError, match="bank"):
            hotpath.OPEN_REQUEST.rows(s, {"cert": "x"})
    ids = select(Certificate.id).where(Certificate.id.in_(bindparam("ids", expanding=True)))
    with db.unit_of_work() as s:
        SupplyChainRepository(s).begin_write()
        with pytest.raises(ValueError, match="expanding"):
            Prepared(ids).rows(s, {"ids": ["a"]})


def _cursor_connection(s: Session) -> object:
    cur = raw(s)
    return None if cur is None else cur.connection


def test_the_cursor_is_used_only_in_the_sessions_current_write_transaction(db: Database) -> None:
    s = db.sessions()
    try:
        if db.dialect != "sqlite":
            SupplyChainRepository(s).begin_write()
            assert raw(s) is None  # PostgreSQL keeps SQLAlchemy's path
            return
        assert raw(s) is None  # no write transaction yet: nothing to use
        s.rollback()
        SupplyChainRepository(s).begin_write()
        assert _cursor_connection(s) is s.connection().connection.dbapi_connection
        s.commit()
        # Another transaction (maybe another pooled connection): the old cursor is dropped.
        SupplyChainRepository(s).begin_write()
        assert _cursor_connection(s) is s.connection().connection.dbapi_connection
    finally:
        s.close()


def test_a_lost_settlement_race_gets_the_full_paths_answers(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain, face_fen=5_000_00, days=30)
    at = START + timedelta(days=30)
    with db.unit_of_work() as s:
        service.settle_payable(s, acting(s, chain.core), root.payable_id, now=at)
    with db.unit_of_work() as s, pytest.raises(Conflict, match="the payable is settled; only"):
        service.settle_payable(s, acting(s, chain.core), root.payable_id, now=at)
    with db.unit_of_work() as s, pytest.raises(Forbidden):
        service.settle_payable(s, acting(s, chain.tier1), root.payable_id, now=at)
    with db.unit_of_work() as s, pytest.raises(NotFound):
        service.settle_payable(s, acting(s, chain.outsider), root.payable_id, now=at)


def test_live_certificates_read_plain_are_the_orms(db: Database) -> None:
    """On SQLite the live certificates are read on the DBAPI cursor; the same rows, in the
    same order, as the ORM finds."""
    with db.unit_of_work() as s:
        chain = build_chain(s)
        a = confirmed_certificate(s, chain, face_fen=1_000_00)
        b = confirmed_certificate(s, chain, face_fen=500_00)
        parts = service.split_certificate(
            s, acting(s, chain.tier1), a.id, [100_00, 200_00], now=START
        )
        service.transfer_certificate(
            s, acting(s, chain.tier1), parts[1].id, to_org_id=chain.tier2a, now=START
        )
        payables = [a.payable_id, b.payable_id]
    with db.unit_of_work() as s:
        expected = [
            (c.id, c.holder_org_id, c.face_fen)
            for c in s.scalars(
                select(Certificate)
                .where(Certificate.payable_id.in_(payables), Certificate.state == "live")
                .order_by(Certificate.id)
            )
        ]
        assert len(expected) == 4  # two parts, the transferred one, and b
        assert service.live_certificates(s, payables) == expected
        plain = hotpath.live_rows(s, payables)
        assert (plain is not None) == (db.dialect == "sqlite")
        if plain is not None:
            assert plain == expected and all(isinstance(r[2], int) for r in plain)
        assert service.live_certificates(s, payables[:1]) == [r for r in expected if r[0] != b.id]
