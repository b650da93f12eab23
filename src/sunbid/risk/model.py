"""The shipped collusion classifier (串通投标风险模型) and its scoring, with numpy and Polars only.

The model scores a tender from its features (``features``) *as percentiles within its own
market*: each feature of a tender is replaced by its mid-rank percentile among the tenders
of the same market with a similar number of bids (``N_BINS``). A city's own unlabelled
tenders are the reference, so the model needs no labels from that city, and a market where
bids are tighter or looser overall does not shift every score. Cells of the reference with
fewer than ``min_cell`` tenders fall back to the whole market.

The score is a logistic regression over those percentiles, fitted on the labelled markets
with each market and class weighted equally, its features and regularisation chosen by the
held-out-market AUC, and its scale calibrated on the training markets (``training``). A
tender is flagged when its score is at least the ``flag_quantile`` quantile of the scores of
its reference market: a threshold that needs no labels from the market it is used in.

The file ``models/collusion-v2.json`` holds the coefficients, the bins, the feature list, the
flag quantile, the version, the checksums of the training files and the metrics; scoring needs
nothing but numpy.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from sunbid.kernel.errors import DomainError
from sunbid.risk.bids import TENDER, Screened
from sunbid.risk.features import FEATURE_COLUMNS, compute_features

FORMAT = "sunbid-risk-collusion-model"
FORMAT_VERSION = 2
MODEL_FILE = "collusion-v2.json"
# Lower edges of the bid-count cells a percentile is taken within.
N_BINS: tuple[int, ...] = (3, 4, 5, 6, 8, 11, 16, 31)
MIN_CELL = 30
MIN_MARKET = 30
# Undefined because all losing bids are equal: the most extreme value, not a neutral one.
FILL_HIGH = ("rd", "rd_alt")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def feature_matrix(tenders: pl.DataFrame, columns: tuple[str, ...] = FEATURE_COLUMNS) -> FloatArray:
    """The features as a float matrix; nulls and NaN become NaN, FILL_HIGH nulls become +inf."""
    exprs = []
    for c in columns:
        e = pl.col(c).cast(pl.Float64).fill_nan(None)
        if c in FILL_HIGH:
            e = e.fill_null(float("inf"))
        exprs.append(e.fill_null(float("nan")).alias(c))
    return tenders.select(exprs).to_numpy().astype(np.float64, copy=False)


def bid_cells(n_bids: npt.ArrayLike, bins: tuple[int, ...] = N_BINS) -> IntArray:
    """The index of the bid-count cell of each tender."""
    return np.searchsorted(np.asarray(bins), np.asarray(n_bids), side="right").astype(np.int64)


def mid_rank(reference: FloatArray, values: FloatArray) -> FloatArray:
    """Mid-rank percentile of each value among the (sorted, NaN-free) reference values."""
    below = np.searchsorted(reference, values, side="left")
    at_or_below = np.searchsorted(reference, values, side="right")
    return np.asarray((below + at_or_below) / (2.0 * reference.size), dtype=np.float64)


def _ecdf(reference: FloatArray, values: FloatArray) -> FloatArray:
    """Mid-rank percentile of ``values`` in ``reference`` (columns independently); NaN gives 0.5."""
    out = np.full(values.shape, 0.5)
    for j in range(values.shape[1]):
        ref = np.sort(reference[:, j][~np.isnan(reference[:, j])])
        if ref.size == 0:
            continue
        v = values[:, j]
        out[:, j] = np.where(np.isnan(v), 0.5, mid_rank(ref, v))
    return out


def market_percentiles(
    values: FloatArray,
    cells: IntArray,
    reference: FloatArray,
    reference_cells: IntArray,
    min_cell: int = MIN_CELL,
) -> FloatArray:
    """Each value's percentile among the reference tenders of its bid-count cell (or the market)."""
    out = _ecdf(reference, values)
    for cell in np.unique(cells):
        in_ref = reference_cells == cell
        if in_ref.sum() < min_cell:
            continue
        rows = cells == cell
        out[rows] = _ecdf(reference[in_ref], values[rows])
    return out


