"""Retraining and the benchmark report, on labelled markets the test generates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
from typer.testing import CliRunner

from sunbid.cli.main import app
from sunbid.risk.model import CollusionModel
from sunbid.risk.training import DATASETS


def write_labelled_markets(directory: Path, tenders: int = 70) -> None:
    """Four markets in the layout of the labelled files; collusive tenders have tight cover bids."""
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
        pl.DataFrame(rows, schema=["Tender", "Bid_value", "Collusive_competitor"], orient="row").write_csv(
            directory / file
        )


def test_train_writes_a_model_that_loads_and_scores(tmp_path: Path) -> None:
    write_labelled_markets(tmp_path, tenders=40)
    model_path = tmp_path / "model.json"
    result = CliRunner().invoke(app, ["risk", "train", "--data-dir", str(tmp_path), "--model", str(model_path)])
    assert result.exit_code == 0, result.output
    model = CollusionModel.load(model_path)
    doc = json.loads(model_path.read_text())
    assert doc["training_data"][0]["tenders_scored"] == 40
    # tight bids are what the generated cartels do: the model learns it
    assert doc["metrics"]["leave_one_dataset_out"]["Japan"]["auc"] > 0.8
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
    assert text.count("| rf |") == 8
    assert text.count("| logistic |") == 8


def test_missing_training_data_is_refused_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["risk", "train", "--data-dir", str(tmp_path), "--model", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert not (tmp_path / "m").exists()
