"""``sunbid risk``: retrain the collusion classifier and regenerate its benchmark.

Both commands need the development dependencies (scikit-learn); scoring with the shipped model
does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sunbid.kernel.errors import DomainError

risk_app = typer.Typer(help="The risk engine: retrain the collusion classifier, regenerate its benchmark.")
console = Console(stderr=True)

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA = PROJECT_ROOT / ".." / "shared" / "data" / "bidrigging" / "garcia2022"
DEFAULT_MODEL = PROJECT_ROOT / "src" / "sunbid" / "risk" / "models" / "collusion-v2.json"
DEFAULT_REPORT = PROJECT_ROOT / "docs" / "risk" / "benchmark.md"

DataDir = Annotated[Path, typer.Option(help="Directory of the labelled DB_Collusion_*_processed.csv files")]
ModelPath = Annotated[Path, typer.Option(help="The model file to write")]

F = TypeVar("F", bound=Callable[..., Any])


def _refusals(function: F) -> F:
    """Print a domain error in both languages and exit with status 2, instead of a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except DomainError as exc:
            console.print(f"[bold red]{exc.code}[/]: {exc.message_zh} / {exc.message_en}")
            raise typer.Exit(2) from exc

    return wrapper  # type: ignore[return-value]


def _training() -> Any:
    try:
        from sunbid.risk import training
    except ImportError as exc:  # pragma: no cover - only without the dev group
        raise DomainError(
            "risk_training_unavailable",
            "重新训练需要开发依赖（scikit-learn）：uv sync",
            "Retraining needs the development dependencies (scikit-learn): uv sync",
        ) from exc
    return training


@contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None]]:
    with Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("starting", total=total)

        def step(label: str) -> None:
            progress.update(task, advance=1, description=label)

        yield step


@risk_app.command("train")
@_refusals
def train(data_dir: DataDir = DEFAULT_DATA, model: ModelPath = DEFAULT_MODEL) -> None:
    """Retrain the collusion classifier on the labelled datasets and write the model file.

    The feature family and the regularisation are chosen by the held-out-market AUC (fit on all
    datasets but one, score the one left out).
    """
    training = _training()
    with _progress(len(training.DATASETS) + 2) as step:
        markets = training.load_markets(data_dir.resolve(), step)
        selection = training.select(training.own_parts(markets))
        step("model chosen")
        doc = training.train_document(markets, selection)
        training.write_model(doc, model)
        step("model written")
    console.print(
        f"wrote {model} (version {doc['version']}, features {doc['recipe']['family']}, "
        f"C = {doc['recipe']['regularisation_C']:g}, flag quantile {doc['flag_quantile']:g})"
    )
    for recipe in training.RECIPES:
        console.print(f"  {recipe.label:<22} mean held-out AUC {selection.mean_auc(recipe):.3f}")
    for name, m in doc["metrics"]["leave_one_dataset_out"].items():
        console.print(f"  left out {name}: AUC {m['auc']:.3f}, balanced accuracy {m['balanced_accuracy']:.3f}")


@risk_app.command("evaluate")
@_refusals
def evaluate(
    data_dir: DataDir = DEFAULT_DATA,
    output: Annotated[Path, typer.Option(help="The report to write")] = DEFAULT_REPORT,
    splits: Annotated[int, typer.Option(min=2, help="Stratified 80/20 splits per dataset")] = 20,
    forest_seeds: Annotated[int, typer.Option(min=1, help="Random-forest seeds when a dataset is left out")] = 5,
) -> None:
    """Regenerate docs/risk/benchmark.md: per-dataset splits and leave one dataset out."""
    training = _training()
    n = len(training.DATASETS)
    with _progress(n + n + n * splits + n) as step:
        markets = training.load_markets(data_dir.resolve(), step)
        bench = training.evaluate(markets, step, splits=splits, forest_seeds=forest_seeds)
    doc = training.train_document(markets)
    command = "uv run sunbid risk evaluate"
    if splits != training.SPLITS:
        command += f" --splits {splits}"
    if forest_seeds != training.LODO_RF_SEEDS:
        command += f" --forest-seeds {forest_seeds}"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(training.benchmark_markdown(bench, doc, command), encoding="utf-8")
    console.print(f"wrote {output}")
