"""OCDS 1.1 input from any publisher: releases, compiled releases, release and record packages,
JSON or JSON Lines, streamed, checked against the official schema, and turned into a
:class:`~sunbid.risk.market.Market`.

**Streaming.** A JSON file is read with ijson, one release (``releases.item``) or record
(``records.item``) at a time; a JSON Lines file one line at a time. Neither is ever held whole
in memory, so a 2 GB file costs the rows it yields, not its size.

**What a file may hold.** A release package, a record package (each record's
``compiledRelease``, or else its embedded releases), a single release or compiled release, or
JSON Lines of any of these. Releases of one ``ocid`` are compiled relationally after reading:
for every field, the latest non-null value by release date; bids and awards by id, the latest
version of each.

**Validation.** Every release is checked against the OCDS 1.1.5 release schema with the bids
extension applied (vendored in ``ocds_schema/``, Apache-2.0, see its NOTICE), JSON Schema draft
4. Failures are counted by path and keyword (``tender/status: enum``). Most real files fail
somewhere; a failing release is still read for what it holds. ``validate_every`` checks one
release in N (1: all, 0: none) for very large files.

**Problems, never a crash and never a silent drop.** Every item set aside becomes a skip row with
a reason code and messages in Chinese and English (``REASONS``): unreadable JSON, a release
without an ocid, a duplicated release (same ocid and id, or same ocid and date: the first is
kept), a record with no usable release, a bid without a tenderer id, a bid amount missing or
not a number, mixed currencies within a process (its prices are not compared), one bid only.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import ijson
import polars as pl
from jsonschema import Draft4Validator

from sunbid.risk.indicators import SKIP_SCHEMA
from sunbid.risk.market import AWARD_SCHEMA, BID_SCHEMA, PROCESS_SCHEMA, Market

REASONS: dict[str, tuple[str, str]] = {
    "json_invalid": ("文件不是有效的 JSON，已跳过其余内容", "The file is not valid JSON; the rest of it is skipped"),
    "line_invalid": ("该行不是有效的 JSON，已跳过", "The line is not valid JSON and is skipped"),
    "not_ocds": ("内容不是 OCDS 发布、记录或数据包", "Not an OCDS release, record or package"),
    "ocid_missing": ("发布缺少 ocid，无法归入采购过程", "A release without an ocid cannot be placed in a process"),
    "duplicate_release": (
        "重复发布（ocid 与 id 相同，或 ocid 与日期相同），保留第一份",
        "Duplicated release (same ocid and id, or same ocid and date): the first is kept",
    ),
    "record_unusable": (
        "记录既无汇编发布也无完整发布（仅有链接），无法使用",
        "The record has neither a compiled release nor full releases (only links)",
    ),
    "tenderer_missing": ("投标缺少投标人编号，无法计入", "A bid without a tenderer id cannot be counted"),
    "amount_missing": (
        "投标缺少报价金额，不参与价格指标",
        "A bid without an amount is left out of the price indicators",
    ),
    "amount_not_numeric": (
        "投标报价不是数字，不参与价格指标",
        "A bid amount that is not a number is left out of the price indicators",
    ),
    "award_amount_not_numeric": (
        "授标金额不是数字，按缺失处理",
        "An award amount that is not a number is read as missing",
    ),
    "mixed_currencies": (
        "同一采购过程的投标币种不一，不比较其价格",
        "Bids of one process in different currencies: their prices are not compared",
    ),
    "single_bid": (
        "仅有一个投标，价格筛查无意义（计入单一投标红旗）",
        "One bid only: no price screens (it counts for R018)",
    ),
    "bid_status_unknown": (
        "投标状态不在代码表中，按待评审处理",
        "The bid status is not in the codelist: read as pending",
    ),
    "schema_invalid": (
        "不符合 OCDS 1.1.5 模式（仍读取可用内容）",
        "Fails the OCDS 1.1.5 schema (what is usable is still read)",
    ),
}


#: Bid statuses as publishers write them, onto the bids extension's codelist.
BID_STATUS = {
    "valid": "valid",
    "qualified": "valid",
    "active": "valid",
    "accepted": "valid",
    "disqualified": "disqualified",
    "not-qualified": "disqualified",
    "notqualified": "disqualified",
    "unsuccessful": "disqualified",
    "invalid": "disqualified",
    "rejected": "disqualified",
    "pending": "pending",
    "invited": "invited",
    "withdrawn": "withdrawn",
    "cancelled": "withdrawn",
    "deleted": "withdrawn",
}


def skip_row(source: str, item_type: str, item_id: str | None, reason: str, detail: str = "") -> dict[str, Any]:
    zh, en = REASONS[reason]
    return {
        "source": source,
        "item_type": item_type,
        "item_id": item_id,
        "reason": reason,
        "message_zh": zh,
        "message_en": en,
        "detail": detail[:500],
    }


def _merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch (how OCDS extensions patch the release schema)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out


def release_validator() -> Draft4Validator:
    base = resources.files("sunbid.risk").joinpath("ocds_schema")
    schema = json.loads(base.joinpath("release-schema-1.1.5.json").read_text(encoding="utf-8"))
    bids = json.loads(base.joinpath("bids-extension-release-schema.json").read_text(encoding="utf-8"))
    return Draft4Validator(_merge_patch(schema, bids))


def error_path(error: Any) -> str:
    """``tender/items/[]/classification/id: required`` — array indices folded."""
    parts = ["[]" if isinstance(p, int) else str(p) for p in error.absolute_path]
    where = "/".join(parts) or "(release)"
    return f"{where}: {error.validator}"


# ---------------------------------------------------------------------------- reading
def _number(value: Any) -> tuple[float | None, str | None]:
    """An amount as float, or the reason it is not one (None, None: absent)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, "amount_not_numeric"
    if isinstance(value, int | float | Decimal):
        try:
            number = float(value)
        except (OverflowError, InvalidOperation):
            return None, "amount_not_numeric"
    elif isinstance(value, str):
        try:
            number = float(value.replace(",", "").strip())
        except ValueError:
            return None, "amount_not_numeric"
    else:
        return None, "amount_not_numeric"
    return (number, None) if math.isfinite(number) else (None, "amount_not_numeric")


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(value: Any) -> str | None:
    ident = _obj(value).get("id")
    return None if ident is None or ident == "" else str(ident)


