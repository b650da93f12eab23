"""The risk snapshot read from the real databases, after bids made, paid and opened through the
real use cases; the scan finds the shared device, the shared deposit account, the copied
technical bid and the local-branch clause. Reading changes nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sunbid.bootstrap import Platform
from sunbid.crypto import envelope
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.errors import DomainError
from sunbid.risk.indicators import Flag
from sunbid.risk.scan import scan_snapshot
from sunbid.risk.snapshot import EvidenceKind
from sunbid.storage.risk_snapshot import build_snapshot
from sunbid.tendering import bid_service as bids
from sunbid.tendering import service as tendering
from tests.bidding import Bidding
from tests.factories import World, make_world
from tests.integration.snapshot import snapshot as fingerprint
from tests.integration.test_bids import transfer

DOCUMENT = "第二章 投标人须知\n1.1 投标人须具有独立法人资格。\n1.2 投标人须在本市设立分支机构。\n"
RNG = np.random.default_rng(3)
TECHNICAL = "".join(RNG.choice([chr(c) for c in range(0x4E00, 0x4E00 + 3000)], 2500))


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock, tokens=False)


@pytest.fixture
def opened(world: World, tmp_path: Path) -> tuple[Bidding, str]:
    bidding = Bidding(world, tmp_path / "pki")
    for name in ("bidder3", "bidder4"):
        bidding.bidder(name)
    tender_id = world.draft_tender(with_document=False)
    world.add_document(tender_id, DOCUMENT.encode("utf-8"))
    tendering.announce_tender(world.uow(), world.ctx("tenderer"), tender_id)
    section = bidding.section_of(tender_id)
    prices = {"bidder": "10500000.00", "bidder2": "10730000.00", "bidder3": "10990000.00", "bidder4": "11210000.00"}
    for who, price in prices.items():
        shared = who in ("bidder", "bidder2")
        text = TECHNICAL if shared else "".join(RNG.choice([chr(c) for c in range(0x4E00, 0x4E00 + 3000)], 2500))
        files = [
            envelope.BidFile("投标函.pdf", data=f"%PDF-1.7 {price}".encode(), author=f"作者{who}"),
            envelope.BidFile("技术标.txt", part="technical", media_type="text/plain", data=text.encode("utf-8")),
        ]
        device = {"mac": "3c:7c:3f:aa:01:02" if shared else f"mac-{who}", "hostname": f"pc-{who}"}
        bidding.bid(who, tender_id, price=price, files=files, client={"tool": "tests", "device": device})
        account = "6222020200112233445" if shared else None
        bids.record_transfer(world.uow(), world.ctx("admin"), tender_id, section, transfer(bidding, who, account))
    bidding.deadline(tender_id)
    for who in prices:
        bidding.decrypt(who, bids.visible_bids(world.uow(), world.ctx(who), tender_id)[0].id)
    return bidding, tender_id


def test_the_snapshot_holds_the_bids_their_evidence_and_the_documents(
    opened: tuple[Bidding, str], platform: Platform
) -> None:
    _, tender_id = opened
    before = fingerprint(platform)
    snap = build_snapshot(platform.engine, platform.blobs, bid_texts=True)
    assert fingerprint(platform) == before, "reading the snapshot changes nothing"
    assert snap.tenders["tender_id"].to_list() == [tender_id]
    assert sorted(snap.bids["amount"].to_list()) == [10_500_000.0, 10_730_000.0, 10_990_000.0, 11_210_000.0]
    assert set(snap.bids["status"]) == {"decrypted"} and snap.bids["submitted_at"].null_count() == 0
    kinds = set(snap.evidence["kind"])
    for kind in (
        EvidenceKind.ADDRESS,
        EvidenceKind.DEVICE_MAC,
        EvidenceKind.SIGNER_CERTIFICATE,
        EvidenceKind.ENCRYPTION_CERTIFICATE,
        EvidenceKind.FILE_AUTHOR,
        EvidenceKind.FILE_SHA256,
        EvidenceKind.PROJECT_MANAGER,
        EvidenceKind.PAYER_ACCOUNT,
    ):
        assert str(kind) in kinds, kind
    assert snap.documents["text"].to_list() == [DOCUMENT]
    texts = snap.bid_texts.filter(pl.col("name") == "技术标.txt")
    assert texts.height == 4 and TECHNICAL in texts["text"].to_list()
    assert snap.deposits.height == 4 and snap.organisations.height >= 4


def test_the_scan_of_the_database_finds_the_ring_and_the_clause(
    opened: tuple[Bidding, str], platform: Platform
) -> None:
    bidding, tender_id = opened
    result = scan_snapshot(build_snapshot(platform.engine, platform.blobs, bid_texts=True))
    found = {f.indicator: f for f in Flag.all(result.flags)}
    ring = sorted(bidding.org_of(w).id for w in ("bidder", "bidder2"))
    for indicator in ("SIG-DEVICE", "SIG-DEPOSIT", "SIG-SIMILAR-TEXT"):
        assert indicator in found, indicator
        assert sorted(found[indicator].evidence["bidders"]) == ring
        assert found[indicator].tender_id == tender_id
    assert found["SIG-DEPOSIT"].evidence["shared"] == [{"kind": "payer_account", "value": "6222020200112233445"}]
    assert found["FC-LOCAL-BRANCH"].evidence["line"] == 3
    assert found["FC-LOCAL-BRANCH"].evidence["quote"] == "1.2 投标人须在本市设立分支机构。"
    # Every submission came from the test's one address: the same address is flagged too, as it should be.
    assert "SIG-ADDRESS" in found
    assert "SIG-CERTIFICATE" not in found and "SIG-MANAGER" in found  # the tests' bid form names one manager


def test_sealed_bids_are_never_read(world: World, tmp_path: Path, platform: Platform) -> None:
    bidding = Bidding(world, tmp_path / "pki")
    tender_id = world.announced_tender()
    bidding.bid("bidder", tender_id)
    snap = build_snapshot(platform.engine, platform.blobs, bid_texts=True)
    assert snap.bids["amount"].to_list() == [None] and snap.bids["status"].to_list() == ["sealed"]
    assert snap.bid_texts.height == 0


def test_bid_texts_cannot_be_read_without_the_blob_store(platform: Platform) -> None:
    with pytest.raises(DomainError) as info:
        build_snapshot(platform.engine, None, bid_texts=True)
    assert info.value.code == "risk_snapshot_blobs_missing" and info.value.message_zh
    assert build_snapshot(platform.engine, None, documents=False).bid_texts.height == 0


def test_sunbid_risk_scan_reads_the_database_the_settings_name(
    opened: tuple[Bidding, str], platform: Platform, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from sunbid.cli.main import app

    env = {
        "SUNBID_DATABASE_URL": platform.settings.database_url,
        "SUNBID_BLOB_DIR": str(platform.settings.blob_dir),
        "SUNBID_LEDGER_KEY_FILE": str(platform.settings.ledger_key_file),
        "SUNBID_TRUST_DIR": str(platform.settings.trust_dir),
    }
    out = tmp_path / "scan"
    result = CliRunner().invoke(
        app, ["risk", "scan", "--out", str(out), "--bid-texts", "--snapshot-dir", str(tmp_path / "arrow")], env=env
    )
    assert result.exit_code == 0, result.output
    flags = pl.read_csv(out / "flags.csv")
    assert {"SIG-DEVICE", "SIG-DEPOSIT", "SIG-SIMILAR-TEXT", "FC-LOCAL-BRANCH"} <= set(flags["indicator"])
    assert (tmp_path / "arrow" / "evidence.arrow").exists()
