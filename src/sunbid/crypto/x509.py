"""X.509 v3 certificates and v2 CRLs (RFC 5280), built and parsed with :mod:`.der`.

``cryptography`` can neither build nor load SM2 certificates, so all suites share this one
implementation: the TBS structure is DER-encoded here and signed with the issuer's
:class:`~sunbid.crypto.keys.PrivateKey` (SM2-with-SM3 with the standard ID, Ed25519, or ECDSA
P-256 with SHA-256). Parsing is strict DER and keeps the exact bytes that were signed.

Profile of the certificates we issue (docs/crypto.md has the details):

- v3, random positive 127-bit serial, validity in whole seconds (UTCTime until 2049);
- names as UTF8String, except C and serialNumber (PrintableString);
- CA: basicConstraints critical CA:TRUE, keyUsage critical keyCertSign+cRLSign;
- end entity: basicConstraints CA:FALSE, keyUsage critical digitalSignature+nonRepudiation
  (signing) or keyEncipherment (SM2) / keyAgreement (X25519) for encryption certificates;
- subjectKeyIdentifier = first 20 bytes of the suite hash of the subjectPublicKey bits;
  authorityKeyIdentifier = the issuer's subjectKeyIdentifier.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sunbid.kernel.errors import DomainError

from . import der as asn1
from . import hashing, keys, oids, pkcs8
from .errors import crypto_error
from .keys import PrivateKey, PublicKey

# KeyUsage bit positions (RFC 5280 §4.2.1.3)
KEY_USAGE_BITS = {
    "digitalSignature": 0,
    "nonRepudiation": 1,
    "keyEncipherment": 2,
    "dataEncipherment": 3,
    "keyAgreement": 4,
    "keyCertSign": 5,
    "cRLSign": 6,
    "encipherOnly": 7,
    "decipherOnly": 8,
}
_KEY_USAGE_NAMES = {bit: name for name, bit in KEY_USAGE_BITS.items()}

CRL_REASONS = {
    "unspecified": 0,
    "keyCompromise": 1,
    "cACompromise": 2,
    "affiliationChanged": 3,
    "superseded": 4,
    "cessationOfOperation": 5,
    "certificateHold": 6,
    "removeFromCRL": 8,
    "privilegeWithdrawn": 9,
    "aACompromise": 10,
}
_CRL_REASON_NAMES = {code: name for name, code in CRL_REASONS.items()}

SIGNATURE_OIDS = {
    "SM2-with-SM3": oids.SM2_WITH_SM3,
    "Ed25519": oids.ED25519,
    "ECDSA-P256-SHA256": oids.ECDSA_WITH_SHA256,
}
_SIGNATURE_NAMES = {oid: name for name, oid in SIGNATURE_OIDS.items()}
_SIGNATURE_KEYS = {"SM2-with-SM3": keys.SM2, "Ed25519": keys.ED25519, "ECDSA-P256-SHA256": keys.P256}

#: Extensions whose meaning we process; an unknown extension marked critical makes a certificate unusable.
UNDERSTOOD_EXTENSIONS = frozenset(
    {
        oids.BASIC_CONSTRAINTS,
        oids.KEY_USAGE,
        oids.SUBJECT_KEY_IDENTIFIER,
        oids.AUTHORITY_KEY_IDENTIFIER,
        oids.EXTENDED_KEY_USAGE,
        oids.SUBJECT_ALT_NAME,
        oids.CERTIFICATE_POLICIES,
    }
)

#: Prefix of organizationIdentifier values (ETSI EN 319 412-1: NTR = national trade register, CN).
CREDIT_CODE_PREFIX = "NTRCN-"
#: Prefix of a natural person's serialNumber (ETSI EN 319 412-1: IDC = national identity card).
IDENTITY_PREFIX = "IDCCN-"


# ------------------------------------------------------------------------------------------ names


@dataclass(frozen=True)
class Name:
    """A distinguished name: RDNs in order, each a tuple of (OID, value); ``der`` is its exact encoding."""

    rdns: tuple[tuple[tuple[str, str], ...], ...]
    der: bytes

    @classmethod
    def build(cls, attributes: Sequence[tuple[str, str]]) -> Name:
        """One single-valued RDN per (OID, value), in the order given."""
        rdns = []
        for identifier, value in attributes:
            if not value or not value.strip():
                raise crypto_error("ca_subject_invalid", reason=f"empty {oids.NAME_LABELS.get(identifier, identifier)}")
            printable = identifier in (oids.COUNTRY, oids.SERIAL_NUMBER)
            try:
                encoded = asn1.printable_string(value) if printable else asn1.utf8_string(value)
            except asn1.DerError as exc:
                raise crypto_error("ca_subject_invalid", reason=str(exc)) from exc
            rdns.append(asn1.set_of(asn1.sequence(asn1.oid(identifier), encoded)))
        encoding = asn1.sequence(*rdns)
        return cls(tuple(((identifier, value),) for identifier, value in attributes), encoding)

    @classmethod
    def parse(cls, element: asn1.Element) -> Name:
        rdns = []
        for rdn in asn1.sequence_of(element):
            rdn.expect(asn1.SET)
            attributes = []
            for attribute in rdn.children():
                identifier_element, value_element = asn1.sequence_of(attribute, 2)
                identifier = asn1.read_oid(identifier_element)
                try:
                    value = asn1.read_string(value_element)
                except asn1.DerError:
                    value = "#" + value_element.raw.hex()
                attributes.append((identifier, value))
            if not attributes:
                raise asn1.DerError("empty RDN")
            rdns.append(tuple(attributes))
        return cls(tuple(rdns), element.raw)

    def get(self, identifier: str) -> str | None:
        for rdn in self.rdns:
            for attribute, value in rdn:
                if attribute == identifier:
                    return value
        return None

    @property
    def common_name(self) -> str | None:
        return self.get(oids.COMMON_NAME)

    def __str__(self) -> str:
        """RFC 4514-style, most significant RDN first as written (C=CN, O=..., CN=...)."""

        def escape(value: str) -> str:
            return "".join("\\" + c if c in ',+"\\<>;=' else c for c in value)

        return ", ".join("+".join(f"{oids.NAME_LABELS.get(a, a)}={escape(v)}" for a, v in rdn) for rdn in self.rdns)


def organisation_name(organisation: str, credit_code: str, *, unit: str | None = None) -> Name:
    """Subject of an organisation's certificate: C=CN, O, [OU], organizationIdentifier=NTRCN-<USCC>, CN."""
    attributes = [(oids.COUNTRY, "CN"), (oids.ORGANISATION, organisation)]
    if unit:
        attributes.append((oids.ORGANISATIONAL_UNIT, unit))
    attributes += [(oids.ORGANISATION_IDENTIFIER, CREDIT_CODE_PREFIX + credit_code), (oids.COMMON_NAME, organisation)]
    return Name.build(attributes)


