"""``sunbid ca``: a small certification authority for demos and tests.

Passphrases come from environment variables (never from the command line, where ``ps`` would show
them), or are asked for when the variable is not set.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from sunbid.kernel.errors import DomainError

ca_app = typer.Typer(
    help="A small certification authority (CA) for demos and tests: gm (SM2) or intl (Ed25519).", no_args_is_help=True
)
console = Console(soft_wrap=True)
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

DirArg = Annotated[Path, typer.Argument(help="The CA directory")]
CA_PASSPHRASE_ENV = "SUNBID_CA_PASSPHRASE"  # noqa: S105  (the name of a variable, not a secret)
KEY_PASSPHRASE_ENV = "SUNBID_KEY_PASSPHRASE"  # noqa: S105


def _refusals(function: F) -> F:
    """Print a domain error in both languages and exit with status 2, instead of a traceback."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except DomainError as exc:
            err_console.print(f"[bold red]{exc.code}[/]: {exc.message_zh} / {exc.message_en}")
            raise typer.Exit(2) from exc

    return wrapper  # type: ignore[return-value]


def _passphrase(env: str, prompt: str, *, confirm: bool = False) -> bytes:
    value = os.environ.get(env)
    if value is None:
        value = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value.encode("utf-8")


def _now() -> datetime:
    return datetime.now(UTC)


@ca_app.command("init")
@_refusals
def init(
    directory: DirArg,
    name: Annotated[str, typer.Option("--name", help="The CA's common name (CN)")],
    suite: Annotated[str, typer.Option(help="gm (SM2/SM3) or intl (Ed25519/SHA-256)")] = "gm",
    organisation: Annotated[str | None, typer.Option("--org", help="The CA's organisation (O)")] = None,
    days: Annotated[int, typer.Option(help="Validity of the root certificate in days")] = 3650,
    p256: Annotated[bool, typer.Option("--p256", help="intl only: an ECDSA P-256 root instead of Ed25519")] = False,
    passphrase_env: Annotated[
        str, typer.Option(help="Environment variable holding the CA key passphrase")
    ] = CA_PASSPHRASE_ENV,
) -> None:
    """Create a root CA: an encrypted key (ca-key.pem), a self-signed certificate (ca-cert.pem), an empty CRL."""
    from sunbid.crypto import keys
    from sunbid.crypto.ca import LocalCA

    passphrase = _passphrase(passphrase_env, "CA key passphrase", confirm=True)
    ca = LocalCA.init(
        directory,
        suite=suite,
        common_name=name,
        organisation=organisation,
        passphrase=passphrase,
        now=_now(),
        days=days,
        key_algorithm=keys.P256 if p256 else None,
    )
    certificate = ca.certificate
    console.print(f"CA created in {directory}")
    console.print(
        f"  suite        {ca.suite} (key {certificate.key_algorithm}, signatures {certificate.signature_algorithm})"
    )
    console.print(f"  subject      {certificate.subject}")
    console.print(
        f"  valid        {certificate.not_before:%Y-%m-%d %H:%M:%S}Z .. {certificate.not_after:%Y-%m-%d %H:%M:%S}Z"
    )
    console.print(f"  fingerprint  SHA-256 {certificate.fingerprint()}")
    console.print(
        f"  files        {directory / 'ca-cert.pem'}, {directory / 'ca-key.pem'} (encrypted), {directory / 'crl.pem'}"
    )


