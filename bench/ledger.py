"""Ledger benchmarks, each printed as a ratio against a baseline measured in the same run.

1. Appends: events appended through the ledger (canonical JSON, leaf hash, node hashes, rows
   inserted, one commit per batch) against raw hashing of the same entries (canonical JSON
   and leaf hash only). The batch is one request's events; a commit per request is how the
   platform writes. Ratio = ledger appends/s ÷ raw hashes/s (target ≥ 0.5).
2. Proofs in a 10-million-entry log: producing an inclusion proof (planning the O(log n)
   node reads, fetching them, assembling the path) and verifying it, at sizes 10^3 … 10^7,
   to show the cost grows with log n (target under 1 ms each at 10^7). The nodes of the big
   trees are held in per-level arrays, built by the same CompactRange the verifier uses;
   a database-backed store is measured too, at sizes the run builds on disk.
3. Full verification of a 1-million-entry log (from an export stream: header, tree heads,
   entries) against raw hashing of the same entries' bodies. Ratio = verify time ÷ hash time.

Run: ``uv run python bench/ledger.py`` (``--quick`` for a smoke run; ``--database-url`` for
PostgreSQL). Results are also written to ``bench/results/ledger.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from sunbid.kernel.events import DomainEvent
from sunbid.ledger import log, merkle
from sunbid.ledger.entries import Entry
from sunbid.ledger.keys import load_public
from sunbid.ledger.verify import verify
from sunbid.storage import ledger as store
from sunbid.storage import migrate
from sunbid.storage.db import make_engine

console = Console()
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def events(n: int, offset: int = 0) -> list[DomainEvent]:
    return [
        DomainEvent(
            "TenderDocumentUploaded",
            "tender",
            f"tnd_01KJP0Y9M0{(offset + i) % 10**14:014d}",
            START + timedelta(milliseconds=offset + i),
            "usr_01KJP0Y9M0F565VS3RMJVQ2T2X",
            True,
            {"document_id": f"doc_{offset + i:026d}", "sha256": f"{offset + i:064x}", "size": 1024 + i, "version": 1},
            "10.0.0.8",
        )
        for i in range(n)
    ]


def raw_hash(h: merkle.HashFn, evs: list[DomainEvent], first: int = 0) -> None:
    """The baseline: each entry's canonical JSON and its leaf hash, nothing stored."""
    for i, ev in enumerate(evs, first):
        merkle.leaf_hash(h, Entry.of(i, ev).canonical())


