"""Benchmark: creating tenders through the service layer, and reading them back through the API.

What it does, in one run:

1. Builds a platform on a fresh database (a temporary SQLite file by default, or a fresh
   schema in PostgreSQL), and creates N tenders (default 10,000) through the use cases in
   :mod:`sunbid.tendering.service`, exactly as the application would: for each tender a plan
   is drafted and published, then (30+ simulated days later, on a ``FixedClock``) the tender
   is drafted, a small tender document is stored in the blob store and attached, and the
   announcement is published, in this process (or split over ``--workers`` processes).
   It reports the time per use case, the creation rate and the peak memory (max RSS).

2. Serves the real application (:func:`sunbid.api.app.create_app`) and a *bare* FastAPI app
   with uvicorn, each on its own port of 127.0.0.1 in a background thread, and reads through
   both with one keep-alive ``httpx.Client``:

   * ``GET /api/v1/tenders/{id}`` for M random ids (public, no authentication), against a
     bare endpoint that reads the same ``tenders`` row with one SQLAlchemy Core ``SELECT``
     on the same engine and returns it as JSON;
   * ``GET /api/v1/tenders?limit=50`` against a bare endpoint that selects the same 50 rows
     (same filter, same order, the same summary columns) with one Core ``SELECT``;
   * a bare no-op endpoint, the floor: the HTTP round trip, uvicorn, FastAPI routing and
     the client, with no database at all.

   The three arms of a comparison are measured interleaved, request by request in rotating
   order, so drift and noise (a warming cache, a busy neighbour) fall on all of them alike.

How to read the ratio: ``ratio = median(sunbid) / median(bare)``. 1.0 means the whole
application stack (dependencies, unit of work, ORM, relationship loads, authorisation,
pydantic models) costs nothing over the cheapest possible way of serving the same row
with the same web framework and database; 3.0 means a request costs three times as much.
The ratio, not the milliseconds, is the figure to compare between machines and runs:
both arms are measured on the same machine in the same run. ``over floor`` subtracts the
no-op floor from both sides, ``(sunbid - floor) / (bare - floor)``: the ratio of the work
done per request beyond HTTP itself. The client shares the process (and the GIL) with the
servers, so the absolute latencies include the client's own cost, which makes the plain
ratio conservative (pulled towards 1); the over-floor ratio is not.

Run ``uv run python bench/tenders_api.py --quick`` for a smoke run, and see bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import multiprocessing
import os
import platform as host
import queue
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, HTTPException
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

from sunbid.api.app import create_app
from sunbid.bootstrap import Platform, build
from sunbid.config import Settings
from sunbid.demo.seed import ADMIN, demo_credit_code, plan_fields, standard_scheme, tender_fields
from sunbid.evaluation import declare as evaluation_scheme
from sunbid.identity import service as identity
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import Actor, Context, Role
from sunbid.storage import migrate
from sunbid.storage.db import make_engine
from sunbid.storage.repositories import TenderRepository
from sunbid.storage.tables import tenders
from sunbid.tendering import service as tendering
from sunbid.tendering.model import DocumentKind, Tender

RESULTS = Path(__file__).resolve().parent / "results" / "tenders_api.json"
API = "/api/v1"
WARMUP = 50
#: The columns of ``TenderSummaryOut``, which is what the API's listing returns.
SUMMARY_COLUMNS = (
    "id",
    "code",
    "title",
    "category",
    "method",
    "status",
    "tenderer_org_id",
    "bid_deadline",
    "announced_at",
)

#: Piped output (a CI log, ``| tee``) gets wide lines instead of rich's default of 80 columns.
console = Console(width=None if sys.stdout.isatty() else 120)


# ---------------------------------------------------------------------------- database
@dataclass(frozen=True)
class Database:
    url: str
    label: str  # the URL with any password hidden, for printing and the results


@contextlib.contextmanager
def fresh_database(url: str | None, tmp: Path) -> Iterator[Database]:
    """A SQLite file in ``tmp``, the SQLite file given, or a new PostgreSQL schema dropped afterwards."""
    if url is None:
        path = tmp / "bench.db"
        yield Database(f"sqlite:///{path}", f"sqlite (temporary file {path.name})")
        return
    if url.startswith("sqlite"):
        yield Database(url, url)
        return
    if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise SystemExit(f"unsupported database URL {url!r}: use sqlite:///FILE or postgresql://...")
    schema = f"sunbid_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    label = make_url(url).render_as_string(hide_password=True)
    try:
        yield Database(f"{url}{sep}options=-csearch_path%3D{schema}", f"{label} (schema {schema}, dropped afterwards)")
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def max_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size of this process, or of its largest finished child (``RUSAGE_CHILDREN``).

    ``ru_maxrss`` is in KiB on Linux and in bytes on macOS.
    """
    rss = resource.getrusage(who).ru_maxrss
    return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024


