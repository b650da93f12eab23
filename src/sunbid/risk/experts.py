"""The evaluation committee's patterns: scores far from the committee's, an expert who favours one
bidder across tenders, an expert who sits with the same bidders more often than a blind draw allows,
two members who score alike beyond chance.

Everything reads the snapshot's ``scores`` (each sitting member's points for each bid on each
subjective factor of a concluded evaluation, with the factor's maximum) and ``sittings`` (who sat
on which committee). Deviations are measured in **shares of the factor's points**, so a 30-point
factor and a 5-point one weigh alike; when a factor's maximum is unknown, the highest score any
member gave on it in the section stands in.

* **Deviation (EXPERT-DEVIATION, 评分畸高畸低).** For each member, bid and factor scored by at
  least ``min_members`` members: ``d = (score - mean of the other members' scores) / max points``.
  A member is flagged in a section when at least ``min_items`` of its scores have ``|d| ≥
  item_share``: the practice of local rules that ask the committee to explain, and the supervisor
  to look at, a score that departs from the others' average by more than a set share of the
  factor's points.
* **Favouring (EXPERT-FAVOURS-BIDDER, 倾向性打分).** Per section, a member's *bias* for a bid is its
  mean ``d`` over the factors less its mean over all the bids it scored there (a lenient or strict
  member is not partial for being lenient or strict). An expert is flagged with a bidder when they
  met in at least ``min_sections`` sections, the mean bias is at least ``min_bias`` and the bias
  was positive in at least ``min_share`` of them.
* **Sitting together (EXPERT-SITS-WITH-BIDDERS).** Committees are drawn blind (条例 第四十六条), so an
  expert and a bidder should meet no more often than their numbers of sittings and bids explain.
  Within a segment (the tender category), ``T`` sections with a committee, the expert on ``n_e``
  of them, the bidder bidding in ``n_b``, together in ``c``: ``c`` is hypergeometric under a blind
  draw, and the pair is flagged when ``c ≥ min_together`` and ``P(C ≥ c)`` is below ``alpha``
  divided by the number of pairs that met at all (Bonferroni).
* **Identical scores (EXPERT-IDENTICAL-SCORES, 评分雷同).** Two members of one committee who gave
  the same points on every score (at least ``min_items``), when the chance of it is below
  ``alpha``: for each score, the share of the *other* member pairs of the committee that agreed
  on it (smoothed, ``(agreeing + 0.5) / (pairs + 1)``), multiplied over the scores. A committee
  that agrees on everything (a pass/fail factor, say) makes such agreement cheap and flags
  nothing; two members copying each other's sheet among members who differ do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import polars as pl

from sunbid.risk.indicators import Indicator, Severity, concat_flags, empty_flags
from sunbid.risk.networks import hypergeometric_tail
from sunbid.risk.snapshot import Snapshot

ART_49 = (
    "《招标投标法》第四十四条、《招标投标法实施条例》第四十九条（评标委员会成员应当客观、公正地履行职务，"
    "按照招标文件规定的评标标准和方法评审）"
)
ART_46 = "《招标投标法实施条例》第四十六条（评标专家应当从评标专家库内相关专业的专家名单中以随机抽取方式确定）"
PRACTICE = "地方评标监管实践：评标专家评分异常监测（评分畸高畸低、倾向性打分、专家与投标人关联）"
CELL = ("section_id", "bid_id", "criterion")
MAX_ITEMS = 8  # the worst items a deviation flag lists
MAX_LISTED = 20  # the sections a cross-tender flag lists


def deviations(snapshot: Snapshot, min_members: float) -> pl.DataFrame:
    """One row per score of a cell (section, bid, factor) scored by at least ``min_members``
    members: the others' mean and ``d``, the deviation in shares of the factor's points."""
    scores = snapshot.scores.filter(pl.col("score").is_not_null() & pl.col("expert_id").is_not_null())
    if scores.height == 0:
        return scores.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("members"),
            pl.lit(None, dtype=pl.Float64).alias("others_mean"),
            pl.lit(None, dtype=pl.Float64).alias("scale"),
            pl.lit(None, dtype=pl.Float64).alias("d"),
        )
    n = pl.len().over(CELL)
    declared = pl.when(pl.col("max_score") > 0).then(pl.col("max_score"))
    observed = pl.col("score").max().over("section_id", "criterion")
    scale = declared.fill_null(pl.when(observed > 0).then(observed))
    return (
        scores.lazy()
        .with_columns(n.cast(pl.Int64).alias("members"), pl.col("score").sum().over(CELL).alias("_sum"))
        .filter(pl.col("members") >= min_members)
        .with_columns(
            ((pl.col("_sum") - pl.col("score")) / (pl.col("members") - 1)).alias("others_mean"),
            scale.alias("scale"),
        )
        .with_columns(((pl.col("score") - pl.col("others_mean")) / pl.col("scale")).alias("d"))
        .filter(pl.col("d").is_not_null())
        .drop("_sum")
        .collect()
    )


class ExpertDeviation(Indicator):
    id = "EXPERT-DEVIATION"
    family = "expert"
    title_zh = "评标专家评分明显偏离评标委员会其他成员"
    title_en = "A committee member's scores far from the rest of the committee's"
    basis = f"{ART_49}; {PRACTICE}"
    definition = (
        "For each score of a bid on a subjective factor scored by at least `min_members` members: d = (score - mean of "
        "the other members' scores) / the factor's points. A member is flagged in a section when at least `min_items` "
        "of its scores have |d| ≥ `item_share`."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"item_share": 0.3, "min_items": 1.0, "min_members": 3.0}

    def compute(self, items: pl.DataFrame) -> pl.DataFrame:
        if items.height == 0:
            return empty_flags()
        hit = pl.col("d").abs() >= self["item_share"]
        worst = pl.struct(
            "bid_id",
            "bidder_org_id",
            "criterion",
            "score",
            pl.col("others_mean").round(3),
            pl.col("scale").alias("max_points"),
            pl.col("d").round(3).alias("deviation"),
        )
        per = (
            items.lazy()
            .sort(pl.col("d").abs(), descending=True)
            .group_by("section_id", "expert_id")
            .agg(
                pl.col("tender_id").first(),
                pl.col("member_kind").first(),
                pl.col("members").max(),
                pl.len().alias("items"),
                hit.sum().alias("hits"),
                pl.col("d").abs().max().alias("max_deviation"),
                pl.col("d").abs().mean().alias("mean_abs_deviation"),
                pl.col("d").mean().alias("mean_deviation"),
                worst.filter(hit).head(MAX_ITEMS).alias("worst"),
            )
            .filter(pl.col("hits") >= self["min_items"])
            .sort("section_id", "expert_id")
            .collect()
        )
        if per.height == 0:
            return empty_flags()
        return self.flags(
            per,
            subject_type="expert",
            subjects=pl.concat_list("expert_id"),
            tender=pl.col("tender_id"),
            section=pl.col("section_id"),
            value=pl.col("max_deviation"),
            threshold=self["item_share"],
            evidence=pl.struct(
                "expert_id",
                "member_kind",
                "members",
                "items",
                "hits",
                pl.col("mean_abs_deviation").round(3),
                pl.col("mean_deviation").round(3),
                "worst",
            ),
        )


class ExpertFavoursBidder(Indicator):
    id = "EXPERT-FAVOURS-BIDDER"
    family = "expert"
    title_zh = "评标专家在多次评标中倾向性地给同一投标人打高分"
    title_en = "An expert who favours the same bidder across evaluations"
    basis = f"{ART_49}; 《招标投标法实施条例》第七十一条（评标委员会成员对依法应当否决的投标不提出否决意见、不客观公正履行职务）; {PRACTICE}"
    definition = (
        "Per section, the member's bias for a bid: its mean d over the factors less its mean d over all the bids it "
        "scored there. Flagged for an (expert, bidder) that met in at least `min_sections` sections when the mean bias "
        "is at least `min_bias` (a share of the factors' points) and the bias was positive in at least `min_share` "
        "of them."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_sections": 3.0, "min_bias": 0.1, "min_share": 0.8}

    def compute(self, items: pl.DataFrame, awards: pl.DataFrame) -> pl.DataFrame:
        scored = items.filter(pl.col("bidder_org_id").is_not_null())
        if scored.height == 0:
            return empty_flags()
        per_bid = scored.group_by("section_id", "tender_id", "expert_id", "bid_id", "bidder_org_id").agg(
            pl.col("d").mean().alias("bid_d")
        )
        won = awards.select("bid_id", pl.lit(True).alias("won"))
        ranked = (
            per_bid.lazy()
            .with_columns(
                (pl.col("bid_d") - pl.col("bid_d").mean().over("section_id", "expert_id")).alias("bias"),
                pl.len().over("section_id", "expert_id").alias("_bids"),
            )
            .filter(pl.col("_bids") >= 2)
            .join(won.lazy(), on="bid_id", how="left")
            .with_columns(pl.col("won").fill_null(False))
            .sort("tender_id", "section_id")
        )
        per = (
            ranked.group_by("expert_id", "bidder_org_id")
            .agg(
                pl.col("section_id").n_unique().alias("sections"),
                pl.col("bias").mean().alias("mean_bias"),
                (pl.col("bias") > 0).mean().alias("positive_share"),
                pl.col("won").sum().alias("won"),
                pl.struct("tender_id", "section_id", pl.col("bias").round(3), "won").head(MAX_LISTED).alias("met"),
            )
            .filter(
                (pl.col("sections") >= self["min_sections"])
                & (pl.col("mean_bias") >= self["min_bias"])
                & (pl.col("positive_share") >= self["min_share"])
            )
            .sort("expert_id", "bidder_org_id")
            .collect()
        )
        if per.height == 0:
            return empty_flags()
        return self.flags(
            per,
            subject_type="expert_bidder",
            subjects=pl.concat_list("expert_id", "bidder_org_id"),
            value=pl.col("mean_bias"),
            threshold=self["min_bias"],
            evidence=pl.struct(
                "expert_id",
                pl.concat_list("bidder_org_id").alias("bidders"),
                "sections",
                pl.col("mean_bias").round(3),
                pl.col("positive_share").round(3),
                "won",
                "met",
            ),
        )


class ExpertSitsWithBidders(Indicator):
    id = "EXPERT-SITS-WITH-BIDDERS"
    family = "expert"
    title_zh = "评标专家与同一投标人相遇次数显著超出随机抽取所能解释的水平"
    title_en = "An expert who meets the same bidder more often than a blind draw explains"
    basis = f"{ART_46}; {PRACTICE}"
    definition = (
        "Within a segment (tender category): T sections with a drawn committee, the expert on n_e, the bidder bidding "
        "in n_b, together in c. Flagged when c ≥ `min_together` and the hypergeometric tail P(C ≥ c) is below `alpha` "
        "/ (expert-bidder pairs that met at least once)."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_together": 3.0, "alpha": 0.01}

    def compute(self, snapshot: Snapshot) -> pl.DataFrame:
        sat = snapshot.sittings.filter((pl.col("member_kind") == "expert") & pl.col("expert_id").is_not_null()).unique(
            ["section_id", "expert_id"]
        )
        if sat.height == 0:
            return empty_flags()
        segments = snapshot.tenders.select("tender_id", pl.col("category").fill_null("").alias("segment"))
        sections = (
            sat.select("section_id", "tender_id")
            .unique("section_id")
            .join(segments, on="tender_id", how="left")
            .with_columns(pl.col("segment").fill_null(""))
        )
        bid = (
            snapshot.bids.filter(pl.col("bidder_org_id").is_not_null() & (pl.col("status") != "withdrawn"))
            .select("section_id", "bidder_org_id", "bid_id")
            .unique(["section_id", "bidder_org_id"])
            .join(sections, on="section_id", how="inner")
        )
        sat = sat.select("section_id", "expert_id").join(sections, on="section_id", how="inner")
        totals = sections.group_by("segment").agg(pl.len().alias("T"))
        n_e = sat.group_by("segment", "expert_id").agg(pl.len().alias("n_e"))
        n_b = bid.group_by("segment", "bidder_org_id").agg(pl.len().alias("n_b"))
        won = snapshot.awards.select("bid_id", pl.lit(True).alias("won"))
        met = (
            sat.join(bid.drop("tender_id", "segment"), on="section_id", how="inner")
            .join(won, on="bid_id", how="left")
            .with_columns(pl.col("won").fill_null(False))
            .sort("tender_id", "section_id")
            .group_by("segment", "expert_id", "bidder_org_id")
            .agg(
                pl.len().alias("together"),
                pl.col("won").sum().alias("won_together"),
                pl.struct("tender_id", "section_id", "won").head(MAX_LISTED).alias("met"),
            )
        )
        tested = met.height
        if tested == 0:
            return empty_flags()
        found = (
            met.filter(pl.col("together") >= self["min_together"])
            .join(totals, on="segment")
            .join(n_e, on=["segment", "expert_id"])
            .join(n_b, on=["segment", "bidder_org_id"])
        )
        if found.height == 0:
            return empty_flags()
        p = hypergeometric_tail(found["T"].to_numpy(), found["n_e"].to_numpy(), found["n_b"].to_numpy(),
                                found["together"].to_numpy())  # fmt: skip
        cut = self["alpha"] / tested
        found = (
            found.with_columns(
                pl.Series("p", p, dtype=pl.Float64),
                (pl.col("n_e") * pl.col("n_b") / pl.col("T")).alias("expected"),
            )
            .filter(pl.col("p") < cut)
            .sort("expert_id", "bidder_org_id")
        )
        if found.height == 0:
            return empty_flags()
        return self.flags(
            found,
            subject_type="expert_bidder",
            subjects=pl.concat_list("expert_id", "bidder_org_id"),
            value=pl.col("p"),
            threshold=cut,
            evidence=pl.struct(
                "expert_id",
                pl.concat_list("bidder_org_id").alias("bidders"),
                "segment",
                "together",
                pl.col("expected").round(3),
                pl.col("n_e").alias("expert_sittings"),
                pl.col("n_b").alias("bidder_sections"),
                pl.col("T").alias("sections"),
                "p",
                "won_together",
                "met",
            ),
        )


class ExpertsScoringAlike(Indicator):
    id = "EXPERT-IDENTICAL-SCORES"
    family = "expert"
    title_zh = "两名评标委员会成员的评分完全一致，超出委员会内偶然一致的水平"
    title_en = "Two committee members who gave identical scores, beyond the committee's chance agreement"
    basis = f"{ART_49}; 《招标投标法实施条例》第七十一条; {PRACTICE}"
    definition = (
        "Two members of one committee who gave the same points on every one of at least `min_items` scores (bid and "
        "factor), when the chance of that, the product over the scores of the share of the other member pairs that "
        "agreed on the same score ((agreeing + 0.5) / (pairs + 1)), is below `alpha`."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_items": 4.0, "alpha": 0.001}

    def compute(self, items: pl.DataFrame) -> pl.DataFrame:
        if items.height == 0:
            return empty_flags()
        cells = items.select(*CELL, "tender_id", "expert_id", "score")
        pairs = (
            cells.lazy()
            .join(cells.lazy().select(*CELL, "expert_id", "score"), on=list(CELL), suffix="_b")
            .filter(pl.col("expert_id") < pl.col("expert_id_b"))
            .with_columns((pl.col("score") == pl.col("score_b")).alias("same"))
            .with_columns(
                (pl.col("same").sum().over(CELL) - pl.col("same").cast(pl.Int64)).alias("_others_same"),
                (pl.len().over(CELL) - 1).alias("_others"),
            )
            .with_columns(((pl.col("_others_same") + 0.5) / (pl.col("_others") + 1)).alias("chance"))
        )
        per = (
            pairs.group_by("section_id", "expert_id", "expert_id_b")
            .agg(
                pl.col("tender_id").first(),
                pl.len().alias("items"),
                pl.col("same").all().alias("all_same"),
                pl.col("chance").log().sum().exp().alias("p"),
                pl.col("chance").mean().alias("mean_chance"),
                ((pl.col("_others_same") == 0) & (pl.col("_others") > 0)).sum().alias("items_no_other_pair_agreed"),
            )
            .filter(pl.col("all_same") & (pl.col("items") >= self["min_items"]) & (pl.col("p") < self["alpha"]))
            .sort("section_id", "expert_id", "expert_id_b")
            .collect()
        )
        if per.height == 0:
            return empty_flags()
        return self.flags(
            per,
            subject_type="experts",
            subjects=pl.concat_list("expert_id", "expert_id_b"),
            tender=pl.col("tender_id"),
            section=pl.col("section_id"),
            value=pl.col("p"),
            threshold=self["alpha"],
            evidence=pl.struct(
                pl.concat_list("expert_id", "expert_id_b").alias("expert_ids"),
                "items",
                pl.col("mean_chance").round(3),
                "items_no_other_pair_agreed",
                "p",
            ),
        )


EXPERT_INDICATORS: tuple[type[Indicator], ...] = (
    ExpertDeviation,
    ExpertFavoursBidder,
    ExpertSitsWithBidders,
    ExpertsScoringAlike,
)


def expert_indicators(snapshot: Snapshot, **thresholds: dict[str, float]) -> pl.DataFrame:
    """Every expert indicator over the platform's snapshot."""
    deviation = ExpertDeviation(**thresholds.get(ExpertDeviation.id, {}))
    items = deviations(snapshot, deviation["min_members"])
    return concat_flags(
        [
            deviation.compute(items),
            ExpertFavoursBidder(**thresholds.get(ExpertFavoursBidder.id, {})).compute(items, snapshot.awards),
            ExpertSitsWithBidders(**thresholds.get(ExpertSitsWithBidders.id, {})).compute(snapshot),
            ExpertsScoringAlike(**thresholds.get(ExpertsScoringAlike.id, {})).compute(items),
        ]
    )
