"""Crypto suites: ``gm`` (SM2, SM3, SM4-GCM) and ``intl`` (Ed25519, X25519, AES-256-GCM, SHA-256).

A tender chooses its suite; everything that signs, hashes or encrypts for it goes through the
:class:`Suite` returned by :func:`get_suite`. Key wrapping (the digital envelope of a sealed bid):

- ``gm``: the content key is encrypted with SM2 public-key encryption to the recipient's SM2 key
  (GB/T 32918.4 with SM3, ciphertext as the ASN.1 ``SEQUENCE{x, y, C3, C2}`` that OpenSSL emits).
- ``intl``: ECIES over X25519. A fresh ephemeral X25519 key ``e``; ``Z = X25519(e, R)``;
  ``KEK = HKDF-SHA256(ikm=Z, salt=E‖R, info="sunbid/intl/key-wrap/v1", 32 bytes)``;
  output ``E ‖ AES-256-GCM(KEK, nonce=0^96, content_key, aad=E‖R)`` (E and R the raw 32-byte
  public keys). The all-zero nonce is safe because every KEK is used exactly once.
"""

from __future__ import annotations

import abc
import os
from typing import ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers import AEADDecryptionContext, Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import hashing, keys
from .errors import crypto_error
from .hashing import Hasher
from .keys import PrivateKey, PublicKey

#: Ciphertext may be given as any contiguous buffer (a slice of a memory-mapped file, say).
Buffer = bytes | bytearray | memoryview
_BUFFERS = (bytes, bytearray, memoryview)
NONCE_SIZE = 12
TAG_SIZE = 16
_WRAP_INFO = b"sunbid/intl/key-wrap/v1"
_WRAPPABLE = range(16, 65)


