"""Group commit: many clients' certificate use cases in one transaction, each failing alone.

The writer runs queued use cases in one transaction, each in its own savepoint, and appends
their log entries together at the end. A use case that fails (a lost race, a broken rule,
an error after it had written) leaves nothing behind and no log entry; the others commit,
with their events pointing at their own log entries.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.demo.scf_workload import run_workload
from chanrong.governance import service as governance
from chanrong.governance.orm import LogEntryRow
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.supplychain.orm import Certificate, CertificateEvent
from tests.builders import add_org
from tests.supplychain.builders import START, acting, build_chain, confirmed_certificate


class Boom(Exception):
    """An error a use case raises after it has written (its savepoint must undo that)."""


def _sqlite(db: Database) -> bool:
    return db.engine.url.get_backend_name() == "sqlite"


def _log_size(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(LogEntryRow)) or 0)


def test_a_failed_use_case_fails_alone_and_leaves_no_trace(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        a = confirmed_certificate(s, chain, face_fen=1_000_00)
        b = confirmed_certificate(s, chain, face_fen=2_000_00)
        before = _log_size(s)

    def split_then_fail(s: Session) -> None:
        service.split_certificate(s, acting(s, chain.tier1), b.id, [1_000_00], now=START)
        raise Boom("after writing")

    def unflushable(s: Session) -> None:
        # Fails only when the savepoint flushes it: a foreign key to no payable.
        s.add(CertificateEvent(payable_id="no-such-payable", kind="x", at=START, payload={}))

    writer = service.GroupCommitter(db, max_batch=8)
    # Queued before the writer starts: all six go into one batch, in this order.
    ok_split = writer.submit(
        lambda s: service.split_certificate(s, acting(s, chain.tier1), a.id, [300_00], now=START)
    )
    lost_race = writer.submit(  # ``a`` was consumed by the split just before, in this batch
        lambda s: service.transfer_certificate(
            s, acting(s, chain.tier1), a.id, to_org_id=chain.tier2a, now=START
        )
    )
    not_holder = writer.submit(
        lambda s: service.transfer_certificate(
            s, acting(s, chain.tier2b), b.id, to_org_id=chain.tier2a, now=START
        )
    )
    failed_after_write = writer.submit(split_then_fail)
    failed_at_flush = writer.submit(unflushable)
    ok_transfer = writer.submit(
        lambda s: service.transfer_certificate(
            s, acting(s, chain.tier1), b.id, to_org_id=chain.tier2b, now=START
        )
    )
    with writer:
        parts = ok_split.result(timeout=30)
        moved = ok_transfer.result(timeout=30)
    assert writer.batches == 1 and writer.calls == 6
    # On SQLite the batch ran without savepoints first; the use cases that failed after
    # writing sent it back to run again, each in its own savepoint (PostgreSQL: always so).
    assert writer.reruns == (1 if _sqlite(db) else 0)
    assert isinstance(lost_race.exception(), Conflict)
    assert isinstance(not_holder.exception(), NotFound)  # it cannot see b
    assert isinstance(failed_after_write.exception(), Boom)
    assert isinstance(failed_at_flush.exception(), IntegrityError)
    assert [c.face_fen for c in parts] == [300_00, 700_00]
    assert moved.holder_org_id == chain.tier2b and moved.face_fen == 2_000_00

    with db.unit_of_work() as s:
        # The split that failed after writing left nothing: b went whole to tier2b.
        kids_of_b = s.scalars(select(Certificate).where(Certificate.parent_id == b.id)).all()
        assert [(c.origin, c.face_fen) for c in kids_of_b] == [("transfer", 2_000_00)]
        assert service.tree_violations(s, a.payable_id) == []
        assert service.tree_violations(s, b.payable_id) == []
        assert service.journal_violations(s) == []
        # Exactly two new log entries, one per use case that committed, in batch order,
        # each event pointing at its own entry.
        assert _log_size(s) == before + 2
        events = s.scalars(
            select(CertificateEvent)
            .where(CertificateEvent.log_index >= before)
            .order_by(CertificateEvent.log_index)
        ).all()
        assert [(e.kind, e.log_index) for e in events] == [
            ("certificate.split", before),
            ("certificate.transferred", before + 1),
        ]
        op = acting(s, add_org(s, "platform_operator"))
        for e in events:
            assert e.log_index is not None
            entry = governance.get_log_entry(s, op, e.log_index)
            assert entry.kind == f"supplychain.{e.kind}"
            assert entry.leaf_hash.hex() == e.leaf_hash


def test_group_commit_under_32_clients_keeps_every_invariant(db_url: str) -> None:
    db = Database(db_url, pool_size=34, max_overflow=0)
    try:
        result = run_workload(db, clients=32, ops_per_client=4, payables=3, seed=5, group_commit=32)
        assert result.unexpected == []
        assert result.violations == []
        # Batches really held several clients' use cases, and races were still lost.
        assert 0 < result.batches < result.attempts
        assert sum(result.refused.values()) > 0
        assert result.committed["settle"] == 2 and result.committed["settle late"] == 1
        assert result.settled_fen == result.payable_fen
    finally:
        db.dispose()


def test_a_check_refuses_a_lost_race_before_the_use_case_runs(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        a = confirmed_certificate(s, chain, face_fen=1_000_00)
        before = _log_size(s)
    ran: list[str] = []

    def transfer_to(org_id: str) -> Callable[[Session], Certificate]:
        def use_case(s: Session) -> Certificate:
            ran.append(org_id)
            return service.transfer_certificate(
                s, acting(s, chain.tier1), a.id, to_org_id=org_id, now=START
            )

        return use_case

    def held_by_tier1(s: Session) -> None:
        service.check_can_act(s, acting(s, chain.tier1), a.id, now=START)

    def held_by_outsider(s: Session) -> None:
        service.check_can_act(s, acting(s, chain.outsider), a.id, now=START)

    writer = service.GroupCommitter(db, max_batch=8)
    first = writer.submit(transfer_to(chain.tier2a), check=held_by_tier1)
    second = writer.submit(transfer_to(chain.tier2b), check=held_by_tier1)  # a is gone
    hidden = writer.submit(transfer_to(chain.tier2b), check=held_by_outsider)
    with writer:
        moved = first.result(timeout=30)
    assert moved.holder_org_id == chain.tier2a
    # The same errors as the use case's own checks, and the use cases never ran.
    assert isinstance(second.exception(), Conflict)
    assert isinstance(hidden.exception(), NotFound)
    assert ran == [chain.tier2a]
    with db.unit_of_work() as s:
        assert _log_size(s) == before + 1
        assert service.tree_violations(s, a.payable_id) == []


def test_refusals_that_wrote_nothing_leave_the_batch_unguarded(db: Database) -> None:
    """Use cases refused by their own checks (before writing) fail alone without sending
    the batch back: every other use case ran once and committed."""
    with db.unit_of_work() as s:
        chain = build_chain(s)
        a = confirmed_certificate(s, chain, face_fen=1_000_00)
        b = confirmed_certificate(s, chain, face_fen=2_000_00)
        before = _log_size(s)
    runs: list[str] = []

    def counted(name: str, fn: Callable[[Session], object]) -> Callable[[Session], object]:
        def use_case(s: Session) -> object:
            runs.append(name)
            return fn(s)

        return use_case

    writer = service.GroupCommitter(db, max_batch=8)
    split = writer.submit(
        counted(
            "split",
            lambda s: service.split_certificate(
                s, acting(s, chain.tier1), a.id, [300_00], now=START
            ),
        )
    )
    lost = writer.submit(  # a was split just before, in this batch
        counted(
            "lost",
            lambda s: service.transfer_certificate(
                s, acting(s, chain.tier1), a.id, to_org_id=chain.tier2a, now=START
            ),
        )
    )
    hidden = writer.submit(
        counted(
            "hidden",
            lambda s: service.transfer_certificate(
                s, acting(s, chain.tier2b), b.id, to_org_id=chain.tier2a, now=START
            ),
        )
    )
    moved = writer.submit(
        counted(
            "moved",
            lambda s: service.transfer_certificate(
                s, acting(s, chain.tier1), b.id, to_org_id=chain.tier2b, now=START
            ),
        )
    )
    with writer:
        split.result(timeout=30)
        moved.result(timeout=30)
    assert isinstance(lost.exception(), Conflict)
    assert isinstance(hidden.exception(), NotFound)
    assert writer.batches == 1 and writer.reruns == 0
    assert runs == ["split", "lost", "hidden", "moved"]  # each once
    with db.unit_of_work() as s:
        assert _log_size(s) == before + 2
        assert service.tree_violations(s, a.payable_id) == []
        assert service.tree_violations(s, b.payable_id) == []
        assert service.journal_violations(s) == []


def test_a_change_left_unflushed_by_a_failed_use_case_is_not_committed(db: Database) -> None:
    """A use case that changed a loaded object and then failed, before any flush, has
    written no row yet; its change must still not reach the batch's commit."""
    with db.unit_of_work() as s:
        chain = build_chain(s)
        a = confirmed_certificate(s, chain, face_fen=1_000_00)
        b = confirmed_certificate(s, chain, face_fen=2_000_00)
    runs: list[str] = []

    def tamper_then_fail(s: Session) -> None:
        runs.append("tamper")
        cert = s.get(Certificate, a.id)
        assert cert is not None
        cert.holder_org_id = chain.tier2b
        raise Boom("before the flush")

    def transfer_b(s: Session) -> Certificate:
        runs.append("transfer")
        return service.transfer_certificate(
            s, acting(s, chain.tier1), b.id, to_org_id=chain.tier2a, now=START
        )

    writer = service.GroupCommitter(db, max_batch=8)
    failed = writer.submit(tamper_then_fail)
    moved = writer.submit(transfer_b)
    with writer:
        assert moved.result(timeout=30).holder_org_id == chain.tier2a
    assert isinstance(failed.exception(), Boom)
    if _sqlite(db):  # sent back at once and run again, each in its own savepoint
        assert writer.reruns == 1 and runs == ["tamper", "tamper", "transfer"]
    else:
        assert writer.reruns == 0 and runs == ["tamper", "transfer"]
    with db.unit_of_work() as s:
        stored = s.get(Certificate, a.id)
        assert stored is not None and stored.holder_org_id == chain.tier1
        assert service.tree_violations(s, a.payable_id) == []
        assert service.tree_violations(s, b.payable_id) == []


