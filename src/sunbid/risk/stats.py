"""Per-tender order statistics and moments, the one relational pass every indicator reads.

Two steps, both plain relational operations that a distributed engine runs as they are:

1. **Rows.** Sort the bids by ``(tender_id, amount)`` and give each bid its position
   ``i = 1 … n`` within its tender, with the tender's ``n``, lowest and highest bid broadcast
   to it (in Spark: ``row_number()``, ``count``, ``min``, ``max`` over a window partitioned by
   tender). Two row-level terms follow: the gap to the previous bid and the
   Kolmogorov-Smirnov term ``max(i/n - F(x_i), F(x_i) - (i-1)/n)``.
2. **Tenders.** One ``group_by(tender_id).agg`` over the sorted rows: counts, the first,
   second, third and last bid (the order statistics), means and standard deviations (of all
   bids, and of all but the first: the losing bids), quantiles, extrema of the row terms.

The screens (``screens``) and features (``features``) are then formulas over one tender's
row of statistics. The statistics:

| column | meaning |
|---|---|
| ``n_bids`` | bids in the tender, valid or not |
| ``_problem`` | the largest problem code of its bids (``bids.PROBLEM_CODES``; 0: all valid) |
| ``lowest``, ``second_lowest``, ``third_lowest``, ``highest`` | ``x_1``, ``x_2``, ``x_3``, ``x_n`` of the sorted bids (ties keep their places) |
| ``mean``, ``sd`` | mean and sample s.d. (``n - 1``) of the bids |
| ``mean_losing``, ``sd_losing`` | the same over the losing bids ``x_2 … x_n`` |
| ``median``, ``q1``, ``q3`` | median and quartiles (linear interpolation between order statistics) |
| ``min_gap``, ``max_gap`` | smallest and largest ``x_{i+1} - x_i`` |
| ``distinct`` | distinct amounts |
| ``skew_g1``, ``kurt_g2`` | adjusted sample skewness G1 and sample excess kurtosis G2 |
| ``ks_d`` | ``max_i max(i/n - F(x_i), F(x_i) - (i-1)/n)``, ``F(x) = (x - x_1)/(x_n - x_1)`` |
"""

from __future__ import annotations

import polars as pl

from sunbid.risk.bids import AMOUNT, TENDER, as_lazy, problem_code, reason_expr

STAT_COLUMNS = (
    "n_bids",
    "lowest",
    "second_lowest",
    "third_lowest",
    "highest",
    "mean",
    "sd",
    "mean_losing",
    "sd_losing",
    "median",
    "q1",
    "q3",
    "min_gap",
    "max_gap",
    "distinct",
    "skew_g1",
    "kurt_g2",
    "ks_d",
)


def ranked_rows(bids: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Step 1: the bids sorted within their tender, with positions and the row-level terms."""
    x = pl.col(AMOUNT)
    tender = pl.col(TENDER)
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    lf = (
        as_lazy(bids)
        .filter(tender.is_not_null())
        .with_columns(problem_code())
        .sort([TENDER, AMOUNT], nulls_last=True)
        # Sorted by tender, without nulls: the group-by below takes Polars' sorted fast path,
        # and first, last and get(k) within a tender are the order statistics.
        .with_columns(
            tender.set_sorted(),
            (tender.ne_missing(tender.shift(1)) | (row == 0)).alias("_first"),
            (tender.ne_missing(tender.shift(-1)) | (row == pl.len() - 1)).alias("_last"),
            row.alias("_row"),
        )
        .with_columns((pl.col("_row") - pl.when("_first").then("_row").forward_fill() + 1).alias("_i"))
    )
    i = pl.col("_i")
    n = pl.when("_last").then(i).backward_fill()
    lo = pl.when("_first").then(x).forward_fill()
    hi = pl.when("_last").then(x).backward_fill()
    f = (x - lo) / (hi - lo)
    return lf.select(
        TENDER,
        AMOUNT,
        "_problem",
        pl.when(~pl.col("_first")).then(x - x.shift(1)).alias("_gap"),
        pl.max_horizontal(i / n - f, f - (i - 1) / n).alias("_ks"),
    )


def tender_aggregations() -> list[pl.Expr]:
    """Step 2: the per-tender aggregates of the sorted rows."""
    x = pl.col(AMOUNT)
    return [
        pl.len().alias("n_bids"),
        pl.col("_problem").max().alias("_problem"),
        x.first().alias("lowest"),
        x.get(1, null_on_oob=True).alias("second_lowest"),
        x.get(2, null_on_oob=True).alias("third_lowest"),
        x.last().alias("highest"),
        x.mean().alias("mean"),
        x.std(ddof=1).alias("sd"),
        x.slice(1).mean().alias("mean_losing"),
        x.slice(1).std(ddof=1).alias("sd_losing"),
        x.median().alias("median"),
        x.quantile(0.25, "linear").alias("q1"),
        x.quantile(0.75, "linear").alias("q3"),
        pl.col("_gap").min().alias("min_gap"),
        pl.col("_gap").max().alias("max_gap"),
        x.n_unique().alias("distinct"),
        x.skew(bias=False).alias("skew_g1"),
        x.kurtosis(fisher=True, bias=False).alias("kurt_g2"),
        pl.col("_ks").max().alias("ks_d"),
    ]


def tender_statistics(bids: pl.DataFrame | pl.LazyFrame, *formulas: pl.Expr) -> pl.DataFrame:
    """Per-tender statistics, the skip ``reason`` (null when scorable) and the given formulas."""
    per_tender = ranked_rows(bids).group_by(TENDER).agg(tender_aggregations())
    # Bids without a tender id cannot be grouped: one row counts them, with its reason.
    orphans = (
        as_lazy(bids)
        .filter(pl.col(TENDER).is_null())
        .select(pl.col(TENDER).first(), pl.len().alias("n_bids"), pl.lit(0, dtype=pl.Int8).alias("_problem"))
        .filter(pl.col("n_bids") > 0)
    )
    stats, orphan_rows = pl.collect_all([per_tender, orphans])
    if orphan_rows.height:
        stats = pl.concat([stats, orphan_rows], how="diagonal_relaxed")
    return stats.with_columns(reason_expr()).with_columns(*formulas)
