"""Sealed-bid benchmarks, each printed as a ratio to a baseline measured in the same run.

(a) The deadline rush: N bidders (default 300) each submit a sealed 5 MB bid at the same
    moment to a PostgreSQL-backed server (``sunbid serve`` in its own process). Checked: every
    bid is stored exactly once (no loss, no duplicate). Printed: p50 and p99 latency, and the
    throughput as a ratio to a bare endpoint (its own server process) that streams the same
    bytes into the same blob store and does nothing else.
(b) The opening: the platform decrypts and verifies each of those bids with its content key
    (every chunk's tag, the chunk order, the manifest and the file sizes), against raw
    SM4-GCM / AES-256-GCM decryption of the same chunks already in memory (into new memory
    per chunk, as ``decrypt`` returns it, and into one buffer used again, the strictest), and
    of the same chunks read from the stored file. Target ≥ 0.7.
    The full use case (``decrypt_bid``: the transactions, the bid form stored) is timed too.
(c) Peak memory while sealing and submitting one 200 MB bid, in a process of its own
    (max RSS; target under 100 MB), and the server's growth while it receives it.

Run: ``uv run python bench/bids.py --database-url postgresql://postgres@127.0.0.1:5432/test``
(``--quick`` for a smoke run). Results also go to ``bench/results/bids.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
from fastapi import FastAPI, Request
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from sunbid.api.serving import ServerProcess, settings_env
from tenders_api import fresh_database

console = Console(width=None if sys.stdout.isatty() else 120)
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
MB = 1 << 20


# ---------------------------------------------------------------------------- the bare endpoint
def bare_app(blob_dir: Path) -> Any:
    """Streams the request body into the blob store, as the bid endpoint does, and nothing else."""
    from sunbid.storage.blobs import DirectoryBlobStore

    app, blobs = FastAPI(), DirectoryBlobStore(blob_dir)

    @app.post("/bare/upload", status_code=201)
    async def upload(request: Request) -> dict[str, Any]:
        ref = await blobs.put_stream(request.stream())
        return {"sha256": ref.sha256, "size": ref.size}

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def peak_rss_of(pid: int) -> float:
    """VmHWM of a running process, MiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------------------- the market
