"""Risk engine benchmark: every indicator over a generated market of 1,000,000 bids, as a ratio
to a straightforward pandas group-by implementation of the seven price screens alone.

The generated market is a platform snapshot (``sunbid.risk.snapshot``): tenders with one
section each, bids with their prices, bidders drawn from a pool, and the submission evidence
the statutory signals read (eleven kinds per bid: network address, network card, machine id,
both certificates, file author, creating software, file hash, project manager, contact and the
deposit's payer account), a tender document per tender, the bidders' legal representatives, and
the texts of 1 % of the bids.

The sunbid arm runs the whole scan (``sunbid.risk.scan.scan_snapshot``): the statutory signals,
document similarity, the seven screens with the 13 classifier features and the model's scores,
Cardinal's red flags and the CRI, the co-bidding networks and the review of every tender
document and qualification. The pandas arm computes the seven screens only. Ratio = sunbid time
÷ pandas time, median of the rounds; the target is a ratio below 1. Two more arms time sunbid's
seven screens alone and the previous engine (screens, features, flags, model) on the plain bid
table. The arms take turns, their order reversed every other round. Every scan reads a fresh
``Snapshot`` object over the same tables, so what a snapshot computes once and keeps (the
evidence values two bids share, their bidders across the market) is timed in every round.

Run: ``uv run python bench/risk_screens.py`` (``--quick``: 100,000 bids). Results also go to
``bench/results/risk_screens.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from rich.console import Console
from rich.table import Table

from sunbid.risk.features import compute_features
from sunbid.risk.model import CollusionModel
from sunbid.risk.scan import scan_snapshot
from sunbid.risk.screens import SCREEN_COLUMNS, compute_screens, flag
from sunbid.risk.snapshot import Snapshot

EVIDENCE_KINDS = (
    "address",
    "device_mac",
    "machine_id",
    "signer_certificate",
    "encryption_certificate",
    "file_author",
    "file_creator",
    "file_sha256",
    "project_manager",
    "contact",
    "payer_account",
)
HAN = np.array([chr(c) for c in range(0x4E00, 0x4E00 + 3000)])

console = Console()


def max_rss_mib() -> float:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


def generate_market(bids: int, seed: int) -> pl.DataFrame:
    """Tenders with 1-60 bids (most 3-12, a few with one or two), priced around an estimate.

    Each tender has an estimate (log-normal, ~50k to ~50M yuan) and competitive bids at a
    discount drawn per bid; one tender in ten has tight "cover" bids just above a designated
    low bid. Amounts are rounded to the fen.
    """
    rng = np.random.default_rng(seed)
    counts: list[np.ndarray[Any, Any]] = []
    total = 0
    while total < bids:
        c = np.clip(np.round(rng.lognormal(mean=1.9, sigma=0.6, size=100_000)).astype(np.int64), 1, 60)
        counts.append(c)
        total += int(c.sum())
    n = np.concatenate(counts)
    n = n[: int(np.searchsorted(np.cumsum(n), bids)) + 1]
    n[-1] -= int(n.sum()) - bids
    n = n[n > 0]
    tenders = n.size
    tender = np.repeat(np.arange(tenders, dtype=np.int64), n)
    estimate = np.repeat(rng.lognormal(mean=14.0, sigma=1.5, size=tenders), n)
    colluding = np.repeat(rng.random(tenders) < 0.1, n)
    discount = rng.normal(0.08, 0.05, size=bids)
    tight = rng.normal(0.01, 0.004, size=bids)
    amount = np.where(colluding, estimate * (1 - tight), estimate * (1 - discount))
    amount = np.round(np.maximum(amount, 1.0), 2)
    return pl.DataFrame({"tender_id": tender, "amount": amount})


def generate_committees(b: pl.DataFrame, seed: int, experts: int = 5_000, seats: int = 5) -> dict[str, pl.DataFrame]:
    """A committee of ``seats`` experts drawn from a pool for every tender, and each member's points
    for each bid's construction plan (30 points): the bid's merit plus the member's noise, to half
    a point. Members never sit twice on one committee."""
    rng = np.random.default_rng(seed + 2)
    tenders = b.select("tender_id").unique(maintain_order=True)
    t = tenders.height
    start = rng.integers(0, experts, size=t)
    step = rng.integers(1, experts // seats, size=t)  # seats apart by a step: distinct members
    sittings = pl.concat(
        [
            tenders.with_columns(pl.Series("e", (start + k * step) % experts), pl.lit(k).alias("seat"))
            for k in range(seats)
        ]
    ).select(
        "tender_id",
        pl.col("tender_id").alias("section_id"),
        pl.format("x{}", "e").alias("expert_id"),
        pl.lit("expert").alias("member_kind"),
        pl.lit("active").alias("status"),
    )
    merit = b.select("bid_id", "tender_id", "bidder_org_id", pl.Series("merit", rng.uniform(15, 28, size=b.height)))
    scores = merit.join(sittings.select("tender_id", "expert_id"), on="tender_id")
    noise = rng.normal(0, 1.5, size=scores.height)
    scores = scores.select(
        "tender_id",
        pl.col("tender_id").alias("section_id"),
        "bid_id",
        "bidder_org_id",
        "expert_id",
        pl.lit("expert").alias("member_kind"),
        pl.lit("plan").alias("criterion"),
        ((pl.col("merit") + pl.Series(noise)).clip(0, 30) * 2).round() / 2,
        pl.lit(30.0).alias("max_score"),
    ).rename({"merit": "score"})
    return {"sittings": sittings, "scores": scores}


def generate_snapshot(bids: pl.DataFrame, seed: int, bidders: int = 20_000) -> Snapshot:
    """The platform snapshot of the generated market: evidence, documents, texts, organisations,
    committees and their scores.

    Each bid gets a bidder from a pool; its evidence values are the bidder's own (its address,
    devices, certificates, people and account), one creating software in seven, and a file hash
    of its own. One tender in 200 has two bids made on one device and paid from one account, and
    one in 500 a document demanding a local branch. 1 % of the bids carry a 400-character text.
    """
    rng = np.random.default_rng(seed + 1)
    n = bids.height
    b = (
        bids.with_columns(
            pl.Series("o", rng.integers(0, bidders, size=n)),
            pl.int_range(n).alias("i"),
        )
        .with_columns(
            pl.format("b{}", "i").alias("bid_id"),
            pl.format("t{}", "tender_id").alias("tender_id"),
            pl.format("o{}", "o").alias("bidder_org_id"),
            pl.lit("decrypted").alias("status"),
            pl.lit(False).alias("invalid"),
        )
        .with_columns(pl.col("tender_id").alias("section_id"))
    )
    ring = b.with_columns(
        (pl.col("tender_id").hash() % 200 == 0).alias("ring"),
        pl.int_range(pl.len()).over("tender_id").alias("pos"),
    )
    parts = []
    for kind in EVIDENCE_KINDS:
        if kind == "file_creator":
            value = pl.format("wps office 12.{}", pl.col("o") % 7)
        elif kind == "file_sha256":
            value = pl.format("{}", pl.col("i").hash())
        elif kind in ("device_mac", "payer_account"):
            value = pl.when(pl.col("ring") & (pl.col("pos") < 2)).then(
                pl.format("{}-ring-{}", pl.lit(kind), "tender_id")
            )
            value = value.otherwise(pl.format("{}-{}", pl.lit(kind), "o"))
        else:
            value = pl.format("{}-{}", pl.lit(kind), "o")
        parts.append(
            ring.select(
                "bid_id", "tender_id", "section_id", "bidder_org_id", pl.lit(kind).alias("kind"), value.alias("value")
            )
        )
    evidence = pl.concat(parts)
    tenders = (
        b.group_by("tender_id")
        .agg(pl.col("amount").mean().alias("estimated_price"))
        .with_columns(
            pl.lit("works").alias("category"),
            pl.lit("房屋建筑").alias("sector"),
            pl.lit("open").alias("method"),
            pl.lit("具有建筑工程施工总承包三级及以上资质，近三年类似工程业绩1个。").alias("qualification_requirements"),
        )
    )
    sections = tenders.select(pl.col("tender_id").alias("section_id"), "tender_id", "estimated_price")
    clean = "第二章 投标人须知\n1.1 投标人须具有独立法人资格。\n1.2 招标人不得要求投标人在本地设立分支机构。\n"
    documents = tenders.select(
        "tender_id",
        pl.when(pl.col("tender_id").hash() % 500 == 1)
        .then(pl.lit(clean + "1.3 投标人须在本市设立分支机构。\n"))
        .otherwise(pl.lit(clean))
        .alias("text"),
    )
    with_text = b.filter(pl.col("i").hash() % 100 == 0).select("bid_id", "tender_id")
    texts = ["".join(t) for t in rng.choice(HAN, size=(with_text.height, 400))]
    bid_texts = with_text.with_columns(pl.Series("text", texts), pl.lit("技术标.txt").alias("name"))
    organisations = pl.DataFrame({"o": np.arange(bidders)}).select(
        pl.format("o{}", "o").alias("org_id"), pl.format("法人{}", "o").alias("legal_representative")
    )
    return Snapshot.build(
        tenders=tenders,
        sections=sections,
        bids=b,
        evidence=evidence,
        documents=documents,
        bid_texts=bid_texts.drop("tender_id"),
        organisations=organisations,
        **generate_committees(b, seed),
    )


class Stages:
    """The scan's step callback: the seconds of each stage, from one step to the next."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._name: str | None = None
        self._since = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        if self._name is not None:
            self.seconds[self._name] = now - self._since
        self._name, self._since = name, now


