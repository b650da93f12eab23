"""The suite interface: hashing, signing keys, key files, AEAD and key wrapping, and their refusals."""

from __future__ import annotations

import os

import pytest

from sunbid.crypto import PrivateKey, PublicKey, Suite, der, get_suite, keys, oids
from sunbid.crypto.suites import SUITE_NAMES
from sunbid.kernel.errors import DomainError

from .conftest import refused

FAST = 1000  # PBKDF2 iterations for the tests' key files; the default (600,000) is tested once


def test_the_two_suites_have_their_names_and_hashes() -> None:
    assert SUITE_NAMES == ("gm", "intl")
    assert (get_suite("gm").name, get_suite("gm").hash_name) == ("gm", "sm3")
    assert (get_suite("intl").name, get_suite("intl").hash_name) == ("intl", "sha256")


@pytest.mark.parametrize("name", ["", "GM", "sm2", "rsa", None, 3])
def test_an_unknown_suite_is_refused(name: object) -> None:
    with refused("suite_unknown") as info:
        get_suite(name)  # type: ignore[arg-type]
    assert info.value.message_zh == "未知的密码套件"


def test_hash_is_32_bytes_and_the_hasher_agrees(suite: Suite) -> None:
    data = os.urandom(3000)
    hasher = suite.new_hasher()
    hasher.update(data[:1000])
    hasher.update(data[1000:])
    assert len(suite.hash(data)) == 32
    assert hasher.digest() == suite.hash(data)


def test_signatures_round_trip(suite: Suite) -> None:
    key = suite.generate_signing_key()
    signature = key.sign(b"bid 1")
    key.public_key().verify(b"bid 1", signature)
    assert isinstance(key, PrivateKey)
    assert isinstance(key.public_key(), PublicKey)


def test_signature_formats_are_der_for_sm2_and_raw_for_ed25519() -> None:
    sm2 = get_suite("gm").generate_signing_key().sign(b"x")
    assert sm2[0] == 0x30 and 68 <= len(sm2) <= 72
    assert len(get_suite("intl").generate_signing_key().sign(b"x")) == 64


def test_a_signature_over_other_data_is_refused(suite: Suite) -> None:
    key = suite.generate_signing_key()
    with refused("signature_invalid"):
        key.public_key().verify(b"bid 2", key.sign(b"bid 1"))


def test_a_signature_by_another_key_is_refused(suite: Suite) -> None:
    with refused("signature_invalid"):
        suite.generate_signing_key().public_key().verify(b"m", suite.generate_signing_key().sign(b"m"))