def person_name(
    person: str, *, identity_number: str | None = None, organisation: str | None = None, credit_code: str | None = None
) -> Name:
    """Subject of a person's certificate: C=CN, [O, organizationIdentifier], [serialNumber=IDCCN-<ID>], CN."""
    attributes = [(oids.COUNTRY, "CN")]
    if organisation:
        attributes.append((oids.ORGANISATION, organisation))
    if credit_code:
        attributes.append((oids.ORGANISATION_IDENTIFIER, CREDIT_CODE_PREFIX + credit_code))
    if identity_number:
        attributes.append((oids.SERIAL_NUMBER, IDENTITY_PREFIX + identity_number))
    attributes.append((oids.COMMON_NAME, person))
    return Name.build(attributes)


def ca_name(common_name: str, organisation: str | None = None) -> Name:
    attributes = [(oids.COUNTRY, "CN")]
    if organisation:
        attributes.append((oids.ORGANISATION, organisation))
    attributes.append((oids.COMMON_NAME, common_name))
    return Name.build(attributes)


# ------------------------------------------------------------------------------------ extensions


@dataclass(frozen=True)
class Extension:
    oid: str
    critical: bool
    value: bytes  # the contents of extnValue (itself DER)


def _parse_extensions(element: asn1.Element) -> dict[str, Extension]:
    found: dict[str, Extension] = {}
    for item in asn1.sequence_of(element):
        parts = asn1.sequence_of(item)
        if len(parts) not in (2, 3):
            raise asn1.DerError("bad Extension")
        identifier = asn1.read_oid(parts[0])
        critical = False
        if len(parts) == 3:
            critical = asn1.read_boolean(parts[1])
            if not critical:
                raise asn1.DerError("DER omits critical FALSE")
        value = asn1.read_octets(parts[-1])
        if identifier in found:
            raise asn1.DerError(f"extension {identifier} appears twice")
        found[identifier] = Extension(identifier, critical, value)
    return found