def setup(url: str, work: Path, bidders: int) -> dict[str, Any]:
    """Organisations, users and tokens for the bidders, certificate pairs from two CAs, and an
    announced tender that accepts both suites; made through the use cases."""
    import argon2

    from sunbid.bootstrap import build
    from sunbid.config import Settings
    from sunbid.crypto.ca import LocalCA
    from sunbid.crypto.x509 import organisation_name
    from sunbid.demo.seed import plan_fields, standard_scheme, tender_fields
    from sunbid.evaluation import declare as evaluation_scheme
    from sunbid.identity import passwords
    from sunbid.identity import service as identity
    from sunbid.identity.credit_code import complete_credit_code
    from sunbid.kernel.clock import FixedClock
    from sunbid.kernel.context import Actor, Context, Role
    from sunbid.storage import migrate
    from sunbid.tendering import bid_service as bids
    from sunbid.tendering import service as tendering

    # Logins are not measured: the cheapest argon2 parameters make the setup quick.
    passwords._hasher = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    migrate.upgrade(url)
    settings = Settings(
        database_url=url,
        blob_dir=work / "blobs",
        trust_dir=work / "trust",
        ledger_key_file=work / "keys" / "ledger.pem",
        platform_key_file=work / "keys" / "platform-key.pem",
        platform_cert_file=work / "keys" / "platform-cert.pem",
    )
    clock = FixedClock(START - timedelta(days=40))
    platform = build(settings, clock=clock)
    admin = Context(actor=Actor("system", Role.ADMINISTRATOR, None), clock=clock, rules=platform.rules)
    tenderer_org = identity.create_organisation(
        platform.uow(), admin, identity.NewOrganisation("招标人", complete_credit_code("91320100MA1000000"), "南京")
    )
    tenderer = identity.create_user(
        platform.uow(), admin, identity.NewUser("tenderer", "招标人", "bench-password", Role.TENDERER, tenderer_org.id)
    ).as_actor()
    ctx = Context(actor=tenderer, clock=clock, rules=platform.rules)
    plan = tendering.create_plan(
        platform.uow(), ctx, plan_fields("基准项目", "12500000.00", (START + timedelta(days=-5)).date())
    )
    tendering.publish_plan(platform.uow(), ctx, plan.id)
    clock.set(START)
    tender = tendering.create_tender(platform.uow(), ctx, plan.id, tender_fields("基准标", START + timedelta(hours=1)))
    tendering.add_document(
        platform.uow(), ctx, tender.id, kind=tendering.DocumentKind.TENDER_DOCUMENT, title="招标文件",
        filename="t.txt", media_type="text/plain", blob=platform.blobs.put_file(io.BytesIO(b"tender documents")),
    )  # fmt: skip
    settings.trust_dir.mkdir(parents=True, exist_ok=True)
    cas = {}
    for suite in ("gm", "intl"):
        ca = LocalCA.init(
            work / f"ca-{suite}", suite=suite, common_name=f"基准CA {suite}", organisation="基准",
            passphrase=b"bench", now=START - timedelta(days=30), iterations=1000,
        )  # fmt: skip
        shutil.copy(ca.directory / "ca-cert.pem", settings.trust_dir / f"{suite}.pem")
        (settings.trust_dir / f"{suite}.crl").write_bytes(ca.crl().to_pem())
        cas[suite] = ca
    platform.reload_trust()
    bids.set_sealing(
        platform.uow(), ctx, tender.id, suites=("gm", "intl"), decrypt_window_minutes=600,
        custodian_window_minutes=60, threshold=None, custodians=(), check=platform.signature_check(),
    )  # fmt: skip
    evaluation_scheme.set_scheme(platform.uow(), ctx, tender.id, standard_scheme())
    tendering.announce_tender(platform.uow(), ctx, tender.id)
    people = []
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"{bidders} bidders with certificate pairs", total=bidders)
        for n in range(bidders):
            code = complete_credit_code(f"91320100MA2{n:06d}")
            org = identity.create_organisation(
                platform.uow(), admin, identity.NewOrganisation(f"投标人{n}", code, "南京")
            )
            user = identity.create_user(
                platform.uow(), admin, identity.NewUser(f"b{n}", f"投标人{n}", "bench-password", Role.BIDDER, org.id)
            )
            token, _ = identity.create_api_token(
                platform.uow(), Context(actor=user.as_actor(), clock=clock, rules=platform.rules), "bench"
            )
            suite = "gm" if n % 2 == 0 else "intl"
            subject = organisation_name(org.name, org.credit_code)
            sign = cas[suite].issue(b"bench", subject=subject, now=START - timedelta(days=1))
            enc = cas[suite].issue(b"bench", subject=subject, now=START - timedelta(days=1), usage="encrypt")
            people.append({"n": n, "org": org, "user": user, "token": token, "suite": suite, "sign": sign, "enc": enc})
            bar.update(task, advance=1)
    clock.set(START + timedelta(days=1))
    return {"platform": platform, "clock": clock, "tender": tender, "people": people, "settings": settings}


def seal_all(market: dict[str, Any], work: Path, size: int) -> list[Path]:
    from sunbid.crypto import envelope

    tender, clock = market["tender"], market["clock"]
    paths = []
    body = work / "body.bin"
    body.write_bytes(os.urandom(size))
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"sealing {len(market['people'])} bids of {size // MB} MB", total=len(market["people"]))
        for p in market["people"]:
            out = work / f"bid-{p['n']}.sbe"
            with out.open("wb") as fh:
                envelope.seal(
                    fh,
                    suite_name=p["suite"],
                    tender_id=tender.id,
                    section_id=tender.sections[0].id,
                    bidder=envelope.Party(p["org"].credit_code, p["org"].name),
                    form={"price": f"{10_000_000 + p['n']}.00"},
                    files=[envelope.BidFile("技术标.bin", part="technical", path=body)],
                    encryption_certificate=p["enc"].certificate,
                    signing_key=p["sign"].private_key,
                    signing_certificate=p["sign"].certificate,
                    now=clock.now(),
                    client={"tool": "bench"},
                )
            paths.append(out)
            bar.update(task, advance=1)
    return paths


