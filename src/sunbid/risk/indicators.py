"""What every risk indicator is and what it returns: flags with evidence, and skips with reasons.

An :class:`Indicator` has an id, titles in Chinese and English, its legal basis or literature
source, a severity and settable thresholds. It computes relationally (Polars) and returns
**flags**, one row per finding, in one schema shared by every indicator (``FLAG_SCHEMA``):

| column | meaning |
|---|---|
| ``flag_id`` | stable id: the first 20 hex digits of SHA-256 over the indicator and its subjects |
| ``indicator`` | the indicator's id, e.g. ``SIG-DEVICE`` or ``R018`` |
| ``severity`` | ``high``, ``medium`` or ``low`` |
| ``subject_type`` | what the subjects are: ``bids``, ``tender``, ``bidder``, ``bidders``, ``document``, ``buyer``, ``expert`` (a committee member), ``experts`` (two members), ``expert_bidder`` (a member and a bidder) … |
| ``subject_ids`` | the ids of the subjects (bids, bidders, a tender, a document), sorted |
| ``tender_id``, ``section_id`` | where it was found, when it is about one tender (or section) |
| ``value``, ``threshold`` | the measured value and the threshold it crossed, where there is one |
| ``evidence`` | a JSON object: the shared value, the bids, the quoted clause … |
| ``basis`` | the article or the literature the indicator rests on |
| ``title_zh``, ``title_en`` | the indicator's titles |

A supervision warning is made from one flag: id, indicator, severity, subjects, evidence and
basis are all it needs (:class:`Flag`). **Skips** (``SKIP_SCHEMA``) say what could not be
computed and why, with a reason code and messages in both languages; nothing is dropped
silently.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

import polars as pl

from sunbid.kernel.errors import DomainError


class Severity(StrEnum):
    HIGH = "high"  # a statutory deemed-collusion fact or a forbidden clause: look now
    MEDIUM = "medium"  # a pattern the literature links to collusion or corruption
    LOW = "low"  # worth a look beside other signals


#: Each severity's rank by its name, 0 for the most urgent: the order of reports and worklists.
SEVERITY_RANK: dict[str, int] = {str(s): i for i, s in enumerate(Severity)}


FLAG_SCHEMA: dict[str, pl.DataType] = {
    "flag_id": pl.String(),
    "indicator": pl.String(),
    "severity": pl.String(),
    "subject_type": pl.String(),
    "subject_ids": pl.List(pl.String()),
    "tender_id": pl.String(),
    "section_id": pl.String(),
    "value": pl.Float64(),
    "threshold": pl.Float64(),
    "evidence": pl.String(),
    "basis": pl.String(),
    "title_zh": pl.String(),
    "title_en": pl.String(),
}
FLAG_COLUMNS = tuple(FLAG_SCHEMA)

SKIP_SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),  # a file, a table, an indicator
    "item_type": pl.String(),  # release, bid, tender, award, document …
    "item_id": pl.String(),
    "reason": pl.String(),
    "message_zh": pl.String(),
    "message_en": pl.String(),
    "detail": pl.String(),
}


def repeated_keys(keys: pl.Series) -> pl.Series:
    """The values of ``keys`` that occur more than once: one sort and a comparison of neighbours,
    cheaper than a hash table over every row when most values are unique."""
    ordered = keys.drop_nulls().sort()
    repeated = ordered.filter(ordered == ordered.shift(1))  # sorted: each value's repeats are neighbours
    return repeated.filter(repeated.ne_missing(repeated.shift(1)))


def empty_flags() -> pl.DataFrame:
    return pl.DataFrame(schema=FLAG_SCHEMA)


def empty_skips() -> pl.DataFrame:
    return pl.DataFrame(schema=SKIP_SCHEMA)


class Indicator:
    """A risk indicator: metadata, settable thresholds, and flags with evidence.

    Subclasses set the class attributes and implement their computation as a function of
    their inputs that returns a frame in ``FLAG_SCHEMA`` (usually through :meth:`flags`).
    """

    id: ClassVar[str]
    title_zh: ClassVar[str]
    title_en: ClassVar[str]
    basis: ClassVar[str]  # legal basis or literature source
    definition: ClassVar[str]  # what it measures and when it flags, for people
    family: ClassVar[str]  # "statutory", "red_flag", "cri", "network", "review"
    severity: ClassVar[Severity] = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {}

    def __init__(self, **thresholds: float) -> None:
        unknown = sorted(set(thresholds) - set(self.defaults))
        if unknown:
            raise DomainError(
                "risk_threshold_unknown",
                f"指标 {self.id} 没有这些阈值：{', '.join(unknown)}",
                f"Indicator {self.id} has no threshold(s) {', '.join(unknown)}",
            )
        values: dict[str, float] = {}
        for key, default in self.defaults.items():
            value = thresholds.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise DomainError(
                    "risk_threshold_invalid",
                    f"指标 {self.id} 的阈值 {key} 须为有限数字",
                    f"Threshold {key} of indicator {self.id} must be a finite number",
                )
            values[key] = float(value)
        self.thresholds: dict[str, float] = values

    def __getitem__(self, key: str) -> float:
        return self.thresholds[key]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in self.thresholds.items())})"

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The indicator's card, for docs and reports."""
        return {
            "id": cls.id,
            "family": cls.family,
            "title_zh": cls.title_zh,
            "title_en": cls.title_en,
            "severity": str(cls.severity),
            "basis": cls.basis,
            "definition": cls.definition,
            "thresholds": dict(cls.defaults),
        }

    def flags(
        self,
        frame: pl.DataFrame | pl.LazyFrame,
        *,
        subject_type: str,
        subjects: pl.Expr,
        evidence: pl.Expr,
        tender: pl.Expr | None = None,
        section: pl.Expr | None = None,
        value: pl.Expr | None = None,
        threshold: float | None = None,
        severity: Severity | None = None,
    ) -> pl.DataFrame:
        """Rows of ``frame`` as flags of this indicator.

        ``subjects`` is a list (or one) of ids; ``evidence`` a struct, encoded as JSON.
        """
        null_str = pl.lit(None, dtype=pl.String)
        out = (
            frame.lazy()
            .select(
                pl.lit(self.id).alias("indicator"),
                pl.lit(str(severity or self.severity)).alias("severity"),
                pl.lit(subject_type).alias("subject_type"),
                _as_id_list(subjects).alias("subject_ids"),
                (tender.cast(pl.String) if tender is not None else null_str).alias("tender_id"),
                (section.cast(pl.String) if section is not None else null_str).alias("section_id"),
                (value.cast(pl.Float64) if value is not None else pl.lit(None, dtype=pl.Float64)).alias("value"),
                pl.lit(threshold, dtype=pl.Float64).alias("threshold"),
                evidence.struct.json_encode().alias("evidence"),
                pl.lit(self.basis).alias("basis"),
                pl.lit(self.title_zh).alias("title_zh"),
                pl.lit(self.title_en).alias("title_en"),
            )
            .collect()
        )
        return with_flag_ids(out)