def _extension(identifier: str, value: bytes, *, critical: bool = False) -> bytes:
    parts = [asn1.oid(identifier)]
    if critical:
        parts.append(asn1.boolean(True))
    parts.append(asn1.octet_string(value))
    return asn1.sequence(*parts)


def _algorithm_identifier(name: str) -> bytes:
    return asn1.sequence(asn1.oid(SIGNATURE_OIDS[name]))


def _read_signature_algorithm(element: asn1.Element) -> str:
    items = asn1.sequence_of(element)
    if not items:
        raise asn1.DerError("empty AlgorithmIdentifier")
    identifier = asn1.read_oid(items[0])
    if len(items) == 2 and identifier == oids.SM2_WITH_SM3:
        asn1.read_null(items[1])  # some SM2 CAs write NULL parameters
    elif len(items) != 1:
        raise asn1.DerError("unexpected signature algorithm parameters")
    return _SIGNATURE_NAMES.get(identifier, identifier)


def key_identifier(public_key: PublicKey) -> bytes:
    """First 20 bytes of the suite hash (SM3 or SHA-256) of the subjectPublicKey bits."""
    _, bits = asn1.sequence_of(public_key.to_der(), 2)
    return hashing.digest(public_key.hash_name, asn1.read_bit_string(bits))[:20]


def verify_signed(algorithm: str, tbs: bytes, signature: bytes, issuer_key: PublicKey) -> None:
    """Check a certificate's or CRL's signature with the issuer's public key (``signature_invalid``)."""
    expected = _SIGNATURE_KEYS.get(algorithm)
    if expected is None:
        raise crypto_error("signature_invalid", reason=f"unsupported signature algorithm {algorithm}")
    if issuer_key.algorithm != expected:
        raise crypto_error("signature_invalid", reason=f"{algorithm} signature by a {issuer_key.algorithm} key")
    if isinstance(issuer_key, keys.Sm2PublicKey):
        # GM/T 0015 signs certificates with the default ID 1234567812345678, and so do we. OpenSSL 3.0
        # (``openssl req -x509``, ``openssl x509 -req``, ``openssl ca``) signs and verifies them with an
        # empty ID instead; accepting both lets certificates made by either kind of tool be recognised.
        try:
            issuer_key.verify(tbs, signature)
        except DomainError:
            issuer_key.verify_with_id(tbs, signature, b"")
        return
    issuer_key.verify(tbs, signature)


# ---------------------------------------------------------------------------------- certificates


