"""Interoperability with the ``openssl`` command line (OpenSSL 3), in both directions.

SM2 signatures use the signer ID 1234567812345678 (GB/T 32918.2, GM/T 0009); OpenSSL's command
line uses an empty ID unless told ``-sigopt distid:1234567812345678`` (dgst) or
``-pkeyopt distid:1234567812345678`` (pkeyutl) or ``-vfyopt distid:1234567812345678`` (verify).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sunbid.crypto import TrustStore, get_suite, keys, x509
from sunbid.crypto.ca import LocalCA, write_issued
from sunbid.kernel.errors import DomainError

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
DISTID = "distid:1234567812345678"
CREDIT_CODE = "91350100M000100Y43"


def _openssl_supports_gm() -> str | None:
    """None if the openssl binary has SM2, SM3 and SM4; otherwise why not."""
    if not Path(OPENSSL).exists():
        return "no openssl binary"
    version = subprocess.run([OPENSSL, "version"], capture_output=True, text=True, check=False).stdout
    if not version.startswith("OpenSSL 3."):
        return f"OpenSSL 3 needed, found {version.strip()}"
    listed = subprocess.run(
        [OPENSSL, "list", "-public-key-algorithms", "-digest-algorithms", "-cipher-algorithms"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.upper()
    missing = [name for name in ("SM2", "SM3", "SM4") if name not in listed]
    return f"openssl lacks {', '.join(missing)}" if missing else None


_WHY_NOT = _openssl_supports_gm()
if _WHY_NOT and os.environ.get("CI"):
    raise RuntimeError(f"CI needs an openssl command with SM2/SM3/SM4: {_WHY_NOT}")
pytestmark = pytest.mark.skipif(_WHY_NOT is not None, reason=_WHY_NOT or "")


def openssl(*args: str | Path, cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([OPENSSL, *map(str, args)], cwd=cwd, input=input, capture_output=True, check=False)


def ok(result: subprocess.CompletedProcess[bytes]) -> bytes:
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


MESSAGE = "投标文件摘要 bid digest 2026".encode()


# --- SM2 signatures


def test_our_sm2_signature_verifies_with_openssl_dgst_and_pkeyutl(tmp_path: Path) -> None:
    key = get_suite("gm").generate_signing_key()
    write(tmp_path / "pub.pem", key.public_key().to_pem())
    write(tmp_path / "msg.bin", MESSAGE)
    write(tmp_path / "sig.der", key.sign(MESSAGE))
    dgst = ok(
        openssl(
            "dgst", "-sm3", "-verify", "pub.pem", "-sigopt", DISTID, "-signature", "sig.der", "msg.bin", cwd=tmp_path
        )
    )
    assert b"Verified OK" in dgst
    pkeyutl = openssl(
        "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
        "-pkeyopt", DISTID, "-in", "msg.bin", "-sigfile", "sig.der", cwd=tmp_path,
    )  # fmt: skip
    assert b"Signature Verified Successfully" in ok(pkeyutl)


def test_openssl_without_the_standard_id_rejects_standard_signatures(tmp_path: Path) -> None:
    """The pitfall this suite avoids: OpenSSL 3.0's command line defaults to an empty signer ID."""
    key = get_suite("gm").generate_signing_key()
    write(tmp_path / "pub.pem", key.public_key().to_pem())
    write(tmp_path / "msg.bin", MESSAGE)
    write(tmp_path / "sig.der", key.sign(MESSAGE))
    result = openssl("dgst", "-sm3", "-verify", "pub.pem", "-signature", "sig.der", "msg.bin", cwd=tmp_path)
    assert result.returncode != 0


def test_openssl_sm2_signatures_verify_with_us(tmp_path: Path) -> None:
    ok(openssl("genpkey", "-algorithm", "SM2", "-out", "key.pem", cwd=tmp_path))
    ok(openssl("pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der", cwd=tmp_path))
    write(tmp_path / "msg.bin", MESSAGE)
    ok(openssl("dgst", "-sm3", "-sign", "key.pem", "-sigopt", DISTID, "-out", "sig.der", "msg.bin", cwd=tmp_path))
    public = get_suite("gm").load_public_key((tmp_path / "pub.der").read_bytes())
    public.verify(MESSAGE, (tmp_path / "sig.der").read_bytes())
    with pytest.raises(DomainError, match=r"^signature_invalid:"):
        public.verify(MESSAGE + b".", (tmp_path / "sig.der").read_bytes())


