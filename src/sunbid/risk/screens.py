"""The seven price screens of the bid-rigging literature, per tender (投标报价筛查).

Every screen is computed from the bids of one tender, ``x_1 ≤ x_2 ≤ … ≤ x_n`` (sorted; ties
keep an arbitrary but fixed order, ``rank("ordinal")``), with ``n ≥ 3``:

* mean ``m = Σx/n``; sample standard deviation ``s = sqrt(Σ(x-m)²/(n-1))``.
* **CV** (coefficient of variation, 变异系数) ``= s / m``.
* **SPD** (spread, 价差幅度) ``= (x_n - x_1) / x_1``.
* **DIFFP** (percentage difference of the two lowest bids, 最低两价差率)
  ``= (x_2 - x_1) / x_1``. ``x_2`` is the second order statistic, not the second distinct
  value: two tied lowest bids give DIFFP = 0.
* **RD** (relative distance, 相对距离) ``= (x_2 - x_1) / s_L``, where ``s_L`` is the sample
  standard deviation of the *losing* bids ``x_2 … x_n`` (every bid but one lowest; a bid tied
  with the lowest is a losing bid). Null when all losing bids are equal (``s_L = 0``).
* **SKEW** (adjusted sample skewness, 偏度) ``G1 = n / ((n-1)(n-2)) · Σ((x-m)/s)³``. Null
  when all bids are equal.
* **KURT** (sample excess kurtosis, 峰度) ``G2 = n(n+1) / ((n-1)(n-2)(n-3)) · Σ((x-m)/s)⁴
  - 3(n-1)² / ((n-2)(n-3))``; needs ``n ≥ 4`` (null for three bids) and is null when all bids
  are equal. G1 and G2 are the estimators of pandas and of Excel's SKEW/KURT.
* **KS** (Kolmogorov-Smirnov statistic, K-S 统计量): the largest distance between the
  empirical distribution of the bids and the uniform distribution on ``[x_1, x_n]``:
  ``D = max_i max(i/n - F(x_i), F(x_i) - (i-1)/n)`` with ``F(x) = (x - x_1) / (x_n - x_1)``.
  ``1/n ≤ D ≤ 1``; null when all bids are equal.

Each screen is a formula over one tender's row of statistics (``stats``: a sort, window
positions and one ``group_by(tender_id).agg``), so the same definitions run unchanged on
Spark (whose ``skewness``/``kurtosis`` are the population g1, g2: G1 = g1·sqrt(n(n-1))/(n-2)
and G2 = ((n+1)·g2 + 6)·(n-1)/((n-2)(n-3))).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import polars as pl

from sunbid.kernel.errors import DomainError
from sunbid.risk.bids import TENDER, Screened, skipped_rows
from sunbid.risk.stats import tender_statistics

LEGAL_BASIS = (
    "《招标投标法》第三十二条；《招标投标法实施条例》第三十九条、第四十条第（四）项"
    "（不同投标人的投标报价呈规律性差异，视为投标人相互串通投标）"
)
IMHOF_2018 = (
    "Imhof D., Karagök Y., Rutz S. (2018), Screening for bid rigging: does it work? "
    "Journal of Competition Law & Economics 14(2), 235-261"
)
HUBER_IMHOF_2019 = (
    "Huber M., Imhof D. (2019), Machine learning with screens for detecting bid-rigging cartels, "
    "International Journal of Industrial Organization 65, 277-301"
)
GARCIA_2022 = (
    "García Rodríguez M.J., Rodríguez-Montequín V., Ballesteros-Pérez P., Love P.E.D., Signor R. (2022), "
    "Collusion detection in public procurement auctions with machine learning algorithms, "
    "Automation in Construction 133, 104047"
)

# The statistics (``stats``) that the screens' evidence cites.
BASE_COLUMNS = ("n_bids", "lowest", "second_lowest", "highest", "mean", "sd", "sd_losing")


def _c(name: str) -> pl.Expr:
    return pl.col(name)


def _all_equal() -> pl.Expr:
    return _c("highest") == _c("lowest")


class PriceScreen:
    """A price screen: an indicator with an id, titles, sources, a threshold and evidence.

    ``value()`` is a formula over one tender's statistics (``stats.STAT_COLUMNS``). A tender is
    flagged when the value is on the suspicious side of the threshold (``direction``); the
    evidence names the value, the threshold and the bids it was computed from.
    """

    id: ClassVar[str]
    column: ClassVar[str]
    title_zh: ClassVar[str]
    title_en: ClassVar[str]
    formula: ClassVar[str]
    sources: ClassVar[tuple[str, ...]]
    legal_basis: ClassVar[str] = LEGAL_BASIS
    direction: ClassVar[Literal["below", "above"]]
    default_threshold: ClassVar[float]
    rationale: ClassVar[str]

    def __init__(self, threshold: float | None = None) -> None:
        value = self.default_threshold if threshold is None else threshold
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise DomainError(
                "risk_threshold_invalid",
                f"筛查指标 {self.id} 的阈值须为数字",
                f"The threshold of screen {self.id} must be a number",
            )
        self.threshold = float(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(threshold={self.threshold})"

    def value(self) -> pl.Expr:
        raise NotImplementedError

    def flagged(self) -> pl.Expr:
        """True when the screen's value is on the suspicious side of the threshold (null if undefined)."""
        v = pl.col(self.column)
        return v < self.threshold if self.direction == "below" else v > self.threshold

    def evidence(self) -> pl.Expr:
        """What a flagged tender is flagged on: the bid count and the statistics the screen uses."""
        return pl.struct(pl.col(c) for c in BASE_COLUMNS).alias("evidence")