@dataclass(frozen=True, eq=False)
class Certificate:
    """A parsed X.509 v3 certificate. ``der`` is authoritative; the rest is read from it."""

    der: bytes
    tbs: bytes
    serial: int
    signature_algorithm: str
    issuer: Name
    subject: Name
    not_before: datetime
    not_after: datetime
    public_key_der: bytes
    extensions: dict[str, Extension] = field(repr=False)
    signature: bytes = field(repr=False)

    # --- loading
    @classmethod
    def from_der(cls, data: bytes) -> Certificate:
        if not isinstance(data, bytes | bytearray):
            raise crypto_error("certificate_malformed", reason="not bytes")
        try:
            return cls._parse(bytes(data))
        except asn1.DerError as exc:
            raise crypto_error("certificate_malformed", reason=str(exc)) from exc

    @classmethod
    def from_pem(cls, data: bytes) -> Certificate:
        return load_certificates(data)[0]

    @classmethod
    def _parse(cls, data: bytes) -> Certificate:
        tbs, outer_algorithm, signature_bits = asn1.sequence_of(data, 3)
        signature = asn1.read_bit_string(signature_bits)
        fields = asn1.sequence_of(tbs)
        version = 1
        if fields and fields[0].is_context(0):
            (version_element,) = fields[0].children()
            version = asn1.read_integer(version_element) + 1
            if version not in (2, 3):
                raise asn1.DerError("unknown certificate version")
            fields = fields[1:]
        if len(fields) < 6:
            raise asn1.DerError("TBSCertificate too short")
        fields = [tbs, *fields]  # keep the v3 indices below: fields[1] is the serial
        serial = asn1.read_integer(fields[1])
        if serial <= 0 or len(fields[1].value) > 20:
            raise asn1.DerError("serial number must be positive and at most 20 bytes")
        if fields[2].raw != outer_algorithm.raw:
            raise asn1.DerError("the two signature algorithm fields differ")
        algorithm = _read_signature_algorithm(fields[2])
        issuer = Name.parse(fields[3])
        not_before_element, not_after_element = asn1.sequence_of(fields[4], 2)
        subject = Name.parse(fields[5])
        spki = fields[6]
        asn1.sequence_of(spki, 2)
        extensions: dict[str, Extension] = {}
        for extra in fields[7:]:
            if extra.is_context(3) and version == 3:
                (inner,) = extra.children()
                extensions = _parse_extensions(inner)
            elif not (extra.is_context(1) or extra.is_context(2)):
                raise asn1.DerError("unexpected field in TBSCertificate")
        certificate = cls(
            der=data,
            tbs=tbs.raw,
            serial=serial,
            signature_algorithm=algorithm,
            issuer=issuer,
            subject=subject,
            not_before=asn1.read_time(not_before_element),
            not_after=asn1.read_time(not_after_element),
            public_key_der=spki.raw,
            extensions=extensions,
            signature=signature,
        )
        certificate.basic_constraints  # noqa: B018  (parse the extensions we rely on now, not later)
        certificate.key_usage  # noqa: B018
        certificate.authority_key_id  # noqa: B018
        certificate.subject_key_id  # noqa: B018
        return certificate

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Certificate) and other.der == self.der

    def __hash__(self) -> int:
        return hash(self.der)

    # --- contents
    def public_key(self) -> PublicKey:
        return keys.load_public_key(self.public_key_der)

    @property
    def key_algorithm(self) -> str:
        return keys.public_key_algorithm(self.public_key_der)

    @property
    def basic_constraints(self) -> tuple[bool, int | None] | None:
        """(is CA, path length constraint) or None when the extension is absent."""
        extension = self.extensions.get(oids.BASIC_CONSTRAINTS)
        if extension is None:
            return None
        items = asn1.sequence_of(asn1.decode(extension.value))
        is_ca, path_length = False, None
        for item in items:
            if item.tag == asn1.BOOLEAN:
                is_ca = asn1.read_boolean(item)
                if not is_ca:
                    raise asn1.DerError("DER omits cA FALSE")
            else:
                path_length = asn1.read_integer(item)
                if path_length < 0:
                    raise asn1.DerError("negative pathLenConstraint")
        return is_ca, path_length

    @property
    def is_ca(self) -> bool:
        constraints = self.basic_constraints
        return bool(constraints and constraints[0])

    @property
    def key_usage(self) -> frozenset[str] | None:
        extension = self.extensions.get(oids.KEY_USAGE)
        if extension is None:
            return None
        bits = asn1.read_named_bits(asn1.decode(extension.value))
        return frozenset(_KEY_USAGE_NAMES.get(bit, f"bit{bit}") for bit in bits)

    @property
    def subject_key_id(self) -> bytes | None:
        extension = self.extensions.get(oids.SUBJECT_KEY_IDENTIFIER)
        return None if extension is None else asn1.read_octets(asn1.decode(extension.value))

    @property
    def authority_key_id(self) -> bytes | None:
        extension = self.extensions.get(oids.AUTHORITY_KEY_IDENTIFIER)
        if extension is None:
            return None
        for item in asn1.sequence_of(asn1.decode(extension.value)):
            if item.tag == 0x80:
                return item.value
        return None

    @property
    def organisation(self) -> str | None:
        return self.subject.get(oids.ORGANISATION)

    @property
    def credit_code(self) -> str | None:
        """The unified social credit code (统一社会信用代码) from organizationIdentifier, if any."""
        value = self.subject.get(oids.ORGANISATION_IDENTIFIER)
        if value and value.startswith(CREDIT_CODE_PREFIX):
            return value[len(CREDIT_CODE_PREFIX) :]
        return None

    @property
    def self_issued(self) -> bool:
        return self.issuer.der == self.subject.der

    def fingerprint(self) -> str:
        """SHA-256 of the DER, hex (the same as ``openssl x509 -fingerprint -sha256``)."""
        return hashing.sha256(self.der).hex()

    def serial_hex(self) -> str:
        return f"{self.serial:X}"

    def to_pem(self) -> bytes:
        return pkcs8.pem_encode("CERTIFICATE", self.der)

    def to_base64(self) -> str:
        return base64.b64encode(self.der).decode("ascii")

    def verify_issued_by(self, issuer: Certificate) -> None:
        """Check this certificate's signature with ``issuer``'s key (``certificate_signature_invalid``)."""
        try:
            verify_signed(self.signature_algorithm, self.tbs, self.signature, issuer.public_key())
        except DomainError as exc:
            if exc.code in ("signature_invalid", "key_invalid", "key_unsupported"):
                raise crypto_error("certificate_signature_invalid", subject=str(self.subject), reason=str(exc)) from exc
            raise

    def summary(self) -> dict[str, Any]:
        return {
            "subject": str(self.subject),
            "issuer": str(self.issuer),
            "serial": self.serial_hex(),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key_algorithm": self.key_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "key_usage": sorted(self.key_usage or ()),
            "ca": self.is_ca,
            "fingerprint_sha256": self.fingerprint(),
        }