def test_openssl_private_keys_load_and_sign_for_us(tmp_path: Path) -> None:
    ok(openssl("genpkey", "-algorithm", "SM2", "-out", "key.pem", cwd=tmp_path))
    ok(
        openssl(
            "pkcs8",
            "-topk8",
            "-in",
            "key.pem",
            "-v2",
            "sm4-cbc",
            "-passout",
            "pass:s3cret",
            "-out",
            "enc.pem",
            cwd=tmp_path,
        )
    )
    key = get_suite("gm").load_private_key((tmp_path / "enc.pem").read_bytes(), b"s3cret")
    write(tmp_path / "msg.bin", MESSAGE)
    write(tmp_path / "sig.der", key.sign(MESSAGE))
    ok(openssl("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem", cwd=tmp_path))
    ok(
        openssl(
            "dgst", "-sm3", "-verify", "pub.pem", "-sigopt", DISTID, "-signature", "sig.der", "msg.bin", cwd=tmp_path
        )
    )


# --- SM2 encryption (key wrapping)


def test_our_sm2_ciphertext_decrypts_with_openssl(tmp_path: Path) -> None:
    gm = get_suite("gm")
    recipient = gm.generate_encryption_key()
    write(tmp_path / "key.pem", recipient.to_pem(None))
    content_key = gm.new_content_key()
    write(tmp_path / "wrapped.der", gm.wrap_key(recipient.public_key(), content_key))
    assert ok(openssl("pkeyutl", "-decrypt", "-inkey", "key.pem", "-in", "wrapped.der", cwd=tmp_path)) == content_key


def test_openssl_sm2_ciphertext_decrypts_with_us(tmp_path: Path) -> None:
    gm = get_suite("gm")
    recipient = gm.generate_encryption_key()
    write(tmp_path / "pub.pem", recipient.public_key().to_pem())
    content_key = gm.new_content_key()
    wrapped = ok(openssl("pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", cwd=tmp_path, input=content_key))
    assert gm.unwrap_key(recipient, wrapped) == content_key


# --- key files


@pytest.mark.parametrize("suite_name", ["gm", "intl"])
def test_openssl_reads_our_encrypted_private_keys(tmp_path: Path, suite_name: str) -> None:
    suite = get_suite(suite_name)
    for key in (suite.generate_signing_key(), suite.generate_encryption_key()):
        write(tmp_path / "key.pem", key.to_pem(b"pass phrase", iterations=2000))
        public = ok(
            openssl("pkey", "-in", "key.pem", "-passin", "pass:pass phrase", "-pubout", "-outform", "DER", cwd=tmp_path)
        )
        assert public == key.public_key().to_der()
        assert openssl("pkey", "-in", "key.pem", "-passin", "pass:wrong", "-noout", cwd=tmp_path).returncode != 0


# --- Ed25519


def test_ed25519_signatures_interoperate_both_ways(tmp_path: Path) -> None:
    ours = get_suite("intl").generate_signing_key()
    write(tmp_path / "pub.pem", ours.public_key().to_pem())
    write(tmp_path / "msg.bin", MESSAGE)
    write(tmp_path / "sig.bin", ours.sign(MESSAGE))
    ok(
        openssl(
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-rawin",
            "-in",
            "msg.bin",
            "-sigfile",
            "sig.bin",
            cwd=tmp_path,
        )
    )
    ok(openssl("genpkey", "-algorithm", "ED25519", "-out", "theirs.pem", cwd=tmp_path))
    ok(
        openssl(
            "pkeyutl", "-sign", "-inkey", "theirs.pem", "-rawin", "-in", "msg.bin", "-out", "theirs.sig", cwd=tmp_path
        )
    )
    theirs = get_suite("intl").load_private_key((tmp_path / "theirs.pem").read_bytes(), None)
    theirs.public_key().verify(MESSAGE, (tmp_path / "theirs.sig").read_bytes())


# --- certificates


def _ca_with_leaf(tmp_path: Path, suite_name: str, now: datetime) -> tuple[LocalCA, x509.Certificate]:
    ca = LocalCA.init(
        tmp_path / "ca", suite=suite_name, common_name=f"sunbid {suite_name} test root", organisation="阳光招标",
        passphrase=b"pw", now=now, iterations=1000,
    )  # fmt: skip
    issued = ca.issue(b"pw", subject=x509.organisation_name("某某建设有限公司", CREDIT_CODE), now=now)
    write_issued(issued, tmp_path / "out", key_passphrase=b"kp")
    return ca, issued.certificate


def test_openssl_verify_accepts_our_intl_certificates(tmp_path: Path) -> None:
    _ca_with_leaf(tmp_path, "intl", datetime.now(UTC))
    out = ok(openssl("verify", "-CAfile", "ca/ca-cert.pem", "out/cert.pem", cwd=tmp_path))
    assert out.strip().endswith(b": OK")
    ok(openssl("verify", "-check_ss_sig", "-CAfile", "ca/ca-cert.pem", "ca/ca-cert.pem", cwd=tmp_path))
    ok(
        openssl(
            "verify", "-crl_check", "-CRLfile", "ca/crl.pem", "-CAfile", "ca/ca-cert.pem", "out/cert.pem", cwd=tmp_path
        )
    )


