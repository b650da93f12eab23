"""The risk engine's columnar snapshot of the platform's own data (Arrow tables, as Polars frames).

The risk room defines the tables and their columns here; ``sunbid.storage.risk_snapshot`` fills
them from the database (the room may not import storage), and tests or other platforms may
build them directly. Every column is named and typed in ``SCHEMAS``; :meth:`Snapshot.build`
checks the frames, adds missing optional columns as nulls, and refuses a table that lacks a
required one. Amounts are Float64 yuan: analytics, not bookkeeping (the domain keeps Decimal).

| table | one row per | what it holds |
|---|---|---|
| ``tenders`` | tender | category, sector, method, status, the tender's dates, the qualification requirements, how often the deadline moved and whether it is a re-tender |
| ``sections`` | section (标段) | estimated and maximum price, deposit, bids at the deadline, failed |
| ``bids`` | bid | section, bidder, status, the price read from the decrypted bid form, invalidity, the project manager and contact named in the form, the submission time, the winner (from ``awards``; null until evaluation) |
| ``evidence`` | fact of a submission | ``(bid_id, section_id, bidder_org_id, kind, value)``: what a submission shares with others (``EvidenceKind``) |
| ``files`` | file of a bid | name, SHA-256, size, author, creating software (bids.files) |
| ``deposits`` | deposit | section, bidder, kind, amount, the payer's account |
| ``organisations`` | organisation | name, credit code, legal representative |
| ``relations`` | control relation | parent, child, kind (控股, 管理) |
| ``documents`` | tender document | version, file, SHA-256 and, for text documents, the text |
| ``bid_texts`` | text of a bid | the decrypted text files of opened bids, for document similarity |
| ``awards`` | award | the winning bid of each section whose award is decided |
| ``scores`` | member's score | one committee member's points for one bid on one subjective factor, with the factor's maximum, once the evaluation is concluded (a replaced member's void scores left out, 条例 第四十八条) |
| ``sittings`` | committee seat | who sat on the committee of a section: the expert (or the tenderer's representative), how the seat was filled, whether the member was replaced |
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cached_property

import polars as pl

from sunbid.kernel.errors import DomainError
from sunbid.risk.indicators import repeated_keys

UTC_TIME = pl.Datetime("us", "UTC")


class EvidenceKind(StrEnum):
    """What a bid submission reveals that, shared with another bidder's, is a collusion signal."""

    ADDRESS = "address"  # the client's network address as the platform saw it
    DEVICE_MAC = "device_mac"  # the network card the bid tool reported
    MACHINE_ID = "machine_id"  # the operating system's machine id
    HARDWARE_ID = "hardware_id"  # any other hardware id the tool reported (disk, CPU, board, lock)
    SIGNER_CERTIFICATE = "signer_certificate"  # SHA-256 of the signing certificate
    ENCRYPTION_CERTIFICATE = "encryption_certificate"  # SHA-256 of the encryption certificate (加密锁)
    FILE_AUTHOR = "file_author"
    FILE_CREATOR = "file_creator"  # the creating software, as the file records it
    FILE_SHA256 = "file_sha256"
    PROJECT_MANAGER = "project_manager"  # named in the bid form (项目负责人)
    CONTACT = "contact"  # the bid's contact person (联系人)
    PAYER_ACCOUNT = "payer_account"  # the account the deposit came from


SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "tenders": {
        "tender_id": pl.String(),
        "code": pl.String(),
        "title": pl.String(),
        "category": pl.String(),
        "sector": pl.String(),
        "method": pl.String(),
        "status": pl.String(),
        "tenderer_org_id": pl.String(),
        "agency_org_id": pl.String(),
        "currency": pl.String(),
        "estimated_price": pl.Float64(),  # the sum of the sections' estimates
        "announced_at": UTC_TIME,
        "doc_issue_start": UTC_TIME,
        "bid_deadline": UTC_TIME,
        "opened_at": UTC_TIME,
        "awarded_at": UTC_TIME,  # null until evaluation records the award
        "retender_of": pl.String(),
        "deadline_moves": pl.Int64(),  # clarifications that moved the deadline
        "clarifications": pl.Int64(),
        "qualification_requirements": pl.String(),
    },
    "sections": {
        "section_id": pl.String(),
        "tender_id": pl.String(),
        "number": pl.Int64(),
        "estimated_price": pl.Float64(),
        "max_bid_price": pl.Float64(),
        "bid_deposit": pl.Float64(),
        "bids_at_deadline": pl.Int64(),
        "failed": pl.Boolean(),
    },
    "bids": {
        "bid_id": pl.String(),
        "tender_id": pl.String(),
        "section_id": pl.String(),
        "bidder_org_id": pl.String(),
        "status": pl.String(),
        "amount": pl.Float64(),  # the price of the decrypted bid form; null while sealed or if unreadable
        "amount_text": pl.String(),  # the price as the form gave it
        "invalid": pl.Boolean(),  # marked invalid at the opening (条例 第三十四条、第三十七条 …)
        "project_manager": pl.String(),
        "contact": pl.String(),
        "submitted_at": UTC_TIME,
        "winner": pl.Boolean(),  # from awards; null until evaluation exists
    },
    "evidence": {
        "bid_id": pl.String(),
        "tender_id": pl.String(),
        "section_id": pl.String(),
        "bidder_org_id": pl.String(),
        "kind": pl.String(),
        "value": pl.String(),  # normalised when the snapshot is built (``normalise_evidence``)
        "key": pl.UInt64(),  # hash of (section, kind, value), added when the snapshot is built
        "vkey": pl.UInt64(),  # hash of (kind, value), added when the snapshot is built
    },
    "files": {
        "bid_id": pl.String(),
        "name": pl.String(),
        "part": pl.String(),
        "sha256": pl.String(),
        "size": pl.Int64(),
        "author": pl.String(),
        "creator": pl.String(),
    },
    "deposits": {
        "tender_id": pl.String(),
        "section_id": pl.String(),
        "bidder_org_id": pl.String(),
        "kind": pl.String(),
        "amount": pl.Float64(),
        "status": pl.String(),
        "payer_account_name": pl.String(),
        "payer_account_number": pl.String(),
        "payer_bank": pl.String(),
    },
    "organisations": {
        "org_id": pl.String(),
        "name": pl.String(),
        "credit_code": pl.String(),
        "legal_representative": pl.String(),
        "address": pl.String(),
    },
    "relations": {
        "parent_org_id": pl.String(),
        "child_org_id": pl.String(),
        "kind": pl.String(),
    },
    "documents": {
        "document_id": pl.String(),
        "tender_id": pl.String(),
        "version": pl.Int64(),
        "filename": pl.String(),
        "media_type": pl.String(),
        "sha256": pl.String(),
        "text": pl.String(),
    },
    "bid_texts": {
        "bid_id": pl.String(),
        "name": pl.String(),
        "text": pl.String(),
    },
    "awards": {
        "tender_id": pl.String(),
        "section_id": pl.String(),
        "bid_id": pl.String(),
        "bidder_org_id": pl.String(),
        "amount": pl.Float64(),
        "awarded_at": UTC_TIME,
    },
    "scores": {
        "tender_id": pl.String(),
        "section_id": pl.String(),
        "bid_id": pl.String(),
        "bidder_org_id": pl.String(),
        "expert_id": pl.String(),  # the expert, or the user id of a tenderer's representative
        "member_kind": pl.String(),  # expert or representative
        "criterion": pl.String(),
        "score": pl.Float64(),
        "max_score": pl.Float64(),  # the factor's points as the tender declared them; null if unknown
    },
    "sittings": {
        "tender_id": pl.String(),
        "section_id": pl.String(),
        "expert_id": pl.String(),
        "member_kind": pl.String(),  # expert or representative
        "status": pl.String(),  # active, replaced (a reserve who never sat is not a sitting)
        "remote": pl.Boolean(),  # from another city's pool (远程异地评标)
        "sat_at": UTC_TIME,  # when the evaluation started
    },
}

#: Columns a table must have; the others are filled with nulls when absent.
REQUIRED: dict[str, tuple[str, ...]] = {
    "tenders": ("tender_id",),
    "sections": ("section_id", "tender_id"),
    "bids": ("bid_id", "tender_id", "section_id", "bidder_org_id"),
    "evidence": ("bid_id", "section_id", "bidder_org_id", "kind", "value"),
    "files": ("bid_id",),
    "deposits": ("section_id", "bidder_org_id"),
    "organisations": ("org_id",),
    "relations": ("parent_org_id", "child_org_id"),
    "documents": ("tender_id",),
    "bid_texts": ("bid_id", "text"),
    "awards": ("section_id", "bid_id"),
    "scores": ("section_id", "bid_id", "expert_id", "criterion", "score"),
    "sittings": ("section_id", "expert_id"),
}


def conform(name: str, frame: pl.DataFrame | None) -> pl.DataFrame:
    """``frame`` in the table's schema: required columns checked, missing optional ones null,
    every column cast to its type, extra columns dropped."""
    schema = SCHEMAS[name]
    if frame is None:
        return pl.DataFrame(schema=schema)
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise DomainError(
            "risk_snapshot_columns_missing",
            f"快照表 {name} 缺少列：{', '.join(missing)}",
            f"The snapshot table {name} lacks the column(s): {', '.join(missing)}",
        )
    try:
        return frame.select(
            (pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype).alias(c) for c, dtype in schema.items()
        )
    except pl.exceptions.PolarsError as exc:
        raise DomainError(
            "risk_snapshot_types_invalid",
            f"快照表 {name} 的列类型不正确：{exc}",
            f"The snapshot table {name} has a column of the wrong type: {exc}",
        ) from exc


