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
  draw, and the pair is flagged when ``c ≥ min_together`` and ``P(C ≥ c | C ≥ 1)`` is below
  ``alpha`` divided by the number of pairs that met at all (Bonferroni over the pairs tested,
  each tested given that it met).
* **Identical scores (EXPERT-IDENTICAL-SCORES, 评分雷同).** Two members of one committee whose
  score sheets are identical (at least ``min_items`` scores; sheets compared by one 64-bit hash
  each), when the chance of it is below
  ``alpha`` divided by the member pairs tested (Bonferroni): for each score, the share of the *other* member pairs of the committee that agreed
  on it (smoothed, ``(agreeing + 0.5) / (pairs + 1)``), multiplied over the scores. A committee
  that agrees on everything (a pass/fail factor, say) makes such agreement cheap and flags
  nothing; two members copying each other's sheet among members who differ do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
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
MAX_ITEMS = 8  # the worst items a deviation flag lists
MAX_LISTED = 20  # the sections a cross-tender flag lists


@dataclass(frozen=True)
class Items:
    """The scores the indicators compare, in numbers only (the ids stay in ``source``, the
    snapshot's ``scores``, until a finding needs them): one row per score of a cell (bid, factor)
    scored by at least ``min_members`` members, with

    * ``_row``, the score's row in ``source``;
    * 64-bit keys to group by instead of strings: ``_cell`` (bid and factor; a bid belongs to one
      section), ``_member`` (section and member) and ``_pair`` (member and bidder), and
      ``_bidder`` (whether the bid's bidder is known);
    * ``members`` (who scored the cell), ``score``, ``scale`` (the factor's points) and ``d``,
      the deviation in shares of the factor's points (the others' mean is ``score - d * scale``)."""

    frame: pl.DataFrame
    source: pl.DataFrame

    @property
    def height(self) -> int:
        return self.frame.height

    def named(self, rows: pl.DataFrame, *columns: str) -> pl.DataFrame:
        """``rows`` (some of ``frame``) with ``columns`` of their scores from ``source``."""
        names = self.source.select(pl.col(columns).gather(rows["_row"]))
        return pl.concat([rows, names], how="horizontal")


NAMES = ("tender_id", "section_id", "bid_id", "bidder_org_id", "expert_id", "member_kind", "criterion")


