"""The verifiable log on SQLite and PostgreSQL: appends, proofs, concurrency and tampering."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from chanrong.governance import keys, merkle
from chanrong.governance import service as governance
from chanrong.governance.orm import LogEntryRow, LogHeadRow, LogNodeRow, SignedTreeHeadRow
from chanrong.storage.database import Database
from tests.governance import rfc9162
from tests.governance.builders import fill_log


@pytest.fixture
def signer(tmp_path: Path) -> keys.Signer:
    return keys.load_or_create(tmp_path / "var")


def _stored_leaves(session: Session) -> list[bytes]:
    return [
        bytes(h) for h in session.scalars(select(LogEntryRow.leaf_hash).order_by(LogEntryRow.index))
    ]


def test_append_returns_gap_free_indices_and_leaf_hashes(db: Database) -> None:
    with db.unit_of_work() as s:
        a = governance.append_log(
            s, kind="test.a", actor_org_id=None, subject="x:1", payload={"n": 1}
        )
        b = governance.append_log(s, kind="test.b", actor_org_id=None, subject="x:2", payload={})
    assert (a.index, b.index) == (0, 1)
    with db.unit_of_work() as s:
        row = s.get(LogEntryRow, 0)
        assert row is not None
        assert merkle.leaf_hash(row.data.encode()).hex() == a.leaf_hash
        assert '"kind":"test.a"' in row.data and '"index":0' in row.data
        head = governance.current_root(s)
        assert head.size == 2
        assert head.root == rfc9162.mth(_stored_leaves(s))


def test_bad_entries_are_refused_and_nothing_is_written(db: Database) -> None:
    from chanrong.core.errors import ValidationFailed

    with db.unit_of_work() as s:
        for kw, field in [
            ({"kind": "", "subject": "x"}, "kind"),
            ({"kind": "k" * 65, "subject": "x"}, "kind"),
            ({"kind": "ok", "subject": ""}, "subject"),
            ({"kind": "ok", "subject": "x", "payload": {"f": object()}}, "payload"),
        ]:
            args = {"actor_org_id": None, "payload": {}, **kw}
            with pytest.raises(ValidationFailed) as err:
                governance.append_log(s, **args)  # type: ignore[arg-type]
            assert err.value.field == field
    with db.unit_of_work() as s:
        assert governance.current_root(s).size == 0


def test_proofs_from_the_database_verify_with_the_independent_reference(db: Database) -> None:
    with db.unit_of_work() as s:
        fill_log(s, 37)
    with db.unit_of_work() as s:
        leaves = _stored_leaves(s)
        for size in (1, 2, 5, 16, 23, 37):
            root = rfc9162.mth(leaves[:size])
            for index in {0, size // 2, size - 1}:
                p = governance.inclusion_proof(s, index, size)
                path = [bytes.fromhex(h) for h in p.path]
                assert bytes.fromhex(p.root_hash) == root
                assert rfc9162.verify_path(index, size, leaves[index], path, root)
        for old in (1, 3, 8, 20, 36, 37):
            c = governance.consistency_proof(s, old)
            path = [bytes.fromhex(h) for h in c.path]
            assert c.new_size == 37
            assert rfc9162.verify_consistency(
                old, 37, rfc9162.mth(leaves[:old]), rfc9162.mth(leaves), path
            )
        c = governance.consistency_proof(s, 5, 20)
        assert rfc9162.verify_consistency(
            5, 20, rfc9162.mth(leaves[:5]), rfc9162.mth(leaves[:20]),
            [bytes.fromhex(h) for h in c.path],
        )  # fmt: skip


def test_proof_requests_outside_the_log_name_the_field(db: Database) -> None:
    from chanrong.core.errors import ValidationFailed

    with db.unit_of_work() as s:
        fill_log(s, 4)
    with db.unit_of_work() as s:
        for call, field in [
            (lambda: governance.inclusion_proof(s, 4), "index"),
            (lambda: governance.inclusion_proof(s, 0, 9), "tree_size"),
            (lambda: governance.consistency_proof(s, 5), "old_size"),
            (lambda: governance.consistency_proof(s, 0), "old_size"),
            (lambda: governance.consistency_proof(s, 2, 9), "new_size"),
        ]:
            with pytest.raises(ValidationFailed) as err:
                call()
            assert err.value.field == field


def test_signed_tree_heads_verify_with_the_public_key_only(
    db: Database, signer: keys.Signer
) -> None:
    with db.unit_of_work() as s:
        fill_log(s, 5)
        first = governance.sign_tree_head(s, signer)
        again = governance.sign_tree_head(s, signer)
        assert again == first  # no new signature while the tree has not grown
        fill_log(s, 2)
        second = governance.sign_tree_head(s, signer)
    assert (first.size, second.size) == (5, 7)
    public = keys.parse_public_key(signer.public_b64)
    assert keys.verify(public, second.message(), bytes.fromhex(second.signature))
    assert not keys.verify(public, first.message(), bytes.fromhex(second.signature))
    assert keys.parse_public_key(signer.public_pem) is not None
    with pytest.raises(ValueError, match="neither PEM nor base64"):
        keys.parse_public_key("not a key")


def test_concurrent_appends_never_collide(db: Database, signer: keys.Signer) -> None:
    """Writers in separate transactions queue on the head lock: indices stay gap-free."""
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(8):
                with db.unit_of_work() as s:
                    governance.append_log(
                        s, kind="test.race", actor_org_id=None, subject=f"w{n}:{i}", payload={}
                    )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.unit_of_work() as s:
        indices = list(s.scalars(select(LogEntryRow.index).order_by(LogEntryRow.index)))
        assert indices == list(range(32))
        report = governance.verify_log(
            s, keys.Signer(keys.Ed25519PrivateKey.generate()).private_key.public_key()
        )
        assert report.ok, report.problems


# --- tampering: each way of changing the stored log is caught -----------------------------


def _rewrite_data(s: Session, index: int, fix_hash: bool) -> None:
    row = s.get(LogEntryRow, index)
    assert row is not None
    data = row.data.replace('"i":', '"i":1', 1)  # one more byte in the payload
    values: dict[str, object] = {"data": data}
    if fix_hash:
        values["leaf_hash"] = merkle.leaf_hash(data.encode())
    s.execute(update(LogEntryRow).where(LogEntryRow.index == index).values(**values))


def _rebuild_tree(s: Session) -> None:
    """What a careful attacker does after rewriting history: recompute every hash and the head."""
    leaves = _stored_leaves(s)
    s.execute(delete(LogNodeRow))
    frontier: list[bytes] = []
    for i, leaf in enumerate(leaves):
        frontier, completed = merkle.append_leaf(frontier, i, leaf)
        for (level, idx), h in completed:
            s.add(LogNodeRow(level=level, idx=idx, hash=h))
    s.execute(
        update(LogHeadRow)
        .where(LogHeadRow.id == 1)
        .values(
            size=len(leaves),
            frontier=[h.hex() for h in frontier],
            root_hash=merkle.root_from_frontier(frontier),
        )
    )


def _swap(s: Session, a: int, b: int) -> None:
    ra, rb = s.get(LogEntryRow, a), s.get(LogEntryRow, b)
    assert ra is not None and rb is not None
    fields = ("kind", "actor_org_id", "subject", "data", "leaf_hash", "at")
    va = {f: getattr(ra, f) for f in fields}
    vb = {f: getattr(rb, f) for f in fields}
    s.execute(update(LogEntryRow).where(LogEntryRow.index == a).values(**vb))
    s.execute(update(LogEntryRow).where(LogEntryRow.index == b).values(**va))


def _forge_signature(s: Session) -> None:
    row = s.scalars(select(SignedTreeHeadRow)).first()
    assert row is not None
    sig = bytearray(row.signature)
    sig[0] ^= 1
    row.signature = bytes(sig)


Corruption = Callable[[Session], object]

CORRUPTIONS: dict[str, tuple[Corruption, str]] = {
    "changed byte": (lambda s: _rewrite_data(s, 5, fix_hash=False), "altered"),
    "changed byte, leaf rehashed": (lambda s: _rewrite_data(s, 5, fix_hash=True), "node"),
    "changed kind column": (
        lambda s: s.execute(update(LogEntryRow).where(LogEntryRow.index == 2).values(kind="x")),
        "altered",
    ),
    "dropped entry": (
        lambda s: s.execute(delete(LogEntryRow).where(LogEntryRow.index == 7)),
        "missing",
    ),
    "dropped last entry": (
        lambda s: s.execute(delete(LogEntryRow).where(LogEntryRow.index == 19)),
        "missing",
    ),
    "reordered entries": (lambda s: _swap(s, 3, 4), "reordered"),
    "dropped subtree": (
        lambda s: s.execute(delete(LogNodeRow).where(LogNodeRow.level == 2, LogNodeRow.idx == 1)),
        "node",
    ),
    "head moved": (
        lambda s: s.execute(update(LogHeadRow).where(LogHeadRow.id == 1).values(size=25)),
        "missing",
    ),
    "forked tree (history rewritten and rehashed)": (
        lambda s: (_rewrite_data(s, 2, fix_hash=True), _rebuild_tree(s)),
        "fork",
    ),
    "forged tree head signature": (_forge_signature, "signature"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_verify_catches_each_corruption(db: Database, signer: keys.Signer, name: str) -> None:
    corrupt, expected = CORRUPTIONS[name]
    public = signer.private_key.public_key()
    with db.unit_of_work() as s:
        fill_log(s, 20)
        governance.sign_tree_head(s, signer)
    with db.unit_of_work() as s:
        clean = governance.verify_log(s, public)
        assert clean.ok and clean.entries_checked == 20 and clean.heads_checked == 1
    with db.unit_of_work() as s:
        corrupt(s)
    with db.unit_of_work() as s:
        report = governance.verify_log(s, public)
    assert not report.ok, name
    assert expected in report.counts, (name, report.counts, report.problems)
    if name.startswith("forked"):
        # Every hash was recomputed: only the signed tree head still remembers the old history.
        assert report.counts == {"fork": 1}


def test_a_fork_is_caught_by_a_checkpoint_even_if_stored_heads_are_deleted(
    db: Database, signer: keys.Signer
) -> None:
    public = signer.private_key.public_key()
    with db.unit_of_work() as s:
        fill_log(s, 12)
        kept_by_bank = governance.sign_tree_head(s, signer)
        fill_log(s, 3)
    with db.unit_of_work() as s:
        _rewrite_data(s, 4, fix_hash=True)
        _rebuild_tree(s)
        s.execute(delete(SignedTreeHeadRow))
    with db.unit_of_work() as s:
        assert governance.verify_log(s, public).ok  # nothing inside the database contradicts it
        report = governance.verify_log(s, public, checkpoints=[kept_by_bank])
    assert report.counts == {"fork": 1}
    assert "checkpoint tree head of size 12" in report.problems[0].detail


def test_a_checkpoint_signed_by_another_key_is_rejected(
    db: Database, signer: keys.Signer, tmp_path: Path
) -> None:
    other = keys.load_or_create(tmp_path / "elsewhere")
    with db.unit_of_work() as s:
        fill_log(s, 3)
        foreign = governance.sign_tree_head(s, other)
    with db.unit_of_work() as s:
        report = governance.verify_log(s, signer.private_key.public_key(), checkpoints=[foreign])
    assert report.counts.get("signature", 0) >= 1


def test_a_split_view_two_signed_heads_of_one_size_is_a_fork(
    db: Database, signer: keys.Signer
) -> None:
    """The platform itself showing two different trees of the same size is caught too."""
    with db.unit_of_work() as s:
        fill_log(s, 9)
        first = governance.sign_tree_head(s, signer)
    with db.unit_of_work() as s:
        _rewrite_data(s, 1, fix_hash=True)
        _rebuild_tree(s)
        second = governance.sign_tree_head(s, signer)
    assert first.size == second.size == 9 and first.root_hash != second.root_hash
    with db.unit_of_work() as s:
        report = governance.verify_log(s, signer.private_key.public_key())
    assert report.counts == {"fork": 2}
    details = " / ".join(p.detail for p in report.problems)
    assert "two signed tree heads of size 9 differ" in details
    assert "rewritten" in details