def best(fn: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def fresh_db(url: str | None, tmp: Path, name: str) -> tuple[str, Callable[[], None]]:
    if url is None:
        db = f"sqlite:///{tmp / name}.db"
        migrate.upgrade(db)
        return db, lambda: None
    schema = f"bench_{name}_{int(time.time())}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    db = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    migrate.upgrade(db)

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return db, drop


def bench_appends(url: str | None, tmp: Path, n: int, batch: int, alg: str, repeat: int = 5) -> dict[str, Any]:
    """``repeat`` runs, each on a fresh, migrated database. Within a run the arms alternate
    batch by batch (the raw hashing of a batch, then its append and commit), so noise from
    elsewhere on the machine falls on both alike. The ratio is the median of the runs'."""
    h = merkle.hash_function(alg)
    evs = events(n)
    runs = []
    for attempt in range(repeat):
        db, drop = fresh_db(url, tmp, f"appends{batch}_{attempt}")
        engine = make_engine(db)
        raw = took = 0.0
        for start in range(0, n, batch):
            chunk = evs[start : start + batch]
            t = time.perf_counter()
            raw_hash(h, chunk, start)
            t1 = time.perf_counter()
            with engine.begin() as conn:
                store.append(conn, chunk, alg)
            t2 = time.perf_counter()
            raw, took = raw + (t1 - t), took + (t2 - t1)
        runs.append((raw / took, raw, took))
        engine.dispose()
        drop()
    ratio, raw, took = sorted(runs)[len(runs) // 2]
    return {
        "entries": n,
        "batch": batch,
        "raw_per_s": n / raw,
        "ledger_per_s": n / took,
        "ratio": ratio,
        "ratio_low": min(r[0] for r in runs),
        "ratio_high": max(r[0] for r in runs),
    }


class LevelArrays:
    """Perfect-subtree hashes of a big tree, one bytearray per level (32 bytes a node)."""

    def __init__(self, h: merkle.HashFn, size: int) -> None:
        self.levels: list[bytearray] = []
        tree = merkle.CompactRange(h)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"building a {size:,}-leaf tree", total=size)
            for i in range(size):
                for (level, _idx), node in tree.append(h(i.to_bytes(8, "big"))):
                    if level == len(self.levels):
                        self.levels.append(bytearray())
                    self.levels[level] += node
                if i % 100_000 == 0:
                    bar.update(task, completed=i)
        self.size, self.root = size, tree.root()

    def lookup(self, level: int, index: int) -> bytes:
        return bytes(self.levels[level][index * 32 : index * 32 + 32])

    def nodes(self, keys: list[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
        return {k: self.lookup(*k) for k in keys}


def time_proofs(
    h: merkle.HashFn,
    size: int,
    nodes: Callable[[list[merkle.NodeKey]], dict[merkle.NodeKey, bytes]],
    root: bytes,
    samples: int,
    leaf_of: Callable[[int], bytes],
) -> dict[str, Any]:
    step = max(1, size // samples)
    produce, check = [], []
    for index in range(0, size, step)[:samples]:
        t = time.perf_counter()
        keys = merkle.plan(lambda lk, i=index: merkle.inclusion_path(h, i, size, lk))
        path = merkle.inclusion_path(h, index, size, merkle.from_mapping(nodes(keys)))
        produce.append(time.perf_counter() - t)
        leaf = leaf_of(index)
        t = time.perf_counter()
        ok = merkle.verify_inclusion(h, index, size, leaf, path, root)
        check.append(time.perf_counter() - t)
        assert ok
    return {
        "size": size,
        "path_length": len(path),
        "produce_ms": statistics.median(produce) * 1000,
        "verify_ms": statistics.median(check) * 1000,
    }


def bench_proofs(url: str | None, tmp: Path, alg: str, big: int, db_size: int, samples: int) -> list[dict[str, Any]]:
    h = merkle.hash_function(alg)
    out = []
    sizes = [s for s in (10**3, 10**4, 10**5, 10**6, 10**7) if s <= big]
    arrays = LevelArrays(h, sizes[-1])
    for size in sizes:
        root = merkle.root(h, size, arrays.lookup)
        r = time_proofs(h, size, arrays.nodes, root, samples, lambda i: arrays.lookup(0, i))
        out.append({"store": "memory", **r})
    db, drop = fresh_db(url, tmp, "proofs")
    engine = make_engine(db)
    evs = events(db_size)
    for start in range(0, db_size, 5000):
        with engine.begin() as conn:
            store.append(conn, evs[start : start + 5000], alg)
    with engine.connect() as conn:
        s = store.SqlLogStore(conn, alg)
        root = log.root_at(s, db_size)
        r = time_proofs(h, db_size, s.nodes, root, samples, lambda i: s.leaf(i) or b"")
    out.append({"store": engine.dialect.name, **r})
    engine.dispose()
    drop()
    return out


def bench_verify(url: str | None, tmp: Path, n: int, alg: str) -> dict[str, Any]:
    from sunbid.crypto import get_suite

    h = merkle.hash_function(alg)
    db, drop = fresh_db(url, tmp, "verify")
    engine = make_engine(db)
    key = get_suite("gm").generate_signing_key()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"building a {n:,}-entry log", total=n)
        for start in range(0, n, 10_000):
            with engine.begin() as conn:
                store.append(conn, events(min(10_000, n - start), start), alg)
                if (start // 10_000) % 10 == 9:
                    log.sign_tree_head(
                        store.SqlLogStore(conn, alg),
                        suite="gm",
                        key=key,
                        key_id=key.public_key().key_id(),
                        public_key=key.public_key().to_der(),
                        now=START,
                    )
            bar.update(task, completed=start + 10_000)
    with engine.connect() as conn:
        records = list(store.export_records(conn))
    bodies = [r["body"].encode() for r in records if r["type"] == "entry"]
    raw = best(lambda: [merkle.leaf_hash(h, b) for b in bodies], repeat=1)
    t = time.perf_counter()
    report = verify(records, load_public)
    took = time.perf_counter() - t
    assert report.ok, report.problem
    engine.dispose()
    drop()
    return {
        "entries": n,
        "tree_heads": len(report.checked_heads),
        "raw_hash_s": raw,
        "verify_s": took,
        "ratio": took / raw,
    }


def print_appends(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for col in ("entries", "batch (events per commit)", "raw hashes/s", "ledger appends/s", "ratio", "runs"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            f"{r['entries']:,}",
            str(r["batch"]),
            f"{r['raw_per_s']:,.0f}",
            f"{r['ledger_per_s']:,.0f}",
            f"{r['ratio']:.2f}",
            f"{r['ratio_low']:.2f}-{r['ratio_high']:.2f}",
        )
    console.print(table)


def print_proofs(rows: list[dict[str, Any]]) -> None:
    table = Table(title="2. inclusion proofs: median time to produce and to verify")
    for col in ("store", "log size", "path length", "produce ms", "verify ms"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            r["store"], f"{r['size']:,}", str(r["path_length"]), f"{r['produce_ms']:.3f}", f"{r['verify_ms']:.3f}"
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL; default: SQLite files in a temp dir")
    parser.add_argument("--hash", default="sm3", choices=sorted(merkle.HASHES))
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument(
        "--only", choices=("appends", "proofs", "verify"), action="append", help="run only these parts (repeatable)"
    )
    args = parser.parse_args()
    parts = set(args.only or ("appends", "proofs", "verify"))
    appends_n, big, db_size, verify_n, samples = (
        (5_000, 10**5, 20_000, 20_000, 50) if args.quick else (100_000, 10**7, 200_000, 10**6, 200)
    )
    results: dict[str, Any] = {"hash": args.hash, "database": "postgresql" if args.database_url else "sqlite"}
    with tempfile.TemporaryDirectory() as tmp:
        if "appends" in parts:
            # A commit per event is slow by nature; it is measured on a tenth of the entries.
            results["appends"] = [
                bench_appends(args.database_url, Path(tmp), appends_n // (10 if b == 1 else 1), b, args.hash)
                for b in (1, 100, 1000)
            ]
            print_appends(results["appends"], f"1. ledger appends vs raw hashing ({args.hash}, {results['database']})")
        if "proofs" in parts:
            results["proofs"] = bench_proofs(args.database_url, Path(tmp), args.hash, big, db_size, samples)
            print_proofs(results["proofs"])
        if "verify" in parts:
            results["verify"] = bench_verify(args.database_url, Path(tmp), verify_n, args.hash)
            r = results["verify"]
            console.print(
                f"3. full verification of {r['entries']:,} entries ({r['tree_heads']} signed tree heads): "
                f"{r['verify_s']:.2f} s against {r['raw_hash_s']:.2f} s of raw leaf hashing: "
                f"ratio {r['ratio']:.2f}"
            )
    out = Path(__file__).parent / "results" / "ledger.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    console.print(f"results written to {out}")


if __name__ == "__main__":
    main()