def deviations(snapshot: Snapshot, min_members: float) -> Items:
    """The scores the expert indicators compare, with each one's deviation (:class:`Items`)."""
    scores = snapshot.scores
    keys = {
        "_cell": pl.struct("bid_id", "criterion").hash(),
        "_member": pl.struct("section_id", "expert_id").hash(),
        "_pair": pl.struct("expert_id", "bidder_org_id").hash(),
    }
    scale: pl.Expr = pl.when(pl.col("max_score") > 0).then(pl.col("max_score"))
    if scores.height and (scores["max_score"].null_count() or scores["max_score"].min() <= 0):  # type: ignore[operator]
        observed = pl.col("score").max().over(pl.struct("section_id", "criterion").hash())
        scale = scale.fill_null(pl.when(observed > 0).then(observed))
    usable = pl.col("score").is_not_null() & pl.col("expert_id").is_not_null()
    query = scores.lazy().with_row_index("_row")
    if scores.height and not scores.select(usable.all()).item():
        query = query.filter(usable)
    frame = (
        query.select(
            "_row",
            *(v.alias(k) for k, v in keys.items()),
            pl.col("bidder_org_id").is_not_null().alias("_bidder"),
            "score",
            scale.alias("scale"),
        )
        .with_columns(
            pl.len().over("_cell").cast(pl.Int32).alias("members"),
            (
                (
                    pl.col("score")
                    - (pl.col("score").sum().over("_cell") - pl.col("score")) / (pl.len().over("_cell") - 1)
                )
                / pl.col("scale")
            ).alias("d"),
        )
        .filter((pl.col("members") >= min_members) & pl.col("d").is_not_null())
        .collect()
    )
    return Items(frame, scores)


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

    def compute(self, items: Items) -> pl.DataFrame:
        if items.height == 0:
            return empty_flags()
        hit = pl.col("d").abs() >= self["item_share"]
        worst = pl.struct(
            "bid_id",
            "bidder_org_id",
            "criterion",
            "score",
            (pl.col("score") - pl.col("d") * pl.col("scale")).round(3).alias("others_mean"),
            pl.col("scale").alias("max_points"),
            pl.col("d").round(3).alias("deviation"),
        )
        # the members with enough departing scores first (few), then their evidence
        flagged = (
            items.frame.lazy()
            .filter(hit)
            .group_by("_member")
            .len()
            .filter(pl.col("len") >= self["min_items"])
            .select("_member")
        )
        rows = items.frame.lazy().join(flagged, on="_member", how="semi").collect()
        per = (
            items.named(rows, *NAMES)
            .lazy()
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

    def compute(self, items: Items, awards: pl.DataFrame) -> pl.DataFrame:
        scored = items.frame if items.frame["_bidder"].all() else items.frame.filter(pl.col("_bidder"))
        if scored.height == 0:
            return empty_flags()
        # one row per (member, bid): a score is one when there is one factor, else grouped by a key
        if items.source["criterion"].n_unique() <= 1:
            scored = scored.with_columns(pl.col("_row").cast(pl.UInt64).alias("_eb"))
            per_bid = scored.lazy().select("_eb", "_member", "_pair", pl.col("d").alias("bid_d"))
        else:
            eb = pl.struct("expert_id", "bid_id").hash().gather(scored["_row"]).alias("_eb")
            scored = scored.with_columns(items.source.select(eb).to_series())
            per_bid = (
                scored.lazy()
                .group_by("_eb")
                .agg(pl.col("_member").first(), pl.col("_pair").first(), pl.col("d").mean().alias("bid_d"))
            )
        biased = (
            per_bid.with_columns(
                (pl.col("bid_d") - pl.col("bid_d").mean().over("_member")).alias("bias"),
                pl.len().over("_member").alias("_bids"),
            )
            .filter(pl.col("_bids") >= 2)
            .select("_eb", "_member", "_pair", "bias")
            .collect()
        )
        # the pairs that met often enough, by one sort of their keys (run lengths); then the pairs
        # among them that pass (few); then their evidence
        runs = biased["_pair"].sort().rle().struct.unnest()
        often = runs.filter(pl.col("len") >= self["min_sections"])["value"]
        passing = (
            biased.lazy()
            .filter(pl.col("_pair").is_in(often.implode()))
            .group_by("_pair")
            .agg(
                pl.col("_member").n_unique().alias("sections"),
                pl.col("bias").mean().alias("mean_bias"),
                (pl.col("bias") > 0).mean().alias("positive_share"),
            )
            .filter(
                (pl.col("sections") >= self["min_sections"])
                & (pl.col("mean_bias") >= self["min_bias"])
                & (pl.col("positive_share") >= self["min_share"])
            )
            .collect()
        )
        if passing.height == 0:
            return empty_flags()
        won = awards.select("bid_id", pl.lit(True).alias("won"))
        pairs = ["expert_id", "bidder_org_id"]
        met = scored.lazy().join(passing.lazy().select("_pair"), on="_pair", how="semi").collect()
        rows = (
            items.named(met, "expert_id", "bidder_org_id", "bid_id", "tender_id", "section_id")
            .lazy()
            .group_by("_eb")
            .agg(pl.col("_pair", "expert_id", "bidder_org_id", "bid_id", "tender_id", "section_id").first())
            .join(biased.lazy().select("_eb", "bias"), on="_eb")
        )
        per = (
            rows.join(won.lazy(), on="bid_id", how="left")
            .with_columns(pl.col("won").fill_null(False))
            .sort("tender_id", "section_id")
            .group_by("_pair")
            .agg(
                pl.col(pairs).first(),
                pl.col("won").sum().alias("won"),
                pl.struct("tender_id", "section_id", pl.col("bias").round(3), "won").head(MAX_LISTED).alias("met"),
            )
            .join(passing.lazy(), on="_pair")
            .sort(pairs)
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
        "in n_b, together in c. Flagged when c ≥ `min_together` and the hypergeometric tail P(C ≥ c | C ≥ 1) is below "
        "`alpha` / (expert-bidder pairs that met at least once)."
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
        sat = (
            sat.select("section_id", "expert_id")
            .join(sections, on="section_id", how="inner")
            .with_columns(pl.col("section_id").hash().alias("_s"), pl.struct("segment", "expert_id").hash().alias("_e"))
        )
        bid = bid.with_columns(pl.col("section_id").hash().alias("_s"), pl.col("bidder_org_id").hash().alias("_b"))
        totals = sections.group_by("segment").agg(pl.len().alias("T"))
        n_e = sat.group_by("segment", "expert_id").agg(pl.len().alias("n_e"))
        n_b = bid.group_by("segment", "bidder_org_id").agg(pl.len().alias("n_b"))
        # every (expert, bidder) meeting as one 64-bit key; one sort counts them (run lengths), and
        # the ids are looked up only for the pairs that met often
        meetings = (
            sat.lazy()
            .select("_s", "_e")
            .join(bid.lazy().select("_s", "_b"), on="_s")
            .select("_e", "_b", pl.struct("_e", "_b").hash().alias("_k"))
            .collect()
        )
        runs = meetings["_k"].sort().rle().struct.unnest()
        tested = runs.height
        if tested == 0:
            return empty_flags()
        often_keys = runs.filter(pl.col("len") >= self["min_together"])
        if often_keys.height == 0:
            return empty_flags()
        often = (
            meetings.filter(pl.col("_k").is_in(often_keys["value"].implode()))
            .unique("_k")
            .join(
                often_keys.select(pl.col("value").alias("_k"), pl.col("len").cast(pl.Int64).alias("together")), on="_k"
            )
        )
        experts_of = sat.select("_e", "segment", "expert_id").unique("_e")
        bidders_of = bid.select("_b", "bidder_org_id").unique("_b")
        found = (
            often.join(experts_of, on="_e")
            .join(bidders_of, on="_b")
            .join(totals, on="segment")
            .join(n_e, on=["segment", "expert_id"])
            .join(n_b, on=["segment", "bidder_org_id"])
        )
        # P(C ≥ c | C ≥ 1): the pairs tested are those that met at all, so the test is conditional on it
        args = (found["T"].to_numpy(), found["n_e"].to_numpy(), found["n_b"].to_numpy())
        p = hypergeometric_tail(*args, found["together"].to_numpy()) / hypergeometric_tail(*args, np.ones(found.height))
        cut = self["alpha"] / tested
        found = found.with_columns(
            pl.Series("p", p, dtype=pl.Float64),
            (pl.col("n_e") * pl.col("n_b") / pl.col("T")).alias("expected"),
        ).filter(pl.col("p") < cut)
        if found.height == 0:
            return empty_flags()
        keys = ["segment", "expert_id", "bidder_org_id"]
        won = snapshot.awards.select("bid_id", pl.lit(True).alias("won"))
        together = (
            sat.lazy()
            .join(found.lazy().select("_e"), on="_e", how="semi")
            .select("tender_id", "section_id", "segment", "expert_id", "_s")
            .join(
                bid.lazy().join(found.lazy().select("_b"), on="_b", how="semi").select("_s", "bidder_org_id", "bid_id"),
                on="_s",
            )
        )
        found = (
            together.join(found.lazy().select(keys), on=keys, how="semi")
            .join(won.lazy(), on="bid_id", how="left")
            .with_columns(pl.col("won").fill_null(False))
            .sort("tender_id", "section_id")
            .group_by(keys)
            .agg(
                pl.col("won").sum().alias("won_together"),
                pl.struct("tender_id", "section_id", "won").head(MAX_LISTED).alias("met"),
            )
            .join(found.lazy(), on=keys)
            .sort("expert_id", "bidder_org_id")
            .collect()
        )
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
        "Two members of one committee whose score sheets are identical (the same points for the same bids and factors, "
        "at least `min_items` scores), when the chance of that, the product over the scores of the share of the other member pairs that "
        "agreed on the same score ((agreeing + 0.5) / (pairs + 1)), is below `alpha` / (member pairs with at least "
        "`min_items` scores in common)."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_items": 4.0, "alpha": 0.01}

    def compute(self, items: Items) -> pl.DataFrame:
        if items.height == 0:
            return empty_flags()
        rows = items.frame.lazy()
        # each member's sheet as one 64-bit key: the wrapping sum of its (cell, points) hashes, in any order
        sheets = (
            rows.group_by("_member")
            .agg(
                pl.len().alias("items"),
                pl.col("members").first(),
                pl.struct("_cell", "score").hash().sum().alias("sheet"),
            )
            .filter(pl.col("items") >= self["min_items"])
            .collect()
        )
        # the member pairs tested: each member with its committee's other members, each pair once
        tested = float(((sheets["members"] - 1) / 2).sum()) if sheets.height else 0.0
        cut = self["alpha"] / max(tested, 1.0)  # Bonferroni over the member pairs tested
        twins = sheets.filter(pl.len().over("sheet", "items") >= 2)  # the same sheet: the same cells, one section
        if twins.height == 0:
            return empty_flags()
        # the chance of agreeing on a score: the committee's other pairs that agreed on it, smoothed
        their_cells = rows.join(twins.lazy().select("_member"), on="_member", how="semi").select("_cell").unique()
        cells = (
            rows.join(their_cells, on="_cell", how="semi")
            .group_by("_cell", "score")
            .agg(pl.len().alias("m"))
            .group_by("_cell")
            .agg((pl.col("m") * (pl.col("m") - 1) / 2).sum().alias("agreeing"), pl.col("m").sum().alias("n"))
            .with_columns(
                ((pl.col("agreeing") - 0.5) / (pl.col("n") * (pl.col("n") - 1) / 2)).alias("chance"),
                (pl.col("agreeing") == 1).alias("no_other_pair"),
            )
        )
        odds = (
            rows.join(twins.lazy().select("_member"), on="_member", how="semi")
            .join(cells, on="_cell")
            .group_by("_member")
            .agg(
                pl.col("_row").first(),
                pl.col("chance").log().sum().exp().alias("p"),
                pl.col("chance").mean().alias("mean_chance"),
                pl.col("no_other_pair").sum().alias("items_no_other_pair_agreed"),
            )
            .join(twins.lazy().select("_member", "sheet", "items"), on="_member")
            .collect()
        )
        candidates = items.named(odds, "section_id", "tender_id", "expert_id").lazy()
        per = (
            candidates.join(
                candidates.select("section_id", "sheet", "items", pl.col("expert_id").alias("expert_id_b")),
                on=["section_id", "sheet", "items"],
            )
            .filter((pl.col("expert_id") < pl.col("expert_id_b")) & (pl.col("p") < cut))
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
            threshold=cut,
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
    sits = ExpertSitsWithBidders(**thresholds.get(ExpertSitsWithBidders.id, {})).compute(snapshot)  # before the scores
    deviation = ExpertDeviation(**thresholds.get(ExpertDeviation.id, {}))
    items = deviations(snapshot, deviation["min_members"])
    return concat_flags(
        [
            deviation.compute(items),
            ExpertFavoursBidder(**thresholds.get(ExpertFavoursBidder.id, {})).compute(items, snapshot.awards),
            sits,
            ExpertsScoringAlike(**thresholds.get(ExpertsScoringAlike.id, {})).compute(items),
        ]
    )
