"""Electronic signatures on tender documents (电子招标投标办法 第四十条).

The tenderer or its agency signs the announcement in its own tool, with the certificate a
recognised CA issued to it. The platform checks the signature: the chain to a trusted root,
validity, revocation, and that the certificate names the tenderer or the agency by its
unified social credit code. The check is a port, so the use case does not depend on how
the trust store is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Signer:
    """Who signed, as the certificate says."""

    subject: str
    credit_code: str | None
    certificate_sha256: str
    signed_at: datetime
    common_name: str | None = None  # the person or organisation the certificate names (CN)


class SignatureCheck(Protocol):
    #: Whether an unsigned announcement is refused (a jurisdiction's setting).
    required: bool

    def verify(self, document: Any, signature: Mapping[str, Any], now: datetime) -> Signer:
        """Check a detached JSON signature of ``document``; raise a DomainError when it fails."""
        ...


class SealCheck(Protocol):
    """The trust store's checks of what a bidder's tool sends (电子招标投标办法 第二十六条)."""

    def verify_seal(self, statement: Any, signature: Mapping[str, Any], now: datetime) -> Signer:
        """The bidder's detached signature over the envelope's seal statement, with a signing
        certificate from a trusted CA (digitalSignature)."""
        ...

    def check_encryption_certificate(self, der: bytes, now: datetime) -> Signer:
        """A certificate that receives wrapped keys: trusted CA, valid, not revoked, and with
        keyEncipherment (SM2) or keyAgreement (X25519)."""
        ...


class PlatformSigner(Protocol):
    """The platform's own electronic signature, for receipts (回执) and opening records."""

    def sign(self, document: Any, now: datetime) -> dict[str, Any]: ...


class GuaranteeVerifier(Protocol):
    """Checks an electronic guarantee (电子保函) with its issuer. The default implementation
    verifies the issuer's detached signature over the guarantee document against the trusted
    CAs; other issuers' online checks plug in here."""

    def verify(self, document: Mapping[str, Any], signature: Mapping[str, Any], now: datetime) -> Signer: ...
