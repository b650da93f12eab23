"""Retraining and the benchmark report, on labelled markets the test generates."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from sunbid.cli.main import app
from sunbid.kernel.errors import DomainError
from sunbid.risk.features import FEATURE_COLUMNS
from sunbid.risk.model import CollusionModel
from sunbid.risk.training import (
    DATASETS,
    FLAG_QUANTILE,
    RECIPES,
    Part,
    fit_linear,
    load_market,
    load_markets,
    nested_choices,
    own_parts,
    transfer,
)


def write_labelled_markets(directory: Path, tenders: int = 70, *, deflate_last: bool = False) -> None:
    """Four markets in the layout of the labelled files; collusive tenders have tight cover bids.

    ``deflate_last``: the last market also carries a deflated ``Bid_value`` beside the bids as
    submitted (``Bid_value_without_inflation``), as the US file does.
    """
    rng = np.random.default_rng(7)
    for k, (_, file) in enumerate(DATASETS):
        rows = []
        for t in range(tenders):
            collusive = t % 3 == 0
            n = int(rng.integers(3, 9 + 3 * k))
            estimate = float(rng.lognormal(10 + k, 1.0))
            spread = 0.01 if collusive else 0.08
            for a in estimate * (1 - rng.normal(0.05, spread, size=n)):
                rows.append((t, round(float(a), 2), int(collusive)))
        frame = pl.DataFrame(rows, schema=["Tender", "Bid_value", "Collusive_competitor"], orient="row")
        if deflate_last and k == len(DATASETS) - 1:
            frame = frame.with_columns(
                pl.col("Bid_value").alias("Bid_value_without_inflation"),
                (pl.col("Bid_value") * 0.731).alias("Bid_value"),
            )
        frame.write_csv(directory / file)


def test_train_writes_a_model_that_loads_and_scores(tmp_path: Path) -> None:
    write_labelled_markets(tmp_path, tenders=40)
    model_path = tmp_path / "model.json"
    result = CliRunner().invoke(app, ["risk", "train", "--data-dir", str(tmp_path), "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    model = CollusionModel.load(model_path)
    doc = json.loads(model_path.read_text())
    assert doc["training_data"][0]["tenders_scored"] == 40
    assert len(doc["selection"]["candidates"]) == len(RECIPES)
    assert model.flag_quantile == FLAG_QUANTILE
    # tight bids are what the generated cartels do: the model learns it, in every market left out
    for metrics in doc["metrics"]["leave_one_dataset_out"].values():
        assert metrics["auc"] > 0.8
    assert model.coefficients[model.features.index("cv")] < 0


def test_evaluate_writes_both_tables(tmp_path: Path) -> None:
    write_labelled_markets(tmp_path, tenders=40)
    report = tmp_path / "benchmark.md"
    result = CliRunner().invoke(
        app,
        [
            "risk",
            "evaluate",
            "--data-dir",
            str(tmp_path),
            "--output",
            str(report),
            "--splits",
            "2",
            "--forest-seeds",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    text = report.read_text()
    assert "## Per dataset: stratified 80/20 splits" in text
    assert "## Leave one dataset out" in text
    assert "## How the transfer model was chosen, without the left-out market" in text
    for method in ("rf", "v1", "transfer", "forest"):
        assert text.count(f"| {method} |") == 8, method
    assert "uv run sunbid risk evaluate --splits 2 --forest-seeds 1" in text


def test_missing_training_data_is_refused_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["risk", "train", "--data-dir", str(tmp_path), "--model", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "risk_training_data_missing" in result.output
    assert not (tmp_path / "m").exists()


def test_a_training_file_with_one_class_only_is_refused(tmp_path: Path) -> None:
    name, file = DATASETS[0]
    pl.DataFrame(
        {"Tender": [1, 1, 1, 2, 2, 2], "Bid_value": [1.0, 2, 3, 4, 5, 6], "Collusive_competitor": 0}
    ).write_csv(tmp_path / file)
    with pytest.raises(DomainError) as refused:
        load_market(tmp_path, name, file)
    assert refused.value.code == "risk_training_labels_invalid"


def test_a_training_file_without_bids_is_refused(tmp_path: Path) -> None:
    name, file = DATASETS[0]
    pl.DataFrame({"Tender": [1, 1, 1], "Collusive_competitor": [0, 0, 0]}).write_csv(tmp_path / file)
    with pytest.raises(DomainError) as refused:
        load_market(tmp_path, name, file)
    assert refused.value.code == "risk_training_data_invalid"


def test_the_bids_as_submitted_are_read_when_the_file_also_has_deflated_ones(tmp_path: Path) -> None:
    write_labelled_markets(tmp_path, tenders=40, deflate_last=True)
    markets = load_markets(tmp_path)
    assert [m.bid_column for m in markets] == ["Bid_value"] * 3 + ["Bid_value_without_inflation"]
    submitted = pl.read_csv(tmp_path / DATASETS[-1][1])["Bid_value_without_inflation"]
    assert markets[-1].tenders["lowest"].min() == submitted.min()


def synthetic_part(name: str, direction: float, size: int, seed: int) -> Part:
    """Percentiles of every feature; ``cv`` separates the classes in the given direction."""
    rng = np.random.default_rng(seed)
    y = (np.arange(size) % 2).astype(np.int64)
    x = rng.uniform(size=(size, len(FEATURE_COLUMNS)))
    cv = FEATURE_COLUMNS.index("cv")
    x[:, cv] = np.clip(0.5 + direction * (y - 0.5) * 0.6 + rng.normal(0, 0.1, size), 0, 1)
    return Part(name, x, y)


def test_one_market_with_the_opposite_trace_cannot_turn_the_shared_direction() -> None:
    shared = [synthetic_part(f"m{k}", -1.0, 200, k) for k in range(2)]
    opposite = synthetic_part("odd", +1.0, 5000, 9)  # larger and just as clear
    linear = fit_linear([*shared, opposite], ("cv", "spd"), 1.0)
    assert linear.coefficients[0] < 0


def test_the_choice_for_a_left_out_market_never_reads_its_labels(tmp_path: Path) -> None:
    write_labelled_markets(tmp_path, tenders=40)
    markets = load_markets(tmp_path)
    before = nested_choices(markets)
    flipped = markets[1]
    tenders = flipped.tenders.with_columns((1 - pl.col("y")).alias("y"))
    markets[1] = dataclasses.replace(flipped, tenders=tenders)
    after = nested_choices(markets)
    name = flipped.name
    assert after[name].recipe == before[name].recipe
    assert after[name].auc == before[name].auc
    # ... and the left-out market's scores and flags do not read them either
    parts = own_parts(markets)
    train = [p for p in parts if p.name != name]
    left_out = next(p for p in parts if p.name == name)
    original = Part(name, left_out.x, 1 - left_out.y)
    a = transfer(train, original, original.x, after[name])
    b = transfer(train, left_out, left_out.x, after[name])
    assert np.array_equal(a.p, b.p)
    assert np.array_equal(a.predicted, b.predicted)
    # the other markets' choices did read them: they changed with the flip
    assert any(after[o.name].auc != before[o.name].auc for o in markets if o.name != name)
