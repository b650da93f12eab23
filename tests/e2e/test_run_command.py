"""The README's run command from nothing: ``sunbid serve --demo`` in an empty directory makes its
database and blob directory under ``var/``, loads the demo data and answers over HTTP."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx2

from sunbid.api.serving import ServerProcess


def test_serve_demo_starts_in_an_empty_directory_with_the_embedded_default(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUNBID_")}  # the defaults: var/…
    command = [sys.executable, "-m", "sunbid.cli.main", "serve", "--demo", "--port"]
    with ServerProcess(env, command=lambda port: [*command, str(port)], cwd=str(tmp_path), start_seconds=180) as s:
        listed = httpx2.get(f"{s.url}/api/v1/tenders", timeout=30)
        assert listed.status_code == 200 and listed.json()["items"], "the demo tenders are public"
        login = httpx2.post(f"{s.url}/api/v1/auth/login", json={"username": "bidder1", "password": "nope"}, timeout=30)
        assert login.status_code == 401
    assert (tmp_path / "var" / "sunbid.db").is_file() and (tmp_path / "var" / "blobs").is_dir()