#: Values a tool writes when it knows nothing: never evidence.
PLACEHOLDERS = ("", "unknown", "none", "null", "n/a", "na", "-", "0", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff")


def normalise_evidence(evidence: pl.DataFrame) -> pl.DataFrame:
    """Evidence as the signals compare it, done once when the snapshot is built (the ingest):
    values trimmed, in lower case and without inner spaces; empty and placeholder values
    dropped; ``key``, a 64-bit hash of (section, kind, value), added for the duplicate search, and
    ``vkey``, of (kind, value), for counting a value's bidders across the market."""
    value = pl.col("value").str.strip_chars().str.to_lowercase()
    value = pl.when(value.str.contains(r"\s")).then(value.str.replace_all(r"\s+", "")).otherwise(value)
    return (
        evidence.with_columns(value.alias("value"))
        .filter(pl.col("value").is_not_null() & ~pl.col("value").is_in(PLACEHOLDERS))
        .with_columns(
            pl.struct("section_id", "kind", "value").hash().alias("key"),
            pl.struct("kind", "value").hash().alias("vkey"),
        )
    )


@dataclass(frozen=True)
class Snapshot:
    """The platform's data as the risk engine reads it: one Polars frame per table."""

    tenders: pl.DataFrame
    sections: pl.DataFrame
    bids: pl.DataFrame
    evidence: pl.DataFrame
    files: pl.DataFrame
    deposits: pl.DataFrame
    organisations: pl.DataFrame
    relations: pl.DataFrame
    documents: pl.DataFrame
    bid_texts: pl.DataFrame
    awards: pl.DataFrame
    scores: pl.DataFrame
    sittings: pl.DataFrame

    @classmethod
    def build(cls, **tables: pl.DataFrame | None) -> Snapshot:
        unknown = sorted(set(tables) - set(SCHEMAS))
        if unknown:
            raise DomainError(
                "risk_snapshot_table_unknown",
                f"快照没有这些表：{', '.join(unknown)}",
                f"The snapshot has no table(s) {', '.join(unknown)}",
            )
        conformed = {f.name: conform(f.name, tables.get(f.name)) for f in fields(cls)}
        conformed["evidence"] = normalise_evidence(conformed["evidence"])
        return cls(**conformed)

    @cached_property
    def shared_rows(self) -> pl.DataFrame:
        """The evidence rows whose (section, kind, value) occurs more than once."""
        return self.evidence.filter(pl.col("key").is_in(self.shared_keys.implode()))

    @cached_property
    def shared_keys(self) -> pl.Series:
        """The evidence keys that occur more than once: values two bids of one section share.

        One sort of the 64-bit keys and a comparison of neighbours (no hash table over every row).
        """
        return repeated_keys(self.evidence["key"])

    @cached_property
    def value_bidders(self) -> pl.DataFrame:
        """For each (kind, value) of the shared rows: how many different bidders hold it across
        the whole snapshot (``market_bidders``), and its ``vkey``. One pass over the evidence for
        every signal that sets common values aside."""
        values = self.shared_rows["vkey"].unique()
        return (
            self.evidence.lazy()
            .filter(pl.col("vkey").is_in(values.implode()))
            .group_by("kind", "value")
            .agg(pl.col("vkey").first(), pl.col("bidder_org_id").n_unique().alias("market_bidders"))
            .collect()
        )

    def tables(self) -> dict[str, pl.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def write(self, directory: str) -> None:
        """Write every table as an Arrow IPC file ``NAME.arrow`` (for Spark, DuckDB or later scans)."""
        from pathlib import Path

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables().items():
            frame.write_ipc(out / f"{name}.arrow")

    @classmethod
    def read(cls, directory: str) -> Snapshot:
        from pathlib import Path

        base = Path(directory)
        return cls.build(**{n: pl.read_ipc(base / f"{n}.arrow") for n in SCHEMAS if (base / f"{n}.arrow").exists()})

    def priced_bids(self) -> pl.DataFrame:
        """The bids the price indicators read: opened, priced and not invalid, with the winner
        from ``awards`` where evaluation has recorded one."""
        bids = self.bids.filter(pl.col("amount").is_not_null())
        if self.awards.height:
            won = self.awards.select("bid_id", pl.lit(True).alias("_won"))
            bids = bids.join(won, on="bid_id", how="left").with_columns(pl.col("_won").fill_null(False).alias("winner"))
            bids = bids.drop("_won")
        return bids
