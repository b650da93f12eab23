"""Detached signatures over canonical JSON and files: round trips, tampering, and certificate checks."""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from sunbid.crypto import TrustStore, canonicalize, keys, sign_file, sign_json, verify_file, verify_json, x509
from sunbid.crypto.suites import Suite

from .conftest import NOW, RootCA, refused

DOCUMENT = {"tender": "SB-2026-0007", "price": "1234567.89", "bidder": "某某建设有限公司", "items": [1, 2.5, None]}


@pytest.fixture
def signer(suite: Suite, ca: RootCA) -> tuple[keys.PrivateKey, x509.Certificate, TrustStore]:
    key = suite.generate_signing_key()
    return key, ca.issue(key), TrustStore([ca.certificate])


def test_json_signatures_verify_and_name_the_signer(
    suite: Suite, signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore]
) -> None:
    key, certificate, store = signer
    signature = sign_json(DOCUMENT, key, certificate, signed_at=NOW)
    assert set(signature) == {"format", "suite", "alg", "content", "digest", "signed_at", "signer", "signature"}
    assert signature["suite"] == suite.name
    assert signature["alg"] == suite.signature_algorithm
    assert signature["signed_at"] == "2026-03-02T01:00:00Z"
    assert signature["digest"] == suite.hash(canonicalize(DOCUMENT)).hex()
    verified = verify_json(DOCUMENT, signature, store, NOW + timedelta(minutes=1))
    assert verified.signer == certificate
    assert verified.signed_at == NOW
    assert verified.suite == suite.name


def test_a_json_signature_survives_a_round_trip_through_json_text(
    signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore],
) -> None:
    key, certificate, store = signer
    signature = json.loads(json.dumps(sign_json(DOCUMENT, key, certificate, signed_at=NOW)))
    reordered = json.loads(json.dumps(DOCUMENT, sort_keys=True, indent=2))
    verify_json(reordered, signature, store, NOW)


def test_a_changed_document_is_refused(signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore]) -> None:
    key, certificate, store = signer
    signature = sign_json(DOCUMENT, key, certificate, signed_at=NOW)
    with refused("signature_invalid"):
        verify_json({**DOCUMENT, "price": "1234567.90"}, signature, store, NOW)


@pytest.mark.parametrize("field", ["signed_at", "digest", "signature"])
def test_a_changed_signature_field_is_refused(
    signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore], field: str
) -> None:
    key, certificate, store = signer
    signature = sign_json(DOCUMENT, key, certificate, signed_at=NOW)
    if field == "signed_at":
        signature[field] = "2026-03-01T01:00:00Z"
    elif field == "digest":
        signature[field] = "0" * 64
    else:
        raw = bytearray(base64.b64decode(signature[field]))
        raw[10] ^= 1
        signature[field] = base64.b64encode(bytes(raw)).decode()
    with refused("signature_invalid"):
        verify_json(DOCUMENT, signature, store, NOW)


def test_substituting_another_certificate_of_the_same_ca_is_refused(
    suite: Suite, ca: RootCA, signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore]
) -> None:
    key, certificate, store = signer
    signature = sign_json(DOCUMENT, key, certificate, signed_at=NOW)
    signature["signer"] = ca.issue(suite.generate_signing_key(), name="另一家公司").to_base64()
    with refused("signature_invalid"):
        verify_json(DOCUMENT, signature, store, NOW)


@pytest.mark.parametrize(
    "change",
    [
        {"format": "sunbid-signature/2"},
        {"suite": "rsa"},
        {"alg": "RSA-PSS"},
        {"content": "xml"},
        {"digest": "XYZ"},
        {"signed_at": "yesterday"},
        {"signed_at": "2026-02-30T00:00:00Z"},
        {"signer": "!!not base64!!"},
        {"signature": "%%%"},
        {"extra": "field"},
        {"signature": 12},
    ],
)
def test_malformed_signature_documents_are_refused(
    signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore], change: dict[str, object]
) -> None:
    key, certificate, store = signer
    signature: dict[str, object] = {**sign_json(DOCUMENT, key, certificate, signed_at=NOW), **change}
    with refused("signature_malformed"):
        verify_json(DOCUMENT, signature, store, NOW)


def test_missing_fields_and_non_objects_are_refused(
    signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore],
) -> None:
    key, certificate, store = signer
    signature = sign_json(DOCUMENT, key, certificate, signed_at=NOW)
    del signature["signed_at"]
    with refused("signature_malformed"):
        verify_json(DOCUMENT, signature, store, NOW)
    with refused("signature_malformed"):
        verify_json(DOCUMENT, ["not", "an", "object"], store, NOW)  # type: ignore[arg-type]


