"""One scan: every indicator over the platform's snapshot or an OCDS market, flags and skips.

:func:`scan_snapshot` runs, in order, the statutory signals (``signals``, ``similarity``), the
price screens and the collusion model per section (``screens``, ``model``), the red flags and
CRI (``redflags``), the networks (``networks``), the fair-competition review (``review``) and the
evaluation committees' patterns (``experts``).
:func:`scan_market` runs what an OCDS market supports: screens, model, red flags, networks.
The result holds the flags (``indicators.FLAG_SCHEMA``), the skips (``SKIP_SCHEMA``), one row
of screens and score per process, and the data of the report's charts.

The price screens and the model's score say how a tender's bids compare with the literature's
thresholds and with the rest of its market; every market, clean or not, has tenders on the
suspicious side of them. Their flags are ``low`` severity, like the red flags measured against
the market's own fences. The statutory signals, the clause rules, the networks' significance
tests and the fixed-threshold red flags are the findings (``medium`` and ``high``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from sunbid.kernel.errors import DomainError
from sunbid.risk.experts import expert_indicators
from sunbid.risk.features import compute_features
from sunbid.risk.indicators import (
    SEVERITY_RANK,
    Severity,
    concat_flags,
    concat_skips,
    empty_flags,
    skips,
    with_flag_ids,
)
from sunbid.risk.market import Market, from_snapshot
from sunbid.risk.model import CollusionModel
from sunbid.risk.networks import network_indicators
from sunbid.risk.redflags import CorruptionRiskIndex, red_flags
from sunbid.risk.review import review_documents
from sunbid.risk.screens import SCREEN_CLASSES, SCREEN_COLUMNS, flag
from sunbid.risk.signals import statutory_signals
from sunbid.risk.similarity import similarity_signals
from sunbid.risk.snapshot import Snapshot

Step = Callable[[str], None]
STEPS_SNAPSHOT = 9
STEPS_MARKET = 4
CHART_TENDERS = 24  # bid distributions drawn in the report


@dataclass
class ScanResult:
    source: str
    flags: pl.DataFrame
    skips: pl.DataFrame
    scores: pl.DataFrame  # one row per scored process: screens and the collusion score
    cri: pl.DataFrame  # one row per process: the CRI components
    bids: pl.DataFrame  # the market's bids (process, bidder, amount, status, winner), for the charts
    edges: pl.DataFrame  # the co-bidding and shared-evidence graph (a, b, kind)
    groups: list[list[str]]
    counts: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        by_indicator = self.flags.group_by("indicator", "severity").len().sort("indicator")
        by_reason = self.skips.group_by("reason").len().sort("len", descending=True)
        return {
            "source": self.source,
            **self.counts,
            "flags": self.flags.height,
            "flags_by_severity": dict(self.flags.group_by("severity").len().iter_rows()),
            "flags_by_indicator": [{"indicator": i, "severity": s, "count": n} for i, s, n in by_indicator.iter_rows()],
            "skipped": self.skips.height,
            "skips_by_reason": dict(by_reason.iter_rows()),
        }


def _noop(_: str) -> None:
    return None


#: The model flags the tenders scoring in the top tenth of their own market (a settable quantile).
MODEL_FLAG_QUANTILE = 0.9


def price_indicators(
    market: Market, model: CollusionModel | None, flag_quantile: float = MODEL_FLAG_QUANTILE
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The seven screens and the model's score per process, as flags (low severity), scores and
    skips. The model flags a tender when its score is at least the ``flag_quantile`` quantile of
    the market's scores."""
    # Processes with bids whose price was never read (tenderers only) are not screened; not an error.
    bids = (
        pl.concat([market.bids, market.codes], how="horizontal")
        .lazy()
        .filter(pl.col("status").is_in(["valid", "pending"]) | pl.col("status").is_null())
        .filter(pl.col("amount").is_not_null().any().over("p"))  # on the process's integer code
        .select(pl.col("process_id").alias("tender_id"), pl.col("amount"))
        .collect()
    )
    computed = compute_features(bids, model.features) if model is not None else compute_features(bids)
    tenders = computed.tenders
    skipped = computed.skipped.select(
        pl.lit("screens").alias("source"),
        pl.lit("process").alias("item_type"),
        pl.col("tender_id").alias("item_id"),
        "reason",
        "message_zh",
        "message_en",
        pl.format("{} bid(s)", "bids").alias("detail"),
    )
    scores = tenders.select(pl.col("tender_id").alias("process_id"), "n_bids", *SCREEN_COLUMNS)
    parts = [_screen_flags(flag(tenders))] if tenders.height else []
    if model is not None and tenders.height:
        try:
            scored = model.score_tenders(tenders, flag_quantile=flag_quantile)
        except DomainError as exc:
            skipped = pl.concat(
                [skipped, skips("model", "market", exc.code, exc.message_zh, exc.message_en, [market.source])],
                how="vertical_relaxed",
            )
        else:
            scores = scores.with_columns(scored["collusion_score"], scored["flagged"].alias("model_flagged"))
            hits = scored.filter("flagged")
            if hits.height:
                parts.append(_model_flags(hits, model, flag_quantile))
    return concat_flags(parts), scores, skipped


