"""The crypto layer's refusals: one stable code each, with a Chinese and an English message.

Every refusal raised by :mod:`sunbid.crypto` is a :class:`~sunbid.kernel.errors.DomainError` made
here, so the catalogue below is the complete list (docs/crypto.md reproduces it).
"""

from __future__ import annotations

from typing import Any

from sunbid.kernel.errors import DomainError

CATALOGUE: dict[str, tuple[str, str]] = {
    "suite_unknown": ("未知的密码套件", "Unknown crypto suite"),
    "suite_mismatch": ("密钥或证书与密码套件不符", "The key or certificate does not belong to this crypto suite"),
    "crypto_backend_unavailable": (
        "系统 OpenSSL 3 (libcrypto.so.3) 不可用，无法使用国密 SM2",
        "The system OpenSSL 3 (libcrypto.so.3) is not available; SM2 cannot be used",
    ),
    "crypto_backend_failed": ("密码运算失败", "A cryptographic operation failed"),
    "signature_invalid": ("签名无效", "The signature is not valid"),
    "signature_malformed": ("签名文件格式错误", "The signature document is malformed"),
    "ciphertext_invalid": (
        "密文无效：已被截断、篡改或密钥错误",
        "The ciphertext is truncated, tampered with, or the key is wrong",
    ),
    "key_invalid": ("密钥格式错误", "The key is malformed"),
    "key_unsupported": ("不支持的密钥算法", "The key algorithm is not supported"),
    "key_wrong_purpose": ("密钥不能用于此用途", "The key cannot be used for this purpose"),
    "key_passphrase_wrong": ("私钥口令错误", "The private key passphrase is wrong"),
    "key_passphrase_required": ("私钥已加密，需要口令", "The private key is encrypted; a passphrase is needed"),
    "key_unwrap_failed": (
        "无法解开数字信封中的密钥：密钥不匹配或数据被篡改",
        "The wrapped key cannot be unwrapped: wrong key or tampered data",
    ),
    "aead_parameter_invalid": ("对称密钥或随机数长度错误", "The symmetric key or nonce has the wrong length"),
    "json_not_canonicalisable": (
        "数据无法按 RFC 8785 规范化",
        "The data cannot be canonicalised as RFC 8785 JSON",
    ),
    "certificate_malformed": ("证书格式错误", "The certificate is malformed"),
    "certificate_expired": ("证书已过期", "The certificate has expired"),
    "certificate_not_yet_valid": ("证书尚未生效", "The certificate is not yet valid"),
    "certificate_revoked": ("证书已被吊销", "The certificate has been revoked"),
    "certificate_issuer_unknown": (
        "证书不是由受信任的 CA 签发",
        "The certificate was not issued by a trusted certification authority",
    ),
    "certificate_signature_invalid": ("证书签名无效", "The certificate's signature is not valid"),
    "certificate_issuer_not_ca": ("签发者不是 CA 证书", "The issuer's certificate is not a CA certificate"),
    "certificate_usage_wrong": ("证书的密钥用法不允许此操作", "The certificate's key usage does not allow this"),
    "certificate_chain_too_long": ("证书链过长", "The certificate chain is too long"),
    "certificate_profile_invalid": ("证书内容不合要求", "The certificate's contents are not acceptable"),
    "crl_malformed": ("证书吊销列表格式错误", "The certificate revocation list is malformed"),
    "crl_signature_invalid": ("证书吊销列表签名无效", "The certificate revocation list's signature is not valid"),
    "crl_issuer_unknown": (
        "证书吊销列表不是由受信任的 CA 签发",
        "The certificate revocation list was not issued by a trusted certification authority",
    ),
    "crl_missing": (
        "没有该 CA 的证书吊销列表，无法检查吊销状态",
        "No revocation list of this certification authority is available to check revocation",
    ),
    "signer_certificate_mismatch": (
        "签名证书与签名私钥不匹配",
        "The signer's certificate does not match the signing key",
    ),
    "envelope_malformed": (
        "投标文件未按要求加密封装（数字信封格式错误）",
        "The bid is not sealed as required (the envelope is malformed)",
    ),
    "bid_manifest_invalid": ("解密后的投标文件清单不符合要求", "The decrypted bid's manifest is not valid"),
    "threshold_invalid": ("门限参数或密钥份额不合要求", "The threshold parameters or key shares are not valid"),
    "threshold_not_met": ("密钥份额不足门限，无法恢复密钥", "Too few key shares to recover the key"),
    "share_invalid": (
        "密钥份额与投标文件中的承诺值不符",
        "The key share does not match the commitment in the envelope",
    ),
    "ca_invalid": ("CA 目录不完整或已损坏", "The CA directory is incomplete or damaged"),
    "ca_exists": ("该目录中已有 CA", "There is already a CA in this directory"),
    "ca_serial_unknown": ("CA 未签发该序列号的证书", "The CA issued no certificate with this serial number"),
    "ca_subject_invalid": ("证书主体信息错误", "The certificate subject is not valid"),
}


def crypto_error(code: str, **details: Any) -> DomainError:
    """The domain error for ``code``; ``details`` travel with it (never secrets)."""
    zh, en = CATALOGUE[code]
    reason = details.get("reason")
    if isinstance(reason, str) and reason:
        en = f"{en} ({reason})"
    return DomainError(code, zh, en, **details)