def test_organisations_are_looked_up_once_across_batches_unless_missing(db: Database) -> None:
    """An organisation's facts read in a committed batch serve the later batches (they never
    change); one not found is looked up again each time (it may be created meanwhile)."""
    with db.unit_of_work() as s:
        chain = build_chain(s)
        a = confirmed_certificate(s, chain, face_fen=1_000_00)
        b = confirmed_certificate(s, chain, face_fen=1_000_00)
        c = confirmed_certificate(s, chain, face_fen=1_000_00)
        tier1 = acting(s, chain.tier1)
    seen: list[str] = []

    def on_statement(_conn: object, _cur: object, statement: str, *_args: object) -> None:
        if "organisations" in statement:
            seen.append(statement)

    def transfer(cert_id: str, to: str) -> Callable[[Session], Certificate]:
        return lambda s: service.transfer_certificate(s, tier1, cert_id, to_org_id=to, now=START)

    event.listen(db.engine, "before_cursor_execute", on_statement)
    try:
        with service.GroupCommitter(db, max_batch=1) as writer:
            writer.run(transfer(a.id, chain.tier2a))
            first = len(seen)
            writer.run(transfer(b.id, chain.tier2a))
            known = len(seen)
            for _ in range(2):
                missing = writer.submit(transfer(c.id, "no-such-organisation"))
                assert isinstance(missing.exception(timeout=30), ValidationFailed)
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)
    assert first > 0 and known == first
    assert len(seen) == known + 2