def _as_id_list(subjects: pl.Expr) -> pl.Expr:
    return subjects.cast(pl.List(pl.String)).list.sort()


def with_flag_ids(flags: pl.DataFrame) -> pl.DataFrame:
    """Give each flag its stable id (the flag frames are small: one row per finding)."""
    keys = flags.select(
        pl.concat_str(
            [
                pl.col("indicator"),
                pl.col("tender_id").fill_null(""),
                pl.col("section_id").fill_null(""),
                pl.col("subject_ids").list.join(","),
            ],
            separator="|",
        )
    ).to_series()
    sha256 = hashlib.sha256
    ids = [sha256(k).hexdigest()[:20] for k in keys.cast(pl.Binary).to_list()]  # the UTF-8 bytes
    return flags.with_columns(pl.Series("flag_id", ids, dtype=pl.String)).select(FLAG_COLUMNS)


def concat_flags(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    """The flags of every part, each flag id once (the first). Repeated ids are looked for by one
    sort of their 64-bit hashes; only when some hash repeats are the ids themselves compared."""
    frames = [p.select(FLAG_COLUMNS) for p in parts if p.height]
    if not frames:
        return empty_flags()
    flags = pl.concat(frames, how="vertical_relaxed")
    if flags.height < 2 or repeated_keys(flags["flag_id"].hash()).len() == 0:
        return flags
    return flags.unique("flag_id", keep="first", maintain_order=True)


def skips(
    source: str, item_type: str, reason: str, zh: str, en: str, items: pl.Series | list[str], detail: str = ""
) -> pl.DataFrame:
    """Skip rows for many items sharing one reason."""
    ids = items.cast(pl.String) if isinstance(items, pl.Series) else pl.Series(items, dtype=pl.String)
    n = len(ids)
    return pl.DataFrame(
        {
            "source": [source] * n,
            "item_type": [item_type] * n,
            "item_id": ids,
            "reason": [reason] * n,
            "message_zh": [zh] * n,
            "message_en": [en] * n,
            "detail": [detail] * n,
        },
        schema=SKIP_SCHEMA,
    )


def concat_skips(parts: Iterable[pl.DataFrame]) -> pl.DataFrame:
    frames = [p.select(tuple(SKIP_SCHEMA)) for p in parts if p.height]
    return pl.concat(frames, how="vertical_relaxed") if frames else empty_skips()


@dataclass(frozen=True)
class Flag:
    """One finding, as a supervision warning is made from it."""

    flag_id: str
    indicator: str
    severity: Severity
    subject_type: str
    subject_ids: tuple[str, ...]
    tender_id: str | None
    section_id: str | None
    value: float | None
    threshold: float | None
    evidence: dict[str, Any]
    basis: str
    title_zh: str
    title_en: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Flag:
        return cls(
            flag_id=str(row["flag_id"]),
            indicator=str(row["indicator"]),
            severity=Severity(row["severity"]),
            subject_type=str(row["subject_type"]),
            subject_ids=tuple(row["subject_ids"] or ()),
            tender_id=row["tender_id"],
            section_id=row["section_id"],
            value=row["value"],
            threshold=row["threshold"],
            evidence=json.loads(row["evidence"]) if row["evidence"] else {},
            basis=str(row["basis"]),
            title_zh=str(row["title_zh"]),
            title_en=str(row["title_en"]),
        )

    @staticmethod
    def all(flags: pl.DataFrame) -> list[Flag]:
        return [Flag.from_row(r) for r in flags.iter_rows(named=True)]
