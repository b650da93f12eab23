"""Benchmark: drawing a 7-member committee with reserves from a pool of 100,000 experts under
every exclusion, against an unconstrained random sample of the same size from the same pool.

What it does, in one run:

1. Builds a platform on a fresh database (a temporary SQLite file by default, or a fresh
   schema in PostgreSQL with ``--database-url``) and loads a pool of N experts (default
   100,000) in two home pools, with 1 to 3 specialties each, employers, declarations,
   sanctions, suspensions and ages spread so that every exclusion of ADR 12 applies to a few
   per cent of the candidates (about a quarter of them are excluded in all). The pool is
   bulk-inserted (registering 100,000 experts one use case at a time is not what is
   measured); the tenders are made by the use cases, and their bids, which would need sealed
   envelopes, are inserted as they stand after the opening.
2. Measures, interleaved run by run so that drift falls on both arms alike:

   * **draw**: what a draw reads and computes: the tender's context (bidders, consortium
     members, tenderer, agency, supervising department), each line's candidate ids from the
     pool, and the walk of ``sunbid-draw/1`` with every candidate it meets read and judged by
     the exclusions (a fresh seed each run). The committee: 5 experts in 3 specialty lines
     (one drawn from the other city's pool) with 3 reserves, and 2 tenderer representatives.
   * **sample**: the baseline: the same candidate ids read with the same query, then
     ``random.sample`` of the same number of experts per line, with no exclusion at all.

   The ratio is ``median(draw) / median(sample)``. It also times the whole use cases
   (``request_committee`` then ``perform_draw``: the fill check, the candidate blob, the
   commitment and the committee written to the ledger) on fresh tenders, for information.

Run ``uv run python bench/draw.py --quick`` for a smoke run; see bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from sunbid.bootstrap import Platform, build
from sunbid.config import Settings
from sunbid.demo.seed import ADMIN, demo_credit_code, plan_fields, standard_scheme, tender_fields
from sunbid.evaluation import declare as evaluation_scheme
from sunbid.experts import drawing
from sunbid.experts import service as experts
from sunbid.experts.model import Draw, DrawPurpose, Requirement
from sunbid.identity import service as identity
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import Context, Role
from sunbid.kernel.ids import new_id
from sunbid.storage import migrate
from sunbid.storage import tables as t
from sunbid.tendering import service as tendering
from sunbid.tendering.model import DocumentKind
from tenders_api import fresh_database

RESULTS = Path(__file__).resolve().parent / "results" / "draw.json"
LOCAL, REMOTE = "南京市综合评标专家库", "苏州市综合评标专家库"
SUPERVISING = "南京市住房和城乡建设局"
SPECIALTIES = [f"A{n:02d}" for n in range(1, 11)] + [f"B{n:02d}" for n in range(1, 11)]
LINES = (Requirement("A01", 3, 1), Requirement("A02", 1, 1), Requirement("A03", 1, 1, remote=True))
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
console = Console(width=None if sys.stdout.isatty() else 120)


# ---------------------------------------------------------------------------- the world
class World:
    def __init__(self, platform: Platform, clock: FixedClock) -> None:
        self.platform, self.clock = platform, clock
        self.sys = Context(actor=ADMIN, clock=clock, rules=platform.rules)
        self.orgs: dict[str, Any] = {}
        self.users: dict[str, Any] = {}

    def ctx(self, who: str) -> Context:
        return Context(
            actor=self.users[who].as_actor(), clock=self.clock, rules=self.platform.rules, address="10.0.0.1"
        )

    def org(self, key: str, name: str) -> Any:
        made = identity.create_organisation(
            self.platform.uow(),
            self.sys,
            identity.NewOrganisation(name, demo_credit_code(f"91320100MA{len(self.orgs) + 1:07d}"), "南京市"),
        )
        self.orgs[key] = made
        return made

    def user(self, username: str, role: Role, org: str | None) -> Any:
        made = identity.create_user(
            self.platform.uow(),
            self.sys,
            identity.NewUser(username, username, "bench password 2026", role, self.orgs[org].id if org else None),
        )
        self.users[username] = made
        return made


def build_world(platform: Platform, clock: FixedClock) -> World:
    w = World(platform, clock)
    for key, name in (
        ("tenderer", "南京市城市建设投资有限公司"),
        ("agency", "江苏阳光招标代理有限公司"),
        ("supervisor", SUPERVISING),
    ):
        w.org(key, name)
    for n in range(1, 6):
        w.org(f"bidder{n}", f"投标单位{n}")
    w.user("tenderer", Role.TENDERER, "tenderer")
    w.user("rep1", Role.TENDERER, "tenderer")
    w.user("rep2", Role.TENDERER, "tenderer")
    w.user("supervisor", Role.SUPERVISOR, "supervisor")
    w.user("admin", Role.ADMINISTRATOR, None)
    return w


def tenders(w: World, count: int) -> list[tuple[str, str]]:
    """``count`` tenders made by the use cases, past their deadline, each section with five
    bids (one of them a consortium's) as they stand after the opening."""
    tenderer = w.ctx("tenderer")
    planned = (w.clock.now() + timedelta(days=35)).date()
    plans = []
    for i in range(count):
        plan = tendering.create_plan(
            w.platform.uow(), tenderer, plan_fields(f"基准测试项目{i}", "12500000.00", planned)
        )
        tendering.publish_plan(w.platform.uow(), tenderer, plan.id)
        plans.append(plan.id)
    w.clock.advance(timedelta(days=35))
    made = []
    issue = w.clock.now() + timedelta(hours=1)
    for i, plan_id in enumerate(plans):
        tender = tendering.create_tender(
            w.platform.uow(), tenderer, plan_id, tender_fields(f"基准测试项目{i}施工", issue, "12000000.00")
        )
        blob = w.platform.blobs.put_file(io.BytesIO(f"招标文件 {i}".encode()))
        tendering.add_document(
            w.platform.uow(),
            tenderer,
            tender.id,
            kind=DocumentKind.TENDER_DOCUMENT,
            title="招标文件",
            filename="tender.txt",
            media_type="text/plain",
            blob=blob,
        )
        evaluation_scheme.set_scheme(w.platform.uow(), tenderer, tender.id, standard_scheme())
        tendering.announce_tender(w.platform.uow(), tenderer, tender.id)
        made.append((tender.id, tender.sections[0].id))
    w.clock.advance(timedelta(days=23))
    now = w.clock.now()
    with w.platform.engine.begin() as conn:
        for tender_id, section_id in made:
            conn.execute(sa.update(t.tenders).where(t.tenders.c.id == tender_id).values(status="opening"))
            rows = []
            for n in range(1, 6):
                consortium = [{"org_id": w.orgs[f"bidder{n}"].id}, {"org_id": w.orgs["bidder5"].id}] if n == 4 else []
                rows.append(
                    {
                        "id": new_id("bid", now),
                        "tender_id": tender_id,
                        "section_id": section_id,
                        "bidder_org_id": w.orgs[f"bidder{n}"].id,
                        "created_at": now,
                        "status": "decrypted",
                        "consortium": consortium,
                        "decryption_attempts": 1,
                        "invalid_grounds": [],
                    }
                )
            conn.execute(sa.insert(t.bids), rows[:4])  # bidder5 bids only within bidder4's consortium
    return made


# ---------------------------------------------------------------------------- the pool
def load_pool(w: World, size: int, plan_ids: list[str], rng: random.Random) -> dict[str, int]:
    """Bulk-insert the pool; returns how many experts each exclusion was planted on."""
    now = w.clock.now()
    today = now.date()
    bidders = [w.orgs[f"bidder{n}"].credit_code for n in range(1, 6)]
    staff = [w.orgs["tenderer"].credit_code, w.orgs["agency"].credit_code]
    planted: Counter[str] = Counter()
    users, pool, specialties, jobs, declarations, sanctions = [], [], [], [], [], []
    for i in range(size):
        user_id, expert_id = f"usr_B{i:025d}", f"exp_B{i:025d}"
        users.append(
            {
                "id": user_id,
                "username": f"pool{i}",
                "display_name": f"专家{i}",
                "password_hash": "!",  # no password hash matches "!": these accounts cannot log in
                "role": "expert",
                "org_id": None,
                "created_at": now,
                "active": True,
            }
        )
        birth = date(1960 + rng.randrange(30), rng.randrange(1, 13), rng.randrange(1, 28))
        status = "active"
        roll = rng.random()
        if roll < 0.03:
            birth = date(today.year - 71, 1, 1)
            planted["over_age_limit"] += 1
        elif roll < 0.05:
            status = "suspended"
            planted["suspended (never a candidate)"] += 1
        pool.append(
            {
                "id": expert_id,
                "name": f"专家{i}",
                "title_level": rng.choice(["professor", "senior"]),
                "title_basis": "",
                "practice_since": date(2000 + rng.randrange(10), 1, 1),
                "birth_date": birth,
                "region": "320100" if i % 5 else "320500",
                "home_pool": LOCAL if i % 5 else REMOTE,
                "created_at": now,
                "user_id": user_id,
                "status": status,
                "status_reason": None,
                "status_changed_at": None,
            }
        )
        for code in rng.sample(SPECIALTIES, rng.randrange(1, 4)):
            specialties.append(
                {
                    "expert_id": expert_id,
                    "code": code,
                    "home_pool": pool[-1]["home_pool"],
                    "drawable": status == "active",
                }
            )
        employer = demo_credit_code(f"91320100MB{rng.randrange(5000):07d}")
        ended: date | None = None
        roll = rng.random()
        if roll < 0.04:
            employer = rng.choice(bidders)
            planted["employer_is_bidder"] += 1
        elif roll < 0.07:
            jobs.append(
                _job(expert_id, rng.choice(bidders), "投标单位", date(2005, 1, 1), today - timedelta(days=500), i)
            )
            planted["recent_employer_was_bidder"] += 1
        elif roll < 0.10:
            employer = rng.choice(staff)
            planted["tenderer_or_agency_staff"] += 1
        elif roll < 0.12:
            jobs.append(_job(expert_id, w.orgs["supervisor"].credit_code, SUPERVISING, date(2010, 1, 1), None, i))
            planted["supervising_department_staff"] += 1
            employer = ""
        if employer:
            jobs.append(_job(expert_id, employer, "某工程咨询有限公司", date(2012, 1, 1), ended, i))
        roll = rng.random()
        kind = None
        if roll < 0.03:
            kind, extra = "close_relative", {"org_credit_code": rng.choice(bidders)}
        elif roll < 0.06:
            kind, extra = "economic_interest", {"org_credit_code": rng.choice(bidders)}
        elif roll < 0.08:
            kind, extra = "earlier_work", {"subject_id": rng.choice(plan_ids[:1] * len(plan_ids) + plan_ids)}
        if kind:
            planted[f"{kind} declared"] += 1
            declarations.append(
                {
                    "id": f"dcl_B{i:025d}",
                    "expert_id": expert_id,
                    "kind": kind,
                    "details": "申报",
                    "declared_at": now,
                    "org_credit_code": None,
                    "org_name": None,
                    "subject_id": None,
                    "ended_at": None,
                }
                | extra
            )
        if rng.random() < 0.03:
            planted["sanctioned"] += 1
            sanctions.append(
                {
                    "id": f"snc_B{i:025d}",
                    "expert_id": expert_id,
                    "kind": "administrative",
                    "authority": "南京市住建局",
                    "decision_number": f"宁建罚〔2024〕{i}号",
                    "decided_on": date(2024, 1, 1),
                    "details": "",
                    "recorded_at": now,
                    "recorded_by": None,
                    "cleared_at": None,
                    "cleared_reason": None,
                }
            )
    with w.platform.engine.begin() as conn:
        for table, rows in (
            (t.users, users),
            (t.experts, pool),
            (t.expert_specialties, specialties),
            (t.expert_employments, jobs),
            (t.expert_declarations, declarations),
            (t.expert_sanctions, sanctions),
        ):
            for start in range(0, len(rows), 10_000):
                conn.execute(sa.insert(table), rows[start : start + 10_000])
    # As an operator would after a bulk load: statistics for the planner and, on PostgreSQL, the
    # visibility map that lets the candidates' covering index answer alone (an index-only scan).
    with w.platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE" if w.platform.engine.dialect.name == "postgresql" else "ANALYZE"))
    return dict(planted)


def _job(expert_id: str, code: str, name: str, start: date, end: date | None, i: int) -> dict[str, Any]:
    return {
        "id": f"emp_{code[-6:]}{i:020d}",
        "expert_id": expert_id,
        "employer_credit_code": code,
        "employer_name": name,
        "started_on": start,
        "ended_on": end,
    }


# ---------------------------------------------------------------------------- the arms
def request_shape(w: World, tender_id: str, section_id: str, venue_id: str) -> Draw:
    now = w.clock.now()
    return Draw(
        id=new_id("drw", now),
        tender_id=tender_id,
        section_id=section_id,
        purpose=DrawPurpose.COMMITTEE,
        requirements=[r.as_json() for r in LINES],
        local_pool=LOCAL,
        remote_pools=[],
        representatives=[w.users["rep1"].id, w.users["rep2"].id],
        size=7,
        evaluation_hours=8,
        main_venue_id=venue_id,
        secondary_venue_ids=[],
        starts_at=now + timedelta(hours=2),
        requested_at=now,
        requested_by=None,
        seed="",
        seed_sha256="",
        request_document={},
        request_sha256="",
        candidates_sha256="",
        candidates_count=0,
        await_contribution=False,
    )


def arm_draw(w: World, shape: Draw, reasons: Counter[str]) -> int:
    """The draw's reads and walk, as perform_draw does them (nothing is written)."""
    uow = w.platform.uow()
    with uow:
        tender = uow.tenders.get(shape.tender_id)
        assert tender is not None
        context = experts.draw_context(uow, w.ctx("tenderer"), tender, shape.section_id, shape, None)
        candidates = experts.candidate_document(uow, shape)
        key = drawing.key_of(secrets.token_bytes(drawing.SEED_BYTES))
        results = drawing.run(
            [drawing.Line(r.seats, r.reserves) for r in LINES],
            [line["ids"] for line in candidates["lines"]],
            key,
            experts.decider(uow, context),
        )
    assert all(r.filled for r in results)
    for r in results:
        for step in r.steps:
            reasons.update(step.reasons)
    return sum(len(r.steps) for r in results)


def arm_sample(w: World, shape: Draw, rng: random.Random) -> int:
    """The baseline: the same candidate ids, then a plain random sample per line."""
    uow = w.platform.uow()
    drawn = 0
    with uow:
        for r in LINES:
            ids = uow.experts.candidates(
                r.specialty, pools=None if r.remote else [LOCAL], except_pool=LOCAL if r.remote else None
            )
            drawn += len(rng.sample(ids, r.seats + r.reserves))
    return drawn


def arm_use_cases(w: World, tender_id: str, section_id: str, venue_id: str) -> float:
    fields = experts.CommitteeRequestFields(
        size=7,
        requirements=LINES,
        local_pool=LOCAL,
        main_venue_id=venue_id,
        starts_at=w.clock.now() + timedelta(hours=2),
        evaluation_hours=8,
        representatives=(w.users["rep1"].id, w.users["rep2"].id),
    )
    began = time.perf_counter()
    draw = experts.request_committee(w.platform.uow(), w.ctx("tenderer"), tender_id, section_id, fields)
    experts.perform_draw(w.platform.uow(), w.ctx("tenderer"), draw.id)
    return time.perf_counter() - began


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    out = function()
    return time.perf_counter() - began, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite:///FILE or postgresql://... (a fresh schema is used)")
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200, help="timed runs per arm")
    parser.add_argument("--use-case-runs", type=int, default=20, help="runs of the whole use cases")
    parser.add_argument("--quick", action="store_true", help="10,000 experts, 40 runs, 5 use-case runs")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.quick:
        args.experts, args.runs, args.use_case_runs = 10_000, 40, 5
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.database_url, Path(tmp)) as db:
        migrate.upgrade(db.url)
        clock = FixedClock(START)
        platform = build(
            Settings(database_url=db.url, blob_dir=Path(tmp) / "blobs", ledger_key_file=Path(tmp) / "ledger.pem"),
            clock=clock,
        )
        w = build_world(platform, clock)
        console.print(f"database: {db.label}")
        seconds, made = timed(lambda: tenders(w, 1 + args.use_case_runs))
        console.print(f"made {len(made)} tenders past their deadline in {seconds:.1f} s")
        plan_ids = [tendering.get_tender(platform.uow(), w.ctx("tenderer"), t_id).plan_id for t_id, _ in made]
        seconds, planted = timed(lambda: load_pool(w, args.experts, plan_ids, rng))
        console.print(f"loaded a pool of {args.experts:,} experts in {seconds:.1f} s")
        venue = experts.register_venue(
            platform.uow(), w.ctx("admin"), experts.VenueFields("基准评标室", "5 楼", "320100", 10_000)
        )
        tender_id, section_id = made[0]
        shape = request_shape(w, tender_id, section_id, venue.id)
        with platform.uow() as uow:
            counts = [len(line["ids"]) for line in experts.candidate_document(uow, shape)["lines"]]
        reasons: Counter[str] = Counter()
        draws, samples, walked = [], [], []
        for _ in range(5):  # warm the caches of both arms
            arm_draw(w, shape, Counter())
            arm_sample(w, shape, rng)
        for run in range(args.runs):
            order = (0, 1) if run % 2 == 0 else (1, 0)
            for arm in order:
                if arm == 0:
                    s, steps = timed(lambda: arm_draw(w, shape, reasons))
                    draws.append(s)
                    walked.append(steps)
                else:
                    samples.append(timed(lambda: arm_sample(w, shape, rng))[0])
        whole = [arm_use_cases(w, t_id, s_id, venue.id) for t_id, s_id in made[1:]]
        platform.engine.dispose()

    draw_ms, sample_ms = statistics.median(draws) * 1000, statistics.median(samples) * 1000
    table = Table(
        title=f"Drawing a 7-member committee (5 experts in 3 lines + 2 representatives, 3 reserves) from {args.experts:,} experts"
    )
    table.add_column("arm")
    table.add_column("median ms", justify="right")
    table.add_column("p90 ms", justify="right")
    table.add_column("runs", justify="right")
    for name, values in (
        ("draw (all exclusions, sunbid-draw/1)", draws),
        ("sample (random.sample, no exclusion)", samples),
    ):
        table.add_row(name, f"{statistics.median(values) * 1000:.2f}", f"{_p90(values) * 1000:.2f}", str(len(values)))
    if whole:
        table.add_row(
            "request + perform use cases (ledger, blob)",
            f"{statistics.median(whole) * 1000:.2f}",
            f"{_p90(whole) * 1000:.2f}",
            str(len(whole)),
        )
    console.print(table)
    console.print(f"candidates per line: {counts}; candidates walked per draw: median {statistics.median(walked):.0f}")
    console.print(
        f"ratio draw / sample: [bold]{draw_ms / sample_ms:.2f}[/]  (target: the draw under 50 ms: {'met' if draw_ms < 50 else 'missed'})"
    )
    console.print("exclusions met in the walks: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    results = {
        "database": db.label,
        "experts": args.experts,
        "runs": args.runs,
        "draw_median_ms": round(draw_ms, 3),
        "sample_median_ms": round(sample_ms, 3),
        "ratio": round(draw_ms / sample_ms, 3),
        "use_cases_median_ms": round(statistics.median(whole) * 1000, 3) if whole else None,
        "candidates_per_line": counts,
        "walked_median": statistics.median(walked),
        "exclusions_met": dict(reasons),
        "planted": planted,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2))


def _p90(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.9) - 1)]


if __name__ == "__main__":
    main()
