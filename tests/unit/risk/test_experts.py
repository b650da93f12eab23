"""The evaluation committees' patterns: deviating scores, an expert favouring a bidder, an expert who
meets the same bidder more often than a blind draw explains; each tested from both sides."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pytest

from sunbid.kernel.errors import DomainError
from sunbid.risk.experts import (
    ExpertDeviation,
    ExpertFavoursBidder,
    ExpertSitsWithBidders,
    ExpertsScoringAlike,
    deviations,
    expert_indicators,
)
from sunbid.risk.indicators import Flag
from sunbid.risk.scan import scan_snapshot
from sunbid.risk.snapshot import Snapshot

FACTORS = {"plan": 30.0, "quality": 10.0}


@dataclass
class Committees:
    """Sections with a committee of drawn experts and bidders, and what each member scored."""

    seed: int = 0
    scores: list[dict[str, object]] = field(default_factory=list)
    sittings: list[dict[str, object]] = field(default_factory=list)
    bids: list[dict[str, object]] = field(default_factory=list)
    awards: list[dict[str, object]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def section(
        self,
        n: int,
        experts: list[str],
        bidders: list[str],
        *,
        lean: dict[tuple[str, str], float] | None = None,
        scored: bool = True,
        winner: str | None = None,
    ) -> str:
        """Section ``n``: each expert scores each bidder's quality (share of the points) near the
        bidder's merit, plus ``lean[(expert, bidder)]`` shares of the points."""
        section, tender = f"s{n:03d}", f"t{n:03d}"
        merit = {b: float(self.rng.uniform(0.5, 0.8)) for b in bidders}
        for e in experts:
            self.sittings.append({"tender_id": tender, "section_id": section, "expert_id": e,
                                  "member_kind": "expert", "status": "active"})  # fmt: skip
        for b in bidders:
            bid = f"{section}-{b}"
            self.bids.append({"bid_id": bid, "tender_id": tender, "section_id": section, "bidder_org_id": b,
                              "status": "decrypted", "amount": 100.0})  # fmt: skip
            if b == winner:
                self.awards.append({"tender_id": tender, "section_id": section, "bid_id": bid, "bidder_org_id": b})
            if not scored:
                continue
            for e in experts:
                for criterion, points in FACTORS.items():
                    share = merit[b] + float(self.rng.normal(0, 0.03)) + (lean or {}).get((e, b), 0.0)
                    self.scores.append({"tender_id": tender, "section_id": section, "bid_id": bid,
                                        "bidder_org_id": b, "expert_id": e, "member_kind": "expert",
                                        "criterion": criterion, "score": round(min(max(share, 0), 1) * points, 1),
                                        "max_score": points})  # fmt: skip
        return section

    def snapshot(self) -> Snapshot:
        sections = sorted({str(s["section_id"]) for s in self.sittings} | {str(b["section_id"]) for b in self.bids})
        return Snapshot.build(
            tenders=pl.DataFrame({"tender_id": [f"t{s[1:]}" for s in sections], "category": "works"}),
            sections=pl.DataFrame({"section_id": sections, "tender_id": [f"t{s[1:]}" for s in sections]}),
            bids=pl.DataFrame(self.bids),
            scores=pl.DataFrame(self.scores) if self.scores else None,
            sittings=pl.DataFrame(self.sittings) if self.sittings else None,
            awards=pl.DataFrame(self.awards) if self.awards else None,
        )


EXPERTS = [f"e{i}" for i in range(5)]
BIDDERS = [f"b{i}" for i in range(4)]


def test_a_committee_that_agrees_raises_no_deviation() -> None:
    c = Committees()
    for n in range(10):
        c.section(n, EXPERTS, BIDDERS)
    assert ExpertDeviation().compute(deviations(c.snapshot(), 3)).height == 0


def test_a_member_far_from_the_others_is_flagged_with_the_scores_that_depart() -> None:
    c = Committees()
    c.section(0, EXPERTS, BIDDERS, lean={("e4", "b2"): -0.45})
    [flag] = Flag.all(ExpertDeviation().compute(deviations(c.snapshot(), 3)))
    assert flag.indicator == "EXPERT-DEVIATION" and flag.subject_type == "expert"
    assert flag.subject_ids == ("e4",) and flag.section_id == "s000" and flag.tender_id == "t000"
    assert flag.value is not None and flag.value >= 0.3
    worst = flag.evidence["worst"]
    assert {w["bid_id"] for w in worst} == {"s000-b2"} and {w["criterion"] for w in worst} == {"plan", "quality"}
    assert all(w["deviation"] < -0.3 and w["max_points"] == FACTORS[w["criterion"]] for w in worst)
    assert flag.evidence["members"] == 5 and flag.evidence["hits"] == 2
    assert "第四十九条" in flag.basis


def test_the_threshold_is_a_share_of_the_factor_points_and_settable() -> None:
    c = Committees()
    c.section(0, EXPERTS, BIDDERS, lean={("e4", "b2"): -0.2})
    items = deviations(c.snapshot(), 3)
    assert ExpertDeviation().compute(items).height == 0  # 20% of the points: within the default 30%
    assert ExpertDeviation(item_share=0.15).compute(items)["subject_ids"].to_list() == [["e4"]]
    assert ExpertDeviation(item_share=0.15, min_items=3).compute(items).height == 0  # two scores depart, not three


