"""Sealed bids on the real databases: what is accepted, what is refused, who sees what."""

from __future__ import annotations

import io
import json
import struct
from datetime import timedelta
from pathlib import Path

import pytest

from sunbid.bootstrap import Platform
from sunbid.crypto import envelope, verify_json
from sunbid.crypto.trust import TrustStore
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.errors import DomainError
from sunbid.storage import ledger as store
from sunbid.tendering import bid_service as bids
from sunbid.tendering import service as tendering
from sunbid.tendering.bid_model import BidStatus, DepositStatus, SubmissionStatus
from sunbid.tendering.model import Method
from tests.bidding import Bidding
from tests.factories import World, make_world
from tests.integration.snapshot import refused


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock, tokens=False)


@pytest.fixture
def bidding(world: World, tmp_path: Path) -> Bidding:
    return Bidding(world, tmp_path / "pki")


@pytest.fixture
def tender_id(world: World) -> str:
    tid = world.announced_tender()
    world.clock.advance(timedelta(days=2))
    return tid


# ---------------------------------------------------------------------------- accepted
def test_a_sealed_bid_is_accepted_with_a_receipt_signed_by_the_platform(
    bidding: Bidding, platform: Platform, tender_id: str
) -> None:
    bid, submission = bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id))
    assert bid.status is BidStatus.SEALED and submission.status is SubmissionStatus.CURRENT
    receipt = submission.receipt
    assert receipt is not None
    trust = TrustStore([platform.identity().root])
    verify_json(receipt["receipt"], receipt["signature"], trust, bidding.world.clock.now())
    statement = receipt["receipt"]["statement"]
    assert statement["bid_id"] == bid.id and statement["tender_id"] == tender_id
    with platform.engine.connect() as conn:
        entry = store.entry_json(next(store.entry_rows(conn, after=receipt["receipt"]["ledger_seq"] - 1, limit=1)))
    assert entry["name"] == "BidSealed" and entry["public"] is False
    assert entry["data"]["statement_digest"] == receipt["receipt"]["statement_digest"]
    assert tender_id not in json.dumps(entry), "the ledger says nothing of which tender was bid for"
    assert submission.address == "10.0.0.9"
    assert submission.client["device"]["mac"] == "mac-bidder"


def test_a_later_submission_replaces_the_earlier_and_a_withdrawal_makes_the_deposit_refundable(
    bidding: Bidding, world: World, tender_id: str
) -> None:
    first, _ = bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id, price="1.00"))
    second, sub = bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id, price="2.00"))
    assert first.id == second.id
    assert [s.status for s in second.submissions] == [SubmissionStatus.REPLACED, SubmissionStatus.CURRENT]
    bids.record_transfer(
        world.uow(), world.ctx("admin"), tender_id, bidding.section_of(tender_id), transfer(bidding, "bidder")
    )
    withdrawn = bids.withdraw_bid(world.uow(), world.ctx("bidder"), second.id)
    assert withdrawn.status is BidStatus.WITHDRAWN
    [deposit] = bids.visible_deposits(world.uow(), world.ctx("bidder"), tender_id)
    assert deposit.status is DepositStatus.REFUND_DUE
    assert deposit.refund_due_at == world.clock.now() + timedelta(days=5)
    again, _ = bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id, price="3.00"))
    assert again.status is BidStatus.SEALED
    [deposit] = bids.visible_deposits(world.uow(), world.ctx("bidder"), tender_id)
    assert deposit.status is DepositStatus.HELD, "a new bid before the refund keeps the deposit as its security"
    del sub


def transfer(bidding: Bidding, username: str, account: str | None = None) -> bids.TransferIn:
    from decimal import Decimal

    org = bidding.org_of(username)
    return bids.TransferIn(
        org.credit_code,
        Decimal("120000.00"),
        org.name,
        account or f"6222-{username}",
        "中国银行南京分行",
        f"TX-{username}-{bidding.world.clock.now().timestamp()}",
        bidding.world.clock.now(),
    )


# ---------------------------------------------------------------------------- refused
def test_an_unencrypted_file_is_refused_by_the_scanner() -> None:
    with pytest.raises(DomainError) as info:
        envelope.Scanner().feed(b"%PDF-1.7 a plain bid, price 11000000" * 10)
    assert info.value.code == "envelope_malformed"


