"""The composition root: builds the engine, blob store, clock and rule book from settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from sunbid.config import Settings
from sunbid.crypto import (
    Certificate,
    CertificateRevocationList,
    PrivateKey,
    TrustStore,
    get_suite,
    keys,
    load_certificates,
    load_private_key,
    sign_json,
    verify_json,
)
from sunbid.crypto.oids import ORGANISATION_IDENTIFIER
from sunbid.crypto.x509 import CREDIT_CODE_PREFIX, build_certificate, ca_name, organisation_name
from sunbid.kernel.clock import Clock, parse_clock
from sunbid.kernel.context import Context
from sunbid.kernel.rules import RuleBook
from sunbid.ledger import log
from sunbid.ledger.keys import LogKey, load_or_create
from sunbid.ledger.log import TreeHead
from sunbid.storage.blobs import DirectoryBlobStore
from sunbid.storage.db import make_engine
from sunbid.storage.ledger import SqlLogStore
from sunbid.storage.orm import start_mappers
from sunbid.storage.risk_scope import SqlRiskScanner
from sunbid.storage.uow import SqlUnitOfWork
from sunbid.tendering.signing import Signer


def _signer(certificate: Certificate, signed_at: datetime) -> Signer:
    identifier = certificate.subject.get(ORGANISATION_IDENTIFIER) or ""
    code = identifier.removeprefix(CREDIT_CODE_PREFIX) if identifier.startswith(CREDIT_CODE_PREFIX) else None
    return Signer(
        subject=str(certificate.subject),
        credit_code=code,
        certificate_sha256=certificate.fingerprint(),
        signed_at=signed_at,
        common_name=certificate.subject.common_name,
    )


@dataclass
class CertificateCheck:
    """Signatures and certificates checked against the trust store: chain, validity, key usage,
    revocation. It is the SignatureCheck, SealCheck and GuaranteeVerifier ports; the default
    guarantee check is the issuer's signature over the guarantee document."""

    trust: TrustStore
    required: bool

    def verify(self, document: Any, signature: Mapping[str, Any], now: datetime) -> Signer:
        verified = verify_json(document, signature, self.trust, now)
        return _signer(verified.signer, verified.signed_at)

    def verify_seal(self, statement: Any, signature: Mapping[str, Any], now: datetime) -> Signer:
        return self.verify(statement, signature, now)

    def check_encryption_certificate(self, der: bytes, now: datetime) -> Signer:
        certificate = Certificate.from_der(der)
        usage = "keyEncipherment" if certificate.key_algorithm == keys.SM2 else "keyAgreement"
        self.trust.validate(certificate, now, usage=usage)
        return _signer(certificate, now)


@dataclass(frozen=True)
class PlatformIdentity:
    """The platform's own signing key and certificate, for receipts (回执) and opening records.

    ``root`` is the certificate a verifier trusts for it: the issuing CA's, or the root the
    platform made itself when no certificate was configured.
    """

    key: PrivateKey
    certificate: Certificate
    root: Certificate

    def sign(self, document: Any, now: datetime) -> dict[str, Any]:
        return dict(sign_json(document, self.key, self.certificate, signed_at=now))


def load_or_create_identity(settings: Settings, now: datetime) -> PlatformIdentity:
    """The configured key and certificate; on first use, a key and a certificate issued by a
    root made for the purpose (its key is not kept, so it can issue nothing else)."""
    key_file, cert_file = settings.platform_key_file, settings.platform_cert_file
    root_file = cert_file.with_name(cert_file.stem + "-root.pem")
    secret = settings.platform_key_passphrase.encode() if settings.platform_key_passphrase else None
    if key_file.exists() and cert_file.exists():
        chain = load_certificates(cert_file.read_bytes())
        root = load_certificates(root_file.read_bytes())[0] if root_file.exists() else chain[-1]
        return PlatformIdentity(load_private_key(key_file.read_bytes(), secret), chain[0], root)
    suite = get_suite(settings.ledger_suite)
    root_key, key = suite.generate_signing_key(), suite.generate_signing_key()
    root_name = ca_name("sunbid 平台证书根", settings.platform_name)
    root = build_certificate(
        issuer_key=root_key,
        issuer=root_name,
        subject=root_name,
        subject_key=root_key.public_key(),
        not_before=now - timedelta(minutes=5),
        not_after=now + timedelta(days=3650),
        ca=True,
        path_length=0,
        key_usage={"keyCertSign", "cRLSign"},
    )
    subject = (
        organisation_name(settings.platform_name, settings.platform_credit_code)
        if settings.platform_credit_code
        else ca_name(settings.platform_name)
    )
    certificate = build_certificate(
        issuer_key=root_key,
        issuer=root_name,
        subject=subject,
        subject_key=key.public_key(),
        not_before=now - timedelta(minutes=5),
        not_after=now + timedelta(days=3650),
        key_usage={"digitalSignature", "nonRepudiation"},
        authority_key_id=root.subject_key_id,
    )
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.to_pem(secret))
    cert_file.write_bytes(certificate.to_pem())
    root_file.write_bytes(root.to_pem())
    return PlatformIdentity(key, certificate, root)


