"""The seven price screens: hand-computed values, the literal formulas, thresholds and evidence."""

from __future__ import annotations

import math

import polars as pl
import pytest

from sunbid.kernel.errors import DomainError
from sunbid.risk.screens import (
    SCREEN_CLASSES,
    SCREEN_COLUMNS,
    CoefficientOfVariation,
    compute_screens,
    default_screens,
    evidence_text,
    flag,
)

from . import literal
from .market import bids_frame, random_market


def screens_of(*amounts: float) -> dict[str, float | None]:
    result = compute_screens(bids_frame({1: list(amounts)}))
    assert result.skipped.height == 0
    return result.tenders.row(0, named=True)


def test_three_bids_give_the_hand_computed_screens() -> None:
    s = screens_of(120.0, 100.0, 110.0)
    assert s["cv"] == pytest.approx(10 / 110)  # s = 10 (n - 1 in the denominator), mean 110
    assert s["spd"] == pytest.approx(0.2)
    assert s["diffp"] == pytest.approx(0.1)
    assert s["rd"] == pytest.approx(10 / math.sqrt(50))  # s.d. of the losing bids 110, 120
    assert s["skew"] == pytest.approx(0.0, abs=1e-12)
    assert s["kurt"] is None  # needs four bids
    assert s["ks"] == pytest.approx(1 / 3)


def test_cv_is_sample_sd_over_mean() -> None:
    s = screens_of(10.0, 20.0, 30.0, 40.0)
    assert s["cv"] == pytest.approx(math.sqrt(500 / 3) / 25)


def test_tied_lowest_bids_give_zero_diffp_and_zero_rd() -> None:
    s = screens_of(100.0, 100.0, 120.0, 130.0)
    assert s["diffp"] == 0.0
    assert s["rd"] == 0.0  # the tied bid is a losing bid; the gap is zero


def test_rd_uses_the_sd_of_every_bid_but_the_lowest() -> None:
    s = screens_of(90.0, 100.0, 104.0, 112.0)
    assert s["rd"] == pytest.approx(10 / literal.sample_sd([100.0, 104.0, 112.0]))


def test_identical_bids_have_zero_dispersion_and_no_shape_screens() -> None:
    s = screens_of(50.0, 50.0, 50.0, 50.0)
    assert (s["cv"], s["spd"], s["diffp"]) == (0.0, 0.0, 0.0)
    assert (s["rd"], s["skew"], s["kurt"], s["ks"]) == (None, None, None, None)


def test_equal_losing_bids_leave_rd_undefined() -> None:
    s = screens_of(90.0, 100.0, 100.0, 100.0)
    assert s["rd"] is None
    assert s["diffp"] == pytest.approx(10 / 90)
    assert s["ks"] == pytest.approx(0.75)  # three of four bids sit at the top of the range


def test_kurtosis_and_skewness_are_the_adjusted_sample_estimators() -> None:
    bids = [100.0, 101.0, 103.0, 110.0, 130.0]
    s, lit = screens_of(*bids), literal.screens(bids)
    assert s["skew"] == pytest.approx(lit["skew"])
    assert s["kurt"] == pytest.approx(lit["kurt"])


def test_ks_is_the_distance_to_the_uniform_on_the_range() -> None:
    s = screens_of(0.5, 1.0, 1.0, 1.0, 2.5)
    # F = 0, .25, .25, .25, 1: at the tied value the empirical distribution jumps from 1/5 to 4/5.
    assert s["ks"] == pytest.approx(0.8 - 0.25)


def test_screens_match_the_literal_formulas_on_a_generated_market() -> None:
    market = random_market(300, seed=11)
    got = compute_screens(bids_frame(market)).tenders
    assert got.height == len(market)
    for row in got.iter_rows(named=True):
        expected = literal.screens(market[row["tender_id"]])
        for column in SCREEN_COLUMNS:
            if expected[column] is None:
                assert row[column] is None, (row["tender_id"], column)
            else:
                assert row[column] == pytest.approx(expected[column], rel=1e-9, abs=1e-12), (row["tender_id"], column)


def test_the_order_of_the_bids_does_not_matter() -> None:
    market = random_market(40, seed=3)
    shuffled = {t: list(reversed(a)) for t, a in market.items()}
    a = compute_screens(bids_frame(market)).tenders
    b = compute_screens(bids_frame(shuffled)).tenders
    assert a.equals(b)


def test_every_screen_has_an_id_titles_sources_and_a_threshold() -> None:
    ids = [c.id for c in SCREEN_CLASSES]
    assert ids == ["CV", "SPD", "DIFFP", "RD", "KURT", "SKEW", "KS"]
    for cls in SCREEN_CLASSES:
        screen = cls()
        assert screen.title_zh and screen.title_en and screen.sources and screen.legal_basis
        assert screen.direction in {"below", "above"}
        assert screen.threshold == cls.default_threshold


def test_thresholds_are_settable_by_id() -> None:
    screens = {s.id: s for s in default_screens(CV=0.01, RD=2.5)}
    assert screens["CV"].threshold == 0.01
    assert screens["RD"].threshold == 2.5
    assert screens["SPD"].threshold == 0.10


def test_an_unknown_screen_or_a_non_numeric_threshold_is_refused() -> None:
    with pytest.raises(DomainError) as unknown:
        default_screens(XX=1.0)
    assert unknown.value.code == "risk_screen_unknown"
    for bad in (float("nan"), "0.05", True):
        with pytest.raises(DomainError) as invalid:
            CoefficientOfVariation(bad)  # type: ignore[arg-type]
        assert invalid.value.code == "risk_threshold_invalid"


def test_a_flagged_tender_carries_its_value_threshold_and_evidence() -> None:
    tight = {1: [100.0, 100.5, 101.0, 101.2], 2: [100.0, 130.0, 150.0, 190.0]}
    screened = compute_screens(bids_frame(tight)).tenders
    flags = flag(screened, (CoefficientOfVariation(0.05),))
    assert flags["tender_id"].to_list() == [1]
    row = flags.row(0, named=True)
    assert row["indicator"] == "CV"
    assert row["title_zh"] == "投标报价变异系数"
    assert row["threshold"] == 0.05
    assert row["value"] == pytest.approx(literal.screens(tight[1])["cv"])
    assert row["evidence"]["n_bids"] == 4
    assert row["evidence"]["lowest"] == 100.0
    assert row["evidence"]["second_lowest"] == 100.5
    assert evidence_text(flags)[0].startswith("CV = 0.0")


def test_undefined_screens_never_flag() -> None:
    screened = compute_screens(bids_frame({1: [50.0, 50.0, 50.0]})).tenders
    flags = flag(screened, default_screens(RD=-1.0, KS=-1.0, KURT=-100.0))
    assert set(flags["indicator"]) == {"CV", "SPD"}  # RD, KS, KURT, SKEW are undefined, DIFFP is 0


def test_no_screens_chosen_gives_an_empty_flag_table() -> None:
    screened = compute_screens(bids_frame({1: [1.0, 2.0, 3.0]})).tenders
    assert flag(screened, ()).height == 0
    assert isinstance(flag(screened, ()), pl.DataFrame)
