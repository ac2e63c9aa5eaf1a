"""The pure Merkle module against the independent RFC 9162 reference in ``rfc9162.py``."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.governance import merkle
from tests.governance import rfc9162


def _leaves(n: int) -> list[bytes]:
    return [rfc9162.h_leaf(f"entry {i}".encode()) for i in range(n)]


def _nodes(leaves: list[bytes]) -> dict[merkle.NodeKey, bytes]:
    """Every perfect subtree, the way the log stores them, built by appending."""
    nodes = {(0, i): h for i, h in enumerate(leaves)}
    frontier: list[bytes] = []
    for i, leaf in enumerate(leaves):
        frontier, completed = merkle.append_leaf(frontier, i, leaf)
        nodes.update(completed)
    return nodes


def test_hashes_follow_the_rfc_prefixes() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        merkle.node_hash(b"a" * 32, b"b" * 32)
        == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    # The split point is the largest power of two strictly below n.
    assert [merkle.largest_power_of_two_below(n) for n in (2, 3, 4, 5, 8, 9)] == [1, 2, 2, 4, 4, 8]


def test_root_of_known_tree_matches_reference_and_hand_computation() -> None:
    leaves = _leaves(3)
    by_hand = merkle.node_hash(merkle.node_hash(leaves[0], leaves[1]), leaves[2])
    assert merkle.tree_root(leaves) == by_hand == rfc9162.mth(leaves)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33])
def test_every_inclusion_proof_matches_and_verifies_independently(n: int) -> None:
    leaves = _leaves(n)
    nodes = _nodes(leaves)
    root = rfc9162.mth(leaves)
    for m in range(n):
        ours = merkle.assemble(merkle.inclusion_ranges(m, n), nodes)
        assert ours == rfc9162.path(m, leaves)
        assert rfc9162.verify_path(m, n, leaves[m], ours, root)
        assert merkle.verify_inclusion(m, n, leaves[m], ours, root)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 11, 16, 21])
def test_every_consistency_proof_matches_and_verifies_independently(n: int) -> None:
    leaves = _leaves(n)
    nodes = _nodes(leaves)
    for m in range(1, n + 1):
        ours = merkle.assemble(merkle.consistency_ranges(m, n), nodes)
        assert ours == rfc9162.proof(m, leaves)
        old, new = rfc9162.mth(leaves[:m]), rfc9162.mth(leaves)
        assert rfc9162.verify_consistency(m, n, old, new, ours)
        assert merkle.verify_consistency(m, n, old, new, ours)


def test_wrong_proofs_are_rejected_by_both_verifiers() -> None:
    leaves = _leaves(11)
    nodes = _nodes(leaves)
    root = rfc9162.mth(leaves)
    good = merkle.assemble(merkle.inclusion_ranges(6, 11), nodes)
    flipped = [good[0][:-1] + bytes([good[0][-1] ^ 1]), *good[1:]]
    for proof, index, leaf in [
        (flipped, 6, leaves[6]),
        (good, 5, leaves[6]),  # right path, wrong position
        (good, 6, leaves[5]),  # another leaf
        (good[:-1], 6, leaves[6]),  # truncated
        ([*good, good[0]], 6, leaves[6]),  # padded
    ]:
        assert not merkle.verify_inclusion(index, 11, leaf, proof, root)
        assert not rfc9162.verify_path(index, 11, leaf, proof, root)
    cons = merkle.assemble(merkle.consistency_ranges(4, 11), nodes)
    other_old = rfc9162.mth([*_leaves(3), rfc9162.h_leaf(b"forged")])
    assert not merkle.verify_consistency(4, 11, other_old, root, cons)
    assert not rfc9162.verify_consistency(4, 11, other_old, root, cons)
    assert not merkle.verify_consistency(4, 11, rfc9162.mth(leaves[:4]), root, cons[:-1])
    with pytest.raises(ValueError, match="outside a tree"):
        merkle.inclusion_ranges(11, 11)
    with pytest.raises(ValueError, match="no consistency proof"):
        merkle.consistency_ranges(0, 3)


def test_perfect_pieces_cover_a_range_with_aligned_subtrees() -> None:
    assert merkle.perfect_pieces(0, 7) == [(2, 0), (1, 2), (0, 6)]
    assert merkle.perfect_pieces(8, 13) == [(2, 2), (0, 12)]
    assert merkle.perfect_pieces(0, 16) == [(4, 0)]
    assert merkle.frontier_levels(13) == [3, 2, 0]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=1, max_value=200), data=st.data())
def test_property_log_growth_stays_consistent(n: int, data: st.DataObject) -> None:
    """Any older head is provably a prefix of any newer one; any entry is provably included."""
    leaves = _leaves(n)
    nodes = _nodes(leaves)
    m = data.draw(st.integers(min_value=1, max_value=n))
    i = data.draw(st.integers(min_value=0, max_value=m - 1))
    old_root = merkle.range_hash(0, m, nodes)
    assert old_root == rfc9162.mth(leaves[:m])
    cons = merkle.assemble(merkle.consistency_ranges(m, n), nodes)
    assert rfc9162.verify_consistency(m, n, old_root, rfc9162.mth(leaves), cons)
    incl = merkle.assemble(merkle.inclusion_ranges(i, m), nodes)
    assert rfc9162.verify_path(i, m, leaves[i], incl, old_root)