def test_plaintext_in_an_envelope_frame_is_refused_as_not_encrypted(
    bidding: Bidding, platform: Platform, tender_id: str
) -> None:
    data = bidding.seal("bidder", tender_id, files=[envelope.BidFile("a", data=b"x" * 9000)])
    (n,) = struct.unpack(">I", data[len(envelope.MAGIC) : len(envelope.MAGIC) + 4])
    start = len(envelope.MAGIC) + 4 + n
    length = struct.unpack(">I", data[start + 1 : start + 5])[0]
    plain = b"The price is 11000000 yuan. " * (length // 28) + b"." * (length % 28)
    forged = data[: start + 5] + plain + data[start + 5 + length :]
    refused(platform, "bid_not_encrypted", lambda: bidding.submit("bidder", tender_id, forged))


def test_a_bid_sealed_for_another_tender_is_refused(
    bidding: Bidding, platform: Platform, world: World, tender_id: str
) -> None:
    other = world.announced_tender()
    data = bidding.seal("bidder", other)
    refused(platform, "envelope_for_another_tender", lambda: bidding.submit("bidder", tender_id, data))


def test_a_suite_the_tender_does_not_accept_is_refused(bidding: Bidding, platform: Platform, tender_id: str) -> None:
    refused(
        platform,
        "suite_not_accepted",
        lambda: bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id, suite="intl")),
    )


def test_a_tampered_ciphertext_is_refused(bidding: Bidding, platform: Platform, tender_id: str) -> None:
    data = bytearray(bidding.seal("bidder", tender_id))
    (n,) = struct.unpack(">I", data[len(envelope.MAGIC) : len(envelope.MAGIC) + 4])
    data[len(envelope.MAGIC) + 4 + n + 5 + 10] ^= 0x40
    refused(platform, "seal_statement_mismatch", lambda: bidding.submit("bidder", tender_id, bytes(data)))


def test_a_tampered_commitment_is_refused(bidding: Bidding, platform: Platform, tender_id: str) -> None:
    data = bidding.seal("bidder", tender_id)
    scanned = envelope.scan(io.BytesIO(data))
    statement = dict(scanned.trailer.statement) | {"ciphertext_digest": "00" * 32}
    from sunbid.crypto import canonicalize

    trailer = canonicalize({"statement": statement, "signature": scanned.trailer.signature})
    cut = len(data) - 4 - len(scanned.trailer.raw)
    forged = data[:cut] + struct.pack(">I", len(trailer)) + trailer
    refused(platform, "seal_statement_mismatch", lambda: bidding.submit("bidder", tender_id, forged))


def test_a_replayed_envelope_is_refused(bidding: Bidding, platform: Platform, tender_id: str) -> None:
    data = bidding.seal("bidder", tender_id)
    bidding.submit("bidder", tender_id, data)
    refused(platform, "bid_replayed", lambda: bidding.submit("bidder", tender_id, data))


def test_an_envelope_signed_by_another_bidder_is_refused(bidding: Bidding, platform: Platform, tender_id: str) -> None:
    data = bidding.seal("bidder", tender_id, signer="bidder2")
    refused(platform, "seal_signer_not_bidder", lambda: bidding.submit("bidder", tender_id, data))


def test_a_key_wrapped_for_another_organisation_is_refused(
    bidding: Bidding, platform: Platform, tender_id: str
) -> None:
    other = bidding.identity_of("bidder2").encryption["gm"].certificate
    data = bidding.seal("bidder", tender_id, encryption_certificate=other)
    refused(platform, "encryption_certificate_not_bidders", lambda: bidding.submit("bidder", tender_id, data))


def test_a_bid_one_second_after_the_deadline_is_refused(
    bidding: Bidding, platform: Platform, world: World, tender_id: str
) -> None:
    data = bidding.seal("bidder", tender_id)
    deadline = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).bid_deadline
    world.clock.set(deadline + timedelta(seconds=1))
    refused(platform, "bid_deadline_passed", lambda: bidding.submit("bidder", tender_id, data))


def test_an_upload_still_in_progress_at_the_deadline_counts_as_withdrawn(
    bidding: Bidding, platform: Platform, world: World, tender_id: str
) -> None:
    earlier, _ = bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id, price="1.00"))
    deadline = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).bid_deadline
    world.clock.set(deadline - timedelta(seconds=1))
    bids.prepare_submission(world.uow(), world.ctx("bidder"), tender_id, bidding.section_of(tender_id))
    data = bidding.seal("bidder", tender_id, price="2.00")  # the upload starts before the deadline…
    world.clock.set(deadline)  # …and ends at it
    error = refused(platform, "bid_deadline_passed", lambda: bidding.submit("bidder", tender_id, data))
    assert "视为撤回" in error.message_zh
    standing, _tender = bids.get_bid(world.uow(), world.ctx("bidder"), earlier.id)
    assert (standing.status, len(standing.submissions)) == (BidStatus.SEALED, 1), "the complete earlier bid stands"


