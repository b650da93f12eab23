"""``sunbid spot-check verify``: re-run a spot check's draw from its record.

The record (``sunbid-spotcheck-record/1``, from ``GET /spot-checks/{id}/record``) holds the
request, the committed candidates and their weights, the revealed seed and contribution, the
sample, and the ledger entry that committed the draw. The check needs nothing from the platform;
with ``--url`` it also fetches the quoted ledger entry from the public log and compares it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

spot_check_app = typer.Typer(help="Random spot checks of tender documents: verify a draw.", no_args_is_help=True)
console = Console()


def _fetch(url: str, spot_check: str, token: str | None) -> tuple[dict[str, Any], Any]:
    import httpx2

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = httpx2.Client(base_url=url.rstrip("/") + "/api/v1", headers=headers, timeout=60)
    response = client.get(f"/spot-checks/{spot_check}/record")
    if response.status_code != 200:
        body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
        console.print(
            f"[bold red]✘ {response.status_code} {body.get('code', '')}[/]: {body.get('detail', response.text)}"
        )
        raise typer.Exit(2)
    record: dict[str, Any] = response.json()
    return record, client


@spot_check_app.command("verify")
def verify(
    record_file: Annotated[Path | None, typer.Argument(help="A spot-check record saved as JSON")] = None,
    url: Annotated[str | None, typer.Option(help="Fetch the record (and its ledger entry) from this platform")] = None,
    spot_check: Annotated[str | None, typer.Option("--id", help="The spot check's id, with --url")] = None,
    token: Annotated[
        str | None, typer.Option(envvar="SUNBID_TOKEN", help="A supervisor's or auditor's API token")
    ] = None,
    save: Annotated[Path | None, typer.Option(help="Keep the fetched record in this file")] = None,
) -> None:
    """Re-run a spot check's draw and say whether it gives the recorded sample."""
    from sunbid.supervision.spot_service import check_record

    client = None
    if url is not None:
        if spot_check is None:
            raise typer.BadParameter("--url needs --id")
        record, client = _fetch(url, spot_check, token)
        if save is not None:
            save.write_text(json.dumps(record, ensure_ascii=False, indent=2))
    elif record_file is not None:
        try:
            record = json.loads(record_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            console.print(f"[bold red]✘[/] the record cannot be read: {exc}")
            raise typer.Exit(2) from exc
    else:
        raise typer.BadParameter("give a record file, or --url and --id")
    if not isinstance(record, dict):
        console.print("[bold red]✘[/] the record is not a JSON object")
        raise typer.Exit(2)
    result = check_record(record)
    if client is not None:
        with client:
            seq = (record.get("ledger") or {}).get("seq")
            if seq is not None:
                got = client.get("/ledger/entries", params={"after": seq - 1, "limit": 1}).json()["items"]
                if not got or got[0]["body"] != record["ledger"]["entry"]:
                    result.problems.append(f"the ledger's entry {seq} is not the one the record quotes")
        result.ok = not result.problems
    candidates = (record.get("candidates") or {}).get("tenders") or []
    console.print(
        f"  {len(candidates)} candidate(s), total weight {sum(int(c.get('weight', 0)) for c in candidates)}; "
        f"sample of {len(record.get('sample') or [])}; ledger entry {(record.get('ledger') or {}).get('seq')}"
    )
    if result.ok:
        console.print(
            f"[bold green]✔[/] the draw re-runs to the recorded sample: {', '.join(result.sample)} "
            "from the committed seed, candidates and weights"
        )
        return
    for problem in result.problems:
        console.print(f"[bold red]✘[/] {problem}")
    raise typer.Exit(1)
