"""Keys: one interface over SM2 (system OpenSSL), Ed25519, ECDSA P-256 and X25519 (``cryptography``).

``PrivateKey``/``PublicKey`` are what the rest of sunbid sees. Signing keys are SM2 (``gm``) and
Ed25519 (``intl``); ECDSA P-256 keys are accepted in certificates from other CAs and can sign too;
X25519 keys only receive wrapped content keys (they cannot sign, and say so with
``key_wrong_purpose``). An SM2 key can both sign and receive wrapped keys.
"""

from __future__ import annotations

import abc
from typing import ClassVar

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519

from sunbid.kernel.errors import DomainError

from . import _openssl, der, hashing, oids, pkcs8
from .errors import crypto_error

# Algorithm names (also the ``alg`` of detached signatures)
SM2 = "SM2"
ED25519 = "Ed25519"
P256 = "ECDSA-P256"
X25519 = "X25519"

SIGNATURE_ALGORITHMS = {SM2: "SM2-with-SM3", ED25519: "Ed25519", P256: "ECDSA-P256-SHA256"}


def _backend(exc: _openssl.OpenSSLFailure | _openssl.BackendUnavailable) -> DomainError:
    if isinstance(exc, _openssl.BackendUnavailable):
        return crypto_error("crypto_backend_unavailable", reason=str(exc))
    return crypto_error("crypto_backend_failed", reason=str(exc))


def _sm2() -> None:
    """Raise ``crypto_backend_unavailable`` unless libcrypto with SM2 can be loaded."""
    try:
        _openssl.lib()
    except _openssl.BackendUnavailable as exc:
        raise _backend(exc) from exc


class PublicKey(abc.ABC):
    """A public key: DER SubjectPublicKeyInfo, a key ID, and signature verification."""

    algorithm: ClassVar[str]
    suite_name: ClassVar[str]
    hash_name: ClassVar[str]

    @abc.abstractmethod
    def to_der(self) -> bytes:
        """SubjectPublicKeyInfo DER."""

    @abc.abstractmethod
    def verify(self, data: bytes, signature: bytes) -> None:
        """Return if ``signature`` is valid for ``data``; else raise ``signature_invalid``."""

    @property
    def signature_algorithm(self) -> str:
        if self.algorithm not in SIGNATURE_ALGORITHMS:
            raise crypto_error("key_wrong_purpose", reason=f"{self.algorithm} keys do not sign")
        return SIGNATURE_ALGORITHMS[self.algorithm]

    @property
    def can_sign(self) -> bool:
        return self.algorithm in SIGNATURE_ALGORITHMS

    def key_id(self) -> str:
        """Hex of the suite hash (SM3 or SHA-256) of the SubjectPublicKeyInfo DER."""
        return hashing.digest(self.hash_name, self.to_der()).hex()

    def to_pem(self) -> bytes:
        return pkcs8.pem_encode("PUBLIC KEY", self.to_der())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and other.to_der() == self.to_der()

    def __hash__(self) -> int:
        return hash(self.to_der())

    def __repr__(self) -> str:
        return f"<{self.algorithm} public key {self.key_id()[:16]}>"


class PrivateKey(abc.ABC):
    """A private key. Never printed; exported only as (preferably encrypted) PKCS#8 PEM."""

    algorithm: ClassVar[str]
    suite_name: ClassVar[str]

    @abc.abstractmethod
    def sign(self, data: bytes) -> bytes:
        """A signature over ``data`` (SM2: DER with the standard ID; Ed25519: raw 64 bytes)."""

    @abc.abstractmethod
    def public_key(self) -> PublicKey: ...

    @abc.abstractmethod
    def to_pkcs8_der(self) -> bytes:
        """Unencrypted PKCS#8 PrivateKeyInfo DER: handle with care."""

    def to_pem(self, passphrase: bytes | None, *, iterations: int = pkcs8.DEFAULT_ITERATIONS) -> bytes:
        """PKCS#8 PEM, encrypted (PBES2) when a passphrase is given."""
        plain = self.to_pkcs8_der()
        if passphrase is None:
            return pkcs8.pem_encode("PRIVATE KEY", plain)
        cipher = oids.SM4_CBC if self.suite_name == "gm" else oids.AES_256_CBC
        return pkcs8.pem_encode(
            "ENCRYPTED PRIVATE KEY", pkcs8.encrypt(plain, passphrase, cipher_oid=cipher, iterations=iterations)
        )

    def __repr__(self) -> str:
        return f"<{self.algorithm} private key for {self.public_key().key_id()[:16]}>"