@ca_app.command("issue")
@_refusals
def issue(
    directory: DirArg,
    out: Annotated[Path, typer.Option("--out", help="Directory for cert.pem and key.pem")],
    org: Annotated[str | None, typer.Option("--org", help="Organisation name (单位名称)")] = None,
    credit_code: Annotated[
        str | None, typer.Option("--credit-code", help="Unified social credit code (统一社会信用代码)")
    ] = None,
    person: Annotated[str | None, typer.Option("--person", help="A person's name, for a personal certificate")] = None,
    id_number: Annotated[str | None, typer.Option("--id-number", help="The person's identity number")] = None,
    usage: Annotated[str, typer.Option(help="sign, or encrypt (the key that receives sealed-bid keys)")] = "sign",
    days: Annotated[int, typer.Option(help="Validity in days")] = 365,
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="Certify this public key (PEM or DER) instead of making a key")
    ] = None,
    stem: Annotated[str, typer.Option(help="File name prefix: <stem>-cert.pem, <stem>-key.pem")] = "",
    passphrase_env: Annotated[
        str, typer.Option(help="Environment variable holding the CA key passphrase")
    ] = CA_PASSPHRASE_ENV,
    key_passphrase_env: Annotated[
        str, typer.Option(help="Environment variable holding the passphrase for the new key.pem")
    ] = KEY_PASSPHRASE_ENV,
) -> None:
    """Issue an end-entity certificate for an organisation (name + credit code) or a person."""
    from sunbid.crypto import keys, pkcs8, x509
    from sunbid.crypto.ca import LocalCA, write_issued
    from sunbid.identity.credit_code import validate_credit_code

    ca = LocalCA.open(directory)
    code = validate_credit_code(credit_code) if credit_code else None
    if person:
        subject = x509.person_name(person, identity_number=id_number, organisation=org, credit_code=code)
    elif org and code:
        subject = x509.organisation_name(org, code)
    else:
        raise DomainError(
            "ca_subject_invalid",
            "请给出单位名称和统一社会信用代码（--org --credit-code），或个人姓名（--person）",
            "Give an organisation and its unified social credit code (--org --credit-code), or a person (--person)",
        )
    given = None
    if public_key is not None:
        data = public_key.read_bytes()
        try:
            blocks = [body for label, body in pkcs8.pem_blocks(data) if label == "PUBLIC KEY"]
        except ValueError:
            blocks = []
        given = keys.load_public_key(blocks[0] if blocks else data)
    passphrase = _passphrase(passphrase_env, "CA key passphrase")
    issued = ca.issue(passphrase, subject=subject, now=_now(), days=days, usage=usage, public_key=given)
    key_passphrase = None
    if issued.private_key is not None:
        key_passphrase = _passphrase(key_passphrase_env, "Passphrase for the new key", confirm=True)
    written = write_issued(issued, out, key_passphrase=key_passphrase, stem=stem)
    certificate = issued.certificate
    console.print(f"issued serial {certificate.serial_hex()}")
    console.print(f"  subject      {certificate.subject}")
    console.print(f"  key          {certificate.key_algorithm}, usage {', '.join(sorted(certificate.key_usage or ()))}")
    console.print(
        f"  valid        {certificate.not_before:%Y-%m-%d %H:%M:%S}Z .. {certificate.not_after:%Y-%m-%d %H:%M:%S}Z"
    )
    console.print(f"  files        {', '.join(str(p) for p in written)}")


@ca_app.command("revoke")
@_refusals
def revoke(
    directory: DirArg,
    serial: Annotated[str, typer.Argument(help="Serial number (hex) of the certificate to revoke")],
    reason: Annotated[
        str, typer.Option(help="CRL reason: keyCompromise, superseded, cessationOfOperation...")
    ] = "unspecified",
    passphrase_env: Annotated[
        str, typer.Option(help="Environment variable holding the CA key passphrase")
    ] = CA_PASSPHRASE_ENV,
) -> None:
    """Revoke a certificate and write a new CRL (crl.pem)."""
    from sunbid.crypto.ca import LocalCA

    ca = LocalCA.open(directory)
    crl = ca.revoke(_passphrase(passphrase_env, "CA key passphrase"), serial, now=_now(), reason=reason)
    console.print(
        f"revoked {serial.upper()} ({reason}); CRL number {crl.number} lists {len(crl.revoked)} certificate(s)"
    )
    console.print(f"  crl          {directory / 'crl.pem'}")


@ca_app.command("crl")
@_refusals
def crl(
    directory: DirArg,
    days: Annotated[int, typer.Option(help="Days until the CRL's nextUpdate")] = 7,
    passphrase_env: Annotated[
        str, typer.Option(help="Environment variable holding the CA key passphrase")
    ] = CA_PASSPHRASE_ENV,
) -> None:
    """Write a fresh CRL (crl.pem) with the next CRL number."""
    from sunbid.crypto.ca import LocalCA

    ca = LocalCA.open(directory)
    made = ca.generate_crl(_passphrase(passphrase_env, "CA key passphrase"), now=_now(), days=days)
    console.print(
        f"CRL number {made.number}: {len(made.revoked)} revoked, next update {made.next_update:%Y-%m-%d %H:%M:%S}Z"
    )


@ca_app.command("list")
@_refusals
def list_issued(directory: DirArg) -> None:
    """List the certificates this CA issued and which are revoked."""
    from sunbid.crypto.ca import LocalCA

    ca = LocalCA.open(directory)
    revoked = {entry["serial"]: entry for entry in ca.revoked}
    console.print(f"{ca.certificate.subject}  ({ca.suite})")
    for entry in ca.issued:
        state = f"REVOKED {revoked[entry['serial']]['reason']}" if entry["serial"] in revoked else "valid"
        console.print(
            f"  {entry['serial']:<34} {entry['usage']:<8} until {entry['not_after'][:10]}  {state:<20} {entry['subject']}"
        )
