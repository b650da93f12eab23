"""Detached signatures over canonical JSON (RFC 8785) and over files.

A signature is a JSON object (format ``sunbid-signature/1``)::

    {"format": "sunbid-signature/1", "suite": "gm", "alg": "SM2-with-SM3", "content": "jcs",
     "digest": "<hex of the suite hash of the content>", "signed_at": "2026-03-02T01:00:00Z",
     "signer": "<base64 DER of the signer's certificate>", "signature": "<base64>"}

``content`` is ``jcs`` (the digest is over the RFC 8785 canonical bytes of a JSON value) or
``file`` (over the bytes of a file, hashed as a stream). The signature covers the RFC 8785
canonical form of the object without its ``signature`` member, so the suite, algorithm, digest,
claimed signing time and signer certificate are all signed. ``signed_at`` is the signer's claim,
not a trusted timestamp: the ledger's signed tree heads date a signature.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sunbid.kernel.errors import DomainError

from . import jcs
from .errors import crypto_error
from .keys import SIGNATURE_ALGORITHMS, PrivateKey
from .suites import Suite, get_suite, suite_of_algorithm
from .trust import TrustStore, ValidatedChain
from .x509 import Certificate

FORMAT = "sunbid-signature/1"
CONTENT_JSON = "jcs"
CONTENT_FILE = "file"
_FIELDS = ("format", "suite", "alg", "content", "digest", "signed_at", "signer", "signature")
_ALGS = {name: algorithm for algorithm, name in SIGNATURE_ALGORITHMS.items()}
_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class VerifiedSignature:
    suite: str
    alg: str
    content: str
    digest: bytes
    signed_at: datetime
    chain: ValidatedChain

    @property
    def signer(self) -> Certificate:
        return self.chain.end_entity


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    moment = moment.astimezone(UTC)
    fraction = f".{moment.microsecond:06d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def parse_time(text: str) -> datetime:
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise crypto_error("signature_malformed", reason="signed_at is not YYYY-MM-DDTHH:MM:SS[.ffffff]Z")
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise crypto_error("signature_malformed", reason="signed_at is not a real time") from exc


def hash_stream(suite: Suite, source: BinaryIO | Path | str) -> bytes:
    """The suite hash of a file or binary stream, read in 1 MiB chunks."""
    if isinstance(source, str | Path):
        with Path(source).open("rb") as handle:
            return hash_stream(suite, handle)
    hasher = suite.new_hasher()
    while chunk := source.read(_CHUNK):
        hasher.update(chunk)
    return hasher.digest()


def _sign(
    content: str, digest: bytes, key: PrivateKey, certificate: Certificate, signed_at: datetime
) -> dict[str, str]:
    public = key.public_key()
    if certificate.public_key_der != public.to_der():
        raise crypto_error("signer_certificate_mismatch", subject=str(certificate.subject))
    suite = suite_of_algorithm(key.algorithm)
    unsigned = {
        "format": FORMAT,
        "suite": suite.name,
        "alg": public.signature_algorithm,
        "content": content,
        "digest": digest.hex(),
        "signed_at": format_time(signed_at),
        "signer": certificate.to_base64(),
    }
    signature = key.sign(jcs.canonicalize(unsigned))
    return {**unsigned, "signature": base64.b64encode(signature).decode("ascii")}


def sign_json(document: Any, key: PrivateKey, certificate: Certificate, *, signed_at: datetime) -> dict[str, str]:
    """A detached signature over the RFC 8785 canonical form of ``document``."""
    suite = suite_of_algorithm(key.algorithm)
    return _sign(CONTENT_JSON, suite.hash(jcs.canonicalize(document)), key, certificate, signed_at)


def sign_file(
    source: BinaryIO | Path | str, key: PrivateKey, certificate: Certificate, *, signed_at: datetime
) -> dict[str, str]:
    """A detached signature over a file's bytes (streamed: hash, then sign the digest record)."""
    suite = suite_of_algorithm(key.algorithm)
    return _sign(CONTENT_FILE, hash_stream(suite, source), key, certificate, signed_at)