@dataclass
class Reading:
    """What the reader gathered: rows of the three tables, skips, and validation counts."""

    processes: list[dict[str, Any]] = field(default_factory=list)
    bids: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)
    skips: list[dict[str, Any]] = field(default_factory=list)
    schema_errors: Counter[str] = field(default_factory=Counter)
    files: Counter[str] = field(default_factory=Counter)  # releases read per file
    releases: int = 0
    validated: int = 0
    invalid: int = 0
    seen_ids: set[tuple[str, str]] = field(default_factory=set)
    seen_dates: set[tuple[str, str]] = field(default_factory=set)


def _release_rows(r: dict[str, Any], order: int, source: str, out: Reading) -> None:
    ocid = str(r["ocid"])
    tender = _obj(r.get("tender"))
    period = _obj(tender.get("tenderPeriod"))
    items = _list(tender.get("items"))
    first_item = _obj(items[0]) if items else {}
    buyer = _id(r.get("buyer"))
    if buyer is None:
        buyer = next((_id(p) for p in _list(r.get("parties")) if "buyer" in _list(_obj(p).get("roles"))), None)
    value, _ = _number(_obj(tender.get("value")).get("amount"))
    awards = [_obj(a) for a in _list(r.get("awards"))]
    award_dates = [d for a in awards if a.get("status") == "active" and (d := _time(a.get("date")))]
    contracts = [_obj(c) for c in _list(r.get("contracts"))]
    related = [_obj(p).get("relationship") for p in _list(r.get("relatedProcesses"))]
    relaunch = any(
        isinstance(rel, list) and {"unsuccessfulProcess", "replacementProcess"} & set(map(str, rel)) for rel in related
    )
    tenderers = _list(tender.get("tenderers"))
    out.processes.append(
        {
            "_order": order,
            "_date": _time(r.get("date")),
            "process_id": ocid,
            "tender_id": str(tender["id"]) if tender.get("id") not in (None, "") else None,
            "title": tender.get("title") if isinstance(tender.get("title"), str) else None,
            "buyer_id": buyer,
            "procuring_entity_id": _id(tender.get("procuringEntity")),
            "method": tender.get("procurementMethod") if isinstance(tender.get("procurementMethod"), str) else None,
            "method_details": str(tender["procurementMethodDetails"])
            if tender.get("procurementMethodDetails")
            else None,
            "status": tender.get("status") if isinstance(tender.get("status"), str) else None,
            "category": tender.get("mainProcurementCategory")
            if isinstance(tender.get("mainProcurementCategory"), str)
            else None,
            "classification": _id(first_item.get("classification")) or _id(tender.get("classification")),
            "currency": _obj(tender.get("value")).get("currency") or None,
            "estimated_value": value,
            "tender_start": _time(period.get("startDate")),
            "tender_end": _time(period.get("endDate")),
            "award_date": max(award_dates) if award_dates else None,
            "number_of_tenderers": int(n)
            if isinstance((n := tender.get("numberOfTenderers")), int | Decimal) and not isinstance(n, bool)
            else (len(tenderers) if tenderers else None),
            "award_criteria": tender.get("awardCriteria") if isinstance(tender.get("awardCriteria"), str) else None,
            "tender_amendments": len(_list(tender.get("amendments"))) + (1 if tender.get("amendment") else 0)
            if ("amendments" in tender or "amendment" in tender)
            else None,
            "relaunched": relaunch if related else None,
            "contract_amendments": sum(
                len(_list(c.get("amendments"))) + (1 if c.get("amendment") else 0) for c in contracts
            )
            if contracts
            else None,
        }
    )
    details = _list(_obj(r.get("bids")).get("details"))
    for i, raw in enumerate(details):
        b = _obj(raw)
        bid_id = str(b.get("id")) if b.get("id") not in (None, "") else f"#{i}"
        who = [t for t in (_id(t) for t in _list(b.get("tenderers"))) if t]
        if not who:
            out.skips.append(skip_row(source, "bid", f"{ocid}/{bid_id}", "tenderer_missing"))
            continue
        raw_status = str(b.get("status") or "").strip()
        status = BID_STATUS.get(raw_status.lower()) if raw_status else "pending"
        if status is None:
            out.skips.append(skip_row(source, "bid", f"{ocid}/{bid_id}", "bid_status_unknown", raw_status[:80]))
            status = "pending"
        bid_value = _obj(b.get("value"))
        amount, problem = _number(bid_value.get("amount"))
        if problem is None and amount is None and status not in ("invited", "withdrawn"):
            problem = "amount_missing"
        if problem:
            out.skips.append(skip_row(source, "bid", f"{ocid}/{bid_id}", problem, repr(bid_value.get("amount"))[:80]))
        out.bids.append(
            {
                "_order": order,
                "process_id": ocid,
                "bid_id": bid_id,
                "bidder_id": who[0],
                "amount": amount,
                "currency": bid_value.get("currency") or None,
                "status": status,
                "date": _time(b.get("date")),
                "consortium": len(who) > 1,
            }
        )
    if not details and tenderers:
        # Only the list of tenderers: participation without prices (co-bidding, single bidding).
        for t in tenderers:
            tid = _id(t)
            if tid:
                out.bids.append(
                    {
                        "_order": order,
                        "process_id": ocid,
                        "bid_id": f"tenderer:{tid}",
                        "bidder_id": tid,
                        "amount": None,
                        "currency": None,
                        "status": "valid",
                        "date": None,
                        "consortium": False,
                    }
                )
    for i, a in enumerate(awards):
        award_value = _obj(a.get("value"))
        amount, problem = _number(award_value.get("amount"))
        award_id = str(a.get("id")) if a.get("id") not in (None, "") else f"#{i}"
        if problem:
            out.skips.append(skip_row(source, "award", f"{ocid}/{award_id}", "award_amount_not_numeric"))
        out.awards.append(
            {
                "_order": order,
                "process_id": ocid,
                "award_id": award_id,
                "supplier_ids": [s for s in (_id(s) for s in _list(a.get("suppliers"))) if s],
                "status": a.get("status") if isinstance(a.get("status"), str) else None,
                "amount": amount,
                "currency": award_value.get("currency") or None,
                "date": _time(a.get("date")),
            }
        )


