"""The ledger for anyone to check: tree heads, entries, proofs, and witnesses' co-signatures."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from sunbid.api.deps import Ctx, Plat
from sunbid.api.schemas import In
from sunbid.bootstrap import Platform
from sunbid.identity.policy import Action, allowed, authorize
from sunbid.kernel.errors import DomainError, NotFound
from sunbid.ledger import log
from sunbid.ledger.keys import load_public
from sunbid.storage import ledger as store

router = APIRouter(prefix="/ledger", tags=["ledger"])


class TreeHeadOut(BaseModel):
    size: int
    root: str = Field(description="Hex Merkle tree hash (RFC 9162)")
    timestamp_ms: int
    hash_alg: str
    suite: str
    key_id: str
    public_key: str = Field(description="Base64 DER SubjectPublicKeyInfo of the log key")
    signature: str = Field(description="Base64 signature over the TLS-encoded TreeHeadDataV2")
    cosignatures: list[dict[str, str]]


class CosignatureIn(In):
    witness: Annotated[str, Field(min_length=1, max_length=200)]
    suite: Annotated[str, Field(pattern="^(gm|intl)$")]
    public_key: Annotated[str, Field(min_length=1, max_length=2000)]
    signature: Annotated[str, Field(min_length=1, max_length=2000)]


def _store(p: Platform, conn: Any) -> store.SqlLogStore:
    return store.SqlLogStore(conn, p.settings.ledger_hash)


@router.get("/tree-head", response_model=TreeHeadOut)
def latest_tree_head(p: Plat) -> dict[str, Any]:
    """The latest signed tree head."""
    with p.engine.connect() as conn:
        head = _store(p, conn).latest_tree_head()
    if head is None:
        raise NotFound("tree_head_not_found", "尚无已签名的树头", "No tree head has been signed yet")
    return head.as_json()


@router.post("/tree-heads", response_model=TreeHeadOut, status_code=201)
def sign_tree_head(ctx: Ctx, p: Plat) -> dict[str, Any]:
    """Sign the current tree head now (the scheduler does this on every pass)."""
    authorize(ctx.actor, Action.SCHEDULER_RUN)
    return p.sign_tree_head().as_json()


@router.get("/tree-heads/{size}", response_model=TreeHeadOut)
def tree_head(size: int, p: Plat) -> dict[str, Any]:
    with p.engine.connect() as conn:
        head = _store(p, conn).tree_head(size)
    if head is None:
        raise NotFound("tree_head_not_found", f"没有大小为 {size} 的树头", f"No tree head for size {size}")
    return head.as_json()


@router.post("/tree-heads/{size}/cosignatures", response_model=TreeHeadOut, status_code=201)
def cosign(size: int, body: CosignatureIn, ctx: Ctx, p: Plat) -> dict[str, Any]:
    """A witness (a supervisor or auditor) deposits its co-signature of a tree head it has checked."""
    authorize(ctx.actor, Action.EVENTS_READ_ALL)
    try:
        public_key, signature = (
            base64.b64decode(body.public_key, validate=True),
            base64.b64decode(body.signature, validate=True),
        )
    except ValueError:
        raise DomainError(
            "cosignature_invalid", "联署签名不是合法的 Base64", "The co-signature is not valid base64"
        ) from None
    with p.engine.begin() as conn:
        s = _store(p, conn)
        head = s.tree_head(size)
        if head is None:
            raise NotFound("tree_head_not_found", f"没有大小为 {size} 的树头", f"No tree head for size {size}")
        verifier = load_public(body.suite, public_key)
        try:
            verifier.verify(head.data(), signature)
        except DomainError:
            raise DomainError(
                "cosignature_invalid", "联署签名与该树头不符", "The co-signature does not match this tree head"
            ) from None
        key_id = _key_id(body.suite, public_key)
        cosig = log.Cosignature(body.witness, key_id, body.suite, public_key, signature)
        s.add_cosignature(size, cosig, p.clock.now())
        stored = s.tree_head(size)
    assert stored is not None
    return stored.as_json()


def _key_id(suite: str, public_key: bytes) -> str:
    from sunbid.crypto import get_suite

    return get_suite(suite).load_public_key(public_key).key_id()


@router.get("/entries")
def entries(
    ctx: Ctx,
    p: Plat,
    after: Annotated[int | None, Query(ge=-1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Entries in order with their leaf hashes. Bodies of non-public entries are shown to
    supervisors and auditors only; others get the leaf hash, enough to check the tree."""
    full = allowed(ctx.actor, Action.EVENTS_READ_ALL)
    with p.engine.connect() as conn:
        rows = list(store.entry_rows(conn, after=after, limit=limit))
    items = []
    for row in rows:
        shown = full or row.public
        items.append(
            {"seq": int(row.seq), "leaf_hash": bytes(row.leaf_hash).hex(), "body": row.body if shown else None}
        )
    return {"items": items, "next_cursor": items[-1]["seq"] if items else None}


@router.get("/export", response_class=StreamingResponse)
def export(ctx: Ctx, p: Plat) -> StreamingResponse:
    """The whole log as JSON Lines (the format `sunbid ledger verify` reads), streamed."""
    redact = not allowed(ctx.actor, Action.EVENTS_READ_ALL)

    def lines() -> Iterator[bytes]:
        with p.engine.connect() as conn:
            for rec in store.export_records(conn, redact=redact):
                yield (json.dumps(rec, ensure_ascii=False) + "\n").encode()

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@router.get("/proofs/inclusion")
def inclusion(
    p: Plat, seq: Annotated[int, Query(ge=0)], tree_size: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    """An inclusion proof of entry ``seq`` against a signed tree head (the latest by default)."""
    with p.engine.connect() as conn:
        s = _store(p, conn)
        head = s.tree_head(tree_size) if tree_size else s.latest_tree_head()
        if head is None:
            raise NotFound("tree_head_not_found", "没有该树头", "No such signed tree head")
        return log.inclusion_proof(s, seq, head)


@router.get("/proofs/consistency")
def consistency(p: Plat, first: Annotated[int, Query(ge=1)], second: Annotated[int, Query(ge=1)]) -> dict[str, Any]:
    """A consistency proof that the tree of ``first`` entries is a prefix of the tree of ``second``."""
    with p.engine.connect() as conn:
        return log.consistency_proof(_store(p, conn), first, second)