def _mangled(signature: bytes) -> list[bytes]:
    flipped = bytearray(signature)
    flipped[len(flipped) // 2] ^= 0x01
    return [
        b"",
        b"\x00",
        b"\x30",
        b"\x30\x00",
        b"\x30\x06\x02\x01\x00\x02\x01\x00",  # r = s = 0
        b"\x30\x80" + signature[2:],  # indefinite length
        signature[:-1],
        signature + b"\x00",
        bytes(flipped),
        b"\xff" * len(signature),
        b"\x30\x45\x02\x21" + b"\xff" * 65,
        os.urandom(2000),
    ]


def test_malformed_signatures_are_refused_without_crashing(suite: Suite) -> None:
    key = suite.generate_signing_key()
    signature = key.sign(b"m")
    for bad in _mangled(signature):
        with refused("signature_invalid"):
            key.public_key().verify(b"m", bad)


def test_non_bytes_signatures_are_refused(suite: Suite) -> None:
    key = suite.generate_signing_key()
    for bad in (None, "abc", 3):
        with refused("signature_invalid"):
            key.public_key().verify(b"m", bad)  # type: ignore[arg-type]


def test_public_keys_round_trip_through_der_and_have_stable_ids(suite: Suite) -> None:
    public = suite.generate_signing_key().public_key()
    again = suite.load_public_key(public.to_der())
    assert again == public
    assert again.key_id() == public.key_id() == suite.hash(public.to_der()).hex()


def test_public_keys_of_the_other_suite_are_refused() -> None:
    sm2 = get_suite("gm").generate_signing_key().public_key()
    ed = get_suite("intl").generate_signing_key().public_key()
    with refused("suite_mismatch"):
        get_suite("intl").load_public_key(sm2.to_der())
    with refused("suite_mismatch"):
        get_suite("gm").load_public_key(ed.to_der())


@pytest.mark.parametrize(
    "data",
    [b"", b"\x30\x00", b"\x30\x03\x02\x01\x00", b"not der at all", b"\x30\x59" + b"\x00" * 89],
)
def test_malformed_public_keys_are_refused(suite: Suite, data: bytes) -> None:
    with pytest.raises(DomainError) as info:
        suite.load_public_key(data)
    assert info.value.code in ("key_invalid", "key_unsupported")


def test_an_sm2_point_off_the_curve_is_refused() -> None:
    good = get_suite("gm").generate_signing_key().public_key().to_der()
    bad = good[:-1] + bytes([good[-1] ^ 1])
    with refused("key_invalid"):
        get_suite("gm").load_public_key(bad)


def test_public_key_with_trailing_bytes_is_refused(suite: Suite) -> None:
    der = suite.generate_signing_key().public_key().to_der()
    with refused("key_invalid"):
        suite.load_public_key(der + b"\x00")


def test_private_keys_round_trip_through_encrypted_pkcs8(suite: Suite) -> None:
    key = suite.generate_signing_key()
    pem = key.to_pem(b"correct horse", iterations=FAST)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = suite.load_private_key(pem, b"correct horse")
    loaded.public_key().verify(b"m", key.sign(b"m"))
    key.public_key().verify(b"m", loaded.sign(b"m"))


def test_the_default_key_encryption_is_pbkdf2_with_600000_iterations() -> None:
    key = get_suite("intl").generate_signing_key()
    pem = key.to_pem(b"pw")
    from sunbid.crypto import pkcs8

    (_, body), *_ = pkcs8.pem_blocks(pem)
    algorithm, _ = der.sequence_of(body, 2)
    _, params = der.sequence_of(algorithm, 2)
    kdf, _ = der.sequence_of(params, 2)
    _, kdf_params = der.sequence_of(kdf, 2)
    assert der.read_integer(der.sequence_of(kdf_params)[1]) == 600_000


def test_unencrypted_private_keys_round_trip(suite: Suite) -> None:
    key = suite.generate_signing_key()
    pem = key.to_pem(None)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert suite.load_private_key(pem, None).public_key() == key.public_key()


def test_a_wrong_passphrase_is_refused(suite: Suite) -> None:
    pem = suite.generate_signing_key().to_pem(b"right", iterations=FAST)
    for wrong in (b"wrong", b"", b"right "):
        with refused("key_passphrase_wrong"):
            suite.load_private_key(pem, wrong)


def test_an_encrypted_key_without_passphrase_is_refused(suite: Suite) -> None:
    pem = suite.generate_signing_key().to_pem(b"right", iterations=FAST)
    with refused("key_passphrase_required"):
        suite.load_private_key(pem, None)


def test_an_empty_passphrase_does_not_encrypt(suite: Suite) -> None:
    with refused("key_passphrase_required"):
        suite.generate_signing_key().to_pem(b"", iterations=FAST)


@pytest.mark.parametrize(
    "pem",
    [
        b"",
        b"garbage",
        b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n",
    ],
)
def test_malformed_private_keys_are_refused(suite: Suite, pem: bytes) -> None:
    with pytest.raises(DomainError) as info:
        suite.load_private_key(pem, b"pw")
    assert info.value.code in ("key_invalid", "key_unsupported")


def test_a_truncated_encrypted_key_is_refused(suite: Suite) -> None:
    pem = suite.generate_signing_key().to_pem(b"pw", iterations=FAST)
    lines = pem.splitlines()
    truncated = b"\n".join([*lines[:2], lines[-1]]) + b"\n"
    with pytest.raises(DomainError) as info:
        suite.load_private_key(truncated, b"pw")
    assert info.value.code in ("key_invalid", "key_passphrase_wrong")


def test_a_private_key_of_the_other_suite_is_refused() -> None:
    pem = get_suite("intl").generate_signing_key().to_pem(None)
    with refused("suite_mismatch"):
        get_suite("gm").load_private_key(pem, None)


def test_legacy_sec1_keys_are_refused_as_unsupported() -> None:
    pem = b"-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n"
    with refused("key_unsupported"):
        get_suite("gm").load_private_key(pem, None)


def test_x25519_keys_do_not_sign() -> None:
    key = get_suite("intl").generate_encryption_key()
    with refused("key_wrong_purpose"):
        key.sign(b"m")
    with refused("key_wrong_purpose"):
        key.public_key().verify(b"m", b"\x00" * 64)


def test_p256_keys_sign_and_verify() -> None:
    key = keys.P256PrivateKey.generate()
    key.public_key().verify(b"m", key.sign(b"m"))
    assert get_suite("intl").load_public_key(key.public_key().to_der()) == key.public_key()
    with refused("signature_invalid"):
        key.public_key().verify(b"n", key.sign(b"m"))


# --- AEAD


def test_aead_round_trip(suite: Suite) -> None:
    key, nonce = suite.new_content_key(), suite.new_nonce()
    sealed = suite.aead_encrypt(key, nonce, b"the bid", b"tender 7")
    assert len(sealed) == len(b"the bid") + 16
    assert suite.aead_decrypt(key, nonce, sealed, b"tender 7") == b"the bid"


def test_aead_key_sizes_are_16_for_sm4_and_32_for_aes() -> None:
    assert len(get_suite("gm").new_content_key()) == 16
    assert len(get_suite("intl").new_content_key()) == 32


def test_tampered_truncated_or_misdirected_ciphertexts_are_refused(suite: Suite) -> None:
    key, nonce = suite.new_content_key(), suite.new_nonce()
    sealed = suite.aead_encrypt(key, nonce, b"the bid" * 10, b"tender 7")
    flipped = bytearray(sealed)
    flipped[3] ^= 0x80
    cases = [
        (key, nonce, bytes(flipped), b"tender 7"),
        (key, nonce, sealed[:-1], b"tender 7"),
        (key, nonce, sealed[:15], b"tender 7"),
        (key, nonce, b"", b"tender 7"),
        (key, nonce, sealed + b"\x00", b"tender 7"),
        (key, nonce, sealed, b"tender 8"),
        (suite.new_content_key(), nonce, sealed, b"tender 7"),
        (key, suite.new_nonce(), sealed, b"tender 7"),
    ]
    for case in cases:
        with refused("ciphertext_invalid"):
            suite.aead_decrypt(*case)
        with refused("ciphertext_invalid"):
            suite.aead_decrypt_into(*case, bytearray(200))


def test_aead_decrypts_into_a_buffer_used_again(suite: Suite) -> None:
    """Decrypting into a caller's buffer gives the same plaintext as decrypting into new memory,
    chunk after chunk in one buffer (what the opening does); a buffer shorter than the
    ciphertext with its tag is refused before anything is decrypted."""
    key, nonce = suite.new_content_key(), suite.new_nonce()
    out = bytearray(4096)
    for plaintext in (b"a" * 4000, b"", b"the last chunk"):
        sealed = suite.aead_encrypt(key, nonce, plaintext, b"tender 7")
        view = suite.aead_decrypt_into(key, nonce, memoryview(sealed), b"tender 7", out)
        assert bytes(view) == plaintext == suite.aead_decrypt(key, nonce, sealed, b"tender 7")
        view.release()
    sealed = suite.aead_encrypt(key, nonce, b"x" * 100, b"")
    with refused("aead_parameter_invalid"):
        suite.aead_decrypt_into(key, nonce, sealed, b"", bytearray(len(sealed) - 1))
    with refused("aead_parameter_invalid"):
        suite.aead_decrypt_into(b"short", nonce, sealed, b"", bytearray(200))


def test_aead_with_wrong_key_or_nonce_length_is_refused(suite: Suite) -> None:
    with refused("aead_parameter_invalid"):
        suite.aead_encrypt(b"short", suite.new_nonce(), b"x", b"")
    with refused("aead_parameter_invalid"):
        suite.aead_encrypt(suite.new_content_key(), b"\x00" * 8, b"x", b"")
    with refused("aead_parameter_invalid"):
        suite.aead_decrypt(b"short", suite.new_nonce(), b"x" * 20, b"")


# --- key wrapping (digital envelope)


def test_wrapped_content_keys_unwrap(suite: Suite) -> None:
    recipient = suite.generate_encryption_key()
    content_key = suite.new_content_key()
    wrapped = suite.wrap_key(recipient.public_key(), content_key)
    assert suite.unwrap_key(recipient, wrapped) == content_key
    assert suite.wrap_key(recipient.public_key(), content_key) != wrapped  # randomised


def test_gm_wraps_keys_as_asn1_c1c3c2() -> None:
    gm = get_suite("gm")
    recipient = gm.generate_encryption_key()
    wrapped = gm.wrap_key(recipient.public_key(), bytes(16))

    x, y, c3, c2 = der.sequence_of(wrapped, 4)
    assert der.read_integer(x) > 0 and der.read_integer(y) > 0
    assert len(der.read_octets(c3)) == 32 and len(der.read_octets(c2)) == 16


def test_intl_wrap_is_ephemeral_key_then_aes_gcm() -> None:
    intl = get_suite("intl")
    wrapped = intl.wrap_key(intl.generate_encryption_key().public_key(), bytes(32))
    assert len(wrapped) == 32 + 32 + 16


def test_unwrapping_with_the_wrong_key_is_refused(suite: Suite) -> None:
    wrapped = suite.wrap_key(suite.generate_encryption_key().public_key(), suite.new_content_key())
    with refused("key_unwrap_failed"):
        suite.unwrap_key(suite.generate_encryption_key(), wrapped)


def test_tampered_or_truncated_wrapped_keys_are_refused(suite: Suite) -> None:
    recipient = suite.generate_encryption_key()
    wrapped = suite.wrap_key(recipient.public_key(), suite.new_content_key())
    for position in (0, 5, len(wrapped) // 2, len(wrapped) - 1):
        flipped = bytearray(wrapped)
        flipped[position] ^= 0x04
        with refused("key_unwrap_failed"):
            suite.unwrap_key(recipient, bytes(flipped))
    for bad in (b"", wrapped[:10], wrapped[:-1], wrapped + b"\x00", os.urandom(200)):
        with refused("key_unwrap_failed"):
            suite.unwrap_key(recipient, bad)


def test_wrapping_for_a_key_of_the_other_suite_is_refused() -> None:
    sm2 = get_suite("gm").generate_encryption_key()
    x25519 = get_suite("intl").generate_encryption_key()
    with refused("suite_mismatch"):
        get_suite("gm").wrap_key(x25519.public_key(), bytes(16))
    with refused("suite_mismatch"):
        get_suite("intl").wrap_key(sm2.public_key(), bytes(32))
    with refused("suite_mismatch"):
        get_suite("intl").unwrap_key(sm2, b"x" * 100)


def test_wrapping_refuses_content_keys_of_odd_sizes(suite: Suite) -> None:
    recipient = suite.generate_encryption_key().public_key()
    for bad in (b"", b"short", bytes(65)):
        with refused("aead_parameter_invalid"):
            suite.wrap_key(recipient, bad)


def test_encryption_keys_round_trip_through_pem(suite: Suite) -> None:
    recipient = suite.generate_encryption_key()
    again = suite.load_private_key(recipient.to_pem(b"pw", iterations=FAST), b"pw")
    content_key = suite.new_content_key()
    assert suite.unwrap_key(again, suite.wrap_key(recipient.public_key(), content_key)) == content_key


def test_without_libcrypto_sm2_is_refused_not_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    from sunbid.crypto import _openssl

    monkeypatch.setattr(_openssl, "_loaded", None)
    monkeypatch.setattr(_openssl, "_load_error", _openssl.BackendUnavailable("libcrypto.so.3: cannot open"))
    with refused("crypto_backend_unavailable"):
        get_suite("gm").generate_signing_key()
    from .test_vectors import SM2_X, SM2_Y

    spki = der.sequence(
        der.sequence(der.oid(oids.EC_PUBLIC_KEY), der.oid(oids.CURVE_SM2)), der.bit_string(b"\x04" + SM2_X + SM2_Y)
    )
    with refused("crypto_backend_unavailable"):
        get_suite("gm").load_public_key(spki)
    get_suite("intl").generate_signing_key()  # the intl suite does not need it
