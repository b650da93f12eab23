"""One row per ledger entry: the subtree hashes move into the entries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Each entry's row gains ``nodes``: the hashes of the perfect subtrees its leaf completes,
level 1 upward, so an append writes one row per entry instead of two. They are rebuilt
here from the leaf hashes (the old ``ledger_nodes`` rows are derived data and are dropped).
The columns ``name``, ``subject_type`` and ``occurred_at`` are dropped: the body holds them.
On SQLite ``seq`` becomes the table's rowid. The append-only triggers are lifted for the
rebuild and put back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sunbid.ledger import merkle
from sunbid.storage import ledger

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    triggers = ("ledger_entries_no_update", "ledger_entries_no_delete") if sqlite else ("ledger_entries_append_only",)
    for name in triggers:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else " ON ledger_entries"))
    op.add_column("ledger_entries", sa.Column("nodes", sa.LargeBinary(), nullable=True))
    alg = conn.execute(sa.text("SELECT hash_alg FROM ledger_head WHERE id = 1")).scalar()
    if alg is not None:
        tree = merkle.CompactRange(merkle.hash_function(alg))
        update = sa.text("UPDATE ledger_entries SET nodes = :nodes WHERE seq = :seq")
        after = -1
        while True:
            rows = conn.execute(
                sa.text("SELECT seq, leaf_hash FROM ledger_entries WHERE seq > :after ORDER BY seq LIMIT :n"),
                {"after": after, "n": BATCH},
            ).all()
            if not rows:
                break
            changes = []
            for seq, leaf in rows:
                if int(seq) != tree.size:
                    raise RuntimeError(f"ledger entry {tree.size} is missing: run `sunbid ledger verify` first")
                made = tree.append(bytes(leaf))
                if len(made) > 1:
                    changes.append({"seq": int(seq), "nodes": b"".join(node for _key, node in made[1:])})
            if changes:
                conn.execute(update, changes)
            after = int(rows[-1][0])
    with op.batch_alter_table("ledger_entries", recreate="always" if sqlite else "auto") as batch:
        batch.drop_column("name")
        batch.drop_column("subject_type")
        batch.drop_column("occurred_at")
        if sqlite:
            batch.alter_column("seq", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False)
    op.drop_table("ledger_nodes")
    ledger.create_triggers(conn)


def downgrade() -> None:
    raise NotImplementedError("the ledger cannot be downgraded: it would discard the tamper-evident record")
