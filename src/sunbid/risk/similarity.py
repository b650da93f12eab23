"""Abnormally similar bid documents (投标文件异常一致, 条例 第四十条第（四）项): MinHash/LSH over shingles,
and shared unusual strings (the same typos or odd phrases in two bids).

1. **Text.** Each bid's texts are joined, and whitespace and punctuation are removed, so that a
   re-typeset copy is still a copy. At most ``MAX_CHARS`` characters of a bid are read.
2. **Shingles.** Every run of ``k`` characters (``k = 5`` by default: about two Chinese words)
   is hashed to 64 bits with a polynomial rolling hash and a 64-bit finaliser, all at once over
   the concatenated code points of every bid (numpy, no loop over bids; blocks of positions
   that stay in the CPU's cache). Shingles that occur in the tender's own documents are
   removed: every bid copies the tenderer's forms, and that is not collusion.
   Both indicators compare bids of one section from different bidders, so only the texts of a
   section where at least two bidders have texts (the *candidates*) can be in a finding: the
   filter is applied before any signature is computed (``Shingled``).
3. **MinHash.** ``m`` salted hash functions ``h_j(s) = mix(s ⊕ salt_j)``; a bid's signature is
   the minimum of each over its shingles. A block of shingles is hashed by all ``m`` functions
   at once and reduced per bid (``np.minimum.reduceat``). The share of equal signature
   positions estimates the Jaccard similarity.
4. **LSH.** The signature is cut into ``bands`` bands of ``m / bands`` rows; two bids of one
   section are candidates when any band is identical (a relational self-join on
   ``(section, band, band hash)``). Candidates whose estimated similarity is at least
   ``similarity`` are flagged (SIG-SIMILAR-TEXT).
5. **Shared unusual strings.** A shingle that occurs in exactly two bids of the whole market,
   both in one section, from different bidders, and not in the tender's documents, is a shared
   oddity: a typo or an unusual phrase that one copied from the other. Pairs sharing at least
   ``min_rare`` such shingles are flagged (SIG-SHARED-ERRORS), with the strings as evidence.
   Such a shingle occurs at least twice among the candidates' shingles: those (found by one
   sort) are the only ones whose occurrences in the whole market are counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl

from sunbid.risk.indicators import Indicator, Severity, empty_flags, repeated_keys
from sunbid.risk.signals import ART_40
from sunbid.risk.snapshot import Snapshot

MAX_CHARS = 200_000
PHRASE_CHARS = 40  # a shared string quoted in the evidence is cut to this length
U64 = np.uint64
U64Array = npt.NDArray[np.uint64]
_STRIP = r"[\s\p{P}\p{S}]+"


def _mix(h: U64Array) -> U64Array:
    """The 64-bit finaliser of MurmurHash3 (fmix64), vectorised; wraps modulo 2^64."""
    h = h ^ (h >> U64(33))
    h = h * U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> U64(33))
    h = h * U64(0xC4CEB93FE1A85EC9)
    return h ^ (h >> U64(33))


def _mix_in_place(h: U64Array, tmp: U64Array) -> None:
    """``_mix`` without temporaries (``tmp`` has the shape of ``h``)."""
    for mult in (U64(0xFF51AFD7ED558CCD), U64(0xC4CEB93FE1A85EC9), None):
        np.right_shift(h, U64(33), out=tmp)
        np.bitwise_xor(h, tmp, out=h)
        if mult is not None:
            np.multiply(h, mult, out=h)


SHINGLE_BLOCK = 1 << 15  # positions hashed at once
MINHASH_BLOCK = 1024  # shingles hashed at once by every function: a block that stays in the CPU's cache


def bid_documents(snapshot: Snapshot) -> pl.DataFrame:
    """One row per bid with text: bid, tender, section, bidder and the normalised text."""
    texts = (
        snapshot.bid_texts.lazy()
        .filter(pl.col("text").is_not_null())
        .group_by("bid_id")
        .agg(pl.col("text").sort_by("name").str.join(""))
    )
    return (
        snapshot.bids.lazy()
        .select("bid_id", "tender_id", "section_id", "bidder_org_id")
        .join(texts, on="bid_id")
        .with_columns(pl.col("text").str.replace_all(_STRIP, "").str.slice(0, MAX_CHARS))
        .filter(pl.col("text").str.len_chars() > 0)
        .sort("bid_id")
        .collect()
    )


def shingles(texts: pl.Series, k: int) -> tuple[U64Array, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Hashes of every ``k``-character shingle of every text, the text each came from, and its
    start position in that text. One pass over the concatenated code points; a NUL character
    ends a shingle as a text boundary does."""
    values = texts.to_list()
    lengths = np.fromiter((len(t) for t in values), dtype=np.int64, count=len(values))
    cps = np.frombuffer("".join(values).encode("utf-32-le"), dtype=np.uint32)
    n = cps.size
    if n < k or k < 1:
        return np.zeros(0, U64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    first = np.cumsum(lengths) - lengths
    counts = np.maximum(lengths - k + 1, 0)
    text_of = np.repeat(np.arange(lengths.size, dtype=np.int64), counts)
    position = np.arange(text_of.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    starts = first[text_of] + position
    if (cps == 0).any():  # a NUL inside a text: no shingle spans it
        nul = np.concatenate(([0], np.cumsum(cps == 0)))
        keep = nul[starts + k] == nul[starts]
        text_of, position, starts = text_of[keep], position[keep], starts[keep]
    h = np.empty(n - k + 1, dtype=U64)
    tmp = np.empty(min(SHINGLE_BLOCK, h.size), dtype=U64)
    base = U64(1_000_003)
    with np.errstate(over="ignore"):
        for a in range(0, h.size, SHINGLE_BLOCK):  # blocks of positions that stay in the CPU's cache
            b = min(a + SHINGLE_BLOCK, h.size)
            block = h[a:b]
            block[:] = cps[a:b]
            for j in range(1, k):  # k shifted views, not a loop over texts
                block *= base
                block += cps[a + j : b + j]
            _mix_in_place(block, tmp[: b - a])
    hashes = h[starts]
    return hashes, text_of, position


def minhash(hashes: U64Array, text_of: npt.NDArray[np.int64], texts: int, m: int, seed: int = 2026) -> U64Array:
    """The ``texts × m`` MinHash signatures (texts without shingles get all-ones rows).

    The shingles are taken a block at a time: each block is hashed by all ``m`` functions at
    once (a ``block × m`` matrix) and reduced per text, so the work stays in the CPU's cache."""
    sig = np.full((texts, m), np.iinfo(np.uint64).max, dtype=U64)
    if hashes.size == 0:
        return sig
    if (np.diff(text_of) < 0).any():
        order = np.argsort(text_of, kind="stable")
        hashes, text_of = hashes[order], text_of[order]
    salts = np.random.default_rng(seed).integers(1, 2**63, size=m, dtype=np.uint64)
    block = np.empty((MINHASH_BLOCK, m), dtype=U64)
    scratch = np.empty_like(block)
    with np.errstate(over="ignore"):
        for a in range(0, hashes.size, MINHASH_BLOCK):
            b = min(a + MINHASH_BLOCK, hashes.size)
            rows = text_of[a:b]
            starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
            x, tmp = block[: b - a], scratch[: b - a]
            np.bitwise_xor(hashes[a:b, None], salts[None, :], out=x)
            _mix_in_place(x, tmp)
            present = rows[starts]  # a text cut by the block's edge is combined with its other part
            sig[present] = np.minimum(sig[present], np.minimum.reduceat(x, starts, axis=0))
    return sig


class SimilarBidDocuments(Indicator):
    id = "SIG-SIMILAR-TEXT"
    family = "statutory"
    title_zh = "不同投标人的投标文件异常一致（文本近似重复）"
    title_en = "Different bidders' bid documents are abnormally similar (near-duplicate text)"
    basis = f"{ART_40}第（四）项：不同投标人的投标文件异常一致"
    definition = (
        "MinHash (`permutations` functions) over `shingle`-character shingles of each bid's text, with "
        "the tender's own documents' shingles removed; LSH in `bands` bands finds candidate pairs in one section; "
        "a pair whose estimated Jaccard similarity is at least `similarity` is flagged."
    )
    severity = Severity.HIGH
    defaults: ClassVar[Mapping[str, float]] = {"similarity": 0.6, "shingle": 5.0, "permutations": 64.0, "bands": 16.0}

    def compute(self, snapshot: Snapshot, shingled: Shingled | None = None) -> pl.DataFrame:
        return _similarity_flags(self, shingled or _bid_shingles(snapshot, int(self["shingle"])))


class SharedUnusualStrings(Indicator):
    id = "SIG-SHARED-ERRORS"
    family = "statutory"
    title_zh = "不同投标人的投标文件出现相同的异常错误或罕见表述"
    title_en = "Different bidders' bid documents share the same unusual errors or phrases"
    basis = f"{ART_40}第（四）项：不同投标人的投标文件异常一致（含相同错误）"
    definition = (
        "Shingles (`shingle` characters) that occur in exactly two bids of the whole market, both of one "
        "section and from different bidders, and not in the tender's documents. A pair sharing at least "
        "`min_rare` of them is flagged, with the shared strings."
    )
    severity = Severity.HIGH
    defaults: ClassVar[Mapping[str, float]] = {"min_rare": 12.0, "shingle": 5.0}

    def compute(self, snapshot: Snapshot, shingled: Shingled | None = None) -> pl.DataFrame:
        return _rare_flags(self, shingled or _bid_shingles(snapshot, int(self["shingle"])))


def _own_shingles(snapshot: Snapshot, k: int, tenders: pl.Series) -> pl.DataFrame:
    """(tender_id, h) of the shingles of the tender's own documents (of the given tenders)."""
    docs = snapshot.documents.filter(
        pl.col("text").is_not_null() & pl.col("tender_id").is_in(tenders.implode())
    ).with_columns(pl.col("text").str.replace_all(_STRIP, "").str.slice(0, MAX_CHARS * 5))
    if docs.height == 0:
        return pl.DataFrame(schema={"tender_id": pl.String, "h": pl.UInt64})
    h, of, _ = shingles(docs["text"], k)
    return pl.DataFrame({"tender_id": docs["tender_id"].gather(of), "h": h}).unique()


def _shingle_frame(row: npt.NDArray[np.int64], h: U64Array, pos: npt.NDArray[np.int64]) -> pl.DataFrame:
    return pl.DataFrame({"row": row.astype(np.uint32), "h": h, "pos": pos})


@dataclass(frozen=True)
class Shingled:
    """The bids with text and the shingles the two indicators read, less each tender's own.

    Both indicators compare bids of one section from different bidders, so only texts of a
    section where at least two bidders have texts can be in a finding (``candidates``):
    MinHash reads their shingles only (``pairs``). A shared unusual string is a shingle held
    by exactly two texts of the market, both candidates, so ``rare`` holds every occurrence, in
    any text, of the shingles that occur twice among the candidate texts; every other shingle
    is held by fewer texts or by texts that cannot pair. Frames: ``row`` (the text's row in ``docs``),
    ``h`` (the shingle's hash) and ``pos`` (its start in the text), in text and position order.
    """

    docs: pl.DataFrame
    pairs: pl.DataFrame
    rare: pl.DataFrame


def _bid_shingles(snapshot: Snapshot, k: int) -> Shingled:
    docs = bid_documents(snapshot)
    empty = pl.DataFrame(schema={"row": pl.UInt32, "h": pl.UInt64, "pos": pl.Int64})
    candidate = docs.select(pl.col("bidder_org_id").n_unique().over("section_id") >= 2).to_series().to_numpy()
    if docs.height < 2 or not candidate.any():
        return Shingled(docs, empty, empty)
    h, of, pos = shingles(docs["text"], k)
    in_pair = candidate[of]
    # Shingles that occur twice among the candidate texts (a superset of those two candidate texts
    # of one section share: one sort, no hash table), then every occurrence of them in the market.
    shared = repeated_keys(pl.Series(h[in_pair]))
    in_rare = pl.Series(h).is_in(shared.implode()).to_numpy()
    pairs = _shingle_frame(of[in_pair], h[in_pair], pos[in_pair])
    rare = _shingle_frame(of[in_rare], h[in_rare], pos[in_rare])
    tenders = docs["tender_id"]
    rows = pl.concat([pairs["row"], rare["row"]]).unique()
    own = _own_shingles(snapshot, k, tenders.gather(rows).unique())
    if own.height:
        pairs, rare = (_drop_own(frame, tenders, own) for frame in (pairs, rare))
    return Shingled(docs, pairs, rare)


def _drop_own(frame: pl.DataFrame, tenders: pl.Series, own: pl.DataFrame) -> pl.DataFrame:
    """The shingles that are not in their tender's own documents, in their order."""
    return (
        frame.with_columns(tenders.gather(frame["row"]).alias("tender_id"))
        .join(own, on=["tender_id", "h"], how="anti", maintain_order="left")
        .drop("tender_id")
    )


def _meta(docs: pl.DataFrame) -> pl.DataFrame:
    return docs.select("bid_id", "tender_id", "section_id", "bidder_org_id").with_row_index("row")


def _pair_meta(pairs: pl.DataFrame, docs: pl.DataFrame, a: str, b: str) -> pl.DataFrame:
    """Each pair of text rows with both bids, bidders and the first bid's tender and section."""
    meta = _meta(docs)
    left = meta.rename({"row": a, "bid_id": "bid_a", "bidder_org_id": "org_a"})
    right = meta.select(
        pl.col("row").alias(b),
        pl.col("bid_id").alias("bid_b"),
        pl.col("bidder_org_id").alias("org_b"),
        pl.col("section_id").alias("section_b"),
    )
    cast = [pl.col(a).cast(pl.UInt32), pl.col(b).cast(pl.UInt32)]
    return pairs.with_columns(cast).join(left, on=a).join(right, on=b)


def _similarity_flags(ind: SimilarBidDocuments, shingled: Shingled) -> pl.DataFrame:
    k, m, bands = int(ind["shingle"]), int(ind["permutations"]), int(ind["bands"])
    if m % bands:
        bands = max(1, m // max(1, m // bands))
    docs, sh = shingled.docs, shingled.pairs
    if docs.height < 2 or sh.height == 0:
        return empty_flags()
    # Signatures of the candidate texts only, numbered 0 … n-1 in text order.
    row = sh["row"].to_numpy().astype(np.int64)
    new_text = np.concatenate(([True], row[1:] != row[:-1]))
    texts, dense = row[new_text], np.cumsum(new_text) - 1
    sig = minhash(sh["h"].to_numpy(), dense, texts.size, m)
    rows = m // bands
    band_hash = np.zeros((texts.size, bands), dtype=U64)
    with np.errstate(over="ignore"):
        for b in range(bands):
            part = sig[:, b * rows : (b + 1) * rows]
            acc = np.zeros(texts.size, dtype=U64)
            for r in range(rows):
                acc = _mix(acc * U64(31) + part[:, r])
            band_hash[:, b] = acc
    has = sig[:, 0] != np.iinfo(np.uint64).max
    buckets = (
        pl.DataFrame(
            {
                "i": np.repeat(np.arange(texts.size), bands),
                "row": np.repeat(texts, bands),
                "band": np.tile(np.arange(bands), texts.size),
                "bh": band_hash.reshape(-1),
            }
        )
        .filter(pl.Series(np.repeat(has, bands)))
        .with_columns(pl.col("row").cast(pl.UInt32))
        .join(_meta(docs).select("row", "section_id"), on="row")
    )
    pairs = (
        buckets.join(buckets, on=["section_id", "band", "bh"], suffix="_b")
        .filter(pl.col("row") < pl.col("row_b"))
        .select("row", "row_b", "i", "i_b")
        .unique()
    )
    if pairs.height == 0:
        return empty_flags()
    left, right = pairs["i"].to_numpy(), pairs["i_b"].to_numpy()
    estimate = (sig[left] == sig[right]).mean(axis=1)
    found = (
        pairs.drop("i", "i_b")
        .with_columns(pl.Series("similarity", estimate))
        .filter(pl.col("similarity") >= ind["similarity"])
    )
    found = _pair_meta(found, docs, "row", "row_b").filter(pl.col("org_a") != pl.col("org_b"))
    if found.height == 0:
        return empty_flags()
    return ind.flags(
        found,
        subject_type="bids",
        subjects=pl.concat_list("bid_a", "bid_b"),
        tender=pl.col("tender_id"),
        section=pl.col("section_id"),
        value=pl.col("similarity"),
        threshold=ind["similarity"],
        evidence=pl.struct(
            pl.lit(ind.basis).alias("article"),
            pl.concat_list("bid_a", "bid_b").alias("bids"),
            pl.concat_list("org_a", "org_b").alias("bidders"),
            pl.col("similarity").round(3).alias("estimated_jaccard"),
            pl.lit(f"MinHash {m} functions, {bands} bands, {k}-character shingles").alias("method"),
        ),
    )


def _rare_flags(ind: SharedUnusualStrings, shingled: Shingled) -> pl.DataFrame:
    k = int(ind["shingle"])
    docs, sh = shingled.docs, shingled.rare
    if docs.height < 2 or sh.height == 0:
        return empty_flags()
    # Sorted by shingle, then text, then position: the first row of each (shingle, text) is kept,
    # and a shingle held by exactly two texts is a run of exactly two rows (comparisons of neighbours).
    h = pl.col("h")
    firsts = (
        sh.select("h", "row", "pos")
        .sort("h", "row", "pos")
        .filter((h != h.shift(1)).fill_null(True) | (pl.col("row") != pl.col("row").shift(1)).fill_null(True))
    )
    rare = (
        firsts.with_columns(pl.col("row").shift(-1).alias("b"), pl.col("h").shift(-1).alias("h_next"))
        .filter(
            (h != h.shift(1)).fill_null(True)
            & (h == pl.col("h_next")).fill_null(False)
            & (h != h.shift(-2)).fill_null(True)
        )
        .select(pl.col("row").alias("a"), "b", pl.col("pos").alias("pos_a"))
    )
    rare = _pair_meta(rare, docs, "a", "b").filter(
        (pl.col("section_id") == pl.col("section_b")) & (pl.col("org_a") != pl.col("org_b"))
    )
    pairs = (
        rare.group_by("a", "b")
        .agg(pl.len().alias("rare"), pl.col("pos_a").sort())
        .filter(pl.col("rare") >= ind["min_rare"])
    )
    if pairs.height == 0:
        return empty_flags()
    texts = docs["text"]
    examples: list[list[str]] = []
    for a, positions in zip(pairs["a"].to_list(), pairs["pos_a"].to_list(), strict=True):
        examples.append(_phrases(texts[a], positions, k))  # per flagged pair: a few strings for people
    pairs = _pair_meta(pairs.with_columns(pl.Series("strings", examples, dtype=pl.List(pl.String))), docs, "a", "b")
    return ind.flags(
        pairs,
        subject_type="bids",
        subjects=pl.concat_list("bid_a", "bid_b"),
        tender=pl.col("tender_id"),
        section=pl.col("section_id"),
        value=pl.col("rare"),
        threshold=ind["min_rare"],
        evidence=pl.struct(
            pl.lit(ind.basis).alias("article"),
            pl.concat_list("bid_a", "bid_b").alias("bids"),
            pl.concat_list("org_a", "org_b").alias("bidders"),
            pl.col("rare").alias("shared_rare_shingles"),
            pl.col("strings").alias("shared_strings"),
        ),
    )


def _phrases(text: str, positions: list[Any], k: int, limit: int = 5) -> list[str]:
    """Merge overlapping shingle positions into the strings they cover (at most ``limit``)."""
    out: list[str] = []
    start = end = -1
    for p in sorted(int(x) for x in positions):
        if p <= end:
            end = max(end, p + k)
            continue
        if start >= 0:
            out.append(text[start:end])
        start, end = p, p + k
    if start >= 0:
        out.append(text[start:end])
    out = [s if len(s) <= PHRASE_CHARS else s[:PHRASE_CHARS] + "…" for s in out]
    out.sort(key=len, reverse=True)
    return out[:limit]


def similarity_signals(snapshot: Snapshot, **thresholds: dict[str, float]) -> list[pl.DataFrame]:
    if snapshot.bid_texts.height == 0:
        return []
    similar = SimilarBidDocuments(**thresholds.get(SimilarBidDocuments.id, {}))
    rare = SharedUnusualStrings(**thresholds.get(SharedUnusualStrings.id, {}))
    shingled = _bid_shingles(snapshot, int(similar["shingle"]))
    same = int(rare["shingle"]) == int(similar["shingle"])
    return [similar.compute(snapshot, shingled), rare.compute(snapshot, shingled if same else None)]
