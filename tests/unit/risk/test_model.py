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
    FORMAT_VERSION,
    MODEL_FILE,
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
    assert f"collusion-v{FORMAT_VERSION}.json" == MODEL_FILE
    assert model.version.split(".")[0] == str(FORMAT_VERSION)
    assert doc["format_version"] == FORMAT_VERSION
    assert set(model.features) <= set(FEATURE_COLUMNS)
    assert len(model.coefficients) == len(model.features)
    assert 0 < model.flag_quantile < 1
    assert [d["dataset"] for d in doc["training_data"]] == ["Italy", "Japan", "GR/SG", "USA"]
    for entry in doc["training_data"]:
        assert len(entry["sha256"]) == 64
        assert entry["tenders_scored"] > 0
    assert set(doc["metrics"]["leave_one_dataset_out"]) == {"Italy", "Japan", "GR/SG", "USA"}
    candidates = doc["selection"]["candidates"]
    chosen = max(candidates, key=lambda c: c["mean_held_out_auc"])
    assert (chosen["family"], chosen["regularisation_C"]) == (
        doc["recipe"]["family"],
        doc["recipe"]["regularisation_C"],
    )


def test_the_shipped_model_file_is_small() -> None:
    path = Path(__file__).parents[3] / "src" / "sunbid" / "risk" / "models" / MODEL_FILE
    assert path.stat().st_size < 20_000


def test_the_shipped_model_ranks_tight_cover_bids_above_spread_ones(
    model: CollusionModel, market: pl.DataFrame
) -> None:
    rng = np.random.default_rng(3)
    tight = {20_000 + t: [round(1e6 * (1 + d), 2) for d in np.sort(rng.uniform(0, 0.01, size=6))] for t in range(20)}
    scored = model.score(pl.concat([market, bids_frame(tight)])).tenders
    is_tight = pl.col("tender_id") >= 20_000
    assert scored.filter(is_tight)["collusion_score"].min() > scored.filter(~is_tight)["collusion_score"].median()
    assert scored.filter(is_tight)["flagged"].all()


def test_scores_are_probabilities_and_deterministic(model: CollusionModel, market: pl.DataFrame) -> None:
    first = model.score(market)
    second = model.score(market.sample(fraction=1.0, shuffle=True, seed=1))
    assert first.tenders.height == 400
    assert first.skipped.height == 0
    scores = first.tenders["collusion_score"].to_numpy()
    assert np.all((scores > 0) & (scores < 1))
    assert first.tenders.equals(second.tenders)
    cut = np.quantile(scores, model.flag_quantile)
    assert first.tenders["flagged"].to_list() == list(scores >= cut)
    percentiles = first.tenders["risk_percentile"].to_numpy()
    assert np.all((percentiles > 0) & (percentiles < 1))
    assert np.array_equal(np.argsort(percentiles, kind="stable"), np.argsort(scores, kind="stable"))


def test_the_flag_quantile_sets_the_share_of_a_market_flagged(model: CollusionModel, market: pl.DataFrame) -> None:
    default = model.score(market).tenders["flagged"].mean()
    top_tenth = model.score(market, flag_quantile=0.9).tenders["flagged"].mean()
    assert default == pytest.approx(1 - model.flag_quantile, abs=0.02)
    assert top_tenth == pytest.approx(0.1, abs=0.02)


@pytest.mark.parametrize("quantile", [0.0, 1.0, 1.5, -0.1, float("nan"), True])
def test_a_flag_quantile_outside_zero_and_one_is_refused(
    model: CollusionModel, market: pl.DataFrame, quantile: float
) -> None:
    with pytest.raises(DomainError) as refused:
        model.score(market, flag_quantile=quantile)
    assert refused.value.code == "risk_flag_quantile_invalid"


def test_own_market_percentiles_equal_the_reference_computation(market: pl.DataFrame) -> None:
    tenders = compute_features(market, FEATURE_COLUMNS).tenders
    x, cells = feature_matrix(tenders), bid_cells(tenders["n_bids"].to_numpy())
    np.testing.assert_allclose(own_market_percentiles(tenders), market_percentiles(x, cells, x, cells), atol=1e-12)


def test_small_cells_fall_back_to_the_whole_market() -> None:
    tenders = compute_features(bids_frame(random_market(50, seed=2, max_bids=40)), FEATURE_COLUMNS).tenders
    x, cells = feature_matrix(tenders), bid_cells(tenders["n_bids"].to_numpy())
    whole = market_percentiles(x, cells, x, cells, min_cell=10**6)
    np.testing.assert_allclose(own_market_percentiles(tenders, min_cell=10**6), whole, atol=1e-12)


def test_a_reference_market_places_new_tenders_among_earlier_ones(model: CollusionModel, market: pl.DataFrame) -> None:
    history = compute_features(market, model.features).tenders
    new = bids_frame({9001: [100.0, 100.1, 100.2, 100.25], 9002: [100.0, 140.0, 180.0, 240.0]})
    scored = model.score(new, reference=history).tenders
    assert scored["tender_id"].to_list() == [9001, 9002]
    assert scored["collusion_score"].is_finite().all()
    tight, spread = scored.rows(named=True)
    assert tight["collusion_score"] > spread["collusion_score"]
    assert tight["flagged"]
    assert not spread["flagged"]
    assert tight["risk_percentile"] > 0.9 > 0.1 > spread["risk_percentile"]


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
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(DomainError) as not_object:
        CollusionModel.load(tmp_path / "list.json")
    assert not_object.value.code == "risk_model_invalid"


@pytest.mark.parametrize(
    "change",
    [
        {"format": "other"},
        {"format_version": 1},
        {"features": ["cv", "no_such_feature"]},
        {"coefficients": "not a list"},
        {"intercept": None},
        {"flag_quantile": 1.0},
        {"bins": [3, 3, 5]},
        {"min_cell": 0},
    ],
)
def test_a_model_document_with_a_wrong_field_is_refused(model: CollusionModel, change: dict[str, object]) -> None:
    with pytest.raises(DomainError) as refused:
        CollusionModel.from_document({**model.document, **change})
    assert refused.value.code == "risk_model_invalid"


def test_a_model_without_its_flag_quantile_is_refused(model: CollusionModel) -> None:
    doc = {k: v for k, v in model.document.items() if k != "flag_quantile"}
    with pytest.raises(DomainError) as refused:
        CollusionModel.from_document(doc)
    assert refused.value.code == "risk_model_invalid"
    assert "flag_quantile" in refused.value.message_en


def test_a_model_with_a_non_finite_coefficient_is_refused(model: CollusionModel) -> None:
    coefficients = [*model.document["coefficients"][:-1], float("nan")]
    with pytest.raises(DomainError) as refused:
        CollusionModel.from_document({**model.document, "coefficients": coefficients})
    assert refused.value.code == "risk_model_invalid"


def test_scoring_does_not_import_the_training_library() -> None:
    code = (
        "import sys; from sunbid.risk.model import CollusionModel; CollusionModel.load(); "
        "assert not any(m.split('.')[0] in {'sklearn', 'pandas', 'scipy'} for m in sys.modules), 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tenders_without_the_model_features_are_refused(model: CollusionModel, market: pl.DataFrame) -> None:
    tenders = compute_features(market, model.features).tenders.drop(model.features[0])
    with pytest.raises(DomainError) as refused:
        model.score_tenders(tenders)
    assert refused.value.code == "risk_features_missing"
    assert model.features[0] in refused.value.message_en
