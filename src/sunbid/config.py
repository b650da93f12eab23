"""Settings, read from ``SUNBID_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUNBID_", env_file=".env", extra="ignore")

    #: ``sqlite:///var/sunbid.db`` (the embedded default) or ``postgresql://user@host/db``.
    database_url: str = "sqlite:///var/sunbid.db"
    #: Directory of the content-addressed blob store.
    blob_dir: Path = Path("var/blobs")
    #: ``system``, or ``accelerated:FACTOR[:START]`` for demos and tests.
    clock: str = "system"
    #: A TOML file of jurisdiction overrides of the statutory rule table.
    rules_file: Path | None = None
    #: Largest JSON request body accepted.
    max_json_bytes: int = 1 << 20
    #: Largest uploaded file accepted.
    max_upload_bytes: int = 512 << 20
    #: Mark the session cookie Secure (serve over HTTPS in production).
    cookie_secure: bool = False
    #: The ledger's hash: ``sm3`` (GB/T 32905) or ``sha256``. Fixed when the first entry is written.
    ledger_hash: str = "sm3"
    #: The log key that signs tree heads (PKCS#8 PEM); made on first use if missing.
    ledger_key_file: Path = Path("var/keys/ledger-key.pem")
    #: Its passphrase (set it in production; an unencrypted key is refused when it is set).
    ledger_key_passphrase: str | None = None
    #: The signature suite of the log key: ``gm`` (SM2) or ``intl`` (Ed25519).
    ledger_suite: str = "gm"
    #: Trusted CA roots (``*.pem``, ``*.crt``) and their revocation lists (``*.crl``): several CAs
    #: at once, for mutual recognition of certificates (电子招标投标办法 第四十四条).
    trust_dir: Path = Path("var/trust")
    #: Refuse announcements that are not signed by the tenderer or its agency.
    require_signed_announcements: bool = False
    #: The public address of the platform, printed in announcements (电子招标投标办法 第十七条).
    public_url: str = "http://127.0.0.1:8000"
    #: The platform's signing key (PKCS#8 PEM) and certificate, for receipts and opening records;
    #: made on first use, with a root of their own (``<cert>-root.pem``), when missing.
    platform_key_file: Path = Path("var/keys/platform-key.pem")
    platform_cert_file: Path = Path("var/keys/platform-cert.pem")
    platform_key_passphrase: str | None = None
    #: The name (and credit code, if any) in the platform's certificate.
    platform_name: str = "sunbid 电子招标投标交易平台"
    platform_credit_code: str | None = None
    #: Largest sealed bid accepted (a bid tool may send up to this many bytes in one envelope).
    max_bid_bytes: int = 1 << 30
