"""PEM armour and passphrase-encrypted PKCS#8 (RFC 5958 EncryptedPrivateKeyInfo with PBES2, RFC 8018).

Keys at rest are ``-----BEGIN ENCRYPTED PRIVATE KEY-----``: PBES2 with PBKDF2-HMAC-SHA256
(600,000 iterations by default, 16-byte random salt) and SM4-CBC (``gm``) or AES-256-CBC
(``intl``). OpenSSL reads both (``openssl pkey -in key.pem``). PBKDF2 uses HMAC-SHA256 in both
suites because OpenSSL 3.0 knows no ``hmacWithSM3`` PRF.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from . import der, oids
from .errors import crypto_error

DEFAULT_ITERATIONS = 600_000
MAX_ITERATIONS = 10_000_000
_CIPHERS = {oids.AES_256_CBC: ("AES", 32), oids.SM4_CBC: ("SM4", 16)}

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


def pem_encode(label: str, data: bytes) -> bytes:
    body = base64.encodebytes(data).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"".join(
        [f"-----BEGIN {label}-----\n".encode(), *(line + b"\n" for line in lines), f"-----END {label}-----\n".encode()]
    )


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """All PEM blocks in ``data`` as (label, DER); raises ValueError on bad base64."""
    blocks = []
    for match in _PEM.finditer(data):
        body = re.sub(rb"\s+", b"", match.group(2))
        try:
            blocks.append((match.group(1).decode("ascii"), base64.b64decode(body, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("bad base64 in PEM") from exc
    return blocks


def _cipher(oid: str, key: bytes, iv: bytes) -> Cipher[modes.CBC]:
    name, _ = _CIPHERS[oid]
    algorithm = algorithms.AES(key) if name == "AES" else algorithms.SM4(key)
    return Cipher(algorithm, modes.CBC(iv))


def _kdf(passphrase: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=length, salt=salt, iterations=iterations).derive(passphrase)


def encrypt(private_key_info: bytes, passphrase: bytes, *, cipher_oid: str, iterations: int) -> bytes:
    """EncryptedPrivateKeyInfo DER for ``private_key_info`` (PKCS#8 PrivateKeyInfo DER)."""
    if not passphrase:
        raise crypto_error("key_passphrase_required", reason="an empty passphrase protects nothing")
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError("iterations out of range")
    _, key_size = _CIPHERS[cipher_oid]
    salt, iv = os.urandom(16), os.urandom(16)
    key = _kdf(passphrase, salt, iterations, key_size)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(private_key_info) + padder.finalize()
    encryptor = _cipher(cipher_oid, key, iv).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    kdf = der.sequence(
        der.oid(oids.PBKDF2),
        der.sequence(
            der.octet_string(salt),
            der.integer(iterations),
            der.integer(key_size),
            der.sequence(der.oid(oids.HMAC_WITH_SHA256), der.null()),
        ),
    )
    scheme = der.sequence(der.oid(cipher_oid), der.octet_string(iv))
    algorithm = der.sequence(der.oid(oids.PBES2), der.sequence(kdf, scheme))
    return der.sequence(algorithm, der.octet_string(encrypted))


def decrypt(encrypted_private_key_info: bytes, passphrase: bytes) -> bytes:
    """The PrivateKeyInfo DER inside; ``key_invalid`` if malformed, ``key_passphrase_wrong`` if it will not open."""
    try:
        algorithm, data = der.sequence_of(encrypted_private_key_info, 2)
        encrypted = der.read_octets(data)
        scheme_oid, params = der.sequence_of(algorithm, 2)
        if der.read_oid(scheme_oid) != oids.PBES2:
            raise crypto_error("key_unsupported", reason="only PBES2-encrypted keys are supported")
        kdf, scheme = der.sequence_of(params, 2)
        kdf_oid, kdf_params = der.sequence_of(kdf, 2)
        if der.read_oid(kdf_oid) != oids.PBKDF2:
            raise crypto_error("key_unsupported", reason="only PBKDF2 is supported")
        fields = der.sequence_of(kdf_params)
        if not 2 <= len(fields) <= 4:
            raise der.DerError("PBKDF2 parameters")
        salt = der.read_octets(fields[0])
        iterations = der.read_integer(fields[1])
        prf = oids.HMAC_WITH_SHA256
        declared_length = None
        for extra in fields[2:]:
            if extra.tag == der.INTEGER:
                declared_length = der.read_integer(extra)
            else:
                prf_items = der.sequence_of(extra)
                prf = der.read_oid(prf_items[0])
        if prf != oids.HMAC_WITH_SHA256:
            raise crypto_error("key_unsupported", reason="only the HMAC-SHA256 PBKDF2 PRF is supported")
        cipher_oid_element, iv_element = der.sequence_of(scheme, 2)
        cipher_oid = der.read_oid(cipher_oid_element)
        iv = der.read_octets(iv_element)
    except der.DerError as exc:
        raise crypto_error("key_invalid", reason=str(exc)) from exc
    if cipher_oid not in _CIPHERS:
        raise crypto_error("key_unsupported", reason=f"cipher {cipher_oid} is not supported")
    _, key_size = _CIPHERS[cipher_oid]
    if not 1 <= iterations <= MAX_ITERATIONS or len(iv) != 16 or not encrypted or len(encrypted) % 16:
        raise crypto_error("key_invalid", reason="bad PBES2 parameters")
    if declared_length is not None and declared_length != key_size:
        raise crypto_error("key_invalid", reason="PBKDF2 key length does not match the cipher")
    key = _kdf(passphrase, salt, iterations, key_size)
    decryptor = _cipher(cipher_oid, key, iv).decryptor()
    padded = decryptor.update(encrypted) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
        der.sequence_of(plain)
    except (ValueError, der.DerError) as exc:
        raise crypto_error("key_passphrase_wrong") from exc
    return plain