# ---------------------------------------------------------------------------- creation
@dataclass
class Creation:
    tenders: int = 0
    seconds: float = 0.0
    #: Total seconds spent in each step, for the per-call breakdown.
    steps: dict[str, float] = field(default_factory=dict)
    #: Times ``create_tender`` failed on a unique constraint and was retried.
    retries: int = 0
    #: Processes that created the tenders.
    workers: int = 1
    #: Peak RSS of this process after the creation, and of the largest worker process if any.
    rss_mib: float = 0.0
    worker_rss_mib: float | None = None

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - start


def progress_bar(*, refresh: float = 4) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        refresh_per_second=refresh,
    )


def create_tender_retrying(
    p: Platform, ctx: Context, plan_id: str, tender_in: tendering.TenderFields, stats: Creation
) -> Tender:
    """``create_tender``, tried again (at most twice) if it hits a unique constraint.

    The tender code is ZB + the date + random characters of the id, unique only by chance:
    with thousands of tenders on one (simulated) day two codes could clash. Clashes are counted
    and reported; with 30 random bits, as before commit c21ecc4, one in twenty runs of 10,000 had one.
    """
    for attempt in range(3):
        try:
            with stats.step("create_tender"):
                return tendering.create_tender(p.uow(), ctx, plan_id, tender_in)
        except IntegrityError:
            stats.retries += 1
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Share:
    """One worker's part of the creation: tenders ``first + 1 .. first + count``."""

    database_url: str
    blob_dir: Path
    actor: Actor
    start: datetime  # the simulated time at which the plans are published
    first: int
    count: int


def create_share(p: Platform, share: Share, done: Callable[[str], None]) -> tuple[list[str], Creation]:
    """``count`` plans, then ``count`` announced tenders with one document each, through the use cases.

    Calls ``done("plan")`` after each plan and ``done("tender")`` after each tender.
    """
    clock = FixedClock(share.start)
    ctx = Context(actor=share.actor, clock=clock, rules=p.rules, address="127.0.0.1")
    stats = Creation()
    planned = (clock.now() + timedelta(days=35)).date()
    numbers = range(share.first + 1, share.first + share.count + 1)
    plan_ids: list[str] = []
    for i in numbers:
        plan_in = plan_fields(f"南京市第{i}号市政基础设施工程", "12500000.00", planned)
        with stats.step("create_plan"):
            plan = tendering.create_plan(p.uow(), ctx, plan_in)
        with stats.step("publish_plan"):
            tendering.publish_plan(p.uow(), ctx, plan.id)
        plan_ids.append(plan.id)
        done("plan")
    clock.advance(timedelta(days=35))  # the plans have now been public for 35 days
    issue_start = clock.now() + timedelta(hours=1)
    tender_ids: list[str] = []
    for i, plan_id in zip(numbers, plan_ids, strict=True):
        title = f"南京市第{i}号市政基础设施工程施工"
        tender_in = tender_fields(title, issue_start, "12000000.00", public_url=p.settings.public_url)
        tender = create_tender_retrying(p, ctx, plan_id, tender_in, stats)
        content = f"{title} 招标文件\n编号 {tender.code}\n第一章 招标公告\n第二章 投标人须知\n".encode() * 8
        with stats.step("blob put_file"):
            blob = p.blobs.put_file(io.BytesIO(content))
        with stats.step("add_document"):
            tendering.add_document(
                p.uow(),
                ctx,
                tender.id,
                kind=DocumentKind.TENDER_DOCUMENT,
                title="招标文件",
                filename=f"{title}-招标文件.txt",
                media_type="text/plain; charset=utf-8",
                blob=blob,
            )
        with stats.step("set_scheme"):
            evaluation_scheme.set_scheme(p.uow(), ctx, tender.id, standard_scheme())
        with stats.step("announce_tender"):
            tendering.announce_tender(p.uow(), ctx, tender.id)
        tender_ids.append(tender.id)
        done("tender")
    stats.tenders = share.count
    return tender_ids, stats


