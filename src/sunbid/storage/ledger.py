"""The ledger in the database: serialised appends in the caller's transaction, node reads
for proofs, checkpoints and co-signatures, and the append-only triggers."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession

from sunbid.kernel.errors import Conflict
from sunbid.kernel.events import DomainEvent
from sunbid.ledger import merkle
from sunbid.ledger.entries import Entry, canonical_json, refuse_floats
from sunbid.ledger.log import Cosignature, TreeHead
from sunbid.storage.tables import (
    APPEND_ONLY,
    ledger_checkpoints,
    ledger_cosignatures,
    ledger_entries,
)

Conn = OrmSession | Connection


@dataclass(frozen=True)
class Head:
    size: int
    hash_alg: str


def _driver(conn: Conn) -> tuple[Connection, str]:
    """The Core connection under ``conn`` and its parameter marker, for driver-level SQL."""
    raw = conn.connection() if isinstance(conn, OrmSession) else conn
    return raw, "?" if raw.dialect.paramstyle == "qmark" else "%s"


def head(conn: Conn, *, for_update: bool = False, configured: str | None = None) -> Head:
    raw, mark = _driver(conn)
    lock = " FOR UPDATE" if for_update and raw.dialect.name != "sqlite" else ""
    row = raw.exec_driver_sql(f"SELECT size, hash_alg FROM ledger_head WHERE id = 1{lock}").first()
    if row is None:
        raw.exec_driver_sql(f"INSERT INTO ledger_head (id, size, hash_alg) VALUES (1, 0, {mark})", (configured,))
        return Head(0, configured or "sm3")
    size, alg = int(row[0]), row[1]
    if alg is None:
        if configured is not None:
            raw.exec_driver_sql(f"UPDATE ledger_head SET hash_alg = {mark} WHERE id = 1", (configured,))
        return Head(size, configured or "sm3")
    if configured is not None and alg != configured:
        raise Conflict(
            "ledger_hash_mismatch",
            f"账本已使用 {alg} 哈希，配置为 {configured}",
            f"The ledger is hashed with {alg} but the configuration asks for {configured}",
        )
    return Head(size, str(alg))


#: The columns of a ledger row, in the order ``append`` writes them. ``nodes`` holds the
#: hashes of the perfect subtrees the entry completes (level 1 upward, one digest each):
#: the node ``(level, idx)`` lives in the row of its last leaf, ``((idx + 1) << level) - 1``.
ROW = ("seq", "subject_id", "public", "body", "leaf_hash", "nodes")


def append(conn: Conn, events: Sequence[DomainEvent], hash_alg: str) -> list[int]:
    """Append events as leaves, in the caller's transaction; returns their sequence numbers.

    The head row is locked first (SQLite's BEGIN IMMEDIATE already serialises writers), so
    concurrent transactions append one after the other and commit in sequence order. Each
    entry is one row: its canonical body, its leaf hash and the subtree hashes it completes.
    Rows stream to the database as they are hashed: PostgreSQL stores one while the next is
    being hashed.
    """
    if not events:
        return []
    current = head(conn, for_update=True, configured=hash_alg)
    h = merkle.hash_function(current.hash_alg)
    size = current.size
    tree = merkle.CompactRange.resume(h, size, _fetch(conn, merkle.right_edge(size)))
    raw, mark = _driver(conn)

    def rows() -> Iterator[tuple[Any, ...]]:
        for i, event in enumerate(events, size):
            entry = Entry.of(i, event)
            refuse_floats(entry.data)
            body = canonical_json(entry.as_json(), checked=True)
            made = tree.append(merkle.leaf_hash(h, body))
            yield (
                i,
                entry.subject_id,
                entry.public,
                body.decode("utf-8"),
                made[0][1],
                b"".join(node for _key, node in made[1:]) or None,
            )

    # Driver-level statements: the rows are plain values, and SQLAlchemy's per-row
    # processing would cost more than the hashing.
    if raw.dialect.name == "sqlite":
        raw.exec_driver_sql(
            f"INSERT INTO ledger_entries ({', '.join(ROW)}) VALUES ({', '.join([mark] * len(ROW))})", list(rows())
        )
    else:
        cursor = raw.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY ledger_entries ({', '.join(ROW)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        finally:
            cursor.close()
    raw.exec_driver_sql(f"UPDATE ledger_head SET size = {mark} WHERE id = 1", (size + len(events),))
    return list(range(size, size + len(events)))


def _fetch(conn: Conn, keys: Sequence[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """Hashes of perfect subtrees, each read from the row of its last leaf: level 0 is the
    leaf hash, level l >= 1 the l-th digest of ``nodes``. One plain ``seq IN (...)`` query per
    500 rows, answered from the primary key: compiling a fresh SQLAlchemy expression for
    every proof costs thirty times more than the query itself."""
    out: dict[merkle.NodeKey, bytes] = {}
    raw, mark = _driver(conn)
    by_row: dict[int, list[merkle.NodeKey]] = {}
    for level, idx in dict.fromkeys(keys):
        by_row.setdefault(((idx + 1) << level) - 1, []).append((level, idx))
    seqs = list(by_row)
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        sql = f"SELECT seq, leaf_hash, nodes FROM ledger_entries WHERE seq IN ({', '.join([mark] * len(chunk))})"
        for seq, leaf_hash, nodes in raw.exec_driver_sql(sql, tuple(chunk)):
            leaf, width = bytes(leaf_hash), len(leaf_hash)
            for level, idx in by_row[int(seq)]:
                if level == 0:
                    out[(0, idx)] = leaf
                elif nodes is not None and len(nodes) >= level * width:
                    out[(level, idx)] = bytes(nodes[(level - 1) * width : level * width])
    return out


def lookup(conn: Conn, keys: Sequence[merkle.NodeKey]) -> merkle.Lookup:
    return merkle.from_mapping(_fetch(conn, keys))


def entry_rows(
    conn: Conn,
    *,
    after: int | None = None,
    limit: int | None = None,
    subject_id: str | None = None,
    public_only: bool = False,
) -> Iterator[Any]:
    stmt = sa.select(ledger_entries).order_by(ledger_entries.c.seq)
    if after is not None:
        stmt = stmt.where(ledger_entries.c.seq > after)
    if public_only:
        stmt = stmt.where(ledger_entries.c.public.is_(True))
    if subject_id is not None:
        stmt = stmt.where(ledger_entries.c.subject_id == subject_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    yield from conn.execute(stmt)


def first_positions(conn: Conn, subject_ids: Sequence[str]) -> dict[str, int]:
    """The sequence number of the first entry about each subject (from the subject index)."""
    out: dict[str, int] = {}
    unique = list(dict.fromkeys(subject_ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        stmt = (
            sa.select(ledger_entries.c.subject_id, sa.func.min(ledger_entries.c.seq))
            .where(ledger_entries.c.subject_id.in_(chunk))
            .group_by(ledger_entries.c.subject_id)
        )
        out.update({str(subject): int(seq) for subject, seq in conn.execute(stmt)})
    return out


def entry_json(row: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(row.body)
    return body


def add_checkpoint(conn: Conn, values: dict[str, Any]) -> None:
    exists = conn.execute(
        sa.select(ledger_checkpoints.c.size).where(ledger_checkpoints.c.size == values["size"])
    ).first()
    if exists is None:
        conn.execute(sa.insert(ledger_checkpoints).values(**values))


def checkpoints(conn: Conn, *, after: int | None = None, limit: int | None = None) -> list[Any]:
    stmt = sa.select(ledger_checkpoints).order_by(ledger_checkpoints.c.size)
    if after is not None:
        stmt = stmt.where(ledger_checkpoints.c.size > after)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(conn.execute(stmt))


def checkpoint(conn: Conn, size: int | None = None) -> Any:
    stmt = sa.select(ledger_checkpoints)
    stmt = (
        stmt.where(ledger_checkpoints.c.size == size)
        if size is not None
        else stmt.order_by(ledger_checkpoints.c.size.desc()).limit(1)
    )
    return conn.execute(stmt).first()


def add_cosignature(conn: Conn, values: dict[str, Any]) -> bool:
    exists = conn.execute(
        sa.select(ledger_cosignatures.c.size).where(
            ledger_cosignatures.c.size == values["size"],
            ledger_cosignatures.c.witness_key_id == values["witness_key_id"],
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(sa.insert(ledger_cosignatures).values(**values))
    return True


def cosignatures(conn: Conn, size: int) -> list[Any]:
    return list(conn.execute(sa.select(ledger_cosignatures).where(ledger_cosignatures.c.size == size)))


# ---------------------------------------------------------------------------- triggers
def create_triggers(conn: Connection) -> None:
    """Refuse UPDATE and DELETE on the log's tables; the head may only grow. Idempotent:
    each trigger is dropped, if it exists, and created again."""
    sqlite = conn.dialect.name == "sqlite"

    def trigger(name: str, table: str, body: str) -> None:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}"))
        conn.exec_driver_sql(f"CREATE TRIGGER {name} {body}")

    if sqlite:
        for table in APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                trigger(
                    f"{table}_no_{op.lower()}",
                    table,
                    f"BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
                )
        trigger(
            "ledger_head_only_grows",
            "ledger_head",
            "BEFORE UPDATE ON ledger_head "
            "WHEN NEW.size < OLD.size OR (OLD.hash_alg IS NOT NULL AND NEW.hash_alg IS NOT OLD.hash_alg) "
            "BEGIN SELECT RAISE(ABORT, 'the ledger head only grows'); END",
        )
        trigger(
            "ledger_head_no_delete",
            "ledger_head",
            "BEFORE DELETE ON ledger_head BEGIN SELECT RAISE(ABORT, 'the ledger head only grows'); END",
        )
        return
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION sunbid_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION sunbid_ledger_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF TG_OP <> 'UPDATE' OR NEW.size < OLD.size "
        "OR (OLD.hash_alg IS NOT NULL AND NEW.hash_alg IS DISTINCT FROM OLD.hash_alg) THEN "
        "RAISE EXCEPTION 'the ledger head only grows' USING ERRCODE = 'insufficient_privilege'; END IF; "
        "RETURN NEW; END $$"
    )
    for table in APPEND_ONLY:
        trigger(
            f"{table}_append_only",
            table,
            f"BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION sunbid_append_only()",
        )
        trigger(
            f"{table}_no_truncate",
            table,
            f"BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION sunbid_append_only()",
        )
    trigger(
        "ledger_head_guard",
        "ledger_head",
        "BEFORE UPDATE OR DELETE ON ledger_head FOR EACH ROW EXECUTE FUNCTION sunbid_ledger_head_guard()",
    )
    trigger(
        "ledger_head_no_truncate",
        "ledger_head",
        "BEFORE TRUNCATE ON ledger_head FOR EACH STATEMENT EXECUTE FUNCTION sunbid_append_only()",
    )


# ---------------------------------------------------------------------------- the log store
def _head_from_row(row: Any, cosigs: list[Any]) -> TreeHead:
    return TreeHead(
        int(row.size),
        bytes(row.root),
        int(row.timestamp_ms),
        row.hash_alg,
        row.suite,
        row.key_id,
        bytes(row.public_key),
        bytes(row.signature),
        tuple(
            Cosignature(c.witness, c.witness_key_id, c.suite, bytes(c.public_key), bytes(c.signature)) for c in cosigs
        ),
    )


class SqlLogStore:
    """The :class:`sunbid.ledger.log.LogStore` over a connection (the caller owns the transaction)."""

    def __init__(self, conn: Conn, hash_alg: str = "sm3") -> None:
        self.conn, self._configured = conn, hash_alg

    def size_and_hash(self) -> tuple[int, str]:
        current = head(self.conn)
        return current.size, current.hash_alg if current.size else self._configured

    def nodes(self, keys: list[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
        return _fetch(self.conn, keys)

    def leaf(self, seq: int) -> bytes | None:
        row = self.conn.execute(sa.select(ledger_entries.c.leaf_hash).where(ledger_entries.c.seq == seq)).first()
        return bytes(row.leaf_hash) if row else None

    def latest_tree_head(self) -> TreeHead | None:
        row = checkpoint(self.conn)
        return _head_from_row(row, cosignatures(self.conn, row.size)) if row else None

    def tree_head(self, size: int) -> TreeHead | None:
        row = checkpoint(self.conn, size)
        return _head_from_row(row, cosignatures(self.conn, size)) if row else None

    def add_tree_head(self, tree_head: TreeHead) -> None:
        add_checkpoint(
            self.conn,
            {
                "size": tree_head.size,
                "root": tree_head.root,
                "timestamp_ms": tree_head.timestamp_ms,
                "hash_alg": tree_head.hash_alg,
                "suite": tree_head.suite,
                "key_id": tree_head.key_id,
                "public_key": tree_head.public_key,
                "signature": tree_head.signature,
            },
        )

    def add_cosignature(self, size: int, cosignature: Cosignature, received_at: Any) -> bool:
        return add_cosignature(
            self.conn,
            {
                "size": size,
                "witness_key_id": cosignature.witness_key_id,
                "witness": cosignature.witness,
                "suite": cosignature.suite,
                "public_key": cosignature.public_key,
                "signature": cosignature.signature,
                "received_at": received_at,
            },
        )


def export_records(conn: Conn, *, redact: bool = False, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """The log as export records: header, tree heads, then entries (non-public bodies redacted if asked)."""
    current = head(conn)
    yield {"type": "header", "format": "sunbid-ledger/1", "hash_alg": current.hash_alg, "size": current.size}
    for row in checkpoints(conn):
        yield {"type": "checkpoint", **_head_from_row(row, cosignatures(conn, row.size)).as_json()}
    after = -1
    while True:
        rows = list(entry_rows(conn, after=after, limit=batch))
        if not rows:
            return
        for row in rows:
            hidden = redact and not row.public
            rec: dict[str, Any] = {
                "type": "entry",
                "seq": int(row.seq),
                "leaf_hash": bytes(row.leaf_hash).hex(),
                "body": None if hidden else row.body,
            }
            if not hidden:
                rec.update({"subject_id": row.subject_id, "public": bool(row.public)})
            yield rec
        after = int(rows[-1].seq)
