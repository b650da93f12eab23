"""Crypto layer: algorithm suites, keys, certificates, trust stores, signatures.

Two suites, chosen per tender: ``gm`` (SM2 signatures and encryption with the standard signer ID
1234567812345678, SM3, SM4-GCM) and ``intl`` (Ed25519, X25519, AES-256-GCM, SHA-256). SM2 runs in
the system OpenSSL 3 (ctypes to libcrypto.so.3); everything else in ``cryptography``. This package
imports only the standard library, ``cryptography`` and :mod:`sunbid.kernel`.
"""

from __future__ import annotations

from .hashing import Hasher
from .jcs import canonicalize
from .keys import PrivateKey, PublicKey, load_private_key, load_public_key
from .signatures import VerifiedSignature, sign_file, sign_json, verify_file, verify_json
from .suites import SUITE_NAMES, Suite, get_suite
from .trust import TrustStore, ValidatedChain
from .x509 import Certificate, CertificateRevocationList, Name, load_certificates

__all__ = [
    "SUITE_NAMES",
    "Certificate",
    "CertificateRevocationList",
    "Hasher",
    "Name",
    "PrivateKey",
    "PublicKey",
    "Suite",
    "TrustStore",
    "ValidatedChain",
    "VerifiedSignature",
    "canonicalize",
    "get_suite",
    "load_certificates",
    "load_private_key",
    "load_public_key",
    "sign_file",
    "sign_json",
    "verify_file",
    "verify_json",
]
