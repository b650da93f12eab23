"""``sunbid bid`` and ``sunbid custodian``: the bidder's and the custodian's tools.

Sealing and unwrapping happen on this machine, with keys that never leave it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

bid_app = typer.Typer(help="The bidder's tool: seal, submit, decrypt at the opening, withdraw.", no_args_is_help=True)
custodian_app = typer.Typer(
    help="An opening custodian's tool: open the bids their bidders could not.", no_args_is_help=True
)
console = Console(stderr=True)

Url = Annotated[str, typer.Option(envvar="SUNBID_URL", help="The platform's address")]
Token = Annotated[str, typer.Option(envvar="SUNBID_TOKEN", help="Your API token")]
Keys = Annotated[
    list[str],
    typer.Option(
        "--key",
        help="SUITE=KEY.pem of an encryption key (repeat for gm and intl); its passphrase is read from "
        "SUNBID_KEY_PASSPHRASE",
    ),
]


def _passphrase() -> bytes | None:
    value = os.environ.get("SUNBID_KEY_PASSPHRASE")
    return value.encode() if value else None


def _keys(specs: list[str]) -> dict[str, Any]:
    from sunbid.crypto import load_private_key

    out = {}
    for spec in specs:
        suite, _, path = spec.partition("=")
        if suite not in ("gm", "intl") or not path:
            raise typer.BadParameter(f"{spec!r}: write SUITE=PATH, e.g. gm=enc-key.pem")
        out[suite] = load_private_key(Path(path).read_bytes(), _passphrase())
    return out


def _fail(exc: Exception) -> None:
    from sunbid.client.bids import ApiError
    from sunbid.kernel.errors import DomainError

    if isinstance(exc, ApiError):
        console.print(f"[red]✘ {exc.status} {exc.code}[/]  {exc.problem.get('message_zh', '')}")
        console.print(f"  {exc.problem.get('message_en', '')}")
    elif isinstance(exc, DomainError):
        console.print(f"[red]✘ {exc.code}[/]  {exc.message_zh}\n  {exc.message_en}")
    else:
        raise exc
    raise typer.Exit(1)


def _print(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


@bid_app.command("seal")
def seal(
    out: Annotated[Path, typer.Argument(help="Where to write the sealed envelope")],
    tender: Annotated[str, typer.Option(help="Tender id")],
    section: Annotated[str, typer.Option(help="Section (标段) id")],
    form: Annotated[Path, typer.Option(help="The bid form (投标函) as JSON: price, duration, project manager…")],
    file: Annotated[list[str], typer.Option(help="PART=PATH of a bid file: commercial, technical, qualification…")],
    sign_key: Annotated[Path, typer.Option(help="Your signing key (PEM)")],
    sign_cert: Annotated[Path, typer.Option(help="Your signing certificate (PEM)")],
    enc_cert: Annotated[
        Path, typer.Option(help="Your encryption certificate (PEM): the content key is wrapped for it")
    ],
    url: Url,
    suite: Annotated[str, typer.Option(help="gm (SM2/SM3/SM4) or intl (Ed25519/X25519/AES-256-GCM)")] = "gm",
    member: Annotated[list[str] | None, typer.Option(help="A consortium member CODE:NAME:SHARE (repeat)")] = None,
) -> None:
    """Seal a bid on this machine as the tender's sealing terms require (read from the platform)."""
    from sunbid.client.bids import BidClient, KeyPair
    from sunbid.client.bids import seal as do_seal
    from sunbid.crypto import envelope, load_private_key
    from sunbid.crypto.x509 import load_certificates

    try:
        signing_key = load_private_key(sign_key.read_bytes(), _passphrase())
        signing = load_certificates(sign_cert.read_bytes())[0]
        encryption = load_certificates(enc_cert.read_bytes())[0]
        if signing.credit_code is None or signing.organisation is None:
            raise typer.BadParameter("the signing certificate names no organisation and credit code")
        files = []
        for spec in file:
            part, _, path = spec.partition("=")
            p = Path(path)
            files.append(envelope.BidFile(p.name, part=part, path=p))
        members = [envelope.Member(*m.split(":", 2)) for m in member or []]
        with BidClient(url) as client:
            terms = client.sealing(tender)
        sealed = do_seal(
            out,
            terms,
            tender_id=tender,
            section_id=section,
            bidder=envelope.Party(signing.credit_code, signing.organisation),
            form=json.loads(form.read_text("utf-8")),
            files=files,
            signing=KeyPair(signing_key, signing),
            encryption_certificate=encryption,
            suite=suite,
            consortium=members,
        )
    except Exception as exc:
        _fail(exc)
        return
    console.print(f"[green]✔ sealed[/] {out} ({sealed.size:,} bytes, {sealed.frames} chunks, {sealed.suite})")
    console.print(f"  envelope {sealed.envelope_id}  ciphertext digest {sealed.ciphertext_digest.hex()}")


