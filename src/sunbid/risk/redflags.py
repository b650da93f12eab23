"""Red flags on any market: OCP Cardinal's eleven indicators, with Cardinal's definitions and
defaults, and the components of Fazekas' corruption risk index (CRI).

Cardinal (open-contracting/cardinal-rs, MIT; definitions in its ``docs/cli/indicators``):
where Cardinal computes a **fence** from the data unless a threshold is set, a threshold of
``-1`` here means the same: the Tukey fence ``Q1 - 1.5·IQR`` (lower) or ``Q3 + 1.5·IQR`` (upper)
over the market's values; any other value is used as the threshold. Quartiles are linear
interpolations. Each flag's evidence holds the value, the fence or threshold, and the bids.

CRI (Fazekas, Tóth & King 2016, "An Objective Corruption Risk Index Using Public Procurement
Data", European Journal on Criminal Policy and Research 22): each component is 1 (risky),
0 or null (not computable) per process; the CRI is the mean of the computable components, and
a process is flagged when it is at least ``threshold`` over at least ``min_components``
components. The components' own rows are in the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import polars as pl

from sunbid.risk.indicators import Indicator, Severity, concat_flags, empty_flags, repeated_keys
from sunbid.risk.market import Market

CARDINAL = "OCP Cardinal (open-contracting/cardinal-rs) indicator definitions"
FAZEKAS = "Fazekas M., Tóth I.J., King L.P. (2016), An Objective Corruption Risk Index Using Public Procurement Data"
TOTH = "Tóth B., Fazekas M., Czibik Á., Tóth I.J. (2015), Toolkit for detecting collusive bidding in public procurement"
EC_FRAUD = "European Commission (2017), Fraud in Public Procurement: a collection of red flags and best practices"
IACRC = "IACRC, Guide to Combating Corruption & Fraud in Development Projects"
DAY_US = 86_400_000_000


def days(end: str, start: str) -> pl.Expr:
    return (pl.col(end) - pl.col(start)).dt.total_microseconds() / DAY_US


def fences(values: pl.Series) -> tuple[float | None, float | None]:
    """Tukey's lower and upper fences of a series (None when empty)."""
    v = values.drop_nulls()
    if v.len() == 0:
        return None, None
    q1, q3 = v.quantile(0.25, "linear"), v.quantile(0.75, "linear")
    assert q1 is not None and q3 is not None
    iqr = q3 - q1
    return q1 - 1.5 * iqr, q3 + 1.5 * iqr


class RedFlag(Indicator):
    family = "red_flag"

    def compute(self, market: Market) -> pl.DataFrame:
        raise NotImplementedError

    @property
    def relative(self) -> Severity | None:
        """A flag against the data's own fence marks a market outlier: low severity, since every
        market has tails. A set threshold keeps the indicator's severity."""
        return Severity.LOW if "threshold" in self.thresholds and self["threshold"] == -1 else None

    def cut(self, values: pl.Series, side: str) -> float | None:
        """The threshold in force: the set one, or the data's fence when it is -1."""
        t = self["threshold"]
        if t != -1:
            return t
        lower, upper = fences(values)
        return lower if side == "lower" else upper


def _active_single_winner(market: Market) -> pl.DataFrame:
    """Processes whose active awards name exactly one supplier, not a consortium: (process, winner)."""
    return (
        market.awards.filter(pl.col("status") == "active")
        .explode("supplier_ids")
        .group_by("process_id")
        .agg(pl.col("supplier_ids").drop_nulls().unique().alias("suppliers"), pl.len().alias("n"))
        .filter(pl.col("suppliers").list.len() == 1)
        .select("process_id", pl.col("suppliers").list.first().alias("winner_id"))
    )