def sunbid_previous_arm(bids: pl.DataFrame, model: CollusionModel) -> dict[str, Any]:
    computed = compute_features(bids)
    flags = flag(computed.tenders)
    scores = model.score_tenders(computed.tenders)
    return {"tenders": computed.tenders, "skipped": computed.skipped, "flags": flags, "scores": scores}


def pandas_screens(df: pd.DataFrame) -> pd.DataFrame:
    """The seven screens with pandas group-bys, for tenders with at least three bids."""
    df = df.sort_values(["tender_id", "amount"], kind="stable")
    g = df.groupby("tender_id", sort=True)["amount"]
    n = g.transform("size")
    df = df[n >= 3]
    g = df.groupby("tender_id", sort=True)["amount"]
    rank = g.cumcount()  # 0 for the lowest bid
    size, mean, sd = g.size(), g.mean(), g.std()
    low, high = g.min(), g.max()
    second = df[rank == 1].set_index("tender_id")["amount"]
    losing_sd = df[rank > 0].groupby("tender_id")["amount"].std()
    lo_t, hi_t, n_t = g.transform("min"), g.transform("max"), g.transform("size")
    f = (df["amount"] - lo_t) / (hi_t - lo_t)
    i = rank + 1
    d = np.maximum(i / n_t - f, f - (i - 1) / n_t)
    ks = d.groupby(df["tender_id"]).max()
    out = pd.DataFrame(
        {
            "cv": sd / mean,
            "spd": (high - low) / low,
            "diffp": (second - low) / low,
            "rd": ((second - low) / losing_sd).where(losing_sd > 0),
            "kurt": g.kurt().where(size >= 4),
            "skew": g.skew(),
            "ks": ks.where(high > low),
        }
    )
    return out