def test_bids_are_refused_while_an_objection_is_unanswered(bidding: Bidding, platform: Platform, world: World) -> None:
    tender_id, _objection = world.suspended_tender()
    data = bidding.seal("bidder2", tender_id)
    refused(platform, "tender_suspended", lambda: bidding.submit("bidder2", tender_id, data))


@pytest.mark.parametrize("who", ["tenderer", "agency", "supervisor", "admin"])
def test_only_bidders_may_bid(bidding: Bidding, platform: Platform, world: World, tender_id: str, who: str) -> None:
    data = bidding.seal("bidder", tender_id)
    refused(platform, "forbidden", lambda: bidding.submit(who, tender_id, data))


def test_an_invited_tender_takes_bids_from_its_invitees_only(
    bidding: Bidding, platform: Platform, world: World
) -> None:
    invited = [world.orgs["B"], world.orgs["S"], world.orgs["OT"]]
    tender_id = world.announced_tender(method=Method.INVITED, invitee_org_ids=tuple(invited))
    bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id))
    data = bidding.seal("bidder2", tender_id)
    refused(platform, "forbidden", lambda: bidding.submit("bidder2", tender_id, data))


def test_custodians_the_tender_requires_must_be_in_the_envelope(
    bidding: Bidding, platform: Platform, world: World
) -> None:
    tender_id = world.draft_tender()
    bidding.set_custodians(tender_id, ["supervisor", "auditor", "agency"], 2)
    tendering.announce_tender(world.uow(), world.ctx("tenderer"), tender_id)
    data = bidding.seal("bidder", tender_id, custodians=[], threshold=None)
    refused(platform, "custodians_mismatch", lambda: bidding.submit("bidder", tender_id, data))
    assert bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id))[0].status is BidStatus.SEALED


def test_a_consortium_is_refused_where_the_tender_does_not_accept_one(
    bidding: Bidding, platform: Platform, tender_id: str
) -> None:
    a, b = bidding.org_of("bidder"), bidding.org_of("bidder2")
    members = [envelope.Member(a.credit_code, a.name, "60"), envelope.Member(b.credit_code, b.name, "40")]
    data = bidding.seal("bidder", tender_id, consortium=members)
    refused(platform, "consortium_not_accepted", lambda: bidding.submit("bidder", tender_id, data))


def test_a_consortium_bid_names_every_member_with_shares_adding_to_100(
    bidding: Bidding, platform: Platform, world: World
) -> None:
    tender_id = world.announced_tender(consortium_accepted=True)
    a, b = bidding.org_of("bidder"), bidding.org_of("bidder2")
    wrong = [envelope.Member(a.credit_code, a.name, "60"), envelope.Member(b.credit_code, b.name, "30")]
    refused(
        platform,
        "consortium_shares_not_100",
        lambda: bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id, consortium=wrong)),
    )
    right = [envelope.Member(a.credit_code, a.name, "60"), envelope.Member(b.credit_code, b.name, "40")]
    bid, _ = bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id, consortium=right))
    assert bid.member_org_ids == [a.id, b.id]
    # a member of the consortium sees the consortium's bid
    assert [x.id for x in bids.visible_bids(world.uow(), world.ctx("bidder2"), tender_id)] == [bid.id]


# ---------------------------------------------------------------------------- secrecy before the deadline
@pytest.mark.parametrize("who", ["tenderer", "agency", "admin", "supervisor", "auditor", "bidder2", "expert"])
def test_nobody_but_the_bidder_can_read_or_count_bids_before_the_deadline(
    bidding: Bidding, world: World, tender_id: str, who: str
) -> None:
    bid = bidding.bid("bidder", tender_id)
    assert bids.visible_bids(world.uow(), world.ctx(who), tender_id) == []
    with pytest.raises(DomainError) as info:
        bids.get_bid(world.uow(), world.ctx(who), bid.id)
    assert info.value.code == "bid_not_found"
    assert bids.visible_deposits(world.uow(), world.ctx(who), tender_id) == []
    with pytest.raises(DomainError):
        bids.evidence(world.uow(), world.ctx(who), tender_id)
    assert [b.id for b in bids.visible_bids(world.uow(), world.ctx("bidder"), tender_id)] == [bid.id]


