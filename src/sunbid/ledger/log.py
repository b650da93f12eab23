"""Signed tree heads and proofs over a stored log.

A tree head is RFC 9162's ``TreeHeadDataV2`` (timestamp, tree size, root hash, no
extensions), TLS-encoded and signed by the platform's log key. Witnesses co-sign the very
same bytes with their own keys. Proofs are JSON documents that carry everything a verifier
needs: the hash, the leaf, the path, and the signed tree head they lead to.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sunbid.kernel.errors import DomainError, NotFound
from sunbid.ledger import merkle


def tree_head_data(timestamp_ms: int, size: int, root: bytes) -> bytes:
    """TLS encoding of TreeHeadDataV2 (RFC 9162 §4.9): uint64, uint64, opaque<32..255>, Extension<0..2^16-1>."""
    return struct.pack(">QQB", timestamp_ms, size, len(root)) + root + b"\x00\x00"


class Verifier(Protocol):
    def verify(self, data: bytes, signature: bytes) -> None: ...


class Signer(Protocol):
    def sign(self, data: bytes) -> bytes: ...


class KeyLoader(Protocol):
    """Turns (suite, public key DER) into a verifier: ``sunbid.crypto`` in the platform."""

    def __call__(self, suite: str, public_key_der: bytes) -> Verifier: ...


@dataclass(frozen=True)
class Cosignature:
    witness: str
    witness_key_id: str
    suite: str
    public_key: bytes
    signature: bytes

    def as_json(self) -> dict[str, Any]:
        return {
            "witness": self.witness,
            "witness_key_id": self.witness_key_id,
            "suite": self.suite,
            "public_key": _b64(self.public_key),
            "signature": _b64(self.signature),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Cosignature:
        return cls(
            str(d["witness"]),
            str(d["witness_key_id"]),
            str(d["suite"]),
            _unb64(d["public_key"]),
            _unb64(d["signature"]),
        )


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: bytes
    timestamp_ms: int
    hash_alg: str
    suite: str
    key_id: str
    public_key: bytes
    signature: bytes
    cosignatures: tuple[Cosignature, ...] = field(default=())

    def data(self) -> bytes:
        return tree_head_data(self.timestamp_ms, self.size, self.root)

    def verify(self, load: KeyLoader) -> None:
        """Check the log's signature and every co-signature; raise ``tree_head_signature_invalid``."""
        try:
            load(self.suite, self.public_key).verify(self.data(), self.signature)
            for c in self.cosignatures:
                load(c.suite, c.public_key).verify(self.data(), c.signature)
        except DomainError as exc:
            raise DomainError(
                "tree_head_signature_invalid",
                f"树头签名无效（大小 {self.size}）：{exc.message_zh}",
                f"The tree head for size {self.size} has an invalid signature: {exc.message_en}",
                size=self.size,
            ) from None

    def as_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "root": self.root.hex(),
            "timestamp_ms": self.timestamp_ms,
            "hash_alg": self.hash_alg,
            "suite": self.suite,
            "key_id": self.key_id,
            "public_key": _b64(self.public_key),
            "signature": _b64(self.signature),
            "cosignatures": [c.as_json() for c in self.cosignatures],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TreeHead:
        try:
            return cls(
                int(d["size"]),
                bytes.fromhex(d["root"]),
                int(d["timestamp_ms"]),
                str(d["hash_alg"]),
                str(d["suite"]),
                str(d["key_id"]),
                _unb64(d["public_key"]),
                _unb64(d["signature"]),
                tuple(Cosignature.from_json(c) for c in d.get("cosignatures", [])),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise DomainError("tree_head_malformed", "树头格式错误", f"The tree head is malformed: {exc}") from None

    def with_cosignature(self, cosignature: Cosignature) -> TreeHead:
        others = tuple(c for c in self.cosignatures if c.witness_key_id != cosignature.witness_key_id)
        return TreeHead(
            self.size,
            self.root,
            self.timestamp_ms,
            self.hash_alg,
            self.suite,
            self.key_id,
            self.public_key,
            self.signature,
            (*others, cosignature),
        )


class LogStore(Protocol):
    def size_and_hash(self) -> tuple[int, str]: ...
    def nodes(self, keys: list[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]: ...
    def leaf(self, seq: int) -> bytes | None: ...
    def latest_tree_head(self) -> TreeHead | None: ...
    def tree_head(self, size: int) -> TreeHead | None: ...
    def add_tree_head(self, head: TreeHead) -> None: ...


def _lookup(store: LogStore, fn: Any) -> merkle.Lookup:
    return merkle.from_mapping(store.nodes(merkle.plan(fn)))


def root_at(store: LogStore, size: int) -> bytes:
    _, alg = store.size_and_hash()
    h = merkle.hash_function(alg)
    return merkle.root(h, size, _lookup(store, lambda lk: merkle.root(h, size, lk)))


def sign_tree_head(
    store: LogStore, *, suite: str, key: Signer, key_id: str, public_key: bytes, now: datetime
) -> TreeHead:
    """Sign the current tree head and keep it. Signing the same size again returns the kept one."""
    size, alg = store.size_and_hash()
    existing = store.tree_head(size)
    if existing is not None:
        return existing
    root = root_at(store, size)
    ts = int(now.timestamp() * 1000)
    head = TreeHead(size, root, ts, alg, suite, key_id, public_key, key.sign(tree_head_data(ts, size, root)))
    store.add_tree_head(head)
    return head


def inclusion_proof(store: LogStore, seq: int, head: TreeHead) -> dict[str, Any]:
    size, alg = store.size_and_hash()
    if not 0 <= seq < head.size <= size:
        raise NotFound(
            "ledger_entry_not_in_tree",
            f"条目 {seq} 不在大小为 {head.size} 的树中",
            f"Entry {seq} is not in the tree of size {head.size}",
            seq=seq,
            size=head.size,
        )
    h = merkle.hash_function(alg)
    path = merkle.inclusion_path(
        h, seq, head.size, _lookup(store, lambda lk: merkle.inclusion_path(h, seq, head.size, lk))
    )
    leaf = store.leaf(seq)
    assert leaf is not None
    return {
        "type": "inclusion",
        "hash_alg": alg,
        "leaf_index": seq,
        "tree_size": head.size,
        "leaf_hash": leaf.hex(),
        "inclusion_path": [p.hex() for p in path],
        "tree_head": head.as_json(),
    }


def consistency_proof(store: LogStore, first: int, second: int) -> dict[str, Any]:
    size, alg = store.size_and_hash()
    if not 0 < first <= second <= size:
        raise DomainError(
            "consistency_range_invalid",
            f"无法证明从 {first} 到 {second} 的一致性",
            f"No consistency proof from size {first} to {second} (log size {size})",
        )
    h = merkle.hash_function(alg)
    proof = merkle.consistency_path(
        h, first, second, _lookup(store, lambda lk: merkle.consistency_path(h, first, second, lk))
    )
    return {"type": "consistency", "hash_alg": alg, "first": first, "second": second, "proof": [p.hex() for p in proof]}


def check_inclusion(proof: dict[str, Any], load: KeyLoader, leaf_data: bytes | None = None) -> TreeHead:
    """Verify an inclusion proof document offline; returns the tree head it is anchored to."""
    try:
        head = TreeHead.from_json(proof["tree_head"])
        h = merkle.hash_function(proof["hash_alg"])
        leaf = bytes.fromhex(proof["leaf_hash"])
        path = [bytes.fromhex(p) for p in proof["inclusion_path"]]
        index, size = int(proof["leaf_index"]), int(proof["tree_size"])
    except (KeyError, ValueError, TypeError) as exc:
        raise DomainError("proof_malformed", "证明格式错误", f"The proof is malformed: {exc}") from None
    head.verify(load)
    if leaf_data is not None and merkle.leaf_hash(h, leaf_data) != leaf:
        raise DomainError(
            "proof_leaf_mismatch",
            "条目内容与证明中的叶哈希不符",
            "The entry's content does not match the proof's leaf hash",
        )
    if (
        size != head.size
        or head.hash_alg != proof["hash_alg"]
        or not merkle.verify_inclusion(h, index, size, leaf, path, head.root)
    ):
        raise DomainError("proof_invalid", "包含证明不成立", "The inclusion proof does not verify")
    return head


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
