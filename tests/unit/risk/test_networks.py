"""Co-bidding networks: unusual pairs, groups, rotation, habitual losers and abnormal winners."""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import polars as pl

from sunbid.risk.indicators import Flag
from sunbid.risk.market import Market
from sunbid.risk.networks import (
    AbnormalWinners,
    HabitualLosers,
    hypergeometric_tail,
    network_indicators,
    participation,
    poisson_tail,
)


def test_the_hypergeometric_tail_matches_the_exact_sum() -> None:
    for total, na, nb, c in product([20, 40], [3, 8], [5, 12], [0, 2, 3]):
        exact = sum(math.comb(na, k) * math.comb(total - na, nb - k) for k in range(c, min(na, nb) + 1)) / math.comb(
            total, nb
        )
        assert abs(hypergeometric_tail([total], [na], [nb], [c])[0] - exact) < 1e-12


def test_the_poisson_tail_matches_the_exact_sum() -> None:
    for lam, w in product([0.5, 3.0], [0, 1, 4]):
        exact = 1 - sum(math.exp(-lam) * lam**j / math.factorial(j) for j in range(w))
        assert abs(poisson_tail([lam], [w])[0] - exact) < 1e-12


def random_market(seed: int, processes: int = 60, pool: int = 30) -> list[tuple[str, str, float]]:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(processes):
        for b in rng.choice(pool, size=int(rng.integers(4, 8)), replace=False):
            rows.append((f"p{p:03d}", f"b{b:02d}", float(rng.normal(100, 5))))
    return rows


def build(rows: list[tuple[str, str, float]]) -> Market:
    processes = sorted({p for p, _, _ in rows})
    return Market.build(
        processes=pl.DataFrame({"process_id": processes, "category": "works"}),
        bids=pl.DataFrame(
            [
                {"process_id": p, "bid_id": f"{p}-{b}", "bidder_id": b, "amount": a, "status": "valid"}
                for p, b, a in rows
            ]
        ),
    )


def test_random_markets_show_no_network_finding() -> None:
    for seed in range(5):
        flags, (edges, groups) = network_indicators(build(random_market(seed)))
        assert flags.height == 0 and edges.height == 0 and groups == [], seed


def test_a_ring_that_always_bids_together_and_takes_turns_is_found() -> None:
    rows = random_market(1)
    ring = ["r1", "r2", "r3"]
    for k in range(9):
        p = f"q{k}"
        for i, member in enumerate(ring):
            rows.append((p, member, 90.0 if i == k % 3 else 97.0 + i))
        rows.append((p, f"b{k:02d}", 99.0))  # a different outsider each time
    flags, (_, groups) = network_indicators(build(rows))
    found = {f.indicator: f for f in Flag.all(flags)}
    assert {"NET-PAIR", "NET-GROUP", "NET-ROTATION"} <= set(found)
    assert groups == [ring]
    assert found["NET-ROTATION"].evidence["distinct_winners"] == 3


def test_a_group_that_bids_together_but_one_member_always_wins_is_not_a_rotation() -> None:
    rows = random_market(2)
    for k in range(9):
        for i, member in enumerate(["r1", "r2", "r3"]):
            rows.append((f"q{k}", member, 90.0 + i))
    flags, _ = network_indicators(build(rows))
    assert "NET-ROTATION" not in flags["indicator"].to_list()
    assert "NET-GROUP" in flags["indicator"].to_list()


def test_a_bidder_who_always_loses_from_the_top_is_a_habitual_loser() -> None:
    rows = random_market(3)
    for k in range(60):
        rows.append((f"p{k:03d}", "cover", 200.0))
    part = participation(build(rows))
    [flag] = Flag.all(HabitualLosers().compute(part, "lowest_price"))
    assert (
        flag.subject_ids == ("cover",) and flag.evidence["wins"] == 0 and flag.evidence["mean_rank_percentile"] == 1.0
    )


def test_a_bidder_losing_as_often_as_chance_allows_is_not_a_habitual_loser() -> None:
    part = participation(build(random_market(4)))
    assert HabitualLosers().compute(part, "lowest_price").height == 0


def test_a_bidder_who_wins_far_more_than_its_bids_explain_is_an_abnormal_winner() -> None:
    rows = random_market(5)
    for k in range(30):
        rows.append((f"p{k:03d}", "king", 1.0))
    part = participation(build(rows))
    [flag] = Flag.all(AbnormalWinners().compute(part, "lowest_price"))
    assert flag.subject_ids == ("king",) and flag.evidence["wins"] == 30
    assert AbnormalWinners().compute(participation(build(random_market(5))), "lowest_price").height == 0
