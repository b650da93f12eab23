"""Published test vectors: GB/T 32905 (SM3), GB/T 32907 (SM4), RFC 8998 (SM4-GCM), GB/T 32918 (SM2),
FIPS 180 (SHA-256), the GCM specification (AES-256-GCM), RFC 8032 (Ed25519), RFC 7748 (X25519)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sunbid.crypto import der, get_suite, keys
from sunbid.kernel.errors import DomainError


def h(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


# --- GB/T 32905-2016 Appendix A


def test_sm3_of_abc_matches_gb_t_32905_example_1() -> None:
    expected = h("66c7f0f4 62eeedd9 d1f2d46b dc10e4e2 4167c487 5cf2f7a2 297da02b 8f4ba8e0")
    assert get_suite("gm").hash(b"abc") == expected


def test_sm3_of_512_bit_message_matches_gb_t_32905_example_2() -> None:
    expected = h("debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732")
    assert get_suite("gm").hash(b"abcd" * 16) == expected


def test_sm3_hasher_streams_to_the_same_digest() -> None:
    hasher = get_suite("gm").new_hasher()
    for _ in range(16):
        hasher.update(b"abcd")
    assert hasher.digest() == h("debe9ff9 2275b8a1 38604889 c18e5a4d 6fdb70e5 387e5765 293dcba3 9c0c5732")
    assert hasher.digest() == hasher.digest()  # reading the digest does not end the hasher


# --- GB/T 32907-2016 Appendix A

SM4_KEY = h("01 23 45 67 89 ab cd ef fe dc ba 98 76 54 32 10")


def test_sm4_block_matches_gb_t_32907_example_1() -> None:
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    assert encryptor.update(SM4_KEY) + encryptor.finalize() == h("68 1e df 34 d2 06 96 5e 86 b3 e9 4f 53 6e 42 46")


def test_sm4_million_encryptions_match_gb_t_32907_example_2() -> None:
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    block = SM4_KEY
    for _ in range(1_000_000):
        block = encryptor.update(block)
    assert block == h("59 52 98 c7 c6 fd 27 1f 04 02 f8 04 c3 3d 3f 66")


# --- RFC 8998 Appendix A.1 (SM4-GCM)


def test_sm4_gcm_matches_rfc_8998() -> None:
    gm = get_suite("gm")
    key = h("0123456789ABCDEFFEDCBA9876543210")
    nonce = h("00001234567800000000ABCD")
    aad = h("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = h(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected = h(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )
    assert gm.aead_encrypt(key, nonce, plaintext, aad) == expected
    assert gm.aead_decrypt(key, nonce, expected, aad) == plaintext
    assert gm.aead_decrypt_into(key, nonce, expected, aad, bytearray(len(expected))) == plaintext


# --- GB/T 32918.5-2017 (GM/T 0003.5) examples on the recommended curve

SM2_D = int("3945208F 7B2144B1 3F36E38A C6D39F95 88939369 2860B51A 42FB81EF 4DF7C5B8".replace(" ", ""), 16)
SM2_X = h("09F9DF31 1E5421A1 50DD7D16 1E4BC5C6 72179FAD 1833FC07 6BB08FF3 56F35020")
SM2_Y = h("CCEA490C E26775A5 2DC6EA71 8CC1AA60 0AED05FB F35E084A 6632F607 2DA9AD13")


def sm2_standard_public_key() -> keys.PublicKey:
    spki = der.sequence(
        der.sequence(der.oid("1.2.840.10045.2.1"), der.oid("1.2.156.10197.1.301")),
        der.bit_string(b"\x04" + SM2_X + SM2_Y),
    )
    return get_suite("gm").load_public_key(spki)


def test_sm2_private_key_of_the_standard_gives_its_public_key() -> None:
    derived = keys.Sm2PrivateKey.from_scalar(SM2_D).public_key()
    assert derived == sm2_standard_public_key()


def test_sm2_published_signature_verifies_with_the_standard_public_key_and_default_id() -> None:
    r = int("F5A03B06 48D2C463 0EEAC513 E1BB81A1 5944DA38 27D5B741 43AC7EAC EEE720B3".replace(" ", ""), 16)
    s = int("B1B6AA29 DF212FD8 763182BC 0D421CA1 BB9038FD 1F7F42D4 840B69C4 85BBC1AA".replace(" ", ""), 16)
    signature = der.sequence(der.integer(r), der.integer(s))
    public = sm2_standard_public_key()
    public.verify(b"message digest", signature)
    with pytest.raises(DomainError) as refused:
        public.verify(b"message digesT", signature)
    assert refused.value.code == "signature_invalid"


def test_sm2_published_ciphertext_decrypts_with_the_standard_private_key() -> None:
    c1x = h("04EBFC71 8E8D1798 62043226 8E77FEB6 415E2EDE 0E073C0F 4F640ECD 2E149A73")
    c1y = h("E858F9D8 1E5430A5 7B36DAAB 8F950A3C 64E6EE6A 63094D99 283AFF76 7E124DF0")
    c3 = h("59983C18 F809E262 923C53AE C295D303 83B54E39 D609D160 AFCB1908 D0BD8766")
    c2 = h("21886CA9 89CA9C7D 58087307 CA93092D 651EFA")
    # C1||C3||C2 as the ASN.1 structure of GB/T 35276 / OpenSSL: SEQUENCE{x, y, C3, C2}
    ciphertext = der.sequence(
        der.integer(int.from_bytes(c1x, "big")),
        der.integer(int.from_bytes(c1y, "big")),
        der.octet_string(c3),
        der.octet_string(c2),
    )
    key = keys.Sm2PrivateKey.from_scalar(SM2_D)
    assert key.decrypt(ciphertext) == b"encryption standard"


def test_sm2_signatures_round_trip_with_the_standard_key() -> None:
    key = keys.Sm2PrivateKey.from_scalar(SM2_D)
    signature = key.sign(b"message digest")
    sm2_standard_public_key().verify(b"message digest", signature)
    assert key.sign(b"message digest") != signature  # a fresh random k every time


# --- intl


def test_sha256_of_abc() -> None:
    assert get_suite("intl").hash(b"abc") == h("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


def test_aes_256_gcm_matches_gcm_spec_test_case_16() -> None:
    intl = get_suite("intl")
    key = h("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    nonce = h("cafebabefacedbaddecaf888")
    plaintext = h(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    )
    aad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    expected = h(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b"
    )
    assert intl.aead_encrypt(key, nonce, plaintext, aad) == expected
    assert intl.aead_decrypt(key, nonce, expected, aad) == plaintext
    assert intl.aead_decrypt_into(key, nonce, expected, aad, bytearray(len(expected))) == plaintext


def test_ed25519_matches_rfc_8032_test_1() -> None:
    secret = h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    key = keys.Ed25519PrivateKey(ed25519.Ed25519PrivateKey.from_private_bytes(secret))
    signature = key.sign(b"")
    assert signature == h(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert key.public_key().to_der()[-32:] == h("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    key.public_key().verify(b"", signature)


def test_x25519_matches_rfc_7748_section_6_1() -> None:
    alice = x25519.X25519PrivateKey.from_private_bytes(
        h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    )
    bob_public = x25519.X25519PublicKey.from_public_bytes(
        h("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    )
    assert keys.X25519PrivateKey(alice).public_key().raw == h(
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    )
    assert alice.exchange(bob_public) == h("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
