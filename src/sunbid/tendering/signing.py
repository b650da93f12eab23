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


class SignatureCheck(Protocol):
    #: Whether an unsigned announcement is refused (a jurisdiction's setting).
    required: bool

    def verify(self, document: Any, signature: Mapping[str, Any], now: datetime) -> Signer:
        """Check a detached JSON signature of ``document``; raise a DomainError when it fails."""
        ...
