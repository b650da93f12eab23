"""The demo CA kept in a directory: init, issue, revoke, CRLs, and its refusals."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest

from sunbid.crypto import TrustStore, get_suite, keys, x509
from sunbid.crypto.ca import LocalCA, write_issued
from sunbid.kernel.errors import DomainError

from .conftest import CREDIT_CODE, NOW, refused

PASS = b"ca passphrase"


@pytest.fixture(params=["gm", "intl"])
def local_ca(request: pytest.FixtureRequest, tmp_path: Path) -> LocalCA:
    return LocalCA.init(
        tmp_path / "ca",
        suite=request.param,
        common_name="阳光招标演示根CA",
        organisation="阳光招标",
        passphrase=PASS,
        now=NOW,
        iterations=1000,
    )


def test_init_writes_an_encrypted_key_a_root_and_a_crl(local_ca: LocalCA) -> None:
    directory = local_ca.directory
    assert (directory / "ca-key.pem").read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert stat.S_IMODE((directory / "ca-key.pem").stat().st_mode) == 0o600
    root = x509.Certificate.from_pem((directory / "ca-cert.pem").read_bytes())
    assert root.is_ca and root.subject.common_name == "阳光招标演示根CA"
    assert local_ca.crl().number == 1 and local_ca.crl().revoked == ()
    assert LocalCA.open(directory).certificate == root


def test_init_twice_is_refused(local_ca: LocalCA) -> None:
    with refused("ca_exists"):
        LocalCA.init(local_ca.directory, suite="gm", common_name="x", organisation=None, passphrase=PASS, now=NOW)


def test_an_organisation_certificate_validates_against_the_ca(local_ca: LocalCA, tmp_path: Path) -> None:
    issued = local_ca.issue(PASS, subject=x509.organisation_name("某某建设有限公司", CREDIT_CODE), now=NOW)
    assert issued.private_key is not None
    assert issued.certificate.credit_code == CREDIT_CODE
    store = TrustStore([local_ca.certificate], crls=[local_ca.crl()])
    store.validate(issued.certificate, NOW + timedelta(days=1))
    files = write_issued(issued, tmp_path / "out", key_passphrase=b"key pass")
    suite = get_suite(local_ca.suite)
    reloaded = suite.load_private_key(files[1].read_bytes(), b"key pass")
    assert reloaded.public_key() == issued.certificate.public_key()
    assert (local_ca.directory / "issued" / f"{issued.certificate.serial_hex()}.pem").exists()


def test_encryption_certificates_have_the_suites_key_usage(local_ca: LocalCA) -> None:
    issued = local_ca.issue(PASS, subject=x509.person_name("张三"), now=NOW, usage="encrypt")
    expected = frozenset({"keyEncipherment"} if local_ca.suite == "gm" else {"keyAgreement"})
    assert issued.certificate.key_usage == expected
    suite = get_suite(local_ca.suite)
    assert issued.private_key is not None
    content_key = suite.new_content_key()
    wrapped = suite.wrap_key(issued.certificate.public_key(), content_key)
    assert suite.unwrap_key(issued.private_key, wrapped) == content_key


def test_a_given_public_key_is_certified_without_making_a_key(local_ca: LocalCA) -> None:
    key = get_suite(local_ca.suite).generate_signing_key()
    issued = local_ca.issue(PASS, subject=x509.person_name("李四"), now=NOW, public_key=key.public_key())
    assert issued.private_key is None
    assert issued.certificate.public_key() == key.public_key()


def test_a_key_of_the_other_suite_is_refused(local_ca: LocalCA) -> None:
    other = get_suite("intl" if local_ca.suite == "gm" else "gm").generate_signing_key()
    with refused("suite_mismatch"):
        local_ca.issue(PASS, subject=x509.person_name("王五"), now=NOW, public_key=other.public_key())


def test_revoking_publishes_a_crl_that_refuses_the_certificate(local_ca: LocalCA) -> None:
    issued = local_ca.issue(PASS, subject=x509.organisation_name("某某建设有限公司", CREDIT_CODE), now=NOW)
    crl = local_ca.revoke(PASS, issued.certificate.serial_hex(), now=NOW + timedelta(hours=1), reason="keyCompromise")
    assert crl.number == 2
    assert crl.revocation_of(issued.certificate.serial) is not None
    store = TrustStore([local_ca.certificate], crls=[LocalCA.open(local_ca.directory).crl()])
    with refused("certificate_revoked"):
        store.validate(issued.certificate, NOW + timedelta(hours=2))


def test_revoking_an_unknown_serial_or_with_a_bad_reason_is_refused(local_ca: LocalCA) -> None:
    with refused("ca_serial_unknown"):
        local_ca.revoke(PASS, "ABCDEF", now=NOW)
    issued = local_ca.issue(PASS, subject=x509.person_name("赵六"), now=NOW)
    with refused("certificate_profile_invalid"):
        local_ca.revoke(PASS, issued.certificate.serial_hex(), now=NOW, reason="boredom")


def test_the_wrong_ca_passphrase_is_refused_and_changes_nothing(local_ca: LocalCA) -> None:
    with refused("key_passphrase_wrong"):
        local_ca.issue(b"wrong", subject=x509.person_name("张三"), now=NOW)
    assert LocalCA.open(local_ca.directory).issued == []


def test_opening_a_directory_that_is_not_a_ca_is_refused(tmp_path: Path) -> None:
    with refused("ca_invalid"):
        LocalCA.open(tmp_path)
    (tmp_path / "ca.json").write_text("{}")
    (tmp_path / "ca-cert.pem").write_text("nope")
    with pytest.raises(DomainError) as info:
        LocalCA.open(tmp_path)
    assert info.value.code in ("ca_invalid", "certificate_malformed")


def test_an_intl_ca_can_have_a_p256_key(tmp_path: Path) -> None:
    ca = LocalCA.init(
        tmp_path / "p256",
        suite="intl",
        common_name="P-256 CA",
        organisation=None,
        passphrase=PASS,
        now=NOW,
        key_algorithm=keys.P256,
        iterations=1000,
    )
    assert ca.certificate.key_algorithm == keys.P256
    issued = ca.issue(PASS, subject=x509.person_name("张三"), now=NOW)
    assert issued.certificate.signature_algorithm == "ECDSA-P256-SHA256"
    TrustStore([ca.certificate]).validate(issued.certificate, NOW)
    with refused("suite_mismatch"):
        LocalCA.init(
            tmp_path / "bad",
            suite="gm",
            common_name="x",
            organisation=None,
            passphrase=PASS,
            now=NOW,
            key_algorithm=keys.P256,
        )


def test_certificates_do_not_outlive_the_ca(local_ca: LocalCA) -> None:
    issued = local_ca.issue(PASS, subject=x509.person_name("张三"), now=NOW, days=100_000)
    assert issued.certificate.not_after == local_ca.certificate.not_after
