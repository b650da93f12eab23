"""Bids as the risk engine reads them, and the tenders it must skip.

The engine reads a table of bids with two columns: ``tender_id`` (any type) and ``amount``
(a number, or a string holding one). Everything is computed per tender in one relational
pass (a group-by), never by a Python loop over rows.

A tender is *skipped*, with a reason in Chinese and English, when any of its bids has no
amount, an amount that is not a number, not finite or not positive, or when it has fewer
than three bids: the screens need two losing bids. Bids without a tender id are reported as
one skipped row with a null tender id. Nothing is dropped silently: every input bid is either
in a scored tender or counted in a skipped row.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from sunbid.kernel.errors import DomainError

TENDER = "tender_id"
AMOUNT = "amount"
MIN_BIDS = 3


class SkipReason(StrEnum):
    """Why a tender gets no screens. The order is the order of precedence."""

    TENDER_ID_MISSING = "tender_id_missing"
    AMOUNT_MISSING = "amount_missing"
    AMOUNT_NOT_NUMERIC = "amount_not_numeric"
    AMOUNT_NOT_FINITE = "amount_not_finite"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    TOO_FEW_BIDS = "too_few_bids"


SKIP_MESSAGES: dict[SkipReason, tuple[str, str]] = {
    SkipReason.TENDER_ID_MISSING: (
        "投标记录缺少招标项目编号，无法归入项目",
        "Bids without a tender id cannot be grouped",
    ),
    SkipReason.AMOUNT_MISSING: (
        "存在缺少投标报价的投标，本项目不计算",
        "A bid has no amount; the tender is not screened",
    ),
    SkipReason.AMOUNT_NOT_NUMERIC: (
        "存在无法识别为数字的投标报价，本项目不计算",
        "A bid amount is not a number; the tender is not screened",
    ),
    SkipReason.AMOUNT_NOT_FINITE: (
        "存在非有限数值的投标报价，本项目不计算",
        "A bid amount is not finite; the tender is not screened",
    ),
    SkipReason.AMOUNT_NOT_POSITIVE: (
        "存在小于或等于零的投标报价，本项目不计算",
        "A bid amount is zero or negative; the tender is not screened",
    ),
    SkipReason.TOO_FEW_BIDS: (
        f"有效投标少于{MIN_BIDS}家，价格筛查无意义",
        f"Fewer than {MIN_BIDS} bids; price screens need at least {MIN_BIDS}",
    ),
}

SKIPPED_SCHEMA = {
    TENDER: pl.String,
    "reason": pl.String,
    "message_zh": pl.String,
    "message_en": pl.String,
    "bids": pl.UInt32,
}


def _refuse(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en)


def as_lazy(bids: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
    """Check the two columns and parse ``amount`` to Float64 (unparsable values become null)."""
    if not isinstance(bids, pl.DataFrame | pl.LazyFrame):
        raise _refuse("risk_bids_not_a_table", "投标数据须为表格（Polars DataFrame）", "Bids must be a Polars table")
    lf = bids.lazy()
    schema = lf.collect_schema()
    missing = [c for c in (TENDER, AMOUNT) if c not in schema]
    if missing:
        raise _refuse(
            "risk_bids_columns_missing",
            f"投标数据缺少列：{', '.join(missing)}",
            f"The bids lack the column(s): {', '.join(missing)}",
        )
    dtype = schema[AMOUNT]
    if dtype == pl.String:
        parsed = pl.col(AMOUNT).str.strip_chars().str.replace_all(",", "").cast(pl.Float64, strict=False)
    elif dtype.is_numeric() or dtype == pl.Null:
        parsed = pl.col(AMOUNT).cast(pl.Float64)
    else:
        raise _refuse(
            "risk_amount_type_unsupported",
            f"投标报价列的类型 {dtype} 不是数字或文本",
            f"The amount column has type {dtype}, neither a number nor text",
        )
    return lf.select(pl.col(TENDER), pl.col(AMOUNT).is_null().alias("_missing"), parsed.alias(AMOUNT))


# A bid's problem as a number; a tender's problem is the largest of its bids' (the precedence).
PROBLEM_CODES: tuple[tuple[int, SkipReason], ...] = (
    (4, SkipReason.AMOUNT_MISSING),
    (3, SkipReason.AMOUNT_NOT_NUMERIC),
    (2, SkipReason.AMOUNT_NOT_FINITE),
    (1, SkipReason.AMOUNT_NOT_POSITIVE),
)


def problem_code() -> pl.Expr:
    """Row level: 0 for a valid amount, else the code of its problem (``PROBLEM_CODES``)."""
    x = pl.col(AMOUNT)
    return (
        pl.when(pl.col("_missing"))
        .then(4)
        .when(x.is_null())
        .then(3)
        .when(~x.is_finite())
        .then(2)
        .when(x <= 0)
        .then(1)
        .otherwise(0)
        .cast(pl.Int8)
        .alias("_problem")
    )


def reason_expr() -> pl.Expr:
    """The skip reason of a tender from its largest ``_problem`` and its bid count (null: scorable)."""
    reason = pl.when(pl.col(TENDER).is_null()).then(pl.lit(SkipReason.TENDER_ID_MISSING.value))
    chained = reason.when(pl.col("_problem") == PROBLEM_CODES[0][0]).then(pl.lit(PROBLEM_CODES[0][1].value))
    for code, why in PROBLEM_CODES[1:]:
        chained = chained.when(pl.col("_problem") == code).then(pl.lit(why.value))
    return (
        chained.when(pl.col("n_bids") < MIN_BIDS)
        .then(pl.lit(SkipReason.TOO_FEW_BIDS.value))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("reason")
    )


def skipped_rows(stats: pl.DataFrame) -> pl.DataFrame:
    """The skipped tenders of a per-tender frame that has a ``reason`` column."""
    zh = {r.value: m[0] for r, m in SKIP_MESSAGES.items()}
    en = {r.value: m[1] for r, m in SKIP_MESSAGES.items()}
    return (
        stats.lazy()
        .filter(pl.col("reason").is_not_null())
        .select(
            pl.col(TENDER).cast(pl.String),
            pl.col("reason"),
            pl.col("reason").replace_strict(zh, return_dtype=pl.String).alias("message_zh"),
            pl.col("reason").replace_strict(en, return_dtype=pl.String).alias("message_en"),
            pl.col("n_bids").cast(pl.UInt32).alias("bids"),
        )
        .sort(TENDER, nulls_last=True)
        .collect()
    )


@dataclass(frozen=True)
class Screened:
    """The result of a per-tender computation: one row per scored tender, and the skipped ones."""

    tenders: pl.DataFrame
    skipped: pl.DataFrame
