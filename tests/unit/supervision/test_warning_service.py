"""Which of a scan's flags become warnings, and of whom: pure selection on fakes."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import SYSTEM, Context
from sunbid.kernel.events import DomainEvent
from sunbid.risk.indicators import Flag, Severity
from sunbid.supervision.ports import TenderScan
from sunbid.supervision.warning_model import EarlyWarning
from sunbid.supervision.warning_service import raise_warnings, tender_flags

AT = datetime(2026, 3, 2, tzinfo=UTC)


def flag(indicator: str, severity: str, subject_type: str, subjects: tuple[str, ...], tender: str | None,
         **evidence: Any) -> Flag:  # fmt: skip
    return Flag(f"f-{indicator}-{tender}-{'-'.join(subjects)}", indicator, Severity(severity), subject_type, subjects,
                tender, "sec_1" if tender else None, float("nan"), None, evidence, "条例 第四十条", "标题", "title")  # fmt: skip


SCAN = TenderScan(
    "tnd_1",
    [
        flag("SIG-DEVICE", "high", "bids", ("bid_a", "bid_b"), "tnd_1", bidders=["org_a", "org_b"]),
        flag("SCREEN-CV", "low", "process", ("sec_1",), "tnd_1"),
        flag("FC-LOCAL-BRANCH", "high", "document", ("doc_1", "FC-LOCAL-BRANCH#L3"), "tnd_1"),
        flag("NET-PAIR", "medium", "bidders", ("org_a", "org_z"), None),
        flag("NET-LOSER", "medium", "bidder", ("org_y",), None),
        flag("SIG-DEPOSIT", "high", "bids", ("bid_x", "bid_y"), "tnd_2"),
    ],
    {"bid_a": "org_a", "bid_b": "org_b", "bid_c": "org_c"},
)


def test_a_tenders_flags_are_its_own_and_the_markets_findings_about_its_parties() -> None:
    chosen = [f.indicator for f in tender_flags(SCAN, "org_t", "org_g")]
    assert chosen == ["SIG-DEVICE", "SCREEN-CV", "FC-LOCAL-BRANCH", "NET-PAIR"]
    assert "NET-LOSER" not in chosen and "SIG-DEPOSIT" not in chosen, "other bidders, other tenders"


class FakeWarnings:
    def __init__(self) -> None:
        self.rows: list[EarlyWarning] = []

    def by_fingerprints(self, fingerprints: list[str]) -> list[EarlyWarning]:
        return [w for w in self.rows if w.fingerprint in fingerprints]

    def add(self, warning: EarlyWarning) -> None:
        self.rows.append(warning)


class FakeUow:
    def __init__(self) -> None:
        self.warnings = FakeWarnings()
        self.events: list[DomainEvent] = []

    def emit(self, event: DomainEvent) -> None:
        self.events.append(event)

    def __enter__(self) -> FakeUow:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        return None


def test_only_medium_and_high_flags_become_warnings_once_each_naming_their_organisations() -> None:
    uow = FakeUow()
    ctx = Context(actor=SYSTEM, clock=FixedClock(AT))
    flags = tender_flags(SCAN, "org_t", "org_g")
    for _ in range(2):
        raise_warnings(uow, ctx, flags, scan_tender="tnd_1", bid_orgs=SCAN.bid_orgs, managers=["org_t", "org_g"],  # type: ignore[arg-type]
                       source="opening")  # fmt: skip
    made = {w.indicator: w for w in uow.warnings.rows}
    assert set(made) == {"SIG-DEVICE", "FC-LOCAL-BRANCH", "NET-PAIR"}, "low flags stay indicators; none twice"
    assert made["SIG-DEVICE"].org_ids == ["org_a", "org_b"] and made["SIG-DEVICE"].bid_ids == ["bid_a", "bid_b"]
    assert made["FC-LOCAL-BRANCH"].org_ids == ["org_g", "org_t"], "a clause is its tender's managers'"
    assert made["NET-PAIR"].org_ids == ["org_a", "org_z"] and made["NET-PAIR"].tender_id == "tnd_1"
    assert made["SIG-DEVICE"].value is None, "a value that is not a number is stored as none"
    assert [e.name for e in uow.events] == ["WarningRaised"] * 3
    assert all(not e.public and "evidence_sha256" in e.data and "evidence" not in e.data for e in uow.events)


def test_an_experts_findings_reach_the_tenders_where_its_bidder_bids_and_name_the_bidder() -> None:
    scan = TenderScan(
        "tnd_1",
        [
            flag("EXPERT-DEVIATION", "medium", "expert", ("exp_1",), "tnd_1", expert_id="exp_1"),
            flag(
                "EXPERT-IDENTICAL-SCORES",
                "medium",
                "experts",
                ("exp_4", "exp_5"),
                "tnd_1",
                expert_ids=["exp_4", "exp_5"],
            ),
            flag(
                "EXPERT-FAVOURS-BIDDER",
                "medium",
                "expert_bidder",
                ("exp_2", "org_a"),
                None,
                expert_id="exp_2",
                bidders=["org_a"],
            ),
            flag(
                "EXPERT-SITS-WITH-BIDDERS",
                "medium",
                "expert_bidder",
                ("exp_3", "org_q"),
                None,
                expert_id="exp_3",
                bidders=["org_q"],
            ),
        ],
        {"bid_a": "org_a", "bid_b": "org_b"},
    )
    flags = tender_flags(scan, "org_t", None)
    assert [f.indicator for f in flags] == ["EXPERT-DEVIATION", "EXPERT-IDENTICAL-SCORES", "EXPERT-FAVOURS-BIDDER"]
    uow = FakeUow()
    raise_warnings(uow, Context(actor=SYSTEM, clock=FixedClock(AT)), flags, scan_tender="tnd_1",  # type: ignore[arg-type]
                   bid_orgs=scan.bid_orgs, managers=["org_t"], source="award")  # fmt: skip
    made = {w.indicator: w for w in uow.warnings.rows}
    assert made["EXPERT-FAVOURS-BIDDER"].org_ids == ["org_a"] and made["EXPERT-FAVOURS-BIDDER"].tender_id == "tnd_1"
    assert made["EXPERT-DEVIATION"].org_ids == [], "a member's scores are no organisation's record"
    assert made["EXPERT-IDENTICAL-SCORES"].org_ids == [] and made["EXPERT-IDENTICAL-SCORES"].section_id == "sec_1"