# ---------------------------------------------------------------------------- (a) the rush
async def _rush(url: str, jobs: list[tuple[str, dict[str, str], Path]]) -> tuple[float, list[float], list[int]]:
    limits = httpx2.Limits(max_connections=len(jobs), max_keepalive_connections=len(jobs))
    async with httpx2.AsyncClient(timeout=600, limits=limits) as client:

        async def chunks(path: Path) -> Any:
            with path.open("rb") as fh:
                while block := fh.read(MB):
                    yield block

        async def one(path: str, headers: dict[str, str], file: Path) -> tuple[float, int]:
            t = time.perf_counter()
            response = await client.post(url + path, content=chunks(file), headers=headers)
            return time.perf_counter() - t, response.status_code

        t0 = time.perf_counter()
        done = await asyncio.gather(*(one(p, h, f) for p, h, f in jobs))
        wall = time.perf_counter() - t0
    return wall, [d[0] for d in done], [d[1] for d in done]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_rush(market: dict[str, Any], paths: list[Path], work: Path) -> dict[str, Any]:
    import sqlalchemy as sa

    s, tender = market["settings"], market["tender"]
    env = settings_env(s, SUNBID_CLOCK=f"accelerated:1:{market['clock'].now().isoformat()}")
    market["platform"].identity()  # made once, shared with the server process
    size = sum(p.stat().st_size for p in paths)
    results: dict[str, Any] = {"bids": len(paths), "bytes": size}
    # the bare endpoint, on the same blob store

    def bare_command(port: int) -> list[str]:
        return [sys.executable, __file__, "--serve-bare", str(port), str(s.blob_dir)]

    with ServerProcess(dict(os.environ), command=bare_command) as bare:
        jobs = [("/bare/upload", {"Content-Type": "application/octet-stream"}, p) for p in paths]
        wall, latencies, statuses = asyncio.run(_rush(bare.url, jobs))
        assert all(code == 201 for code in statuses), statuses
        results["bare"] = {
            "wall_s": wall,
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
        }
    for path in s.blob_dir.rglob("*"):  # the bare run's copies go: the platform must store each bid itself
        if path.is_file() and path.parent.name != "tmp" and path.stat().st_size > MB:
            path.unlink()
    with ServerProcess(env) as server:
        jobs = [
            (
                f"/api/v1/tenders/{tender.id}/sections/{tender.sections[0].id}/bids",
                {
                    "Content-Type": "application/octet-stream",
                    "Authorization": f"Bearer {p['token']}",
                    "Content-Length": str(path.stat().st_size),
                },
                path,
            )
            for p, path in zip(market["people"], paths, strict=True)
        ]
        wall, latencies, statuses = asyncio.run(_rush(server.url, jobs))
        results["server_peak_rss_mib"] = peak_rss_of(server.pid)
    with market["platform"].engine.connect() as conn:
        submissions = conn.execute(sa.text("SELECT count(*), count(DISTINCT bid_id) FROM bid_submissions")).one()
        bids_n = conn.execute(sa.text("SELECT count(*) FROM bids")).scalar_one()
    results["sunbid"] = {
        "wall_s": wall,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "statuses": {str(c): statuses.count(c) for c in set(statuses)},
        "bids_stored": bids_n,
        "submissions_stored": int(submissions[0]),
    }
    results["lost"] = len(paths) - bids_n
    results["duplicated"] = int(submissions[0]) - int(submissions[1])
    results["ratio"] = results["bare"]["wall_s"] / wall
    return results


# ---------------------------------------------------------------------------- (b) the opening
@dataclass
class _Stored:
    """One stored bid as each arm of the opening benchmark needs it."""

    bid: Any  # the platform's Bid, as decrypt_bid loads it
    sha: str
    suite: Any
    key: bytes
    aad: bytes
    data: bytes  # the stored envelope, read once into the benchmark's memory
    chunks: list[tuple[bytes, int, int]]  # (nonce, offset, length) of each frame's sealed chunk


def last_level_cache() -> int | None:
    """The size of the largest CPU cache, in bytes, as the kernel reports it."""
    sizes = []
    for path in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = path.read_text().strip()
        sizes.append(int(text[:-1]) << {"K": 10, "M": 20}[text[-1]] if text[-1] in "KM" else int(text))
    return max(sizes, default=None)