def _winner_gap(market: Market) -> pl.DataFrame:
    """(2nd-lowest valid bid - winning bid) / winning bid, where the winner bid the lowest price
    (Cardinal's exclusions for R024 and R058: pending or several active awards, consortia, a
    winner that is not the lowest). Among equal lowest prices the winner counts as the lowest."""
    ok = (pl.col("status") == "valid") & pl.col("amount").is_not_null() & ~pl.col("consortium").fill_null(False)
    if market.winner_basis == "awards":
        won = _active_single_winner(market)
    else:
        won = market.bids.filter(ok & pl.col("winner")).select("process_id", pl.col("bidder_id").alias("winner_id"))
    # The lowest bid of each process and the next one, from one sort on the process's integer
    # code; among equal prices the winner comes first (it is then the lowest bidder).
    code = pl.col("p")
    nxt = pl.when(code.shift(-1) == code)
    ranked = (
        pl.concat([market.bids, market.codes], how="horizontal")
        .lazy()
        .filter(ok)
        .select("process_id", "bidder_id", "amount", "p", (~pl.col("winner").fill_null(False)).alias("_loser"))
        .sort("p", "amount", "_loser")
        .select(
            "process_id",
            pl.col("amount").alias("lowest"),
            pl.col("bidder_id").alias("lowest_bidder"),
            nxt.then(pl.col("amount").shift(-1)).alias("second"),
            nxt.then(pl.col("bidder_id").shift(-1)).alias("second_bidder"),
            (code.ne_missing(code.shift(1)) | (pl.int_range(pl.len()) == 0)).alias("_first"),
        )
        .filter("_first")
        .drop("_first")
        .collect()
    )
    return (
        ranked.join(won, on="process_id")
        .filter(
            (pl.col("lowest_bidder") == pl.col("winner_id")) & pl.col("second").is_not_null() & (pl.col("lowest") > 0)
        )
        .with_columns(((pl.col("second") - pl.col("lowest")) / pl.col("lowest")).alias("ratio"))
    )


class R003(RedFlag):
    id = "R003"
    title_zh = "投标期过短"
    title_en = "Short submission period"
    basis = f"{CARDINAL}; {FAZEKAS}"
    definition = "Whole days from tenderPeriod.startDate to endDate below `threshold` (procedures of any method)."
    defaults: ClassVar[Mapping[str, float]] = {"threshold": 15.0}

    def compute(self, market: Market) -> pl.DataFrame:
        p = market.processes.with_columns(days("tender_end", "tender_start").floor().alias("period_days")).filter(
            pl.col("period_days") < self["threshold"]
        )
        return self.flags(
            p,
            subject_type="process",
            subjects=pl.concat_list("process_id"),
            tender=pl.col("process_id"),
            value=pl.col("period_days"),
            threshold=self["threshold"],
            evidence=pl.struct(
                "process_id",
                pl.col("tender_start").dt.to_string("%Y-%m-%d"),
                pl.col("tender_end").dt.to_string("%Y-%m-%d"),
                "period_days",
                "method",
            ),
        )


class R018(RedFlag):
    id = "R018"
    title_zh = "单一投标"
    title_en = "Single bid received"
    basis = f"{CARDINAL}; {FAZEKAS}"
    definition = "numberOfTenderers (or the distinct bidders) equals 1 in an open or selective procedure."
    severity = Severity.MEDIUM

    def compute(self, market: Market) -> pl.DataFrame:
        p = market.processes.filter(
            (pl.col("number_of_tenderers") == 1) & pl.col("method").is_in(["open", "selective"])
        )
        return self.flags(
            p,
            subject_type="process",
            subjects=pl.concat_list("process_id"),
            tender=pl.col("process_id"),
            value=pl.col("number_of_tenderers"),
            evidence=pl.struct("process_id", "method", "number_of_tenderers"),
        )


class R024(RedFlag):
    id = "R024"
    title_zh = "次低价与中标价异常接近"
    title_en = "Price close to winning bid"
    basis = f"{CARDINAL}; {TOTH}; {EC_FRAUD}"
    definition = (
        "(2nd-lowest valid bid - winning bid) / winning bid at or below `threshold`, or the lower Tukey fence of "
        "the market's ratios when `threshold` = -1. Only processes won by the lowest bid of one non-consortium supplier."
    )
    defaults: ClassVar[Mapping[str, float]] = {"threshold": -1.0}

    def compute(self, market: Market, gap: pl.DataFrame | None = None) -> pl.DataFrame:
        g = _winner_gap(market) if gap is None else gap
        cut = self.cut(g["ratio"], "lower")
        if cut is None:
            return empty_flags()
        return _gap_flags(self, g.filter(pl.col("ratio") <= cut), cut, market.winner_basis)


