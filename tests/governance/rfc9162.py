"""An independent RFC 9162 reference, written from the RFC's recursive definitions.

It shares nothing with ``chanrong.governance.merkle`` except hashlib: the tree hash, the
audit path and the consistency proof follow §2.1.1, §2.1.3.1 and §2.1.4.1 literally, and the
verifiers rebuild the roots recursively instead of with the bit-walking algorithm.
"""

from __future__ import annotations

import hashlib


def h_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def h_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves: list[bytes]) -> bytes:
    """MTH over leaf *hashes*."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split(len(leaves))
    return h_node(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = split(n)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return _subproof(m, leaves, True)


def _subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], b), mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def root_from_path(m: int, n: int, leaf: bytes, audit: list[bytes]) -> bytes:
    """Rebuild the root from an audit path, following PATH's recursion backwards."""
    if n == 1:
        if audit:
            raise ValueError("path too long")
        return leaf
    if not audit:
        raise ValueError("path too short")
    k = split(n)
    *inner, last = audit
    if m < k:
        return h_node(root_from_path(m, k, leaf, inner), last)
    return h_node(last, root_from_path(m - k, n - k, leaf, inner))


def verify_path(m: int, n: int, leaf: bytes, audit: list[bytes], root: bytes) -> bool:
    try:
        return root_from_path(m, n, leaf, audit) == root
    except ValueError:
        return False


def _roots(m: int, n: int, b: bool, pf: list[bytes], old_root: bytes) -> tuple[bytes, bytes]:
    """(hash of the old part, hash of the new part) of the subtree, rebuilt from SUBPROOF."""
    if m == n:
        if b:
            if pf:
                raise ValueError("proof too long")
            return old_root, old_root
        if len(pf) != 1:
            raise ValueError("proof has the wrong length")
        return pf[0], pf[0]
    if not pf:
        raise ValueError("proof too short")
    k = split(n)
    *inner, last = pf
    if m <= k:
        old, new = _roots(m, k, b, inner, old_root)
        return old, h_node(new, last)
    old, new = _roots(m - k, n - k, False, inner, old_root)
    return h_node(last, old), h_node(last, new)


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes, pf: list[bytes]) -> bool:
    if m == n:
        return old_root == new_root and not pf
    try:
        old, new = _roots(m, n, True, pf, old_root)
    except ValueError:
        return False
    return old == old_root and new == new_root
