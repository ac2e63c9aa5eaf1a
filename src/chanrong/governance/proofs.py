"""What proves the verifiable log: signed tree heads, RFC 9162 inclusion and consistency proofs,
and re-verifying the whole stored log against the platform's public key.

Proofs are assembled from stored perfect subtrees (O(log n) rows); the pure tree arithmetic is
in ``merkle`` and the pure re-check in ``audit``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.governance import merkle
from chanrong.governance.audit import AuditReport, BindingAuditor, HeadToCheck, LogAuditor
from chanrong.governance.keys import Signer, key_id_of, public_raw_of
from chanrong.governance.keys import verify as verify_signature
from chanrong.governance.log import get_log_entry
from chanrong.governance.orm import SignedTreeHeadRow
from chanrong.governance.repository import GovernanceRepository
from chanrong.identity.domain import Principal


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A tree head signed with the platform's key (RFC 9162 style), hashes and signature in hex."""

    size: int
    root_hash: str  # hex
    timestamp_ms: int
    key_id: str
    signature: str  # hex

    def message(self) -> bytes:
        return merkle.tree_head_message(self.size, bytes.fromhex(self.root_hash), self.timestamp_ms)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """The audit path showing entry ``index`` is in the tree of ``tree_size`` leaves (hex)."""

    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    path: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """The path showing the tree of ``old_size`` leaves is a prefix of the one of ``new_size``."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str] = field(default_factory=list)


def _sth(row: SignedTreeHeadRow) -> SignedTreeHead:
    return SignedTreeHead(
        size=int(row.size),
        root_hash=bytes(row.root_hash).hex(),
        timestamp_ms=int(row.timestamp_ms),
        key_id=row.key_id,
        signature=bytes(row.signature).hex(),
    )


def current_root(session: Session) -> merkle.TreeHead:
    """The unsigned head of the log right now."""
    size, _, root = GovernanceRepository(session).read_head()
    return merkle.TreeHead(size=size, root=root)


def sign_tree_head(
    session: Session, signer: Signer, *, now: datetime | None = None
) -> SignedTreeHead:
    """Sign the current head (or return the latest signature when the tree has not grown)."""
    repo = GovernanceRepository(session)
    size, _, root = repo.read_head()
    latest = repo.latest_tree_head()
    if (
        latest is not None
        and int(latest.size) == size
        and bytes(latest.root_hash) == root
        and latest.key_id == signer.key_id
    ):
        return _sth(latest)
    ts = int((ensure_aware(now) if now else utcnow()).timestamp() * 1000)
    sig = signer.sign(merkle.tree_head_message(size, root, ts))
    row = SignedTreeHeadRow(
        size=size, root_hash=root, timestamp_ms=ts, key_id=signer.key_id, signature=sig
    )
    repo.add_tree_head(row)
    return _sth(row)


def latest_tree_head(session: Session) -> SignedTreeHead:
    """The newest signed head (the worker signs one as entries are integrated; reading it
    writes nothing). Not found before the first head is signed."""
    row = GovernanceRepository(session).latest_tree_head()
    if row is None:
        raise NotFound(
            "no tree head has been signed yet: the worker signs one a few seconds after "
            "entries are appended (`chanrong worker`, or `chanrong log head` by hand)"
        )
    return _sth(row)


def tree_heads(session: Session) -> list[SignedTreeHead]:
    """Every tree head the platform has signed, oldest first."""
    return [_sth(r) for r in GovernanceRepository(session).tree_heads()]


def _past_root_keys(size: int, head_size: int) -> set[merkle.NodeKey]:
    """The stored subtrees the root of the first ``size`` leaves is hashed from (none when
    ``size`` is the head's: its root is stored with it)."""
    return set() if size == head_size else set(merkle.perfect_pieces(0, size))


def _root_at(
    size: int, head_size: int, head_root: bytes, nodes: Mapping[merkle.NodeKey, bytes]
) -> bytes:
    """The root of the first ``size`` leaves: the head's, or hashed from ``nodes``."""
    return head_root if size == head_size else merkle.range_hash(0, size, nodes)


def _check_size(value: int, head_size: int, name: str) -> None:
    if not 0 < value <= head_size:
        raise ValidationFailed(
            f"{name}: must be between 1 and the log size {head_size}", field=name
        )


def inclusion_proof(session: Session, index: int, tree_size: int | None = None) -> InclusionProof:
    """The audit path of entry ``index`` in the tree of ``tree_size`` (default: current) leaves."""
    repo = GovernanceRepository(session)
    head_size, _, head_root = repo.read_head()
    size = head_size if tree_size is None else tree_size
    _check_size(size, head_size, "tree_size")
    if not 0 <= index < size:
        raise ValidationFailed(f"index: must be below the tree size {size}", field="index")
    ranges = merkle.inclusion_ranges(index, size)
    keys = merkle.keys_for(ranges) | {(0, index)} | _past_root_keys(size, head_size)
    nodes = repo.node_hashes(keys)
    root = _root_at(size, head_size, head_root, nodes)
    return InclusionProof(
        index=index,
        tree_size=size,
        leaf_hash=nodes[(0, index)].hex(),
        root_hash=root.hex(),
        path=[h.hex() for h in merkle.assemble(ranges, nodes)],
    )


def consistency_proof(
    session: Session, old_size: int, new_size: int | None = None
) -> ConsistencyProof:
    """Proof that the tree of ``old_size`` leaves is a prefix of the tree of ``new_size``."""
    repo = GovernanceRepository(session)
    head_size, _, head_root = repo.read_head()
    new = head_size if new_size is None else new_size
    _check_size(new, head_size, "new_size")
    _check_size(old_size, new, "old_size")
    ranges = merkle.consistency_ranges(old_size, new) if old_size < new else []
    keys = merkle.keys_for(ranges) | set(merkle.perfect_pieces(0, old_size))
    nodes = repo.node_hashes(keys | _past_root_keys(new, head_size))
    new_root = _root_at(new, head_size, head_root, nodes)
    return ConsistencyProof(
        old_size=old_size,
        new_size=new,
        old_root=merkle.range_hash(0, old_size, nodes).hex(),
        new_root=new_root.hex(),
        path=[h.hex() for h in merkle.assemble(ranges, nodes)],
    )


def entry_inclusion_proof(
    session: Session, principal: Principal, index: int, tree_size: int | None = None
) -> InclusionProof:
    """An inclusion proof for an entry the caller may see."""
    get_log_entry(session, principal, index)
    return inclusion_proof(session, index, tree_size)


ProgressFn = Callable[[int, int], None]


def verify_log(
    session: Session,
    public_key: Ed25519PublicKey | Sequence[Ed25519PublicKey],
    *,
    checkpoints: Sequence[SignedTreeHead] = (),
    progress: ProgressFn | None = None,
) -> AuditReport:
    """Re-check the whole stored log: every entry, subtree, the head and every signed head.

    ``checkpoints`` are signed heads held outside the platform (a bank's copy); a rewritten
    history that was rehashed consistently still fails against them.
    """
    repo = GovernanceRepository(session)
    head_size, frontier_hex, head_root = repo.read_head()
    # Several keys after a rotation: each head is checked with the key it names.
    given = list(public_key) if isinstance(public_key, Sequence) else [public_key]
    by_id = {key_id_of(public_raw_of(k)): k for k in given}
    heads = [
        HeadToCheck(
            size=h.size,
            root=bytes.fromhex(h.root_hash),
            timestamp_ms=h.timestamp_ms,
            key_id=h.key_id,
            signature=bytes.fromhex(h.signature),
            origin=origin,
        )
        for origin, group in (("stored", tree_heads(session)), ("checkpoint", list(checkpoints)))
        for h in group
    ]

    def check(head: HeadToCheck) -> bool:
        message = merkle.tree_head_message(head.size, head.root, head.timestamp_ms)
        key = by_id.get(head.key_id)
        return key is not None and verify_signature(key, message, head.signature)

    auditor = LogAuditor(
        head_size=head_size,
        head_root=head_root,
        head_frontier=[bytes.fromhex(h) for h in frontier_hex],
        heads=heads,
        verify_signature=check,
    )
    binder = BindingAuditor()
    total = max(head_size, 1)
    for n, (index, data, kind, actor, subject, leaf) in enumerate(repo.iter_entries(), start=1):
        auditor.entry(index, data, kind, actor, subject, leaf)
        binder.entry(index, kind, data)
        if progress is not None and n % 10000 == 0:
            progress(n, total)
    for level, idx, h in repo.iter_nodes():
        auditor.node(level, idx, h)
    _check_bindings(repo, binder)
    if progress is not None:
        progress(total, total)
    report = auditor.finish()
    problems, count = binder.finish()
    if count:
        report.problems.extend(problems)
        report.counts["binding"] = count
    return report


def _instant(value: datetime) -> str:
    return ensure_aware(value).isoformat()


def _check_bindings(repo: GovernanceRepository, binder: BindingAuditor) -> None:
    """Feed every consent grant and access record to ``binder`` (rows as the log wrote them)."""
    for g in repo.grants():
        terms: dict[str, object] = {
            "owner_org_id": g.owner_org_id,
            "grantee_org_id": g.grantee_org_id,
            "categories": sorted(g.categories),
            "max_grade": g.max_grade,
            "purpose": g.purpose,
            "valid_from": _instant(g.valid_from),
            "valid_until": _instant(g.valid_until),
        }
        binder.grant(
            g.id,
            terms,
            log_index=g.log_index,
            revoked=g.revoked_at is not None,
            revoke_log_index=g.revoke_log_index,
        )
    for r in repo.iter_access():
        binder.access_record(
            r.id,
            {
                "owner_org_id": r.owner_org_id,
                "accessor_org_id": r.accessor_org_id,
                "accessor_user_id": r.accessor_user_id,
                "dataset": r.dataset,
                "category": r.category,
                "grade": r.grade,
                "purpose": r.purpose,
                "aggregate": r.aggregate,
                "grant_id": r.grant_id,
            },
            r.log_index,
        )