# ------------------------------------------------------------------------------------------- SM2


class Sm2PublicKey(PublicKey):
    algorithm = SM2
    suite_name = "gm"
    hash_name = "sm3"

    def __init__(self, handle: _openssl.Pkey, spki: bytes) -> None:
        self._handle = handle
        self._der = spki

    @classmethod
    def from_der(cls, spki: bytes) -> Sm2PublicKey:
        _sm2()
        try:
            handle = _openssl.load_public_der(spki)
            return cls(handle, _openssl.public_der(handle))
        except _openssl.OpenSSLFailure as exc:
            raise crypto_error("key_invalid", reason=str(exc)) from exc

    def to_der(self) -> bytes:
        return self._der

    def verify(self, data: bytes, signature: bytes) -> None:
        self.verify_with_id(data, signature, _openssl.SM2_DEFAULT_ID)

    def verify_with_id(self, data: bytes, signature: bytes, distid: bytes) -> None:
        """Verify with another signer ID (only certificates and CRLs accept the empty ID, see x509)."""
        try:
            ok = _openssl.verify(self._handle, bytes(data), bytes(signature), distid)
        except _openssl.OpenSSLFailure as exc:
            raise crypto_error("signature_invalid", reason=str(exc)) from exc
        except TypeError as exc:
            raise crypto_error("signature_invalid", reason="not bytes") from exc
        if not ok:
            raise crypto_error("signature_invalid")

    def encrypt(self, plaintext: bytes) -> bytes:
        """SM2 public-key encryption, ASN.1 ``SEQUENCE{x, y, C3, C2}`` (C1C3C2) as OpenSSL emits."""
        try:
            return _openssl.encrypt(self._handle, plaintext)
        except _openssl.OpenSSLFailure as exc:
            raise _backend(exc) from exc


class Sm2PrivateKey(PrivateKey):
    algorithm = SM2
    suite_name = "gm"

    def __init__(self, handle: _openssl.Pkey) -> None:
        self._handle = handle
        self._public: Sm2PublicKey | None = None

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        _sm2()
        try:
            return cls(_openssl.generate())
        except _openssl.OpenSSLFailure as exc:
            raise _backend(exc) from exc

    @classmethod
    def from_pkcs8(cls, der_bytes: bytes) -> Sm2PrivateKey:
        _sm2()
        try:
            return cls(_openssl.load_private_pkcs8(der_bytes))
        except _openssl.OpenSSLFailure as exc:
            raise crypto_error("key_invalid", reason=str(exc)) from exc

    @classmethod
    def from_scalar(cls, d: int) -> Sm2PrivateKey:
        """From the private scalar (test vectors); OpenSSL derives the public point."""
        algorithm = der.sequence(der.oid(oids.EC_PUBLIC_KEY), der.oid(oids.CURVE_SM2))
        ec_private_key = der.sequence(der.integer(1), der.octet_string(d.to_bytes(32, "big")))
        return cls.from_pkcs8(der.sequence(der.integer(0), algorithm, der.octet_string(ec_private_key)))

    def sign(self, data: bytes) -> bytes:
        try:
            return _openssl.sign(self._handle, bytes(data))
        except _openssl.OpenSSLFailure as exc:
            raise _backend(exc) from exc

    def public_key(self) -> Sm2PublicKey:
        if self._public is None:
            try:
                self._public = Sm2PublicKey.from_der(_openssl.public_der(self._handle))
            except _openssl.OpenSSLFailure as exc:
                raise _backend(exc) from exc
        return self._public

    def decrypt(self, ciphertext: bytes) -> bytes:
        """SM2 decryption; any failure (wrong key, tampering, truncation) is ``key_unwrap_failed``."""
        try:  # strict DER first: OpenSSL ignores bytes after the structure
            x, y, c3, c2 = der.sequence_of(bytes(ciphertext), 4)
            der.read_integer(x), der.read_integer(y)
            if len(der.read_octets(c3)) != 32 or not der.read_octets(c2):
                raise der.DerError("C3 is an SM3 hash and C2 is not empty")
        except (der.DerError, TypeError) as exc:
            raise crypto_error("key_unwrap_failed", reason="not an SM2 ciphertext") from exc
        try:
            return _openssl.decrypt(self._handle, bytes(ciphertext))
        except _openssl.OpenSSLFailure as exc:
            raise crypto_error("key_unwrap_failed") from exc

    def to_pkcs8_der(self) -> bytes:
        try:
            return _openssl.private_pkcs8(self._handle)
        except _openssl.OpenSSLFailure as exc:
            raise _backend(exc) from exc