def load_certificates(data: bytes) -> list[Certificate]:
    """Every certificate in PEM text, or the single certificate of a DER input."""
    if isinstance(data, bytes | bytearray) and bytes(data[:1]) == b"\x30":
        return [Certificate.from_der(bytes(data))]
    try:
        blocks = pkcs8.pem_blocks(bytes(data))
    except (ValueError, TypeError) as exc:
        raise crypto_error("certificate_malformed", reason=str(exc)) from exc
    certificates = [Certificate.from_der(body) for label, body in blocks if label == "CERTIFICATE"]
    if not certificates:
        raise crypto_error("certificate_malformed", reason="no certificate found")
    return certificates


def new_serial() -> int:
    """A random positive serial of at most 127 bits (RFC 5280: at most 20 octets, unpredictable)."""
    return int.from_bytes(os.urandom(16), "big") >> 1 or 1


def _whole_seconds(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).replace(microsecond=0)


def build_certificate(
    *,
    issuer_key: PrivateKey,
    issuer: Name,
    subject: Name,
    subject_key: PublicKey,
    not_before: datetime,
    not_after: datetime,
    serial: int | None = None,
    ca: bool = False,
    path_length: int | None = None,
    key_usage: Iterable[str],
    authority_key_id: bytes | None = None,
) -> Certificate:
    """Build and sign a v3 certificate. For a root, pass the root's own key and name as issuer."""
    algorithm = issuer_key.public_key().signature_algorithm
    not_before, not_after = _whole_seconds(not_before), _whole_seconds(not_after)
    if not_after <= not_before:
        raise crypto_error("certificate_profile_invalid", reason="not_after must follow not_before")
    usage = set(key_usage)
    unknown = usage - set(KEY_USAGE_BITS)
    if unknown or not usage:
        raise crypto_error("certificate_profile_invalid", reason=f"key usage {sorted(unknown) or 'missing'}")
    serial = new_serial() if serial is None else serial
    subject_key_id = key_identifier(subject_key)
    constraints = [asn1.boolean(True)] if ca else []
    if ca and path_length is not None:
        constraints.append(asn1.integer(path_length))
    extensions = [
        _extension(oids.BASIC_CONSTRAINTS, asn1.sequence(*constraints), critical=True),
        _extension(oids.KEY_USAGE, asn1.named_bits({KEY_USAGE_BITS[u] for u in usage}), critical=True),
        _extension(oids.SUBJECT_KEY_IDENTIFIER, asn1.octet_string(subject_key_id)),
    ]
    authority_key_id = subject_key_id if authority_key_id is None and issuer.der == subject.der else authority_key_id
    if authority_key_id is not None:
        extensions.append(_extension(oids.AUTHORITY_KEY_IDENTIFIER, asn1.sequence(asn1.implicit(0, authority_key_id))))
    tbs = asn1.sequence(
        asn1.explicit(0, asn1.integer(2)),
        asn1.integer(serial),
        _algorithm_identifier(algorithm),
        issuer.der,
        asn1.sequence(asn1.time(not_before), asn1.time(not_after)),
        subject.der,
        subject_key.to_der(),
        asn1.explicit(3, asn1.sequence(*extensions)),
    )
    signature = issuer_key.sign(tbs)
    return Certificate.from_der(asn1.sequence(tbs, _algorithm_identifier(algorithm), asn1.bit_string(signature)))