def _screen_flags(screen: pl.DataFrame) -> pl.DataFrame:
    if screen.height == 0:
        return empty_flags()
    basis = {c.id: c.legal_basis + "；" + "; ".join(c.sources[:1]) for c in SCREEN_CLASSES}
    out = screen.select(
        pl.format("SCREEN-{}", "indicator").alias("indicator"),
        pl.lit(str(Severity.LOW)).alias("severity"),
        pl.lit("process").alias("subject_type"),
        pl.concat_list(pl.col("tender_id").cast(pl.String)).alias("subject_ids"),
        pl.col("tender_id").cast(pl.String),
        pl.lit(None, dtype=pl.String).alias("section_id"),
        "value",
        "threshold",
        pl.struct(pl.col("indicator").alias("screen"), "direction", pl.col("evidence").struct.unnest())
        .struct.json_encode()
        .alias("evidence"),
        pl.col("indicator").replace_strict(basis, return_dtype=pl.String).alias("basis"),
        "title_zh",
        "title_en",
    )
    return with_flag_ids(out.with_columns(pl.lit("").alias("flag_id")))


def _model_flags(hits: pl.DataFrame, model: CollusionModel, flag_quantile: float) -> pl.DataFrame:
    out = hits.select(
        pl.lit("MODEL-COLLUSION").alias("indicator"),
        pl.lit(str(Severity.LOW)).alias("severity"),
        pl.lit("process").alias("subject_type"),
        pl.concat_list(pl.col("tender_id").cast(pl.String)).alias("subject_ids"),
        pl.col("tender_id").cast(pl.String),
        pl.lit(None, dtype=pl.String).alias("section_id"),
        pl.col("collusion_score").alias("value"),
        pl.lit(flag_quantile).alias("threshold"),
        pl.struct(
            pl.col("collusion_score").round(4).alias("score"),
            pl.col("risk_percentile").round(4).alias("percentile_in_market"),
            pl.lit(model.version).alias("model_version"),
            "n_bids",
        )
        .struct.json_encode()
        .alias("evidence"),
        pl.lit("串通投标风险模型：价格筛查特征在本市场中的百分位的逻辑回归（docs/risk/screens.md）").alias("basis"),
        pl.lit("串通投标风险模型评分偏高").alias("title_zh"),
        pl.lit("High collusion score from the price model").alias("title_en"),
    )
    return with_flag_ids(out.with_columns(pl.lit("").alias("flag_id")))


