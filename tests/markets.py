"""Tenders opened through the real use cases for the supervision tests: a ring of bidders that
share a device and a deposit account, and clean tenders whose bidders share nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sunbid.crypto import envelope
from sunbid.kernel.context import SYSTEM, Context
from sunbid.tendering import bid_service as bids
from sunbid.tendering import opening_service as opening
from sunbid.tendering import service as tendering
from tests.bidding import Bidding

CLEAN_DOCUMENT = (
    "第二章 投标人须知\n1.1 投标人须具有独立法人资格。\n1.2 投标人须具有建筑工程施工总承包二级及以上资质。\n"
)
LOCAL_BRANCH_DOCUMENT = CLEAN_DOCUMENT + "1.3 投标人须在本市设立分支机构。\n"
RING = ("ring1", "ring2")
PRICES = {"ring1": "10500000.00", "ring2": "10730000.00", "honest": "10990000.00"}
CLEAN = {"clean1": "10610000.00", "clean2": "11270000.00", "clean3": "10880000.00"}


@dataclass
class Opened:
    tender_id: str
    section_id: str
    bids: dict[str, str] = field(default_factory=dict)  # username -> bid id


def system(bidding: Bidding) -> Context:
    w = bidding.world
    return Context(actor=SYSTEM, clock=w.clock, rules=w.platform.rules)


def _transfer(bidding: Bidding, who: str, account: str) -> bids.TransferIn:
    org = bidding.org_of(who)
    now = bidding.world.clock.now()
    return bids.TransferIn(
        org.credit_code, Decimal("120000.00"), org.name, account, "中国银行南京分行", f"TX-{who}-{now.timestamp()}", now
    )


def opened_tender(
    bidding: Bidding,
    prices: dict[str, str],
    *,
    devices: dict[str, str] | None = None,
    accounts: dict[str, str] | None = None,
    document: str = CLEAN_DOCUMENT,
    conclude: bool = True,
    **tender: Any,
) -> Opened:
    """A tender whose bids were sealed, paid for, submitted from each bidder's own address,
    decrypted and whose opening is concluded. ``devices`` and ``accounts`` override a bidder's
    own network card and deposit account (to make a ring share them)."""
    w = bidding.world
    for who in prices:
        bidding.bidder(who)
    tender_id = w.draft_tender(with_document=False, **tender)
    w.add_document(tender_id, document.encode("utf-8"))
    tendering.announce_tender(w.uow(), w.ctx("tenderer"), tender_id)
    w.clock.advance(timedelta(days=1))
    section = bidding.section_of(tender_id)
    made = Opened(tender_id, section)
    for n, (who, price) in enumerate(prices.items(), start=1):
        device = {"mac": (devices or {}).get(who, f"02:00:00:00:{n:02x}:{len(who):02x}-{who}"), "hostname": f"pc-{who}"}
        form = {"price": price, "duration_days": 540, "quality": "合格", "project_manager": {"name": f"{who}项目经理"},
                "contact": f"{who}联系人"}  # fmt: skip
        files = [envelope.BidFile("投标函.pdf", data=f"%PDF-1.7 {who} 投标报价 {price} 元".encode(), author=who)]
        data = bidding.seal(who, tender_id, price=price, files=files, form=form,
                            client={"tool": "tests", "device": device})  # fmt: skip
        received = bidding.received(data)
        address = f"10.1.{n}.{len(who)}"
        bid, _ = bids.submit_bid(
            w.platform.uow(),
            w.ctx(who),
            tender_id,
            section,
            bids.ReceivedEnvelope(received.blob, received.scanned, address),
            check=w.platform.signature_check(),
            signer=w.platform.identity(),
        )
        made.bids[who] = bid.id
        account = (accounts or {}).get(who, f"6222-{who}-{tender_id[-6:]}")
        bids.record_transfer(w.uow(), w.ctx("admin"), tender_id, section, _transfer(bidding, who, account))
    bidding.deadline(tender_id)
    for who, bid_id in made.bids.items():
        bidding.decrypt(who, bid_id)
    if conclude:
        opening.conclude(w.uow(), w.ctx("tenderer"), tender_id, w.platform.identity())
    return made


def ring_tender(bidding: Bidding, **kwargs: Any) -> Opened:
    """Three bids; ``ring1`` and ``ring2`` were made on one device and paid from one account."""
    return opened_tender(
        bidding,
        PRICES,
        devices=dict.fromkeys(RING, "3c:7c:3f:aa:01:02"),
        accounts=dict.fromkeys(RING, "6222020200112233445"),
        **kwargs,
    )


def clean_tender(bidding: Bidding, **kwargs: Any) -> Opened:
    return opened_tender(bidding, CLEAN, **kwargs)