# ------------------------------------------------------------------------------------------- CRLs


@dataclass(frozen=True)
class RevokedEntry:
    serial: int
    revoked_at: datetime
    reason: str | None = None


@dataclass(frozen=True, eq=False)
class CertificateRevocationList:
    """A parsed X.509 v2 CRL."""

    der: bytes
    tbs: bytes
    signature_algorithm: str
    issuer: Name
    this_update: datetime
    next_update: datetime | None
    revoked: tuple[RevokedEntry, ...]
    number: int | None
    authority_key_id: bytes | None
    signature: bytes = field(repr=False)

    @classmethod
    def from_der(cls, data: bytes) -> CertificateRevocationList:
        if not isinstance(data, bytes | bytearray):
            raise crypto_error("crl_malformed", reason="not bytes")
        try:
            return cls._parse(bytes(data))
        except asn1.DerError as exc:
            raise crypto_error("crl_malformed", reason=str(exc)) from exc

    @classmethod
    def from_pem(cls, data: bytes) -> CertificateRevocationList:
        if bytes(data[:1]) == b"\x30":
            return cls.from_der(bytes(data))
        try:
            blocks = [body for label, body in pkcs8.pem_blocks(bytes(data)) if label == "X509 CRL"]
        except (ValueError, TypeError) as exc:
            raise crypto_error("crl_malformed", reason=str(exc)) from exc
        if not blocks:
            raise crypto_error("crl_malformed", reason="no X509 CRL found")
        return cls.from_der(blocks[0])

    @classmethod
    def _parse(cls, data: bytes) -> CertificateRevocationList:
        tbs, outer_algorithm, signature_bits = asn1.sequence_of(data, 3)
        signature = asn1.read_bit_string(signature_bits)
        fields = asn1.sequence_of(tbs)
        index = 0
        if fields and fields[0].tag == asn1.INTEGER:
            if asn1.read_integer(fields[0]) != 1:
                raise asn1.DerError("only v2 CRLs are supported")
            index = 1
        else:
            raise asn1.DerError("only v2 CRLs are supported")
        if len(fields) < index + 3:
            raise asn1.DerError("TBSCertList too short")
        if fields[index].raw != outer_algorithm.raw:
            raise asn1.DerError("the two signature algorithm fields differ")
        algorithm = _read_signature_algorithm(fields[index])
        issuer = Name.parse(fields[index + 1])
        this_update = asn1.read_time(fields[index + 2])
        rest = fields[index + 3 :]
        next_update = None
        if rest and rest[0].tag in (asn1.UTC_TIME, asn1.GENERALIZED_TIME):
            next_update = asn1.read_time(rest[0])
            rest = rest[1:]
        revoked: list[RevokedEntry] = []
        if rest and rest[0].tag == asn1.SEQUENCE:
            for entry in asn1.sequence_of(rest[0]):
                parts = asn1.sequence_of(entry)
                if len(parts) not in (2, 3):
                    raise asn1.DerError("bad revoked certificate entry")
                reason = None
                if len(parts) == 3:
                    entry_extensions = _parse_extensions(parts[2])
                    if oids.CRL_REASON in entry_extensions:
                        reason_element = asn1.decode(entry_extensions[oids.CRL_REASON].value)
                        reason_element.expect(0x0A)  # ENUMERATED
                        reason = _CRL_REASON_NAMES.get(int.from_bytes(reason_element.value, "big"), "unspecified")
                    if any(e.critical for e in entry_extensions.values()):
                        raise asn1.DerError("critical CRL entry extension")
                revoked.append(RevokedEntry(asn1.read_integer(parts[0]), asn1.read_time(parts[1]), reason))
            rest = rest[1:]
        number = None
        authority_key_id = None
        if rest:
            if len(rest) != 1 or not rest[0].is_context(0):
                raise asn1.DerError("unexpected field in TBSCertList")
            (inner,) = rest[0].children()
            extensions = _parse_extensions(inner)
            for extension in extensions.values():
                if extension.critical and extension.oid not in (oids.CRL_NUMBER, oids.AUTHORITY_KEY_IDENTIFIER):
                    raise asn1.DerError(f"unknown critical CRL extension {extension.oid}")
            if oids.CRL_NUMBER in extensions:
                number = asn1.read_integer(asn1.decode(extensions[oids.CRL_NUMBER].value))
            if oids.AUTHORITY_KEY_IDENTIFIER in extensions:
                for item in asn1.sequence_of(asn1.decode(extensions[oids.AUTHORITY_KEY_IDENTIFIER].value)):
                    if item.tag == 0x80:
                        authority_key_id = item.value
        return cls(
            der=data,
            tbs=tbs.raw,
            signature_algorithm=algorithm,
            issuer=issuer,
            this_update=this_update,
            next_update=next_update,
            revoked=tuple(revoked),
            number=number,
            authority_key_id=authority_key_id,
            signature=signature,
        )

    def revocation_of(self, serial: int) -> RevokedEntry | None:
        for entry in self.revoked:
            if entry.serial == serial:
                return entry
        return None

    def verify_issued_by(self, issuer: Certificate) -> None:
        try:
            verify_signed(self.signature_algorithm, self.tbs, self.signature, issuer.public_key())
        except DomainError as exc:
            if exc.code in ("signature_invalid", "key_invalid", "key_unsupported"):
                raise crypto_error("crl_signature_invalid", issuer=str(self.issuer), reason=str(exc)) from exc
            raise

    def to_pem(self) -> bytes:
        return pkcs8.pem_encode("X509 CRL", self.der)