def test_a_committee_too_small_to_compare_is_not_measured() -> None:
    c = Committees()
    c.section(0, EXPERTS[:2], BIDDERS, lean={("e1", "b2"): -0.5})
    assert deviations(c.snapshot(), 3).height == 0
    assert ExpertDeviation().compute(deviations(c.snapshot(), 3)).height == 0


def test_an_unknown_maximum_falls_back_to_the_highest_score_given() -> None:
    c = Committees()
    c.section(0, EXPERTS, BIDDERS, lean={("e4", "b2"): -0.5})
    snap = c.snapshot()
    unknown = Snapshot.build(**{**snap.tables(), "scores": snap.scores.with_columns(pl.lit(None).alias("max_score"))})
    items = deviations(unknown, 3)
    assert items.frame["scale"].is_not_null().all()
    assert ExpertDeviation().compute(items)["subject_ids"].to_list() == [["e4"]]


def test_an_expert_who_favours_one_bidder_across_sections_is_flagged() -> None:
    c = Committees()
    for n in range(4):
        others = [f"x{n}{i}" for i in range(4)]
        c.section(n, ["e9", *others], BIDDERS, lean={("e9", "b1"): 0.2}, winner="b1" if n < 3 else "b0")
    for n in range(4, 8):
        c.section(n, [f"x{n}{i}" for i in range(5)], BIDDERS)
    flags = Flag.all(ExpertFavoursBidder().compute(deviations(c.snapshot(), 3), c.snapshot().awards))
    assert [(f.subject_type, f.subject_ids) for f in flags] == [("expert_bidder", ("b1", "e9"))]
    [flag] = flags
    assert flag.evidence["expert_id"] == "e9" and flag.evidence["bidders"] == ["b1"]
    assert flag.evidence["sections"] == 4 and flag.evidence["positive_share"] == 1.0 and flag.evidence["won"] == 3
    assert flag.value is not None and flag.value >= 0.1 and flag.tender_id is None
    c.scores = [r for r in c.scores if r["criterion"] == "plan"]  # one factor: each score is one bid's
    one = Flag.all(ExpertFavoursBidder().compute(deviations(c.snapshot(), 3), c.snapshot().awards))
    assert [(f.subject_ids, f.evidence["sections"], f.evidence["won"]) for f in one] == [(("b1", "e9"), 4, 3)]


def test_a_lenient_expert_is_not_partial_and_one_meeting_is_not_a_pattern() -> None:
    c = Committees()
    for n in range(4):  # e9 scores every bidder higher: lenient, not partial
        c.section(n, ["e9", *[f"x{n}{i}" for i in range(4)]], BIDDERS, lean={("e9", b): 0.2 for b in BIDDERS})
    c.section(9, ["e8", *[f"y{i}" for i in range(4)]], BIDDERS, lean={("e8", "b1"): 0.3})  # favoured once
    snap = c.snapshot()
    assert ExpertFavoursBidder().compute(deviations(snap, 3), snap.awards).height == 0
    assert ExpertFavoursBidder(min_sections=1).compute(deviations(snap, 3), snap.awards)["subject_ids"].to_list() == [
        ["b1", "e8"]
    ]


def blind_draws(seed: int, sections: int = 150, pool: int = 40, bidders: int = 25) -> Committees:
    c = Committees(seed=seed)
    rng = np.random.default_rng(seed)
    for n in range(sections):
        experts = [f"e{i:02d}" for i in rng.choice(pool, size=5, replace=False)]
        bid = [f"b{i:02d}" for i in rng.choice(bidders, size=int(rng.integers(3, 7)), replace=False)]
        c.section(n, experts, bid, scored=False)
    return c


def test_blind_draws_put_no_expert_with_a_bidder_beyond_chance() -> None:
    for seed in range(4):
        assert ExpertSitsWithBidders().compute(blind_draws(seed).snapshot()).height == 0


def test_an_expert_drawn_again_and_again_for_one_bidder_is_flagged() -> None:
    c = blind_draws(1)
    for n in range(150, 158):  # e99 sits on 8 committees, and b99 bids in every one of them
        others = [f"e{(n * 4 + i) % 40:02d}" for i in range(4)]  # the other seats and bidders vary
        c.section(n, ["e99", *others], ["b99", f"b{n % 25:02d}", f"b{(n + 7) % 25:02d}"], scored=False, winner="b99")
    c.section(158, ["e05", "e06", "e07", "e08", "e09"], ["b99", "b03", "b04"], scored=False)
    [flag] = Flag.all(ExpertSitsWithBidders().compute(c.snapshot()))
    assert flag.subject_ids == ("b99", "e99") and flag.subject_type == "expert_bidder"
    assert flag.evidence["together"] == 8 and flag.evidence["expert_sittings"] == 8
    assert flag.evidence["bidder_sections"] == 9 and flag.evidence["won_together"] == 8
    assert flag.evidence["expected"] < 1 and len(flag.evidence["met"]) == 8
    assert flag.threshold is not None and flag.value is not None and flag.value < flag.threshold
    assert "第四十六条" in flag.basis


