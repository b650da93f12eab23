"""``sunbid ca``: init, issue, revoke, crl, list, then ``openssl verify`` on what it made."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sunbid.cli.ca import ca_app
from sunbid.crypto import TrustStore, get_suite, x509
from sunbid.kernel.errors import DomainError

from .test_openssl_interop import DISTID, ok, openssl

ENV = {"SUNBID_CA_PASSPHRASE": "ca pass", "SUNBID_KEY_PASSPHRASE": "key pass"}
CREDIT_CODE = "91350100M000100Y43"


def run(*args: str | Path, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(ca_app, [str(a) for a in args], env=env or ENV)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("suite", ["gm", "intl"])
def test_a_ca_made_with_the_cli_issues_certificates_openssl_accepts(tmp_path: Path, suite: str) -> None:
    out = run("init", tmp_path / "ca", "--suite", suite, "--name", "阳光招标演示根CA", "--org", "阳光招标")
    assert "CA created" in out
    out = run(
        "issue",
        tmp_path / "ca",
        "--org",
        "某某建设有限公司",
        "--credit-code",
        CREDIT_CODE,
        "--out",
        tmp_path / "bidder",
    )
    serial = re.search(r"issued serial ([0-9A-F]+)", out)
    assert serial is not None
    verify = ["verify", *(["-vfyopt", DISTID] if suite == "gm" else []), "-CAfile", "ca/ca-cert.pem", "bidder/cert.pem"]
    assert ok(openssl(*verify, cwd=tmp_path)).strip().endswith(b"OK")

    key = get_suite(suite).load_private_key((tmp_path / "bidder" / "key.pem").read_bytes(), b"key pass")
    certificate = x509.Certificate.from_pem((tmp_path / "bidder" / "cert.pem").read_bytes())
    assert certificate.public_key() == key.public_key()
    assert certificate.credit_code == CREDIT_CODE

    run("issue", tmp_path / "ca", "--person", "张三", "--id-number", "11010519491231002X", "--out", tmp_path / "zs",
        "--usage", "encrypt", "--stem", "enc")  # fmt: skip
    assert (tmp_path / "zs" / "enc-cert.pem").exists() and (tmp_path / "zs" / "enc-key.pem").exists()

    out = run("revoke", tmp_path / "ca", serial.group(1), "--reason", "keyCompromise")
    assert "CRL number 2" in out
    out = run("crl", tmp_path / "ca")
    assert "CRL number 3: 1 revoked" in out
    out = run("list", tmp_path / "ca")
    assert "REVOKED keyCompromise" in out and "张三" in out

    crl = x509.CertificateRevocationList.from_pem((tmp_path / "ca" / "crl.pem").read_bytes())
    root = x509.Certificate.from_pem((tmp_path / "ca" / "ca-cert.pem").read_bytes())
    with pytest.raises(DomainError, match=r"^certificate_revoked:"):
        TrustStore([root], crls=[crl]).validate(certificate, datetime.now(UTC))


def test_cli_refusals_print_the_code_in_both_languages(tmp_path: Path) -> None:
    run("init", tmp_path / "ca", "--suite", "intl", "--name", "Root")
    runner = CliRunner()
    result = runner.invoke(
        ca_app,
        ["issue", str(tmp_path / "ca"), "--org", "某公司", "--credit-code", "123", "--out", str(tmp_path / "o")],
        env=ENV,
    )
    assert result.exit_code == 2
    assert "credit_code_invalid" in result.output
    result = runner.invoke(
        ca_app,
        ["issue", str(tmp_path / "ca"), "--person", "张三", "--out", str(tmp_path / "o")],
        env={**ENV, "SUNBID_CA_PASSPHRASE": "wrong"},
    )
    assert result.exit_code == 2
    assert "key_passphrase_wrong" in result.output and "私钥口令错误" in result.output
    result = runner.invoke(ca_app, ["init", str(tmp_path / "ca"), "--name", "Again"], env=ENV)
    assert result.exit_code == 2 and "ca_exists" in result.output
    result = runner.invoke(ca_app, ["init", str(tmp_path / "x"), "--suite", "rsa", "--name", "X"], env=ENV)
    assert result.exit_code == 2 and "suite_unknown" in result.output
    result = runner.invoke(ca_app, ["issue", str(tmp_path / "ca"), "--out", str(tmp_path / "o")], env=ENV)
    assert result.exit_code == 2 and "ca_subject_invalid" in result.output