class R058(RedFlag):
    id = "R058"
    title_zh = "中标价大幅低于次低价"
    title_en = "Heavily discounted bid"
    basis = f"{CARDINAL}; {EC_FRAUD}; Fazekas & Tóth (Swedish cartel study)"
    definition = (
        "(2nd-lowest valid bid - winning bid) / winning bid at or above `threshold`, or the upper Tukey fence when -1."
    )
    defaults: ClassVar[Mapping[str, float]] = {"threshold": -1.0}

    def compute(self, market: Market, gap: pl.DataFrame | None = None) -> pl.DataFrame:
        g = _winner_gap(market) if gap is None else gap
        cut = self.cut(g["ratio"], "upper")
        if cut is None:
            return empty_flags()
        return _gap_flags(self, g.filter(pl.col("ratio") >= cut), cut, market.winner_basis)


def _gap_flags(ind: RedFlag, rows: pl.DataFrame, cut: float, basis: str) -> pl.DataFrame:
    return ind.flags(
        rows,
        severity=ind.relative,
        subject_type="process",
        subjects=pl.concat_list("process_id"),
        tender=pl.col("process_id"),
        value=pl.col("ratio"),
        threshold=cut,
        evidence=pl.struct(
            "process_id",
            pl.col("winner_id"),
            pl.col("lowest").alias("winning_bid"),
            pl.col("second_bidder"),
            pl.col("second").alias("second_bid"),
            pl.col("ratio").round(6),
            pl.lit(cut).alias("cut"),
            pl.lit(basis).alias("winner_basis"),
        ),
    )


class R025(RedFlag):
    id = "R025"
    title_zh = "投标人未中标比例异常（常败投标人）"
    title_en = "Excessive unsuccessful bids"
    basis = f"{CARDINAL}; {TOTH}"
    definition = (
        "Among the top tenderers (valid bids at or above the `percentile` of valid-bid counts), wins / valid bids at "
        "or below `threshold`, or the lower Tukey fence of their ratios when -1."
    )
    defaults: ClassVar[Mapping[str, float]] = {"threshold": -1.0, "percentile": 75.0}

    def compute(self, market: Market) -> pl.DataFrame:
        per = (
            pl.concat([market.bids, market.codes], how="horizontal")
            .filter(pl.col("status") == "valid")
            .group_by("o")  # the bidder's integer code
            .agg(
                pl.col("bidder_id").first(),
                pl.col("p").n_unique().alias("valid_bids"),
                pl.col("winner").sum().alias("wins"),
            )
            .drop("o")
            .drop_nulls("bidder_id")
        )
        if per.height == 0:
            return empty_flags()
        floor = per["valid_bids"].quantile(self["percentile"] / 100, "linear")
        top = per.filter(pl.col("valid_bids") >= (floor or 0)).with_columns(
            (pl.col("wins") / pl.col("valid_bids")).alias("ratio")
        )
        cut = self.cut(top["ratio"], "lower")
        if cut is None:
            return empty_flags()
        rows = top.filter(pl.col("ratio") <= cut)
        return self.flags(
            rows,
            severity=self.relative,
            subject_type="bidder",
            subjects=pl.concat_list("bidder_id"),
            value=pl.col("ratio"),
            threshold=cut,
            evidence=pl.struct(
                "bidder_id", "valid_bids", "wins", pl.col("ratio").round(4), pl.lit(floor).alias("top_floor")
            ),
        )


class R028(RedFlag):
    id = "R028"
    title_zh = "不同投标人报价完全相同"
    title_en = "Identical bid prices"
    basis = f"{CARDINAL}; Fazekas & Tóth (Swedish cartel study)"
    definition = "Different tenderers of one process submitted the same amount in the same currency."
    severity = Severity.HIGH

    def compute(self, market: Market) -> pl.DataFrame:
        rows = market.bids.filter(pl.col("amount").is_not_null() & (pl.col("status") != "withdrawn")).with_columns(
            pl.struct("process_id", "currency", "amount").hash().alias("_k")
        )
        twice = repeated_keys(rows["_k"])
        same = (
            rows.filter(pl.col("_k").is_in(twice.implode()))
            .group_by("process_id", "currency", "amount")
            .agg(pl.col("bidder_id").unique().sort().alias("bidders"), pl.col("bid_id").unique().sort().alias("bids"))
            .filter(pl.col("bidders").list.len() >= 2)
        )
        return self.flags(
            same,
            subject_type="bids",
            subjects=pl.col("bids"),
            tender=pl.col("process_id"),
            value=pl.col("amount"),
            evidence=pl.struct("process_id", "amount", "currency", "bidders", "bids"),
        )