def bench_opening(market: dict[str, Any], paths: list[Path]) -> dict[str, Any]:
    from sunbid.crypto import envelope, get_suite
    from sunbid.kernel.context import SYSTEM, Context
    from sunbid.tendering import opening_service as opening

    platform, clock, tender = market["platform"], market["clock"], market["tender"]
    clock.set(tender.bid_deadline)
    opening.run_due(platform.uow(), Context(actor=SYSTEM, clock=clock, rules=platform.rules))
    by_org = {p["org"].id: p for p in market["people"]}
    stored: list[_Stored] = []
    with platform.uow() as uow:
        for bid in uow.bids.for_tender(tender.id):
            assert bid.current is not None
            with platform.blobs.open(bid.current.blob_sha256) as fh:
                data = fh.read()
            header = envelope.scan(io.BytesIO(data)).header
            key = envelope.unwrap_content_key(header, by_org[bid.bidder_org_id]["enc"].private_key)
            chunks, pos, counter = [], len(envelope.MAGIC) + 4 + len(header.raw), 0
            while True:
                flag, length = data[pos], int.from_bytes(data[pos + 1 : pos + 5], "big")
                chunks.append((envelope.nonce(header.nonce_prefix, counter, flag == 1), pos + 5, length))
                pos += 5 + length
                counter += 1
                if flag == 1:
                    break
            suite = get_suite(header.suite.name)
            stored.append(_Stored(bid, bid.current.blob_sha256, suite, key, header.digest, data, chunks))
    out = bytearray(max(length for s in stored for _, _, length in s.chunks))

    def raw_arm(s: _Stored) -> float:
        """AEAD of the chunks already in memory, each into new memory as ``decrypt`` returns it."""
        view = memoryview(s.data)
        t = time.perf_counter()
        for n, at, length in s.chunks:
            s.suite.aead_decrypt(s.key, n, view[at : at + length], s.aad)
        return time.perf_counter() - t

    def into_arm(s: _Stored) -> float:
        """The same into one buffer used for every chunk: no new memory per chunk, the fastest
        way to decrypt the same chunks and the strictest baseline."""
        view = memoryview(s.data)
        t = time.perf_counter()
        for n, at, length in s.chunks:
            s.suite.aead_decrypt_into(s.key, n, view[at : at + length], s.aad, out).release()
        return time.perf_counter() - t

    def file_arm(s: _Stored) -> float:
        """The same chunks read from the stored file first (one read into one buffer): the
        least any opening must do, since the bid lives in the blob store."""
        t = time.perf_counter()
        with platform.blobs.open(s.sha) as fh:
            view = memoryview(fh.read())
        for n, at, length in s.chunks:
            s.suite.aead_decrypt(s.key, n, view[at : at + length], s.aad)
        return time.perf_counter() - t

    def platform_arm(s: _Stored) -> float:
        t = time.perf_counter()
        outcome = opening._try_open(platform.blobs, s.bid, s.key)  # what decrypt_bid does with the key
        took = time.perf_counter() - t
        assert outcome.opened is not None, outcome.failure
        return took

    arms = {"raw_s": raw_arm, "into_s": into_arm, "file_s": file_arm, "open_s": platform_arm}
    totals: dict[str, dict[str, Any]] = {}
    for s in stored:
        x = totals.setdefault(s.suite.name, {"bids": 0, "bytes": 0} | dict.fromkeys(arms, 0.0))
        x["bids"] += 1
        x["bytes"] += len(s.data)
    use_case = 0.0
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"opening {len(stored)} bids, each arm twice", total=2 * len(arms) * len(stored))
        # Each arm runs over every bid in turn, so that between two readings of one bid's bytes
        # all the others are read: with more bytes than the CPU's last-level cache, every arm
        # reads its bid from memory. The arms go in one order, then in the other.
        for order in (list(arms), list(reversed(arms))):
            for name in order:
                for s in stored:
                    totals[s.suite.name][name] += arms[name](s)
                    bar.update(task, advance=1)
        for s in stored:
            person = by_org[s.bid.bidder_org_id]
            t = time.perf_counter()
            person_ctx = Context(actor=person["user"].as_actor(), clock=clock, rules=platform.rules)
            opening.decrypt_bid(platform.uow(), person_ctx, s.bid.id, s.key)
            use_case += time.perf_counter() - t
    for x in totals.values():
        x["ratio"] = x["raw_s"] / x["open_s"]
        x["ratio_into"] = x["into_s"] / x["open_s"]
        x["ratio_file"] = x["file_s"] / x["open_s"]
    read = sum(len(s.data) for s in stored)
    return {"suites": totals, "use_case_s": use_case, "bids": len(stored), "bytes": read, "cache": last_level_cache()}