def own_market_percentiles(
    tenders: pl.DataFrame,
    columns: tuple[str, ...] = FEATURE_COLUMNS,
    bins: tuple[int, ...] = N_BINS,
    min_cell: int = MIN_CELL,
) -> FloatArray:
    """``market_percentiles`` with the tenders as their own reference, as one relational query.

    The mid-rank percentile of a value among ``N`` non-null values is ``(average rank - 0.5) / N``;
    it is taken within the bid-count cell (a window partitioned by cell) when the cell holds at
    least ``min_cell`` tenders, and within the whole market otherwise.
    """
    cell = pl.sum_horizontal(pl.col("n_bids") >= b for b in bins[1:]).alias("_cell")
    prepared = []
    for c in columns:
        e = pl.col(c).cast(pl.Float64).fill_nan(None)
        prepared.append((e.fill_null(float("inf")) if c in FILL_HIGH else e).alias(c))

    def pct(c: str) -> pl.Expr:
        return (pl.col(c).rank("average") - 0.5) / pl.col(c).count()

    frame = tenders.lazy().select(cell, *prepared).collect()
    if frame.height == 0:
        return np.zeros((0, len(columns)))
    smallest = frame.group_by("_cell").len()["len"].min()
    if isinstance(smallest, int) and smallest >= min_cell:
        exprs = [pct(c).over("_cell").fill_null(0.5).alias(c) for c in columns]
    else:
        big_cell = pl.len().over("_cell") >= min_cell
        exprs = [
            pl.when(big_cell).then(pct(c).over("_cell")).otherwise(pct(c)).fill_null(0.5).alias(c) for c in columns
        ]
    return frame.select(exprs).to_numpy().astype(np.float64, copy=False)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _invalid(reason: str) -> DomainError:
    return DomainError(
        "risk_model_invalid",
        f"风险模型文件格式不正确：{reason}",
        f"The risk model file is not valid: {reason}",
    )


def _check(document: dict[str, Any]) -> None:
    if document.get("format") != FORMAT:
        raise _invalid(f"format is not {FORMAT}")
    if document.get("format_version") != FORMAT_VERSION:
        raise _invalid(f"format_version {document.get('format_version')!r} is not {FORMAT_VERSION}")


