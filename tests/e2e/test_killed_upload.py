"""A server killed in the middle of an upload leaves no half bid, and the bidder can retry."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from sunbid.api.serving import ServerProcess, settings_env
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


def server(platform: Platform, clock: FixedClock, port: int | None = None) -> ServerProcess:
    """``sunbid serve`` on this test's database, blobs and keys, its clock where the test's is."""
    return ServerProcess(settings_env(platform.settings, SUNBID_CLOCK=f"accelerated:1:{clock.now().isoformat()}"), port)


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
    headers = world.headers("bidder") | {"Content-Type": "application/octet-stream", "Content-Length": str(len(data))}
    with server(platform, clock) as first:
        url = f"{first.url}/api/v1/tenders/{tender_id}/sections/{section_id}/bids"

        def half_then_kill() -> Iterator[bytes]:
            yield data[: len(data) // 2]
            tmp = platform.blobs.root / "tmp"
            deadline = time.monotonic() + 60
            while not (tmp.exists() and any(tmp.iterdir())) and time.monotonic() < deadline:
                time.sleep(0.05)  # until the server has begun writing the upload to disk
            time.sleep(0.2)
            first.kill()
            yield data[len(data) // 2 :]

        with pytest.raises(httpx2.TransportError):
            httpx2.post(url, content=half_then_kill(), headers=headers, timeout=30)
    assert bids.visible_bids(world.uow(), world.ctx("bidder"), tender_id) == [], "no half bid"
    assert not platform.blobs.exists(hashlib.sha256(data).hexdigest()), "no partial blob is visible"
    assert list((platform.blobs.root / "tmp").iterdir()), "only a temporary file is left behind"

    with server(platform, clock, first.port):
        response = httpx2.post(url, content=data, headers=headers, timeout=60)
        assert response.status_code == 201, response.text
    [bid] = bids.visible_bids(world.uow(), world.ctx("bidder"), tender_id)
    assert len(bid.submissions) == 1
    assert tendering.get_tender(world.uow(), world.ctx("bidder"), tender_id).status == "announced"
