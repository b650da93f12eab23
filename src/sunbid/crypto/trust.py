"""Trust store and certification path validation (a focused subset of RFC 5280 §6).

A :class:`TrustStore` holds the root certificates of several CAs at once (mutual recognition,
互认: a bidder's certificate from any recognised CA is accepted), optional intermediate CA
certificates, and the latest CRL of each CA. :meth:`TrustStore.validate` builds the path from a
certificate up to a root and checks, at the injected time ``now`` (never the wall clock):

1. every certificate's validity period (``certificate_not_yet_valid`` / ``certificate_expired``);
2. the issuer of each link is known (``certificate_issuer_unknown``): its subject equals the
   issuer name byte for byte and, when both are present, its subjectKeyIdentifier equals the
   authorityKeyIdentifier;
3. each link's signature (``certificate_signature_invalid``);
4. each issuer is a CA by basicConstraints (``certificate_issuer_not_ca``), has keyCertSign when it
   has a keyUsage extension, and its pathLenConstraint holds;
5. the end certificate's keyUsage includes the usage asked for, e.g. ``digitalSignature`` for a
   signing certificate (``certificate_usage_wrong``);
6. no certificate carries a critical extension we do not understand (``certificate_profile_invalid``);
7. no certificate in the path is on its issuer's CRL with a revocation date at or before ``now``
   (``certificate_revoked``). Without a CRL for an issuer, revocation is not checked unless
   ``require_crl=True`` (then ``crl_missing``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sunbid.kernel.errors import DomainError

from .errors import crypto_error
from .x509 import UNDERSTOOD_EXTENSIONS, Certificate, CertificateRevocationList

MAX_CHAIN_LENGTH = 8


@dataclass(frozen=True)
class ValidatedChain:
    """The certificates from the end entity (first) to the trusted root (last)."""

    certificates: tuple[Certificate, ...]

    @property
    def end_entity(self) -> Certificate:
        return self.certificates[0]

    @property
    def root(self) -> Certificate:
        return self.certificates[-1]


def _aware(now: datetime) -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValueError("validation time must be a timezone-aware datetime")
    return now


def check_validity_period(certificate: Certificate, now: datetime) -> None:
    now = _aware(now)
    if now < certificate.not_before:
        raise crypto_error(
            "certificate_not_yet_valid",
            subject=str(certificate.subject),
            not_before=certificate.not_before.isoformat(),
        )
    if now > certificate.not_after:
        raise crypto_error(
            "certificate_expired", subject=str(certificate.subject), not_after=certificate.not_after.isoformat()
        )


def _check_profile(certificate: Certificate) -> None:
    for extension in certificate.extensions.values():
        if extension.critical and extension.oid not in UNDERSTOOD_EXTENSIONS:
            raise crypto_error(
                "certificate_profile_invalid",
                subject=str(certificate.subject),
                reason=f"unknown critical extension {extension.oid}",
            )


class TrustStore:
    """Roots of the recognised CAs, their intermediates and CRLs."""

    def __init__(
        self,
        roots: Iterable[Certificate] = (),
        *,
        intermediates: Iterable[Certificate] = (),
        crls: Iterable[CertificateRevocationList] = (),
    ) -> None:
        self._roots: list[Certificate] = []
        self._intermediates: list[Certificate] = []
        self._crls: dict[bytes, CertificateRevocationList] = {}
        for root in roots:
            self.add_root(root)
        for intermediate in intermediates:
            self.add_intermediate(intermediate)
        for crl in crls:
            self.add_crl(crl)

    @property
    def roots(self) -> tuple[Certificate, ...]:
        return tuple(self._roots)

    def add_root(self, certificate: Certificate) -> None:
        """Trust ``certificate`` as a root (trust anchor). It must be a CA certificate."""
        if not certificate.is_ca:
            raise crypto_error("certificate_issuer_not_ca", subject=str(certificate.subject))
        if certificate not in self._roots:
            self._roots.append(certificate)

    def add_intermediate(self, certificate: Certificate) -> None:
        """Make an intermediate CA certificate available for path building (trusted only via a root)."""
        if not certificate.is_ca:
            raise crypto_error("certificate_issuer_not_ca", subject=str(certificate.subject))
        if certificate not in self._intermediates:
            self._intermediates.append(certificate)

    def add_crl(self, crl: CertificateRevocationList) -> None:
        """Add a CRL after checking its signature by a known CA; keeps the newest CRL per CA."""
        candidates = self._issuers_named(crl.issuer.der, crl.authority_key_id)
        if not candidates:
            raise crypto_error("crl_issuer_unknown", issuer=str(crl.issuer))
        last: DomainError | None = None
        for issuer in candidates:
            try:
                crl.verify_issued_by(issuer)
            except DomainError as exc:
                last = exc
                continue
            usage = issuer.key_usage
            if usage is not None and "cRLSign" not in usage:
                raise crypto_error("certificate_usage_wrong", subject=str(issuer.subject), needed="cRLSign")
            key = self._crl_key(issuer)
            current = self._crls.get(key)
            if current is None or (crl.number or 0, crl.this_update) >= (current.number or 0, current.this_update):
                self._crls[key] = crl
            return
        assert last is not None
        raise last

    @staticmethod
    def _crl_key(issuer: Certificate) -> bytes:
        return issuer.subject.der + b"|" + (issuer.subject_key_id or b"")

    def crl_for(self, issuer: Certificate) -> CertificateRevocationList | None:
        return self._crls.get(self._crl_key(issuer))

    def _issuers_named(self, name_der: bytes, key_id: bytes | None) -> list[Certificate]:
        found = []
        for candidate in [*self._roots, *self._intermediates]:
            if candidate.subject.der != name_der:
                continue
            if key_id is not None and candidate.subject_key_id is not None and candidate.subject_key_id != key_id:
                continue
            found.append(candidate)
        return found

    def is_root(self, certificate: Certificate) -> bool:
        return certificate in self._roots

    # ------------------------------------------------------------------------------- validation

    def validate(
        self,
        certificate: Certificate,
        now: datetime,
        *,
        usage: str | None = "digitalSignature",
        require_crl: bool = False,
    ) -> ValidatedChain:
        """Validate ``certificate`` at ``now``; return its chain or raise a ``certificate_*`` error."""
        now = _aware(now)
        _check_profile(certificate)
        check_validity_period(certificate, now)
        if usage is not None:
            key_usage = certificate.key_usage
            if key_usage is None or usage not in key_usage:
                raise crypto_error(
                    "certificate_usage_wrong",
                    subject=str(certificate.subject),
                    needed=usage,
                    has=sorted(key_usage or ()),
                )
        chain = [certificate]
        current = certificate
        while not self.is_root(current):
            if len(chain) > MAX_CHAIN_LENGTH:
                raise crypto_error("certificate_chain_too_long", subject=str(certificate.subject))
            issuer = self._find_issuer(current)
            if issuer in chain:
                raise crypto_error("certificate_issuer_unknown", subject=str(current.subject), reason="loop")
            self._check_issuer(issuer, now, issued_below=len(chain) - 1)
            self._check_revocation(current, issuer, now, require_crl=require_crl)
            chain.append(issuer)
            current = issuer
        return ValidatedChain(tuple(chain))

    def _find_issuer(self, certificate: Certificate) -> Certificate:
        candidates = self._issuers_named(certificate.issuer.der, certificate.authority_key_id)
        if not candidates:
            raise crypto_error(
                "certificate_issuer_unknown", subject=str(certificate.subject), issuer=str(certificate.issuer)
            )
        failure: DomainError | None = None
        for candidate in candidates:
            try:
                certificate.verify_issued_by(candidate)
            except DomainError as exc:
                failure = exc
                continue
            return candidate
        assert failure is not None
        raise failure

    def _check_issuer(self, issuer: Certificate, now: datetime, *, issued_below: int) -> None:
        _check_profile(issuer)
        constraints = issuer.basic_constraints
        if constraints is None or not constraints[0]:
            raise crypto_error("certificate_issuer_not_ca", subject=str(issuer.subject))
        path_length = constraints[1]
        if path_length is not None and issued_below > path_length:
            raise crypto_error(
                "certificate_chain_too_long", subject=str(issuer.subject), reason="pathLenConstraint exceeded"
            )
        usage = issuer.key_usage
        if usage is not None and "keyCertSign" not in usage:
            raise crypto_error("certificate_usage_wrong", subject=str(issuer.subject), needed="keyCertSign")
        check_validity_period(issuer, now)

    def _check_revocation(
        self, certificate: Certificate, issuer: Certificate, now: datetime, *, require_crl: bool
    ) -> None:
        crl = self.crl_for(issuer)
        if crl is None:
            if require_crl:
                raise crypto_error("crl_missing", issuer=str(issuer.subject))
            return
        entry = crl.revocation_of(certificate.serial)
        if entry is not None and entry.revoked_at <= now:
            raise crypto_error(
                "certificate_revoked",
                subject=str(certificate.subject),
                serial=certificate.serial_hex(),
                revoked_at=entry.revoked_at.isoformat(),
                reason=entry.reason or "unspecified",
            )