def test_openssl_verify_accepts_our_gm_certificates_with_the_standard_id(tmp_path: Path) -> None:
    _, certificate = _ca_with_leaf(tmp_path, "gm", datetime.now(UTC))
    out = ok(openssl("verify", "-vfyopt", DISTID, "-CAfile", "ca/ca-cert.pem", "out/cert.pem", cwd=tmp_path))
    assert out.strip().endswith(b": OK")
    text = ok(openssl("x509", "-in", "out/cert.pem", "-noout", "-text", "-nameopt", "utf8", cwd=tmp_path)).decode()
    assert "Signature Algorithm: SM2-with-SM3" in text
    assert "ASN1 OID: SM2" in text
    assert f"organizationIdentifier=NTRCN-{CREDIT_CODE}" in text
    assert "O=某某建设有限公司" in text
    assert "Digital Signature, Non Repudiation" in text
    assert certificate.fingerprint().upper() in ok(
        openssl("x509", "-in", "out/cert.pem", "-noout", "-fingerprint", "-sha256", cwd=tmp_path)
    ).decode().replace(":", "")


def test_openssl_sees_revocations_in_our_crls(tmp_path: Path) -> None:
    ca, certificate = _ca_with_leaf(tmp_path, "intl", datetime.now(UTC))
    ca.revoke(b"pw", certificate.serial_hex(), now=datetime.now(UTC), reason="keyCompromise")
    result = openssl(
        "verify", "-crl_check", "-CRLfile", "ca/crl.pem", "-CAfile", "ca/ca-cert.pem", "out/cert.pem", cwd=tmp_path
    )
    assert result.returncode != 0
    assert b"certificate revoked" in result.stdout + result.stderr


def test_openssl_parses_our_gm_crls(tmp_path: Path) -> None:
    ca, certificate = _ca_with_leaf(tmp_path, "gm", datetime.now(UTC))
    ca.revoke(b"pw", certificate.serial_hex(), now=datetime.now(UTC), reason="superseded")
    text = ok(openssl("crl", "-in", "ca/crl.pem", "-noout", "-text", cwd=tmp_path)).decode()
    assert "Signature Algorithm: SM2-with-SM3" in text
    assert certificate.serial_hex() in text.replace(":", "").upper()
    assert "Superseded" in text


def _openssl_chain(tmp_path: Path, algorithm: str, digest: Sequence[str]) -> tuple[x509.Certificate, x509.Certificate]:
    ok(openssl("genpkey", "-algorithm", algorithm, "-out", "ca.key", cwd=tmp_path))
    ok(openssl(
        "req", "-new", "-x509", "-key", "ca.key", *digest, "-days", "30", "-subj", "/C=CN/O=Other CA/CN=Other Root",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", "ca.pem", cwd=tmp_path,
    ))  # fmt: skip
    ok(openssl("genpkey", "-algorithm", algorithm, "-out", "ee.key", cwd=tmp_path))
    ok(
        openssl(
            "req",
            "-new",
            "-key",
            "ee.key",
            *digest,
            "-subj",
            "/C=CN/O=Bidder/CN=Bidder",
            "-out",
            "ee.csr",
            cwd=tmp_path,
        )
    )
    write(tmp_path / "ext.cnf", b"basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n"
          b"subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")  # fmt: skip
    ok(openssl(
        "x509", "-req", "-in", "ee.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", *digest,
        "-days", "10", "-extfile", "ext.cnf", "-out", "ee.pem", cwd=tmp_path,
    ))  # fmt: skip
    root = x509.Certificate.from_pem((tmp_path / "ca.pem").read_bytes())
    leaf = x509.Certificate.from_pem((tmp_path / "ee.pem").read_bytes())
    return root, leaf


@pytest.mark.parametrize(("algorithm", "digest"), [("SM2", ["-sm3"]), ("ED25519", [])])
def test_certificates_made_by_openssl_are_recognised(tmp_path: Path, algorithm: str, digest: list[str]) -> None:
    """Mutual recognition: a CA run with the openssl tools. OpenSSL 3.0 signs SM2 certificates with an
    empty signer ID; the trust store accepts that as well as the standard ID."""
    root, leaf = _openssl_chain(tmp_path, algorithm, digest)
    chain = TrustStore([root]).validate(leaf, datetime.now(UTC))
    assert chain.root == root
    assert leaf.key_algorithm == (keys.SM2 if algorithm == "SM2" else keys.ED25519)
    with pytest.raises(DomainError, match=r"^certificate_expired:"):
        TrustStore([root]).validate(leaf, datetime.now(UTC) + timedelta(days=40))