def test_representatives_are_not_drawn_and_are_not_tested_for_sitting_together() -> None:
    c = Committees()
    for n in range(8):
        c.section(n, ["e1"], ["b1", "b2", "b3"], scored=False)
    c.sittings = [{**s, "member_kind": "representative"} for s in c.sittings]
    assert ExpertSitsWithBidders().compute(c.snapshot()).height == 0


def test_the_scan_runs_the_expert_indicators_and_counts_what_it_read() -> None:
    c = Committees()
    c.section(0, EXPERTS, BIDDERS, lean={("e4", "b2"): -0.45})
    result = scan_snapshot(c.snapshot())
    assert "EXPERT-DEVIATION" in result.flags["indicator"].to_list()
    assert result.counts["scores"] == len(c.scores) and result.counts["sittings"] == 5
    evidence = json.loads(result.flags.filter(pl.col("indicator") == "EXPERT-DEVIATION")["evidence"][0])
    assert evidence["expert_id"] == "e4"


def test_no_scores_and_no_sittings_give_no_expert_flag() -> None:
    assert expert_indicators(Snapshot.build()).height == 0


def test_bad_thresholds_and_snapshots_are_refused() -> None:
    with pytest.raises(DomainError, match=r"^risk_threshold_unknown:"):
        ExpertDeviation(share=0.2)
    with pytest.raises(DomainError, match=r"^risk_threshold_invalid:"):
        ExpertSitsWithBidders(alpha=float("nan"))
    with pytest.raises(DomainError, match=r"^risk_snapshot_columns_missing:"):
        Snapshot.build(scores=pl.DataFrame({"bid_id": ["x"]}))


def copy_scores(c: Committees, section: str, source: str, copier: str, points: float | None = None) -> None:
    """``copier`` gives the same points as ``source`` on every score of the section (or every
    member gives ``points``)."""
    given = {(r["bid_id"], r["criterion"]): r["score"] for r in c.scores if r["expert_id"] == source}
    for r in c.scores:
        if r["section_id"] == section and (points is not None or r["expert_id"] == copier):
            r["score"] = points if points is not None else given[(r["bid_id"], r["criterion"])]


def test_two_members_who_copy_each_others_sheet_are_flagged() -> None:
    c = Committees()
    section = c.section(0, EXPERTS, BIDDERS)
    copy_scores(c, section, "e4", "e3")
    c.section(1, EXPERTS, BIDDERS)
    [flag] = Flag.all(ExpertsScoringAlike().compute(deviations(c.snapshot(), 3)))
    assert flag.subject_type == "experts" and flag.subject_ids == ("e3", "e4") and flag.section_id == section
    assert flag.evidence["expert_ids"] == ["e3", "e4"] and flag.evidence["items"] == len(BIDDERS) * len(FACTORS)
    assert flag.value is not None and flag.value < 0.001


def test_a_committee_that_agrees_on_everything_and_members_who_differ_are_not_flagged() -> None:
    c = Committees()
    same = c.section(0, EXPERTS, BIDDERS)
    copy_scores(c, same, "", "", points=10.0)  # every member gives every bid the same points
    c.section(1, EXPERTS, BIDDERS)
    assert ExpertsScoringAlike().compute(deviations(c.snapshot(), 3)).height == 0
    few = Committees()
    section = few.section(0, EXPERTS, BIDDERS[:1])
    copy_scores(few, section, "e4", "e3")  # two scores alike: too few to say
    assert ExpertsScoringAlike().compute(deviations(few.snapshot(), 3)).height == 0
    assert ExpertsScoringAlike(min_items=2, alpha=0.5).compute(deviations(few.snapshot(), 3)).height == 1


def test_one_scan_finds_all_four_patterns_and_the_report_shows_them() -> None:
    from sunbid.risk import report

    c = blind_draws(1)
    for n in range(150, 158):  # e99 sits with b99 again and again, and scores it up
        others = [f"e{(n * 4 + i) % 40:02d}" for i in range(4)]
        c.section(n, ["e99", *others], ["b99", f"b{n % 25:02d}", f"b{(n + 7) % 25:02d}"], winner="b99",
                  lean={("e99", "b99"): 0.2})  # fmt: skip
    section = c.section(200, EXPERTS, BIDDERS, lean={("e4", "b2"): -0.45})
    copy_scores(c, section, "e1", "e0")
    result = scan_snapshot(c.snapshot())
    found = {i: s for i, s in result.flags.select("indicator", "subject_ids").iter_rows() if i.startswith("EXPERT-")}
    assert found == {
        "EXPERT-DEVIATION": ["e4"],
        "EXPERT-IDENTICAL-SCORES": ["e0", "e1"],
        "EXPERT-FAVOURS-BIDDER": ["b99", "e99"],
        "EXPERT-SITS-WITH-BIDDERS": ["b99", "e99"],
    }
    html = report.to_html(result)
    assert all(indicator in html for indicator in found)
