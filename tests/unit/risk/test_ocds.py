"""OCDS input: packages, records and JSON Lines, streamed; schema failures counted by path; every
problem a skip with its reason, never a crash and never a silent drop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sunbid.risk.ocds import REASONS, OcdsReader, compile_market, read_ocds, schema_skips


def release(ocid: str, rid: str, date: str = "2024-01-01T00:00:00Z", **parts: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "ocid": ocid,
        "id": rid,
        "date": date,
        "tag": ["tender"],
        "initiationType": "tender",
        "tender": {
            "id": f"{ocid}-t",
            "status": "complete",
            "procurementMethod": "open",
            "tenderPeriod": {"startDate": "2024-01-01T00:00:00Z", "endDate": "2024-01-31T00:00:00Z"},
        },
    }
    doc.update(parts)
    return doc


def bids(*rows: tuple[str, Any, str]) -> dict[str, Any]:
    """rows: (tenderer id, amount, currency)."""
    return {
        "details": [
            {
                "id": f"bid{i}",
                "status": "valid",
                "tenderers": [{"id": t, "name": t}],
                "value": {"amount": a, "currency": c},
            }
            for i, (t, a, c) in enumerate(rows)
        ]
    }


def write(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_release_package_is_read_into_processes_bids_and_awards(tmp_path: Path) -> None:
    awards = [{"id": "a1", "status": "active", "suppliers": [{"id": "x"}], "value": {"amount": 90, "currency": "EUR"}}]
    pkg = {
        "releases": [
            release("ocds-1", "r1", bids=bids(("x", 90, "EUR"), ("y", 95, "EUR"), ("z", "99.5", "EUR")), awards=awards)
        ]
    }
    market, skipped, reading = read_ocds([write(tmp_path / "p.json", pkg)])
    assert market.processes["process_id"].to_list() == ["ocds-1"]
    assert sorted(market.bids["amount"].to_list()) == [90.0, 95.0, 99.5]
    assert market.bids.filter(pl.col("winner"))["bidder_id"].to_list() == ["x"]
    assert market.winner_basis == "awards" and reading.releases == 1 and skipped.height == 0


def test_a_record_package_uses_each_records_compiled_release(tmp_path: Path) -> None:
    pkg = {"records": [{"ocid": "ocds-2", "compiledRelease": release("ocds-2", "c"), "releases": [{"url": "x"}]}]}
    market, _, _ = read_ocds([write(tmp_path / "r.json", pkg)])
    assert market.processes["process_id"].to_list() == ["ocds-2"]


def test_a_record_with_only_linked_releases_is_skipped_with_its_reason(tmp_path: Path) -> None:
    pkg = {"records": [{"ocid": "ocds-3", "releases": [{"url": "https://example.org/r.json"}]}]}
    _, skipped, _ = read_ocds([write(tmp_path / "r.json", pkg)])
    assert skipped["reason"].to_list() == ["record_unusable"]


def test_json_lines_are_read_line_by_line_and_a_bad_line_is_skipped(tmp_path: Path) -> None:
    lines = [json.dumps(release("ocds-4", "a")), "{not json", json.dumps(release("ocds-5", "b"))]
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    market, skipped, _ = read_ocds([path])
    assert sorted(market.processes["process_id"].to_list()) == ["ocds-4", "ocds-5"]
    assert skipped.filter(pl.col("reason") == "line_invalid")["item_id"].to_list() == ["2"]


def test_releases_of_one_ocid_are_compiled_latest_value_first(tmp_path: Path) -> None:
    early = release("ocds-6", "r1", "2024-01-01T00:00:00Z")
    late = release("ocds-6", "r2", "2024-02-01T00:00:00Z", bids=bids(("x", 1, "CNY")))
    late["tender"]["status"] = "cancelled"
    market, _, _ = read_ocds([write(tmp_path / "p.json", {"releases": [late, early]})])
    [row] = market.processes.iter_rows(named=True)
    assert row["status"] == "cancelled" and row["number_of_tenderers"] == 1


def test_duplicated_releases_are_kept_once_and_counted(tmp_path: Path) -> None:
    a = release("ocds-7", "r1", "2024-01-01T00:00:00Z")
    same_id = release("ocds-7", "r1", "2024-03-01T00:00:00Z")
    same_date = release("ocds-7", "r9", "2024-01-01T00:00:00Z")
    _, skipped, reading = read_ocds([write(tmp_path / "p.json", {"releases": [a, same_id, same_date]})])
    assert reading.releases == 1
    assert skipped["reason"].to_list() == ["duplicate_release", "duplicate_release"]


def test_missing_and_non_numeric_amounts_are_skipped_for_prices_but_the_bidders_count(tmp_path: Path) -> None:
    doc = release("ocds-8", "r", bids=bids(("x", None, "CNY"), ("y", "abc", "CNY"), ("z", 10, "CNY")))
    doc["bids"]["details"].append({"id": "nobody", "status": "valid", "value": {"amount": 5}})
    market, skipped, _ = read_ocds([write(tmp_path / "p.json", doc)])
    reasons = sorted(skipped["reason"].to_list())
    assert reasons == ["amount_missing", "amount_not_numeric", "tenderer_missing"]
    assert market.bids.height == 3 and market.bids["amount"].drop_nulls().to_list() == [10.0]
    assert market.processes["number_of_tenderers"].to_list() == [3]


def test_prices_in_different_currencies_are_never_compared(tmp_path: Path) -> None:
    doc = release("ocds-9", "r", bids=bids(("x", 100, "USD"), ("y", 700, "CNY"), ("z", 710, "CNY")))
    market, skipped, _ = read_ocds([write(tmp_path / "p.json", doc)])
    [row] = skipped.filter(pl.col("reason") == "mixed_currencies").iter_rows(named=True)
    assert row["item_id"] == "ocds-9" and row["detail"] == "CNY, USD"
    assert market.bids["amount"].null_count() == 3


def test_a_process_with_one_bid_is_reported(tmp_path: Path) -> None:
    _, skipped, _ = read_ocds([write(tmp_path / "p.json", release("ocds-10", "r", bids=bids(("x", 5, "CNY"))))])
    assert skipped["reason"].to_list() == ["single_bid"]


def test_schema_failures_are_counted_by_path_and_the_release_is_still_read(tmp_path: Path) -> None:
    bad = release("ocds-11", "r")
    bad["initiationType"] = "whatever"
    bad["tender"]["value"] = {"amount": "12,000", "currency": "CNY"}
    market, _, reading = read_ocds([write(tmp_path / "p.json", bad)])
    assert reading.invalid == 1 and reading.validated == 1
    assert reading.schema_errors == {"initiationType: enum": 1, "tender/value/amount: type": 1}
    assert market.processes["estimated_value"].to_list() == [12000.0]
    rows = schema_skips(reading, "ocds")
    assert rows["item_id"].to_list() == ["initiationType: enum", "tender/value/amount: type"]


def test_a_valid_release_passes_the_schema_with_the_bids_extension(tmp_path: Path) -> None:
    good = release("ocds-12", "r", bids=bids(("x", 5, "CNY"), ("y", 6, "CNY")))
    _, _, reading = read_ocds([write(tmp_path / "p.json", good)])
    assert (reading.validated, reading.invalid) == (1, 0)


def test_a_truncated_file_keeps_what_was_read_and_says_why_it_stopped(tmp_path: Path) -> None:
    text = json.dumps({"releases": [release("ocds-13", "a"), release("ocds-14", "b")]})
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) - 40], encoding="utf-8")
    market, skipped, _ = read_ocds([path])
    assert "ocds-13" in market.processes["process_id"].to_list()
    assert "json_invalid" in skipped["reason"].to_list()


def test_a_file_that_is_not_ocds_is_reported(tmp_path: Path) -> None:
    _, skipped, _ = read_ocds([write(tmp_path / "x.json", {"hello": "world"})])
    assert skipped["reason"].to_list() == ["not_ocds"]


def test_a_large_package_is_streamed_release_by_release(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"uri": "x", "releases": [')
        for i in range(3000):
            fh.write(
                ("," if i else "")
                + json.dumps(release(f"ocds-big-{i}", "r", bids=bids(("a", i + 1, "CNY"), ("b", i + 2, "CNY"))))
            )
        fh.write("]}")
    seen: list[int] = []
    reader = OcdsReader(validate_every=100)
    reader.read_file(path, on_progress=seen.append)
    assert reader.reading.releases == 3000 and reader.reading.validated == 30
    assert len(seen) > 10 and max(seen) <= 1 << 16, "read in bounded pieces, never whole"
    market, _ = compile_market(reader.reading)
    assert market.processes.height == 3000 and market.bids.height == 6000


def test_every_reason_has_messages_in_both_languages() -> None:
    for zh, en in REASONS.values():
        assert zh and en and zh != en


@pytest.mark.parametrize("amount", [True, [1], {"x": 1}, "1e999", "NaN"])
def test_odd_amounts_are_not_numbers(tmp_path: Path, amount: Any) -> None:
    doc = release("ocds-15", "r", bids=bids(("x", amount, "CNY"), ("y", 1, "CNY")))
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    _, skipped, _ = read_ocds([path])
    assert "amount_not_numeric" in skipped["reason"].to_list()
