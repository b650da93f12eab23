"""The composition root: builds the engine, blob store, clock and rule book from settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from sunbid.config import Settings
from sunbid.crypto import CertificateRevocationList, TrustStore, load_certificates, verify_json
from sunbid.crypto.oids import ORGANISATION_IDENTIFIER
from sunbid.crypto.x509 import CREDIT_CODE_PREFIX
from sunbid.kernel.clock import Clock, parse_clock
from sunbid.kernel.rules import RuleBook
from sunbid.ledger import log
from sunbid.ledger.keys import LogKey, load_or_create
from sunbid.ledger.log import TreeHead
from sunbid.storage.blobs import DirectoryBlobStore
from sunbid.storage.db import make_engine
from sunbid.storage.ledger import SqlLogStore
from sunbid.storage.orm import start_mappers
from sunbid.storage.uow import SqlUnitOfWork
from sunbid.tendering.signing import Signer


@dataclass
class CertificateCheck:
    """Signatures checked against the trust store: chain, validity, revocation (the SignatureCheck port)."""

    trust: TrustStore
    required: bool

    def verify(self, document: Any, signature: Mapping[str, Any], now: datetime) -> Signer:
        verified = verify_json(document, signature, self.trust, now)
        identifier = verified.signer.subject.get(ORGANISATION_IDENTIFIER) or ""
        code = identifier.removeprefix(CREDIT_CODE_PREFIX) if identifier.startswith(CREDIT_CODE_PREFIX) else None
        return Signer(
            subject=str(verified.signer.subject),
            credit_code=code,
            certificate_sha256=verified.signer.fingerprint(),
            signed_at=verified.signed_at,
        )


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