def test_a_garbage_signer_certificate_is_refused(signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore]) -> None:
    key, certificate, store = signer
    signature = {
        **sign_json(DOCUMENT, key, certificate, signed_at=NOW),
        "signer": base64.b64encode(b"\x30\x03abc").decode(),
    }
    with refused("certificate_malformed"):
        verify_json(DOCUMENT, signature, store, NOW)


def test_a_suite_that_does_not_match_the_algorithm_is_refused(
    signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore],
) -> None:
    key, certificate, store = signer
    signature = sign_json(DOCUMENT, key, certificate, signed_at=NOW)
    signature["suite"] = "intl" if signature["suite"] == "gm" else "gm"
    with refused("suite_mismatch"):
        verify_json(DOCUMENT, signature, store, NOW)


def test_signing_with_a_certificate_for_another_key_is_refused(
    suite: Suite, signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore]
) -> None:
    _, certificate, _ = signer
    with refused("signer_certificate_mismatch"):
        sign_json(DOCUMENT, suite.generate_signing_key(), certificate, signed_at=NOW)


def test_signatures_by_expired_or_revoked_certificates_are_refused(
    suite: Suite, ca: RootCA, signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore]
) -> None:
    key, certificate, store = signer
    signature = sign_json(DOCUMENT, key, certificate, signed_at=NOW)
    with refused("certificate_expired"):
        verify_json(DOCUMENT, signature, store, NOW + timedelta(days=400))
    store.add_crl(ca.crl([x509.RevokedEntry(certificate.serial, NOW + timedelta(hours=1), "keyCompromise")]))
    verify_json(DOCUMENT, signature, store, NOW)  # before the revocation
    with refused("certificate_revoked"):
        verify_json(DOCUMENT, signature, store, NOW + timedelta(hours=2))


def test_signatures_from_an_unrecognised_ca_are_refused(
    signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore],
) -> None:
    key, certificate, _ = signer
    with refused("certificate_issuer_unknown"):
        verify_json(DOCUMENT, sign_json(DOCUMENT, key, certificate, signed_at=NOW), TrustStore(), NOW)


def test_an_encryption_certificate_cannot_sign(suite: Suite, ca: RootCA) -> None:
    key = suite.generate_signing_key()
    certificate = ca.issue(key, usage=frozenset({"keyEncipherment"}))
    store = TrustStore([ca.certificate])
    with refused("certificate_usage_wrong"):
        verify_json(DOCUMENT, sign_json(DOCUMENT, key, certificate, signed_at=NOW), store, NOW)


def test_p256_certificates_from_another_ca_sign_in_the_intl_suite(p256_ca: RootCA, intl_ca: RootCA) -> None:
    key = keys.P256PrivateKey.generate()
    certificate = p256_ca.issue(key)
    signature = sign_json(DOCUMENT, key, certificate, signed_at=NOW)
    assert (signature["suite"], signature["alg"]) == ("intl", "ECDSA-P256-SHA256")
    verify_json(DOCUMENT, signature, TrustStore([intl_ca.certificate, p256_ca.certificate]), NOW)


def test_file_signatures_stream_and_verify(
    suite: Suite, signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore], tmp_path: Path
) -> None:
    key, certificate, store = signer
    path = tmp_path / "bid.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 9000)  # > 2 MiB: several chunks
    signature = sign_file(path, key, certificate, signed_at=NOW)
    assert signature["content"] == "file"
    assert signature["digest"] == suite.hash(path.read_bytes()).hex()
    verify_file(path, signature, store, NOW)
    verify_file(io.BytesIO(path.read_bytes()), signature, store, NOW)
    with refused("signature_invalid"):
        verify_file(io.BytesIO(path.read_bytes() + b"\n"), signature, store, NOW)


def test_a_file_signature_is_not_a_json_signature(signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore]) -> None:
    key, certificate, store = signer
    data = canonicalize(DOCUMENT)
    signature = sign_file(io.BytesIO(data), key, certificate, signed_at=NOW)
    with refused("signature_invalid"):
        verify_json(DOCUMENT, signature, store, NOW)


def test_signing_times_keep_microseconds(signer: tuple[keys.PrivateKey, x509.Certificate, TrustStore]) -> None:
    key, certificate, store = signer
    at = NOW.replace(microsecond=123456)
    signature = sign_json(DOCUMENT, key, certificate, signed_at=at)
    assert signature["signed_at"] == "2026-03-02T01:00:00.123456Z"
    assert verify_json(DOCUMENT, signature, store, NOW).signed_at == at