def scan_market(
    market: Market,
    *,
    statutory: pl.DataFrame | None = None,
    thresholds: dict[str, dict[str, float]] | None = None,
    model: CollusionModel | None = None,
    step: Step = _noop,
) -> ScanResult:
    """Screens, model, red flags, CRI and networks over a market."""
    t = thresholds or {}
    step("price screens and model")
    price, scores, price_skips = price_indicators(market, model)
    step("red flags and CRI")
    rf = red_flags(market, **t)
    cri = CorruptionRiskIndex(**t.get("CRI", {})).table(market, **t)
    step("co-bidding networks")
    nf, graph = network_indicators(market, statutory, **t)
    edges, groups = graph
    bids = market.bids.select("process_id", "bid_id", "bidder_id", "amount", "currency", "status", "winner")
    return ScanResult(
        source=market.source,
        flags=concat_flags([statutory if statutory is not None else empty_flags(), rf, nf, price]),
        skips=price_skips,
        scores=scores,
        cri=cri,
        bids=bids,
        edges=edges,
        groups=groups,
        counts={
            "processes": market.processes.height,
            "bids": market.bids.height,
            "awards": market.awards.height,
            "bidders": market.bids["bidder_id"].n_unique(),
            "winner_basis": market.winner_basis,
            "scored_processes": scores.height,
        },
    )


def scan_snapshot(
    snapshot: Snapshot,
    *,
    thresholds: dict[str, dict[str, float]] | None = None,
    model: CollusionModel | None = None,
    step: Step = _noop,
) -> ScanResult:
    """Every indicator over the platform's own data."""
    t = thresholds or {}
    step("statutory signals")
    statutory = statutory_signals(snapshot, **t)
    step("bid document similarity")
    statutory = concat_flags([statutory, *similarity_signals(snapshot, **t)])
    step("market")
    market = from_snapshot(snapshot)
    result = scan_market(market, statutory=statutory, thresholds=t, model=model, step=step)
    step("tender document review")
    review = review_documents(snapshot.documents, snapshot.tenders, **t)
    step("evaluation committees")
    experts = expert_indicators(snapshot, **t)
    step("flags")
    result.flags = concat_flags([_platform_places(result.flags, snapshot), review, experts])
    unread = snapshot.bids.filter(pl.col("amount").is_null() & (pl.col("status") == "decrypted"))
    if unread.height:
        result.skips = concat_skips(
            [
                result.skips,
                skips(
                    "snapshot",
                    "bid",
                    "amount_missing",
                    "已解密投标的报价无法读取，不参与价格指标",
                    "The price of a decrypted bid cannot be read: left out of the price indicators",
                    unread["bid_id"],
                ),
            ]
        )
    result.counts.update(
        {
            "tenders": snapshot.tenders.height,
            "sections": snapshot.sections.height,
            "documents_reviewed": snapshot.documents.filter(pl.col("text").is_not_null()).height,
            "bid_texts": snapshot.bid_texts.height,
            "evidence_rows": snapshot.evidence.height,
            "scores": snapshot.scores.height,
            "sittings": snapshot.sittings.height,
        }
    )
    return result


def _platform_places(flags: pl.DataFrame, snapshot: Snapshot) -> pl.DataFrame:
    """On the platform a process is a section: flags that name one get its tender and section."""
    places = snapshot.sections.select(pl.col("section_id").alias("_p"), pl.col("tender_id").alias("_t"))
    out = flags.join(places, left_on="tender_id", right_on="_p", how="left")
    moved = pl.col("_t").is_not_null() & pl.col("section_id").is_null()
    return out.with_columns(
        pl.when(moved).then(pl.col("tender_id")).otherwise(pl.col("section_id")).alias("section_id"),
        pl.when(moved).then(pl.col("_t")).otherwise(pl.col("tender_id")).alias("tender_id"),
    ).drop("_t")


def chart_tenders(result: ScanResult, limit: int = CHART_TENDERS) -> list[str]:
    """The processes whose bids the report draws: the most flagged ones, high severity first."""
    per = (
        result.flags.with_columns(pl.coalesce("section_id", "tender_id").alias("_process"))
        .filter(pl.col("_process").is_not_null())
        .with_columns(pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8).alias("_r"))
        .group_by("_process")
        .agg(pl.col("_r").min(), pl.len().alias("_n"))
        .sort("_r", "_n", "_process", descending=[False, True, False])
    )
    bids_by_process = set(result.bids["process_id"].drop_nulls().to_list())
    return [t for t in per["_process"].to_list() if t in bids_by_process][:limit]
