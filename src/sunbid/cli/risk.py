"""``sunbid risk``: scan the platform or OCDS data for every risk indicator, review a tender document,
retrain the collusion classifier and regenerate its benchmark.

``train`` and ``evaluate`` need the development dependencies (scikit-learn); scanning and scoring
with the shipped model do not.
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

risk_app = typer.Typer(
    help="The risk engine: scan for risk indicators, review tender documents, retrain the collusion classifier."
)
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


# ---------------------------------------------------------------------------- scan and review
def _thresholds(path: Path | None) -> dict[str, dict[str, float]]:
    """Threshold overrides from a TOML file: ``[SIG-ADDRESS] market_bidders = 20``."""
    if path is None:
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DomainError(
            "risk_thresholds_unreadable",
            f"无法读取阈值文件：{exc}",
            f"The thresholds file cannot be read: {exc}",
        ) from exc
    out: dict[str, dict[str, float]] = {}
    for key, table in data.items():
        if not isinstance(table, dict):
            raise DomainError(
                "risk_thresholds_invalid",
                f"阈值文件中 {key} 须为一个表",
                f"{key} in the thresholds file must be a table",
            )
        out[key] = dict(table)
    return out


def _write_outputs(result: Any, out: Path, title: str) -> None:
    from sunbid.risk import report

    out.mkdir(parents=True, exist_ok=True)
    (out / "scan.json").write_text(report.to_json(result), encoding="utf-8")
    (out / "flags.csv").write_text(report.to_csv(result.flags), encoding="utf-8")
    (out / "skips.csv").write_text(report.to_csv(result.skips), encoding="utf-8")
    (out / "scores.csv").write_text(report.to_csv(result.scores), encoding="utf-8")
    (out / "report.html").write_text(report.to_html(result, title), encoding="utf-8")


def _print_summary(result: Any, out: Path) -> None:
    from rich.table import Table

    summary = result.summary()
    table = Table(title=f"{summary['flags']} flags, {summary['skipped']} skipped")
    for col in ("indicator", "severity", "flags"):
        table.add_column(col)
    for row in summary["flags_by_indicator"]:
        table.add_row(row["indicator"], row["severity"], str(row["count"]))
    console.print(table)
    if summary["skips_by_reason"]:
        skipped = Table(title="skipped, by reason")
        skipped.add_column("reason")
        skipped.add_column("items")
        for reason, n in summary["skips_by_reason"].items():
            skipped.add_row(reason, str(n))
        console.print(skipped)
    console.print(f"wrote {out}/scan.json, flags.csv, skips.csv, scores.csv and report.html")


@risk_app.command("scan")
@_refusals
def scan(
    ocds: Annotated[
        list[Path] | None,
        typer.Option(help="OCDS files or directories (JSON, JSON Lines, packages, records); default: the database"),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Directory for scan.json, flags.csv, skips.csv, scores.csv, report.html")
    ] = Path("var/risk-scan"),
    thresholds: Annotated[Path | None, typer.Option(help="TOML file of threshold overrides per indicator id")] = None,
    bid_texts: Annotated[bool, typer.Option(help="Decrypt opened bids again to compare their texts")] = False,
    validate_every: Annotated[
        int, typer.Option(min=0, help="Check one OCDS release in N against the schema (0: none)")
    ] = 1,
    snapshot_dir: Annotated[Path | None, typer.Option(help="Also write the snapshot as Arrow IPC files here")] = None,
) -> None:
    """Scan the platform's database (SUNBID_DATABASE_URL) or OCDS files for every risk indicator."""
    from sunbid.risk.model import CollusionModel
    from sunbid.risk.scan import STEPS_MARKET, STEPS_SNAPSHOT, scan_market, scan_snapshot

    limits = _thresholds(thresholds)
    model = CollusionModel.load()
    if ocds:
        from sunbid.risk.ocds import ocds_files, read_ocds, schema_skips

        files = ocds_files(ocds)
        if not files:
            raise DomainError(
                "risk_ocds_none", "没有找到 OCDS 文件（.json、.jsonl）", "No OCDS files (.json, .jsonl) found"
            )
        total = sum(f.stat().st_size for f in files)
        with Progress(
            TextColumn("{task.description:<40}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            reading = progress.add_task("reading OCDS", total=total)
            market, skipped, read = read_ocds(
                files,
                validate_every=validate_every,
                on_file=lambda p: progress.update(reading, description=f"reading {p.name[:30]}"),
                on_progress=lambda n: progress.update(reading, advance=n),
            )
            steps = progress.add_task("indicators", total=STEPS_MARKET)
            result = scan_market(
                market,
                thresholds=limits,
                model=model,
                step=lambda s: progress.update(steps, advance=1, description=s),
            )
            progress.update(steps, completed=STEPS_MARKET)
        from sunbid.risk.indicators import concat_skips

        result.skips = concat_skips([skipped, schema_skips(read, "ocds"), result.skips])
        result.counts.update(
            {
                "files": len(files),
                "releases_read": read.releases,
                "releases_validated": read.validated,
                "releases_failing_schema": read.invalid,
            }
        )
        title = f"OCDS: {len(files)} file(s)"
    else:
        from sunbid.bootstrap import build
        from sunbid.config import Settings
        from sunbid.storage.risk_snapshot import STEPS, build_snapshot

        platform = build(Settings())
        with Progress(
            TextColumn("{task.description:<40}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("reading the database", total=STEPS_SNAPSHOT + STEPS)

            def step(s: str) -> None:
                progress.update(task, advance=1, description=s)

            snap = build_snapshot(platform.engine, platform.blobs, bid_texts=bid_texts, step=step)
            if snapshot_dir is not None:
                snap.write(str(snapshot_dir))
            result = scan_snapshot(snap, thresholds=limits, model=model, step=step)
            progress.update(task, completed=STEPS_SNAPSHOT + STEPS)
        platform.engine.dispose()
        title = "platform database"
    _write_outputs(result, out, title)
    _print_summary(result, out)


@risk_app.command("review")
@_refusals
def review(
    file: Annotated[Path, typer.Argument(help="A tender document as text (UTF-8 or GB18030)")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the findings as JSON")] = None,
) -> None:
    """Fair-competition review of one tender document: every finding with its clause and rule."""
    import json

    import polars as pl

    from sunbid.risk.review import ClauseReview

    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise DomainError("risk_review_unreadable", f"无法读取文件：{exc}", f"The file cannot be read: {exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise DomainError(
                "risk_review_not_text", "文件不是 UTF-8 或 GB18030 文本", "The file is not UTF-8 or GB18030 text"
            ) from exc
    docs = pl.DataFrame({"document_id": [file.name], "tender_id": [file.name], "text": [text]})
    hits = ClauseReview().hits(docs)
    from sunbid.risk.review import RULES

    cards = {r.id: r for r in RULES}
    out = Console(soft_wrap=True, highlight=False)
    out.print(f"[bold]{file.name}[/]: {hits.height} finding(s) / 发现 {hits.height} 处")
    findings = []
    for h in hits.iter_rows(named=True):
        rule = cards[h["rule"]]
        out.print(f"\n[bold]line {h['line']}[/] · {rule.id} [{rule.severity}] {rule.title_zh} / {rule.title_en}")
        if h["heading"]:
            out.print(f"  under: {h['heading']}", markup=False)
        out.print(f"  「{h['quote']}」", markup=False)
        out.print(f"  basis: {rule.article}", markup=False)
        findings.append(
            {
                "line": h["line"],
                "heading": h["heading"],
                "rule": rule.id,
                "title_zh": rule.title_zh,
                "title_en": rule.title_en,
                "article": rule.article,
                "severity": str(rule.severity),
                "quote": h["quote"],
            }
        )
    if json_out is not None:
        json_out.write_text(json.dumps({"file": str(file), "findings": findings}, ensure_ascii=False, indent=1))


@risk_app.command("indicators")
@_refusals
def indicators(
    output: Annotated[Path, typer.Option(help="Where to write the catalogue")] = PROJECT_ROOT
    / "docs"
    / "risk"
    / "indicators.md",
) -> None:
    """Write docs/risk/indicators.md: every indicator's id, definition, thresholds and basis."""
    from sunbid.risk.catalogue import cards, markdown

    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(markdown(), encoding="utf-8")
    console.print(f"wrote {output} ({len(cards())} indicators)")
