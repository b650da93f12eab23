"""Storage on the real databases: exact money, UTC times, migrations, blobs, transactions."""

from __future__ import annotations

import hashlib
import io
import json
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sunbid.bootstrap import Platform
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import Context
from sunbid.kernel.errors import DomainError
from sunbid.kernel.events import DomainEvent
from sunbid.storage.blobs import EXTENT, BlobRef, DirectoryBlobStore
from sunbid.storage.tables import ledger_entries as events
from sunbid.storage.tables import metadata
from sunbid.tendering import service as tendering
from tests.factories import World, make_world


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock, tokens=False)


def test_migrations_create_exactly_the_schema_the_code_declares(platform: Platform) -> None:
    with platform.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), metadata)
    assert diff == []


@pytest.mark.parametrize("amount", ["0.01", "12500000.00", "9999999999999.99", "1234567890123.45"])
def test_money_round_trips_to_the_fen(world: World, amount: str) -> None:
    plan_id = world.published_plan(price=amount)
    plan = tendering.get_plan(world.uow(), world.ctx("tenderer"), plan_id)
    assert plan.estimated_price == Decimal(amount)
    assert str(plan.estimated_price) == amount


def test_times_come_back_as_utc(world: World, clock: FixedClock) -> None:
    tender_id = world.draft_tender()
    tender = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)
    assert tender.created_at == clock.now()
    assert tender.bid_deadline.tzinfo is not None
    assert tender.bid_deadline.utcoffset() == timedelta(0)


def test_a_use_case_that_fails_halfway_writes_nothing_not_even_its_events(
    world: World, platform: Platform, clock: FixedClock
) -> None:
    tender_id, objection_id = world.suspended_tender()
    clock.set(tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).bid_deadline)
    with platform.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
    # The answer is recorded in memory, then refused: the deadline passed while suspended.
    with pytest.raises(DomainError) as refused:
        tendering.answer_objection(world.uow(), world.ctx("tenderer"), tender_id, objection_id, "答复")
    assert refused.value.code == "deadline_passed_during_suspension"
    with platform.engine.connect() as conn:
        after = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
    assert after == before
    tender = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)
    assert tender.objections[0].status == "pending"
    assert tender.status == "suspended"


def test_events_are_written_in_the_same_transaction_with_increasing_sequence(
    world: World, platform: Platform, clock: FixedClock
) -> None:
    uow = platform.uow()
    with uow:
        for n in range(3):
            uow.emit(DomainEvent(f"Test{n}", "test", "x", clock.now(), None, True, {"n": n}))
        uow.commit()
    seqs = [seq for seq, _ev in uow.committed_events]
    assert seqs == list(range(seqs[0], seqs[0] + 3)), "consecutive, gapless sequence numbers"
    with uow:
        uow.emit(DomainEvent("Lost", "test", "x", clock.now(), None, True, {}))
    with platform.engine.connect() as conn:
        names = [json.loads(r.body)["name"] for r in conn.execute(sa.select(events.c.body).order_by(events.c.seq))]
    assert names[-3:] == ["Test0", "Test1", "Test2"]
    assert "Lost" not in names


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    from sunbid.storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_blob_store_is_content_addressed_and_streams(tmp_path: Path) -> None:
    store = DirectoryBlobStore(tmp_path)
    chunks = [bytes([n]) * (1 << 20) for n in range(8)]
    ref = store.put_chunks(iter(chunks))
    expected = hashlib.sha256(b"".join(chunks)).hexdigest()
    assert ref.sha256 == expected
    assert ref.size == 8 << 20
    assert store.put_file(io.BytesIO(b"".join(chunks))) == ref
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
    assert hashlib.sha256(b"".join(store.iter_chunks(ref.sha256))).hexdigest() == expected
    assert all(len(c) <= 1 << 20 for c in store.iter_chunks(ref.sha256))


