"""Co-bidding networks (抱团投标、轮流中标、陪标专业户、标王): who bids with whom, and who wins.

Everything reads a :class:`~sunbid.risk.market.Market`: its bids with their process, bidder,
amount, status and (actual or presumed) winner. Expected values come from each bidder's own
number of bids, so a bidder who bids everywhere is not "unusual" for meeting everyone.

* **Pairs (NET-PAIR).** Within a market segment (the process category), ``T`` processes, bidder
  ``a`` in ``n_a`` of them, ``b`` in ``n_b``, both in ``c``. Under independent participation
  ``c`` is hypergeometric: ``P(C ≥ c) = Σ_{k≥c} C(n_a,k)·C(T-n_a,n_b-k) / C(T,n_b)``. A pair is
  flagged when ``c ≥ min_together`` and the tail probability is below ``alpha`` divided by the
  number of pairs tested (Bonferroni), so a market of random bidders yields no flag by chance.
  The pairs of each process are laid out on integer codes (process, bidder, segment), one
  64-bit (or 32-bit) key per pair, and one sort of the keys counts them all.
* **Groups (NET-GROUP).** The graph whose edges are the flagged pairs and the bidder pairs of
  every statutory shared-evidence flag; its connected components of at least ``min_members``
  bidders (networkx on the aggregated edge list, not on the rows).
* **Rotation (NET-ROTATION).** In a group, the processes where at least two members bid: when
  members win at least ``group_win_share`` of them, at least ``min_winners`` different members
  win, no member wins more than ``max_member_share`` of them, and there are at least
  ``min_processes``, the wins rotate. The evidence lists the processes in date order with the
  winner and the losing members' bids above it (cover bids), and the median gap between the
  winner and the next bid.
* **Habitual losers (NET-LOSER, 陪标专业户).** A bidder with at least ``min_bids`` valid bids
  and no win, when ``P(no win) = Π (1 - 1/k_i)`` over its processes (``k_i`` valid bids) is
  below ``alpha``, and whose mean rank percentile (0 lowest price, 1 highest) is at least
  ``min_rank``: it loses more than chance allows, from the top of the price range.
* **Abnormal winners (NET-WINNER, 标王).** A bidder with at least ``min_wins`` wins and a win
  rate of at least ``min_rate``, when the Poisson tail ``P(W ≥ w)`` with ``λ = Σ 1/k_i`` is
  below ``alpha`` divided by the number of bidders tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any, ClassVar

import networkx as nx
import numpy as np
import numpy.typing as npt
import polars as pl

from sunbid.kernel.errors import DomainError
from sunbid.risk.indicators import Indicator, Severity, concat_flags, empty_flags, repeated_keys
from sunbid.risk.market import Market

PRACTICE = "发改法规规〔2022〕1117号（十一）：加强对“陪标专业户”、关联关系、抱团投标、“标王”等异常情况的监测"
ART_39 = "《招标投标法实施条例》第三十九条（投标人之间协商投标报价、约定中标人等）"
TOTH = "Tóth B., Fazekas M., Czibik Á., Tóth I.J. (2015), Toolkit for detecting collusive bidding in public procurement"
FloatArray = npt.NDArray[np.float64]


def _log_factorials(n: int) -> FloatArray:
    return np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=np.float64)))))


def hypergeometric_tail(total: npt.ArrayLike, na: npt.ArrayLike, nb: npt.ArrayLike, c: npt.ArrayLike) -> FloatArray:
    """``P(C ≥ c)`` for ``C ~ Hypergeometric(total, na, nb)``, vectorised over pairs."""
    t, a, b, k0 = (np.asarray(v, dtype=np.int64) for v in (total, na, nb, c))
    if t.size == 0:
        return np.zeros(0)
    lf = _log_factorials(int(t.max()))

    def lchoose(n: npt.NDArray[np.int64], k: npt.NDArray[np.int64]) -> FloatArray:
        ok = (k >= 0) & (k <= n)
        kk, nn = np.clip(k, 0, None), np.clip(n, 0, None)
        out = lf[nn] - lf[np.clip(kk, 0, nn)] - lf[np.clip(nn - kk, 0, None)]
        return np.where(ok, out, -np.inf)

    top = np.minimum(a, b)
    span = int((top - k0).clip(min=0).max()) + 1 if top.size else 1
    denom = lchoose(t, b)
    total_p = np.zeros(t.size)
    for d in range(min(span, 400)):  # the terms fall fast; 400 is far past any that matters
        k = k0 + d
        live = k <= top
        if not live.any():
            break
        term = np.exp(lchoose(a, k) + lchoose(t - a, b - k) - denom)
        total_p += np.where(live, term, 0.0)
    return np.clip(total_p, 0.0, 1.0)


def poisson_tail(lam: npt.ArrayLike, w: npt.ArrayLike) -> FloatArray:
    """``P(W ≥ w)`` for ``W ~ Poisson(lam)``, vectorised: 1 - Σ_{j<w} e^-λ λ^j / j!."""
    lam_a, w_a = np.asarray(lam, dtype=np.float64), np.asarray(w, dtype=np.int64)
    if lam_a.size == 0:
        return np.zeros(0)
    below = np.zeros(lam_a.size)
    term = np.exp(-lam_a)
    for j in range(int(w_a.max()) if w_a.size else 0):
        below += np.where(j < w_a, term, 0.0)
        term = term * lam_a / (j + 1)
    return np.clip(1.0 - below, 0.0, 1.0)


def participation(market: Market) -> pl.DataFrame:
    """One row per (process, bidder) with a bid: segment, rank percentile, winner, amount, date,
    and the process and bidder as integer codes (``p``, ``o``) for the pair counts.

    The ranks come from one sort of the bids by process and price (tied prices share their
    average rank); a (process, bidder) is aggregated only when the bidder bid more than once
    there, which one sort of the 64-bit (process, bidder) codes finds."""
    valid = (pl.col("status") == "valid") & pl.col("amount").is_not_null()
    p, x = pl.col("p"), pl.col("_x")
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    new_process = p.ne_missing(p.shift(1)) | (row == 0)
    new_price = new_process | x.ne_missing(x.shift(1))
    last_price = p.ne_missing(p.shift(-1)) | x.ne_missing(x.shift(-1)) | (row == pl.len() - 1)
    start = pl.when(new_process).then(row).forward_fill()
    rows = (
        pl.concat([market.bids, market.codes], how="horizontal")
        .lazy()
        .filter(pl.col("bidder_id").is_not_null() & (pl.col("status") != "withdrawn"))
        .select("process_id", "bidder_id", "winner", pl.when(valid).then(pl.col("amount")).alias("_x"), "p", "o")
        .sort("p", "_x", nulls_last=True)
        .with_columns(
            start.alias("_start"),  # the process's first row
            pl.when(new_price).then(row).forward_fill().alias("_first"),  # the first and last row of the price
            pl.when(last_price).then(row).backward_fill().alias("_last"),
        )
        .with_columns(
            pl.when(x.is_not_null())
            .then((pl.col("_first") + pl.col("_last")) / 2 - pl.col("_start") + 1)
            .alias("_rank"),
            x.count().over("p").alias("valid_bids"),
        )
        .with_columns(((pl.col("_rank") - 1) / (pl.col("valid_bids") - 1)).alias("rank_pct"))
        .select("process_id", "bidder_id", "p", "o", "winner", "_x", "rank_pct", "valid_bids")
        .collect()
    )
    # A bidder with two bids in one process: its rows are aggregated; every other row is its own group.
    key = rows["p"].cast(pl.UInt64) * (1 << 32) + rows["o"].cast(pl.UInt64)
    repeated = key.is_in(repeated_keys(key).implode())
    twice, single = rows.filter(repeated), rows.filter(~repeated)
    per = single.select(
        "process_id",
        "bidder_id",
        "p",
        "o",
        pl.col("winner").fill_null(False).alias("won"),
        pl.col("_x").alias("amount"),
        "rank_pct",
        "valid_bids",
    )
    if twice.height:
        grouped = twice.group_by("process_id", "bidder_id").agg(
            pl.col("p").first(),
            pl.col("o").first(),
            pl.col("winner").any().fill_null(False).alias("won"),
            pl.col("_x").min().alias("amount"),
            pl.col("rank_pct").min(),
            pl.col("valid_bids").first(),
        )
        per = pl.concat([per, grouped.select(per.columns)])
    segment = market.processes.select(
        "process_id",
        pl.col("category").fill_null("all").alias("segment"),
        pl.coalesce("award_date", "tender_end").alias("when"),
        "tender_id",
    ).unique("process_id", keep="first", maintain_order=True)
    return per.join(segment, on="process_id", how="left").select(
        "process_id",
        "bidder_id",
        pl.col("segment").fill_null("all"),
        "when",
        "tender_id",
        "won",
        "amount",
        "rank_pct",
        "valid_bids",
        "p",
        "o",
    )


PAIR_BLOCK = 1 << 20  # pairs laid out at once: the temporaries stay small enough to be reused


def _pair_keys(
    seg_bidder: npt.NDArray[np.int64], p: npt.NDArray[np.int64], o: npt.NDArray[np.int64], width: int
) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Rows grouped by process: every pair of rows of one process as the key
    ``(segment·width + o_1)·width + o_2`` with ``o_1 < o_2`` (``seg_bidder = segment·width + o``),
    and the row of each pair's first member. The keys are 32-bit when they fit.

    Each row is paired with the rows after it in its process: the pairs are laid out with
    ``np.repeat``, a block of whole processes at a time (about ``PAIR_BLOCK`` pairs: small
    temporaries, reused rather than mapped afresh), not a loop over rows.
    """
    n = p.size
    dtype = np.uint32 if (int(seg_bidder.max()) + 1 if n else 1) * width < 2**32 else np.uint64
    if n == 0:
        return np.zeros(0, dtype), np.zeros(0, np.int64)
    start = np.flatnonzero(np.concatenate(([True], p[1:] != p[:-1])))
    size = np.diff(np.append(start, n))
    after = np.repeat(start + size, size) - 1 - np.arange(n)  # the rows after each row in its process
    ends = np.cumsum(after)
    keys = np.empty(int(ends[-1]), dtype=dtype)
    rows = np.empty(keys.size, dtype=np.int64)
    coded, segment = o.astype(dtype), ((seg_bidder - o) * width).astype(dtype)
    # Block edges at process starts, about PAIR_BLOCK pairs apart.
    edges = np.unique(np.append(start[np.searchsorted(ends[start], np.arange(0, keys.size, PAIR_BLOCK))], n))
    lo = 0
    for a, b in pairwise(edges.tolist()):
        count = after[a:b]
        first = np.repeat(np.arange(a, b), count)
        hi = lo + first.size
        second = first + 1 + np.arange(first.size) - np.repeat(np.cumsum(count) - count, count)
        x, y = coded[first], coded[second]
        keys[lo:hi] = segment[first] + np.minimum(x, y) * dtype(width) + np.maximum(x, y)
        rows[lo:hi] = first
        lo = hi
    return keys, rows


