"""Documents drawn from the code stay in step with it (regenerate with ``sunbid docs``)."""

from __future__ import annotations

from pathlib import Path

from sunbid.api.app import openapi_document
from sunbid.kernel.rules import RuleBook
from sunbid.tendering.diagram import markdown

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_spec_matches_the_code() -> None:
    assert (ROOT / "docs/api/openapi.json").read_text() == openapi_document(), "run `uv run sunbid docs`"


def test_committed_state_machine_diagram_matches_the_transition_table() -> None:
    assert (ROOT / "docs/tender-state-machine.md").read_text() == markdown(), "run `uv run sunbid docs`"


def test_the_nanjing_jurisdiction_file_loads_with_its_citations() -> None:
    book = RuleBook.from_file(ROOT / "jurisdictions/nanjing.toml")
    assert book.jurisdiction == "南京市"
    assert book.days("tender_plan_lead_days") == 30
    assert "519号" in book["tender_plan_lead_days"].citation