@dataclass(frozen=True)
class CollusionModel:
    """A logistic regression over market percentiles of the features, loaded from JSON."""

    version: str
    features: tuple[str, ...]
    coefficients: FloatArray
    intercept: float
    flag_quantile: float
    bins: tuple[int, ...]
    min_cell: int
    document: dict[str, Any]

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> CollusionModel:
        _check(doc)
        try:
            features = tuple(str(f) for f in doc["features"])
            coefficients = np.asarray(doc["coefficients"], dtype=np.float64)
            intercept = float(doc["intercept"])
            flag_quantile = float(doc["flag_quantile"])
            bins = tuple(int(b) for b in doc["bins"])
            min_cell = int(doc["min_cell"])
            version = str(doc["version"])
        except (KeyError, TypeError, ValueError) as exc:
            raise _invalid(f"missing or malformed field {exc}") from exc
        unknown = sorted(set(features) - set(FEATURE_COLUMNS))
        if not features or unknown or len(set(features)) != len(features):
            raise _invalid(f"features {unknown or list(features)} are not a list of known, distinct features")
        if (
            coefficients.shape != (len(features),)
            or not np.all(np.isfinite(coefficients))
            or not math.isfinite(intercept)
        ):
            raise _invalid("coefficients must be one finite number per feature, and the intercept finite")
        if not 0.0 < flag_quantile < 1.0:
            raise _invalid("flag_quantile must lie strictly between 0 and 1")
        if not bins or bins[0] < 1 or any(b >= c for b, c in itertools.pairwise(bins)) or min_cell < 1:
            raise _invalid("bins must be increasing positive bid counts and min_cell positive")
        return cls(
            version=version,
            features=features,
            coefficients=coefficients,
            intercept=intercept,
            flag_quantile=flag_quantile,
            bins=bins,
            min_cell=min_cell,
            document=doc,
        )

    @classmethod
    def load(cls, path: Path | None = None) -> CollusionModel:
        """The model in ``path``, or the one shipped with the package."""
        try:
            if path is None:
                text = resources.files("sunbid.risk").joinpath("models", MODEL_FILE).read_text(encoding="utf-8")
            else:
                text = path.read_text(encoding="utf-8")
            doc = json.loads(text)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DomainError(
                "risk_model_unreadable",
                f"无法读取风险模型文件：{exc}",
                f"The risk model file cannot be read: {exc}",
            ) from exc
        if not isinstance(doc, dict):
            raise _invalid("the file does not hold a JSON object")
        return cls.from_document(doc)

    def _require_market(self, tenders: int) -> None:
        if tenders < MIN_MARKET:
            raise DomainError(
                "risk_market_too_small",
                f"参照市场至少需要{MIN_MARKET}个可计算的招标项目（现有{tenders}个）；请提供同一市场的历史项目作参照",
                f"The reference market needs at least {MIN_MARKET} scorable tenders (it has {tenders}); "
                "pass earlier tenders of the same market as the reference",
            )

    def percentiles(self, tenders: pl.DataFrame, reference: pl.DataFrame | None = None) -> FloatArray:
        """The model's features of ``tenders`` as percentiles within the reference market (default: themselves)."""
        ref = tenders if reference is None else reference
        self._require_market(ref.height)
        if reference is None:
            return own_market_percentiles(tenders, self.features, self.bins, self.min_cell)
        return market_percentiles(
            feature_matrix(tenders, self.features),
            bid_cells(tenders["n_bids"].to_numpy(), self.bins),
            feature_matrix(ref, self.features),
            bid_cells(ref["n_bids"].to_numpy(), self.bins),
            self.min_cell,
        )

    def probabilities(self, percentiles: FloatArray) -> FloatArray:
        z = percentiles @ self.coefficients + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def score_tenders(
        self, tenders: pl.DataFrame, reference: pl.DataFrame | None = None, flag_quantile: float | None = None
    ) -> pl.DataFrame:
        """Scores of tenders whose features are computed (``compute_features(...).tenders``).

        ``collusion_score``: the calibrated probability (classes weighted equally in training).
        ``risk_percentile``: the mid-rank of the score among the reference market's scores.
        ``flagged``: the score is at least the ``flag_quantile`` quantile of those scores (the
        model's, 0.5 for balanced accuracy; a supervisor who can follow up fewer tenders passes a
        higher one, 0.9 for the top tenth).
        """
        quantile = self.flag_quantile if flag_quantile is None else flag_quantile
        if isinstance(quantile, bool) or not isinstance(quantile, int | float) or not 0.0 < quantile < 1.0:
            raise DomainError(
                "risk_flag_quantile_invalid",
                "标记分位数须在0与1之间",
                "The flag quantile must lie strictly between 0 and 1",
            )
        missing = sorted({*self.features, "n_bids", TENDER} - set(tenders.columns))
        if reference is not None:
            missing += sorted({*self.features, "n_bids"} - set(reference.columns))
        if missing:
            raise DomainError(
                "risk_features_missing",
                f"评分缺少模型所需的特征列：{', '.join(missing)}（请用 compute_features(bids, model.features) 计算）",
                f"The scored or reference tenders lack the model's feature column(s): {', '.join(missing)} "
                "(compute them with compute_features(bids, model.features))",
            )
        p = self.probabilities(self.percentiles(tenders, reference))
        ref_scores = p if reference is None else self.probabilities(self.percentiles(reference))
        ordered = np.sort(ref_scores)
        cut = float(np.quantile(ordered, quantile))
        return pl.DataFrame(
            {
                TENDER: tenders[TENDER],
                "n_bids": tenders["n_bids"],
                "collusion_score": p,
                "risk_percentile": mid_rank(ordered, p),
                "flagged": p >= cut,
            }
        )

    def score(
        self,
        bids: pl.DataFrame | pl.LazyFrame,
        reference: pl.DataFrame | None = None,
        flag_quantile: float | None = None,
    ) -> Screened:
        """Score every tender of a market's bids; skipped tenders come back with their reasons.

        ``reference``: features of earlier tenders of the same market (``compute_features(bids,
        model.features)``), when the bids scored are too few to be their own reference.
        """
        computed = compute_features(bids, self.features)
        scored = self.score_tenders(computed.tenders, reference, flag_quantile)
        return Screened(tenders=scored, skipped=computed.skipped)