@dataclass
class OcdsReader:
    """Reads OCDS files into rows. ``validate_every``: check one release in N (0: none)."""

    validate_every: int = 1
    reading: Reading = field(default_factory=Reading)
    _validator: Draft4Validator | None = None

    def _check(self, release: dict[str, Any]) -> None:
        if self.validate_every <= 0 or self.reading.releases % self.validate_every:
            return
        if self._validator is None:
            self._validator = release_validator()
        self.reading.validated += 1
        errors = {error_path(e) for e in self._validator.iter_errors(release)}
        if errors:
            self.reading.invalid += 1
            self.reading.schema_errors.update(errors)

    def release(self, release: Any, source: str) -> None:
        """One release or compiled release."""
        out = self.reading
        if not isinstance(release, dict):
            out.skips.append(skip_row(source, "release", None, "not_ocds"))
            return
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid:
            out.skips.append(skip_row(source, "release", str(release.get("id")), "ocid_missing"))
            return
        rid, date = release.get("id"), release.get("date")
        if (rid is not None and (ocid, str(rid)) in out.seen_ids) or (
            date is not None and (ocid, str(date)) in out.seen_dates
        ):
            out.skips.append(skip_row(source, "release", f"{ocid}/{rid}", "duplicate_release", f"date {date}"))
            return
        if rid is not None:
            out.seen_ids.add((ocid, str(rid)))
        if date is not None:
            out.seen_dates.add((ocid, str(date)))
        out.releases += 1
        out.files[source] += 1
        self._check(release)
        _release_rows(release, out.releases, source, out)

    def record(self, record: Any, source: str) -> None:
        if not isinstance(record, dict):
            self.reading.skips.append(skip_row(source, "record", None, "not_ocds"))
            return
        compiled = record.get("compiledRelease")
        if isinstance(compiled, dict):
            compiled.setdefault("ocid", record.get("ocid"))
            self.release(compiled, source)
            return
        full = [r for r in _list(record.get("releases")) if isinstance(r, dict) and ("tender" in r or "awards" in r)]
        if not full:
            self.reading.skips.append(skip_row(source, "record", str(record.get("ocid")), "record_unusable"))
            return
        for r in full:
            r.setdefault("ocid", record.get("ocid"))
            self.release(r, source)

    def document(self, doc: Any, source: str) -> None:
        """A whole JSON value: a package, a record, or a release."""
        if isinstance(doc, dict) and isinstance(doc.get("releases"), list):
            for r in doc["releases"]:
                self.release(r, source)
        elif isinstance(doc, dict) and isinstance(doc.get("records"), list):
            for r in doc["records"]:
                self.record(r, source)
        elif isinstance(doc, dict) and ("compiledRelease" in doc or ("releases" in doc and "ocid" in doc)):
            self.record(doc, source)
        elif isinstance(doc, dict) and "ocid" in doc:
            self.release(doc, source)
        else:
            self.reading.skips.append(skip_row(source, "file", source, "not_ocds"))

    def read_file(self, path: Path, on_progress: Callable[[int], None] | None = None) -> None:
        """Stream one file (JSON or JSON Lines), whatever it holds."""
        source = str(path)
        with path.open("rb") as fh:
            head = fh.read(4096)
            fh.seek(0)
            if _is_json_lines(path, head):
                self._lines(fh, source, on_progress)
            else:
                self._json(fh, source, on_progress)

    def _lines(self, fh: BinaryIO, source: str, on_progress: Callable[[int], None] | None) -> None:
        for number, line in enumerate(fh, 1):
            if on_progress:
                on_progress(len(line))
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                self.reading.skips.append(skip_row(source, "line", str(number), "line_invalid"))
                continue
            self.document(doc, source)

    def _json(self, fh: BinaryIO, source: str, on_progress: Callable[[int], None] | None) -> None:
        kind = _top_level_kind(fh)
        fh.seek(0)
        try:
            if kind in ("releases", "records"):
                for item in ijson.items(_Counting(fh, on_progress), f"{kind}.item"):
                    (self.release if kind == "releases" else self.record)(item, source)
            else:
                for doc in ijson.items(_Counting(fh, on_progress), ""):
                    self.document(doc, source)
        except (ijson.JSONError, ValueError, UnicodeDecodeError) as exc:
            self.reading.skips.append(skip_row(source, "file", source, "json_invalid", str(exc)))


