"""End to end: a generated market with two rings and a tender document that demands a local
branch; the scan finds each with the right evidence, and a clean market of the same size
yields no finding."""

from __future__ import annotations

import json

import pytest

from sunbid.risk.indicators import Flag, Severity
from sunbid.risk.model import CollusionModel
from sunbid.risk.scan import ScanResult, scan_snapshot
from tests.unit.risk.generated import BRANCH_CLAUSE, CLEAN_DOCUMENT, GeneratedMarket, market


@pytest.fixture(scope="module")
def ringed() -> tuple[GeneratedMarket, ScanResult]:
    g = market(rings=True)
    return g, scan_snapshot(g.snapshot, model=CollusionModel.load())


@pytest.fixture(scope="module")
def clean() -> tuple[GeneratedMarket, ScanResult]:
    g = market(rings=False)
    return g, scan_snapshot(g.snapshot, model=CollusionModel.load())


def flags_of(result: ScanResult, indicator: str) -> list[Flag]:
    return [f for f in Flag.all(result.flags) if f.indicator == indicator]


def test_the_control_market_has_the_same_size(
    ringed: tuple[GeneratedMarket, ScanResult], clean: tuple[GeneratedMarket, ScanResult]
) -> None:
    (a, _), (b, _) = ringed, clean
    assert a.snapshot.tenders.height == b.snapshot.tenders.height
    assert abs(a.snapshot.bids.height - b.snapshot.bids.height) <= a.snapshot.bids.height // 10


def test_the_ring_sharing_a_device_is_found_with_the_device_and_the_article(
    ringed: tuple[GeneratedMarket, ScanResult],
) -> None:
    g, result = ringed
    found = flags_of(result, "SIG-DEVICE")
    assert found, "every tender the ring bid in shows the shared device"
    for f in found:
        assert f.severity is Severity.HIGH
        assert set(f.evidence["bidders"]) <= set(g.device_ring) and len(f.evidence["bidders"]) == 2
        assert f.evidence["shared"] == [{"kind": "device_mac", "value": "3c:7c:3f:aa:01:02"}]
        assert "第四十条" in f.evidence["article"]
        assert len(f.subject_ids) == 2 and f.section_id is not None


def test_the_ring_paying_deposits_from_one_account_is_found(ringed: tuple[GeneratedMarket, ScanResult]) -> None:
    g, result = ringed
    found = flags_of(result, "SIG-DEPOSIT")
    assert found
    for f in found:
        assert sorted(f.evidence["bidders"]) == sorted(g.device_ring)
        assert f.evidence["shared"][0]["value"] == "6222020200112233445"
        assert "第（六）项" in f.evidence["article"]


def test_the_rotating_ring_is_found_with_its_sequence_of_winners_and_cover_bids(
    ringed: tuple[GeneratedMarket, ScanResult],
) -> None:
    g, result = ringed
    [rotation] = flags_of(result, "NET-ROTATION")
    assert sorted(rotation.subject_ids) == sorted(g.rotation_ring)
    e = rotation.evidence
    assert e["processes_together"] == 10 and e["group_wins"] == 10 and e["distinct_winners"] == 4
    winners = [step["winner"] for step in e["sequence"]]
    assert winners == [g.rotation_ring[i % 4] for i in range(10)], "the wins rotate in turn"
    for step in e["sequence"]:
        assert step["member_cover_bids"] and min(step["member_cover_bids"]) > step["winning_amount"]
    groups = flags_of(result, "NET-GROUP")
    assert sorted(g.rotation_ring) in [sorted(f.subject_ids) for f in groups]


def test_the_tender_document_demanding_a_local_branch_is_found_with_the_clause(
    ringed: tuple[GeneratedMarket, ScanResult],
) -> None:
    g, result = ringed
    [branch] = flags_of(result, "FC-LOCAL-BRANCH")
    assert branch.tender_id == g.branch_tender
    assert branch.evidence["quote"] == BRANCH_CLAUSE
    line = (CLEAN_DOCUMENT + BRANCH_CLAUSE).splitlines().index(BRANCH_CLAUSE) + 1
    assert branch.evidence["line"] == line
    assert "第六条" in branch.basis
    # The clean clause that forbids the same practice is not a finding.
    assert not [f for f in Flag.all(result.flags) if f.indicator == "FC-LOCAL-BRANCH" and f.evidence["line"] != line]


def test_nothing_else_is_a_finding_in_the_ringed_market(ringed: tuple[GeneratedMarket, ScanResult]) -> None:
    g, result = ringed
    ring = set(g.device_ring) | set(g.rotation_ring)
    for f in Flag.all(result.flags):
        if f.severity is Severity.LOW or f.indicator.startswith("FC-"):
            continue
        named = set(f.evidence.get("bidders") or f.evidence.get("members") or f.subject_ids)
        assert named <= ring, (f.indicator, named - ring)


def test_the_clean_market_has_no_finding(clean: tuple[GeneratedMarket, ScanResult]) -> None:
    _, result = clean
    findings = [f for f in Flag.all(result.flags) if f.severity is not Severity.LOW]
    assert findings == []
    # What remains are the market-relative screens, the model's top scores and outliers against
    # the market's own fences, which every market has.
    relative = {f.indicator for f in Flag.all(result.flags)}
    assert relative <= {"MODEL-COLLUSION", "R024", "R025", "R038", "R048", "R058"} | {
        f"SCREEN-{s}" for s in ("CV", "SPD", "DIFFP", "RD", "KURT", "SKEW", "KS")
    }
    assert result.groups == [] and result.edges.height == 0


def test_every_flag_can_become_a_warning(ringed: tuple[GeneratedMarket, ScanResult]) -> None:
    _, result = ringed
    for f in Flag.all(result.flags):
        assert f.flag_id and f.indicator and f.basis and f.subject_ids
        assert isinstance(f.evidence, dict) and json.dumps(f.evidence)
    assert result.flags["flag_id"].n_unique() == result.flags.height
