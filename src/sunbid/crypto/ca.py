"""A small certification authority in a directory, for demos and tests (``sunbid ca ...``).

Layout of a CA directory::

    ca.json        suite, key algorithm, CRL number, issued and revoked serials (no secrets)
    ca-key.pem     the CA's private key, PKCS#8 encrypted with the CA passphrase
    ca-cert.pem    the self-signed root certificate
    crl.pem        the latest CRL
    issued/        one <serial>.pem per certificate issued

Real deployments recognise the roots of licensed CAs (电子认证服务机构) in a
:class:`~sunbid.crypto.trust.TrustStore`; this CA is for the demo and the test suite.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import keys, pkcs8
from .errors import crypto_error
from .keys import PrivateKey, PublicKey
from .suites import get_suite
from .x509 import (
    CRL_REASONS,
    Certificate,
    CertificateRevocationList,
    Name,
    RevokedEntry,
    build_certificate,
    build_crl,
    ca_name,
    key_identifier,
)

FORMAT = "sunbid-ca/1"
USAGES = {
    "sign": frozenset({"digitalSignature", "nonRepudiation"}),
    "encrypt-sm2": frozenset({"keyEncipherment"}),
    "encrypt-x25519": frozenset({"keyAgreement"}),
}


@dataclass(frozen=True)
class Issued:
    certificate: Certificate
    private_key: PrivateKey | None  # None when the caller supplied the public key


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


class LocalCA:
    """A root CA kept in ``directory``."""

    def __init__(self, directory: Path, state: dict[str, Any], certificate: Certificate) -> None:
        self.directory = directory
        self._state = state
        self.certificate = certificate

    # ------------------------------------------------------------------------------ lifecycle

    @classmethod
    def init(
        cls,
        directory: Path,
        *,
        suite: str,
        common_name: str,
        organisation: str | None,
        passphrase: bytes,
        now: datetime,
        days: int = 3650,
        key_algorithm: str | None = None,
        iterations: int = pkcs8.DEFAULT_ITERATIONS,
    ) -> LocalCA:
        """Create the CA key (encrypted) and self-signed root certificate in ``directory``."""
        chosen = get_suite(suite)
        if (directory / "ca.json").exists():
            raise crypto_error("ca_exists", directory=str(directory))
        if key_algorithm in (None, chosen.signature_algorithm, keys.SM2, keys.ED25519):
            key = chosen.generate_signing_key()
        elif key_algorithm in (keys.P256, "p256") and chosen.name == "intl":
            key = keys.P256PrivateKey.generate()
        else:
            raise crypto_error("suite_mismatch", reason=f"{key_algorithm} CA key in the {suite} suite")
        name = ca_name(common_name, organisation)
        certificate = build_certificate(
            issuer_key=key,
            issuer=name,
            subject=name,
            subject_key=key.public_key(),
            not_before=now - timedelta(minutes=5),
            not_after=now + timedelta(days=days),
            ca=True,
            key_usage={"keyCertSign", "cRLSign"},
        )
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "issued").mkdir(exist_ok=True)
        _write_private(directory / "ca-key.pem", key.to_pem(passphrase, iterations=iterations))
        (directory / "ca-cert.pem").write_bytes(certificate.to_pem())
        state: dict[str, Any] = {
            "format": FORMAT,
            "suite": chosen.name,
            "key_algorithm": key.algorithm,
            "subject": str(certificate.subject),
            "crl_number": 0,
            "issued": [],
            "revoked": [],
        }
        ca = cls(directory, state, certificate)
        ca._save()
        ca.generate_crl(passphrase, now=now)
        return ca

    @classmethod
    def open(cls, directory: Path) -> LocalCA:
        try:
            state = json.loads((directory / "ca.json").read_text("utf-8"))
            certificate = Certificate.from_pem((directory / "ca-cert.pem").read_bytes())
        except (OSError, ValueError) as exc:
            raise crypto_error("ca_invalid", directory=str(directory), reason=str(exc)) from exc
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise crypto_error("ca_invalid", directory=str(directory), reason="ca.json is not a sunbid CA")
        return cls(directory, state, certificate)

    @property
    def suite(self) -> str:
        return str(self._state["suite"])

    @property
    def issued(self) -> list[dict[str, Any]]:
        return list(self._state["issued"])

    @property
    def revoked(self) -> list[dict[str, Any]]:
        return list(self._state["revoked"])

    def _save(self) -> None:
        temporary = self.directory / "ca.json.tmp"
        temporary.write_text(json.dumps(self._state, ensure_ascii=False, indent=2) + "\n", "utf-8")
        temporary.replace(self.directory / "ca.json")

    def _key(self, passphrase: bytes) -> PrivateKey:
        try:
            pem = (self.directory / "ca-key.pem").read_bytes()
        except OSError as exc:
            raise crypto_error("ca_invalid", directory=str(self.directory), reason=str(exc)) from exc
        key = keys.load_private_key(pem, passphrase)
        if key.public_key().to_der() != self.certificate.public_key_der:
            raise crypto_error("ca_invalid", reason="ca-key.pem does not match ca-cert.pem")
        return key

    # -------------------------------------------------------------------------------- issuing

    def issue(
        self,
        passphrase: bytes,
        *,
        subject: Name,
        now: datetime,
        days: int = 365,
        usage: str = "sign",
        public_key: PublicKey | None = None,
    ) -> Issued:
        """Issue an end-entity certificate. Without ``public_key`` a fresh key pair is made.

        ``usage`` is ``sign`` (digitalSignature + nonRepudiation) or ``encrypt`` (keyEncipherment
        for SM2, keyAgreement for X25519): the key that receives sealed-bid content keys.
        """
        suite = get_suite(self.suite)
        if usage not in ("sign", "encrypt"):
            raise crypto_error("certificate_profile_invalid", reason="usage is 'sign' or 'encrypt'")
        private: PrivateKey | None = None
        if public_key is None:
            private = suite.generate_signing_key() if usage == "sign" else suite.generate_encryption_key()
            public_key = private.public_key()
        if not suite.accepts(public_key.algorithm):
            raise crypto_error("suite_mismatch", reason=f"{public_key.algorithm} key for a {suite.name} CA")
        if usage == "sign":
            key_usage = USAGES["sign"]
            if not public_key.can_sign:
                raise crypto_error("key_wrong_purpose", reason=f"{public_key.algorithm} keys do not sign")
        elif public_key.algorithm == keys.SM2:
            key_usage = USAGES["encrypt-sm2"]
        elif public_key.algorithm == keys.X25519:
            key_usage = USAGES["encrypt-x25519"]
        else:
            raise crypto_error("key_wrong_purpose", reason=f"{public_key.algorithm} keys do not receive wrapped keys")
        certificate = build_certificate(
            issuer_key=self._key(passphrase),
            issuer=self.certificate.subject,
            subject=subject,
            subject_key=public_key,
            not_before=now - timedelta(minutes=5),
            not_after=min(now + timedelta(days=days), self.certificate.not_after),
            key_usage=key_usage,
            authority_key_id=self.certificate.subject_key_id or key_identifier(self.certificate.public_key()),
        )
        (self.directory / "issued" / f"{certificate.serial_hex()}.pem").write_bytes(certificate.to_pem())
        self._state["issued"].append(
            {
                "serial": certificate.serial_hex(),
                "subject": str(certificate.subject),
                "usage": usage,
                "not_after": certificate.not_after.isoformat(),
            }
        )
        self._save()
        return Issued(certificate, private)

    def revoke(
        self, passphrase: bytes, serial: str, *, now: datetime, reason: str = "unspecified"
    ) -> CertificateRevocationList:
        """Revoke an issued certificate and publish a new CRL."""
        serial = serial.upper().removeprefix("0X")
        if not any(entry["serial"] == serial for entry in self._state["issued"]):
            raise crypto_error("ca_serial_unknown", serial=serial)
        if reason not in CRL_REASONS:
            raise crypto_error("certificate_profile_invalid", reason=f"CRL reason {reason!r}")
        self._key(passphrase)  # check the passphrase before changing anything
        if not any(entry["serial"] == serial for entry in self._state["revoked"]):
            self._state["revoked"].append({"serial": serial, "revoked_at": now.isoformat(), "reason": reason})
            self._save()
        return self.generate_crl(passphrase, now=now)

    def generate_crl(self, passphrase: bytes, *, now: datetime, days: int = 7) -> CertificateRevocationList:
        key = self._key(passphrase)
        self._state["crl_number"] = int(self._state["crl_number"]) + 1
        entries = [
            RevokedEntry(int(entry["serial"], 16), datetime.fromisoformat(entry["revoked_at"]), entry["reason"])
            for entry in self._state["revoked"]
        ]
        crl = build_crl(
            issuer_key=key,
            issuer=self.certificate,
            this_update=now,
            next_update=now + timedelta(days=days),
            number=self._state["crl_number"],
            revoked=entries,
        )
        (self.directory / "crl.pem").write_bytes(crl.to_pem())
        self._save()
        return crl

    def crl(self) -> CertificateRevocationList:
        try:
            return CertificateRevocationList.from_pem((self.directory / "crl.pem").read_bytes())
        except OSError as exc:
            raise crypto_error("ca_invalid", reason=str(exc)) from exc


def write_issued(issued: Issued, out: Path, *, key_passphrase: bytes | None, stem: str = "") -> list[Path]:
    """Write ``cert.pem`` (and ``key.pem``, encrypted when a passphrase is given) to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    prefix = f"{stem}-" if stem else ""
    written = [out / f"{prefix}cert.pem"]
    written[0].write_bytes(issued.certificate.to_pem())
    if issued.private_key is not None:
        path = out / f"{prefix}key.pem"
        _write_private(path, issued.private_key.to_pem(key_passphrase))
        written.append(path)
    return written
