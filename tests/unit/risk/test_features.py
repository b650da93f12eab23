"""Classifier features: the literal formulas, hand-computed values, scale-freeness."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sunbid.kernel.errors import DomainError
from sunbid.risk.features import (
    CORE_COLUMNS,
    EXTENDED_COLUMNS,
    EXTRA_COLUMNS,
    FEATURE_COLUMNS,
    compute_features,
    significant_digits,
)

from . import literal
from .market import bids_frame, random_market
from .test_bad_input import BAD


def features_of(market: dict[int, list[float]]) -> pl.DataFrame:
    return compute_features(bids_frame(market), FEATURE_COLUMNS).tenders


DIGIT_FEATURES = ("sig_digits", "round2_share", "round3_share")


def special_tenders() -> dict[int, list[float]]:
    """Tenders that reach the corners of the new features: round amounts, clusters, ties, evenly spaced bids."""
    return {
        10_001: [100_000.0, 120_000.0, 150_000.0, 200_000.0],  # round amounts
        10_002: [1000.0, 1004.0, 1004.5, 1010.0, 1030.0, 1100.0],  # a cluster above the lowest bid
        10_003: [500.0, 600.0, 700.0, 800.0, 900.0],  # arithmetic progression
        10_004: [300.0, 300.0, 300.0, 301.0],  # ties
        10_005: [0.1475, 0.15, 0.155, 0.16],  # unit prices
        10_006: [77.0, 77.0, 77.0],  # all equal
        10_007: [9_999_999.99, 10_000_000.0, 10_000_000.01, 12_345_678.9],
    }


def assert_matches(row: dict[str, float | None], expected: dict[str, float | None], column: str) -> None:
    if expected[column] is None:
        assert row[column] is None, (row["tender_id"], column)
    else:
        assert row[column] == pytest.approx(expected[column], rel=1e-9, abs=1e-12), (row["tender_id"], column)


def test_features_match_the_literal_formulas_on_a_generated_market() -> None:
    market = {**random_market(200, seed=5), **special_tenders()}
    got = features_of(market)
    assert got.height == len(market)
    for row in got.iter_rows(named=True):
        expected = literal.features(market[row["tender_id"]])
        for column in EXTRA_COLUMNS:
            assert_matches(row, expected, column)


def test_ratio_features_do_not_change_with_the_currency_or_the_contract_size() -> None:
    market = random_market(60, seed=9)
    scaled = {t: [a * 7.31 for a in amounts] for t, amounts in market.items()}
    a = features_of(market)
    b = features_of(scaled)
    for column in FEATURE_COLUMNS:
        if column in DIGIT_FEATURES:
            continue
        for x, y in zip(a[column].to_list(), b[column].to_list(), strict=True):
            assert (x is None and y is None) or x == pytest.approx(y, rel=1e-7, abs=1e-9), column


def test_digit_features_do_not_change_from_yuan_to_fen_or_to_ten_thousand_yuan() -> None:
    market = {**random_market(60, seed=9), **special_tenders()}
    a = features_of(market)
    for factor in (100.0, 1e-4):
        b = features_of({t: [v * factor for v in amounts] for t, amounts in market.items()})
        for column in DIGIT_FEATURES:
            assert a[column].to_list() == pytest.approx(b[column].to_list()), (factor, column)


def test_digit_features_see_the_amounts_as_written() -> None:
    market = random_market(30, seed=4)
    converted = {t: [a * 7.31 for a in amounts] for t, amounts in market.items()}
    a = features_of(market)["sig_digits"]
    b = features_of(converted)["sig_digits"]
    assert (a != b).any()  # a converted currency loses the digits the bidders wrote


@pytest.mark.parametrize(
    ("amount", "digits"),
    [
        (300.0, 1),
        (0.125, 3),
        (235254.7, 7),
        (0.12999999999999998, 2),  # a float for 0.13
        (1000.0, 1),
        (999.9999999999, 1),  # ten significant digits round it to 1000
        (12345678.91, 10),
        (1.0, 1),
        (10.0, 1),
        (100000000000.0, 1),
    ],
)
def test_significant_digits_are_counted_as_written(amount: float, digits: int) -> None:
    got = pl.select(significant_digits(pl.lit(amount, dtype=pl.Float64))).item()
    assert got == digits
    assert literal.significant_digits(amount) == digits


def test_features_for_three_bids_are_hand_computable() -> None:
    row = features_of({1: [100.0, 110.0, 130.0]}).row(0, named=True)
    assert row["gap1_share"] == pytest.approx(10 / 30)
    assert row["max_gap_share"] == pytest.approx(20 / 30)
    assert row["rd_alt"] == pytest.approx(10 / 20)  # the first gap over the one gap among losing bids
    assert row["gap_ratio"] == pytest.approx(1.0986122886681098)  # ln(1 + 20/10)
    assert row["tie_share"] == 0.0
    assert row["spd_losing"] == pytest.approx(20 / 110)
    assert row["skew_losing"] is None  # two losing bids
    assert row["kurt_losing"] is None
    assert row["top_gap_share"] == pytest.approx(20 / 30)
    assert row["min_gap_mean"] == pytest.approx(10 / 15)  # the mean gap is 30 / 2
    assert row["gap_cv"] == pytest.approx(literal.sample_sd([10.0, 20.0]) / 15)
    assert row["sig_digits"] == pytest.approx(5 / 3)  # 1, 2 and 2 digits
    assert row["round2_share"] == 1.0


def test_a_cluster_above_the_lowest_bid_fills_the_near_bands() -> None:
    row = features_of({1: [1000.0, 1004.0, 1004.5, 1010.0, 1030.0, 1100.0]}).row(0, named=True)
    # the median is 1007.25; 1004, 1004.5 and 1010 lie within 0.5 % of it
    assert row["near_low_05"] == pytest.approx(2 / 5)  # 1004 and 1004.5 are at most 1005
    assert row["near_low_2"] == pytest.approx(3 / 5)  # and 1010 is at most 1020
    assert row["near_med_05"] == pytest.approx(3 / 6)
    assert row["near_med_2"] == pytest.approx(4 / 6)  # 987.1 .. 1027.4 holds 1000 to 1010
    assert row["close_gaps"] == pytest.approx(1 / 5)  # only 1004 -> 1004.5 is at most 2.01


def test_evenly_spaced_bids_have_no_gap_dispersion() -> None:
    row = features_of({1: [500.0, 600.0, 700.0, 800.0, 900.0]}).row(0, named=True)
    assert row["gap_cv"] == 0.0
    assert row["min_gap_mean"] == pytest.approx(1.0)
    assert row["skew_losing"] == pytest.approx(0.0, abs=1e-12)


def test_features_are_undefined_rather_than_invented_when_all_bids_are_equal() -> None:
    row = features_of({1: [77.0, 77.0, 77.0, 77.0, 77.0]}).row(0, named=True)
    for column in ("skew_losing", "kurt_losing", "top_gap_share", "min_gap_mean", "gap_cv"):
        assert row[column] is None, column
    assert row["spd_losing"] == 0.0
    assert row["near_med_05"] == 1.0
    assert row["tie_share"] == pytest.approx(0.8)


def test_bad_bids_still_skip_their_tender_before_any_feature() -> None:
    bids = pl.DataFrame(
        {"tender_id": [1, 1, 1, 2, 2, 2], "amount": [100.0, 101.0, 102.0, 100.0, -1.0, 103.0]},
    )
    result = compute_features(bids, FEATURE_COLUMNS)
    assert result.tenders["tender_id"].to_list() == [1]
    assert result.skipped.row(0, named=True)["reason"] == "amount_not_positive"


def test_the_core_features_come_from_the_screens_pass_and_agree_with_the_extended_pass() -> None:
    bids = bids_frame({**random_market(80, seed=12), **special_tenders()})
    core = compute_features(bids).tenders
    full = compute_features(bids, FEATURE_COLUMNS).tenders
    assert not set(EXTENDED_COLUMNS) & set(core.columns)
    assert set(FEATURE_COLUMNS) <= set(full.columns)
    # equal up to the order of floating-point sums
    assert_frame_equal(core, full.select(core.columns), rel_tol=1e-9, abs_tol=1e-12)


def test_asking_for_one_extended_feature_computes_them_all() -> None:
    tenders = compute_features(bids_frame(special_tenders()), ["near_med_05"]).tenders
    assert set(FEATURE_COLUMNS) <= set(tenders.columns)
    assert set(CORE_COLUMNS) <= set(compute_features(bids_frame(special_tenders()), ["cv"]).tenders.columns)


def test_an_unknown_feature_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        compute_features(bids_frame(special_tenders()), ["cv", "bid_date"])
    assert refused.value.code == "risk_feature_unknown"
    assert "bid_date" in refused.value.message_en


def test_bad_bids_are_skipped_alike_in_the_core_and_the_extended_pass() -> None:
    core = compute_features(BAD)
    full = compute_features(BAD, FEATURE_COLUMNS)
    assert core.skipped.equals(full.skipped)
    assert core.tenders["tender_id"].to_list() == full.tenders["tender_id"].to_list()
