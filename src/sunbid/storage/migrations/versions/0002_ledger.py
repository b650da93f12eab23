"""The tamper-evident ledger replaces the plain event table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28

Existing events are moved into the ledger in their order, hashed as leaves of the Merkle
tree (with ``SUNBID_LEDGER_HASH``, default SM3), and the old table is dropped.
"""

from __future__ import annotations

import json
import os
from datetime import UTC

import sqlalchemy as sa
from alembic import op

import sunbid.storage.types
from sunbid.kernel.events import DomainEvent
from sunbid.ledger import merkle
from sunbid.ledger.entries import Entry
from sunbid.storage import ledger

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ledger_entries")),
    )
    op.create_index(op.f("ix_ledger_entries_subject_id"), "ledger_entries", ["subject_id"], unique=False)
    op.create_table(
        "ledger_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_ledger_nodes")),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("hash_alg", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_head")),
    )
    op.create_table(
        "ledger_checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(length=64), nullable=False),
        sa.Column("timestamp_ms", sa.BigInteger(), nullable=False),
        sa.Column("hash_alg", sa.String(length=16), nullable=False),
        sa.Column("suite", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=128), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_ledger_checkpoints")),
    )
    op.create_table(
        "ledger_cosignatures",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("witness_key_id", sa.String(length=128), nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("suite", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["size"], ["ledger_checkpoints.size"], name=op.f("fk_ledger_cosignatures_size_ledger_checkpoints")
        ),
        sa.PrimaryKeyConstraint("size", "witness_key_id", name=op.f("pk_ledger_cosignatures")),
    )
    conn = op.get_bind()
    conn.execute(sa.text("INSERT INTO ledger_head (id, size, hash_alg) VALUES (1, 0, NULL)"))
    old = sa.table(
        "events",
        sa.column("seq"),
        sa.column("name"),
        sa.column("subject_type"),
        sa.column("subject_id"),
        sa.column("occurred_at", sunbid.storage.types.UTCDateTime),
        sa.column("actor_id"),
        sa.column("address"),
        sa.column("public"),
        sa.column("data", sa.JSON),
    )
    rows = list(conn.execute(sa.select(old).order_by(old.c.seq)))
    events = [
        DomainEvent(
            r.name,
            r.subject_type,
            r.subject_id,
            r.occurred_at.astimezone(UTC),
            r.actor_id,
            bool(r.public),
            r.data if isinstance(r.data, dict) else json.loads(r.data),
            r.address,
        )
        for r in rows
    ]
    _move_into_log(conn, events, os.environ.get("SUNBID_LEDGER_HASH", "sm3"))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_subject_id"))
    op.drop_table("events")
    ledger.create_triggers(conn)


def _move_into_log(conn: sa.Connection, events: list[DomainEvent], alg: str) -> None:
    """Write the events as the first leaves, in this revision's layout: one row per entry
    and one ``ledger_nodes`` row per perfect subtree above the leaves (0004 folds those into
    the entries)."""
    if not events:
        return
    h = merkle.hash_function(alg)
    entries = [Entry.of(seq, event) for seq, event in enumerate(events)]
    bodies = [entry.canonical() for entry in entries]
    leaves = [merkle.leaf_hash(h, body) for body in bodies]
    table = sa.table(
        "ledger_entries",
        *(sa.column(c) for c in ("seq", "name", "subject_type", "subject_id", "public", "body", "leaf_hash")),
        sa.column("occurred_at", sunbid.storage.types.UTCDateTime),
    )
    conn.execute(
        sa.insert(table),
        [
            {
                "seq": e.seq,
                "name": e.name,
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
                "occurred_at": e.occurred_at,
                "public": e.public,
                "body": body.decode("utf-8"),
                "leaf_hash": leaf,
            }
            for e, body, leaf in zip(entries, bodies, leaves, strict=True)
        ],
    )
    nodes = sa.table("ledger_nodes", sa.column("level"), sa.column("idx"), sa.column("hash"))
    inner = [{"level": k[0], "idx": k[1], "hash": v} for k, v in merkle.build(h, leaves).items() if k[0] > 0]
    if inner:
        conn.execute(sa.insert(nodes), inner)
    conn.execute(
        sa.text("UPDATE ledger_head SET size = :n, hash_alg = :alg WHERE id = 1"), {"n": len(events), "alg": alg}
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger cannot be downgraded: it would discard the tamper-evident record")
