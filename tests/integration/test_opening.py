"""The online opening on the real databases: too few bids, decryption, custodians, failures,
invalid bids, objections and the signed record."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from sunbid.bootstrap import Platform
from sunbid.crypto import canonicalize, envelope, verify_json
from sunbid.crypto.trust import TrustStore
from sunbid.identity import service as identity
from sunbid.identity.model import RelationKind
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.errors import DomainError
from sunbid.storage import ledger as store
from sunbid.tendering import bid_service as bids
from sunbid.tendering import opening_service as opening
from sunbid.tendering import service as tendering
from sunbid.tendering.bid_model import BidStatus, DepositStatus, OpenedBy, OpeningPhase
from sunbid.tendering.model import TenderStatus
from tests.bidding import Bidding
from tests.factories import World, make_world
from tests.integration.snapshot import refused
from tests.integration.test_bids import transfer


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock, tokens=False)


@pytest.fixture
def bidding(world: World, tmp_path: Path) -> Bidding:
    b = Bidding(world, tmp_path / "pki")
    for name in ("bidder3", "bidder4"):
        b.bidder(name)
    return b


def tender_of(world: World, tender_id: str) -> object:
    return tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)


# ---------------------------------------------------------------------------- too few bids
def test_with_fewer_than_three_bids_the_section_is_not_opened_and_the_tender_is_tendered_again(
    bidding: Bidding, world: World
) -> None:
    tender_id = world.announced_tender()
    for who in ("bidder", "bidder2"):
        bidding.bid(who, tender_id)
    bids.record_transfer(
        world.uow(), world.ctx("admin"), tender_id, bidding.section_of(tender_id), transfer(bidding, "bidder")
    )
    bidding.deadline(tender_id)
    tender = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)
    assert tender.status is TenderStatus.FAILED
    assert (tender.sections[0].bids_at_deadline, tender.sections[0].failed) == (2, True)
    assert "第二十八条" in (tender.end_reason or "")
    [deposit] = bids.visible_deposits(world.uow(), world.ctx("bidder"), tender_id)
    assert (deposit.status, deposit.refund_reason) == (DepositStatus.REFUND_DUE, "section_failed")
    with pytest.raises(DomainError) as info:
        bidding.decrypt("bidder", bids.visible_bids(world.uow(), world.ctx("bidder"), tender_id)[0].id)
    assert info.value.code == "transition_not_allowed"
    again = opening.retender(world.uow(), world.ctx("tenderer"), tender_id)
    assert (again.status, again.retender_of, len(again.sections)) == ("draft", tender_id, 1)
    assert [d.sha256 for d in again.documents] == [d.sha256 for d in tender.current_documents()]
    assert bidding.run_due() == [], "the scheduler has nothing more to do"


# ---------------------------------------------------------------------------- decryption
@pytest.fixture
def opened(bidding: Bidding, world: World) -> tuple[str, dict[str, str]]:
    """Four bids (two gm, two intl), custodians 2 of 3; the deadline has passed."""
    tender_id = world.draft_tender()
    bidding.set_custodians(tender_id, ["supervisor", "auditor", "agency"], 2)
    tendering.announce_tender(world.uow(), world.ctx("tenderer"), tender_id)
    world.clock.advance(timedelta(days=1))
    made = {}
    for who, suite, price in (
        ("bidder", "gm", "11000000.00"),
        ("bidder2", "intl", "11200000.00"),
        ("bidder3", "gm", "10900000.00"),
        ("bidder4", "intl", "11300000.00"),
    ):
        made[who] = bidding.bid(who, tender_id, suite=suite, price=price).id
    bidding.deadline(tender_id)
    return tender_id, made


def test_at_the_deadline_the_opening_starts_and_bidders_decrypt_their_own_bids(
    bidding: Bidding, world: World, opened: tuple[str, dict[str, str]]
) -> None:
    tender_id, made = opened
    tender = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)
    assert tender.status is TenderStatus.OPENING
    assert tender.decrypt_until == tender.bid_deadline + timedelta(minutes=60)
    bid = bidding.decrypt("bidder2", made["bidder2"])
    assert (bid.status, bid.opened_by, bid.form["price"]) == (BidStatus.DECRYPTED, OpenedBy.BIDDER, "11200000.00")
    assert bid.files and bid.files[0]["author"] == "bidder2"
    view = opening.view(world.uow(), world.ctx("bidder"), tender_id)
    assert view["phase"] == OpeningPhase.DECRYPTION
    assert {b["bidder"]: b["price"] for b in view["bids"] if b["price"]} == {
        bidding.org_of("bidder2").name: "11200000.00"
    }


def test_a_wrong_key_is_refused_and_may_be_retried_within_the_window(
    bidding: Bidding, world: World, opened: tuple[str, dict[str, str]]
) -> None:
    tender_id, made = opened
    from sunbid.crypto import get_suite

    with pytest.raises(DomainError) as info:
        opening.decrypt_bid(world.uow(), world.ctx("bidder"), made["bidder"], get_suite("gm").new_content_key())
    assert info.value.code == "decryption_failed"
    bid = bidding.decrypt("bidder", made["bidder"])
    assert (bid.status, bid.decryption_attempts) == (BidStatus.DECRYPTED, 2)
    with pytest.raises(DomainError) as info:
        opening.decrypt_bid(world.uow(), world.ctx("bidder"), made["bidder"], b"short")
    assert info.value.code == "bid_already_resolved"
    del tender_id


def test_only_the_bidder_decrypts_its_bid(bidding: Bidding, world: World, opened: tuple[str, dict[str, str]]) -> None:
    tender_id, made = opened
    from sunbid.crypto import get_suite

    for who in ("bidder2", "tenderer"):
        with pytest.raises(DomainError) as info:
            opening.decrypt_bid(world.uow(), world.ctx(who), made["bidder"], get_suite("gm").new_content_key())
        assert info.value.code in ("not_the_bidder", "bid_not_found")
    del tender_id


def test_custodians_open_with_k_shares_what_its_bidder_did_not_and_k_minus_one_cannot(
    bidding: Bidding, world: World, opened: tuple[str, dict[str, str]]
) -> None:
    tender_id, made = opened
    for who in ("bidder", "bidder2", "bidder3"):
        bidding.decrypt(who, made[who])
    with pytest.raises(DomainError) as info:
        bidding.share("supervisor", tender_id) or opening.submit_share(
            world.uow(), world.ctx("supervisor"), made["bidder4"], b"x" * 32
        )
    assert info.value.code == "custodians_not_called", "custodians act only after the bidders' window"
    bidding.after_windows(tender_id)
    tender = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)
    assert tender.custodian_until == tender.decrypt_until + timedelta(minutes=60)
    [one] = bidding.share("supervisor", tender_id)
    assert one.status is BidStatus.SEALED, "one share of two opens nothing"
    with pytest.raises(DomainError) as info:
        opening.submit_share(world.uow(), world.ctx("expert"), made["bidder4"], b"x" * 32)
    assert info.value.code == "forbidden"
    with pytest.raises(DomainError) as info:
        opening.submit_share(world.uow(), world.ctx("auditor"), made["bidder4"], b"x" * 32)
    assert info.value.code == "share_invalid"
    [two] = bidding.share("auditor", tender_id)
    assert (two.status, two.opened_by, two.form["price"]) == (BidStatus.DECRYPTED, OpenedBy.CUSTODIANS, "11300000.00")
    assert opening.view(world.uow(), world.ctx("tenderer"), tender_id)["phase"] == OpeningPhase.RESULTS


def test_a_bid_nobody_decrypts_is_revoked_and_its_deposit_may_be_kept(
    bidding: Bidding, platform: Platform, world: World
) -> None:
    tender_id = world.announced_tender()
    world.clock.advance(timedelta(days=1))
    made = {who: bidding.bid(who, tender_id).id for who in ("bidder", "bidder2", "bidder3")}
    section = bidding.section_of(tender_id)
    bids.record_transfer(world.uow(), world.ctx("admin"), tender_id, section, transfer(bidding, "bidder3"))
    bidding.deadline(tender_id)
    for who in ("bidder", "bidder2"):
        bidding.decrypt(who, made[who])
    bidding.after_windows(tender_id)
    [bid] = [b for b in bids.visible_bids(world.uow(), world.ctx("tenderer"), tender_id) if b.id == made["bidder3"]]
    assert (bid.status, bid.failure) == (BidStatus.REVOKED, "not_decrypted_by_bidder")
    [deposit] = bids.visible_deposits(world.uow(), world.ctx("bidder3"), tender_id)
    assert (deposit.status, deposit.refund_reason) == (DepositStatus.REFUND_DUE, "revoked")
    refused(platform, "forbidden", lambda: bids.retain_deposit(world.uow(), world.ctx("bidder"), deposit.id, "x"))
    kept = bids.retain_deposit(world.uow(), world.ctx("tenderer"), deposit.id, "投标人未在规定时间内解密")
    assert kept.status is DepositStatus.RETAINED


def test_a_tenderer_who_does_not_decide_in_time_must_refund_and_an_overdue_refund_is_flagged(
    bidding: Bidding, platform: Platform, world: World
) -> None:
    tender_id = world.announced_tender()
    world.clock.advance(timedelta(days=1))
    made = {who: bidding.bid(who, tender_id).id for who in ("bidder", "bidder2", "bidder3")}
    bids.record_transfer(
        world.uow(), world.ctx("admin"), tender_id, bidding.section_of(tender_id), transfer(bidding, "bidder3")
    )
    bidding.deadline(tender_id)
    for who in ("bidder", "bidder2"):
        bidding.decrypt(who, made[who])
    bidding.after_windows(tender_id)
    [deposit] = bids.visible_deposits(world.uow(), world.ctx("bidder3"), tender_id)
    world.clock.advance(timedelta(days=5))
    refused(
        platform,
        "retain_decision_too_late",
        lambda: bids.retain_deposit(world.uow(), world.ctx("tenderer"), deposit.id, "x"),
    )
    world.clock.advance(timedelta(seconds=1))
    assert ("flag_overdue_refund", deposit.id) in bidding.run_due()
    assert ("flag_overdue_refund", deposit.id) not in bidding.run_due(), "flagged once"
    refunded = bids.record_refund(world.uow(), world.ctx("admin"), deposit.id, "RF-2026-1")
    assert refunded.status is DepositStatus.REFUNDED


def test_a_bid_whose_stored_copy_was_damaged_counts_as_withdrawn_not_revoked(
    bidding: Bidding, world: World, platform: Platform
) -> None:
    tender_id = world.announced_tender()
    world.clock.advance(timedelta(days=1))
    made = {who: bidding.bid(who, tender_id) for who in ("bidder", "bidder2", "bidder3")}
    bidding.deadline(tender_id)
    current = made["bidder"].current
    assert current is not None
    path = platform.blobs._path(current.blob_sha256)
    data = bytearray(path.read_bytes())
    data[len(envelope.MAGIC) + 4 + len(current.header.encode()) + 40] ^= 1  # the disk's fault, not the bidder's
    path.write_bytes(bytes(data))
    bid = bidding.decrypt("bidder", made["bidder"].id)
    assert (bid.status, bid.failure) == (BidStatus.DEEMED_WITHDRAWN, "storage_damaged")


# ---------------------------------------------------------------------------- invalid bids, objections, the record
def test_statute_makes_overlapping_and_related_bids_invalid_at_the_opening(
    bidding: Bidding, world: World, platform: Platform
) -> None:
    tender_id = world.announced_tender(consortium_accepted=True)
    world.clock.advance(timedelta(days=1))
    a, b = bidding.org_of("bidder"), bidding.org_of("bidder2")
    joint = [envelope.Member(a.credit_code, a.name, "50"), envelope.Member(b.credit_code, b.name, "50")]
    agreement = [
        envelope.BidFile("投标函.pdf", data=b"%PDF price"),
        envelope.BidFile("联合体协议书.pdf", part="consortium_agreement", data=b"%PDF joint bid agreement"),
    ]
    made = {"bidder": bidding.bid("bidder", tender_id, consortium=joint, files=agreement).id}
    made["bidder2"] = bidding.bid("bidder2", tender_id).id  # also bids alone: 条例 第三十七条
    bidding.bidder("bidder5", legal_representative="王 五")
    bidding.bidder("bidder6", legal_representative="王五")
    made["bidder5"] = bidding.bid("bidder5", tender_id).id
    made["bidder6"] = bidding.bid("bidder6", tender_id).id  # same legal representative: 第三十四条
    made["bidder3"] = bidding.bid("bidder3", tender_id).id
    made["bidder4"] = bidding.bid("bidder4", tender_id).id
    three, four = bidding.org_of("bidder3").id, bidding.org_of("bidder4").id

    def relate(parent: str, child: str, source: str) -> object:
        return identity.add_relation(world.uow(), world.ctx("supervisor"), parent, child, RelationKind.CONTROLS, source)

    refused(platform, "relation_to_itself", lambda: relate(three, three, "国家企业信用信息公示系统"))
    refused(platform, "relation_source_required", lambda: relate(three, four, " "))
    relate(three, four, "国家企业信用信息公示系统")
    bidding.deadline(tender_id)
    for who, bid_id in made.items():
        bidding.decrypt(who, bid_id)
    grounds = {
        b.id: [g["code"] for g in b.invalid_grounds]
        for b in bids.visible_bids(world.uow(), world.ctx("tenderer"), tender_id)
    }
    assert grounds[made["bidder"]] == ["member_in_two_bids"]
    assert grounds[made["bidder2"]] == ["member_in_two_bids"]
    assert grounds[made["bidder5"]] == grounds[made["bidder6"]] == ["same_legal_representative"]
    assert grounds[made["bidder3"]] == grounds[made["bidder4"]] == ["control_relationship"]


def test_the_opening_concludes_only_with_every_objection_answered_and_publishes_a_signed_record(
    bidding: Bidding, world: World, platform: Platform, opened: tuple[str, dict[str, str]]
) -> None:
    tender_id, made = opened
    for who in ("bidder", "bidder2", "bidder3"):
        bidding.decrypt(who, made[who])
    refused(
        platform,
        "opening_not_finished",
        lambda: opening.conclude(world.uow(), world.ctx("tenderer"), tender_id, platform.identity()),
    )
    bidding.after_windows(tender_id)
    for custodian in ("supervisor", "agency"):
        bidding.share(custodian, tender_id)
    objection = opening.raise_objection(world.uow(), world.ctx("bidder3"), tender_id, "第二名报价宣读有误")
    refused(platform, "forbidden", lambda: opening.raise_objection(world.uow(), world.ctx("tenderer"), tender_id, "x"))
    refused(
        platform,
        "opening_objection_unanswered",
        lambda: opening.conclude(world.uow(), world.ctx("tenderer"), tender_id, platform.identity()),
    )
    opening.answer_objection(world.uow(), world.ctx("agency"), tender_id, objection.id, "经核对，报价宣读无误")
    tender = opening.conclude(world.uow(), world.ctx("agency"), tender_id, platform.identity())
    assert tender.status is TenderStatus.OPENED
    record, signature = tender.opening_record, tender.opening_record_signature
    assert record is not None and signature is not None
    verify_json(record, signature, TrustStore([platform.identity().root]), world.clock.now())
    [section] = record["sections"]
    assert sorted(b["price"] for b in section["bids"]) == ["10900000.00", "11000000.00", "11200000.00", "11300000.00"]
    assert {b["opened_by"] for b in section["bids"]} == {"bidder", "custodians"}
    assert record["objections"][0]["answer"] == "经核对，报价宣读无误"
    # the record's digest is in the ledger, and every disclosed statement matches its ledger entry
    with platform.engine.connect() as conn:
        entries = [store.entry_json(r) for r in store.entry_rows(conn)]
    concluded = next(e for e in entries if e["name"] == "OpeningConcluded")
    assert concluded["data"]["record_sha256"] == hashlib.sha256(canonicalize(record)).hexdigest()
    from sunbid.crypto import get_suite

    assert len(record["disclosed_statements"]) == 4
    for disclosed in record["disclosed_statements"]:
        entry = entries[disclosed["ledger_seq"]]
        suite = get_suite("gm" if disclosed["digest_alg"] == "sm3" else "intl")
        assert entry["data"]["statement_digest"] == suite.hash(canonicalize(disclosed["statement"])).hex()
    # now the public sees the record
    public = opening.view(world.uow(), world.ctx("admin"), tender_id)
    assert public["record"] == record


def test_supervisors_read_each_submissions_evidence_after_the_deadline(
    bidding: Bidding, world: World, opened: tuple[str, dict[str, str]]
) -> None:
    tender_id, made = opened
    with pytest.raises(DomainError):
        bids.evidence(world.uow(), world.ctx("tenderer"), tender_id)
    bidding.decrypt("bidder", made["bidder"])
    rows = {r["bid_id"]: r for r in bids.evidence(world.uow(), world.ctx("supervisor"), tender_id)}
    row = rows[made["bidder"]]
    assert row["address"] == "10.0.0.9"
    assert row["client"]["device"] == {"mac": "mac-bidder", "hostname": "pc-bidder"}
    assert row["files"][0]["author"] == "bidder"
    assert row["project_manager"] == {"name": "张工"}
    assert len(row["signer_certificate_sha256"]) == 64 and len(row["encryption_certificate_sha256"]) == 64
    assert rows[made["bidder2"]]["files"] == [], "a bid not yet decrypted shows no file metadata"


def test_a_consortium_bid_without_its_joint_bid_agreement_is_invalid(
    bidding: Bidding, world: World, platform: Platform
) -> None:
    tender_id = world.announced_tender(consortium_accepted=True)
    world.clock.advance(timedelta(days=1))
    a, b = bidding.org_of("bidder"), bidding.org_of("bidder2")
    joint = [envelope.Member(a.credit_code, a.name, "70"), envelope.Member(b.credit_code, b.name, "30")]
    made = {"bidder": bidding.bid("bidder", tender_id, consortium=joint).id}
    for who in ("bidder3", "bidder4"):
        made[who] = bidding.bid(who, tender_id).id
    bidding.deadline(tender_id)
    for who, bid_id in made.items():
        bidding.decrypt(who, bid_id)
    grounds = {
        b.id: [g["code"] for g in b.invalid_grounds]
        for b in bids.visible_bids(world.uow(), world.ctx("tenderer"), tender_id)
    }
    assert grounds == {made["bidder"]: ["consortium_agreement_missing"], made["bidder3"]: [], made["bidder4"]: []}
    del platform


# ---------------------------------------------------------------------------- more refusals, each beside what is allowed
def test_a_key_of_the_wrong_length_is_refused_without_counting_as_an_attempt(
    bidding: Bidding, platform: Platform, world: World, opened: tuple[str, dict[str, str]]
) -> None:
    _tender_id, made = opened
    refused(
        platform,
        "content_key_invalid",
        lambda: opening.decrypt_bid(world.uow(), world.ctx("bidder2"), made["bidder2"], b"k" * 16),  # intl: 32 bytes
    )
    bid = bidding.decrypt("bidder2", made["bidder2"])
    assert (bid.status, bid.decryption_attempts) == (BidStatus.DECRYPTED, 1)


def test_a_bidder_cannot_decrypt_after_its_window_nor_a_custodian_send_a_share_twice(
    bidding: Bidding, platform: Platform, world: World, opened: tuple[str, dict[str, str]]
) -> None:
    tender_id, made = opened
    for who in ("bidder", "bidder2", "bidder3"):
        bidding.decrypt(who, made[who])
    bidding.after_windows(tender_id)
    error = refused(platform, "opening_window_closed", lambda: bidding.decrypt("bidder4", made["bidder4"]))
    assert error.details["phase"] == OpeningPhase.CUSTODIANS
    [task] = opening.custodian_tasks(world.uow(), world.ctx("supervisor"), tender_id)
    header = envelope.parse_header(task["header"].encode())
    share = envelope.unwrap_share(header, task["index"], bidding.custodian_keys["supervisor"][header.suite.name].key)
    assert opening.submit_share(world.uow(), world.ctx("supervisor"), made["bidder4"], share).status is BidStatus.SEALED
    refused(
        platform,
        "share_already_submitted",
        lambda: opening.submit_share(world.uow(), world.ctx("supervisor"), made["bidder4"], share),
    )


def test_only_failed_sections_are_tendered_again_and_a_failed_section_is_not_decrypted(
    bidding: Bidding, platform: Platform, world: World
) -> None:
    from dataclasses import replace

    from sunbid.demo.seed import tender_fields

    first = tender_fields("x", world.clock.now()).sections[0]
    two = (first, replace(first, name="第二标段", scope="室外配套工程"))
    tender_id = world.announced_tender(sections=two)
    world.clock.advance(timedelta(days=1))
    tender = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)
    one, other = (s.id for s in tender.sections)

    def bid(who: str, section_id: str) -> str:
        return bidding.submit(who, tender_id, bidding.seal(who, tender_id, section_id=section_id), section_id)[0].id

    made = {who: bid(who, one) for who in ("bidder", "bidder2", "bidder3")}
    lonely = bid("bidder4", other)
    refused(platform, "nothing_to_retender", lambda: opening.retender(world.uow(), world.ctx("tenderer"), tender_id))
    bidding.deadline(tender_id)
    assert [s.failed for s in tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).sections] == [
        False,
        True,
    ]
    refused(platform, "section_not_opened", lambda: bidding.decrypt("bidder4", lonely))
    assert bidding.decrypt("bidder", made["bidder"]).status is BidStatus.DECRYPTED
    again = opening.retender(world.uow(), world.ctx("tenderer"), tender_id)
    assert [s.name for s in again.sections] == ["第二标段"]


def test_a_bid_that_decrypts_to_a_broken_manifest_is_revoked_and_the_others_go_on(
    bidding: Bidding, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key is right but the bidder's tool sealed files of other sizes than its manifest
    declares: the bidder's own failure to produce a readable bid (撤销), not a retry."""
    tender_id = world.announced_tender()
    world.clock.advance(timedelta(days=1))
    made = {who: bidding.bid(who, tender_id).id for who in ("bidder", "bidder2", "bidder3")}
    honest = envelope._plaintext
    monkeypatch.setattr(envelope, "_plaintext", lambda manifest, files: (*honest(manifest, files), b"extra"))
    made["bidder4"] = bidding.bid("bidder4", tender_id).id
    monkeypatch.setattr(envelope, "_plaintext", honest)
    bidding.deadline(tender_id)
    broken = bidding.decrypt("bidder4", made["bidder4"])
    assert (broken.status, broken.failure) == (BidStatus.REVOKED, "bidder_manifest_invalid")
    for who in ("bidder", "bidder2", "bidder3"):
        assert bidding.decrypt(who, made[who]).status is BidStatus.DECRYPTED
    with pytest.raises(DomainError) as info:
        bidding.decrypt("bidder4", made["bidder4"])
    assert info.value.code == "bid_already_resolved"