def build_crl(
    *,
    issuer_key: PrivateKey,
    issuer: Certificate,
    this_update: datetime,
    next_update: datetime,
    number: int,
    revoked: Iterable[RevokedEntry],
) -> CertificateRevocationList:
    """Build and sign a v2 CRL with cRLNumber and authorityKeyIdentifier."""
    algorithm = issuer_key.public_key().signature_algorithm
    entries = []
    for entry in sorted(revoked, key=lambda e: e.serial):
        parts = [asn1.integer(entry.serial), asn1.time(_whole_seconds(entry.revoked_at))]
        if entry.reason and entry.reason != "unspecified":
            reason = asn1.tlv(0x0A, bytes([CRL_REASONS[entry.reason]]))
            parts.append(asn1.sequence(_extension(oids.CRL_REASON, reason)))
        entries.append(asn1.sequence(*parts))
    extensions = [_extension(oids.CRL_NUMBER, asn1.integer(number))]
    if issuer.subject_key_id is not None:
        extensions.insert(
            0, _extension(oids.AUTHORITY_KEY_IDENTIFIER, asn1.sequence(asn1.implicit(0, issuer.subject_key_id)))
        )
    fields = [
        asn1.integer(1),
        _algorithm_identifier(algorithm),
        issuer.subject.der,
        asn1.time(_whole_seconds(this_update)),
        asn1.time(_whole_seconds(next_update)),
    ]
    if entries:
        fields.append(asn1.sequence(*entries))
    fields.append(asn1.explicit(0, asn1.sequence(*extensions)))
    tbs = asn1.sequence(*fields)
    signature = issuer_key.sign(tbs)
    return CertificateRevocationList.from_der(
        asn1.sequence(tbs, _algorithm_identifier(algorithm), asn1.bit_string(signature))
    )
