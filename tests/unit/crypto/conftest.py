"""Fixtures for the crypto tests: a fixed time, both suites, and small CAs built in memory."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from sunbid.crypto import keys, x509
from sunbid.crypto.keys import PrivateKey
from sunbid.crypto.suites import Suite, get_suite
from sunbid.kernel.errors import DomainError

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CREDIT_CODE = "91350100M000100Y43"


def refused(code: str) -> AbstractContextManager[pytest.ExceptionInfo[DomainError]]:
    """Expect a refusal with this error code."""
    return pytest.raises(DomainError, match=rf"^{code}:")


@dataclass
class RootCA:
    """A root CA in memory: its key and certificate, and a helper to issue end-entity certificates."""

    key: PrivateKey
    certificate: x509.Certificate

    def issue(
        self,
        subject_key: PrivateKey,
        *,
        name: str = "某某建设有限公司",
        usage: frozenset[str] = frozenset({"digitalSignature", "nonRepudiation"}),
        not_before: datetime = NOW - timedelta(days=1),
        not_after: datetime = NOW + timedelta(days=365),
        ca: bool = False,
        path_length: int | None = None,
    ) -> x509.Certificate:
        return x509.build_certificate(
            issuer_key=self.key,
            issuer=self.certificate.subject,
            subject=x509.organisation_name(name, CREDIT_CODE),
            subject_key=subject_key.public_key(),
            not_before=not_before,
            not_after=not_after,
            key_usage=usage,
            ca=ca,
            path_length=path_length,
            authority_key_id=self.certificate.subject_key_id,
        )

    def crl(self, revoked: list[x509.RevokedEntry], *, number: int = 1) -> x509.CertificateRevocationList:
        return x509.build_crl(
            issuer_key=self.key,
            issuer=self.certificate,
            this_update=NOW - timedelta(hours=1),
            next_update=NOW + timedelta(days=7),
            number=number,
            revoked=revoked,
        )


def make_ca(
    key: PrivateKey,
    common_name: str = "Test Root CA",
    *,
    not_before: datetime = NOW - timedelta(days=30),
    not_after: datetime = NOW + timedelta(days=3650),
) -> RootCA:
    name = x509.ca_name(common_name, "测试认证中心")
    certificate = x509.build_certificate(
        issuer_key=key,
        issuer=name,
        subject=name,
        subject_key=key.public_key(),
        not_before=not_before,
        not_after=not_after,
        ca=True,
        key_usage={"keyCertSign", "cRLSign"},
    )
    return RootCA(key, certificate)


@pytest.fixture(params=["gm", "intl"])
def suite(request: pytest.FixtureRequest) -> Suite:
    return get_suite(request.param)


@pytest.fixture
def ca_factory() -> Callable[..., RootCA]:
    return make_ca


@pytest.fixture(scope="session")
def gm_ca() -> RootCA:
    return make_ca(keys.Sm2PrivateKey.generate(), "GM Test Root")


@pytest.fixture(scope="session")
def intl_ca() -> RootCA:
    return make_ca(keys.Ed25519PrivateKey.generate(), "Intl Test Root")


@pytest.fixture(scope="session")
def p256_ca() -> RootCA:
    return make_ca(keys.P256PrivateKey.generate(), "P-256 Test Root")


@pytest.fixture
def ca(suite: Suite, gm_ca: RootCA, intl_ca: RootCA) -> RootCA:
    return gm_ca if suite.name == "gm" else intl_ca
