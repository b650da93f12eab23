"""The Merkle tree against a literal transcription of RFC 9162's definitions."""

from __future__ import annotations

import itertools

import pytest

from sunbid.ledger import merkle
from sunbid.ledger.merkle import HASHES, CompactRange, from_mapping

H = HASHES["sha256"]


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, word for word."""
    n = len(leaves)
    if n == 0:
        return H(b"")
    if n == 1:
        return H(b"\x00" + leaves[0])
    k = 1 << ((n - 1).bit_length() - 1)
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    """RFC 9162 §2.1.4.1."""
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], b), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


LEAVES = [f"entry {i}".encode() for i in range(70)]


def tree(n: int) -> merkle.Lookup:
    return from_mapping(merkle.build(H, [merkle.leaf_hash(H, d) for d in LEAVES[:n]]))


def test_certificate_transparency_reference_root() -> None:
    # The eight-leaf test tree used by Certificate Transparency implementations.
    leaves = [
        bytes.fromhex(x)
        for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")
    ]
    expected = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"
    assert mth(leaves).hex() == expected
    lookup = from_mapping(merkle.build(H, [merkle.leaf_hash(H, d) for d in leaves]))
    assert merkle.root(H, 8, lookup).hex() == expected


def test_empty_tree_root_is_the_hash_of_nothing() -> None:
    assert merkle.root(H, 0, tree(0)) == H(b"")


@pytest.mark.parametrize("n", range(1, 70))
def test_roots_match_the_rfc_definition(n: int) -> None:
    assert merkle.root(H, n, tree(n)) == mth(LEAVES[:n])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 8, 9, 16, 17, 31, 33, 64, 69])
def test_inclusion_paths_match_the_rfc_and_verify(n: int) -> None:
    lookup, r = tree(n), mth(LEAVES[:n])
    for m in range(n):
        p = merkle.inclusion_path(H, m, n, lookup)
        assert p == path(m, LEAVES[:n])
        leaf = merkle.leaf_hash(H, LEAVES[m])
        assert merkle.verify_inclusion(H, m, n, leaf, p, r)
        assert not merkle.verify_inclusion(H, m, n, merkle.leaf_hash(H, b"forged"), p, r)
        if n > 1:
            assert not merkle.verify_inclusion(H, (m + 1) % n, n, leaf, p, r)
            assert not merkle.verify_inclusion(H, m, n, leaf, p[:-1], r)
            assert not merkle.verify_inclusion(H, m, n, leaf, [*p, p[0]], r)


@pytest.mark.parametrize("second", [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 69])
def test_consistency_proofs_match_the_rfc_and_verify(second: int) -> None:
    lookup = tree(second)
    r2 = mth(LEAVES[:second])
    for first in range(1, second + 1):
        proof = merkle.consistency_path(H, first, second, lookup)
        assert proof == subproof(first, LEAVES[:second], True)
        r1 = mth(LEAVES[:first])
        assert merkle.verify_consistency(H, first, second, r1, r2, proof)
        forked = mth([*LEAVES[: first - 1], b"forged"])
        assert not merkle.verify_consistency(H, first, second, forked, r2, proof)
        if proof:
            assert not merkle.verify_consistency(H, first, second, r1, r2, proof[:-1])


def test_plan_lists_the_nodes_a_proof_reads() -> None:
    keys = merkle.plan(lambda lookup: merkle.inclusion_path(H, 5, 13, lookup))
    nodes = merkle.build(H, [merkle.leaf_hash(H, d) for d in LEAVES[:13]])
    fetched = {k: nodes[k] for k in keys}
    assert merkle.inclusion_path(H, 5, 13, from_mapping(fetched)) == path(5, LEAVES[:13])
    assert len(keys) <= 2 * (13).bit_length()


def test_proofs_read_logarithmically_many_nodes() -> None:
    size = 10_000_000
    assert len(merkle.plan(lambda lookup: merkle.inclusion_path(H, 1234567, size, lookup))) <= 2 * 24
    assert len(merkle.plan(lambda lookup: merkle.consistency_path(H, 7_654_321, size, lookup))) <= 3 * 24


def test_compact_range_root_matches_at_every_size() -> None:
    c = CompactRange(H)
    for n, d in enumerate(LEAVES, start=1):
        c.append(merkle.leaf_hash(H, d))
        assert c.root() == mth(LEAVES[:n])


def test_the_right_edge_is_one_perfect_subtree_per_bit_of_the_size() -> None:
    assert merkle.right_edge(0) == []
    assert merkle.right_edge(1) == [(0, 0)]
    assert merkle.right_edge(45) == [(5, 0), (3, 4), (2, 10), (0, 44)]  # 32 + 8 + 4 + 1 leaves
    for n in range(1, 70):
        covered = [(idx << level, (idx + 1) << level) for level, idx in merkle.right_edge(n)]
        assert covered[0][0] == 0
        assert covered[-1][1] == n
        assert all(a[1] == b[0] for a, b in itertools.pairwise(covered))


@pytest.mark.parametrize("start", [0, 1, 2, 5, 16, 31, 45])
def test_a_compact_range_resumed_from_the_right_edge_continues_the_tree(start: int) -> None:
    every = merkle.build(H, [merkle.leaf_hash(H, d) for d in LEAVES[:start]])
    resumed = CompactRange.resume(H, start, every)
    for n, d in enumerate(LEAVES[start:], start=start + 1):
        made = resumed.append(merkle.leaf_hash(H, d))
        assert next(key for key, _node in made) == (0, n - 1)
        assert resumed.root() == mth(LEAVES[:n])


def test_sm3_and_sha256_trees_differ() -> None:
    sm3 = HASHES["sm3"]
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert merkle.leaf_hash(sm3, b"x") != merkle.leaf_hash(H, b"x")
    with pytest.raises(ValueError):
        merkle.hash_function("md5")


def test_ledger_canonical_json_is_rfc_8785_for_entry_values() -> None:
    """The ledger serialises with the C json encoder for speed; it must agree with the JCS writer."""
    from sunbid.crypto import canonicalize
    from sunbid.ledger.entries import canonical_json

    value = {
        "seq": 7,
        "name": "TenderAnnounced",
        "public": True,
        "actor_id": None,
        "data": {"标题": "南京市\u2028工程", "z": [1, -2, 2**53], "a\u0001b": 'tab\tquote"back\\slash\u007f', "ä": {}},
    }
    assert canonical_json(value) == canonicalize(value)
