"""Sealed bids over real HTTP with the bid tool's library: six bidders (gm and intl), a
replacement, a withdrawal, the deadline, four decryptions, one bid opened by the custodians,
and an opening record that verifies against the ledger."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest

from sunbid.api.app import create_app
from sunbid.api.serving import ServerThread
from sunbid.bootstrap import Platform
from sunbid.client.bids import ApiError, BidClient, seal, verify_receipt
from sunbid.crypto import canonicalize, envelope, get_suite, verify_json
from sunbid.crypto.trust import TrustStore
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.errors import DomainError
from sunbid.ledger.keys import load_public
from sunbid.ledger.log import TreeHead, check_inclusion
from sunbid.ledger.merkle import hash_function, leaf_hash
from sunbid.tendering import service as tendering
from tests.bidding import Bidding
from tests.factories import World, make_world

pytestmark = pytest.mark.e2e

BIDDERS = [
    ("bidder", "gm"),
    ("bidder2", "intl"),
    ("bidder3", "gm"),
    ("bidder4", "intl"),
    ("bidder5", "gm"),
    ("bidder6", "intl"),
]


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock)


@pytest.fixture
def server(platform: Platform) -> Iterator[str]:
    with ServerThread(create_app(platform)) as url:
        yield url


@pytest.fixture
def closing() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def test_six_bidders_seal_submit_and_the_opening_record_verifies_against_the_ledger(
    server: str, world: World, platform: Platform, tmp_path: Path, closing: ExitStack
) -> None:
    pki = Bidding(world, tmp_path / "pki")
    for username, _suite in BIDDERS:
        pki.bidder(username)
    tender_id = world.draft_tender()
    pki.set_custodians(tender_id, ["supervisor", "auditor", "agency"], 2)
    tendering.announce_tender(world.uow(), world.ctx("tenderer"), tender_id)
    world.clock.advance(timedelta(days=2))
    section_id = pki.section_of(tender_id)
    clients = {u: closing.enter_context(BidClient(server, world.tokens[u])) for u in world.tokens}
    root = clients["bidder"].platform_root()

    def sealed(username: str, suite: str, price: str) -> Path:
        org = pki.org_of(username)
        who = pki.identity_of(username)
        out = tmp_path / f"{username}-{price}.sbe"
        attachment = tmp_path / f"{username}-technical.txt"
        attachment.write_bytes(f"{username} 技术方案 ".encode() * 20000)  # about 0.4 MB, several chunks
        seal(
            out,
            clients[username].sealing(tender_id),
            tender_id=tender_id,
            section_id=section_id,
            bidder=envelope.Party(org.credit_code, org.name),
            form={"price": price, "duration_days": 500, "project_manager": {"name": f"{username} 项目经理"}},
            files=[
                envelope.BidFile("投标函.pdf", data=f"%PDF 报价 {price}".encode()),
                envelope.BidFile("技术标.txt", part="technical", path=attachment),
            ],
            signing=pki.identity_of(username).signing[suite],
            encryption_certificate=who.encryption[suite].certificate,
            suite=suite,
        )
        return out

    receipts = {}
    for n, (username, suite) in enumerate(BIDDERS):
        path = sealed(username, suite, f"{10_000_000 + n * 100_000}.00")
        answer = clients[username].submit(tender_id, section_id, path, idempotency_key=f"{username}-1")
        again = clients[username].submit(tender_id, section_id, path, idempotency_key=f"{username}-1")
        assert again == answer, "a retried POST with the same key returns the same receipt: one bid, not two"
        receipts[username] = answer
    with pytest.raises(ApiError) as replay:
        clients["bidder"].submit(tender_id, section_id, tmp_path / "bidder-10000000.00.sbe")
    assert replay.value.code == "bid_replayed"

    # before the deadline nobody but each bidder sees a bid
    for who in ("tenderer", "agency", "admin", "supervisor", "bidder2"):
        seen = clients[who].bids(tender_id)
        assert all(b["bidder_org_id"] == world.actors[who].org_id for b in seen)
    # one bidder replaces its bid, one withdraws
    replaced = clients["bidder3"].submit(tender_id, section_id, sealed("bidder3", "gm", "9900000.00"))
    assert [s["status"] for s in replaced["bid"]["submissions"]] == ["replaced", "current"]
    clients["bidder6"].withdraw(receipts["bidder6"]["bid"]["id"])
    # every receipt checks out against the platform's root and a ledger proof
    platform.sign_tree_head()
    for username, answer in receipts.items():
        proof = (
            clients[username]
            .http.get("/ledger/proofs/inclusion", params={"seq": answer["receipt"]["receipt"]["ledger_seq"]})
            .json()
        )
        checked = verify_receipt(answer["receipt"], root, proof)
        assert checked["ledger_seq"] == answer["receipt"]["receipt"]["ledger_seq"]
    # a receipt that is not whole, or a proof of another entry, does not hold
    one, other = receipts["bidder"]["receipt"], receipts["bidder2"]["receipt"]
    other_proof = (
        clients["bidder2"].http.get("/ledger/proofs/inclusion", params={"seq": other["receipt"]["ledger_seq"]}).json()
    )
    for bad, with_proof in (({"receipt": one["receipt"]}, None), (one, other_proof)):
        with pytest.raises(DomainError) as invalid:
            verify_receipt(bad, root, with_proof)
        assert invalid.value.code == "receipt_invalid" and invalid.value.message_zh.startswith("回执无效")

    # the deadline: the scheduler opens the tender
    deadline = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).bid_deadline
    world.clock.set(deadline)
    admin = closing.enter_context(
        httpx2.Client(base_url=f"{server}/api/v1", headers={"Authorization": f"Bearer {world.tokens['admin']}"})
    )
    assert admin.post("/admin/scheduler/run").status_code == 200
    view = clients["tenderer"].opening(tender_id)
    assert (view["status"], view["phase"], view["sections"][0]["bids_at_deadline"]) == ("opening", "decryption", 5)

    # four of the five decrypt; bidder5 cannot (its key is lost)
    keys = {u: {s: kp.key for s, kp in pki.identity_of(u).encryption.items()} for u, _s in BIDDERS}
    for username in ("bidder", "bidder2", "bidder3", "bidder4"):
        answer = clients[username].decrypt(receipts[username]["bid"]["id"], keys[username])
        assert answer["status"] == "decrypted"
    with pytest.raises(DomainError) as wrong:  # another key does not unwrap it, here on the bidder's machine
        clients["bidder5"].decrypt(receipts["bidder5"]["bid"]["id"], keys["bidder"])
    assert wrong.value.code == "key_unwrap_failed"
    # the window closes; two custodians of three open bidder5's bid
    world.clock.set(deadline + timedelta(minutes=60))
    admin.post("/admin/scheduler/run")
    assert clients["supervisor"].opening(tender_id)["phase"] == "custodians"
    custodian_keys = {n: {s: kp.key for s, kp in pki.custodian_keys[n].items()} for n in pki.custodian_keys}
    [first] = clients["supervisor"].custodian_open(tender_id, custodian_keys["supervisor"])
    assert first["status"] == "sealed"
    [second] = clients["agency"].custodian_open(tender_id, custodian_keys["agency"])
    assert (second["status"], second["opened_by"]) == ("decrypted", "custodians")

    # the opening concludes; the record is public, signed and in the ledger
    objection = httpx2.post(
        f"{server}/api/v1/tenders/{tender_id}/opening/objections",
        json={"text": "请复核第三名的报价"},
        headers={"Authorization": f"Bearer {world.tokens['bidder2']}"},
    ).json()
    clients["agency"].http.post(
        f"/tenders/{tender_id}/opening/objections/{objection['id']}/answer", json={"text": "已复核"}
    )
    concluded = clients["agency"]._json(clients["agency"].http.post(f"/tenders/{tender_id}/opening/conclude"))
    assert concluded["status"] == "opened"
    public = httpx2.get(f"{server}/api/v1/tenders/{tender_id}/opening").json()
    record, signature = public["record"], public["record_signature"]
    verify_json(record, signature, TrustStore([root]), world.clock.now())
    prices = sorted(b["price"] for b in record["sections"][0]["bids"])
    assert prices == ["10000000.00", "10100000.00", "10300000.00", "10400000.00", "9900000.00"]
    assert {b["opened_by"] for b in record["sections"][0]["bids"]} == {"bidder", "custodians"}
    platform.sign_tree_head()
    head = TreeHead.from_json(httpx2.get(f"{server}/api/v1/ledger/tree-head").json())
    entries = [
        json.loads(e["body"])
        for e in httpx2.get(f"{server}/api/v1/ledger/entries", params={"limit": 1000}).json()["items"]
        if e["body"]
    ]
    concluded_entry = next(e for e in entries if e["name"] == "OpeningConcluded")
    assert concluded_entry["data"]["record_sha256"] == hashlib.sha256(canonicalize(record)).hexdigest()
    proof = httpx2.get(
        f"{server}/api/v1/ledger/proofs/inclusion", params={"seq": concluded_entry["seq"], "tree_size": head.size}
    ).json()
    check_inclusion(proof, load_public, leaf_data=canonicalize(concluded_entry))
    # every disclosed statement hashes to the digest its (non-public) ledger entry carries
    leaves = {
        e["seq"]: bytes.fromhex(e["leaf_hash"])
        for e in httpx2.get(f"{server}/api/v1/ledger/entries", params={"limit": 1000}).json()["items"]
    }
    kinds = sorted(d["kind"] for d in record["disclosed_statements"])
    assert kinds == ["submission"] * 7 + ["withdrawal"]  # six bids, one replacement; one withdrawal
    for disclosed in record["disclosed_statements"]:
        suite = get_suite("gm" if disclosed["digest_alg"] == "sm3" else "intl")
        assert suite.hash(canonicalize(disclosed["statement"])).hex() == disclosed["digest"]
        assert disclosed["ledger_seq"] in leaves
    h = hash_function(head.hash_alg)
    receipt = receipts["bidder"]["receipt"]["receipt"]
    assert leaf_hash(h, receipt["ledger_entry"].encode()) == leaves[receipt["ledger_seq"]]
