"""Access-matrix rows for sealed bids, deposits and the opening (see test_access_matrix.py)."""

from __future__ import annotations

import base64
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from sunbid.crypto import envelope, sign_json
from sunbid.tendering import bid_service as bids
from sunbid.tendering import service as tendering
from tests.bidding import Bidding
from tests.factories import World


def helper(w: World) -> Bidding:
    """One PKI and one extra bidder per world, made on first use."""
    made: Bidding | None = getattr(w, "_bidding", None)
    if made is None:
        made = Bidding(w, Path(tempfile.mkdtemp(prefix="sunbid-matrix-")))
        made.bidder("bidder3")
        object.__setattr__(w, "_bidding", made)
    return made


def announced(w: World, _r: str) -> dict[str, str]:
    tender_id = w.announced_tender()
    return {"tender_id": tender_id, "section_id": helper(w).section_of(tender_id)}


def sealed_for_bidder(w: World, _r: str, params: dict[str, str]) -> bytes:
    return helper(w).seal("bidder", params["tender_id"])


def with_bid(w: World, _r: str) -> dict[str, str]:
    ids = announced(w, _r)
    bid, submission = helper(w).submit("bidder", ids["tender_id"], helper(w).seal("bidder", ids["tender_id"]))
    return ids | {"bid_id": bid.id, "submission_id": submission.id}


def _three_bids(w: World, *, custodians: bool = False) -> dict[str, str]:
    b = helper(w)
    tender_id = w.draft_tender()
    if custodians:
        b.set_custodians(tender_id, ["supervisor", "auditor"], 2, suites=("gm",))
    tendering.announce_tender(w.uow(), w.ctx("tenderer"), tender_id)
    w.clock.advance(timedelta(days=1))
    made = {who: b.bid(who, tender_id).id for who in ("bidder", "bidder2", "bidder3")}
    bids.record_transfer(w.uow(), w.ctx("admin"), tender_id, b.section_of(tender_id), _transfer(b, "bidder"))
    b.deadline(tender_id)
    return {"tender_id": tender_id, "section_id": b.section_of(tender_id), "bid_id": made["bidder"]} | {
        f"bid_{k}": v for k, v in made.items()
    }


def at_opening(w: World, _r: str) -> dict[str, str]:
    return _three_bids(w)


def content_key(w: World, _r: str, params: dict[str, str]) -> dict[str, str]:
    bid, _tender = bids.get_bid(w.uow(), w.ctx("bidder"), params["bid_id"])
    assert bid.current is not None
    header = envelope.parse_header(bid.current.header.encode())
    key = envelope.unwrap_content_key(header, helper(w).identity_of("bidder").encryption["gm"].key)
    return {"content_key": base64.b64encode(key).decode()}


def at_custodians(w: World, _r: str) -> dict[str, str]:
    ids = _three_bids(w, custodians=True)
    b = helper(w)
    for who in ("bidder2", "bidder3"):
        b.decrypt(who, ids[f"bid_{who}"])
    b.after_windows(ids["tender_id"])
    return ids


def share(w: World, role: str, params: dict[str, str]) -> dict[str, str]:
    if role not in ("supervisor", "auditor"):
        return {"share": base64.b64encode(bytes(16)).decode()}
    bid, _tender = bids.get_bid(w.uow(), w.ctx("supervisor"), params["bid_id"])
    assert bid.current is not None
    header = envelope.parse_header(bid.current.header.encode())
    index = 1 if role == "supervisor" else 2
    key = helper(w).custodian_keys[role]["gm"].key
    return {"share": base64.b64encode(envelope.unwrap_share(header, index, key)).decode()}


def at_results(w: World, _r: str) -> dict[str, str]:
    ids = _three_bids(w)
    for who in ("bidder", "bidder2", "bidder3"):
        helper(w).decrypt(who, ids[f"bid_{who}"])
    return ids


def with_opening_objection(w: World, r: str) -> dict[str, str]:
    from sunbid.tendering import opening_service as opening

    ids = at_results(w, r)
    objection = opening.raise_objection(w.uow(), w.ctx("bidder"), ids["tender_id"], "报价宣读有误")
    return ids | {"objection_id": objection.id}


def failed(w: World, _r: str) -> dict[str, str]:
    tender_id = w.announced_tender()
    helper(w).deadline(tender_id)
    return {"tender_id": tender_id}


def _transfer(b: Bidding, who: str) -> bids.TransferIn:
    from decimal import Decimal

    org = b.org_of(who)
    return bids.TransferIn(
        org.credit_code,
        Decimal("1000.00"),
        org.name,
        f"6222-{who}",
        "中国银行",
        f"TX-{secrets.token_hex(6)}",
        b.world.clock.now(),
    )


def transfer_body(w: World, _r: str) -> dict[str, Any]:
    org = helper(w).org_of("bidder")
    return {
        "bidder_credit_code": org.credit_code,
        "amount": "1000.00",
        "payer_account_name": org.name,
        "payer_account_number": "6222-0001",
        "payer_bank": "中国银行南京分行",
        "reference": f"TX-{secrets.token_hex(6)}",
        "paid_at": w.clock.now().isoformat(),
    }


def guarantee_body(w: World, _r: str, params: dict[str, str]) -> dict[str, Any]:
    b = helper(w)
    issuer_user = b.bidder("guarantor")
    tender = tendering.get_tender(w.uow(), w.ctx("tenderer"), params["tender_id"])
    issuer, applicant, beneficiary = b.org_of(issuer_user), b.org_of("bidder"), b.org("T")
    document = {
        "format": "sunbid-guarantee/1",
        "number": f"BH-{secrets.token_hex(6)}",
        "issuer": {"name": issuer.name, "credit_code": issuer.credit_code},
        "applicant": {"name": applicant.name, "credit_code": applicant.credit_code},
        "beneficiary": {"name": beneficiary.name, "credit_code": beneficiary.credit_code},
        "tender_id": tender.id,
        "section_id": tender.sections[0].id,
        "amount": str(tender.sections[0].bid_deposit),
        "valid_from": w.clock.now().isoformat(),
        "valid_until": (tender.bid_deadline + timedelta(days=tender.bid_validity_days + 1)).isoformat(),
    }
    pair = b.identity_of(issuer_user).signing["gm"]
    return {"document": document, "signature": sign_json(document, pair.key, pair.certificate, signed_at=w.clock.now())}


def refundable_deposit(w: World, r: str) -> dict[str, str]:
    ids = with_bid(w, r)
    deposit = bids.record_transfer(
        w.uow(), w.ctx("admin"), ids["tender_id"], ids["section_id"], _transfer(helper(w), "bidder")
    )
    bids.withdraw_bid(w.uow(), w.ctx("bidder"), ids["bid_id"])
    return ids | {"deposit_id": deposit.id}


def revoked_deposit(w: World, r: str) -> dict[str, str]:
    ids = _three_bids(w)
    b = helper(w)
    for who in ("bidder2", "bidder3"):
        b.decrypt(who, ids[f"bid_{who}"])
    b.after_windows(ids["tender_id"])
    [deposit] = bids.visible_deposits(w.uow(), w.ctx("bidder"), ids["tender_id"])
    del r
    return ids | {"deposit_id": deposit.id}


def org(w: World, _r: str) -> dict[str, str]:
    return {"org_id": w.orgs["B"]}


def relation_body(w: World, _r: str) -> dict[str, Any]:
    helper(w)
    return {"child_org_id": w.orgs["B2"], "kind": "controls", "source": "国家企业信用信息公示系统"}
