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


def g1(xs: list[float]) -> float | None:
    """Adjusted sample skewness, None for fewer than three values or all equal."""
    n = len(xs)
    if n < 3 or max(xs) == min(xs):
        return None
    m, s = sum(xs) / n, sample_sd(xs)
    return n / ((n - 1) * (n - 2)) * sum(((v - m) / s) ** 3 for v in xs)


def g2(xs: list[float]) -> float | None:
    """Sample excess kurtosis, None for fewer than four values or all equal."""
    n = len(xs)
    if n < 4 or max(xs) == min(xs):
        return None
    m, s = sum(xs) / n, sample_sd(xs)
    head = n * (n + 1) / ((n - 1) * (n - 2) * (n - 3))
    return head * sum(((v - m) / s) ** 4 for v in xs) - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))


def significant_digits(x: float) -> int:
    """Digits of the amount written with ten significant digits, trailing zeros dropped."""
    mantissa = f"{x:.9e}".split("e")[0].replace(".", "")
    return len(mantissa.rstrip("0"))


def features(bids: list[float]) -> dict[str, float | None]:
    x = sorted(bids)
    n = len(x)
    m = sum(x) / n
    med = statistics.median(x)
    lo, x2, x3, hi = x[0], x[1], x[2], x[-1]
    gaps = [b - a for a, b in itertools.pairwise(x)]
    losing = x[1:]
    rng = hi - lo
    digits = [significant_digits(v) for v in x]
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
        "spd_losing": (hi - x2) / x2,
        "skew_losing": g1(losing),
        "kurt_losing": g2(losing),
        "top_gap_share": None if rng == 0 else (hi - x[-2]) / rng,
        "min_gap_mean": None if rng == 0 else min(gaps) / (rng / (n - 1)),
        "gap_cv": None if rng == 0 else sample_sd(gaps) / (rng / (n - 1)),
        "near_low_05": sum(v <= lo * 1.005 for v in losing) / (n - 1),
        "near_low_2": sum(v <= lo * 1.02 for v in losing) / (n - 1),
        "near_med_05": sum(abs(v - med) <= 0.005 * med for v in x) / n,
        "near_med_2": sum(abs(v - med) <= 0.02 * med for v in x) / n,
        "close_gaps": sum(g <= 0.002 * med for g in gaps) / (n - 1),
        "sig_digits": sum(digits) / n,
        "round2_share": sum(d <= 2 for d in digits) / n,
        "round3_share": sum(d <= 3 for d in digits) / n,
    }