class Suite(abc.ABC):
    """One algorithm suite: hash, signatures, AEAD and key wrapping."""

    name: ClassVar[str]
    hash_name: ClassVar[str]
    signature_algorithm: ClassVar[str]
    aead_name: ClassVar[str]
    aead_key_size: ClassVar[int]
    key_wrap_name: ClassVar[str]
    nonce_size: ClassVar[int] = NONCE_SIZE

    # --- hashing
    def hash(self, data: bytes) -> bytes:
        return hashing.digest(self.hash_name, bytes(data))

    def new_hasher(self) -> Hasher:
        return hashing.new_hasher(self.hash_name)

    # --- keys
    @abc.abstractmethod
    def generate_signing_key(self) -> PrivateKey: ...

    @abc.abstractmethod
    def generate_encryption_key(self) -> PrivateKey: ...

    def load_private_key(self, pem: bytes, passphrase: bytes | None) -> PrivateKey:
        key = keys.load_private_key(pem, passphrase)
        self._check_suite(key.algorithm)
        return key

    def load_public_key(self, der: bytes) -> PublicKey:
        key = keys.load_public_key(der)
        self._check_suite(key.algorithm)
        return key

    def accepts(self, algorithm: str) -> bool:
        """Whether keys of ``algorithm`` (keys.SM2, keys.ED25519...) belong to this suite."""
        return algorithm in self._algorithms

    _algorithms: ClassVar[frozenset[str]]

    def _check_suite(self, algorithm: str) -> None:
        if algorithm not in self._algorithms:
            raise crypto_error("suite_mismatch", reason=f"{algorithm} key in the {self.name} suite")

    # --- symmetric encryption
    def new_content_key(self) -> bytes:
        return os.urandom(self.aead_key_size)

    def new_nonce(self) -> bytes:
        return os.urandom(NONCE_SIZE)

    def _check_aead(self, key: bytes, nonce: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != self.aead_key_size:
            raise crypto_error(
                "aead_parameter_invalid", reason=f"{self.aead_name} needs a {self.aead_key_size}-byte key"
            )
        if not isinstance(nonce, bytes) or len(nonce) != NONCE_SIZE:
            raise crypto_error("aead_parameter_invalid", reason=f"{self.aead_name} needs a {NONCE_SIZE}-byte nonce")

    @abc.abstractmethod
    def aead_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Ciphertext followed by the 16-byte tag."""

    @abc.abstractmethod
    def aead_decrypt(self, key: bytes, nonce: bytes, ciphertext: Buffer, aad: bytes) -> bytes:
        """The plaintext, or ``ciphertext_invalid`` if truncated, tampered with or under another key."""

    @abc.abstractmethod
    def aead_decrypt_into(self, key: bytes, nonce: bytes, ciphertext: Buffer, aad: bytes, out: bytearray) -> memoryview:
        """As :meth:`aead_decrypt`, the plaintext written into ``out`` (at least as long as the
        ciphertext with its tag) rather than into new memory; returns the view of ``out`` it
        fills. After ``ciphertext_invalid``, ``out`` holds unauthenticated bytes: use none."""

    def _sealed(self, ciphertext: Buffer, out: bytearray | None = None) -> memoryview:
        if not isinstance(ciphertext, _BUFFERS) or len(ciphertext) < TAG_SIZE:
            raise crypto_error("ciphertext_invalid", reason="shorter than the tag")
        if out is not None and len(out) < len(ciphertext):
            raise crypto_error("aead_parameter_invalid", reason="the output buffer is shorter than the ciphertext")
        return memoryview(ciphertext)

    # --- key wrapping
    @abc.abstractmethod
    def wrap_key(self, recipient_public: PublicKey, content_key: bytes) -> bytes: ...

    @abc.abstractmethod
    def unwrap_key(self, private: PrivateKey, wrapped: bytes) -> bytes:
        """The content key, or ``key_unwrap_failed`` (wrong key, tampered or truncated data)."""

    def __repr__(self) -> str:
        return f"<Suite {self.name}>"


def _check_content_key(content_key: bytes) -> None:
    if not isinstance(content_key, bytes) or len(content_key) not in _WRAPPABLE:
        raise crypto_error("aead_parameter_invalid", reason="a wrapped key has 16 to 64 bytes")


class GmSuite(Suite):
    """国密: SM2 signatures (ID 1234567812345678) and encryption, SM3, SM4-GCM."""

    name = "gm"
    hash_name = "sm3"
    signature_algorithm = "SM2-with-SM3"
    aead_name = "SM4-GCM"
    aead_key_size = 16
    key_wrap_name = "SM2-encrypt"
    _algorithms = frozenset({keys.SM2})

    def generate_signing_key(self) -> keys.Sm2PrivateKey:
        return keys.Sm2PrivateKey.generate()

    def generate_encryption_key(self) -> keys.Sm2PrivateKey:
        return keys.Sm2PrivateKey.generate()

    def aead_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        self._check_aead(key, nonce)
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(bytes(aad))
        body = encryptor.update(plaintext)
        tail = encryptor.finalize()
        return b"".join((body, tail, encryptor.tag))

    def aead_decrypt(self, key: bytes, nonce: bytes, ciphertext: Buffer, aad: bytes) -> bytes:
        self._check_aead(key, nonce)
        view = self._sealed(ciphertext)
        decryptor = self._decryptor(key, nonce, view, aad)
        body = decryptor.update(view[:-TAG_SIZE])
        try:
            tail = decryptor.finalize()
        except InvalidTag as exc:
            raise crypto_error("ciphertext_invalid") from exc
        return body + tail if tail else body

    def aead_decrypt_into(self, key: bytes, nonce: bytes, ciphertext: Buffer, aad: bytes, out: bytearray) -> memoryview:
        self._check_aead(key, nonce)
        view = self._sealed(ciphertext, out)
        decryptor = self._decryptor(key, nonce, view, aad)
        # GCM is a stream mode: update_into writes every byte it is given (its buffer must
        # allow block_size - 1 more, which the tag's 16 bytes provide) and finalize none.
        written = decryptor.update_into(view[:-TAG_SIZE], out)
        try:
            decryptor.finalize()
        except InvalidTag as exc:
            raise crypto_error("ciphertext_invalid") from exc
        return memoryview(out)[:written]

    @staticmethod
    def _decryptor(key: bytes, nonce: bytes, view: memoryview, aad: bytes) -> AEADDecryptionContext:
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, bytes(view[-TAG_SIZE:]))).decryptor()
        decryptor.authenticate_additional_data(bytes(aad))
        return decryptor

    def wrap_key(self, recipient_public: PublicKey, content_key: bytes) -> bytes:
        _check_content_key(content_key)
        if not isinstance(recipient_public, keys.Sm2PublicKey):
            raise crypto_error("suite_mismatch", reason="gm wraps keys for SM2 public keys")
        return recipient_public.encrypt(content_key)

    def unwrap_key(self, private: PrivateKey, wrapped: bytes) -> bytes:
        if not isinstance(private, keys.Sm2PrivateKey):
            raise crypto_error("suite_mismatch", reason="gm unwraps with an SM2 private key")
        if not isinstance(wrapped, bytes) or not wrapped:
            raise crypto_error("key_unwrap_failed")
        return private.decrypt(wrapped)


class IntlSuite(Suite):
    """International: Ed25519, X25519 (ECIES key wrap), AES-256-GCM, SHA-256."""

    name = "intl"
    hash_name = "sha256"
    signature_algorithm = "Ed25519"
    aead_name = "AES-256-GCM"
    aead_key_size = 32
    key_wrap_name = "X25519-HKDF-SHA256-AES-256-GCM"
    _algorithms = frozenset({keys.ED25519, keys.P256, keys.X25519})

    def generate_signing_key(self) -> keys.Ed25519PrivateKey:
        return keys.Ed25519PrivateKey.generate()

    def generate_encryption_key(self) -> keys.X25519PrivateKey:
        return keys.X25519PrivateKey.generate()

    def aead_encrypt(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
        self._check_aead(key, nonce)
        return AESGCM(key).encrypt(nonce, bytes(plaintext), bytes(aad))

    def aead_decrypt(self, key: bytes, nonce: bytes, ciphertext: Buffer, aad: bytes) -> bytes:
        self._check_aead(key, nonce)
        self._sealed(ciphertext)
        try:
            return AESGCM(key).decrypt(nonce, ciphertext, bytes(aad))
        except InvalidTag as exc:
            raise crypto_error("ciphertext_invalid") from exc

    def aead_decrypt_into(self, key: bytes, nonce: bytes, ciphertext: Buffer, aad: bytes, out: bytearray) -> memoryview:
        self._check_aead(key, nonce)
        view = self._sealed(ciphertext, out)
        plaintext = memoryview(out)[: len(view) - TAG_SIZE]
        try:
            AESGCM(key).decrypt_into(nonce, view, bytes(aad), plaintext)
        except InvalidTag as exc:
            raise crypto_error("ciphertext_invalid") from exc
        return plaintext

    @staticmethod
    def _kek(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_WRAP_INFO).derive(shared)

    def wrap_key(self, recipient_public: PublicKey, content_key: bytes) -> bytes:
        _check_content_key(content_key)
        if not isinstance(recipient_public, keys.X25519PublicKey):
            raise crypto_error("suite_mismatch", reason="intl wraps keys for X25519 public keys")
        ephemeral = keys.X25519PrivateKey.generate()
        ephemeral_raw = ephemeral.public_key().raw
        recipient_raw = recipient_public.raw
        try:
            shared = ephemeral.native.exchange(recipient_public.native)
        except ValueError as exc:  # a low-order point gives the all-zero secret
            raise crypto_error("key_invalid", reason="X25519 public key of low order") from exc
        kek = self._kek(shared, ephemeral_raw, recipient_raw)
        return ephemeral_raw + AESGCM(kek).encrypt(bytes(NONCE_SIZE), content_key, ephemeral_raw + recipient_raw)

    def unwrap_key(self, private: PrivateKey, wrapped: bytes) -> bytes:
        if not isinstance(private, keys.X25519PrivateKey):
            raise crypto_error("suite_mismatch", reason="intl unwraps with an X25519 private key")
        if not isinstance(wrapped, bytes) or len(wrapped) < 32 + TAG_SIZE + _WRAPPABLE.start:
            raise crypto_error("key_unwrap_failed", reason="too short")
        ephemeral_raw, body = wrapped[:32], wrapped[32:]
        recipient_raw = private.public_key().raw
        try:
            ephemeral = x25519.X25519PublicKey.from_public_bytes(ephemeral_raw)
            shared = private.native.exchange(ephemeral)
            kek = self._kek(shared, ephemeral_raw, recipient_raw)
            return AESGCM(kek).decrypt(bytes(NONCE_SIZE), body, ephemeral_raw + recipient_raw)
        except (ValueError, InvalidTag) as exc:
            raise crypto_error("key_unwrap_failed") from exc


_SUITES: dict[str, Suite] = {"gm": GmSuite(), "intl": IntlSuite()}
SUITE_NAMES = tuple(_SUITES)


def get_suite(name: str) -> Suite:
    """The suite called ``name`` (``gm`` or ``intl``); ``suite_unknown`` otherwise."""
    suite = _SUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        raise crypto_error("suite_unknown", suite=str(name), known=list(_SUITES))
    return suite


def suite_of_algorithm(algorithm: str) -> Suite:
    """The suite a key algorithm belongs to (SM2 → gm; Ed25519, ECDSA-P256, X25519 → intl)."""
    for suite in _SUITES.values():
        if suite.accepts(algorithm):
            return suite
    raise crypto_error("key_unsupported", reason=algorithm)