class UnusualPairs(Indicator):
    id = "NET-PAIR"
    family = "network"
    title_zh = "投标人两两共同投标次数异常（抱团投标）"
    title_en = "Pairs of bidders who bid together unusually often"
    basis = f"{PRACTICE}；{ART_39}；{TOTH}"
    definition = (
        "Within a segment (category) of T processes, a pair that bid together in c processes when its members "
        "bid in n_a and n_b: flagged when c ≥ `min_together` and the hypergeometric tail P(C ≥ c) is below "
        "`alpha` / (pairs tested)."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_together": 4.0, "alpha": 0.01}

    def pairs(self, part: pl.DataFrame) -> pl.DataFrame:
        """Every pair that met in at least ``min_together`` processes, with its tail probability.

        On the integer codes of ``participation``: the rows of bidders seen at least
        ``min_together`` times in a segment (no other can form a flagged pair), sorted by
        process; each pair of rows of one process is one 64-bit key (segment, bidder, bidder),
        and one sort of the keys counts every pair (no hash table over millions of pairs).
        """
        least = self["min_together"]
        seg_codes = part.select(pl.col("segment").cast(pl.Categorical).to_physical().alias("s"))["s"]
        frame = part.select("p", "o").with_columns(seg_codes).sort("p")
        s_, p_, o_ = (frame[c].to_numpy().astype(np.int64) for c in ("s", "p", "o"))
        width = int(o_.max()) + 1 if o_.size else 1
        segments = int(s_.max()) + 1 if s_.size else 1
        if segments * width * width >= 2**63:
            raise DomainError(
                "risk_network_too_large",
                "投标人过多，无法编码投标人两两组合",
                "Too many bidders to code every pair of bidders",
            )
        # Bids per (segment, bidder) and processes per segment (each row is one process and bidder).
        seg_bidder = s_ * width + o_
        n = np.bincount(seg_bidder, minlength=segments * width)
        first_row = np.concatenate(([True], p_[1:] != p_[:-1])) if p_.size else np.zeros(0, dtype=bool)
        processes = np.bincount(s_[first_row], minlength=segments)
        busy = n[seg_bidder] >= least  # bidders seen fewer times cannot form a flagged pair
        keys, first_row = _pair_keys(seg_bidder[busy], p_[busy], o_[busy], width)
        ordered = pl.Series(keys).sort().to_numpy()
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1]))) if ordered.size else ordered
        together = np.diff(np.append(starts, ordered.size))
        tested = starts.size
        big = together >= least
        k = ordered[starts[big]].astype(np.uint64)
        w = np.uint64(width)
        a, b = (k // w).astype(np.int64), (k % w).astype(np.int64)  # (segment, bidder) codes of both
        seg_of = a // width
        found = pl.DataFrame(
            {
                "k": k,
                "together": together[big].astype(np.uint32),
                "T": processes[seg_of].astype(np.uint32),
                "s": seg_of.astype(np.uint32),
                "o": (a % width).astype(np.uint32),
                "n_a": n[a].astype(np.uint32),
                "o_b": b.astype(np.uint32),
                "n_b": n[seg_of * width + b].astype(np.uint32),
            }
        )
        if found.height:
            names = (
                part.filter(pl.col("o").is_in(pl.concat([found["o"], found["o_b"]]).implode()))
                .select("o", "bidder_id")
                .unique("o")
            )
            segments_named = part.select(seg_codes, "segment").unique("s")
            found = (
                found.join(segments_named, on="s")
                .join(names, on="o")
                .join(names.rename({"o": "o_b", "bidder_id": "bidder_id_b"}), on="o_b")
            )
        else:
            found = found.with_columns(
                pl.lit(None, dtype=pl.String).alias("segment"),
                pl.lit(None, dtype=pl.String).alias("bidder_id"),
                pl.lit(None, dtype=pl.String).alias("bidder_id_b"),
            )
        found = found.select("k", "together", "T", "segment", "bidder_id", "n_a", "bidder_id_b", "n_b", "o", "o_b", "s")
        p = hypergeometric_tail(found["T"], found["n_a"], found["n_b"], found["together"])
        cut = self["alpha"] / max(1, int(tested))
        found = found.with_columns(
            pl.Series("p_value", p, dtype=pl.Float64),
            (pl.col("n_a") * pl.col("n_b") / pl.col("T")).alias("expected"),
            pl.lit(cut).alias("cutoff"),
        ).filter(pl.col("p_value") < cut)
        # The processes of the flagged pairs only, for the evidence.
        where = pl.DataFrame(schema={"k": pl.UInt64, "processes": pl.List(pl.String)})
        if found.height:
            flagged = pl.Series(keys).is_in(found["k"].implode()).to_numpy()
            where = (
                pl.DataFrame({"k": keys[flagged], "p": p_[busy][first_row[flagged]].astype(np.uint32)})
                .join(part.select("p", "process_id").unique("p"), on="p")
                .group_by("k")
                .agg(pl.col("process_id").sort().alias("processes"))
            )
        swap = pl.col("bidder_id") > pl.col("bidder_id_b")
        return (
            found.join(where, on="k", how="left")
            .with_columns(
                pl.when(swap).then(pl.col("bidder_id_b")).otherwise(pl.col("bidder_id")).alias("bidder_id"),
                pl.when(swap).then(pl.col("bidder_id")).otherwise(pl.col("bidder_id_b")).alias("bidder_id_b"),
                pl.when(swap).then(pl.col("n_b")).otherwise(pl.col("n_a")).alias("n_a"),
                pl.when(swap).then(pl.col("n_a")).otherwise(pl.col("n_b")).alias("n_b"),
            )
            .drop("k", "o", "o_b", "s")
        )

    def compute(self, part: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        found = self.pairs(part)
        if found.height == 0:
            return empty_flags(), found
        flags = self.flags(
            found,
            subject_type="bidders",
            subjects=pl.concat_list("bidder_id", "bidder_id_b"),
            value=pl.col("together"),
            threshold=self["min_together"],
            evidence=pl.struct(
                pl.concat_list("bidder_id", "bidder_id_b").alias("bidders"),
                pl.col("segment"),
                pl.col("together"),
                pl.col("n_a").alias("bids_first"),
                pl.col("n_b").alias("bids_second"),
                pl.col("T").alias("processes_in_segment"),
                pl.col("expected").round(2).alias("expected_together"),
                pl.col("p_value"),
                pl.col("cutoff").alias("p_value_cutoff"),
                pl.col("processes").list.head(50).alias("processes"),
            ),
        )
        return flags, found


def groups_of(edges: pl.DataFrame, min_members: int) -> list[list[str]]:
    """Connected components with at least ``min_members`` bidders of an edge list (a, b, kind)."""
    graph: nx.Graph[str] = nx.Graph()
    graph.add_edges_from(edges.select("a", "b").unique().iter_rows())
    comps = [sorted(c) for c in nx.connected_components(graph) if len(c) >= min_members]
    return sorted(comps, key=lambda c: (-len(c), c[0]))


class LinkedGroups(Indicator):
    id = "NET-GROUP"
    family = "network"
    title_zh = "存在关联的投标人群体（共同投标异常或共享证据）"
    title_en = "Communities of linked bidders (unusual co-bidding or shared evidence)"
    basis = f"{PRACTICE}；{ART_39}"
    definition = (
        "Connected components, of at least `min_members` bidders, of the graph whose edges are the NET-PAIR pairs "
        "and the bidder pairs of every statutory shared-evidence flag."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_members": 3.0}

    def compute(self, edges: pl.DataFrame) -> tuple[pl.DataFrame, list[list[str]]]:
        comps = groups_of(edges, int(self["min_members"]))
        if not comps:
            return empty_flags(), comps
        members = pl.DataFrame({"group": list(range(len(comps))), "members": comps})
        links = (
            edges.join(members.explode("members").rename({"members": "a"}), on="a")
            .group_by("group")
            .agg(pl.struct("a", "b", "kind").unique().sort_by("a", "b", "kind").alias("links"))
        )
        frame = members.join(links, on="group", how="left")
        flags = self.flags(
            frame,
            subject_type="bidders",
            subjects=pl.col("members"),
            value=pl.col("members").list.len(),
            threshold=self["min_members"],
            evidence=pl.struct(pl.col("members"), pl.col("links").list.head(100)),
        )
        return flags, comps


class Rotation(Indicator):
    id = "NET-ROTATION"
    family = "network"
    title_zh = "关联投标人群体轮流中标（其余成员陪标）"
    title_en = "Wins rotating within a group of linked bidders, the others placing cover bids"
    basis = f"{ART_39}第（二）项、第（三）项；{TOTH}"
    definition = (
        "In a NET-GROUP group, the processes where at least two members bid: flagged when there are at least "
        "`min_processes`, members win at least `group_win_share` of them, at least `min_winners` members win, "
        "and no member wins more than `max_member_share` of them."
    )
    severity = Severity.HIGH
    defaults: ClassVar[Mapping[str, float]] = {
        "min_processes": 4.0,
        "group_win_share": 0.8,
        "min_winners": 2.0,
        "max_member_share": 0.6,
    }

    def compute(self, part: pl.DataFrame, groups: list[list[str]], winner_basis: str) -> pl.DataFrame:
        if not groups:
            return empty_flags()
        member = pl.DataFrame(
            {"group": [i for i, g in enumerate(groups) for _ in g], "bidder_id": [b for g in groups for b in g]}
        )
        rows = part.join(member, on="bidder_id")
        shared = rows.group_by("group", "process_id").agg(
            pl.len().alias("members_present"),
            pl.col("when").first(),
            pl.col("bidder_id").filter(pl.col("won")).first().alias("winner"),
            pl.col("amount").filter(pl.col("won")).first().alias("winning_amount"),
            pl.col("amount").filter(~pl.col("won")).sort().alias("member_cover_bids"),
        )
        shared = shared.filter(pl.col("members_present") >= 2)
        # The next bid above the winner, whoever placed it, for the cover-bid gap (of those processes only).
        nxt = (
            part.lazy()
            .join(shared.lazy().select("process_id").unique(), on="process_id", how="semi")
            .filter(pl.col("amount").is_not_null())
            .sort("process_id", "amount")
            .group_by("process_id", maintain_order=True)
            .agg(pl.col("amount").get(1, null_on_oob=True).alias("second"), pl.col("amount").first().alias("first"))
            .collect()
        )
        shared = shared.join(nxt, on="process_id", how="left").with_columns(
            ((pl.col("second") - pl.col("first")) / pl.col("first")).alias("gap")
        )
        per = (
            shared.sort("when", "process_id")
            .group_by("group")
            .agg(
                pl.len().alias("processes"),
                pl.col("winner").is_not_null().sum().alias("group_wins"),
                pl.col("winner").drop_nulls().n_unique().alias("winners"),
                pl.col("winner").drop_nulls().value_counts(sort=True).first().struct.field("count").alias("top_wins"),
                pl.col("gap").median().alias("median_gap"),
                pl.struct(
                    "process_id",
                    pl.col("when").dt.strftime("%Y-%m-%d").alias("date"),
                    "winner",
                    "winning_amount",
                    "member_cover_bids",
                ).alias("sequence"),
            )
            .with_columns(
                (pl.col("group_wins") / pl.col("processes")).alias("win_share"),
                (pl.col("top_wins").fill_null(0) / pl.col("processes")).alias("top_share"),
            )
            .filter(
                (pl.col("processes") >= self["min_processes"])
                & (pl.col("win_share") >= self["group_win_share"])
                & (pl.col("winners") >= self["min_winners"])
                & (pl.col("top_share") <= self["max_member_share"])
            )
            .join(pl.DataFrame({"group": list(range(len(groups))), "members": groups}), on="group")
        )
        if per.height == 0:
            return empty_flags()
        return self.flags(
            per,
            subject_type="bidders",
            subjects=pl.col("members"),
            value=pl.col("win_share"),
            threshold=self["group_win_share"],
            evidence=pl.struct(
                pl.col("members"),
                pl.col("processes").alias("processes_together"),
                pl.col("group_wins"),
                pl.col("winners").alias("distinct_winners"),
                pl.col("top_share").round(3).alias("largest_member_share"),
                pl.col("median_gap").round(4).alias("median_gap_winner_to_next"),
                pl.lit(winner_basis).alias("winner_basis"),
                pl.col("sequence").list.head(60),
            ),
        )


class HabitualLosers(Indicator):
    id = "NET-LOSER"
    family = "network"
    title_zh = "陪标专业户：长期参与投标从不中标且报价居高"
    title_en = "Habitual losers (陪标专业户): many bids, no win, prices at the top"
    basis = PRACTICE
    definition = (
        "A bidder with at least `min_bids` valid bids and no win, when P(no win) = Π(1 - 1/k_i) is below `alpha` "
        "and its mean rank percentile among each process's valid bids (0 lowest, 1 highest) is at least `min_rank`."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_bids": 10.0, "alpha": 0.001, "min_rank": 0.5}

    def compute(self, part: pl.DataFrame, winner_basis: str) -> pl.DataFrame:
        per = (
            part.lazy()
            .filter(pl.col("amount").is_not_null() & (pl.col("valid_bids") >= 2))
            .group_by("o")  # the bidder's integer code: grouping on it is cheaper than on the id
            .agg(
                pl.col("bidder_id").first(),
                pl.len().alias("bids"),
                pl.col("won").sum().alias("wins"),
                (1 - 1 / pl.col("valid_bids")).log().sum().exp().alias("p_no_win"),
                pl.col("rank_pct").mean().alias("mean_rank"),
                (1 / pl.col("valid_bids")).sum().alias("expected_wins"),
            )
            .filter(
                (pl.col("bids") >= self["min_bids"])
                & (pl.col("wins") == 0)
                & (pl.col("p_no_win") < self["alpha"])
                & (pl.col("mean_rank") >= self["min_rank"])
            )
            .collect()
        )
        if per.height == 0:
            return empty_flags()
        return self.flags(
            per,
            subject_type="bidder",
            subjects=pl.concat_list("bidder_id"),
            value=pl.col("p_no_win"),
            threshold=self["alpha"],
            evidence=pl.struct(
                "bids",
                "wins",
                pl.col("expected_wins").round(2),
                "p_no_win",
                pl.col("mean_rank").round(3).alias("mean_rank_percentile"),
                pl.lit(winner_basis).alias("winner_basis"),
            ),
        )


class AbnormalWinners(Indicator):
    id = "NET-WINNER"
    family = "network"
    title_zh = "标王：中标次数显著高于其投标所能解释的水平"
    title_en = "Abnormal winners (标王): far more wins than their bids explain"
    basis = PRACTICE
    definition = (
        "A bidder with at least `min_wins` wins and a win rate of at least `min_rate`, when the Poisson tail "
        "P(W ≥ wins), λ = Σ 1/k_i over its processes, is below `alpha` / (bidders tested)."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_wins": 5.0, "min_rate": 0.5, "alpha": 0.01}

    def compute(self, part: pl.DataFrame, winner_basis: str) -> pl.DataFrame:
        per = (
            part.filter(pl.col("valid_bids") >= 2)
            .group_by("o")  # the bidder's integer code: grouping on it is cheaper than on the id
            .agg(
                pl.col("bidder_id").first(),
                pl.len().alias("bids"),
                pl.col("won").sum().alias("wins"),
                (1 / pl.col("valid_bids")).sum().alias("expected_wins"),
            )
            .with_columns((pl.col("wins") / pl.col("bids")).alias("win_rate"))
        )
        tested = per.height
        per = per.filter((pl.col("wins") >= self["min_wins"]) & (pl.col("win_rate") >= self["min_rate"]))
        if per.height == 0:
            return empty_flags()
        p = poisson_tail(per["expected_wins"].to_numpy(), per["wins"].to_numpy())
        cut = self["alpha"] / max(1, tested)
        per = per.with_columns(pl.Series("p_value", p)).filter(pl.col("p_value") < cut)
        if per.height == 0:
            return empty_flags()
        return self.flags(
            per,
            subject_type="bidder",
            subjects=pl.concat_list("bidder_id"),
            value=pl.col("win_rate"),
            threshold=self["min_rate"],
            evidence=pl.struct(
                "bids",
                "wins",
                pl.col("expected_wins").round(2),
                pl.col("win_rate").round(3),
                "p_value",
                pl.lit(cut).alias("p_value_cutoff"),
                pl.lit(winner_basis).alias("winner_basis"),
            ),
        )


def evidence_edges(statutory: pl.DataFrame) -> pl.DataFrame:
    """Bidder pairs of the statutory flags (their evidence lists the bidders)."""
    schema = {"a": pl.String, "b": pl.String, "kind": pl.String}
    rows = statutory.filter(pl.col("subject_type") == "bids")
    if rows.height == 0:
        return pl.DataFrame(schema=schema)
    bidders = rows.select(
        pl.col("indicator").alias("kind"),
        pl.col("evidence").str.json_path_match("$.bidders").str.json_decode(pl.List(pl.String)).alias("bidders"),
    ).drop_nulls()
    pairs = (
        bidders.with_row_index("f")
        .explode("bidders")
        .rename({"bidders": "a"})
        .join(bidders.with_row_index("f").explode("bidders").rename({"bidders": "b"}).drop("kind"), on="f")
        .filter(pl.col("a") < pl.col("b"))
        .select("a", "b", "kind")
    )
    return pairs.unique()


def network_indicators(
    market: Market, statutory: pl.DataFrame | None = None, **thresholds: dict[str, float]
) -> tuple[pl.DataFrame, tuple[pl.DataFrame, list[list[str]]]]:
    """Every network indicator, and the co-bidding graph's data for the report."""
    part = participation(market)
    pair_flags, pairs = UnusualPairs(**thresholds.get(UnusualPairs.id, {})).compute(part)
    edges = pairs.select(
        pl.col("bidder_id").alias("a"), pl.col("bidder_id_b").alias("b"), pl.lit("NET-PAIR").alias("kind")
    )
    if statutory is not None and statutory.height:
        edges = pl.concat([edges, evidence_edges(statutory)])
    group_flags, groups = LinkedGroups(**thresholds.get(LinkedGroups.id, {})).compute(edges)
    rotation = Rotation(**thresholds.get(Rotation.id, {})).compute(part, groups, market.winner_basis)
    losers = HabitualLosers(**thresholds.get(HabitualLosers.id, {})).compute(part, market.winner_basis)
    winners = AbnormalWinners(**thresholds.get(AbnormalWinners.id, {})).compute(part, market.winner_basis)
    return concat_flags([pair_flags, group_flags, rotation, losers, winners]), (edges, groups)
