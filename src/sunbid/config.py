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
    #: The public address of the platform, printed in announcements (电子招标投标办法 第十七条).
    public_url: str = "http://127.0.0.1:8000"