class R030(RedFlag):
    id = "R030"
    title_zh = "逾期投标中标"
    title_en = "Late bid won"
    basis = f"{CARDINAL}; {EC_FRAUD}"
    definition = "A valid bid dated after tenderPeriod.endDate whose tenderer is an active award's supplier."
    severity = Severity.HIGH

    def compute(self, market: Market) -> pl.DataFrame:
        won = market.bids.filter((pl.col("status") == "valid") & pl.col("winner") & pl.col("date").is_not_null())
        late = won.join(market.processes.select("process_id", "tender_end"), on="process_id").filter(
            pl.col("date") > pl.col("tender_end")
        )
        return self.flags(
            late,
            subject_type="bids",
            subjects=pl.concat_list("bid_id"),
            tender=pl.col("process_id"),
            value=days("date", "tender_end"),
            evidence=pl.struct(
                "process_id",
                "bid_id",
                "bidder_id",
                pl.col("date").dt.to_string("%Y-%m-%dT%H:%M:%SZ").alias("bid_date"),
                pl.col("tender_end").dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
            ),
        )


class R035(RedFlag):
    id = "R035"
    title_zh = "除中标人外其余投标均被否决"
    title_en = "All except winning bid disqualified"
    basis = f"{CARDINAL}; {FAZEKAS}; {TOTH}"
    definition = (
        "Exactly one tenderer has valid bids, it is the supplier of every active award, and at least `threshold` "
        "other tenderers are disqualified."
    )
    defaults: ClassVar[Mapping[str, float]] = {"threshold": 1.0}

    def compute(self, market: Market) -> pl.DataFrame:
        if market.awards.filter(pl.col("status") == "active").height == 0:
            return empty_flags()  # no award, no winner whose rivals were disqualified
        per = market.bids.group_by("process_id").agg(
            pl.col("bidder_id").filter(pl.col("status") == "valid").unique().alias("valid"),
            pl.col("bidder_id").filter(pl.col("status") == "disqualified").unique().alias("disqualified"),
        )
        won = (
            market.awards.filter(pl.col("status") == "active")
            .explode("supplier_ids")
            .group_by("process_id")
            .agg(pl.col("supplier_ids").drop_nulls().unique().alias("suppliers"))
        )
        rows = per.join(won, on="process_id").filter(
            (pl.col("valid").list.len() == 1)
            & (pl.col("suppliers").list.len() == 1)
            & (pl.col("valid").list.first() == pl.col("suppliers").list.first())
            & (pl.col("disqualified").list.len() >= self["threshold"])
        )
        return self.flags(
            rows,
            subject_type="process",
            subjects=pl.concat_list("process_id"),
            tender=pl.col("process_id"),
            value=pl.col("disqualified").list.len(),
            threshold=self["threshold"],
            evidence=pl.struct("process_id", pl.col("valid").list.first().alias("winner_id"), "disqualified"),
        )


class R036(RedFlag):
    id = "R036"
    title_zh = "最低报价投标被否决"
    title_en = "Lowest bid disqualified"
    basis = f"{CARDINAL}; {EC_FRAUD}"
    definition = "An active award exists and the lowest submitted bid is disqualified (processes awarded on price only, or of unknown criteria)."
    severity = Severity.MEDIUM

    def compute(self, market: Market) -> pl.DataFrame:
        awarded = market.awards.filter(pl.col("status") == "active").select("process_id").unique()
        if awarded.height == 0:
            return empty_flags()
        price_only = market.processes.filter(
            pl.col("award_criteria").is_null() | (pl.col("award_criteria") == "priceOnly")
        ).select("process_id")
        lowest = (
            market.bids.filter(pl.col("amount").is_not_null() & pl.col("status").is_in(["valid", "disqualified"]))
            .sort("process_id", "amount")
            .group_by("process_id", maintain_order=True)
            .agg(
                pl.col("status").first(),
                pl.col("bid_id").first(),
                pl.col("bidder_id").first(),
                pl.col("amount").first(),
            )
            .join(awarded, on="process_id", how="semi")
            .join(price_only, on="process_id", how="semi")
            .filter(pl.col("status") == "disqualified")
        )
        return self.flags(
            lowest,
            subject_type="bids",
            subjects=pl.concat_list("bid_id"),
            tender=pl.col("process_id"),
            value=pl.col("amount"),
            evidence=pl.struct("process_id", "bid_id", "bidder_id", "amount"),
        )


