"""One shape for every procurement market the red flags and networks read: the platform's own
snapshot and any publisher's OCDS data both become a :class:`Market`.

| table | one row per | columns |
|---|---|---|
| ``processes`` | contracting process (an OCDS ``ocid``; on the platform, a section 标段) | ids, buyer, procuring entity, method, category, classification, currency, dates, counts of tenderers, amendments and contract changes |
| ``bids`` | bid | process, bid, bidder, amount, currency, status (``valid``, ``disqualified``, ``pending``), date, consortium, winner |
| ``awards`` | award | process, award, suppliers, status, amount, currency, date |

``winner`` on a bid is true when an active award names its bidder. Where a market has no awards
(the platform before evaluation exists) the winner is *presumed* to be the lowest valid bid of
a process, and ``winner_basis`` says so, so that the network indicators still see who would
win on price; a flag built on presumed winners says it in its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

from sunbid.risk.snapshot import UTC_TIME, Snapshot

PROCESS_SCHEMA: dict[str, pl.DataType] = {
    "process_id": pl.String(),
    "tender_id": pl.String(),
    "title": pl.String(),
    "buyer_id": pl.String(),
    "procuring_entity_id": pl.String(),
    "method": pl.String(),  # open, selective, limited, direct (OCDS method codelist)
    "method_details": pl.String(),
    "status": pl.String(),
    "category": pl.String(),  # goods, works, services
    "classification": pl.String(),  # main item classification id (e.g. CPV)
    "currency": pl.String(),
    "estimated_value": pl.Float64(),
    "tender_start": UTC_TIME,
    "tender_end": UTC_TIME,  # the bid deadline
    "award_date": UTC_TIME,
    "number_of_tenderers": pl.Int64(),
    "award_criteria": pl.String(),  # priceOnly, qualityOnly, ratedCriteria, …
    "non_price_weight": pl.Float64(),  # share of the points not given for price, where known
    "tender_amendments": pl.Int64(),
    "relaunched": pl.Boolean(),
    "contract_amendments": pl.Int64(),
    "contract_value_change": pl.Float64(),  # (final - original) / original
    "contract_extension_days": pl.Float64(),
}
BID_SCHEMA: dict[str, pl.DataType] = {
    "process_id": pl.String(),
    "bid_id": pl.String(),
    "bidder_id": pl.String(),
    "amount": pl.Float64(),
    "currency": pl.String(),
    "status": pl.String(),  # valid, disqualified, pending, withdrawn
    "date": UTC_TIME,
    "consortium": pl.Boolean(),
    "winner": pl.Boolean(),
}
AWARD_SCHEMA: dict[str, pl.DataType] = {
    "process_id": pl.String(),
    "award_id": pl.String(),
    "supplier_ids": pl.List(pl.String()),
    "status": pl.String(),  # active, pending, unsuccessful, cancelled
    "amount": pl.Float64(),
    "currency": pl.String(),
    "date": UTC_TIME,
}


def conform(frame: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if frame is None:
        return pl.DataFrame(schema=schema)
    return frame.select((pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c) for c, t in schema.items())


@dataclass(frozen=True)
class Market:
    processes: pl.DataFrame
    bids: pl.DataFrame
    awards: pl.DataFrame
    winner_basis: str  # "awards" or "lowest_price"
    source: str

    @classmethod
    def build(
        cls,
        *,
        processes: pl.DataFrame | None = None,
        bids: pl.DataFrame | None = None,
        awards: pl.DataFrame | None = None,
        source: str = "",
    ) -> Market:
        p, b, a = conform(processes, PROCESS_SCHEMA), conform(bids, BID_SCHEMA), conform(awards, AWARD_SCHEMA)
        active = a.filter(pl.col("status") == "active")
        if active.height:
            won = active.select("process_id", pl.col("supplier_ids").alias("bidder_id")).explode("bidder_id")
            won = won.unique().with_columns(pl.lit(True).alias("_won"))
            b = (
                b.drop("winner")
                .join(won, on=["process_id", "bidder_id"], how="left")
                .with_columns(pl.col("_won").fill_null(False).alias("winner"))
                .drop("_won")
                .select(tuple(BID_SCHEMA))
            )
            basis = "awards"
        else:
            b = presume_winners(b)
            basis = "lowest_price"
        return cls(p, b, a, basis, source)

    @cached_property
    def codes(self) -> pl.DataFrame:
        """The bids' process and bidder as dense 32-bit codes (``p``, ``o``; 0, 1, … in order of
        first appearance), row for row with ``bids``: sorting, grouping and counting on them is
        cheaper than on the ids. Computed once per market."""
        return self.bids.select(
            pl.col("process_id").cast(pl.Categorical).to_physical().alias("p"),
            pl.col("bidder_id").cast(pl.Categorical).to_physical().alias("o"),
        )


def presume_winners(bids: pl.DataFrame) -> pl.DataFrame:
    """``bids`` with ``winner`` true on the lowest valid priced bid of each process (ties: the
    first bid id). Ties are rare: the bid ids are compared only where two bids share the lowest price."""
    valid = (pl.col("status") == "valid") & pl.col("amount").is_not_null() & pl.col("bid_id").is_not_null()
    lowest = pl.when(valid).then(pl.col("amount")).min().over("process_id")
    # One window per step: a window over an expression holding another window is far slower.
    out = bids.with_columns((valid & (pl.col("amount") == lowest)).fill_null(False).alias("winner"))
    out = out.with_columns(pl.col("winner").sum().over("process_id").alias("_ties"))
    tied = out.filter(pl.col("winner") & (pl.col("_ties") > 1))
    if tied.height:
        first = tied.group_by("process_id").agg(pl.col("bid_id").min().alias("_first"))
        out = out.join(first, on="process_id", how="left", maintain_order="left").with_columns(
            (pl.col("winner") & (pl.col("_first").is_null() | (pl.col("bid_id") == pl.col("_first")))).alias("winner")
        )
    return out.select(tuple(BID_SCHEMA))


def from_snapshot(snapshot: Snapshot) -> Market:
    """The platform's market: one process per section, bids from the decrypted forms."""
    t = snapshot.tenders
    processes = snapshot.sections.join(t, on="tender_id", how="left", suffix="_tender").select(
        pl.col("section_id").alias("process_id"),
        pl.col("tender_id"),
        pl.col("title"),
        pl.col("tenderer_org_id").alias("buyer_id"),
        pl.coalesce("agency_org_id", "tenderer_org_id").alias("procuring_entity_id"),
        pl.col("method").replace({"invited": "selective"}),
        pl.col("method").alias("method_details"),
        pl.col("status"),
        pl.col("category"),
        pl.col("sector").alias("classification"),
        pl.col("currency").fill_null("CNY"),
        pl.col("estimated_price").alias("estimated_value"),
        pl.col("doc_issue_start").alias("tender_start"),
        pl.col("bid_deadline").alias("tender_end"),
        pl.col("awarded_at").alias("award_date"),
        pl.col("bids_at_deadline").alias("number_of_tenderers"),
        pl.col("deadline_moves").alias("tender_amendments"),
        pl.col("retender_of").is_not_null().alias("relaunched"),
    )
    bids = snapshot.bids.select(
        pl.col("section_id").alias("process_id"),
        pl.col("bid_id"),
        pl.col("bidder_org_id").alias("bidder_id"),
        pl.col("amount"),
        pl.lit("CNY").alias("currency"),
        pl.when(pl.col("invalid").fill_null(False))
        .then(pl.lit("disqualified"))
        .when(pl.col("status") == "decrypted")
        .then(pl.lit("valid"))
        .when(pl.col("status") == "sealed")
        .then(pl.lit("pending"))
        .otherwise(pl.lit("withdrawn"))
        .alias("status"),
        pl.col("submitted_at").alias("date"),
    )
    awards = snapshot.awards.select(
        pl.col("section_id").alias("process_id"),
        pl.col("bid_id").alias("award_id"),
        pl.concat_list("bidder_org_id").alias("supplier_ids"),
        pl.lit("active").alias("status"),
        pl.col("amount"),
        pl.lit("CNY").alias("currency"),
        pl.col("awarded_at").alias("date"),
    )
    return Market.build(processes=processes, bids=bids, awards=awards, source="platform")
