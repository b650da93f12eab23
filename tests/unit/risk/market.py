"""Generated markets for the risk tests: no data from outside the test."""

from __future__ import annotations

import numpy as np
import polars as pl


def bids_frame(tenders: dict[int, list[float]]) -> pl.DataFrame:
    rows = [(t, float(a)) for t, amounts in tenders.items() for a in amounts]
    return pl.DataFrame(rows, schema={"tender_id": pl.Int64, "amount": pl.Float64}, orient="row")


def random_market(tenders: int, seed: int, *, max_bids: int = 30) -> dict[int, list[float]]:
    """Tenders with 3..max_bids bids around a log-normal estimate, rounded to the fen, some tied."""
    rng = np.random.default_rng(seed)
    market: dict[int, list[float]] = {}
    for t in range(tenders):
        n = int(rng.integers(3, max_bids + 1))
        estimate = float(rng.lognormal(13, 1.2))
        amounts = np.round(estimate * (1 - rng.normal(0.06, 0.04, size=n)), 2)
        if t % 7 == 0:
            amounts[1] = amounts[0]  # a tie
        market[t] = [float(a) for a in amounts]
    return market
