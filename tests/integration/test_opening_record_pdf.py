"""The opening record that a real opening concludes with, rendered as a PDF: every bid is in it,
the footer's digest is the ledger's, and the same record gives the same bytes."""

from __future__ import annotations

import io

import pypdf

from sunbid.bootstrap import Platform
from sunbid.disclosure.opening import opening_record_document, yuan
from sunbid.disclosure.pdf import render_pdf
from sunbid.storage import ledger as store
from sunbid.tendering import opening_service as opening
from tests.bidding import Bidding
from tests.factories import World
from tests.integration.test_opening import bidding, opened, world

__all__ = ["bidding", "opened", "world"]  # the fixtures this module borrows


def test_a_concluded_opening_record_renders_with_every_bid_and_the_ledgers_digest(
    bidding: Bidding, world: World, platform: Platform, opened: tuple[str, dict[str, str]]
) -> None:
    tender_id, made = opened
    for who in ("bidder", "bidder2", "bidder3"):
        bidding.decrypt(who, made[who])
    bidding.after_windows(tender_id)
    for custodian in ("supervisor", "agency"):
        bidding.share(custodian, tender_id)
    tender = opening.conclude(world.uow(), world.ctx("agency"), tender_id, platform.identity())
    record, signature = tender.opening_record, tender.opening_record_signature
    assert record is not None and signature is not None

    document = opening_record_document(record, signature=signature, rules=platform.rules)
    pdf = render_pdf(document)
    assert render_pdf(opening_record_document(record, signature=signature, rules=platform.rules)) == pdf

    with platform.engine.connect() as conn:
        entries = [store.entry_json(r) for r in store.entry_rows(conn)]
    concluded = next(e for e in entries if e["name"] == "OpeningConcluded")
    assert document.digest == concluded["data"]["record_sha256"]

    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    text = "".join(pages).replace("\n", "")
    assert record["tender"]["title"] in text
    [section] = record["sections"]
    assert len(section["bids"]) == 4
    for bid in section["bids"]:
        assert bid["bidder"]["name"] in text
        assert yuan(bid["price"]) in text
    assert "已解密（密钥保管人备用解密）" in text
    assert all(document.digest in page.replace("\n", "") for page in pages)