class R038(RedFlag):
    id = "R038"
    title_zh = "否决投标比例过高"
    title_en = "Excessive disqualified bids"
    basis = f"{CARDINAL}; {IACRC}"
    definition = (
        "Per buyer, procuring entity and tenderer: disqualified / submitted bids (over processes with at least "
        "`minimum_submitted_bids`, and subjects with at least `minimum_contracting_processes`) at or above "
        "`threshold`, or the upper Tukey fence when -1."
    )
    defaults: ClassVar[Mapping[str, float]] = {
        "threshold": -1.0,
        "minimum_submitted_bids": 2.0,
        "minimum_contracting_processes": 2.0,
    }

    def compute(self, market: Market) -> pl.DataFrame:
        # On the integer codes of the process (p) and bidder (o); buyers and entities joined only if known.
        b = (
            pl.concat([market.bids, market.codes], how="horizontal")
            .filter(pl.col("status").is_in(["valid", "disqualified", "pending"]))
            .filter(pl.len().over("p") >= self["minimum_submitted_bids"])
        )
        keys = [("o", "bidder")]
        buyers = market.processes.select("process_id", "buyer_id", "procuring_entity_id")
        if buyers.select(pl.col("buyer_id", "procuring_entity_id").is_not_null().any()).row(0) != (False, False):
            b = b.join(buyers, on="process_id", how="left")
            keys = [("buyer_id", "buyer"), ("procuring_entity_id", "procuring_entity"), *keys]
        parts = []
        for group, kind in keys:
            key = "bidder_id" if group == "o" else group
            per = (
                b.drop_nulls(key)
                .group_by(group)
                .agg(
                    *([pl.col(key).first()] if group != key else []),
                    pl.len().alias("submitted"),
                    (pl.col("status") == "disqualified").sum().alias("disqualified"),
                    pl.col("p").n_unique().alias("processes"),
                )
                .select(pl.exclude("o"))
                .filter(pl.col("processes") >= self["minimum_contracting_processes"])
                .with_columns((pl.col("disqualified") / pl.col("submitted")).alias("ratio"))
            )
            cut = self.cut(per["ratio"], "upper")
            if cut is None:
                continue
            rows = per.filter((pl.col("ratio") >= cut) & (pl.col("disqualified") > 0))
            parts.append(
                self.flags(
                    rows,
                    severity=self.relative,
                    subject_type=kind,
                    subjects=pl.concat_list(key),
                    value=pl.col("ratio"),
                    threshold=cut,
                    evidence=pl.struct(
                        pl.col(key).alias("id"), "submitted", "disqualified", "processes", pl.col("ratio").round(4)
                    ),
                )
            )
        return concat_flags(parts)


class R048(RedFlag):
    id = "R048"
    title_zh = "中标人经营范围异常分散"
    title_en = "Heterogeneous supplier"
    basis = f"{CARDINAL}; OCP/IA COVID supplier corruption risk index"
    definition = (
        "Per supplier: distinct first `digits` digits of the classification of processes it was awarded, at or "
        "above `threshold`, or the upper Tukey fence over suppliers with at least `minimum_contracting_processes` when -1."
    )
    defaults: ClassVar[Mapping[str, float]] = {"threshold": -1.0, "digits": 2.0, "minimum_contracting_processes": 20.0}

    def compute(self, market: Market) -> pl.DataFrame:
        won = (
            market.awards.filter(pl.col("status") == "active")
            .explode("supplier_ids")
            .drop_nulls("supplier_ids")
            .join(market.processes.select("process_id", "classification"), on="process_id")
            .drop_nulls("classification")
        )
        per = won.group_by("supplier_ids").agg(
            pl.col("classification").str.slice(0, int(self["digits"])).n_unique().alias("classes"),
            pl.col("process_id").n_unique().alias("processes"),
        )
        population = per.filter(pl.col("processes") >= self["minimum_contracting_processes"])
        cut = self.cut(population["classes"].cast(pl.Float64), "upper")
        if cut is None:
            return empty_flags()
        rows = per.filter(pl.col("classes") >= cut)
        return self.flags(
            rows,
            severity=self.relative,
            subject_type="bidder",
            subjects=pl.concat_list("supplier_ids"),
            value=pl.col("classes"),
            threshold=cut,
            evidence=pl.struct(pl.col("supplier_ids").alias("supplier_id"), "classes", "processes"),
        )


