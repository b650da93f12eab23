"""Migrations carry a database written by an earlier release forward without losing the log.

A database is created at revision 0001, given events in the plain event table, and upgraded
step by step: 0002 moves the events into the Merkle log (one row per leaf, one row per
subtree node), 0004 folds the subtree nodes into the entries. At the end the log verifies,
its root is the root of its leaves, every inclusion proof holds, and new appends continue it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sunbid.kernel.events import DomainEvent
from sunbid.ledger import log, merkle
from sunbid.ledger.keys import load_public
from sunbid.ledger.verify import verify
from sunbid.storage import ledger as store
from sunbid.storage import migrate
from sunbid.storage.db import make_engine
from tests.conftest import DATABASES, PG_URL, START

EVENTS = 45  # an odd size, so the tree has a ragged right edge


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    schema = f"sunbid_m_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_an_event_table_from_the_first_release_becomes_a_log_that_verifies(empty_url: str) -> None:
    migrate.upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    events = sa.table(
        "events",
        *(sa.column(c) for c in ("name", "subject_type", "subject_id", "actor_id", "address", "public")),
        sa.column("occurred_at"),
        sa.column("data", sa.JSON),
    )
    with engine.begin() as conn:
        conn.execute(
            sa.insert(events),
            [
                {
                    "name": "TenderAnnounced" if i % 3 else "UserLoggedIn",
                    "subject_type": "tender",
                    "subject_id": f"tnd_{i:026d}",
                    "actor_id": None,
                    "address": "127.0.0.1",
                    "public": bool(i % 3),
                    "occurred_at": START + timedelta(minutes=i),
                    "data": {"n": i, "title": "南京市第一中学"},
                }
                for i in range(EVENTS)
            ],
        )
    migrate.upgrade(empty_url, "0003")
    with engine.connect() as conn:
        old_leaves = [bytes(r[0]) for r in conn.execute(sa.text("SELECT leaf_hash FROM ledger_entries ORDER BY seq"))]
        assert conn.execute(sa.text("SELECT count(*) FROM ledger_nodes")).scalar_one() == EVENTS - bin(EVENTS).count(
            "1"
        )
    migrate.upgrade(empty_url)
    try:
        with engine.begin() as conn:
            records = list(store.export_records(conn))
            assert verify(records, load_public).ok
            s = store.SqlLogStore(conn)
            size, alg = s.size_and_hash()
            h = merkle.hash_function(alg)
            leaves = [bytes.fromhex(r["leaf_hash"]) for r in records if r["type"] == "entry"]
            assert (size, leaves) == (EVENTS, old_leaves)
            every = merkle.build(h, leaves)
            assert log.root_at(s, size) == merkle.root(h, size, merkle.from_mapping(every))
            for seq in range(size):
                want = merkle.inclusion_path(h, seq, size, merkle.from_mapping(every))
                keys = merkle.plan(lambda lk, i=seq: merkle.inclusion_path(h, i, size, lk))
                got = merkle.inclusion_path(h, seq, size, merkle.from_mapping(s.nodes(keys)))
                assert got == want
            more = [DomainEvent("TenderAnnounced", "tender", "tnd_x", START, None, True, {"n": 99})]
            store.append(conn, more, alg)
            added = next(store.entry_rows(conn, after=size - 1))
            every = merkle.build(h, [*leaves, merkle.leaf_hash(h, added.body.encode())])
            assert log.root_at(s, size + 1) == merkle.root(h, size + 1, merkle.from_mapping(every))
        with pytest.raises(sa.exc.DatabaseError), engine.begin() as conn:
            conn.execute(sa.text("UPDATE ledger_entries SET nodes = NULL"))
    finally:
        engine.dispose()


def test_a_grade_set_by_hand_before_0008_stays_in_force_as_an_override(empty_url: str, tmp_path: Path) -> None:
    from sunbid.kernel.clock import FixedClock
    from sunbid.kernel.context import SYSTEM, Context
    from sunbid.kernel.rules import RuleBook
    from sunbid.storage.blobs import DirectoryBlobStore
    from sunbid.storage.uow import SqlUnitOfWork
    from sunbid.supervision import credit_service

    migrate.upgrade(empty_url, "0007")
    engine = make_engine(empty_url)
    orgs = sa.table("organisations", *(sa.column(c) for c in ("id", "name", "credit_code", "address",
                                                                "legal_representative", "credit_grade")),
                    sa.column("created_at"))  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.insert(orgs), [
            {"id": "org_01KJP0Y9M04WZH5W4GPWH4EE4R", "name": "甲", "credit_code": "91320100MA0000001X", "address": "南京",
             "legal_representative": "", "credit_grade": "A", "created_at": START.replace(tzinfo=None)},
            {"id": "org_01KJP0Y9M04WZH5W4GPWH4EE4S", "name": "乙", "credit_code": "91320100MA0000002X", "address": "南京",
             "legal_representative": "", "credit_grade": None, "created_at": START.replace(tzinfo=None)},
        ])  # fmt: skip
    migrate.upgrade(empty_url)
    try:
        ctx = Context(actor=SYSTEM, clock=FixedClock(START + timedelta(days=1)), rules=RuleBook.default())
        uow = SqlUnitOfWork(engine, DirectoryBlobStore(tmp_path / "blobs"))
        credit_service.recompute(uow, ctx, scheduled=True)
        with engine.connect() as conn:
            grades = dict(conn.execute(sa.text("SELECT id, credit_grade FROM organisations")).all())
            kept = conn.execute(sa.text("SELECT override_grade, computed_grade FROM credit_grades "
                                        "WHERE subject_id = 'org_01KJP0Y9M04WZH5W4GPWH4EE4R'")).one()  # fmt: skip
        assert grades == {"org_01KJP0Y9M04WZH5W4GPWH4EE4R": "A", "org_01KJP0Y9M04WZH5W4GPWH4EE4S": "B"}
        assert tuple(kept) == ("A", "B"), "the hand-set grade is an override over the computed one"
    finally:
        engine.dispose()
