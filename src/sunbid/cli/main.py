"""``sunbid``: serve the platform, run the scheduler, migrate the database, run the demo."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated

import typer
from rich.console import Console

from sunbid.cli.bid import bid_app, custodian_app
from sunbid.cli.ca import ca_app
from sunbid.cli.experts import experts_app
from sunbid.cli.ledger import ledger_app
from sunbid.cli.risk import risk_app
from sunbid.cli.spot_check import spot_check_app
from sunbid.config import Settings

app = typer.Typer(
    help="阳光招标 sunbid: full-process electronic tendering.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(ledger_app, name="ledger")
app.add_typer(ca_app, name="ca")
app.add_typer(risk_app, name="risk")
app.add_typer(bid_app, name="bid")
app.add_typer(custodian_app, name="custodian")
app.add_typer(experts_app, name="experts")
app.add_typer(spot_check_app, name="spot-check")
console = Console()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "head") -> None:
    """Apply the migrations to SUNBID_DATABASE_URL."""
    from sunbid.storage import migrate

    settings = Settings()
    migrate.upgrade(settings.database_url, revision)
    console.print(f"database at revision [bold]{migrate.current(settings.database_url)}[/]")


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision."""
    from sunbid.storage import migrate

    console.print(migrate.current(Settings().database_url) or "(empty)")


@app.command()
def seed() -> None:
    """Load the demo organisations, users and tenders (once; a second run changes nothing)."""
    from sunbid.bootstrap import build
    from sunbid.demo.seed import seed as do_seed
    from sunbid.storage import migrate

    settings = Settings()
    migrate.upgrade(settings.database_url)
    made = do_seed(build(settings), log=lambda m: console.print(f"  {m}"))
    console.print("demo data loaded" if made else "demo data already present; nothing changed")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Migrate and load demo data first")] = False,
) -> None:
    """Run the HTTP API."""
    import uvicorn

    from sunbid.api.app import create_app
    from sunbid.bootstrap import build
    from sunbid.storage import migrate

    settings = Settings()
    if demo:
        migrate.upgrade(settings.database_url)
    platform = build(settings)
    if demo:
        from sunbid.demo.seed import DEMO_PASSWORD
        from sunbid.demo.seed import seed as do_seed

        if do_seed(platform, log=lambda m: console.print(f"  {m}")):
            console.print("demo data loaded")
        head = platform.sign_tree_head()
        console.print(f"ledger: {head.size} entries, tree head signed (root {head.root.hex()[:16]}…)")
        console.print(
            f"demo users: admin, tenderer, agency, bidder1-4, expert, supervisor, auditor; "
            f"password [bold]{DEMO_PASSWORD}[/]"
        )
    console.print(f"sunbid on http://{host}:{port}/api/v1/docs  (database {settings.database_url})")
    uvicorn.run(create_app(platform), host=host, port=port, log_level="info")


@app.command()
def scheduler(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between passes")] = 30.0,
) -> None:
    """Run time-driven transitions: bidding closes and the opening starts at the deadline, the
    decryption windows end, candidate publicity ends, explanations expire, overdue answers,
    refunds, publications, contracts and complaint decisions are flagged, each tender's market is
    scanned for risk after its opening is concluded and after each award (warnings), the credit
    grades are recomputed once a day, uploads abandoned for a day are removed, and the tree head
    is signed. Safe to run twice at once."""
    from sunbid.bootstrap import build
    from sunbid.kernel.context import SYSTEM, Context

    platform = build(Settings())
    while True:
        ctx = Context(actor=SYSTEM, clock=platform.clock, rules=platform.rules)
        for action, subject in platform.run_due(ctx):
            console.print(f"{platform.clock.now().isoformat()}  {action}  {subject}")
        for path in platform.blobs.sweep_temporary(timedelta(hours=24)):
            console.print(f"{platform.clock.now().isoformat()}  removed an abandoned upload  {path.name}")
        head = platform.sign_tree_head()
        console.print(f"{platform.clock.now().isoformat()}  tree head  size {head.size} root {head.root.hex()[:16]}…")
        if once:
            return
        time.sleep(interval)


@app.command()
def demo(speed: Annotated[float, typer.Option(help="Simulated seconds per real second")] = 60.0) -> None:
    """Drive one tender through the HTTP API with an accelerated clock, from the plan to the contract:
    announcement, objections, sealed bids, the opening, the blind draw, the evaluation, the award.
    Each step is printed, the refusals too, and the whole ledger is verified at the end."""
    from sunbid.demo.walkthrough import run

    raise typer.Exit(run(console, speed=speed))


@app.command()
def docs(directory: Annotated[str, typer.Option(help="The docs directory")] = "docs") -> None:
    """Regenerate the documents drawn from the code: the OpenAPI spec and the state-machine diagram."""
    from pathlib import Path

    from sunbid.api.app import openapi_document
    from sunbid.tendering.diagram import markdown

    root = Path(directory)
    (root / "api").mkdir(parents=True, exist_ok=True)
    (root / "api" / "openapi.json").write_text(openapi_document())
    (root / "tender-state-machine.md").write_text(markdown())
    console.print(f"wrote {root / 'api' / 'openapi.json'} and {root / 'tender-state-machine.md'}")


if __name__ == "__main__":
    app()