# ----------------------------------------------------------------------------- cryptography keys


def _spki(key: ed25519.Ed25519PublicKey | x25519.X25519PublicKey | ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _pkcs8(key: ed25519.Ed25519PrivateKey | x25519.X25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class Ed25519PublicKey(PublicKey):
    algorithm = ED25519
    suite_name = "intl"
    hash_name = "sha256"

    def __init__(self, key: ed25519.Ed25519PublicKey) -> None:
        self._key = key
        self._der = _spki(key)

    def to_der(self) -> bytes:
        return self._der

    def verify(self, data: bytes, signature: bytes) -> None:
        try:
            self._key.verify(bytes(signature), bytes(data))
        except (InvalidSignature, TypeError, ValueError) as exc:
            raise crypto_error("signature_invalid") from exc


class Ed25519PrivateKey(PrivateKey):
    algorithm = ED25519
    suite_name = "intl"

    def __init__(self, key: ed25519.Ed25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> Ed25519PrivateKey:
        return cls(ed25519.Ed25519PrivateKey.generate())

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(bytes(data))

    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey(self._key.public_key())

    def to_pkcs8_der(self) -> bytes:
        return _pkcs8(self._key)


class P256PublicKey(PublicKey):
    algorithm = P256
    suite_name = "intl"
    hash_name = "sha256"

    def __init__(self, key: ec.EllipticCurvePublicKey) -> None:
        self._key = key
        self._der = _spki(key)

    def to_der(self) -> bytes:
        return self._der

    def verify(self, data: bytes, signature: bytes) -> None:
        try:
            self._key.verify(bytes(signature), bytes(data), ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, TypeError, ValueError) as exc:
            raise crypto_error("signature_invalid") from exc


class P256PrivateKey(PrivateKey):
    algorithm = P256
    suite_name = "intl"

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> P256PrivateKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    def sign(self, data: bytes) -> bytes:
        """ECDSA with SHA-256, DER ``SEQUENCE{r, s}``."""
        return self._key.sign(bytes(data), ec.ECDSA(hashes.SHA256()))

    def public_key(self) -> P256PublicKey:
        return P256PublicKey(self._key.public_key())

    def to_pkcs8_der(self) -> bytes:
        return _pkcs8(self._key)


class X25519PublicKey(PublicKey):
    algorithm = X25519
    suite_name = "intl"
    hash_name = "sha256"

    def __init__(self, key: x25519.X25519PublicKey) -> None:
        self._key = key
        self._der = _spki(key)

    @property
    def raw(self) -> bytes:
        return self._key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def native(self) -> x25519.X25519PublicKey:
        return self._key

    def to_der(self) -> bytes:
        return self._der

    def verify(self, data: bytes, signature: bytes) -> None:
        raise crypto_error("key_wrong_purpose", reason="X25519 keys do not sign")


class X25519PrivateKey(PrivateKey):
    algorithm = X25519
    suite_name = "intl"

    def __init__(self, key: x25519.X25519PrivateKey) -> None:
        self._key = key

    @classmethod
    def generate(cls) -> X25519PrivateKey:
        return cls(x25519.X25519PrivateKey.generate())

    @property
    def native(self) -> x25519.X25519PrivateKey:
        return self._key

    def sign(self, data: bytes) -> bytes:
        raise crypto_error("key_wrong_purpose", reason="X25519 keys do not sign")

    def public_key(self) -> X25519PublicKey:
        return X25519PublicKey(self._key.public_key())

    def to_pkcs8_der(self) -> bytes:
        return _pkcs8(self._key)


# ------------------------------------------------------------------------------------- loading


def _algorithm_of(algorithm: der.Element) -> str:
    """SM2 / Ed25519 / ECDSA-P256 / X25519 from an AlgorithmIdentifier."""
    items = der.sequence_of(algorithm)
    if not items:
        raise der.DerError("empty AlgorithmIdentifier")
    identifier = der.read_oid(items[0])
    if identifier == oids.EC_PUBLIC_KEY:
        if len(items) != 2 or items[1].tag != der.OBJECT_IDENTIFIER:
            raise crypto_error("key_unsupported", reason="only named curves are supported")
        curve = der.read_oid(items[1])
        if curve == oids.CURVE_SM2:
            return SM2
        if curve == oids.CURVE_P256:
            return P256
        raise crypto_error("key_unsupported", reason=f"curve {curve}")
    if identifier in (oids.ED25519, oids.X25519):
        if len(items) != 1:
            raise der.DerError("parameters are absent for Ed25519 and X25519")
        return ED25519 if identifier == oids.ED25519 else X25519
    raise crypto_error("key_unsupported", reason=f"algorithm {identifier}")


def public_key_algorithm(spki: bytes) -> str:
    try:
        algorithm, key_bits = der.sequence_of(bytes(spki), 2)
        der.read_bit_string(key_bits)
        return _algorithm_of(algorithm)
    except der.DerError as exc:
        raise crypto_error("key_invalid", reason=str(exc)) from exc


def load_public_key(spki: bytes) -> PublicKey:
    """Any supported public key from SubjectPublicKeyInfo DER."""
    if not isinstance(spki, bytes | bytearray):
        raise crypto_error("key_invalid", reason="not bytes")
    spki = bytes(spki)
    algorithm = public_key_algorithm(spki)
    if algorithm == SM2:
        return Sm2PublicKey.from_der(spki)
    try:
        key = serialization.load_der_public_key(spki)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise crypto_error("key_invalid", reason=str(exc)) from exc
    if _spki(key) != spki:  # type: ignore[arg-type]
        raise crypto_error("key_invalid", reason="SubjectPublicKeyInfo is not in canonical form")
    if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
        return Ed25519PublicKey(key)
    if algorithm == X25519 and isinstance(key, x25519.X25519PublicKey):
        return X25519PublicKey(key)
    if algorithm == P256 and isinstance(key, ec.EllipticCurvePublicKey):
        return P256PublicKey(key)
    raise crypto_error("key_invalid", reason="key does not match its algorithm")


def load_private_pkcs8(private_key_info: bytes) -> PrivateKey:
    """Any supported private key from unencrypted PKCS#8 PrivateKeyInfo DER."""
    try:
        items = der.sequence_of(private_key_info)
        if len(items) < 3:
            raise der.DerError("PrivateKeyInfo too short")
        algorithm = _algorithm_of(items[1])
    except der.DerError as exc:
        raise crypto_error("key_invalid", reason=str(exc)) from exc
    if algorithm == SM2:
        return Sm2PrivateKey.from_pkcs8(private_key_info)
    try:
        key = serialization.load_der_private_key(private_key_info, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise crypto_error("key_invalid", reason=str(exc)) from exc
    if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519PrivateKey(key)
    if algorithm == X25519 and isinstance(key, x25519.X25519PrivateKey):
        return X25519PrivateKey(key)
    if algorithm == P256 and isinstance(key, ec.EllipticCurvePrivateKey):
        return P256PrivateKey(key)
    raise crypto_error("key_invalid", reason="key does not match its algorithm")


def load_private_key(pem: bytes, passphrase: bytes | None) -> PrivateKey:
    """A private key from PKCS#8 PEM (``PRIVATE KEY`` or ``ENCRYPTED PRIVATE KEY``) or raw DER."""
    if isinstance(pem, str):
        pem = pem.encode("ascii", "replace")
    if not isinstance(pem, bytes | bytearray):
        raise crypto_error("key_invalid", reason="not bytes")
    pem = bytes(pem)
    try:
        blocks = pkcs8.pem_blocks(pem)
    except ValueError as exc:
        raise crypto_error("key_invalid", reason=str(exc)) from exc
    keys = [(label, body) for label, body in blocks if label in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY")]
    if not keys:
        if any(label.endswith("PRIVATE KEY") for label, _ in blocks):
            raise crypto_error("key_unsupported", reason="only PKCS#8 private keys are supported")
        raise crypto_error("key_invalid", reason="no PKCS#8 private key found")
    label, body = keys[0]
    if label == "ENCRYPTED PRIVATE KEY":
        if passphrase is None:
            raise crypto_error("key_passphrase_required")
        body = pkcs8.decrypt(body, bytes(passphrase))
        try:
            return load_private_pkcs8(body)
        except DomainError as exc:
            if exc.code == "key_invalid":  # the padding happened to check out under a wrong passphrase
                raise crypto_error("key_passphrase_wrong") from exc
            raise
    return load_private_pkcs8(body)
