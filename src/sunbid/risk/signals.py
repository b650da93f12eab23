"""Statutory deemed-collusion signals (视为串通投标, 条例 第四十条; 第三十四条) from the platform's evidence.

Each indicator reads the snapshot (``snapshot``) and flags the bids of one section (标段) that
share something they should not: a device, a network address, a certificate, a file, a file's
author, a project manager, a deposit account, a legal representative or a controlling owner;
or whose prices form a regular progression. The evidence names the bids, the bidders, the
shared value and the article.

Shared values are found relationally: the evidence rows (``bid_id, section_id, bidder_org_id,
kind, value``), normalised when the snapshot was built, whose ``(section, kind, value)`` key
occurs more than once are kept (one sort of the 64-bit keys, shared by every indicator), and
one ``group_by(section, kind, value)`` over those few rows keeps the values held by at least
two different bidders. A value that many bidders share across the
whole market (the trading centre's own network address, "Administrator" as an author, a
common office suite) is not evidence of anything: values held by more than ``market_bidders``
different bidders in the snapshot are set aside and counted in the evidence instead
(``market_bidders = 0`` never sets a value aside).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import polars as pl

from sunbid.kernel.rules import REGS
from sunbid.risk.indicators import Indicator, Severity, concat_flags, empty_flags, repeated_keys
from sunbid.risk.snapshot import EvidenceKind, Snapshot

ART_40 = f"{REGS}第四十条"


class SharedEvidence(Indicator):
    """Bids of one section from different bidders that share a value of the given kinds."""

    family = "statutory"
    kinds: ClassVar[tuple[EvidenceKind, ...]]
    article: ClassVar[str]
    defaults: ClassVar[Mapping[str, float]] = {"market_bidders": 0.0}

    def compute(self, snapshot: Snapshot, *, exclude: pl.DataFrame | None = None) -> pl.DataFrame:
        """Flags of this indicator. ``exclude``: (kind, value) pairs that are not evidence."""
        kinds = [str(k) for k in self.kinds]
        # Only values that occur twice in one section can be shared (``Snapshot.shared_keys``).
        cand = snapshot.shared_rows.lazy().filter(pl.col("kind").is_in(kinds))
        if exclude is not None and exclude.height:
            cand = cand.join(exclude.lazy(), on=["kind", "value"], how="anti")
        limit = int(self["market_bidders"])
        set_aside = 0
        if limit > 0:
            # Values held by many bidders across the market are set aside before any grouping
            # (``Snapshot.value_bidders``: each shared value's bidders, counted once per snapshot).
            common = snapshot.value_bidders.filter(pl.col("kind").is_in(kinds) & (pl.col("market_bidders") > limit))
            if common.height:
                if common["vkey"].is_duplicated().any():  # two values with one 64-bit key: compare values
                    is_common = cand.join(common.lazy().select("kind", "value"), on=["kind", "value"], how="semi")
                    aside, cand = is_common, cand.join(common.lazy(), on=["kind", "value"], how="anti")
                else:  # matched on the 64-bit key of (kind, value), then checked on the values themselves
                    marked = cand.join(
                        common.lazy().select("vkey", pl.col("kind").alias("_k"), pl.col("value").alias("_v")),
                        on="vkey",
                        how="left",
                        maintain_order="left",
                    ).with_columns(
                        ((pl.col("_k") == pl.col("kind")) & (pl.col("_v") == pl.col("value")))
                        .fill_null(False)
                        .alias("_common")
                    )
                    aside = marked.filter("_common")
                    cand = marked.filter(~pl.col("_common")).drop("_k", "_v", "_common")
                set_aside = int(aside.select(pl.struct("section_id", "kind", "value").n_unique()).collect().item())
        groups = (
            cand.group_by("section_id", "kind", "value")
            .agg(
                pl.col("tender_id").first(),
                pl.col("bid_id").unique().sort().alias("bids"),
                pl.col("bidder_org_id").unique().sort().alias("bidders"),
            )
            .filter(pl.col("bidders").list.len() >= 2)
            .collect()
        )
        if groups.height == 0:
            return empty_flags()
        per_bids = groups.group_by("section_id", "bids").agg(
            pl.col("tender_id").first(),
            pl.col("bidders").first(),
            pl.struct("kind", "value").sort_by("kind", "value").alias("shared"),
        )
        return self.flags(
            per_bids,
            subject_type="bids",
            subjects=pl.col("bids"),
            tender=pl.col("tender_id"),
            section=pl.col("section_id"),
            value=pl.col("bidders").list.len(),
            evidence=pl.struct(
                pl.lit(self.article).alias("article"),
                pl.col("shared"),
                pl.col("bids"),
                pl.col("bidders"),
                pl.lit(set_aside).alias("common_values_set_aside"),
            ),
        )


class SameDevice(SharedEvidence):
    id = "SIG-DEVICE"
    title_zh = "不同投标人使用同一设备（网卡地址、机器码或硬件标识相同）"
    title_en = "Bids of different bidders made on the same device (network card, machine id or hardware id)"
    article = f"{ART_40}第（一）项：不同投标人的投标文件由同一单位或者个人编制"
    basis = article
    definition = (
        "Bids of one section from different bidders whose bid tool reported the same network card address, "
        "machine id or other hardware id."
    )
    severity = Severity.HIGH
    kinds = (EvidenceKind.DEVICE_MAC, EvidenceKind.MACHINE_ID, EvidenceKind.HARDWARE_ID)
    defaults: ClassVar[Mapping[str, float]] = {"market_bidders": 10.0}


class SameAddress(SharedEvidence):
    id = "SIG-ADDRESS"
    title_zh = "不同投标人从同一网络地址递交投标文件"
    title_en = "Bids of different bidders submitted from the same network address"
    article = f"{ART_40}第（一）项、第（二）项（同一IP地址上传，实践中视为同一单位或个人办理投标事宜）"
    basis = article
    definition = (
        "Bids of one section from different bidders submitted from the same network address. Addresses "
        "shared by more than `market_bidders` bidders across the market (a trading centre's own network) are set aside."
    )
    severity = Severity.HIGH
    kinds = (EvidenceKind.ADDRESS,)
    defaults: ClassVar[Mapping[str, float]] = {"market_bidders": 10.0}


class SameCertificate(SharedEvidence):
    id = "SIG-CERTIFICATE"
    title_zh = "不同投标人使用同一数字证书或加密锁"
    title_en = "Bids of different bidders signed or encrypted with the same certificate (lock)"
    article = f"{ART_40}第（二）项：不同投标人委托同一单位或者个人办理投标事宜"
    basis = article
    definition = "Bids of one section from different bidders with the same signing or encryption certificate."
    severity = Severity.HIGH
    kinds = (EvidenceKind.SIGNER_CERTIFICATE, EvidenceKind.ENCRYPTION_CERTIFICATE)


class SameFileAuthor(SharedEvidence):
    id = "SIG-AUTHOR"
    title_zh = "不同投标人的投标文件作者相同"
    title_en = "Files of different bidders' bids with the same author"
    article = f"{ART_40}第（一）项：不同投标人的投标文件由同一单位或者个人编制"
    basis = article
    definition = (
        "Bids of one section from different bidders containing files whose author is the same. Authors used by "
        "more than `market_bidders` bidders across the market (defaults such as 'Administrator') are set aside."
    )
    severity = Severity.MEDIUM
    kinds = (EvidenceKind.FILE_AUTHOR,)
    defaults: ClassVar[Mapping[str, float]] = {"market_bidders": 5.0}


class SameFileCreator(SharedEvidence):
    id = "SIG-CREATOR"
    title_zh = "不同投标人的投标文件由同一不常见软件生成"
    title_en = "Files of different bidders' bids made by the same uncommon software"
    article = f"{ART_40}第（一）项（投标文件制作工具特征一致）"
    basis = article
    definition = (
        "Bids of one section from different bidders with files whose creating software (name and version, as "
        "recorded) is the same and is used by at most `market_bidders` bidders across the market."
    )
    severity = Severity.LOW
    kinds = (EvidenceKind.FILE_CREATOR,)
    defaults: ClassVar[Mapping[str, float]] = {"market_bidders": 3.0}


class IdenticalFile(SharedEvidence):
    id = "SIG-FILE-HASH"
    title_zh = "不同投标人的投标文件中含有完全相同的文件"
    title_en = "Different bidders' bids contain byte-identical files"
    article = f"{ART_40}第（四）项、第（五）项：投标文件异常一致或者相互混装"
    basis = article
    definition = (
        "Bids of one section from different bidders containing a file with the same SHA-256. Files identical "
        "to one of the tender's own documents (a form the tenderer supplied) are not evidence."
    )
    severity = Severity.HIGH
    kinds = (EvidenceKind.FILE_SHA256,)

    def compute(self, snapshot: Snapshot, *, exclude: pl.DataFrame | None = None) -> pl.DataFrame:
        own = snapshot.documents.select(
            pl.lit(str(EvidenceKind.FILE_SHA256)).alias("kind"),
            pl.col("sha256").str.to_lowercase().alias("value"),
        ).drop_nulls()
        return super().compute(snapshot, exclude=own if exclude is None else pl.concat([own, exclude]))


class SameProjectManager(SharedEvidence):
    id = "SIG-MANAGER"
    title_zh = "不同投标人的投标文件载明的项目管理成员为同一人"
    title_en = "Different bidders name the same project manager"
    article = f"{ART_40}第（三）项：不同投标人的投标文件载明的项目管理成员为同一人"
    basis = article
    definition = "Bids of one section from different bidders whose bid form names the same project manager."
    severity = Severity.HIGH
    kinds = (EvidenceKind.PROJECT_MANAGER,)


class SameContact(SharedEvidence):
    id = "SIG-CONTACT"
    title_zh = "不同投标人的联系人为同一人"
    title_en = "Different bidders give the same contact person"
    article = "《政府采购货物和服务招标投标管理办法》第三十七条第（三）项（项目管理成员或者联系人员为同一人）"
    basis = article
    definition = "Bids of one section from different bidders giving the same contact person."
    severity = Severity.MEDIUM
    kinds = (EvidenceKind.CONTACT,)


class SameDepositAccount(SharedEvidence):
    id = "SIG-DEPOSIT"
    title_zh = "不同投标人的投标保证金从同一单位或者个人的账户转出"
    title_en = "Different bidders' deposits paid from the same account"
    article = f"{ART_40}第（六）项：不同投标人的投标保证金从同一单位或者个人的账户转出"
    basis = article
    definition = "Deposits for bids of one section from different bidders paid from the same account number."
    severity = Severity.HIGH
    kinds = (EvidenceKind.PAYER_ACCOUNT,)


SHARED_EVIDENCE: tuple[type[SharedEvidence], ...] = (
    SameDevice,
    SameAddress,
    SameCertificate,
    SameFileAuthor,
    SameFileCreator,
    IdenticalFile,
    SameProjectManager,
    SameContact,
    SameDepositAccount,
)


def _by_section_price_bid(bids: pl.DataFrame) -> pl.Series:
    """The row order of ``bids`` by (section code ``_s``, amount, bid id): one sort on the numbers,
    then the bid ids compared only within the (rare) groups of equal prices in one section."""
    keys = bids.select("_s", "amount").with_row_index("_i").sort("_s", "amount")
    s, a = keys["_s"], keys["amount"]
    tied = (((s == s.shift(1)) & (a == a.shift(1))) | ((s == s.shift(-1)) & (a == a.shift(-1)))).fill_null(False)
    order = keys["_i"]
    if not tied.any():
        return order
    at = tied.arg_true()
    sub = keys[at].with_columns(bids["bid_id"].gather(order.gather(at)).alias("bid_id"))
    within = sub.with_row_index("_k").sort("_s", "amount", "bid_id")["_k"]
    return order.scatter(at, order.gather(at).gather(within))


class RegularPriceProgression(Indicator):
    """Bids of one section whose prices, sorted, rise by a constant amount or a constant ratio."""

    id = "SIG-PRICE-PATTERN"
    family = "statutory"
    title_zh = "不同投标人的投标报价呈规律性差异（等差或等比）"
    title_en = "Bid prices in a regular progression (constant difference or constant ratio)"
    basis = f"{ART_40}第（四）项：不同投标人的投标报价呈规律性差异"
    definition = (
        "Within one section, sort the priced bids: x_1 ≤ … ≤ x_n, gaps g_i = x_i - x_{i-1} and ratios "
        "r_i = x_i / x_{i-1}. A run of at least `min_bids` consecutive bids whose gaps are equal "
        "(|g_i - g_{i-1}| ≤ `absolute_tolerance` + `relative_tolerance`·x_i) or whose ratios are equal "
        "(|r_i - r_{i-1}| ≤ `relative_tolerance` + `absolute_tolerance`/x_i), with every gap larger than "
        "`absolute_tolerance` (identical prices are R028), is flagged."
    )
    severity = Severity.HIGH
    defaults: ClassVar[Mapping[str, float]] = {"min_bids": 3.0, "relative_tolerance": 1e-6, "absolute_tolerance": 0.01}

    def compute(self, snapshot: Snapshot) -> pl.DataFrame:
        return self.compute_bids(snapshot.priced_bids().filter(~pl.col("invalid").fill_null(False)))

    def compute_bids(self, bids: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
        rel, tol = self["relative_tolerance"], self["absolute_tolerance"]
        # The section as an integer code (``_s``): sorting and comparing neighbours on it is cheaper.
        x, sec = pl.col("amount"), pl.col("_s")
        same = sec == sec.shift(1)
        gap = pl.when(same).then(x - x.shift(1))
        ratio = pl.when(same).then(x / x.shift(1))
        priced = (
            bids.lazy()
            .filter(x.is_not_null() & x.is_finite() & (x > 0))
            .select("tender_id", "section_id", "bid_id", "bidder_org_id", "amount")
            .with_columns(pl.col("section_id").cast(pl.Categorical).to_physical().alias("_s"))
            .collect()
        )
        # Sorted on the numbers only (the row ``_i`` of ``priced``); the ids are read for the runs found.
        rows = (
            priced.select("_s", "amount")
            .with_row_index("_i")[_by_section_price_bid(priced)]
            .lazy()
            .with_columns(gap.alias("_g"), ratio.alias("_r"))
            .with_columns(
                (sec == sec.shift(1)).fill_null(False).alias("_same"),
            )
            .with_columns(
                (
                    pl.col("_same")
                    & (sec == sec.shift(1))
                    & (pl.col("_g") > tol)
                    & (pl.col("_g").shift(1) > tol)
                    & (
                        ((pl.col("_g") - pl.col("_g").shift(1)).abs() <= tol + rel * x)
                        | ((pl.col("_r") - pl.col("_r").shift(1)).abs() <= rel + tol / x)
                    )
                )
                .fill_null(False)
                .alias("_eq")
            )
            # A bid is in a progression if it ends, is in the middle of, or starts a regular triple.
            .with_columns(
                (pl.col("_eq") | pl.col("_eq").shift(-1).fill_null(False) | pl.col("_eq").shift(-2).fill_null(False))
                .and_(sec.is_not_null())
                .alias("_in")
            )
        )
        # Triples that start in another section cannot reach back: _eq needs _same on both gaps.
        rows = rows.with_columns(
            (pl.col("_in") & ~(pl.col("_in").shift(1).fill_null(False) & (sec == sec.shift(1)).fill_null(False)))
            .cum_sum()
            .alias("_run")
        )
        found = rows.filter(pl.col("_in")).collect()
        ids = priced.select("tender_id", "section_id", "bid_id", "bidder_org_id")[found["_i"]]
        runs = (
            pl.concat([found, ids], how="horizontal")
            .lazy()
            .group_by("_run")
            .agg(
                pl.col("tender_id").first(),
                pl.col("section_id").first(),
                pl.col("bid_id").alias("bids"),
                pl.col("bidder_org_id").alias("bidders"),
                pl.col("amount").alias("amounts"),
                pl.col("_g").slice(1).alias("gaps"),
                pl.col("_r").slice(1).alias("ratios"),
            )
            .filter(pl.col("bids").list.len() >= int(self["min_bids"]))
            .collect()
        )
        if runs.height == 0:
            return empty_flags()
        return self.flags(
            runs,
            subject_type="bids",
            subjects=pl.col("bids"),
            tender=pl.col("tender_id"),
            section=pl.col("section_id"),
            value=pl.col("bids").list.len(),
            threshold=self["min_bids"],
            evidence=pl.struct(
                pl.lit(self.basis).alias("article"),
                pl.col("bids"),
                pl.col("bidders"),
                pl.col("amounts"),
                pl.col("gaps").list.eval(pl.element().round(2)).alias("differences"),
                pl.col("ratios").list.eval(pl.element().round(6)).alias("ratios"),
            ),
        )


class SameLegalRepresentative(Indicator):
    id = "SIG-LEGAL-REP"
    family = "statutory"
    title_zh = "单位负责人为同一人的不同单位参加同一标段投标"
    title_en = "Bidders with the same legal representative in one section"
    basis = f"{REGS}第三十四条第二款：单位负责人为同一人的不同单位，不得参加同一标段投标"
    definition = "Bids of one section from different organisations whose legal representative (name, spacing ignored) is the same."
    severity = Severity.HIGH

    def compute(self, snapshot: Snapshot) -> pl.DataFrame:
        reps = (
            snapshot.organisations.lazy()
            .select(
                pl.col("org_id").alias("bidder_org_id"),
                pl.col("legal_representative").str.strip_chars().str.replace_all(r"\s+", "").alias("rep"),
            )
            .filter(pl.col("rep").is_not_null() & (pl.col("rep") != ""))
            # Only a representative of two or more organisations can be shared in a section.
            .filter(pl.col("bidder_org_id").n_unique().over("rep") >= 2)
        )
        rows = (
            snapshot.bids.lazy()
            .select("tender_id", "section_id", "bid_id", "bidder_org_id")
            .join(reps, on="bidder_org_id")
            .with_columns(pl.struct("section_id", "rep").hash().alias("_k"))
            .collect()
        )
        twice = repeated_keys(rows["_k"])
        groups = (
            rows.lazy()
            .filter(pl.col("_k").is_in(twice.implode()))
            .group_by("section_id", "rep")
            .agg(
                pl.col("tender_id").first(),
                pl.col("bid_id").unique().sort().alias("bids"),
                pl.col("bidder_org_id").unique().sort().alias("bidders"),
            )
            .filter(pl.col("bidders").list.len() >= 2)
            .collect()
        )
        if groups.height == 0:
            return empty_flags()
        return self.flags(
            groups,
            subject_type="bids",
            subjects=pl.col("bids"),
            tender=pl.col("tender_id"),
            section=pl.col("section_id"),
            value=pl.col("bidders").list.len(),
            evidence=pl.struct(
                pl.lit(self.basis).alias("article"),
                pl.col("rep").alias("legal_representative"),
                pl.col("bids"),
                pl.col("bidders"),
            ),
        )


class CommonControl(Indicator):
    id = "SIG-CONTROL"
    family = "statutory"
    title_zh = "存在控股、管理关系或受同一单位控制的不同单位参加同一标段投标"
    title_en = "Bidders in a control or management relationship, or under common control, in one section"
    basis = f"{REGS}第三十四条第二款：存在控股、管理关系的不同单位，不得参加同一标段投标"
    definition = (
        "Bids of one section from two organisations where one controls or manages the other, or both are "
        "controlled or managed by the same organisation (registered relations)."
    )
    severity = Severity.HIGH

    def compute(self, snapshot: Snapshot) -> pl.DataFrame:
        bids = snapshot.bids.lazy().select("tender_id", "section_id", "bid_id", "bidder_org_id")
        rel = snapshot.relations.lazy().select("parent_org_id", "child_org_id", "kind")
        a = bids.rename({"bid_id": "bid_a", "bidder_org_id": "org_a"})
        b = bids.select(pl.col("section_id"), pl.col("bid_id").alias("bid_b"), pl.col("bidder_org_id").alias("org_b"))
        # One bids, the other is its parent (control or management).
        direct = (
            a.join(rel, left_on="org_a", right_on="parent_org_id")
            .join(b, left_on=["section_id", "child_org_id"], right_on=["section_id", "org_b"])
            .select(
                "tender_id",
                "section_id",
                "bid_a",
                "bid_b",
                "org_a",
                pl.col("child_org_id").alias("org_b"),
                pl.col("kind"),
                pl.lit(None, dtype=pl.String).alias("common_parent"),
            )
        )
        # Both are children of the same parent.
        sib = (
            a.join(rel, left_on="org_a", right_on="child_org_id")
            .join(
                rel.rename({"child_org_id": "org_b2", "kind": "kind_b"}),
                on="parent_org_id",
            )
            .filter(pl.col("org_b2") != pl.col("org_a"))
            .join(b, left_on=["section_id", "org_b2"], right_on=["section_id", "org_b"])
            .filter(pl.col("org_a") < pl.col("org_b2"))
            .select(
                "tender_id",
                "section_id",
                "bid_a",
                "bid_b",
                "org_a",
                pl.col("org_b2").alias("org_b"),
                pl.lit("common_parent").alias("kind"),
                pl.col("parent_org_id").alias("common_parent"),
            )
        )
        pairs = pl.concat([direct, sib]).filter(pl.col("org_a") != pl.col("org_b")).collect()
        if pairs.height == 0:
            return empty_flags()
        grouped = pairs.group_by("section_id", pl.concat_list("bid_a", "bid_b").list.sort().alias("bids")).agg(
            pl.col("tender_id").first(),
            pl.concat_list("org_a", "org_b").first().list.sort().alias("bidders"),
            pl.col("kind").unique().sort().alias("relations"),
            pl.col("common_parent").drop_nulls().unique().sort().alias("common_parents"),
        )
        return self.flags(
            grouped,
            subject_type="bids",
            subjects=pl.col("bids"),
            tender=pl.col("tender_id"),
            section=pl.col("section_id"),
            evidence=pl.struct(
                pl.lit(self.basis).alias("article"),
                pl.col("bids"),
                pl.col("bidders"),
                pl.col("relations"),
                pl.col("common_parents"),
            ),
        )


def statutory_signals(snapshot: Snapshot, **thresholds: dict[str, float]) -> pl.DataFrame:
    """Every statutory signal except document similarity (``similarity``), as one flag frame.

    ``thresholds``: per indicator id, its threshold overrides.
    """
    parts = [cls(**thresholds.get(cls.id, {})).compute(snapshot) for cls in SHARED_EVIDENCE]
    parts.append(RegularPriceProgression(**thresholds.get(RegularPriceProgression.id, {})).compute(snapshot))
    parts.append(SameLegalRepresentative().compute(snapshot))
    parts.append(CommonControl().compute(snapshot))
    return concat_flags(parts)
