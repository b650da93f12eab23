"""Classifier features: the literal formulas, scale-freeness."""

from __future__ import annotations

import pytest

from sunbid.risk.features import EXTRA_COLUMNS, FEATURE_COLUMNS, compute_features

from . import literal
from .market import bids_frame, random_market


def test_features_match_the_literal_formulas_on_a_generated_market() -> None:
    market = random_market(200, seed=5)
    got = compute_features(bids_frame(market)).tenders
    for row in got.iter_rows(named=True):
        expected = literal.features(market[row["tender_id"]])
        for column in EXTRA_COLUMNS:
            if expected[column] is None:
                assert row[column] is None, (row["tender_id"], column)
            else:
                assert row[column] == pytest.approx(expected[column], rel=1e-9, abs=1e-12), (row["tender_id"], column)


def test_features_do_not_change_with_the_currency_or_the_contract_size() -> None:
    market = random_market(60, seed=9)
    scaled = {t: [a * 7.31 for a in amounts] for t, amounts in market.items()}
    a = compute_features(bids_frame(market)).tenders
    b = compute_features(bids_frame(scaled)).tenders
    for column in FEATURE_COLUMNS:
        for x, y in zip(a[column].to_list(), b[column].to_list(), strict=True):
            assert (x is None and y is None) or x == pytest.approx(y, rel=1e-7, abs=1e-9), column


def test_features_for_three_bids_are_hand_computable() -> None:
    row = compute_features(bids_frame({1: [100.0, 110.0, 130.0]})).tenders.row(0, named=True)
    assert row["gap1_share"] == pytest.approx(10 / 30)
    assert row["max_gap_share"] == pytest.approx(20 / 30)
    assert row["rd_alt"] == pytest.approx(10 / 20)  # the first gap over the one gap among losing bids
    assert row["gap_ratio"] == pytest.approx(1.0986122886681098)  # ln(1 + 20/10)
    assert row["tie_share"] == 0.0