def test_a_copy_of_the_database_and_blobs_before_the_deadline_holds_no_plaintext_and_no_key(
    bidding: Bidding, platform: Platform, world: World, tender_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything the platform stores, searched for the bid's text, its price and its keys."""
    from sunbid.crypto import suites

    keys: list[bytes] = []
    for cls in (suites.GmSuite, suites.IntlSuite):
        made = cls.new_content_key

        def record(self: suites.Suite, _made: object = made) -> bytes:
            key = _made(self)  # type: ignore[operator]
            keys.append(key)
            return key

        monkeypatch.setattr(cls, "new_content_key", record)
    secret = "投标报价壹仟零捌拾万元整 SECRET-10800000"
    world.clock.advance(timedelta(minutes=1))
    for who, suite in (("bidder", "gm"), ("bidder2", "gm")):
        files = [envelope.BidFile("商务标.txt", data=secret.encode() * 50)]
        bidding.submit(who, tender_id, bidding.seal(who, tender_id, suite=suite, price="10800000.00", files=files))
    assert len(keys) == 2
    dump = bytearray()
    with platform.engine.connect() as conn:
        from sunbid.storage.tables import metadata

        for table in metadata.sorted_tables:
            for row in conn.execute(table.select()):
                dump += repr(tuple(row)).encode("utf-8", "backslashreplace")
    for path in platform.blobs.root.rglob("*"):
        if path.is_file():
            dump += path.read_bytes()
    text = bytes(dump)
    for needle in (secret.encode(), b"10800000", "壹仟零捌拾万".encode()):
        assert needle not in text
    import base64

    for key in keys:
        for form in (key, key.hex().encode(), base64.b64encode(key)):
            assert form not in text, "a content key is stored before the deadline"


# ---------------------------------------------------------------------------- deposits
def test_a_guarantee_complete_and_signed_by_its_issuer_covers_the_deposit(
    bidding: Bidding, platform: Platform, world: World, tender_id: str
) -> None:
    from sunbid.crypto import sign_json

    tender = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id)
    section = tender.sections[0]
    bank = bidding.bidder("bank_guarantor")
    issuer = bidding.org_of(bank)
    applicant, beneficiary = bidding.org_of("bidder"), bidding.org("T")
    key_pair = bidding.identity_of(bank).signing["gm"]
    document = {
        "format": "sunbid-guarantee/1",
        "number": "BH-2026-0001",
        "issuer": {"name": issuer.name, "credit_code": issuer.credit_code},
        "applicant": {"name": applicant.name, "credit_code": applicant.credit_code},
        "beneficiary": {"name": beneficiary.name, "credit_code": beneficiary.credit_code},
        "tender_id": tender_id,
        "section_id": section.id,
        "amount": str(section.bid_deposit),
        "valid_from": world.clock.now().isoformat(),
        "valid_until": (tender.bid_deadline + timedelta(days=tender.bid_validity_days + 30)).isoformat(),
    }

    def submit(doc: dict[str, object], signer: str = bank) -> object:
        pair = bidding.identity_of(signer).signing["gm"]
        sig = sign_json(doc, pair.key, pair.certificate, signed_at=world.clock.now())
        return bids.submit_guarantee(
            world.uow(), world.ctx("bidder"), tender_id, section.id, doc, sig, platform.signature_check()
        )

    without_amount = {k: v for k, v in document.items() if k != "amount"}
    refused(platform, "guarantee_malformed", lambda: submit(without_amount))
    refused(platform, "guarantee_malformed", lambda: submit(document | {"format": "bank-letter/2"}))
    refused(platform, "guarantee_malformed", lambda: submit(document | {"amount": "a lot"}))
    refused(platform, "guarantee_malformed", lambda: submit(document | {"issuer": "某银行"}))
    naive = world.clock.now().replace(tzinfo=None).isoformat()
    refused(platform, "guarantee_malformed", lambda: submit(document | {"valid_from": naive}))
    other_bank = bidding.bidder("bank_other")
    refused(platform, "guarantee_signer_not_issuer", lambda: submit(document, signer=other_bank))
    refused(platform, "guarantee_amount_too_low", lambda: submit(document | {"amount": "1.00"}))
    short = (tender.bid_deadline + timedelta(days=10)).isoformat()
    refused(platform, "guarantee_validity_too_short", lambda: submit(document | {"valid_until": short}))
    refused(
        platform,
        "guarantee_not_for_this_bid",
        lambda: submit(document | {"beneficiary": {"name": "x", "credit_code": applicant.credit_code}}),
    )
    forged = sign_json(document, key_pair.key, key_pair.certificate, signed_at=world.clock.now())
    tampered = document | {"amount": "999999.00"}
    refused(
        platform,
        "signature_invalid",
        lambda: bids.submit_guarantee(
            world.uow(), world.ctx("bidder"), tender_id, section.id, tampered, forged, platform.signature_check()
        ),
    )
    deposit = submit(document)
    assert deposit.kind == "guarantee" and deposit.issuer_credit_code == issuer.credit_code  # type: ignore[attr-defined]
    refused(platform, "guarantee_used", lambda: submit(document))


