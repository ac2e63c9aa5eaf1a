"""Re-checking a stored log from scratch. Pure: it is fed rows and says what is wrong.

The auditor rebuilds the tree from the entries' own bytes and compares every stored leaf hash,
every stored subtree, the head and every signed tree head with what it recomputed. What each
tampering looks like:

- a changed byte: the entry's bytes no longer hash to its stored leaf hash (``altered``), or,
  if the hash was "fixed" too, the subtrees above it and the signed heads no longer match;
- a dropped entry: a gap in the indices or fewer entries than the head says (``missing``);
- re-ordered entries: an entry's bytes carry its index, so a moved entry sits at the wrong
  place (``reordered``);
- a forked tree (history rewritten and rehashed consistently): a signed tree head, or a
  checkpoint a bank kept, no longer matches the recomputed root at its size (``fork``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from chanrong.governance import merkle

MAX_REPORTED_PER_KIND = 20


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # altered / missing / reordered / node / head / fork / signature
    index: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class HeadToCheck:
    """A signed tree head (stored, or a checkpoint held outside the platform)."""

    size: int
    root: bytes
    timestamp_ms: int
    key_id: str
    signature: bytes
    origin: str = "stored"


@dataclass
class AuditReport:
    size: int
    root: str
    entries_checked: int
    nodes_checked: int
    heads_checked: int
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.counts


class LogAuditor:
    """Feed ``entry`` in index order, then ``node`` ordered by (level, idx), then ``finish``."""

    def __init__(
        self,
        *,
        head_size: int,
        head_root: bytes,
        head_frontier: list[bytes],
        heads: list[HeadToCheck],
        verify_signature: Callable[[HeadToCheck], bool],
    ) -> None:
        self.head_size = head_size
        self.head_root = head_root
        self.head_frontier = head_frontier
        self.heads = heads
        self.verify_signature = verify_signature
        self.frontier: list[bytes] = []
        self.count = 0
        self.next_index = 0
        self.levels: list[bytearray] = []
        self.roots_at: dict[int, bytes] = {}
        self.wanted_sizes = {h.size for h in heads}
        self.nodes_checked = 0
        self.node_counts: dict[int, int] = {}
        self.problems: list[Problem] = []
        self.counts: dict[str, int] = {}

    def _problem(self, kind: str, index: int | None, detail: str) -> None:
        n = self.counts.get(kind, 0)
        self.counts[kind] = n + 1
        if n < MAX_REPORTED_PER_KIND:
            self.problems.append(Problem(kind, index, detail))

    def entry(
        self,
        index: int,
        data: str,
        kind: str,
        actor: str | None,
        subject: str,
        stored_leaf: bytes,
    ) -> None:
        if index != self.next_index:
            self._problem(
                "missing",
                self.next_index,
                f"entries {self.next_index}..{index - 1} are missing (next stored is {index})",
            )
        self.next_index = index + 1
        leaf = merkle.leaf_hash(data.encode())
        if leaf != stored_leaf:
            self._problem("altered", index, f"entry {index}: its bytes do not match its leaf hash")
        try:
            doc = json.loads(data)
        except ValueError:
            self._problem("altered", index, f"entry {index}: its bytes are not valid JSON")
            doc = None
        if isinstance(doc, dict):
            if doc.get("index") != index:
                self._problem(
                    "reordered",
                    index,
                    f"entry stored at {index} was written as entry {doc.get('index')}",
                )
            if (doc.get("kind"), doc.get("actor"), doc.get("subject")) != (kind, actor, subject):
                self._problem(
                    "altered", index, f"entry {index}: kind, actor or subject columns were changed"
                )
        self.frontier, completed = merkle.append_leaf(self.frontier, self.count, leaf)
        for (level, _idx), h in completed:
            while len(self.levels) < level:
                self.levels.append(bytearray())
            self.levels[level - 1] += h
        self.count += 1
        if self.count in self.wanted_sizes:
            self.roots_at[self.count] = merkle.root_from_frontier(self.frontier)

    def node(self, level: int, idx: int, stored: bytes) -> None:
        self.nodes_checked += 1
        self.node_counts[level] = self.node_counts.get(level, 0) + 1
        recomputed = self.levels[level - 1] if 0 < level <= len(self.levels) else bytearray()
        expected = recomputed[idx * 32 : idx * 32 + 32]
        if len(expected) != 32:
            self._problem("node", None, f"stored subtree ({level}, {idx}) has no entries under it")
        elif bytes(expected) != stored:
            first = idx << level
            self._problem(
                "node",
                first,
                f"subtree over entries {first}..{((idx + 1) << level) - 1} does not match them",
            )

    def finish(self) -> AuditReport:
        for level, hashes in enumerate(self.levels, start=1):
            have = self.node_counts.get(level, 0)
            if have < len(hashes) // 32:
                self._problem(
                    "node",
                    None,
                    f"{len(hashes) // 32 - have} stored subtrees of level {level} are missing",
                )
        root = merkle.root_from_frontier(self.frontier)
        if self.count < self.head_size:
            self._problem(
                "missing",
                self.count,
                f"the head says {self.head_size} entries but only {self.count} are stored",
            )
        elif self.count > self.head_size:
            self._problem("head", None, f"{self.count} entries but the head says {self.head_size}")
        elif root != self.head_root or self.frontier != self.head_frontier:
            self._problem("head", None, "the stored head does not match the entries")
        self.roots_at[0] = merkle.EMPTY_ROOT
        by_size: dict[int, bytes] = {}
        for head in self.heads:
            label = f"{head.origin} tree head of size {head.size}"
            if not self.verify_signature(head):
                self._problem("signature", None, f"{label}: signature does not verify")
                continue
            if head.size in by_size and by_size[head.size] != head.root:
                self._problem("fork", None, f"two signed tree heads of size {head.size} differ")
            by_size.setdefault(head.size, head.root)
            recomputed = self.roots_at.get(head.size)
            if recomputed is None:
                self._problem(
                    "missing", self.count, f"{label}: the log has only {self.count} entries"
                )
            elif recomputed != head.root:
                self._problem(
                    "fork", None, f"{label}: the entries now hash to a different root (rewritten)"
                )
        return AuditReport(
            size=self.count,
            root=root.hex(),
            entries_checked=self.count,
            nodes_checked=self.nodes_checked,
            heads_checked=len(self.heads),
            problems=self.problems,
            counts=dict(self.counts),
        )


# --- the records bound to the log -----------------------------------------------------------

GRANT_TERMS = (
    "owner_org_id",
    "grantee_org_id",
    "categories",
    "max_grade",
    "purpose",
    "valid_from",
    "valid_until",
)
ACCESS_TERMS = (
    "owner_org_id",
    "accessor_org_id",
    "accessor_user_id",
    "dataset",
    "category",
    "grade",
    "purpose",
    "aggregate",
    "grant_id",
)


def _terms(values: dict[str, object], names: tuple[str, ...]) -> str:
    return json.dumps([values.get(n) for n in names], separators=(",", ":"), ensure_ascii=False)


class BindingAuditor:
    """Checks that the consent grants and the access list say what their log entries say.

    The policy check reads the ``consent_grants`` table, and enterprises read their access
    list from ``access_records``; the log is what is signed. So each grant must match its
    ``consent.granted`` entry, be revoked exactly when a ``consent.revoked`` entry says so
    (``revoked_at = NULL`` on a revoked grant revives it: ``binding``), and exist; each access
    record must match its ``data.access`` entry, and every such entry must have its record.
    Feed ``entry`` for every log entry, then ``grant`` and ``access`` for every row.
    """

    KINDS = frozenset({"consent.granted", "consent.revoked", "data.access"})

    def __init__(self) -> None:
        self.granted: dict[str, tuple[int, str]] = {}
        self.revoked: dict[str, int] = {}
        # index → a digest of the entry's terms (held for every read: keep it small)
        self.access: dict[int, int] = {}
        self.seen_grants: set[str] = set()
        self.problems: list[Problem] = []
        self.count = 0

    def _problem(self, index: int | None, detail: str) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED_PER_KIND:
            self.problems.append(Problem("binding", index, detail))

    def entry(self, index: int, kind: str, data: str) -> None:
        if kind not in self.KINDS:
            return
        try:
            payload = json.loads(data).get("payload") or {}
        except (ValueError, AttributeError):
            return  # the log auditor reports an unreadable entry
        if kind == "consent.granted":
            self.granted[str(payload.get("grant_id"))] = (index, _terms(payload, GRANT_TERMS))
        elif kind == "consent.revoked":
            self.revoked[str(payload.get("grant_id"))] = index
        else:
            terms = dict(payload)
            terms["purpose"] = terms.get("purpose") or "platform_operation"
            self.access[index] = hash(_terms(terms, ACCESS_TERMS))

    def grant(
        self,
        grant_id: str,
        terms: dict[str, object],
        *,
        log_index: int,
        revoked: bool,
        revoke_log_index: int | None,
    ) -> None:
        self.seen_grants.add(grant_id)
        logged = self.granted.get(grant_id)
        if logged is None or logged[0] != log_index:
            self._problem(log_index, f"grant {grant_id}: no consent.granted entry at {log_index}")
        elif logged[1] != _terms(terms, GRANT_TERMS):
            self._problem(log_index, f"grant {grant_id}: its terms differ from its log entry")
        revoked_at = self.revoked.get(grant_id)
        if revoked_at is not None and not revoked:
            self._problem(
                revoked_at, f"grant {grant_id}: revoked in the log (entry {revoked_at}) but live"
            )
        elif revoked and (revoked_at is None or revoke_log_index != revoked_at):
            self._problem(revoke_log_index, f"grant {grant_id}: revoked with no log entry")

    def access_record(self, record_id: str, terms: dict[str, object], log_index: int) -> None:
        logged = self.access.pop(log_index, None)
        if logged is None:
            self._problem(log_index, f"access record {record_id}: no data.access entry")
        elif logged != hash(_terms(terms, ACCESS_TERMS)):
            self._problem(log_index, f"access record {record_id}: differs from its log entry")

    def finish(self) -> tuple[list[Problem], int]:
        """The problems found (at most ``MAX_REPORTED_PER_KIND``) and how many there were."""
        for grant_id, (index, _) in self.granted.items():
            if grant_id not in self.seen_grants:
                self._problem(index, f"grant {grant_id}: in the log but not in the table")
        for index in sorted(self.access)[:MAX_REPORTED_PER_KIND]:
            self._problem(index, f"data.access entry {index}: its access record is missing")
        self.count += max(0, len(self.access) - MAX_REPORTED_PER_KIND)
        return self.problems, self.count
