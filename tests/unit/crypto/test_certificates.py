"""Certificates, CRLs and the trust store: what is accepted, and each distinct refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from sunbid.crypto import TrustStore, der, get_suite, keys, oids, x509
from sunbid.crypto.suites import Suite
from sunbid.kernel.errors import DomainError

from .conftest import CREDIT_CODE, NOW, RootCA, refused


def test_issued_certificates_parse_back_with_the_profile(suite: Suite, ca: RootCA) -> None:
    key = suite.generate_signing_key()
    certificate = ca.issue(key)
    again = x509.Certificate.from_pem(certificate.to_pem())
    assert again == certificate
    assert again.subject.get(oids.COMMON_NAME) == "某某建设有限公司"
    assert again.organisation == "某某建设有限公司"
    assert again.credit_code == CREDIT_CODE
    assert again.issuer == ca.certificate.subject
    assert again.key_usage == frozenset({"digitalSignature", "nonRepudiation"})
    assert again.basic_constraints == (False, None)
    assert again.public_key() == key.public_key()
    assert again.authority_key_id == ca.certificate.subject_key_id
    assert again.subject_key_id == x509.key_identifier(key.public_key())
    assert again.signature_algorithm == suite.signature_algorithm
    assert 0 < again.serial < 2**127
    assert (
        str(again.subject)
        == f"C=CN, O=某某建设有限公司, organizationIdentifier=NTRCN-{CREDIT_CODE}, CN=某某建设有限公司"
    )


def test_sm2_certificates_use_the_gm_oids(gm_ca: RootCA) -> None:
    certificate = gm_ca.issue(keys.Sm2PrivateKey.generate())
    assert der.oid(oids.SM2_WITH_SM3) in certificate.der
    assert der.sequence(der.oid(oids.EC_PUBLIC_KEY), der.oid(oids.CURVE_SM2)) in certificate.public_key_der


def test_root_certificates_are_ca_certificates(suite: Suite, ca: RootCA) -> None:
    root = ca.certificate
    assert root.is_ca and root.self_issued
    assert root.key_usage == frozenset({"keyCertSign", "cRLSign"})
    root.verify_issued_by(root)


def test_person_certificates_carry_name_and_identity_number() -> None:
    name = x509.person_name(
        "张三", identity_number="11010519491231002X", organisation="某某建设有限公司", credit_code=CREDIT_CODE
    )
    assert name.common_name == "张三"
    assert name.get(oids.SERIAL_NUMBER) == "IDCCN-11010519491231002X"


def test_a_valid_certificate_validates_to_its_root(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    chain = TrustStore([ca.certificate]).validate(certificate, NOW)
    assert chain.certificates == (certificate, ca.certificate)
    assert chain.end_entity == certificate and chain.root == ca.certificate


def test_the_trust_store_recognises_several_cas_at_once(gm_ca: RootCA, intl_ca: RootCA, p256_ca: RootCA) -> None:
    store = TrustStore([gm_ca.certificate, intl_ca.certificate, p256_ca.certificate])
    from_gm = gm_ca.issue(keys.Sm2PrivateKey.generate())
    from_intl = intl_ca.issue(keys.Ed25519PrivateKey.generate())
    from_p256 = p256_ca.issue(keys.P256PrivateKey.generate())
    assert store.validate(from_gm, NOW).root == gm_ca.certificate
    assert store.validate(from_intl, NOW).root == intl_ca.certificate
    assert store.validate(from_p256, NOW).root == p256_ca.certificate


def test_a_certificate_from_an_unknown_ca_is_refused(
    suite: Suite, ca: RootCA, ca_factory: Callable[..., RootCA]
) -> None:
    other = ca_factory(suite.generate_signing_key(), "Unrecognised CA")
    with refused("certificate_issuer_unknown"):
        TrustStore([ca.certificate]).validate(other.issue(suite.generate_signing_key()), NOW)


def test_a_ca_impersonating_a_trusted_name_is_caught(suite: Suite, ca: RootCA) -> None:
    """Same subject name as the trusted root, different key: the signature gives it away."""
    impostor = RootCA(suite.generate_signing_key(), ca.certificate)
    certificate = x509.build_certificate(
        issuer_key=impostor.key,
        issuer=ca.certificate.subject,
        subject=x509.organisation_name("冒名公司", CREDIT_CODE),
        subject_key=suite.generate_signing_key().public_key(),
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=1),
        key_usage={"digitalSignature"},
    )
    with refused("certificate_signature_invalid"):
        TrustStore([ca.certificate]).validate(certificate, NOW)


def test_an_expired_certificate_is_refused(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(
        suite.generate_signing_key(), not_before=NOW - timedelta(days=25), not_after=NOW - timedelta(days=1)
    )
    store = TrustStore([ca.certificate])
    with refused("certificate_expired"):
        store.validate(certificate, NOW)
    store.validate(certificate, NOW - timedelta(days=10))  # it was valid then


def test_a_certificate_not_yet_valid_is_refused(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key(), not_before=NOW + timedelta(days=1))
    with refused("certificate_not_yet_valid"):
        TrustStore([ca.certificate]).validate(certificate, NOW)


def test_an_expired_root_fails_the_chain(suite: Suite, ca_factory: Callable[..., RootCA]) -> None:
    old = ca_factory(
        suite.generate_signing_key(),
        "Old Root",
        not_before=NOW - timedelta(days=900),
        not_after=NOW - timedelta(days=2),
    )
    certificate = old.issue(
        suite.generate_signing_key(), not_before=NOW - timedelta(days=10), not_after=NOW + timedelta(days=10)
    )
    with refused("certificate_expired"):
        TrustStore([old.certificate]).validate(certificate, NOW)


def test_a_certificate_without_digital_signature_usage_cannot_sign(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_encryption_key(), usage=frozenset({"keyEncipherment"}))
    store = TrustStore([ca.certificate])
    with refused("certificate_usage_wrong"):
        store.validate(certificate, NOW)
    store.validate(certificate, NOW, usage="keyEncipherment")


def test_a_certificate_with_a_broken_signature_is_refused(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    damaged = bytearray(certificate.der)
    damaged[-5] ^= 0x01  # inside the signature value
    with pytest.raises(DomainError) as info:
        TrustStore([ca.certificate]).validate(x509.Certificate.from_der(bytes(damaged)), NOW)
    assert info.value.code == "certificate_signature_invalid"


def test_a_certificate_with_altered_contents_is_refused(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key(), name="某某建设有限公司")
    tampered = certificate.der.replace("某某建设".encode(), "另一建设".encode())
    assert tampered != certificate.der
    with refused("certificate_signature_invalid"):
        TrustStore([ca.certificate]).validate(x509.Certificate.from_der(tampered), NOW)


def test_an_end_entity_cannot_act_as_a_ca(suite: Suite, ca: RootCA) -> None:
    middle_key = suite.generate_signing_key()
    middle = ca.issue(middle_key, usage=frozenset({"digitalSignature", "keyCertSign"}))
    leaf = x509.build_certificate(
        issuer_key=middle_key,
        issuer=middle.subject,
        subject=x509.organisation_name("下级公司", CREDIT_CODE),
        subject_key=suite.generate_signing_key().public_key(),
        not_before=NOW - timedelta(days=1),
        not_after=NOW + timedelta(days=1),
        key_usage={"digitalSignature"},
        authority_key_id=middle.subject_key_id,
    )
    store = TrustStore([ca.certificate])
    with refused("certificate_issuer_not_ca"):
        store.add_intermediate(middle)
    store._intermediates.append(middle)  # smuggled in: validation still refuses it
    with refused("certificate_issuer_not_ca"):
        store.validate(leaf, NOW)


def test_chains_through_an_intermediate_ca_validate(suite: Suite, ca: RootCA) -> None:
    intermediate_key = suite.generate_signing_key()
    intermediate = ca.issue(intermediate_key, usage=frozenset({"keyCertSign", "cRLSign"}), ca=True, path_length=0)
    sub = RootCA(intermediate_key, intermediate)
    leaf = sub.issue(suite.generate_signing_key())
    store = TrustStore([ca.certificate], intermediates=[intermediate])
    assert store.validate(leaf, NOW).certificates == (leaf, intermediate, ca.certificate)
    with refused("certificate_issuer_unknown"):
        TrustStore([ca.certificate]).validate(leaf, NOW)


def test_path_length_constraints_are_enforced(suite: Suite, ca: RootCA) -> None:
    first_key = suite.generate_signing_key()
    first = ca.issue(first_key, name="一级", usage=frozenset({"keyCertSign"}), ca=True, path_length=0)
    second_key = suite.generate_signing_key()
    second = RootCA(first_key, first).issue(second_key, name="二级", usage=frozenset({"keyCertSign"}), ca=True)
    leaf = RootCA(second_key, second).issue(suite.generate_signing_key())
    with refused("certificate_chain_too_long"):
        TrustStore([ca.certificate], intermediates=[first, second]).validate(leaf, NOW)


def test_validation_time_must_be_timezone_aware(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    with pytest.raises(ValueError, match="timezone-aware"):
        TrustStore([ca.certificate]).validate(certificate, NOW.replace(tzinfo=None))


def test_a_non_ca_certificate_cannot_be_a_root(suite: Suite, ca: RootCA) -> None:
    with refused("certificate_issuer_not_ca"):
        TrustStore([ca.issue(suite.generate_signing_key())])


# --- revocation


def test_a_revoked_certificate_is_refused(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    store = TrustStore([ca.certificate])
    store.validate(certificate, NOW)
    store.add_crl(ca.crl([x509.RevokedEntry(certificate.serial, NOW - timedelta(hours=2), "keyCompromise")]))
    with refused("certificate_revoked") as info:
        store.validate(certificate, NOW)
    assert info.value.details["reason"] == "keyCompromise"


def test_a_certificate_was_valid_before_its_revocation_date(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    store = TrustStore(
        [ca.certificate], crls=[ca.crl([x509.RevokedEntry(certificate.serial, NOW - timedelta(hours=2))])]
    )
    store.validate(certificate, NOW - timedelta(hours=3))


def test_other_serials_on_the_crl_do_not_matter(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    store = TrustStore([ca.certificate], crls=[ca.crl([x509.RevokedEntry(certificate.serial + 1, NOW)])])
    store.validate(certificate, NOW)


def test_crls_parse_back(suite: Suite, ca: RootCA) -> None:
    crl = ca.crl([x509.RevokedEntry(5, NOW - timedelta(hours=1), "superseded"), x509.RevokedEntry(3, NOW)], number=9)
    again = x509.CertificateRevocationList.from_pem(crl.to_pem())
    assert again.number == 9
    assert [entry.serial for entry in again.revoked] == [3, 5]
    assert again.revocation_of(5) == x509.RevokedEntry(5, NOW - timedelta(hours=1), "superseded")
    assert again.issuer == ca.certificate.subject
    assert again.authority_key_id == ca.certificate.subject_key_id


def test_the_newest_crl_wins(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    store = TrustStore([ca.certificate])
    store.add_crl(ca.crl([x509.RevokedEntry(certificate.serial, NOW - timedelta(hours=1))], number=2))
    store.add_crl(ca.crl([], number=1))  # an older CRL does not un-revoke
    with refused("certificate_revoked"):
        store.validate(certificate, NOW)


def test_a_crl_from_an_unknown_ca_is_refused(suite: Suite, ca: RootCA, ca_factory: Callable[..., RootCA]) -> None:
    stranger = ca_factory(suite.generate_signing_key(), "Stranger CA")
    with refused("crl_issuer_unknown"):
        TrustStore([ca.certificate]).add_crl(stranger.crl([]))


def test_a_crl_with_a_broken_signature_is_refused(suite: Suite, ca: RootCA) -> None:
    crl = ca.crl([x509.RevokedEntry(7, NOW)])
    damaged = bytearray(crl.der)
    damaged[-3] ^= 0x01
    with refused("crl_signature_invalid"):
        TrustStore([ca.certificate]).add_crl(x509.CertificateRevocationList.from_der(bytes(damaged)))


def test_a_crl_signed_by_an_impostor_is_refused(suite: Suite, ca: RootCA) -> None:
    impostor = RootCA(suite.generate_signing_key(), ca.certificate)
    with refused("crl_signature_invalid"):
        TrustStore([ca.certificate]).add_crl(impostor.crl([]))


def test_revocation_can_be_required(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    store = TrustStore([ca.certificate])
    with refused("crl_missing"):
        store.validate(certificate, NOW, require_crl=True)
    store.add_crl(ca.crl([]))
    store.validate(certificate, NOW, require_crl=True)


# --- malformed input


def test_malformed_certificates_are_refused(suite: Suite, ca: RootCA) -> None:
    good = ca.issue(suite.generate_signing_key()).der
    cases = [b"", b"\x30\x00", good[:-1], good + b"\x00", good[:100], b"\x30\x03\x02\x01\x01", bytes(200)]
    for bad in cases:
        with refused("certificate_malformed"):
            x509.Certificate.from_der(bad)
    for text in (b"", b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n", b"no pem here"):
        with refused("certificate_malformed"):
            x509.Certificate.from_pem(text)


def test_every_truncation_of_a_certificate_is_refused_cleanly(gm_ca: RootCA) -> None:
    good = gm_ca.issue(keys.Sm2PrivateKey.generate()).der
    for length in range(0, len(good), 7):
        with refused("certificate_malformed"):
            x509.Certificate.from_der(good[:length])


def test_malformed_crls_are_refused() -> None:
    for bad in (b"", b"\x30\x00", b"\x30\x03\x02\x01\x01"):
        with refused("crl_malformed"):
            x509.CertificateRevocationList.from_der(bad)
    with refused("crl_malformed"):
        x509.CertificateRevocationList.from_pem(b"nothing")


def test_a_critical_extension_we_do_not_know_makes_a_certificate_unusable(suite: Suite, ca: RootCA) -> None:
    certificate = ca.issue(suite.generate_signing_key())
    strange = x509.Extension("1.2.3.4.5", critical=True, value=der.null())
    patched = x509.Certificate(
        **{**certificate.__dict__, "extensions": {**certificate.extensions, "1.2.3.4.5": strange}}
    )
    with refused("certificate_profile_invalid"):
        TrustStore([ca.certificate]).validate(patched, NOW)


def test_invalid_subject_values_are_refused() -> None:
    with refused("ca_subject_invalid"):
        x509.organisation_name("", CREDIT_CODE)
    with refused("ca_subject_invalid"):
        x509.person_name("张三", identity_number="身份证")


def test_a_key_of_the_other_family_cannot_have_signed_a_certificate(gm_ca: RootCA, intl_ca: RootCA) -> None:
    certificate = gm_ca.issue(keys.Sm2PrivateKey.generate())
    with refused("certificate_signature_invalid"):
        certificate.verify_issued_by(intl_ca.certificate)


def test_suite_of_each_certificate_key() -> None:
    assert get_suite("gm").accepts(keys.SM2)
    assert get_suite("intl").accepts(keys.P256)
    assert not get_suite("gm").accepts(keys.ED25519)