class _Counting:
    """A file wrapper that reports the bytes read, for the progress bar."""

    def __init__(self, fh: BinaryIO, on_progress: Callable[[int], None] | None) -> None:
        self.fh, self.on_progress = fh, on_progress

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        if self.on_progress:
            self.on_progress(len(data))
        return data


def _is_json_lines(path: Path, head: bytes) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson") or path.name.endswith((".jsonl.gz",)):
        return True
    first = head.split(b"\n", 1)[0].strip()
    if not first.startswith(b"{"):
        return False
    try:
        json.loads(first)
    except ValueError:
        return False
    return b"\n" in head.strip()


def _top_level_kind(fh: BinaryIO) -> str | None:
    """``releases`` or ``records`` when the top-level object has that array, without reading it."""
    try:
        for prefix, event, value in ijson.parse(fh):
            if prefix == "" and event == "map_key" and value in ("releases", "records"):
                return str(value)
            if prefix == "" and event == "end_map":
                return None
    except (ijson.JSONError, ValueError, UnicodeDecodeError):
        return None
    return None


def ocds_files(paths: list[Path]) -> list[Path]:
    """Every ``.json``/``.jsonl`` file under the given files and directories, sorted."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(
                sorted(x for x in p.rglob("*") if x.is_file() and x.suffix.lower() in (".json", ".jsonl", ".ndjson"))
            )
        elif p.exists():
            found.append(p)
    return found


# ---------------------------------------------------------------------------- compiling
def _frame(rows: list[dict[str, Any]], schema: dict[str, pl.DataType], extra: dict[str, pl.DataType]) -> pl.DataFrame:
    full = {**extra, **schema}
    if not rows:
        return pl.DataFrame(schema=full)
    return pl.DataFrame(rows, schema=full, strict=False)


def compile_market(reading: Reading, source: str = "ocds") -> tuple[Market, pl.DataFrame]:
    """Releases of one ocid compiled into one process (the latest non-null value of each field by
    release date, then reading order); bids and awards by id, the latest of each. Returns the
    market and the skip rows (including mixed currencies and single bids)."""
    processes = _frame(reading.processes, PROCESS_SCHEMA, {"_order": pl.Int64(), "_date": pl.Datetime("us", "UTC")})
    processes = processes.sort("process_id", "_date", "_order", nulls_last=False)
    value_columns = [c for c in PROCESS_SCHEMA if c != "process_id"]
    compiled = processes.group_by("process_id", maintain_order=True).agg(
        pl.col(c).drop_nulls().last() for c in value_columns
    )
    bids = _frame(reading.bids, BID_SCHEMA, {"_order": pl.Int64()}).sort("_order")
    bids = bids.unique(["process_id", "bid_id"], keep="last", maintain_order=True).drop("_order")
    awards = _frame(reading.awards, AWARD_SCHEMA, {"_order": pl.Int64()}).sort("_order")
    awards = awards.unique(["process_id", "award_id"], keep="last", maintain_order=True).drop("_order")
    # A bid without a currency takes its process's.
    bids = bids.join(compiled.select("process_id", pl.col("currency").alias("_cur")), on="process_id", how="left")
    bids = bids.with_columns(pl.coalesce("currency", "_cur").alias("currency")).drop("_cur")
    skips = [pl.DataFrame(reading.skips, schema=SKIP_SCHEMA) if reading.skips else pl.DataFrame(schema=SKIP_SCHEMA)]
    mixed = (
        bids.filter(pl.col("amount").is_not_null())
        .group_by("process_id")
        .agg(pl.col("currency").drop_nulls().unique().sort().alias("currencies"))
        .filter(pl.col("currencies").list.len() > 1)
    )
    if mixed.height:
        zh, en = REASONS["mixed_currencies"]
        skips.append(
            mixed.select(
                pl.lit(source).alias("source"),
                pl.lit("process").alias("item_type"),
                pl.col("process_id").alias("item_id"),
                pl.lit("mixed_currencies").alias("reason"),
                pl.lit(zh).alias("message_zh"),
                pl.lit(en).alias("message_en"),
                pl.col("currencies").list.join(", ").alias("detail"),
            )
        )
        # Prices in several currencies are never compared: the process keeps its bidders, not its prices.
        bids = bids.with_columns(
            pl.when(pl.col("process_id").is_in(mixed["process_id"].implode()))
            .then(None)
            .otherwise(pl.col("amount"))
            .alias("amount")
        )
    single = bids.group_by("process_id").agg(pl.col("bidder_id").n_unique().alias("n")).filter(pl.col("n") == 1)
    if single.height:
        zh, en = REASONS["single_bid"]
        skips.append(
            single.select(
                pl.lit(source).alias("source"),
                pl.lit("process").alias("item_type"),
                pl.col("process_id").alias("item_id"),
                pl.lit("single_bid").alias("reason"),
                pl.lit(zh).alias("message_zh"),
                pl.lit(en).alias("message_en"),
                pl.lit("").alias("detail"),
            )
        )
    counted = (
        bids.filter(pl.col("status") != "withdrawn")
        .group_by("process_id")
        .agg(pl.col("bidder_id").n_unique().cast(pl.Int64).alias("_n"))
    )
    compiled = (
        compiled.join(counted, on="process_id", how="left")
        .with_columns(pl.coalesce("number_of_tenderers", "_n").alias("number_of_tenderers"))
        .drop("_n")
    )
    market = Market.build(processes=compiled, bids=bids, awards=awards, source=source)
    return market, pl.concat(skips, how="vertical_relaxed")


def schema_skips(reading: Reading, source: str) -> pl.DataFrame:
    """One skip-like row per failing schema path, with its count (what fails most comes first)."""
    zh, en = REASONS["schema_invalid"]
    rows = [
        {
            "source": source,
            "item_type": "schema_path",
            "item_id": path,
            "reason": "schema_invalid",
            "message_zh": zh,
            "message_en": en,
            "detail": f"{count} release(s)",
        }
        for path, count in sorted(reading.schema_errors.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return pl.DataFrame(rows, schema=SKIP_SCHEMA) if rows else pl.DataFrame(schema=SKIP_SCHEMA)


def read_ocds(
    paths: list[Path],
    *,
    validate_every: int = 1,
    on_file: Callable[[Path], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[Market, pl.DataFrame, Reading]:
    """Read every OCDS file under ``paths``: the compiled market, the skips, and the reading's counts."""
    reader = OcdsReader(validate_every=validate_every)
    for path in ocds_files(paths):
        if on_file:
            on_file(path)
        reader.read_file(path, on_progress)
    market, skipped = compile_market(reader.reading, "ocds")
    return market, skipped, reader.reading
