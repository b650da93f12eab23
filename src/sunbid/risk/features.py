"""Scale-free features of a tender's bids for the collusion classifier (串通投标识别特征).

Every feature is a ratio of prices of the same tender, a rank statistic or the number of
bids, so it means the same in yuan, euro or yen and at any contract size: no tender ids,
dates, sites, currencies or absolute amounts. Like the screens, each is a formula over one
tender's statistics (``stats``), computed in the same pass; ``x_1 ≤ … ≤ x_n`` are the
sorted bids, ``m`` their mean, ``med`` their median, ``s`` the sample s.d., and
``g_i = x_{i+1} - x_i`` the gaps between neighbouring bids.

| feature | formula |
|---|---|
| the seven screens | ``cv``, ``spd``, ``diffp``, ``rd``, ``kurt``, ``skew``, ``ks`` (see ``screens``) |
| ``log_n`` | ``ln n`` |
| ``cv_losing`` | s.d. / mean of the losing bids ``x_2 … x_n`` |
| ``rd_alt`` | ``(x_2 - x_1) / mean(g_2 … g_{n-1})``: the first gap over the mean gap of the losing bids |
| ``gap1_share`` | ``(x_2 - x_1) / (x_n - x_1)``: the first gap's share of the range |
| ``max_gap_share`` | ``max g_i / (x_n - x_1)`` |
| ``min_gap_rel`` | ``min g_i / med`` (the two closest bids) |
| ``tie_share`` | ``1 - (distinct amounts) / n`` |
| ``iqr_rel`` | ``(Q3 - Q1) / med`` (linear quantiles) |
| ``mean_median`` | ``m / med - 1`` |
| ``low_rel`` | ``(med - x_1) / med`` |
| ``high_rel`` | ``(x_n - med) / med`` |
| ``z_lowest`` | ``(m - x_1) / s``: how many s.d. the lowest bid lies below the mean |
| ``gap_ratio`` | ``ln(1 + (x_3 - x_2) / (x_2 - x_1))``, null when ``x_2 = x_1`` |

Undefined values (all bids equal, three bids for the kurtosis) stay null here; the model
decides how to fill them (``model``).
"""

from __future__ import annotations

import polars as pl

from sunbid.risk.bids import Screened
from sunbid.risk.screens import BASE_COLUMNS, SCREEN_COLUMNS, screen_formulas, split
from sunbid.risk.stats import tender_statistics


def _c(name: str) -> pl.Expr:
    return pl.col(name)


def feature_formulas() -> list[pl.Expr]:
    """The non-screen features as formulas over the per-tender statistics (``stats``)."""
    n, lo, hi = _c("n_bids"), _c("lowest"), _c("highest")
    x2, x3, med = _c("second_lowest"), _c("third_lowest"), _c("median")
    rng = hi - lo
    return [
        n.cast(pl.Float64).log().alias("log_n"),
        (_c("sd_losing") / _c("mean_losing")).alias("cv_losing"),
        pl.when(hi > x2).then((x2 - lo) * (n - 2) / (hi - x2)).alias("rd_alt"),
        pl.when(rng > 0).then((x2 - lo) / rng).alias("gap1_share"),
        pl.when(rng > 0).then(_c("max_gap") / rng).alias("max_gap_share"),
        (_c("min_gap") / med).alias("min_gap_rel"),
        (1 - _c("distinct") / n).alias("tie_share"),
        ((_c("q3") - _c("q1")) / med).alias("iqr_rel"),
        (_c("mean") / med - 1).alias("mean_median"),
        ((med - lo) / med).alias("low_rel"),
        ((hi - med) / med).alias("high_rel"),
        pl.when(rng > 0).then((_c("mean") - lo) / _c("sd")).alias("z_lowest"),
        pl.when(x2 > lo).then(((x3 - x2) / (x2 - lo)).log1p()).alias("gap_ratio"),
    ]


EXTRA_COLUMNS = (
    "log_n",
    "cv_losing",
    "rd_alt",
    "gap1_share",
    "max_gap_share",
    "min_gap_rel",
    "tie_share",
    "iqr_rel",
    "mean_median",
    "low_rel",
    "high_rel",
    "z_lowest",
    "gap_ratio",
)
FEATURE_COLUMNS = (*SCREEN_COLUMNS, *EXTRA_COLUMNS)


def compute_features(bids: pl.DataFrame | pl.LazyFrame) -> Screened:
    """Screens, base statistics and classifier features of every scorable tender, in one pass."""
    stats = tender_statistics(bids, *screen_formulas(), *feature_formulas())
    return split(stats, [*BASE_COLUMNS, *FEATURE_COLUMNS])