def test_transfers_are_recorded_by_the_bank_interface_only_and_before_the_deadline(
    bidding: Bidding, platform: Platform, world: World, tender_id: str
) -> None:
    section = bidding.section_of(tender_id)
    refused(
        platform,
        "forbidden",
        lambda: bids.record_transfer(world.uow(), world.ctx("bidder"), tender_id, section, transfer(bidding, "bidder")),
    )
    deposit = bids.record_transfer(world.uow(), world.ctx("admin"), tender_id, section, transfer(bidding, "bidder"))
    assert deposit.payer_account_number == "6222-bidder"
    refused(
        platform,
        "deposit_not_refundable",
        lambda: bids.record_refund(world.uow(), world.ctx("admin"), deposit.id, "RF-1"),
    )
    deadline = tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).bid_deadline
    world.clock.set(deadline)
    refused(
        platform,
        "deposit_after_deadline",
        lambda: bids.record_transfer(world.uow(), world.ctx("admin"), tender_id, section, transfer(bidding, "bidder2")),
    )


def test_a_credit_grade_reduces_the_deposit_owed_by_the_jurisdictions_ratio(world: World) -> None:
    from decimal import Decimal

    from sunbid.kernel.rules import RuleBook
    from sunbid.tendering.bid_model import deposit_required

    rules = RuleBook.default().overridden(
        {
            "deposit_ratio_credit_a": {"value": "0", "citation": "某市信用管理办法第十条"},
            "deposit_ratio_credit_b": {"value": "0.5", "citation": "某市信用管理办法第十条"},
        },
        "某市",
    )
    assert deposit_required(rules, Decimal("100000.00"), "A") == Decimal("0.00")
    assert deposit_required(rules, Decimal("100000.00"), "B") == Decimal("50000.00")
    assert deposit_required(rules, Decimal("100000.00"), "C") == Decimal("100000.00")
    assert deposit_required(rules, Decimal("100000.00"), None) == Decimal("100000.00")
    assert deposit_required(RuleBook.default(), Decimal("100000.00"), "A") == Decimal("100000.00")


# ---------------------------------------------------------------------------- more refusals, each beside what is allowed
def test_the_sealing_terms_refuse_unknown_suites_repeated_custodians_and_missing_or_wrong_certificates(
    bidding: Bidding, platform: Platform, world: World
) -> None:
    tender_id = world.draft_tender()
    supervisor = world.actors["supervisor"].user_id or ""
    certs = {s: c.der for s, c in bidding.custodian("supervisor").items()}
    auditor = bids.CustodianIn(
        world.actors["auditor"].user_id or "", {s: c.der for s, c in bidding.custodian("auditor").items()}
    )

    def terms(suites: tuple[str, ...], custodians: list[bids.CustodianIn], k: int | None = 1) -> object:
        return bids.set_sealing(
            world.uow(),
            world.ctx("tenderer"),
            tender_id,
            suites=suites,
            decrypt_window_minutes=60,
            custodian_window_minutes=60,
            threshold=k,
            custodians=custodians,
            check=platform.signature_check(),
        )

    refused(platform, "suites_invalid", lambda: terms((), [], None))
    refused(platform, "suites_invalid", lambda: terms(("gm", "rsa"), [], None))
    one = bids.CustodianIn(supervisor, certs)
    refused(platform, "custodian_repeated", lambda: terms(("gm",), [one, one], 2))
    gm_only = bids.CustodianIn(supervisor, {"gm": certs["gm"]})
    refused(platform, "custodian_certificate_missing", lambda: terms(("gm", "intl"), [gm_only, auditor], 2))
    swapped = bids.CustodianIn(supervisor, {"gm": certs["intl"], "intl": certs["gm"]})
    refused(platform, "encryption_certificate_wrong_suite", lambda: terms(("gm", "intl"), [swapped, auditor], 2))
    set_ = terms(("gm", "intl"), [one, auditor], 2)
    assert [c.index for c in set_.custodians] == [1, 2]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("code", "members"),
    [
        ("consortium_member_unknown", [("bidder", "60"), ("unregistered", "40")]),
        ("consortium_share_invalid", [("bidder", "100"), ("bidder2", "0")]),
        ("consortium_share_invalid", [("bidder", "sixty"), ("bidder2", "40")]),
        ("consortium_invalid", [("bidder", "100")]),
        ("consortium_invalid", [("bidder", "50"), ("bidder", "50")]),
        ("consortium_invalid", [("bidder2", "60"), ("bidder3", "40")]),  # the lead is not a member
    ],
)
def test_a_consortium_must_be_registered_distinct_members_led_by_one_of_them_with_real_shares(
    bidding: Bidding, platform: Platform, world: World, code: str, members: list[tuple[str, str]]
) -> None:
    tender_id = world.announced_tender(consortium_accepted=True)
    bidding.bidder("bidder3")

    def member(who: str, share: str) -> envelope.Member:
        if who == "unregistered":
            return envelope.Member("91320100MA00000000", "未注册的公司", share)
        org = bidding.org_of(who)
        return envelope.Member(org.credit_code, org.name, share)

    data = bidding.seal("bidder", tender_id, consortium=[member(w, s) for w, s in members])
    refused(platform, code, lambda: bidding.submit("bidder", tender_id, data))
    right = [member("bidder", "60"), member("bidder2", "40")]
    assert bidding.submit("bidder", tender_id, bidding.seal("bidder", tender_id, consortium=right))[0].member_org_ids


