"""Literal transcriptions of the screen formulas, one tender at a time, in plain Python.

Written from the definitions in ``docs/risk/screens.md``, independently of the Polars code,
so that the tests compare two implementations of the same text.
"""

from __future__ import annotations

import itertools
import math
import statistics


def sample_sd(xs: list[float]) -> float:
    m = sum(xs) / len(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def screens(bids: list[float]) -> dict[str, float | None]:
    x = sorted(bids)
    n = len(x)
    m = sum(x) / n
    s = sample_sd(x)
    losing = x[1:]
    s_l = sample_sd(losing)
    equal = x[-1] == x[0]
    out: dict[str, float | None] = {
        "cv": s / m,
        "spd": (x[-1] - x[0]) / x[0],
        "diffp": (x[1] - x[0]) / x[0],
        "rd": None if losing[-1] == losing[0] else (x[1] - x[0]) / s_l,
        "skew": None,
        "kurt": None,
        "ks": None,
    }
    if not equal:
        z = [(v - m) / s for v in x]
        out["skew"] = n / ((n - 1) * (n - 2)) * sum(v**3 for v in z)
        if n >= 4:
            out["kurt"] = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * sum(v**4 for v in z) - 3 * (n - 1) ** 2 / (
                (n - 2) * (n - 3)
            )
        f = [(v - x[0]) / (x[-1] - x[0]) for v in x]
        out["ks"] = max(max(i / n - f[i - 1], f[i - 1] - (i - 1) / n) for i in range(1, n + 1))
    return out


def quantile(x: list[float], p: float) -> float:
    """Linear interpolation between order statistics (numpy's default, 'inclusive' in statistics)."""
    xs = sorted(x)
    h = (len(xs) - 1) * p
    k = math.floor(h)
    if k + 1 >= len(xs):
        return xs[k]
    return xs[k] + (h - k) * (xs[k + 1] - xs[k])


def features(bids: list[float]) -> dict[str, float | None]:
    x = sorted(bids)
    n = len(x)
    m = sum(x) / n
    med = statistics.median(x)
    lo, x2, x3, hi = x[0], x[1], x[2], x[-1]
    gaps = [b - a for a, b in itertools.pairwise(x)]
    losing = x[1:]
    rng = hi - lo
    return {
        "log_n": math.log(n),
        "cv_losing": sample_sd(losing) / (sum(losing) / len(losing)),
        "rd_alt": None if hi == x2 else (x2 - lo) / ((hi - x2) / (n - 2)),
        "gap1_share": None if rng == 0 else (x2 - lo) / rng,
        "max_gap_share": None if rng == 0 else max(gaps) / rng,
        "min_gap_rel": min(gaps) / med,
        "tie_share": 1 - len(set(x)) / n,
        "iqr_rel": (quantile(x, 0.75) - quantile(x, 0.25)) / med,
        "mean_median": m / med - 1,
        "low_rel": (med - lo) / med,
        "high_rel": (hi - med) / med,
        "z_lowest": None if rng == 0 else (m - lo) / sample_sd(x),
        "gap_ratio": None if x2 == lo else math.log1p((x3 - x2) / (x2 - lo)),
    }
