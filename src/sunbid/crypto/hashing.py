"""Hash functions: SM3 (GB/T 32905) and SHA-256, both through ``cryptography``."""

from __future__ import annotations

from typing import Protocol

from cryptography.hazmat.primitives import hashes


class Hasher(Protocol):
    """An incremental hash: feed it with ``update``, read it with ``digest`` (repeatable)."""

    def update(self, data: bytes) -> None: ...

    def digest(self) -> bytes: ...


class _CryptographyHasher:
    __slots__ = ("_hash",)

    def __init__(self, algorithm: hashes.HashAlgorithm) -> None:
        self._hash = hashes.Hash(algorithm)

    def update(self, data: bytes) -> None:
        self._hash.update(bytes(data))

    def digest(self) -> bytes:
        return self._hash.copy().finalize()


def new_hasher(name: str) -> Hasher:
    if name == "sm3":
        return _CryptographyHasher(hashes.SM3())
    if name == "sha256":
        return _CryptographyHasher(hashes.SHA256())
    raise ValueError(f"unknown hash {name}")


def digest(name: str, data: bytes) -> bytes:
    hasher = new_hasher(name)
    hasher.update(data)
    return hasher.digest()


def sm3(data: bytes) -> bytes:
    return digest("sm3", data)


def sha256(data: bytes) -> bytes:
    return digest("sha256", data)