# ---------------------------------------------------------------------------- (c) memory
#: Runs the ``sunbid`` command and, at exit, reports its own peak resident memory (VmHWM of
#: its address space after exec: a forked child's ru_maxrss would include the parent's).
_MEASURED = (
    "import atexit, runpy, sys\n"
    "def report():\n"
    "    line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
    "    sys.stderr.write('PEAK ' + line.split()[1] + '\\n')\n"
    "atexit.register(report)\n"
    "sys.argv = ['sunbid', *sys.argv[1:]]\n"
    "runpy.run_module('sunbid.cli.main', run_name='__main__')\n"
)


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``sunbid ARGS``; its peak RSS (MiB), its wall time and its stdout."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args], check=False, env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - t
    if done.returncode:
        raise SystemExit(f"sunbid {' '.join(args[:2])} failed: {done.stderr[-2000:]}")
    peak = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("PEAK "))
    return peak / 1024, took, done.stdout


def bench_memory(market: dict[str, Any], work: Path, size: int) -> dict[str, Any]:
    """The bid tool as a bidder runs it: ``sunbid bid seal`` then ``sunbid bid submit``, each a
    process of its own, measured with wait4."""
    from sunbid.demo.seed import standard_scheme, tender_fields
    from sunbid.evaluation import declare as evaluation_scheme
    from sunbid.tendering import service as tendering

    # a fresh tender: the one of (a) and (b) is past its deadline now
    s, tender, clock, person = market["settings"], market["tender"], market["clock"], market["people"][0]
    tenderer_ctx = _tenderer_ctx(market)
    clock.set(tender.bid_deadline + timedelta(days=1))
    fresh = tendering.create_tender(
        market["platform"].uow(),
        tenderer_ctx,
        tender.plan_id,
        tender_fields("内存基准标", clock.now() + timedelta(hours=1)),
    )
    tendering.add_document(
        market["platform"].uow(), tenderer_ctx, fresh.id, kind=tendering.DocumentKind.TENDER_DOCUMENT,
        title="招标文件", filename="t.txt", media_type="text/plain",
        blob=market["platform"].blobs.put_file(io.BytesIO(b"documents")),
    )  # fmt: skip
    evaluation_scheme.set_scheme(market["platform"].uow(), tenderer_ctx, fresh.id, standard_scheme())
    tendering.announce_tender(market["platform"].uow(), tenderer_ctx, fresh.id)
    clock.advance(timedelta(days=1))
    big = work / "big.bin"
    with big.open("wb") as fh:
        for _ in range(size // MB):
            fh.write(os.urandom(MB))
    keys = work / "keys-big"
    keys.mkdir()
    (keys / "sign-key.pem").write_bytes(person["sign"].private_key.to_pem(b"bench", iterations=1000))
    (keys / "sign-cert.pem").write_bytes(person["sign"].certificate.to_pem())
    (keys / "enc-cert.pem").write_bytes(person["enc"].certificate.to_pem())
    (keys / "form.json").write_text(json.dumps({"price": "10000000.00"}))
    env = settings_env(s, SUNBID_CLOCK=f"accelerated:1:{clock.now().isoformat()}")
    server = ServerProcess(env)
    tool = os.environ | {
        "SUNBID_URL": server.url,
        "SUNBID_TOKEN": person["token"],
        "SUNBID_KEY_PASSPHRASE": "bench",
    }
    cli = ["bid"]
    sealed = work / "big.sbe"
    with server:
        before = peak_rss_of(server.pid)
        seal_rss, seal_s, _ = run_measured(
            [*cli, "seal", str(sealed), "--tender", fresh.id, "--section", fresh.sections[0].id,
             "--form", str(keys / "form.json"), "--file", f"technical={big}", "--suite", person["suite"],
             "--sign-key", str(keys / "sign-key.pem"), "--sign-cert", str(keys / "sign-cert.pem"),
             "--enc-cert", str(keys / "enc-cert.pem")],
            tool,
        )  # fmt: skip
        submit_rss, submit_s, out = run_measured(
            [*cli, "submit", str(sealed), "--tender", fresh.id, "--section", fresh.sections[0].id], tool
        )
        assert json.loads(out)["receipt"]["ledger_seq"] > 0
        growth = peak_rss_of(server.pid) - before
    return {
        "bytes": size,
        "seal_max_rss_mib": seal_rss,
        "submit_max_rss_mib": submit_rss,
        "max_rss_mib": max(seal_rss, submit_rss),
        "seal_s": seal_s,
        "submit_s": submit_s,
        "server_growth_mib": growth,
    }


def _tenderer_ctx(market: dict[str, Any]) -> Any:
    from sunbid.kernel.context import Context

    with market["platform"].uow() as uow:
        user = uow.users.by_username("tenderer")
        assert user is not None
        return Context(actor=user.as_actor(), clock=market["clock"], rules=market["platform"].rules)


# ---------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL (a fresh schema is made and dropped); default SQLite")
    parser.add_argument("--bidders", type=int, default=300)
    parser.add_argument("--bid-mb", type=int, default=5)
    parser.add_argument("--big-mb", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="30 bidders, 1 MB bids, a 50 MB big bid")
    parser.add_argument("--serve-bare", nargs=2, metavar=("PORT", "BLOB_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        import uvicorn

        uvicorn.run(
            bare_app(Path(args.serve_bare[1])), host="127.0.0.1", port=int(args.serve_bare[0]), log_level="warning"
        )
        return
    if args.quick:
        args.bidders, args.bid_mb, args.big_mb = 30, 1, 50
    results: dict[str, Any] = {"bidders": args.bidders, "bid_mb": args.bid_mb, "big_mb": args.big_mb}
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.database_url, Path(tmp)) as db:
        work = Path(tmp)
        results["database"] = db.label
        console.print(f"database: {db.label}")
        market = setup(db.url, work, args.bidders)
        paths = seal_all(market, work, args.bid_mb * MB)
        results["rush"] = r = bench_rush(market, paths, work)
        table = Table(title=f"(a) deadline rush: {r['bids']} concurrent bidders × {args.bid_mb} MB sealed bids")
        for col in ("endpoint", "wall s", "MB/s", "p50 ms", "p99 ms"):
            table.add_column(col, justify="right")
        for name in ("sunbid", "bare"):
            x = r[name]
            table.add_row(
                name,
                f"{x['wall_s']:.2f}",
                f"{r['bytes'] / MB / x['wall_s']:.1f}",
                f"{x['p50_ms']:.0f}",
                f"{x['p99_ms']:.0f}",
            )
        console.print(table)
        console.print(
            f"stored {r['sunbid']['bids_stored']} bids, {r['sunbid']['submissions_stored']} submissions: "
            f"[bold]{r['lost']} lost, {r['duplicated']} duplicated[/]; HTTP {r['sunbid']['statuses']}; "
            f"throughput ratio sunbid/bare [bold]{r['ratio']:.2f}[/]; server peak RSS {r['server_peak_rss_mib']:.0f} MiB"
        )
        results["opening"] = o = bench_opening(market, paths)
        table = Table(
            title=f"(b) opening {o['bids']} bids: decryption and verification vs raw AEAD of the same chunks "
            "(seconds for two rounds over every bid)"
        )
        cols = ("suite", "bids", "MB", "raw s (memory)", "raw s (one buffer)", "raw s (file)", "sunbid s")
        for col in (*cols, "ratio to memory", "to one buffer", "to file"):
            table.add_column(col, justify="right")
        for name, x in sorted(o["suites"].items()):
            table.add_row(
                name,
                str(x["bids"]),
                f"{x['bytes'] / MB:.0f}",
                *(f"{x[k]:.3f}" for k in ("raw_s", "into_s", "file_s", "open_s")),
                *(f"{x[k]:.2f}" for k in ("ratio", "ratio_into", "ratio_file")),
            )
        console.print(table)
        if o["cache"]:
            times = o["bytes"] / o["cache"]
            console.print(
                f"the bids' {o['bytes'] / MB:.0f} MB are {times:.1f} times the last-level cache "
                f"({o['cache'] / MB:.0f} MB): "
                + ("every arm reads them from memory" if times >= 2 else "[yellow]the arms may read them from it[/]")
            )
        console.print(
            f"the whole use case (decrypt_bid, with its transactions) for {o['bids']} bids: {o['use_case_s']:.2f} s"
        )
        results["memory"] = m = bench_memory(market, work, args.big_mb * MB)
        console.print(
            f"(c) one {args.big_mb} MB bid with the bid tool: `sunbid bid seal` peak RSS {m['seal_max_rss_mib']:.0f} MiB "
            f"in {m['seal_s']:.1f} s, `sunbid bid submit` {m['submit_max_rss_mib']:.0f} MiB in {m['submit_s']:.1f} s: "
            f"[bold]{m['max_rss_mib']:.0f} MiB[/] (target < 100); "
            f"server grew by {m['server_growth_mib']:.0f} MiB while receiving it"
        )
        market["platform"].engine.dispose()
    out = Path(__file__).parent / "results" / "bids.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    console.print(f"results written to {out}")


if __name__ == "__main__":
    main()
