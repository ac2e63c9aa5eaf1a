"""RFC 9162 Merkle tree hashing, inclusion and consistency proofs. Pure: hashlib only.

The log stores every *perfect* subtree (2^level leaves starting at ``idx * 2^level``) once it
is complete; such a subtree never changes again. Any range the proof algorithms need is a
short run of perfect subtrees, so a proof costs O(log n) look-ups instead of rehashing the
tree. The functions here say which perfect subtrees a proof needs (``NodeKey``) and assemble
the proof from their hashes; where the hashes come from is the caller's business.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

NodeKey = tuple[int, int]  # (level, idx): leaves idx*2^level .. (idx+1)*2^level - 1

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The split point k of RFC 9162: the largest power of two strictly smaller than n (n > 1)."""
    if n < 2:
        raise ValueError("n must be at least 2")
    return 1 << ((n - 1).bit_length() - 1)


# --- building the tree one leaf at a time -------------------------------------------------


def frontier_levels(size: int) -> list[int]:
    """Levels of the perfect subtrees that make up a tree of ``size`` leaves, left to right."""
    return [bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]


def append_leaf(
    frontier: Sequence[bytes], size: int, leaf: bytes
) -> tuple[list[bytes], list[tuple[NodeKey, bytes]]]:
    """Add leaf number ``size`` to a tree given by its frontier (the compact range).

    Returns the new frontier and every perfect subtree of level >= 1 the leaf completed.
    """
    stack = list(frontier)
    completed: list[tuple[NodeKey, bytes]] = []
    current = leaf
    level = 0
    index = size
    # Each trailing one bit of ``size`` is a perfect subtree the new leaf completes a pair with.
    while index & 1:
        current = node_hash(stack.pop(), current)
        level += 1
        index >>= 1
        completed.append(((level, index), current))
    stack.append(current)
    return stack, completed


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """MTH of the whole tree from its perfect subtrees (folded right to left)."""
    if not frontier:
        return EMPTY_ROOT
    acc = frontier[-1]
    for h in reversed(frontier[:-1]):
        acc = node_hash(h, acc)
    return acc


def tree_root(leaves: Iterable[bytes]) -> bytes:
    """MTH of leaf hashes (streams; memory O(log n))."""
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        frontier, _ = append_leaf(frontier, size, leaf)
    return root_from_frontier(frontier)


# --- which subtrees a proof needs ---------------------------------------------------------


def perfect_pieces(lo: int, hi: int) -> list[NodeKey]:
    """Split leaves [lo, hi) into aligned perfect subtrees, largest first."""
    pieces: list[NodeKey] = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length() - 1
        while (1 << level) > hi - lo:
            level -= 1
        pieces.append((level, lo >> level))
        lo += 1 << level
    return pieces


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form PATH(index, D[0:size]), in proof order (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    out: list[tuple[int, int]] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if m < k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m = lo + k, m - k
    out.reverse()
    return out


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form PROOF(old, D[0:new]) (RFC 9162 2.1.4.1)."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    out: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, new_size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                out.append((lo, hi))
            break
        k = largest_power_of_two_below(n)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    out.reverse()
    return out


def keys_for(ranges: Iterable[tuple[int, int]]) -> set[NodeKey]:
    """Every perfect subtree the ranges are made of."""
    return {key for lo, hi in ranges for key in perfect_pieces(lo, hi)}


def range_hash(lo: int, hi: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """MTH(D[lo:hi]) from stored perfect subtrees (the range must start on a split boundary)."""
    pieces = [nodes[key] for key in perfect_pieces(lo, hi)]
    return root_from_frontier(pieces)


def assemble(ranges: Sequence[tuple[int, int]], nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """The proof hashes for ``ranges``."""
    return [range_hash(lo, hi, nodes) for lo, hi in ranges]


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) -------------------------------------------


class ProofError(ValueError):
    """A proof does not verify."""


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to; raises ProofError on a malformed proof."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True when ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree with ``root``."""
    try:
        return root_from_inclusion(index, size, leaf, proof) == root
    except ProofError:
        return False


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows tree (old_size, old_root) is a prefix of (new_size, new_root)."""
    if old_size == new_size:
        return old_root == new_root and not proof
    if not 0 < old_size < new_size:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first subtree
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A tree size and its root, the thing a signature vouches for."""

    size: int
    root: bytes


TREE_HEAD_ORIGIN = "chanrong-log-v1"


def tree_head_message(size: int, root: bytes, timestamp_ms: int) -> bytes:
    """The exact bytes a signed tree head signs (a checkpoint-style text body)."""
    return f"{TREE_HEAD_ORIGIN}\n{size}\n{root.hex()}\n{timestamp_ms}\n".encode()
