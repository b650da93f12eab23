"""Shared fixtures: real databases (SQLite and PostgreSQL), a fixed clock, the platform, the API."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import argon2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sunbid.api.app import create_app
from sunbid.bootstrap import Platform, build
from sunbid.config import Settings
from sunbid.identity import passwords
from sunbid.kernel.clock import FixedClock
from sunbid.storage import migrate
from sunbid.storage.db import make_engine
from sunbid.storage.tables import metadata

PG_URL = os.environ.get("SUNBID_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASES = [d for d in os.environ.get("SUNBID_TEST_DATABASES", "sqlite,postgresql").split(",") if d]
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """argon2 at its cheapest for the fixtures' many users: the hashing code path is the same."""
    fast = argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST)
    saved = passwords._hasher, passwords._DUMMY
    passwords._hasher, passwords._DUMMY = fast, fast.hash("dummy")
    yield
    passwords._hasher, passwords._DUMMY = saved


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    schema = f"sunbid_t_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    migrate.upgrade(url)
    yield url
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        # The ledger's tables refuse TRUNCATE by trigger; replica mode is how an owner resets a test database.
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("INSERT INTO ledger_head (id, size, hash_alg) VALUES (1, 0, NULL)"))
    engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "sunbid.db")
        return f"sqlite:///{tmp_path / 'sunbid.db'}"
    url: str = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def platform(database_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[Platform]:
    p = build(
        Settings(
            database_url=database_url,
            blob_dir=tmp_path / "blobs",
            max_upload_bytes=4 << 20,
            max_json_bytes=64 << 10,
            ledger_key_file=tmp_path / "keys" / "ledger.pem",
            trust_dir=tmp_path / "trust",
        ),
        clock=clock,
    )
    yield p
    p.engine.dispose()


@pytest.fixture
def api(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform), raise_server_exceptions=False) as client:
        yield client
