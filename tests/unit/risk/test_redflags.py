"""Cardinal's red flags and the CRI on small markets, each from both sides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from sunbid.risk.indicators import Flag, Severity
from sunbid.risk.market import Market
from sunbid.risk.redflags import (
    R003,
    R018,
    R024,
    R025,
    R028,
    R030,
    R035,
    R036,
    R038,
    R048,
    R058,
    CorruptionRiskIndex,
    fences,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def market(
    processes: list[dict[str, Any]], bids: list[tuple[str, str, float | None, str]], awards: list[tuple[str, str]] = ()
) -> Market:  # type: ignore[assignment]
    """bids: (process, bidder, amount, status); awards: (process, supplier) active."""
    return Market.build(
        processes=pl.DataFrame(processes),
        bids=pl.DataFrame(
            [
                {"process_id": p, "bid_id": f"{p}-{b}", "bidder_id": b, "amount": a, "status": s, "currency": "CNY"}
                for p, b, a, s in bids
            ]
        )
        if bids
        else None,
        awards=pl.DataFrame(
            [{"process_id": p, "award_id": f"{p}-a", "supplier_ids": [s], "status": "active"} for p, s in awards]
        )
        if awards
        else None,
    )


def proc(pid: str, days: float = 30, **more: Any) -> dict[str, Any]:
    return {"process_id": pid, "method": "open", "tender_start": T0, "tender_end": T0 + timedelta(days=days), **more}


def ids(flags: pl.DataFrame) -> list[tuple[str, ...]]:
    return sorted(f.subject_ids for f in Flag.all(flags))


def test_r003_flags_a_submission_period_shorter_than_the_threshold() -> None:
    m = market([proc("a", 10.5), proc("b", 15), proc("c", 40)], [])
    assert ids(R003().compute(m)) == [("a",)]
    assert ids(R003(threshold=20).compute(m)) == [("a",), ("b",)]


def test_r018_flags_single_bids_in_competitive_procedures_only() -> None:
    m = market(
        [
            proc("a", number_of_tenderers=1),
            proc("b", number_of_tenderers=3),
            {**proc("c", number_of_tenderers=1), "method": "direct"},
        ],
        [],
    )
    assert ids(R018().compute(m)) == [("a",)]


def gap_market(gaps: list[float]) -> Market:
    """One process per gap: the winner bids 100, the runner-up 100·(1 + gap)."""
    processes, bids, awards = [], [], []
    for i, g in enumerate(gaps):
        p = f"p{i:02d}"
        processes.append(proc(p))
        bids += [(p, "w", 100.0, "valid"), (p, "r", 100.0 * (1 + g), "valid"), (p, "s", 100.0 * (1 + g) + 50, "valid")]
        awards.append((p, "w"))
    return market(processes, bids, awards)


def test_r024_flags_a_runner_up_unusually_close_to_the_winner_against_the_markets_fence() -> None:
    gaps = [0.05, 0.06, 0.07, 0.08, 0.05, 0.06, 0.07, 0.08, 0.0001]
    flags = Flag.all(R024().compute(gap_market(gaps)))
    assert [f.subject_ids for f in flags] == [("p08",)]
    assert flags[0].severity is Severity.LOW and flags[0].evidence["winner_id"] == "w"
    # A set threshold replaces the fence and keeps the indicator's severity.
    set_flags = Flag.all(R024(threshold=0.055).compute(gap_market(gaps)))
    assert len(set_flags) == 3 and set_flags[0].severity is Severity.MEDIUM


def test_r058_flags_a_heavily_discounted_winning_bid() -> None:
    gaps = [0.05, 0.06, 0.07, 0.08, 0.05, 0.06, 0.07, 0.08, 0.9]
    assert ids(R058().compute(gap_market(gaps))) == [("p08",)]
    assert R058().compute(gap_market([0.05, 0.06, 0.07, 0.08])).height == 0


def test_r024_skips_processes_not_won_by_the_lowest_bid() -> None:
    m = market([proc("a")], [("a", "w", 100.0, "valid"), ("a", "r", 100.01, "valid")], [("a", "r")])
    assert R024(threshold=0.5).compute(m).height == 0


def test_r024_takes_a_winner_tied_at_the_lowest_price_as_the_lowest_bid() -> None:
    # Awarded to the second of two equal lowest bids: the gap to the runner-up at that price is 0.
    for order in (
        [("a", "r", 100.0, "valid"), ("a", "w", 100.0, "valid")],
        [("a", "w", 100.0, "valid"), ("a", "r", 100.0, "valid")],
    ):
        m = market([proc("a")], [*order, ("a", "x", 120.0, "valid")], [("a", "w")])
        [flag] = Flag.all(R024(threshold=0.01).compute(m))
        assert flag.evidence["winner_id"] == "w" and flag.evidence["second_bidder"] == "r" and flag.value == 0.0
    # A winner above the lowest price is still not the lowest bid.
    above = market([proc("a")], [("a", "r", 100.0, "valid"), ("a", "w", 100.5, "valid")], [("a", "w")])
    assert R024(threshold=0.01).compute(above).height == 0


def test_r028_flags_identical_prices_from_different_bidders() -> None:
    m = market(
        [proc("a"), proc("b")],
        [("a", "x", 100.0, "valid"), ("a", "y", 100.0, "valid"), ("b", "x", 1.0, "valid"), ("b", "y", 2.0, "valid")],
    )
    assert ids(R028().compute(m)) == [("a-x", "a-y")]


def test_r030_flags_a_late_bid_that_won() -> None:
    processes = [proc("a"), proc("b")]
    m = Market.build(
        processes=pl.DataFrame(processes),
        bids=pl.DataFrame(
            [
                {
                    "process_id": "a",
                    "bid_id": "a1",
                    "bidder_id": "x",
                    "status": "valid",
                    "amount": 1.0,
                    "date": T0 + timedelta(days=31),
                },
                {
                    "process_id": "b",
                    "bid_id": "b1",
                    "bidder_id": "x",
                    "status": "valid",
                    "amount": 1.0,
                    "date": T0 + timedelta(days=29),
                },
            ]
        ),
        awards=pl.DataFrame(
            [{"process_id": p, "award_id": p, "supplier_ids": ["x"], "status": "active"} for p in "ab"]
        ),
    )
    assert ids(R030().compute(m)) == [("a1",)]


def test_r035_flags_a_winner_whose_every_rival_was_disqualified() -> None:
    m = market(
        [proc("a"), proc("b")],
        [
            ("a", "w", 5.0, "valid"),
            ("a", "x", 4.0, "disqualified"),
            ("a", "y", 3.0, "disqualified"),
            ("b", "w", 5.0, "valid"),
            ("b", "x", 6.0, "valid"),
        ],
        [("a", "w"), ("b", "w")],
    )
    [flag] = Flag.all(R035().compute(m))
    assert flag.subject_ids == ("a",) and flag.value == 2


def test_r036_flags_an_award_where_the_lowest_bid_was_disqualified() -> None:
    m = market(
        [proc("a"), proc("b")],
        [
            ("a", "x", 1.0, "disqualified"),
            ("a", "w", 2.0, "valid"),
            ("b", "x", 1.0, "valid"),
            ("b", "w", 2.0, "disqualified"),
        ],
        [("a", "w"), ("b", "x")],
    )
    assert ids(R036().compute(m)) == [("a-x",)]


def test_r025_flags_top_tenderers_who_rarely_win() -> None:
    processes = [proc(f"p{i}") for i in range(12)]
    bids, awards = [], []
    for i in range(12):
        p = f"p{i}"
        winner = "a" if i % 2 else "b"
        bids += [(p, "a", 10.0, "valid"), (p, "b", 11.0, "valid"), (p, "loser", 12.0, "valid")]
        awards.append((p, winner))
    assert ids(R025(threshold=0.05).compute(market(processes, bids, awards))) == [("loser",)]


def test_r038_flags_a_buyer_that_disqualifies_many_bids() -> None:
    processes = [proc(f"p{i}", buyer_id="strict" if i < 2 else f"b{i}") for i in range(8)]
    bids = []
    for i in range(8):
        bad = i < 2
        bids += [
            (f"p{i}", "x", 1.0, "disqualified" if bad else "valid"),
            (f"p{i}", "y", 2.0, "disqualified" if bad else "valid"),
            (f"p{i}", "z", 3.0, "valid"),
        ]
    flags = Flag.all(R038(threshold=0.5).compute(market(processes, bids)))
    assert ("buyer", ("strict",)) in [(f.subject_type, f.subject_ids) for f in flags]


def test_r048_flags_a_supplier_winning_in_many_unrelated_classes() -> None:
    processes = [proc(f"p{i}", classification=f"{10 + i}000000") for i in range(6)]
    awards = [(f"p{i}", "jack") for i in range(6)] + [(f"p{i}", "jack") for i in range(0)]
    m = market(processes, [(f"p{i}", "jack", 1.0, "valid") for i in range(6)], awards)
    assert ids(R048(threshold=5).compute(m)) == [("jack",)]
    assert R048(threshold=7).compute(m).height == 0


def test_the_cri_averages_its_computable_components() -> None:
    risky = proc("risky", 30, number_of_tenderers=1, tender_amendments=2, relaunched=True, contract_amendments=1)
    calm = proc("calm", 30, number_of_tenderers=5, tender_amendments=0, relaunched=False, contract_amendments=0)
    m = market([risky, calm], [])
    table = CorruptionRiskIndex().table(m)
    row = table.filter(pl.col("process_id") == "risky").row(0, named=True)
    assert row["CRI-SINGLE"] == 1 and row["CRI-MODIFIED"] == 1 and row["CRI-CONTRACT"] == 1 and row["cri"] > 0.5
    assert ids(CorruptionRiskIndex().compute(m)) == [("risky",)]


def test_fences_are_tukeys() -> None:
    assert fences(pl.Series([1.0, 2.0, 3.0, 4.0, 5.0])) == (-1.0, 7.0)
    assert fences(pl.Series([], dtype=pl.Float64)) == (None, None)
