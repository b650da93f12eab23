"""A server killed in the middle of an upload leaves no half bid, and the bidder can retry."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from sunbid.bootstrap import Platform
from sunbid.kernel.clock import FixedClock
from sunbid.tendering import bid_service as bids
from sunbid.tendering import service as tendering
from tests.bidding import Bidding
from tests.factories import World, make_world

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(platform: Platform, clock: FixedClock, port: int) -> subprocess.Popen[bytes]:
    s = platform.settings
    env = os.environ | {
        "SUNBID_DATABASE_URL": s.database_url,
        "SUNBID_BLOB_DIR": str(s.blob_dir),
        "SUNBID_TRUST_DIR": str(s.trust_dir),
        "SUNBID_LEDGER_KEY_FILE": str(s.ledger_key_file),
        "SUNBID_PLATFORM_KEY_FILE": str(s.platform_key_file),
        "SUNBID_PLATFORM_CERT_FILE": str(s.platform_cert_file),
        "SUNBID_CLOCK": f"accelerated:1:{clock.now().isoformat()}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "sunbid.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx2.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def test_a_server_killed_mid_upload_keeps_no_half_bid_and_the_retry_succeeds(
    world: World, platform: Platform, clock: FixedClock, tmp_path: Path
) -> None:
    pki = Bidding(world, tmp_path / "pki")
    tender_id = world.announced_tender()
    section_id = pki.section_of(tender_id)
    platform.identity()  # the receipts' certificate, made once and shared with the server process
    big = os.urandom(3 << 20)
    from sunbid.crypto import envelope

    data = pki.seal("bidder", tender_id, files=[envelope.BidFile("技术标.bin", part="technical", data=big)])
    port = free_port()
    server = serve(platform, clock, port)
    url = f"http://127.0.0.1:{port}/api/v1/tenders/{tender_id}/sections/{section_id}/bids"
    headers = world.headers("bidder") | {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}

    def half_then_kill() -> object:
        yield data[: len(data) // 2]
        time.sleep(0.5)  # the server has the first half on disk
        server.send_signal(signal.SIGKILL)
        server.wait()
        yield data[len(data) // 2 :]

    with pytest.raises(httpx2.TransportError):
        httpx2.post(url, content=half_then_kill(), headers=headers, timeout=30)
    assert bids.visible_bids(world.uow(), world.ctx("bidder"), tender_id) == [], "no half bid"
    import hashlib

    assert not platform.blobs.exists(hashlib.sha256(data).hexdigest()), "no partial blob is visible"
    assert list((platform.blobs.root / "tmp").iterdir()), "only a temporary file is left behind"

    server = serve(platform, clock, port)
    try:
        response = httpx2.post(url, content=data, headers=headers, timeout=60)
        assert response.status_code == 201, response.text
        [bid] = bids.visible_bids(world.uow(), world.ctx("bidder"), tender_id)
        assert len(bid.submissions) == 1
        assert tendering.get_tender(world.uow(), world.ctx("bidder"), tender_id).status == "announced"
    finally:
        server.terminate()
        server.wait(timeout=10)