def check_agreement(sunbid: pl.DataFrame, pandas: pd.DataFrame) -> float:
    """Largest absolute difference between the two implementations' screens (outside the timing)."""
    theirs = pl.DataFrame(
        {"tender_id": pandas.index.to_numpy(), **{f"{c}_pd": pandas[c].to_numpy() for c in SCREEN_COLUMNS}}
    )
    joined = sunbid.select("tender_id", *SCREEN_COLUMNS).join(theirs, on="tender_id")
    if joined.height != sunbid.height or joined.height != theirs.height:
        raise SystemExit(f"the two arms scored different tenders: {sunbid.height} vs {theirs.height}")
    worst = 0.0
    for c in SCREEN_COLUMNS:
        diff = joined.select(((pl.col(c) - pl.col(f"{c}_pd")).abs() / (1 + pl.col(c).abs())).max()).item()
        worst = max(worst, float(diff or 0.0))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="100,000 bids, 3 rounds")
    parser.add_argument("--output", type=Path, default=Path("bench/results/risk_screens.json"))
    args = parser.parse_args()
    if args.quick:
        args.bids, args.rounds = 100_000, 3

    rss_start = max_rss_mib()
    t0 = time.perf_counter()
    bids = generate_market(args.bids, args.seed)
    frame = pd.DataFrame({c: bids[c].to_numpy() for c in bids.columns})
    model = CollusionModel.load()
    snapshot = generate_snapshot(bids, args.seed)
    rss_data = max_rss_mib()
    tenders = bids["tender_id"].n_unique()
    console.print(
        f"market: {bids.height:,} bids in {tenders:,} tenders, {snapshot.evidence.height:,} evidence rows, "
        f"{snapshot.bid_texts.height:,} bid texts (generated in {time.perf_counter() - t0:.1f} s); "
        f"max RSS with the data in pandas and Polars: {rss_data:.0f} MiB"
    )

    # Warm-up runs, one per arm; the first also gives the sunbid arm's peak memory.
    first_stages = Stages()
    scan = scan_snapshot(dataclasses.replace(snapshot), model=model, step=first_stages)
    first_stages("end")
    rss_sunbid = max_rss_mib()
    result = sunbid_previous_arm(bids, model)
    reference = pandas_screens(frame)
    rss_pandas = max_rss_mib()
    worst = check_agreement(result["tenders"], reference)

    sunbid_s: list[float] = []
    pandas_s: list[float] = []
    screens_s: list[float] = []
    previous_s: list[float] = []
    round_stages: list[dict[str, float]] = []
    for k in range(args.rounds):
        arms = [("sunbid", sunbid_s), ("pandas", pandas_s), ("screens", screens_s), ("previous", previous_s)]
        for name, times in arms if k % 2 == 0 else arms[::-1]:
            start = time.perf_counter()
            if name == "sunbid":
                stages = Stages()
                # A fresh Snapshot object over the same tables: nothing it caches is reused.
                scan_snapshot(dataclasses.replace(snapshot), model=model, step=stages)
                stages("end")
                round_stages.append(stages.seconds)
            elif name == "screens":
                compute_screens(bids)
            elif name == "previous":
                sunbid_previous_arm(bids, model)
            else:
                pandas_screens(frame)
            times.append(time.perf_counter() - start)

    ours, theirs = statistics.median(sunbid_s), statistics.median(pandas_s)
    ratios = [a / b for a, b in zip(sunbid_s, pandas_s, strict=True)]
    table = Table(title=f"Risk indicators over {bids.height:,} bids, median of {args.rounds} rounds")
    for col in ("arm", "what it computes", "seconds", "per round"):
        table.add_column(col, justify="right" if col != "what it computes" else "left")
    table.add_row(
        "sunbid",
        "every indicator: statutory signals, similarity, screens, features, model, red flags, CRI, networks, review, committees",
        f"{ours:.2f}",
        f"{min(sunbid_s):.2f}-{max(sunbid_s):.2f}",
    )
    table.add_row(
        "sunbid prices",
        "checks, 7 screens, 13 more features, 7 flag sets, model scores (the plain bid table)",
        f"{statistics.median(previous_s):.2f}",
        f"{min(previous_s):.2f}-{max(previous_s):.2f}",
    )
    table.add_row(
        "sunbid screens",
        "checks and 7 screens only",
        f"{statistics.median(screens_s):.2f}",
        f"{min(screens_s):.2f}-{max(screens_s):.2f}",
    )
    table.add_row("pandas", "7 screens", f"{theirs:.2f}", f"{min(pandas_s):.2f}-{max(pandas_s):.2f}")
    console.print(table)
    flagged = result["scores"]["flagged"].sum()
    stage_median = {name: statistics.median(r[name] for r in round_stages) for name in first_stages.seconds}
    console.print(
        "by stage, median of the rounds (first run): "
        + ", ".join(f"{name} {stage_median[name]:.2f} s ({first_stages.seconds[name]:.2f})" for name in stage_median)
    )
    console.print(
        f"the scan's flags: {scan.flags.height:,}; by indicator: "
        + ", ".join(f"{r['indicator']} {r['count']:,}" for r in scan.summary()["flags_by_indicator"])
    )
    console.print(
        f"ratio sunbid / pandas: [bold]{ours / theirs:.2f}x[/] (per round {min(ratios):.2f}-{max(ratios):.2f}; "
        f"target < 1); the seven screens alone {statistics.median(screens_s) / theirs:.2f}x\n"
        f"scored {result['tenders'].height:,} tenders, skipped {result['skipped'].height:,}, "
        f"{result['flags'].height:,} screen flags, {flagged:,} tenders over the model threshold; "
        f"largest screen difference between the arms {worst:.1e}\n"
        f"max RSS: {rss_start:.0f} MiB at start, {rss_data:.0f} MiB with the data, "
        f"{rss_sunbid:.0f} MiB after the sunbid arm, {rss_pandas:.0f} MiB after the pandas arm"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "bids": bids.height,
                "tenders": tenders,
                "rounds": args.rounds,
                "sunbid_seconds": sunbid_s,
                "pandas_seconds": pandas_s,
                "sunbid_screens_only_seconds": screens_s,
                "sunbid_price_indicators_seconds": previous_s,
                "first_run_stages_seconds": first_stages.seconds,
                "stages_seconds_median": stage_median,
                "stages_seconds_per_round": round_stages,
                "evidence_rows": snapshot.evidence.height,
                "bid_texts": snapshot.bid_texts.height,
                "flags": scan.summary()["flags_by_indicator"],
                "ratio": ours / theirs,
                "max_rss_mib": {
                    "start": rss_start,
                    "data": rss_data,
                    "after_sunbid": rss_sunbid,
                    "after_pandas": rss_pandas,
                },
                "largest_screen_difference": worst,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