def share_in_worker(share: Share, progress: queue.Queue[str]) -> tuple[list[str], Creation]:
    """The worker process's entry point: its own platform (engine, blob store) on the same database."""
    p = build(Settings(database_url=share.database_url, blob_dir=share.blob_dir))
    try:
        return create_share(p, share, progress.put)
    finally:
        p.engine.dispose()


def create_tenders(p: Platform, n: int, workers: int) -> tuple[list[str], Creation]:
    """One tenderer organisation and user, then N plans and N announced tenders, by ``workers`` processes."""
    start = datetime.now(UTC) - timedelta(days=40)
    admin = Context(actor=ADMIN, clock=FixedClock(start), rules=p.rules)
    org = identity.create_organisation(
        p.uow(),
        admin,
        identity.NewOrganisation(
            "南京市城市建设投资有限公司",
            demo_credit_code("91320100MA1XXXX01"),
            "南京市建邺区江东中路 1 号",
            "法定代表人",
        ),
    )
    user = identity.create_user(
        p.uow(), admin, identity.NewUser("tenderer", "城建投资 王经理", "bench-password-2026", Role.TENDERER, org.id)
    )
    bounds = [n * w // workers for w in range(workers + 1)]
    shares = [
        Share(p.settings.database_url, p.settings.blob_dir, user.as_actor(), start, lo, hi - lo)
        for lo, hi in itertools.pairwise(bounds)
    ]
    started = time.perf_counter()
    with progress_bar() as bar:
        tasks = {
            "plan": bar.add_task("plans: draft + publish", total=n),
            "tender": bar.add_task("tenders: draft + document + announce", total=n),
        }
        if workers == 1:
            results = [create_share(p, shares[0], lambda kind: bar.advance(tasks[kind]))]
        else:
            spawn = multiprocessing.get_context("spawn")
            with spawn.Manager() as manager, ProcessPoolExecutor(workers, mp_context=spawn) as pool:
                progress: queue.Queue[str] = manager.Queue()
                futures = [pool.submit(share_in_worker, share, progress) for share in shares]
                while not all(f.done() for f in futures) or not progress.empty():
                    with contextlib.suppress(queue.Empty):
                        bar.advance(tasks[progress.get(timeout=0.2)])
                results = [f.result() for f in futures]
    total = Creation(tenders=n, seconds=time.perf_counter() - started, workers=workers)
    total.rss_mib = max_rss_mib()
    total.worker_rss_mib = max_rss_mib(resource.RUSAGE_CHILDREN) if workers > 1 else None
    ids: list[str] = []
    for share_ids, stats in results:
        ids += share_ids
        total.retries += stats.retries
        for name, seconds in stats.steps.items():
            total.steps[name] = total.steps.get(name, 0.0) + seconds
    return ids, total


# ---------------------------------------------------------------------------- servers
def bare_app(engine: Engine) -> FastAPI:
    """The baseline: the same row(s), the same engine and framework, nothing else."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    public = tuple(TenderRepository.PUBLIC)
    summary = [tenders.c[name] for name in SUMMARY_COLUMNS]

    @app.get("/bare/tenders/{tender_id}")
    def read_one(tender_id: str) -> dict[str, Any]:
        with engine.connect() as conn:
            row = conn.execute(sa.select(tenders).where(tenders.c.id == tender_id)).first()
        if row is None:
            raise HTTPException(404)
        return dict(row._mapping)

    @app.get("/bare/tenders")
    def read_page(limit: int = 50) -> list[dict[str, Any]]:
        stmt = sa.select(*summary).where(tenders.c.status.in_(public)).order_by(tenders.c.id.desc()).limit(limit)
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(stmt)]

    @app.get("/bare/noop")
    def noop() -> dict[str, bool]:
        return {"ok": True}

    return app


class BackgroundServer:
    """uvicorn serving an app on a free port of 127.0.0.1 from a daemon thread."""

    def __init__(self, app: FastAPI) -> None:
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
        # without it uvicorn's separate header and body writes meet delayed ACKs (~40 ms per request).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


# ---------------------------------------------------------------------------- reads
@dataclass
class Arm:
    """One side of a comparison: a URL per request and how to check its response."""

    name: str
    url: Callable[[int], str]  # request number -> URL
    check: Callable[[int, Any], None]  # request number, decoded JSON -> raises if wrong
    samples_ns: list[int] = field(default_factory=list)
    round_medians_ms: list[float] = field(default_factory=list)

    def once(self, client: httpx.Client, k: int) -> int:
        """Request number ``k``; returns its latency in nanoseconds (the check is not timed)."""
        url = self.url(k)
        start = time.perf_counter_ns()
        response = client.get(url)
        elapsed = time.perf_counter_ns() - start
        if response.status_code != 200:
            raise RuntimeError(f"{self.name}: GET {url} answered {response.status_code}: {response.text[:300]}")
        self.check(k, response.json())
        return elapsed

    def median_ms(self) -> float:
        return statistics.median(self.samples_ns) / 1e6

    def quantile_ms(self, q: float) -> float:
        ordered = sorted(self.samples_ns)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1e6

    def summary(self) -> dict[str, Any]:
        return {
            "requests": len(self.samples_ns),
            "median_ms": round(self.median_ms(), 4),
            "p10_ms": round(self.quantile_ms(0.10), 4),
            "p90_ms": round(self.quantile_ms(0.90), 4),
            "mean_ms": round(statistics.fmean(self.samples_ns) / 1e6, 4),
            "round_medians_ms": [round(m, 4) for m in self.round_medians_ms],
        }


def measure(
    client: httpx.Client, arms: list[Arm], per_round: int, rounds: int, bar: Progress, description: str
) -> None:
    """Warm every arm up, then measure them interleaved: request k of every arm, then request k + 1.

    The order of the arms rotates from one request to the next, so no arm always goes first,
    and a burst of noise from elsewhere on the machine falls on all arms alike. Requests
    ``0 .. per_round * rounds - 1`` are measured; the ``WARMUP`` after them warm up.
    """
    total = per_round * rounds
    for arm in arms:
        for k in range(total, total + WARMUP):
            arm.once(client, k)
    task = bar.add_task(description, total=total * len(arms))
    for r in range(rounds):
        times: dict[str, list[int]] = {arm.name: [] for arm in arms}
        for k in range(r * per_round, (r + 1) * per_round):
            shift = k % len(arms)
            for arm in arms[shift:] + arms[:shift]:
                times[arm.name].append(arm.once(client, k))
            bar.advance(task, len(arms))
        for arm in arms:
            arm.samples_ns += times[arm.name]
            arm.round_medians_ms.append(statistics.median(times[arm.name]) / 1e6)


def expect_id(ids: list[str]) -> Callable[[int, Any], None]:
    def check(k: int, body: Any) -> None:
        if body["id"] != ids[k % len(ids)]:
            raise RuntimeError(f"asked for tender {ids[k % len(ids)]}, got {body['id']}")

    return check


def expect_page(limit: int) -> Callable[[int, Any], None]:
    def check(_k: int, body: Any) -> None:
        items = body["items"] if isinstance(body, dict) else body
        if len(items) != limit:
            raise RuntimeError(f"expected a page of {limit}, got {len(items)}")

    return check


def cross_check(client: httpx.Client, app_url: str, bare_url: str, tender_id: str, limit: int) -> None:
    """Both sides must serve the same data, or the ratio compares different things."""
    full = client.get(f"{app_url}{API}/tenders/{tender_id}").json()
    row = client.get(f"{bare_url}/bare/tenders/{tender_id}").json()
    for key in ("id", "code", "title", "status", "credit_commitment"):
        if full[key] != row[key]:
            raise RuntimeError(f"tender {tender_id}: {key} differs: {full[key]!r} != {row[key]!r}")
    if full["status"] != "announced" or len(full["sections"]) != 1:
        raise RuntimeError(f"tender {tender_id}: expected an announced tender with one section, got {full!r}")
    page = [t["id"] for t in client.get(f"{app_url}{API}/tenders", params={"limit": limit}).json()["items"]]
    bare = [t["id"] for t in client.get(f"{bare_url}/bare/tenders", params={"limit": limit}).json()]
    if page != bare:
        raise RuntimeError("the API's listing and the bare listing return different tenders")


@dataclass
class Comparison:
    request: str
    baseline: str
    sunbid: Arm
    bare: Arm
    floor: Arm

    def ratio(self) -> float:
        return self.sunbid.median_ms() / self.bare.median_ms()

    def over_floor(self) -> float | None:
        floor = self.floor.median_ms()
        bare = self.bare.median_ms() - floor
        return (self.sunbid.median_ms() - floor) / bare if bare > 0 else None

    def round_ratios(self) -> list[float]:
        return [s / b for s, b in zip(self.sunbid.round_medians_ms, self.bare.round_medians_ms, strict=True)]

    def summary(self) -> dict[str, Any]:
        over = self.over_floor()
        return {
            "request": self.request,
            "baseline": self.baseline,
            "sunbid": self.sunbid.summary(),
            "bare": self.bare.summary(),
            "ratio": round(self.ratio(), 3),
            "ratio_over_floor": None if over is None else round(over, 3),
            "round_ratios": [round(r, 3) for r in self.round_ratios()],
        }


def read_back(p: Platform, ids: list[str], reads: int, list_reads: int, rounds: int, seed: int) -> list[Comparison]:
    rng = random.Random(seed)
    per_round, list_per_round = max(1, reads // rounds), max(1, list_reads // rounds)
    chosen = [rng.choice(ids) for _ in range(per_round * rounds + WARMUP)]
    limit = min(50, len(ids))
    with (
        BackgroundServer(create_app(p)) as app,
        BackgroundServer(bare_app(p.engine)) as bare,
        httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=4)) as client,
        progress_bar(refresh=2) as bar,
    ):
        cross_check(client, app.url, bare.url, chosen[0], limit)
        floor = Arm("bare no-op", lambda _k: f"{bare.url}/bare/noop", lambda _k, _b: None)
        one = Comparison(
            f"GET {API}/tenders/{{id}}",
            "SELECT * FROM tenders WHERE id = ?",
            Arm("sunbid", lambda k: f"{app.url}{API}/tenders/{chosen[k]}", expect_id(chosen)),
            Arm("bare", lambda k: f"{bare.url}/bare/tenders/{chosen[k]}", expect_id(chosen)),
            floor,
        )
        measure(client, [one.sunbid, one.bare, floor], per_round, rounds, bar, f"reads: {len(chosen) - WARMUP} ids x 3")
        list_floor = Arm("bare no-op", floor.url, floor.check)
        page = Comparison(
            f"GET {API}/tenders?limit={limit}",
            f"SELECT <summary columns> FROM tenders WHERE status IN (...) ORDER BY id DESC LIMIT {limit}",
            Arm("sunbid", lambda _k: f"{app.url}{API}/tenders?limit={limit}", expect_page(limit)),
            Arm("bare", lambda _k: f"{bare.url}/bare/tenders?limit={limit}", expect_page(limit)),
            list_floor,
        )
        measure(
            client, [page.sunbid, page.bare, list_floor], list_per_round, rounds, bar, f"listings: limit={limit} x 3"
        )
    return [one, page]


# ---------------------------------------------------------------------------- report
def git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip() or None


def report(db: Database, creation: Creation, comparisons: list[Comparison]) -> dict[str, Any]:
    n = creation.tenders
    by = f", {creation.workers} worker processes" if creation.workers > 1 else ""
    make = Table(title=f"Creation through the service layer{by}")
    make.add_column("step")
    make.add_column("calls", justify="right")
    make.add_column("ms / call", justify="right")
    make.add_column("share", justify="right")
    spent = sum(creation.steps.values())
    for step, seconds in creation.steps.items():
        calls = n + creation.retries if step == "create_tender" else n
        make.add_row(step, f"{calls:,}", f"{seconds / calls * 1000:.2f}", f"{seconds / spent:.0%}")
    rate = n / creation.seconds
    make.add_row("[bold]all steps[/bold]", f"{n:,}", f"{spent / n * 1000:.2f}", "100%")
    console.print(make)
    rss = f"max RSS after creation [bold]{creation.rss_mib:,.0f} MiB[/bold]"
    if creation.worker_rss_mib is not None:
        rss += f" (largest worker [bold]{creation.worker_rss_mib:,.0f} MiB[/bold])"
    console.print(
        f"Created [bold]{n:,}[/bold] tenders (plan + tender + document + announcement each) in "
        f"{creation.seconds:.1f} s{by}: [bold]{rate:,.1f} tenders/s[/bold]; {rss}"
        + (f"; {creation.retries} create_tender retries after a unique-constraint clash" if creation.retries else "")
    )

    reads = Table(title=f"Reads through HTTP ({API}): median ms per request, sunbid vs bare FastAPI, same run")
    for column in ("request", "sunbid ms", "bare ms", "floor ms", "ratio", "over floor", "per round"):
        reads.add_column(column, justify="left" if column == "request" else "right")
    for c in comparisons:
        over = c.over_floor()
        rr = c.round_ratios()
        reads.add_row(
            c.request.removeprefix(f"GET {API}"),
            f"{c.sunbid.median_ms():.2f}",
            f"{c.bare.median_ms():.2f}",
            f"{c.floor.median_ms():.2f}",
            f"[bold]{c.ratio():.2f}x[/bold]",
            "n/a" if over is None else f"{over:.2f}x",
            f"{min(rr):.2f}-{max(rr):.2f}",
        )
    console.print(reads)
    console.print(
        f"{comparisons[0].sunbid.summary()['requests']:,} single reads and "
        f"{comparisons[1].sunbid.summary()['requests']:,} listings per arm, interleaved; "
        "ratio = sunbid / bare; over floor = (sunbid - floor) / (bare - floor), floor = a bare no-op endpoint; "
        "per round = the lowest and highest ratio of the round medians."
    )
    return {
        "benchmark": "tenders_api",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "python": sys.version.split()[0],
        "machine": {"platform": host.platform(), "cpus": os.cpu_count()},
        "database": db.label,
        "creation": {
            "tenders": n,
            "seconds": round(creation.seconds, 3),
            "tenders_per_second": round(rate, 2),
            "workers": creation.workers,
            "ms_per_tender_all_steps": round(spent / n * 1000, 3),
            "ms_per_call": {
                step: round(s / (n + creation.retries if step == "create_tender" else n) * 1000, 3)
                for step, s in creation.steps.items()
            },
            "create_tender_retries": creation.retries,
            "max_rss_mib_after_creation": round(creation.rss_mib, 1),
            "max_rss_mib_largest_worker": None
            if creation.worker_rss_mib is None
            else round(creation.worker_rss_mib, 1),
        },
        "reads": [c.summary() for c in comparisons],
        "max_rss_mib_at_end": round(max_rss_mib(), 1),
    }


# ---------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--tenders", type=int, default=10_000, help="tenders to create (default 10000)")
    parser.add_argument("--reads", type=int, default=2_000, help="single-tender reads per arm (default 2000)")
    parser.add_argument("--list-reads", type=int, default=500, help="listing reads per arm (default 500)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="rounds the requests are split into, to show the spread of the ratio (default 5)",
    )
    parser.add_argument(
        "--database-url",
        help="default: a fresh SQLite file in a temporary directory;\n"
        "postgresql://user@host:port/db runs in a fresh schema dropped afterwards",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes creating the tenders (default 1: the per-call times are then uncontended)",
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE after the creation, so the planner has statistics\n"
        "(sunbid never does; PostgreSQL's autovacuum would, in time)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 tenders, 200 reads, 100 listings")
    parser.add_argument("--seed", type=int, default=2026, help="seed for the choice of ids to read")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.quick:
        args.tenders, args.reads, args.list_reads = 200, 200, 100
    if min(args.tenders, args.reads, args.list_reads, args.rounds, args.workers) < 1:
        parser.error("--tenders, --reads, --list-reads, --rounds and --workers must be positive")
    args.workers = min(args.workers, args.tenders)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sunbid-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        with fresh_database(args.database_url, tmp) as db:
            analyzed = " (ANALYZE after the creation)" if args.analyze else ""
            console.print(
                f"[bold]sunbid tenders API benchmark[/bold]: {args.tenders:,} tenders on {db.label}{analyzed}"
            )
            migrate.upgrade(db.url)
            p = build(Settings(database_url=db.url, blob_dir=tmp / "blobs"))
            try:
                ids, creation = create_tenders(p, args.tenders, args.workers)
                if args.analyze:
                    with p.engine.begin() as conn:
                        conn.exec_driver_sql("ANALYZE")
                comparisons = read_back(p, ids, args.reads, args.list_reads, args.rounds, args.seed)
            finally:
                p.engine.dispose()
            results = report(db, creation, comparisons)
            results["analyzed"] = args.analyze
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"Results written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
