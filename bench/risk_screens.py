"""Risk engine benchmark: every indicator over a generated market of 1,000,000 bids, as a ratio
to a straightforward pandas group-by implementation of the seven price screens alone.

The sunbid arm computes, from the raw bid table, the checks and skip reasons, the seven
screens, the 13 further classifier features (one Polars ``group_by``), the flags and evidence of
the seven screen indicators, and the collusion score of every tender with the shipped model
(market percentiles within bid-count cells and the logistic regression, numpy). The pandas
arm computes the seven screens only. Ratio = sunbid time ÷ pandas time, median of the rounds;
the target is a ratio below 1. A third arm times sunbid's checks and seven screens alone. The
arms take turns, their order reversed every other round.

Run: ``uv run python bench/risk_screens.py`` (``--quick``: 100,000 bids). Results also go to
``bench/results/risk_screens.json``.
"""

from __future__ import annotations

import argparse
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
from sunbid.risk.screens import SCREEN_COLUMNS, compute_screens, flag

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


def sunbid_all_indicators(bids: pl.DataFrame, model: CollusionModel) -> dict[str, Any]:
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
    rss_data = max_rss_mib()
    tenders = bids["tender_id"].n_unique()
    console.print(
        f"market: {bids.height:,} bids in {tenders:,} tenders (generated in {time.perf_counter() - t0:.1f} s); "
        f"max RSS with the data in pandas and Polars: {rss_data:.0f} MiB"
    )

    # Warm-up runs, one per arm; the first also gives the sunbid arm's peak memory.
    result = sunbid_all_indicators(bids, model)
    rss_sunbid = max_rss_mib()
    reference = pandas_screens(frame)
    rss_pandas = max_rss_mib()
    worst = check_agreement(result["tenders"], reference)

    sunbid_s: list[float] = []
    pandas_s: list[float] = []
    screens_s: list[float] = []
    for k in range(args.rounds):
        arms = [("sunbid", sunbid_s), ("pandas", pandas_s), ("screens", screens_s)]
        for name, times in arms if k % 2 == 0 else arms[::-1]:
            start = time.perf_counter()
            if name == "sunbid":
                sunbid_all_indicators(bids, model)
            elif name == "screens":
                compute_screens(bids)
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
        "checks, 7 screens, 13 more features, 7 flag sets with evidence, model scores",
        f"{ours:.2f}",
        f"{min(sunbid_s):.2f}-{max(sunbid_s):.2f}",
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