CARDINAL_FLAGS: tuple[type[RedFlag], ...] = (R003, R018, R024, R025, R028, R030, R035, R036, R038, R048, R058)


# ---------------------------------------------------------------------------- Fazekas' CRI
class CriComponent(Indicator):
    family = "cri"
    basis = FAZEKAS

    def component(self, p: pl.DataFrame) -> pl.Expr:
        raise NotImplementedError


class CriSingleBid(CriComponent):
    id = "CRI-SINGLE"
    title_zh = "单一投标（CRI 组成项）"
    title_en = "Single bidding (CRI component)"
    definition = "1 when a competitive (open or selective) process received one bid, 0 with more, null when unknown."

    def component(self, p: pl.DataFrame) -> pl.Expr:
        n = pl.col("number_of_tenderers")
        return pl.when(pl.col("method").is_in(["open", "selective"]) & n.is_not_null()).then((n == 1).cast(pl.Int8))


class CriAdvertisement(CriComponent):
    id = "CRI-PERIOD"
    title_zh = "投标期过短或过长（CRI 组成项）"
    title_en = "Short or long advertisement period (CRI component)"
    definition = (
        "Days from tenderPeriod.startDate to endDate: 1 below `short_days` or above `long_days` (each -1: the "
        "market's lower or upper Tukey fence)."
    )
    defaults: ClassVar[Mapping[str, float]] = {"short_days": -1.0, "long_days": -1.0}

    def component(self, p: pl.DataFrame) -> pl.Expr:
        d = p.select(days("tender_end", "tender_start")).to_series()
        low, high = fences(d)
        short = self["short_days"] if self["short_days"] != -1 else low
        long = self["long_days"] if self["long_days"] != -1 else high
        x = days("tender_end", "tender_start")
        if short is None or long is None:
            return pl.lit(None, dtype=pl.Int8)
        return pl.when(x.is_not_null()).then(((x < short) | (x > long)).cast(pl.Int8))


class CriNonPrice(CriComponent):
    id = "CRI-NONPRICE"
    title_zh = "非价格评审因素权重过高（CRI 组成项）"
    title_en = "High weight of non-price criteria (CRI component)"
    definition = (
        "1 when the non-price share of the points is at least `max_non_price`; where the share is unknown, "
        "1 for awardCriteria qualityOnly, 0 for priceOnly, null otherwise."
    )
    defaults: ClassVar[Mapping[str, float]] = {"max_non_price": 0.5}

    def component(self, p: pl.DataFrame) -> pl.Expr:
        w, c = pl.col("non_price_weight"), pl.col("award_criteria")
        return (
            pl.when(w.is_not_null())
            .then((w >= self["max_non_price"]).cast(pl.Int8))
            .when(c == "qualityOnly")
            .then(pl.lit(1, pl.Int8))
            .when(c == "priceOnly")
            .then(pl.lit(0, pl.Int8))
        )


class CriModified(CriComponent):
    id = "CRI-MODIFIED"
    title_zh = "招标公告或文件被修改（CRI 组成项）"
    title_en = "Call for tenders modified (CRI component)"
    definition = "1 when the tender has amendments (or the deadline moved), 0 without, null when unknown."

    def component(self, p: pl.DataFrame) -> pl.Expr:
        return pl.when(pl.col("tender_amendments").is_not_null()).then((pl.col("tender_amendments") > 0).cast(pl.Int8))


class CriRelaunched(CriComponent):
    id = "CRI-RELAUNCHED"
    title_zh = "流标后重新招标（CRI 组成项）"
    title_en = "Annulled procedure relaunched (CRI component)"
    definition = "1 when the process replaces an unsuccessful one (relatedProcesses, or the platform's re-tender), 0 otherwise, null when unknown."

    def component(self, p: pl.DataFrame) -> pl.Expr:
        return pl.col("relaunched").cast(pl.Int8)