class CoefficientOfVariation(PriceScreen):
    id = "CV"
    column = "cv"
    title_zh = "投标报价变异系数"
    title_en = "Coefficient of variation of the bids"
    formula = "CV = s / m, s the sample standard deviation (n - 1), m the mean"
    sources = (IMHOF_2018, HUBER_IMHOF_2019, GARCIA_2022)
    direction = "below"
    default_threshold = 0.05
    rationale = "cover bids placed close to each other make the bids unusually uniform"

    def value(self) -> pl.Expr:
        return (_c("sd") / _c("mean")).alias(self.column)


class Spread(PriceScreen):
    id = "SPD"
    column = "spd"
    title_zh = "投标报价价差幅度（最高价与最低价之差 / 最低价）"
    title_en = "Spread: (highest - lowest) / lowest"
    formula = "SPD = (x_n - x_1) / x_1"
    sources = (IMHOF_2018, GARCIA_2022)
    direction = "below"
    default_threshold = 0.10
    rationale = "a narrow range of bids suggests coordinated prices"

    def value(self) -> pl.Expr:
        return ((_c("highest") - _c("lowest")) / _c("lowest")).alias(self.column)


class PercentageDifference(PriceScreen):
    id = "DIFFP"
    column = "diffp"
    title_zh = "最低两个报价的百分比差"
    title_en = "Percentage difference of the two lowest bids"
    formula = "DIFFP = (x_2 - x_1) / x_1, x_2 the second order statistic (tied lowest bids: 0)"
    sources = (IMHOF_2018, HUBER_IMHOF_2019, GARCIA_2022)
    direction = "above"
    default_threshold = 0.05
    rationale = "a designated winner bids well below cover bids placed above it"

    def value(self) -> pl.Expr:
        return ((_c("second_lowest") - _c("lowest")) / _c("lowest")).alias(self.column)


class RelativeDistance(PriceScreen):
    id = "RD"
    column = "rd"
    title_zh = "相对距离（最低两价之差 / 未中标报价标准差）"
    title_en = "Relative distance: gap of the two lowest bids over the s.d. of the losing bids"
    formula = "RD = (x_2 - x_1) / s_L, s_L the sample s.d. of x_2..x_n; null if s_L = 0"
    sources = (IMHOF_2018, HUBER_IMHOF_2019, GARCIA_2022)
    direction = "above"
    default_threshold = 1.0
    rationale = "the gap between winner and runner-up is large compared with the dispersion of the cover bids"

    def value(self) -> pl.Expr:
        gap = _c("second_lowest") - _c("lowest")
        return pl.when(_c("highest") > _c("second_lowest")).then(gap / _c("sd_losing")).alias(self.column)


class Skewness(PriceScreen):
    id = "SKEW"
    column = "skew"
    title_zh = "投标报价偏度（调整样本偏度 G1）"
    title_en = "Skewness of the bids (adjusted sample skewness G1)"
    formula = "G1 = n / ((n-1)(n-2)) · Σ((x - m)/s)³; null if all bids are equal"
    sources = (HUBER_IMHOF_2019, GARCIA_2022)
    direction = "below"
    default_threshold = -0.5
    rationale = "bids bunched at the top with one low outlier (the designated winner) skew to the left"

    def value(self) -> pl.Expr:
        return pl.when(~_all_equal()).then(_c("skew_g1")).alias(self.column)


class Kurtosis(PriceScreen):
    id = "KURT"
    column = "kurt"
    title_zh = "投标报价峰度（样本超额峰度 G2）"
    title_en = "Kurtosis of the bids (sample excess kurtosis G2)"
    formula = (
        "G2 = n(n+1) / ((n-1)(n-2)(n-3)) · Σ((x - m)/s)⁴ - 3(n-1)² / ((n-2)(n-3)); "
        "needs n ≥ 4; null if all bids are equal"
    )
    sources = (IMHOF_2018, HUBER_IMHOF_2019, GARCIA_2022)
    direction = "above"
    default_threshold = 1.0
    rationale = "bids concentrated around one value with a few outliers give a peaked distribution"

    def value(self) -> pl.Expr:
        return pl.when((_c("n_bids") >= 4) & ~_all_equal()).then(_c("kurt_g2")).alias(self.column)


