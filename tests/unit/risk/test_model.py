"""The shipped collusion model: it loads, scores deterministically, and refuses what it cannot score."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sunbid.kernel.errors import DomainError
from sunbid.risk.features import FEATURE_COLUMNS, compute_features
from sunbid.risk.model import (
    CollusionModel,
    bid_cells,
    feature_matrix,
    market_percentiles,
    own_market_percentiles,
)

from .market import bids_frame, random_market


@pytest.fixture(scope="module")
def model() -> CollusionModel:
    return CollusionModel.load()


@pytest.fixture(scope="module")
def market() -> pl.DataFrame:
    return bids_frame(random_market(400, seed=21))


def test_the_shipped_model_is_versioned_and_says_what_it_was_trained_on(model: CollusionModel) -> None:
    doc = model.document
    assert model.version.count(".") == 2
    assert model.features == FEATURE_COLUMNS
    assert len(model.coefficients) == len(FEATURE_COLUMNS)
    assert [d["dataset"] for d in doc["training_data"]] == ["Italy", "Japan", "GR/SG", "USA"]
    for entry in doc["training_data"]:
        assert len(entry["sha256"]) == 64
        assert entry["tenders_scored"] > 0
    assert set(doc["metrics"]["leave_one_dataset_out"]) == {"Italy", "Japan", "GR/SG", "USA"}


def test_the_shipped_model_file_is_small() -> None:
    path = Path(__file__).parents[3] / "src" / "sunbid" / "risk" / "models" / "collusion-v1.json"
    assert path.stat().st_size < 20_000


def test_scores_are_probabilities_and_deterministic(model: CollusionModel, market: pl.DataFrame) -> None:
    first = model.score(market)
    second = model.score(market.sample(fraction=1.0, shuffle=True, seed=1))
    assert first.tenders.height == 400
    assert first.skipped.height == 0
    scores = first.tenders["collusion_score"].to_numpy()
    assert np.all((scores > 0) & (scores < 1))
    assert first.tenders.equals(second.tenders)
    assert first.tenders["flagged"].to_list() == list(scores >= model.threshold)


def test_own_market_percentiles_equal_the_reference_computation(market: pl.DataFrame) -> None:
    tenders = compute_features(market).tenders
    x, cells = feature_matrix(tenders), bid_cells(tenders["n_bids"].to_numpy())
    np.testing.assert_allclose(own_market_percentiles(tenders), market_percentiles(x, cells, x, cells), atol=1e-12)


def test_small_cells_fall_back_to_the_whole_market() -> None:
    tenders = compute_features(bids_frame(random_market(50, seed=2, max_bids=40))).tenders
    x, cells = feature_matrix(tenders), bid_cells(tenders["n_bids"].to_numpy())
    whole = market_percentiles(x, cells, x, cells, min_cell=10**6)
    np.testing.assert_allclose(own_market_percentiles(tenders, min_cell=10**6), whole, atol=1e-12)


def test_a_reference_market_places_new_tenders_among_earlier_ones(model: CollusionModel, market: pl.DataFrame) -> None:
    history = compute_features(market).tenders
    new = bids_frame({9001: [100.0, 100.1, 100.2, 100.25], 9002: [100.0, 140.0, 180.0, 240.0]})
    scored = model.score(new, reference=history).tenders
    assert scored["tender_id"].to_list() == [9001, 9002]
    assert scored["collusion_score"].is_finite().all()


def test_too_few_tenders_without_a_reference_are_refused(model: CollusionModel) -> None:
    with pytest.raises(DomainError) as refused:
        model.score(bids_frame({1: [1.0, 2.0, 3.0], 2: [2.0, 2.5, 3.5]}))
    assert refused.value.code == "risk_market_too_small"
    assert "30" in refused.value.message_zh


def test_bad_tenders_are_skipped_before_scoring(model: CollusionModel, market: pl.DataFrame) -> None:
    extra = pl.DataFrame({"tender_id": [5000, 5000], "amount": [1.0, 2.0]})
    result = model.score(pl.concat([market, extra]))
    assert 5000 not in result.tenders["tender_id"].to_list()
    assert result.skipped.row(0, named=True)["reason"] == "too_few_bids"


def test_a_broken_model_file_is_refused(tmp_path: Path, model: CollusionModel) -> None:
    doc = dict(model.document)
    doc["coefficients"] = doc["coefficients"][:-1]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(DomainError) as invalid:
        CollusionModel.load(bad)
    assert invalid.value.code == "risk_model_invalid"
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(DomainError) as unreadable:
        CollusionModel.load(tmp_path / "junk.json")
    assert unreadable.value.code == "risk_model_unreadable"
    with pytest.raises(DomainError):
        CollusionModel.from_document({**model.document, "format": "other"})


def test_scoring_does_not_import_the_training_library() -> None:
    code = (
        "import sys; from sunbid.risk.model import CollusionModel; CollusionModel.load(); "
        "assert not any(m.split('.')[0] in {'sklearn', 'pandas', 'scipy'} for m in sys.modules), 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