class CriDecisionPeriod(CriComponent):
    id = "CRI-DECISION"
    title_zh = "评标定标期过短或过长（CRI 组成项）"
    title_en = "Short or long decision period (CRI component)"
    definition = "Days from the bid deadline to the award: 1 below `short_days` or above `long_days` (each -1: the market's Tukey fences)."
    defaults: ClassVar[Mapping[str, float]] = {"short_days": -1.0, "long_days": -1.0}

    def component(self, p: pl.DataFrame) -> pl.Expr:
        d = p.select(days("award_date", "tender_end")).to_series()
        low, high = fences(d)
        short = self["short_days"] if self["short_days"] != -1 else low
        long = self["long_days"] if self["long_days"] != -1 else high
        x = days("award_date", "tender_end")
        if short is None or long is None:
            return pl.lit(None, dtype=pl.Int8)
        return pl.when(x.is_not_null()).then(((x < short) | (x > long)).cast(pl.Int8))


class CriContractChange(CriComponent):
    id = "CRI-CONTRACT"
    title_zh = "合同变更（CRI 组成项）"
    title_en = "Contract modified (CRI component)"
    definition = (
        "1 when a contract has amendments, or its value grew by more than `max_value_increase`, or it was extended; "
        "0 when a contract exists without these; null without a contract."
    )
    defaults: ClassVar[Mapping[str, float]] = {"max_value_increase": 0.1}

    def component(self, p: pl.DataFrame) -> pl.Expr:
        a, v, e = pl.col("contract_amendments"), pl.col("contract_value_change"), pl.col("contract_extension_days")
        known = a.is_not_null() | v.is_not_null() | e.is_not_null()
        risky = (a.fill_null(0) > 0) | (v.fill_null(0) > self["max_value_increase"]) | (e.fill_null(0) > 0)
        return pl.when(known).then(risky.cast(pl.Int8))


CRI_COMPONENTS: tuple[type[CriComponent], ...] = (
    CriSingleBid,
    CriAdvertisement,
    CriNonPrice,
    CriModified,
    CriRelaunched,
    CriDecisionPeriod,
    CriContractChange,
)


class CorruptionRiskIndex(Indicator):
    id = "CRI"
    family = "cri"
    title_zh = "腐败风险指数（Fazekas CRI）偏高"
    title_en = "High corruption risk index (Fazekas CRI)"
    basis = FAZEKAS
    definition = (
        "The mean of the computable CRI components (CRI-*) of a process; flagged at or above `threshold` when at "
        "least `min_components` components are computable."
    )
    defaults: ClassVar[Mapping[str, float]] = {"threshold": 0.5, "min_components": 3.0}

    def table(self, market: Market, **thresholds: dict[str, float]) -> pl.DataFrame:
        p = market.processes
        cols = [cls(**thresholds.get(cls.id, {})).component(p).alias(cls.id) for cls in CRI_COMPONENTS]
        ids = [cls.id for cls in CRI_COMPONENTS]
        return p.select("process_id", *cols).with_columns(
            pl.sum_horizontal(pl.col(ids).is_not_null()).alias("components"),
            pl.mean_horizontal(pl.col(ids).cast(pl.Float64)).alias("cri"),
        )

    def compute(self, market: Market, **thresholds: dict[str, float]) -> pl.DataFrame:
        t = self.table(market, **thresholds).filter(
            (pl.col("components") >= self["min_components"]) & (pl.col("cri") >= self["threshold"])
        )
        ids = [cls.id for cls in CRI_COMPONENTS]
        return self.flags(
            t,
            subject_type="process",
            subjects=pl.concat_list("process_id"),
            tender=pl.col("process_id"),
            value=pl.col("cri"),
            threshold=self["threshold"],
            evidence=pl.struct("process_id", pl.col("cri").round(3), "components", *[pl.col(i) for i in ids]),
        )


def red_flags(market: Market, **thresholds: dict[str, float]) -> pl.DataFrame:
    gap = _winner_gap(market)  # R024 and R058 read the same gaps
    parts = []
    for cls in CARDINAL_FLAGS:
        flag = cls(**thresholds.get(cls.id, {}))
        parts.append(flag.compute(market, gap) if isinstance(flag, R024 | R058) else flag.compute(market))
    parts.append(CorruptionRiskIndex(**thresholds.get("CRI", {})).compute(market, **thresholds))
    return concat_flags(parts)