class KolmogorovSmirnov(PriceScreen):
    id = "KS"
    column = "ks"
    title_zh = "K-S 统计量（投标报价与最低至最高价间均匀分布的最大偏离）"
    title_en = "Kolmogorov-Smirnov statistic of the bids against the uniform on [lowest, highest]"
    formula = "D = max_i max(i/n - F(x_i), F(x_i) - (i-1)/n), F(x) = (x - x_1)/(x_n - x_1); null if x_n = x_1"
    sources = (HUBER_IMHOF_2019, GARCIA_2022)
    direction = "above"
    default_threshold = 0.4
    rationale = "coordinated bids cluster instead of spreading over the range as independent bids do"

    def value(self) -> pl.Expr:
        return pl.when(~_all_equal()).then(_c("ks_d")).alias(self.column)


SCREEN_CLASSES: tuple[type[PriceScreen], ...] = (
    CoefficientOfVariation,
    Spread,
    PercentageDifference,
    RelativeDistance,
    Kurtosis,
    Skewness,
    KolmogorovSmirnov,
)
SCREEN_COLUMNS = tuple(c.column for c in SCREEN_CLASSES)
EVIDENCE_DTYPE = pl.Struct({c: (pl.UInt32 if c == "n_bids" else pl.Float64) for c in BASE_COLUMNS})
FLAG_SCHEMA: dict[str, pl.DataType] = {
    TENDER: pl.Int64(),
    "indicator": pl.String(),
    "title_zh": pl.String(),
    "title_en": pl.String(),
    "value": pl.Float64(),
    "threshold": pl.Float64(),
    "direction": pl.String(),
    "evidence": EVIDENCE_DTYPE,
}


def default_screens(**thresholds: float) -> tuple[PriceScreen, ...]:
    """The seven screens, with thresholds overridden by id (``default_screens(CV=0.03)``)."""
    known = {c.id for c in SCREEN_CLASSES}
    unknown = sorted(set(thresholds) - known)
    if unknown:
        raise DomainError(
            "risk_screen_unknown",
            f"没有这些筛查指标：{', '.join(unknown)}",
            f"No such screen(s): {', '.join(unknown)}",
        )
    return tuple(c(thresholds.get(c.id)) for c in SCREEN_CLASSES)


def screen_formulas() -> list[pl.Expr]:
    """The seven screens as formulas over the per-tender statistics."""
    return [c().value() for c in SCREEN_CLASSES]


def split(stats: pl.DataFrame, columns: list[str]) -> Screened:
    """Separate scorable tenders from skipped ones in a per-tender frame."""
    tenders = stats.filter(pl.col("reason").is_null()).select(TENDER, *columns)
    if not tenders[TENDER].is_sorted():
        tenders = tenders.sort(TENDER)
    return Screened(tenders=tenders, skipped=skipped_rows(stats))


def compute_screens(bids: pl.DataFrame | pl.LazyFrame) -> Screened:
    """The seven screens of every tender with at least three valid bids, and the skipped tenders."""
    return split(tender_statistics(bids, *screen_formulas()), [*BASE_COLUMNS, *SCREEN_COLUMNS])


def flag(screened: pl.DataFrame, screens: tuple[PriceScreen, ...] | None = None) -> pl.DataFrame:
    """The tenders each screen flags: one row per tender and screen, with the value, the threshold,
    the titles and the evidence (a struct of the bid count and the statistics behind the value)."""
    chosen = screens if screens is not None else default_screens()
    parts = [
        screened.lazy()
        .filter(s.flagged())
        .select(
            pl.col(TENDER),
            pl.lit(s.id).alias("indicator"),
            pl.lit(s.title_zh).alias("title_zh"),
            pl.lit(s.title_en).alias("title_en"),
            pl.col(s.column).alias("value"),
            pl.lit(s.threshold).alias("threshold"),
            pl.lit(s.direction).alias("direction"),
            s.evidence(),
        )
        for s in chosen
    ]
    if not parts:
        return pl.DataFrame(schema=FLAG_SCHEMA)
    return pl.concat(pl.collect_all(parts))


def evidence_text(flags: pl.DataFrame) -> pl.Series:
    """One sentence per flag row, for people: the value against the threshold and the bids behind it."""
    e = pl.col("evidence").struct
    sign = pl.when(pl.col("direction") == "below").then(pl.lit("<")).otherwise(pl.lit(">"))
    return flags.select(
        pl.format(
            "{} = {} {} {}; n = {}, lowest {}, second lowest {}, highest {}, mean {}, s.d. {}, s.d. of losing bids {}",
            pl.col("indicator"),
            pl.col("value").round(4),
            sign,
            pl.col("threshold"),
            e.field("n_bids"),
            e.field("lowest"),
            e.field("second_lowest"),
            e.field("highest"),
            e.field("mean").round(2),
            e.field("sd").round(2),
            e.field("sd_losing").round(2),
        ).alias("evidence_text")
    ).to_series()
