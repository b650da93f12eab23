"""Scale-free features of a tender's bids for the collusion classifier (串通投标识别特征).

Every feature is a ratio of prices of the same tender, a share of its bids, a rank statistic,
a digit pattern or the number of bids, so it means the same in yuan, euro or yen and at any
contract size: no tender ids, dates, sites, currencies or absolute amounts. Like the screens,
each is a formula over one tender's statistics, computed in the same sorted pass (``stats``),
with a few more row-level terms and aggregates (``feature_rows``, ``feature_aggregations``).
``x_1 ≤ … ≤ x_n`` are the sorted bids, ``m`` their mean, ``med`` their median, ``s`` the
sample s.d., ``r = x_n - x_1`` the range and ``g_i = x_{i+1} - x_i`` the gaps between
neighbouring bids.

| feature | formula |
|---|---|
| the seven screens | ``cv``, ``spd``, ``diffp``, ``rd``, ``kurt``, ``skew``, ``ks`` (see ``screens``) |
| ``log_n`` | ``ln n`` |
| ``cv_losing`` | s.d. / mean of the losing bids ``x_2 … x_n`` |
| ``rd_alt`` | ``(x_2 - x_1) / mean(g_2 … g_{n-1})``: the first gap over the mean gap of the losing bids |
| ``gap1_share`` | ``(x_2 - x_1) / r``: the first gap's share of the range |
| ``max_gap_share`` | ``max g_i / r`` |
| ``min_gap_rel`` | ``min g_i / med`` (the two closest bids) |
| ``tie_share`` | ``1 - (distinct amounts) / n`` |
| ``iqr_rel`` | ``(Q3 - Q1) / med`` (linear quantiles) |
| ``mean_median`` | ``m / med - 1`` |
| ``low_rel`` | ``(med - x_1) / med`` |
| ``high_rel`` | ``(x_n - med) / med`` |
| ``z_lowest`` | ``(m - x_1) / s``: how many s.d. the lowest bid lies below the mean |
| ``gap_ratio`` | ``ln(1 + (x_3 - x_2) / (x_2 - x_1))``, null when ``x_2 = x_1`` |
| ``spd_losing`` | ``(x_n - x_2) / x_2``: the spread of the losing bids |
| ``skew_losing`` | G1 of ``x_2 … x_n`` (needs ``n ≥ 4``) |
| ``kurt_losing`` | G2 of ``x_2 … x_n`` (needs ``n ≥ 5``) |
| ``top_gap_share`` | ``(x_n - x_{n-1}) / r``: the top gap's share of the range |
| ``min_gap_mean`` | ``min g_i / (r / (n-1))``: the closest pair against the mean gap (1: evenly spaced) |
| ``gap_cv`` | s.d. of the gaps / their mean: 0 when the bids are in arithmetic progression |
| ``near_low_05``, ``near_low_2`` | share of the losing bids at most 0.5 %, 2 % above ``x_1`` |
| ``near_med_05``, ``near_med_2`` | share of the bids within ±0.5 %, ±2 % of ``med`` |
| ``close_gaps`` | share of the gaps ``g_i`` of at most 0.2 % of ``med`` |
| ``sig_digits`` | mean number of significant digits of the bids (``SIGNIFICANT_DIGITS``) |
| ``round2_share``, ``round3_share`` | share of the bids with at most 2, 3 significant digits |

The first twenty (``CORE_COLUMNS``: the screens and the thirteen after them) are formulas over the
screens' own statistics and cost almost nothing more; the rest (``EXTENDED_COLUMNS``, from
``spd_losing`` on) need further row terms and aggregates, and ``compute_features`` computes them
only when they are asked for. Undefined values (all bids equal, too few bids for a moment) stay
null here; the model decides how to fill them (``model``).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from sunbid.kernel.errors import DomainError
from sunbid.risk.bids import AMOUNT, TENDER, Screened, as_lazy, reason_expr
from sunbid.risk.screens import BASE_COLUMNS, SCREEN_COLUMNS, screen_formulas, split
from sunbid.risk.stats import ranked_rows, tender_aggregations, tender_statistics

# Bands of the cluster features: a bid "near" the lowest bid or the median, a "close" gap.
NEAR_LOW_BANDS = {"near_low_05": 0.005, "near_low_2": 0.02}
NEAR_MEDIAN_BANDS = {"near_med_05": 0.005, "near_med_2": 0.02}
CLOSE_GAP = 0.002
# Significant digits are counted on the amount rounded to this many significant digits, so a
# float such as 0.12999999999999998 counts as 0.13 (two digits).
SIGNIFICANT_DIGITS = 10
ROUND_DIGITS = {"round2_share": 2, "round3_share": 3}


def _c(name: str) -> pl.Expr:
    return pl.col(name)


def significant_digits(x: pl.Expr) -> pl.Expr:
    """Significant digits of positive amounts (1 for 300, 3 for 0.125, 7 for 235254.7), at most 10.

    The amount is scaled to an integer of about ``SIGNIFICANT_DIGITS`` digits; the count is its
    number of digits less its trailing zeros. Integer arithmetic after one rounding: no string
    formatting, so it runs as a column expression.
    """
    exponent = x.log10().floor()
    scaled = (x * pl.lit(10.0).pow(SIGNIFICANT_DIGITS - 1 - exponent)).round(0).cast(pl.Int64, strict=False)
    # A power of ten can land one digit short or long after the logarithm's rounding.
    digits = (
        pl.lit(SIGNIFICANT_DIGITS - 1, dtype=pl.Int64)
        + (scaled >= 10 ** (SIGNIFICANT_DIGITS - 1)).cast(pl.Int64)
        + (scaled >= 10**SIGNIFICANT_DIGITS).cast(pl.Int64)
    )
    trailing = pl.sum_horizontal((scaled % (10**k) == 0).cast(pl.Int64) for k in range(1, SIGNIFICANT_DIGITS + 1))
    count: pl.Expr = (digits - trailing).clip(1, SIGNIFICANT_DIGITS)
    return count


def feature_rows(bids: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """The sorted rows of ``stats.ranked_rows`` with the row-level terms of the features.

    Each bid gets its tender's lowest bid and median (forward fill, and a gather at the middle
    positions of the tender's sorted block: windows over the tender in Spark), then flags for
    the cluster features and its number of significant digits.
    """
    x, tender = pl.col(AMOUNT), pl.col(TENDER)
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    first = tender.ne_missing(tender.shift(1)) | (row == 0)
    last = tender.ne_missing(tender.shift(-1)) | (row == pl.len() - 1)
    rows = ranked_rows(bids).with_columns(first.alias("_first"), last.alias("_last"), row.alias("_row"))
    start = pl.when("_first").then("_row").forward_fill()
    n = pl.when("_last").then("_row").backward_fill() - start + 1
    rows = rows.with_columns(
        pl.when("_first").then(x).forward_fill().alias("_lo"),
        ((x.gather(start + (n - 1) // 2) + x.gather(start + n // 2)) / 2).alias("_med"),
    )
    lo, med = pl.col("_lo"), pl.col("_med")
    return rows.with_columns(
        *((~pl.col("_first") & (x <= lo * (1 + b))).alias(f"_{name}") for name, b in NEAR_LOW_BANDS.items()),
        *(((x - med).abs() <= med * b).alias(f"_{name}") for name, b in NEAR_MEDIAN_BANDS.items()),
        (pl.col("_gap") <= med * CLOSE_GAP).alias("_close_gap"),
        pl.when(x > 0).then(significant_digits(x)).alias("_sig"),
    )


def feature_aggregations() -> list[pl.Expr]:
    """The per-tender aggregates the features add to ``stats.tender_aggregations``."""
    x, sig = pl.col(AMOUNT), pl.col("_sig")
    return [
        x.get(-2, null_on_oob=True).alias("second_highest"),
        x.slice(1).skew(bias=False).alias("skew_losing_g1"),
        x.slice(1).kurtosis(fisher=True, bias=False).alias("kurt_losing_g2"),
        pl.col("_gap").std(ddof=1).alias("gap_sd"),
        *(pl.col(f"_{name}").sum().alias(f"{name}_count") for name in NEAR_LOW_BANDS),
        *(pl.col(f"_{name}").mean().alias(name) for name in NEAR_MEDIAN_BANDS),
        pl.col("_close_gap").mean().alias("close_gaps"),
        sig.mean().alias("sig_digits"),
        *((sig <= k).mean().alias(name) for name, k in ROUND_DIGITS.items()),
    ]


def feature_formulas() -> list[pl.Expr]:
    """The core non-screen features as formulas over the per-tender statistics (``stats``)."""
    n, lo, hi = _c("n_bids"), _c("lowest"), _c("highest")
    x2, x3, med = _c("second_lowest"), _c("third_lowest"), _c("median")
    rng = hi - lo
    spread = rng > 0
    return [
        n.cast(pl.Float64).log().alias("log_n"),
        (_c("sd_losing") / _c("mean_losing")).alias("cv_losing"),
        pl.when(hi > x2).then((x2 - lo) * (n - 2) / (hi - x2)).alias("rd_alt"),
        pl.when(spread).then((x2 - lo) / rng).alias("gap1_share"),
        pl.when(spread).then(_c("max_gap") / rng).alias("max_gap_share"),
        (_c("min_gap") / med).alias("min_gap_rel"),
        (1 - _c("distinct") / n).alias("tie_share"),
        ((_c("q3") - _c("q1")) / med).alias("iqr_rel"),
        (_c("mean") / med - 1).alias("mean_median"),
        ((med - lo) / med).alias("low_rel"),
        ((hi - med) / med).alias("high_rel"),
        pl.when(spread).then((_c("mean") - lo) / _c("sd")).alias("z_lowest"),
        pl.when(x2 > lo).then(((x3 - x2) / (x2 - lo)).log1p()).alias("gap_ratio"),
    ]


def extended_formulas() -> list[pl.Expr]:
    """The features that need ``feature_rows`` and ``feature_aggregations``, over the per-tender statistics."""
    n, lo, hi, x2 = _c("n_bids"), _c("lowest"), _c("highest"), _c("second_lowest")
    rng = hi - lo
    spread = rng > 0
    return [
        ((hi - x2) / x2).alias("spd_losing"),
        pl.when((n >= 4) & (hi > x2)).then(_c("skew_losing_g1")).alias("skew_losing"),
        pl.when((n >= 5) & (hi > x2)).then(_c("kurt_losing_g2")).alias("kurt_losing"),
        pl.when(spread).then((hi - _c("second_highest")) / rng).alias("top_gap_share"),
        pl.when(spread).then(_c("min_gap") * (n - 1) / rng).alias("min_gap_mean"),
        pl.when(spread).then(_c("gap_sd") * (n - 1) / rng).alias("gap_cv"),
        *((_c(f"{name}_count") / (n - 1)).alias(name) for name in NEAR_LOW_BANDS),
    ]


CORE_EXTRA_COLUMNS = (
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
EXTENDED_COLUMNS = (
    "spd_losing",
    "skew_losing",
    "kurt_losing",
    "top_gap_share",
    "min_gap_mean",
    "gap_cv",
    *NEAR_LOW_BANDS,
    *NEAR_MEDIAN_BANDS,
    "close_gaps",
    "sig_digits",
    *ROUND_DIGITS,
)
# The core features come out of the screens' own pass (``stats.tender_statistics``); the extended
# ones need more row terms and aggregates, so they are computed only when asked for.
CORE_COLUMNS = (*SCREEN_COLUMNS, *CORE_EXTRA_COLUMNS)
EXTRA_COLUMNS = (*CORE_EXTRA_COLUMNS, *EXTENDED_COLUMNS)
FEATURE_COLUMNS = (*SCREEN_COLUMNS, *EXTRA_COLUMNS)


def feature_statistics(bids: pl.DataFrame | pl.LazyFrame, *, extended: bool = True) -> pl.DataFrame:
    """Per-tender statistics (``stats``), the skip ``reason`` and the features.

    ``extended``: also the extended features (``EXTENDED_COLUMNS``), with the features' row terms
    and aggregates in the same pass: one group-by over the sorted rows, one row counting the bids
    without a tender id, as ``stats.tender_statistics`` does. Without them, the core features are
    formulas over ``stats.tender_statistics`` itself.
    """
    if not extended:
        return tender_statistics(bids, *screen_formulas(), *feature_formulas())
    per_tender = feature_rows(bids).group_by(TENDER).agg(*tender_aggregations(), *feature_aggregations())
    orphans = (
        as_lazy(bids)
        .filter(pl.col(TENDER).is_null())
        .select(pl.col(TENDER).first(), pl.len().alias("n_bids"), pl.lit(0, dtype=pl.Int8).alias("_problem"))
        .filter(pl.col("n_bids") > 0)
    )
    stats, orphan_rows = pl.collect_all([per_tender, orphans])
    if orphan_rows.height:
        stats = pl.concat([stats, orphan_rows], how="diagonal_relaxed")
    return stats.with_columns(reason_expr()).with_columns(*screen_formulas(), *feature_formulas(), *extended_formulas())


def compute_features(bids: pl.DataFrame | pl.LazyFrame, columns: Sequence[str] = CORE_COLUMNS) -> Screened:
    """Screens, base statistics and classifier features of every scorable tender, in one pass.

    ``columns``: the features needed. The core features (``CORE_COLUMNS``) always come; every
    feature (``FEATURE_COLUMNS``) when one of the extended ones is needed.
    """
    unknown = sorted(set(columns) - set(FEATURE_COLUMNS))
    if unknown:
        raise DomainError(
            "risk_feature_unknown",
            f"没有这些特征：{', '.join(unknown)}",
            f"No such feature(s): {', '.join(unknown)}",
        )
    extended = any(c in EXTENDED_COLUMNS for c in columns)
    stats = feature_statistics(bids, extended=extended)
    return split(stats, [*BASE_COLUMNS, *(FEATURE_COLUMNS if extended else CORE_COLUMNS)])
