"""``sunbid experts verify-draw``: re-run a committee's blind draw from its revealed record.

The record (``sunbid-draw-record/1``, from ``GET /committees/{id}/draw-record``) holds the
request, the committed candidate list, the revealed seed and contribution, the walk, and the
ledger entry that committed each draw. The check needs nothing from the platform but, with
``--url``, it also fetches each quoted ledger entry from the public log and compares them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

experts_app = typer.Typer(help="The expert pool and the blind draw: verify a committee's draw.", no_args_is_help=True)
console = Console()


def _fetch(url: str, committee: str, token: str | None) -> tuple[dict[str, Any], Any]:
    import httpx2

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = httpx2.Client(base_url=url.rstrip("/") + "/api/v1", headers=headers, timeout=60)
    response = client.get(f"/committees/{committee}/draw-record")
    if response.status_code != 200:
        body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
        console.print(
            f"[bold red]✘ {response.status_code} {body.get('code', '')}[/]: {body.get('detail', response.text)}"
        )
        raise typer.Exit(2)
    record: dict[str, Any] = response.json()
    return record, client


@experts_app.command("verify-draw")
def verify_draw(
    record_file: Annotated[Path | None, typer.Argument(help="A draw record saved as JSON")] = None,
    url: Annotated[
        str | None, typer.Option(help="Fetch the record (and the ledger entries) from this platform")
    ] = None,
    committee: Annotated[str | None, typer.Option(help="The committee id, with --url")] = None,
    token: Annotated[
        str | None, typer.Option(envvar="SUNBID_TOKEN", help="API token, before the record is public")
    ] = None,
    save: Annotated[Path | None, typer.Option(help="Keep the fetched record in this file")] = None,
) -> None:
    """Re-run every draw of a committee and say whether it gives the recorded committee."""
    from sunbid.experts.service import check_record

    client = None
    if url is not None:
        if committee is None:
            raise typer.BadParameter("--url needs --committee")
        record, client = _fetch(url, committee, token)
        if save is not None:
            save.write_text(json.dumps(record, ensure_ascii=False, indent=2))
    elif record_file is not None:
        record = json.loads(record_file.read_text())
    else:
        raise typer.BadParameter("give a record file, or --url and --committee")
    result = check_record(record)
    if client is not None:
        with client:
            for n, draw in enumerate(record.get("draws") or [], start=1):
                seq = (draw.get("ledger") or {}).get("seq")
                if seq is None:
                    continue
                got = client.get("/ledger/entries", params={"after": seq - 1, "limit": 1}).json()["items"]
                if not got or got[0]["body"] != draw["ledger"]["entry"]:
                    result.problems.append(f"draw {n}: the ledger's entry {seq} is not the one the record quotes")
        result.ok = not result.problems
    for n, draw in enumerate(record.get("draws") or [], start=1):
        seats = [s for line in draw.get("walk") or [] for s in line.get("seats", [])]
        reserves = [s for line in draw.get("walk") or [] for s in line.get("reserves", [])]
        skipped = sum(1 for line in draw.get("walk") or [] for s in line.get("steps", []) if s["outcome"] == "excluded")
        console.print(
            f"  draw {n} ({draw.get('purpose')}): {len(seats)} seat(s), {len(reserves)} reserve(s), "
            f"{skipped} candidate(s) excluded with reasons; ledger entry {(draw.get('ledger') or {}).get('seq')}"
        )
    if result.ok:
        console.print(
            f"[bold green]✔[/] the draw re-runs to the recorded committee: {result.draws} draw(s), "
            f"{len(result.members)} expert(s) drawn from the committed seed and candidates"
        )
        return
    for problem in result.problems:
        console.print(f"[bold red]✘[/] {problem}")
    raise typer.Exit(1)