def load_trust(directory: Path) -> TrustStore:
    """Every CA certificate in ``directory`` is a trusted root; every ``*.crl`` a revocation list."""
    trust = TrustStore()
    if not directory.is_dir():
        return trust
    for path in sorted(directory.iterdir()):
        if path.suffix in (".pem", ".crt", ".cer"):
            for certificate in load_certificates(path.read_bytes()):
                trust.add_root(certificate)
    for path in sorted(directory.glob("*.crl")):
        data = path.read_bytes()
        trust.add_crl(
            CertificateRevocationList.from_pem(data)
            if data.startswith(b"-----")
            else CertificateRevocationList.from_der(data)
        )
    return trust


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    blobs: DirectoryBlobStore
    clock: Clock
    rules: RuleBook

    _log_key: LogKey | None = None
    _check: CertificateCheck | None = None
    _identity: PlatformIdentity | None = None
    _scanner: SqlRiskScanner | None = None

    def reload_trust(self) -> None:
        """Read ``SUNBID_TRUST_DIR`` again on the next check (after adding a CA or a CRL)."""
        self._check = None

    def signature_check(self) -> CertificateCheck:
        """The trust store in ``SUNBID_TRUST_DIR``, read once."""
        if self._check is None:
            self._check = CertificateCheck(
                load_trust(self.settings.trust_dir), self.settings.require_signed_announcements
            )
        return self._check

    def identity(self) -> PlatformIdentity:
        """The platform's signing key and certificate (made on first use)."""
        if self._identity is None:
            self._identity = load_or_create_identity(self.settings, self.clock.now())
        return self._identity

    def log_key(self) -> LogKey:
        """The key that signs the ledger's tree heads (made on first use)."""
        if self._log_key is None:
            self._log_key = load_or_create(
                self.settings.ledger_key_file, self.settings.ledger_suite, self.settings.ledger_key_passphrase
            )
        return self._log_key

    def sign_tree_head(self) -> TreeHead:
        """Sign the ledger's current tree head with the log key (kept; idempotent per size)."""
        key = self.log_key()
        with self.engine.begin() as conn:
            return log.sign_tree_head(
                SqlLogStore(conn, self.settings.ledger_hash),
                suite=key.suite,
                key=key,
                key_id=key.key_id,
                public_key=key.public_der,
                now=self.clock.now(),
            )

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.blobs, self.settings.ledger_hash)

    def scanner(self) -> SqlRiskScanner:
        """The risk engine over one tender's market, for warnings and spot checks."""
        if self._scanner is None:
            self._scanner = SqlRiskScanner(self.engine, self.blobs, self.rules)
        return self._scanner

    def run_due(self, ctx: Context) -> list[tuple[str, str]]:
        """One scheduler pass over every room's time-driven transitions: tenders and openings,
        evaluations (publicity ends, explanations expire, late steps flagged), complaints
        (working-day deadlines), the risk scans after each concluded opening and decided award
        (warnings), and the day's credit grades. Each is idempotent."""
        from sunbid.evaluation import award
        from sunbid.supervision import credit_service, warning_service
        from sunbid.supervision import service as complaints
        from sunbid.tendering import opening_service

        return [
            *opening_service.run_due(self.uow(), ctx),
            *award.run_due(self.uow(), ctx),
            *complaints.run_due(self.uow(), ctx),
            *warning_service.scan_due(self.uow(), ctx, self.scanner()),
            *credit_service.run_due(self.uow(), ctx),
        ]


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Platform:
    settings = settings or Settings()
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and ":memory:" not in url:
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    start_mappers()
    rules = RuleBook.from_file(settings.rules_file) if settings.rules_file else RuleBook.default()
    return Platform(
        settings=settings,
        engine=make_engine(url),
        blobs=DirectoryBlobStore(settings.blob_dir),
        clock=clock or parse_clock(settings.clock),
        rules=rules,
    )
