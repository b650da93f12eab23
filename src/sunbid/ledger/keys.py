"""The platform's log key, which signs tree heads, and loading keys named in tree heads."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sunbid.crypto import PrivateKey, get_suite
from sunbid.kernel.errors import DomainError
from sunbid.ledger.log import Verifier


@dataclass(frozen=True)
class LogKey:
    suite: str
    key: PrivateKey

    @property
    def public_der(self) -> bytes:
        return self.key.public_key().to_der()

    @property
    def key_id(self) -> str:
        return self.key.public_key().key_id()

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)


def load_or_create(path: Path, suite: str, passphrase: str | None) -> LogKey:
    """Load the log key; on first use make one (encrypted at rest when a passphrase is set)."""
    chosen = get_suite(suite)
    secret = passphrase.encode() if passphrase else None
    if path.exists():
        return LogKey(suite, chosen.load_private_key(path.read_bytes(), secret))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = chosen.generate_signing_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.to_pem(secret))
    return LogKey(suite, key)


def load_public(suite: str, public_key_der: bytes) -> Verifier:
    try:
        return get_suite(suite).load_public_key(public_key_der)
    except DomainError:
        raise
    except Exception as exc:  # a malformed key from an untrusted export
        raise DomainError("public_key_invalid", "公钥无效", f"The public key is not valid: {exc}") from None