@dataclass(frozen=True)
class _Parsed:
    suite: Suite
    alg: str
    content: str
    digest: bytes
    signed_at: datetime
    certificate: Certificate
    signature: bytes
    signed_bytes: bytes


def _parse(signature: Mapping[str, Any]) -> _Parsed:
    if not isinstance(signature, Mapping):
        raise crypto_error("signature_malformed", reason="a signature is a JSON object")
    if set(signature) != set(_FIELDS) or not all(isinstance(signature[f], str) for f in _FIELDS):
        raise crypto_error("signature_malformed", reason=f"expected exactly the string fields {', '.join(_FIELDS)}")
    if signature["format"] != FORMAT:
        raise crypto_error("signature_malformed", reason=f"unknown format {signature['format']!r}")
    try:
        suite = get_suite(signature["suite"])
    except DomainError as exc:
        raise crypto_error("signature_malformed", reason=f"unknown suite {signature['suite']!r}") from exc
    alg = signature["alg"]
    if alg not in _ALGS:
        raise crypto_error("signature_malformed", reason=f"unknown alg {alg!r}")
    if not suite.accepts(_ALGS[alg]):
        raise crypto_error("suite_mismatch", reason=f"{alg} in the {suite.name} suite")
    if signature["content"] not in (CONTENT_JSON, CONTENT_FILE):
        raise crypto_error("signature_malformed", reason="content is 'jcs' or 'file'")
    digest_text = signature["digest"]
    if not re.fullmatch(r"[0-9a-f]{64}", digest_text):
        raise crypto_error("signature_malformed", reason="digest is 64 lower-case hex digits")
    try:
        signer_der = base64.b64decode(signature["signer"], validate=True)
        signature_bytes = base64.b64decode(signature["signature"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise crypto_error("signature_malformed", reason="signer and signature are base64") from exc
    certificate = Certificate.from_der(signer_der)
    if certificate.key_algorithm != _ALGS[alg]:
        raise crypto_error("suite_mismatch", reason=f"{alg} signature with a {certificate.key_algorithm} certificate")
    unsigned = {name: signature[name] for name in _FIELDS if name != "signature"}
    return _Parsed(
        suite=suite,
        alg=alg,
        content=signature["content"],
        digest=bytes.fromhex(digest_text),
        signed_at=parse_time(signature["signed_at"]),
        certificate=certificate,
        signature=signature_bytes,
        signed_bytes=jcs.canonicalize(unsigned),
    )


def _verify(
    parsed: _Parsed, content: str, digest: bytes, trust: TrustStore, now: datetime, require_crl: bool
) -> VerifiedSignature:
    if parsed.content != content:
        raise crypto_error("signature_invalid", reason=f"this signature is over a {parsed.content}, not a {content}")
    if parsed.digest != digest:
        raise crypto_error("signature_invalid", reason="the content differs from what was signed")
    parsed.certificate.public_key().verify(parsed.signed_bytes, parsed.signature)
    chain = trust.validate(parsed.certificate, now, usage="digitalSignature", require_crl=require_crl)
    return VerifiedSignature(
        suite=parsed.suite.name,
        alg=parsed.alg,
        content=parsed.content,
        digest=parsed.digest,
        signed_at=parsed.signed_at,
        chain=chain,
    )


def verify_json(
    document: Any, signature: Mapping[str, Any], trust: TrustStore, now: datetime, *, require_crl: bool = False
) -> VerifiedSignature:
    """Check a detached JSON signature: digest, signature, then the signer's chain at ``now`` with revocation."""
    parsed = _parse(signature)
    return _verify(parsed, CONTENT_JSON, parsed.suite.hash(jcs.canonicalize(document)), trust, now, require_crl)


def verify_file(
    source: BinaryIO | Path | str,
    signature: Mapping[str, Any],
    trust: TrustStore,
    now: datetime,
    *,
    require_crl: bool = False,
) -> VerifiedSignature:
    """Check a detached file signature (the file is hashed as a stream)."""
    parsed = _parse(signature)
    return _verify(parsed, CONTENT_FILE, hash_stream(parsed.suite, source), trust, now, require_crl)