@pytest.mark.parametrize(
    "sizes",
    [
        [],
        [0, 0],
        [EXTENT],
        [EXTENT + 1],
        [100_003] * 70,  # 7,000,210 bytes: three whole extents in pieces across their edges, and a tail
        [256 << 10] * 20,  # as the API writes an upload: 5 MiB, two extents and a tail of 1 MiB
        [5 << 20],  # one chunk larger than two extents
        [EXTENT - 1, 1, EXTENT, 7],
    ],
)
def test_blob_store_writes_each_whole_extent_in_one_aligned_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sizes: list[int]
) -> None:
    """Whatever the pieces, the stored bytes are the ones given, and each whole extent (and
    the tail) reaches the file last in one write at its own offset, so the page cache can hold
    it as one folio."""
    store = DirectoryBlobStore(tmp_path)
    writes: list[tuple[int, int]] = []
    pwrite = os.pwrite

    def spy(fd: int, data: Any, offset: int) -> int:
        writes.append((offset, len(data)))
        return pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", spy)
    chunks = [bytes([n % 251]) * size for n, size in enumerate(sizes)]
    ref = store.put_chunks(iter(chunks))
    data = b"".join(chunks)
    assert ref == BlobRef(hashlib.sha256(data).hexdigest(), len(data))
    assert b"".join(store.iter_chunks(ref.sha256)) == data
    extents = [(start, min(EXTENT, len(data) - start)) for start in range(0, len(data), EXTENT)]
    last_write_at = {offset: (offset, length) for offset, length in writes}
    assert [last_write_at[start] for start, _ in extents] == extents
    assert [p.name for p in (tmp_path / "tmp").iterdir()] == []


def test_blob_writers_on_many_threads_share_the_layout_buffers_without_mixing_bytes(tmp_path: Path) -> None:
    """Writers laying out extents at the same time each store exactly their own bytes."""
    from concurrent.futures import ThreadPoolExecutor

    from sunbid.storage import blobs

    store = DirectoryBlobStore(tmp_path)

    def upload(n: int) -> tuple[bytes, BlobRef]:
        data = hashlib.sha256(str(n).encode()).digest() * ((2 * EXTENT + 12_345 * n) // 32)
        return data, store.put_chunks(data[i : i + 99_991] for i in range(0, len(data), 99_991))

    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(upload, range(24)))
    for data, ref in results:
        assert ref.size == len(data)
        assert b"".join(store.iter_chunks(ref.sha256)) == data
    assert len(blobs._extents.kept) <= blobs._extents.keep


def test_blob_store_refuses_oversize_and_keeps_no_partial_file(tmp_path: Path) -> None:
    store = DirectoryBlobStore(tmp_path)
    with pytest.raises(DomainError) as refused:
        store.put_chunks(iter([b"x" * 100, b"y" * 100]), max_size=150)
    assert refused.value.code == "file_too_large"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    with pytest.raises(DomainError) as refused:  # after two extents were laid out
        store.put_chunks(iter([b"z" * (700 << 10)] * 9), max_size=5 << 20)
    assert refused.value.code == "file_too_large"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_blob_store_refuses_paths_that_are_not_hashes(tmp_path: Path) -> None:
    store = DirectoryBlobStore(tmp_path)
    with pytest.raises(DomainError):
        store.open("../../etc/passwd")
    assert not store.exists("0" * 63 + "g")


def test_scheduler_is_idempotent_on_the_database(world: World, platform: Platform, clock: FixedClock) -> None:
    tender_id = world.announced_tender()
    tender = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)
    clock.set(tender.bid_deadline)
    ctx = Context(actor=world.actors["admin"], clock=clock, rules=platform.rules)
    assert tendering.run_due(platform.uow(), ctx) == [("close_bidding", tender_id)]
    assert tendering.run_due(platform.uow(), ctx) == []
    assert tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).status == "bidding_closed"


def test_overdue_objection_answers_are_flagged_once(world: World, platform: Platform, clock: FixedClock) -> None:
    tender_id, objection_id = world.suspended_tender()
    clock.advance(timedelta(days=3, seconds=1))
    ctx = Context(actor=world.actors["admin"], clock=clock, rules=platform.rules)
    assert tendering.run_due(platform.uow(), ctx) == [("flag_overdue_objection", objection_id)]
    assert tendering.run_due(platform.uow(), ctx) == []
    assert tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).status == "suspended"


def test_ids_sort_by_creation_time(world: World, clock: FixedClock) -> None:
    first = world.draft_plan()
    clock.advance(timedelta(milliseconds=5))
    second = world.draft_plan()
    assert first < second
