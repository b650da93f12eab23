"""``sunbid risk scan`` over OCDS files and ``sunbid risk review``; the report's files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from sunbid.cli.main import app
from sunbid.risk.model import CollusionModel
from sunbid.risk.report import to_csv, to_html, to_json
from sunbid.risk.scan import scan_snapshot
from tests.unit.risk.generated import market
from tests.unit.risk.test_ocds import bids, release

runner = CliRunner()


def test_scan_over_ocds_files_writes_every_output_and_reports_the_skips(tmp_path: Path) -> None:
    data = tmp_path / "ocds"
    data.mkdir()
    releases = [
        release(f"ocds-{i}", "r", bids=bids(("a", 100 + i, "CNY"), ("b", 103 + i, "CNY"), ("c", 109 + i, "CNY")))
        for i in range(5)
    ]
    releases.append(release("ocds-x", "r", bids=bids(("a", 1, "USD"), ("b", 2, "CNY"))))
    (data / "package.json").write_text(json.dumps({"releases": releases}), encoding="utf-8")
    (data / "broken.jsonl").write_text("{oops\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["risk", "scan", "--ocds", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads((out / "scan.json").read_text(encoding="utf-8"))
    assert doc["summary"]["files"] == 2 and doc["summary"]["releases_read"] == 6
    assert {"mixed_currencies", "line_invalid"} <= set(doc["summary"]["skips_by_reason"])
    for name in ("flags.csv", "skips.csv", "scores.csv", "report.html"):
        assert (out / name).stat().st_size > 0
    skips = list(csv.DictReader(io.StringIO((out / "skips.csv").read_text(encoding="utf-8"))))
    assert all(row["message_zh"] and row["message_en"] for row in skips)


def test_scan_without_ocds_files_is_refused_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["risk", "scan", "--ocds", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "risk_ocds_none" in result.output


def test_a_thresholds_file_that_cannot_be_read_or_is_not_tables_is_refused_before_scanning(tmp_path: Path) -> None:
    data = tmp_path / "ocds"
    data.mkdir()
    releases = [
        release(f"ocds-{i}", "r", bids=bids(("a", 100, "CNY"), ("b", 101, "CNY"), ("c", 150, "CNY"))) for i in range(3)
    ]
    (data / "package.json").write_text(json.dumps({"releases": releases}), encoding="utf-8")
    cases = {
        "missing.toml": (None, "risk_thresholds_unreadable"),
        "broken.toml": ("[R024\nthreshold = ", "risk_thresholds_unreadable"),
        "flat.toml": ("threshold = 0.05\n", "risk_thresholds_invalid"),
        "good.toml": ("[R024]\nthreshold = 0.05\n", None),
    }
    for name, (text, code) in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
        out = tmp_path / f"out-{name}"
        result = runner.invoke(app, ["risk", "scan", "--ocds", str(data), "--out", str(out), "--thresholds", str(path)])
        if code is None:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code == 2 and code in result.output, result.output
            assert not out.exists(), "a refused scan writes nothing"


def test_review_of_a_file_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["risk", "review", str(tmp_path / "无此文件.txt")])
    assert result.exit_code == 2 and "risk_review_unreadable" in result.output


def test_review_lists_each_finding_with_its_clause_and_rule(tmp_path: Path) -> None:
    doc = tmp_path / "招标文件.txt"
    doc.write_text(
        "第二章 投标人须知\n1.1 投标人须在本市设立分支机构。\n1.2 招标人不得指定品牌。\n", encoding="gb18030"
    )
    out = tmp_path / "findings.json"
    result = runner.invoke(app, ["risk", "review", str(doc), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "FC-LOCAL-BRANCH" in result.output and "1.1 投标人须在本市设立分支机构。" in result.output
    [finding] = json.loads(out.read_text(encoding="utf-8"))["findings"]
    assert finding["line"] == 2 and finding["rule"] == "FC-LOCAL-BRANCH" and "第六条" in finding["article"]


def test_review_of_a_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "x.bin"
    doc.write_bytes(bytes([0x81, 0x30, 0xFF, 0xFE, 0x00]))
    result = runner.invoke(app, ["risk", "review", str(doc)])
    assert result.exit_code == 2 and "risk_review_not_text" in result.output


def test_the_report_escapes_what_it_prints_and_draws_its_charts() -> None:
    g = market(rings=True)
    result = scan_snapshot(g.snapshot, model=CollusionModel.load())
    html = to_html(result, title="<script>alert(1)</script>")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count('class="strip"') >= 5 and 'class="network"' in html
    assert json.loads(to_json(result))["summary"]["flags"] == result.flags.height
    rows = list(csv.reader(io.StringIO(to_csv(result.flags))))
    assert rows[0][:3] == ["flag_id", "indicator", "severity"] and len(rows) == result.flags.height + 1


def test_the_indicator_catalogue_in_the_docs_is_the_codes() -> None:
    from sunbid.risk.catalogue import cards, markdown

    path = Path(__file__).resolve().parents[3] / "docs" / "risk" / "indicators.md"
    assert path.read_text(encoding="utf-8") == markdown(), "run: uv run sunbid risk indicators"
    ids = [c["id"] for c in cards()]
    assert len(ids) == len(set(ids))
    for required in ("R003", "R018", "R024", "R025", "R028", "R030", "R035", "R036", "R038", "R048", "R058", "CRI"):
        assert required in ids