def test_a_withdrawn_bid_cannot_be_withdrawn_again(
    bidding: Bidding, platform: Platform, world: World, tender_id: str
) -> None:
    bid = bidding.bid("bidder", tender_id)
    withdrawn = bids.withdraw_bid(world.uow(), world.ctx("bidder"), bid.id)
    assert withdrawn.status is BidStatus.WITHDRAWN
    refused(platform, "bid_not_standing", lambda: bids.withdraw_bid(world.uow(), world.ctx("bidder"), bid.id))


def test_a_transfer_needs_every_payer_field_and_is_recorded_once(
    bidding: Bidding, platform: Platform, world: World, tender_id: str
) -> None:
    from dataclasses import replace

    section = bidding.section_of(tender_id)
    paid = transfer(bidding, "bidder")

    def record(cmd: bids.TransferIn) -> object:
        return bids.record_transfer(world.uow(), world.ctx("admin"), tender_id, section, cmd)

    for blank in ("payer_account_name", "payer_account_number", "payer_bank", "reference"):
        error = refused(platform, "transfer_incomplete", lambda blank=blank: record(replace(paid, **{blank: "  "})))
        assert blank in error.message_en
    deposit = record(paid)
    refused(platform, "transfer_recorded", lambda: record(paid))
    refused(platform, "transfer_recorded", lambda: record(replace(paid, reference=f" {paid.reference} ")))
    assert deposit.reference == paid.reference  # type: ignore[attr-defined]


def test_a_refund_needs_its_bank_reference_and_only_a_revoked_bids_deposit_may_be_kept(
    bidding: Bidding, platform: Platform, world: World, tender_id: str
) -> None:
    section = bidding.section_of(tender_id)
    bid = bidding.bid("bidder", tender_id)
    deposit = bids.record_transfer(world.uow(), world.ctx("admin"), tender_id, section, transfer(bidding, "bidder"))
    refused(
        platform,
        "deposit_not_retainable",
        lambda: bids.retain_deposit(world.uow(), world.ctx("tenderer"), deposit.id, "投标人弃标"),
    )
    bids.withdraw_bid(world.uow(), world.ctx("bidder"), bid.id)  # 撤回: refunded within 5 days, never kept
    [due] = bids.visible_deposits(world.uow(), world.ctx("bidder"), tender_id)
    assert (due.status, due.refund_reason) == (DepositStatus.REFUND_DUE, "withdrawn")
    refused(
        platform,
        "deposit_not_retainable",
        lambda: bids.retain_deposit(world.uow(), world.ctx("tenderer"), deposit.id, "投标人撤回投标"),
    )
    refused(
        platform, "reference_required", lambda: bids.record_refund(world.uow(), world.ctx("admin"), deposit.id, " ")
    )
    refunded = bids.record_refund(world.uow(), world.ctx("admin"), deposit.id, "RF-2026-7")
    assert refunded.status is DepositStatus.REFUNDED