@bid_app.command("submit")
def submit(
    envelope_file: Annotated[Path, typer.Argument(help="The sealed envelope")],
    tender: Annotated[str, typer.Option(help="Tender id")],
    section: Annotated[str, typer.Option(help="Section id")],
    url: Url,
    token: Token,
    receipt: Annotated[Path | None, typer.Option(help="Save the signed receipt here")] = None,
    idempotency_key: Annotated[str | None, typer.Option(help="Retry safely with the same key")] = None,
) -> None:
    """Submit a sealed envelope (streamed); prints the signed receipt (回执)."""
    from sunbid.client.bids import BidClient, write_json

    try:
        with BidClient(url, token) as client:
            answer = client.submit(tender, section, envelope_file, idempotency_key=idempotency_key)
    except Exception as exc:
        _fail(exc)
        return
    if receipt is not None:
        write_json(receipt, answer["receipt"])
    statement = answer["receipt"]["receipt"]
    console.print(f"[green]✔ received[/] bid {answer['bid']['id']} at ledger position {statement['ledger_seq']}")
    _print(answer["receipt"])


@bid_app.command("verify-receipt")
def verify_receipt(
    receipt: Annotated[Path, typer.Argument(help="A receipt saved by `sunbid bid submit --receipt`")],
    root: Annotated[Path, typer.Option(help="The platform's root certificate (GET /platform/certificate)")],
    url: Annotated[str | None, typer.Option(envvar="SUNBID_URL", help="Also prove the entry is in the ledger")] = None,
) -> None:
    """Check a receipt: the platform's signature, the statement's digest, and its ledger entry."""
    from sunbid.client.bids import BidClient
    from sunbid.client.bids import verify_receipt as check
    from sunbid.crypto.x509 import load_certificates

    try:
        data = json.loads(receipt.read_text("utf-8"))
        proof = None
        if url:
            with BidClient(url) as client:
                proof = client._json(
                    client.http.get("/ledger/proofs/inclusion", params={"seq": data["receipt"]["ledger_seq"]})
                )
        checked = check(data, load_certificates(root.read_bytes())[0], proof)
    except Exception as exc:
        _fail(exc)
        return
    console.print("[green]✔ the receipt holds[/]")
    _print(checked)


@bid_app.command("decrypt")
def decrypt(bid: Annotated[str, typer.Argument(help="Bid id")], url: Url, token: Token, key: Keys) -> None:
    """At the opening: unwrap your content key here with your encryption key and send it."""
    from sunbid.client.bids import BidClient

    try:
        with BidClient(url, token) as client:
            answer = client.decrypt(bid, _keys(key))
    except Exception as exc:
        _fail(exc)
        return
    console.print(f"[green]✔ decrypted[/] bid {bid}: price {(answer.get('form') or {}).get('price')}")


@bid_app.command("withdraw")
def withdraw(bid: Annotated[str, typer.Argument(help="Bid id")], url: Url, token: Token) -> None:
    """撤回 a bid before the deadline (条例 第三十五条)."""
    from sunbid.client.bids import BidClient

    try:
        with BidClient(url, token) as client:
            answer = client.withdraw(bid)
    except Exception as exc:
        _fail(exc)
        return
    console.print(f"[green]✔ withdrawn[/] bid {answer['id']}")


@custodian_app.command("open")
def custodian_open(tender: Annotated[str, typer.Argument(help="Tender id")], url: Url, token: Token, key: Keys) -> None:
    """Send your share of every bid waiting for the custodians, unwrapped here with your key."""
    from sunbid.client.bids import BidClient

    try:
        with BidClient(url, token) as client:
            done = client.custodian_open(tender, _keys(key))
    except Exception as exc:
        _fail(exc)
        return
    for bid in done:
        console.print(f"[green]✔ share sent[/] bid {bid['id']}: {bid['status']}")
    if not done:
        console.print("no bid is waiting for your share")
