"""Merkle tree hashing, inclusion and consistency proofs as RFC 9162 (Certificate Transparency 2.0).

Leaves are hashed as ``H(0x00 || data)`` and nodes as ``H(0x01 || left || right)``, so that a
leaf can never pass for a node. The tree over ``n`` leaves splits at ``k``, the largest
power of two smaller than ``n``.

Proofs are built from the hashes of *perfect* subtrees, those of ``2**level`` leaves
starting at a multiple of ``2**level``. A store keeps them as nodes ``(level, index)``.
Every range the RFC's recursions visit is either such a subtree or lies on the right edge
of the tree, so a proof needs O(log n) stored nodes. The functions below take a
``lookup`` for those nodes. ``plan_*`` list which nodes a proof will need, so a database
can fetch them in one query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from cryptography.hazmat.primitives import hashes

HashFn = Callable[[bytes], bytes]
NodeKey = tuple[int, int]  # (level, index): the perfect subtree of leaves [index*2**level, (index+1)*2**level)
Lookup = Callable[[int, int], bytes]


def _sm3_cryptography(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


try:  # OpenSSL's SM3 through hashlib, when the build has it: the same digest, less overhead
    _SM3_PROTOTYPE = hashlib.new("sm3")

    def _sm3(data: bytes) -> bytes:
        digest = _SM3_PROTOTYPE.copy()
        digest.update(data)
        return digest.digest()

except ValueError:  # pragma: no cover - depends on the OpenSSL build
    _sm3 = _sm3_cryptography


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


HASHES: dict[str, HashFn] = {"sha256": _sha256, "sm3": _sm3}


def hash_function(name: str) -> HashFn:
    try:
        return HASHES[name]
    except KeyError:
        raise ValueError(f"unknown ledger hash {name!r}: use one of {sorted(HASHES)}") from None


def leaf_hash(h: HashFn, data: bytes) -> bytes:
    return h(b"\x00" + data)


def node_hash(h: HashFn, left: bytes, right: bytes) -> bytes:
    return h(b"\x01" + left + right)


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect(start: int, size: int) -> NodeKey | None:
    if size & (size - 1) == 0 and start % size == 0:
        return size.bit_length() - 1, start // size
    return None


def subtree_root(h: HashFn, start: int, end: int, lookup: Lookup) -> bytes:
    """MTH of leaves ``[start, end)``, from stored perfect subtrees."""
    size = end - start
    if size <= 0:
        return h(b"")
    key = _perfect(start, size)
    if key is not None:
        return lookup(*key)
    k = _split(size)
    return node_hash(h, subtree_root(h, start, start + k, lookup), subtree_root(h, start + k, end, lookup))


def root(h: HashFn, size: int, lookup: Lookup) -> bytes:
    return subtree_root(h, 0, size, lookup)


def inclusion_path(h: HashFn, index: int, size: int, lookup: Lookup) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(subtree_root(h, start + k, end, lookup))
            end = start + k
        else:
            path.append(subtree_root(h, start, start + k, lookup))
            start += k
    path.reverse()
    return path


def consistency_path(h: HashFn, first: int, second: int, lookup: Lookup) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: proves the tree of ``first`` leaves is a prefix of ``second``."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    proof: list[bytes] = []

    def sub(m: int, start: int, end: int, whole: bool) -> None:
        n = end - start
        if m == n:
            if not whole:
                proof.append(subtree_root(h, start, end, lookup))
            return
        k = _split(n)
        if m <= k:
            sub(m, start, start + k, whole)
            proof.append(subtree_root(h, start + k, end, lookup))
        else:
            sub(m - k, start + k, end, False)
            proof.append(subtree_root(h, start, start + k, lookup))

    sub(first, 0, second, True)
    return proof


def plan(fn: Callable[[Lookup], object]) -> list[NodeKey]:
    """The perfect-subtree nodes ``fn`` will look up (the recursions do not depend on hash values)."""
    keys: list[NodeKey] = []

    def record(level: int, index: int) -> bytes:
        keys.append((level, index))
        return b"\x00" * 32

    fn(record)
    return list(dict.fromkeys(keys))


def from_mapping(nodes: Mapping[NodeKey, bytes]) -> Lookup:
    def lookup(level: int, index: int) -> bytes:
        try:
            return nodes[(level, index)]
        except KeyError:
            raise LookupError(f"ledger node ({level}, {index}) is missing") from None

    return lookup


# ---------------------------------------------------------------------------- verification
def verify_inclusion(
    h: HashFn, index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(h, p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(h, r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    h: HashFn, first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(h, c, fr)
            sr = node_hash(h, c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(h, sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def right_edge(size: int) -> list[NodeKey]:
    """The perfect subtrees that make up a tree of ``size`` leaves, largest first: one for
    each bit set in ``size``. Appending to the tree needs only these."""
    keys: list[NodeKey] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


class CompactRange:
    """The tree's right edge as a stack of perfect-subtree roots: append in O(1) amortised,
    root in O(log n), memory O(log n). Used to rebuild a whole log when verifying it."""

    def __init__(self, h: HashFn) -> None:
        self.h = h
        self.size = 0
        self._stack: list[bytes] = []  # roots of perfect subtrees, largest first

    @classmethod
    def resume(cls, h: HashFn, size: int, nodes: Mapping[NodeKey, bytes]) -> CompactRange:
        """The range of a tree of ``size`` leaves, from the nodes of its :func:`right_edge`."""
        tree = cls(h)
        tree._stack = [nodes[key] for key in right_edge(size)]
        tree.size = size
        return tree

    def append(self, leaf: bytes) -> list[tuple[NodeKey, bytes]]:
        """Add a leaf hash; returns the perfect-subtree nodes it completes, level 0 first."""
        index = self.size
        made: list[tuple[NodeKey, bytes]] = [((0, index), leaf)]
        node, level, i = leaf, 0, index
        while i & 1:
            node = node_hash(self.h, self._stack.pop(), node)
            level, i = level + 1, i >> 1
            made.append(((level, i), node))
        self._stack.append(node)
        self.size += 1
        return made

    def root(self) -> bytes:
        if not self._stack:
            return self.h(b"")
        r = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            r = node_hash(self.h, left, r)
        return r


def build(h: HashFn, leaves: Iterable[bytes]) -> dict[NodeKey, bytes]:
    """Every perfect-subtree node of a tree over ``leaves`` (for tests and exports)."""
    tree = CompactRange(h)
    nodes: dict[NodeKey, bytes] = {}
    for leaf in leaves:
        nodes.update(tree.append(leaf))
    return nodes
