"""``sunbid ledger``: verify, export, prove, and witness the tamper-evident log."""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sunbid.config import Settings

ledger_app = typer.Typer(
    help="The tamper-evident ledger: verify it, export it, prove entries, witness it.", no_args_is_help=True
)
console = Console(stderr=True)

Url = Annotated[str | None, typer.Option(help="Read the log from a running platform instead of the local database")]
Token = Annotated[str | None, typer.Option(envvar="SUNBID_TOKEN", help="API token (supervisors see every body)")]


def _http(url: str, token: str | None) -> Any:
    import httpx2

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx2.Client(base_url=url.rstrip("/") + "/api/v1", headers=headers, timeout=60)


def _records_from_url(url: str, token: str | None) -> Iterator[dict[str, Any]]:
    with _http(url, token) as client, client.stream("GET", "/ledger/export") as response:
        if response.status_code != 200:
            console.print(f"[red]{response.status_code}[/] {response.read().decode()}")
            raise typer.Exit(2)
        for line in response.iter_lines():
            if line.strip():
                yield json.loads(line)


def _records_from_file(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _records_from_db() -> Iterator[dict[str, Any]]:
    from sunbid.storage import ledger as store
    from sunbid.storage.db import make_engine

    engine = make_engine(Settings().database_url)
    try:
        with engine.connect() as conn:
            yield from store.export_records(conn)
    finally:
        engine.dispose()


@ledger_app.command()
def verify(
    file: Annotated[Path | None, typer.Option(help="An export file (JSON Lines)")] = None,
    url: Url = None,
    token: Token = None,
    witness: Annotated[list[Path] | None, typer.Option(help="A tree head held by a witness (JSON); repeatable")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Check a whole log and name the first bad entry. Exit code 0 if it holds, 1 if not."""
    from sunbid.ledger.keys import load_public
    from sunbid.ledger.log import TreeHead
    from sunbid.ledger.verify import verify as check

    records = _records_from_file(file) if file else _records_from_url(url, token) if url else _records_from_db()
    held = [TreeHead.from_json(json.loads(p.read_text())) for p in witness or []]
    with Progress(
        TextColumn("verifying"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("entries", total=None)
        report = check(records, load_public, witnessed=held, progress=lambda n: bar.update(task, completed=n))
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    elif report.ok:
        console.print(
            f"[green]✔ the log holds[/]: {report.size} entries, root {report.root.hex()}; "
            f"{len(report.checked_heads)} signed tree heads and {len(report.witnessed_heads)} witnessed "
            f"tree heads match"
        )
    else:
        console.print(
            f"[red]✘ the log does not hold[/]: first bad entry [bold]{report.first_bad}[/]\n  {report.problem}"
        )
    raise typer.Exit(0 if report.ok else 1)


@ledger_app.command()
def export(output: Annotated[Path, typer.Argument(help="File to write (JSON Lines)")]) -> None:
    """Export the local log: header, signed tree heads, then every entry with its leaf hash."""
    n = 0
    with output.open("w", encoding="utf-8") as fh:
        for rec in _records_from_db():
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += rec.get("type") == "entry"
    console.print(f"wrote {n} entries to {output}")


@ledger_app.command()
def checkpoint() -> None:
    """Sign the current tree head with the log key (the scheduler also does this)."""
    from sunbid.bootstrap import build

    head = build(Settings()).sign_tree_head()
    print(json.dumps(head.as_json(), indent=2))


@ledger_app.command()
def prove(
    seq: Annotated[int, typer.Argument(help="The entry's sequence number")],
    url: Url = None,
    tree_size: Annotated[int | None, typer.Option(help="Prove against this tree head (default: latest)")] = None,
) -> None:
    """Print an inclusion proof of one entry against a signed tree head (JSON, RFC 9162 hashing)."""
    if url:
        with _http(url, None) as client:
            response = client.get(
                "/ledger/proofs/inclusion", params={"seq": seq} | ({"tree_size": tree_size} if tree_size else {})
            )
            if response.status_code != 200:
                console.print(f"[red]{response.status_code}[/] {response.text}")
                raise typer.Exit(2)
            print(json.dumps(response.json(), indent=2))
            return
    from sunbid.kernel.errors import DomainError
    from sunbid.ledger import log
    from sunbid.storage import ledger as store
    from sunbid.storage.db import make_engine

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            s = store.SqlLogStore(conn, settings.ledger_hash)
            head = s.tree_head(tree_size) if tree_size else s.latest_tree_head()
            if head is None:
                console.print("[red]no signed tree head yet[/]: run `sunbid ledger checkpoint`")
                raise typer.Exit(2)
            try:
                print(json.dumps(log.inclusion_proof(s, seq, head), indent=2))
            except DomainError as exc:
                console.print(f"[red]{exc.code}[/]: {exc.message_en}")
                raise typer.Exit(2) from None
    finally:
        engine.dispose()


@ledger_app.command("check-proof")
def check_proof(
    proof: Annotated[Path, typer.Argument(help="A proof printed by `sunbid ledger prove`")],
    entry: Annotated[Path | None, typer.Option(help="The entry's canonical body, to check it too")] = None,
) -> None:
    """Verify an inclusion proof offline, against the signed tree head it carries."""
    from sunbid.kernel.errors import DomainError
    from sunbid.ledger.keys import load_public
    from sunbid.ledger.log import check_inclusion

    try:
        head = check_inclusion(
            json.loads(proof.read_text()), load_public, entry.read_bytes().rstrip(b"\n") if entry else None
        )
    except DomainError as exc:
        console.print(f"[red]✘ {exc.code}[/]: {exc.message_en}")
        raise typer.Exit(1) from None
    console.print(f"[green]✔ the entry is in the log[/] of {head.size} entries signed by key {head.key_id[:16]}…")


@ledger_app.command("witness-key")
def witness_key(
    output: Annotated[Path, typer.Argument(help="Where to write the private key (PEM)")],
    suite: Annotated[str, typer.Option(help="gm (SM2) or intl (Ed25519)")] = "gm",
    passphrase: Annotated[str | None, typer.Option(envvar="SUNBID_WITNESS_PASSPHRASE")] = None,
) -> None:
    """Make a witness key (for a supervisor who co-signs tree heads)."""
    from sunbid.crypto import get_suite

    key = get_suite(suite).generate_signing_key()
    output.write_bytes(key.to_pem(passphrase.encode() if passphrase else None))
    output.chmod(0o600)
    console.print(f"witness key {key.public_key().key_id()[:16]}… written to {output}")


@ledger_app.command()
def witness(
    url: Annotated[str, typer.Option(help="The platform's address")],
    key: Annotated[Path, typer.Option(help="The witness's private key (PEM)")],
    state: Annotated[Path, typer.Option(help="Where the witness keeps the last tree head it signed")],
    name: Annotated[str, typer.Option(help="Who the witness is")],
    suite: Annotated[str, typer.Option(help="The witness key's suite")] = "gm",
    token: Token = None,
    passphrase: Annotated[str | None, typer.Option(envvar="SUNBID_WITNESS_PASSPHRASE")] = None,
) -> None:
    """Check the platform's latest tree head against the last one this witness holds (consistency
    proof), co-sign it, deposit the co-signature, and keep it. The operator cannot rewrite the log
    behind a tree head that a witness holds."""
    from sunbid.crypto import get_suite
    from sunbid.kernel.errors import DomainError
    from sunbid.ledger import merkle
    from sunbid.ledger.keys import load_public
    from sunbid.ledger.log import Cosignature, TreeHead

    chosen = get_suite(suite)
    private = chosen.load_private_key(key.read_bytes(), passphrase.encode() if passphrase else None)
    with _http(url, token) as client:
        response = client.get("/ledger/tree-head")
        if response.status_code != 200:
            console.print(f"[red]{response.status_code}[/] {response.text}")
            raise typer.Exit(2)
        head = TreeHead.from_json(response.json())
        try:
            head.verify(load_public)
        except DomainError as exc:
            console.print(f"[red]✘ {exc.message_en}[/]")
            raise typer.Exit(1) from None
        if state.exists():
            held = TreeHead.from_json(json.loads(state.read_text()))
            if head.size < held.size or (head.size == held.size and head.root != held.root):
                console.print(
                    f"[red]✘ fork: the platform's tree head (size {head.size}) contradicts the held one "
                    f"(size {held.size})[/]"
                )
                raise typer.Exit(1)
            if head.size > held.size:
                proof = client.get("/ledger/proofs/consistency", params={"first": held.size, "second": head.size})
                path = [bytes.fromhex(x) for x in proof.json().get("proof", [])] if proof.status_code == 200 else []
                h = merkle.hash_function(head.hash_alg)
                if not merkle.verify_consistency(h, held.size, head.size, held.root, head.root, path):
                    console.print(
                        f"[red]✘ fork: the log of size {head.size} does not extend the held tree head of "
                        f"size {held.size}[/]"
                    )
                    raise typer.Exit(1)
        signature = private.sign(head.data())
        public = private.public_key()
        cosig = Cosignature(name, public.key_id(), suite, public.to_der(), signature)
        response = client.post(
            f"/ledger/tree-heads/{head.size}/cosignatures",
            json={
                "witness": name,
                "suite": suite,
                "public_key": base64.b64encode(public.to_der()).decode(),
                "signature": base64.b64encode(signature).decode(),
            },
        )
        if response.status_code != 201:
            console.print(f"[yellow]co-signature not deposited ({response.status_code})[/]: {response.text}")
    state.write_text(json.dumps(head.with_cosignature(cosig).as_json(), indent=2))
    console.print(f"[green]✔ witnessed[/] tree head of size {head.size}, root {head.root.hex()[:16]}…; kept in {state}")


if __name__ == "__main__":  # pragma: no cover
    ledger_app(sys.argv[1:])
