"""The online opening (开标, 电子招标投标办法 第二十九条-第三十二条; 条例 第四十四条).

At the deadline the scheduler opens the tender: a section with fewer than 3 bids is not
opened (法 第二十八条). Bidders then decrypt their own bids online within the window the
tender documents set; the custodians open, k of n, the bids their bidders did not; what is
left is revoked (撤销) or, if the platform's copy was damaged, withdrawn (撤回) (第三十一条).
When every bid is resolved the record is shown, objections are heard and answered, and the
tenderer concludes the opening: the record is signed, published and written to the ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sunbid.crypto import canonicalize, envelope
from sunbid.identity.policy import Action, authorize
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.ports import BlobStore
from sunbid.tendering import bid_service as bids_
from sunbid.tendering import service as tendering
from sunbid.tendering.bid_model import (
    Bid,
    BidStatus,
    CustodianShare,
    OpenedBy,
    OpeningObjection,
    OpeningPhase,
    conflicts,
    consortium_agreement,
    phase,
)
from sunbid.tendering.model import DueAction, Section, Tender, TenderAction, TenderDocument, TenderStatus, due_actions
from sunbid.tendering.ports import TenderingUnitOfWork
from sunbid.tendering.signing import PlatformSigner

RECORD_FORMAT = "sunbid-opening-record/1"


def _bidder_orgs(bids: list[Bid]) -> set[str]:
    return {org for b in bids if b.standing for org in b.member_org_ids}


def _opening_phase(tender: Tender, bids: list[Bid], now: datetime) -> OpeningPhase:
    assert tender.decrypt_until is not None
    live = [b for b in bids if b.section_id not in _failed(tender)]
    return phase(now, tender.decrypt_until, tender.custodian_until, live, tender.concluded_at is not None)


def _failed(tender: Tender) -> set[str]:
    return {s.id for s in tender.sections if s.failed}


def _in_opening(tender: Tender, bids: list[Bid]) -> list[Bid]:
    """The bids the opening deals with: standing, in a section that was opened."""
    failed = _failed(tender)
    return [b for b in bids if b.standing and b.section_id not in failed]


# ---------------------------------------------------------------------------- at the deadline
def open_bids(uow: TenderingUnitOfWork, ctx: Context, tender: Tender) -> None:
    """Count each section's bids at the deadline; open the sections that have enough."""
    now = ctx.clock.now()
    rule = ctx.rules["min_bidders"]
    minimum = ctx.rules.count(rule.key)
    bids = uow.bids.for_tender(tender.id)
    deposits = uow.deposits.for_tender(tender.id)
    counts = []
    for section in tender.sections:
        standing = [b for b in bids if b.section_id == section.id and b.status is BidStatus.SEALED]
        section.bids_at_deadline = len(standing)
        section.failed = len(standing) < minimum
        counts.append({"section_code": section.code, "bids": len(standing), "opened": not section.failed})
        if section.failed:
            bids_.make_refundable(
                ctx.rules,
                [d for d in deposits if d.section_id == section.id],
                "deposit_refund_after_failure_days",
                "section_failed",
                now,
            )
            uow.emit(
                event_from(
                    ctx,
                    "SectionFailed",
                    "tender",
                    tender.id,
                    public=True,
                    section_code=section.code,
                    bids=len(standing),
                    rule=rule.key,
                    citation=rule.citation,
                )
            )
    if all(s.failed for s in tender.sections):
        tender.apply(TenderAction.FAIL)
        tender.ended_at, tender.end_reason = now, f"投标人少于{rule.value}个，不得开标，依法重新招标（{rule.citation}）"
        uow.emit(event_from(ctx, "TenderFailed", "tender", tender.id, public=True, sections=counts, rule=rule.key))
        return
    terms = bids_.terms_of(tender)
    tender.apply(TenderAction.START_OPENING)
    tender.opening_started_at = now
    tender.decrypt_until = now + timedelta(minutes=terms.decrypt_window_minutes)
    uow.emit(
        event_from(
            ctx,
            "OpeningStarted",
            "tender",
            tender.id,
            public=True,
            sections=counts,
            decrypt_until=tender.decrypt_until.isoformat(),
        )
    )


def end_decryption(uow: TenderingUnitOfWork, ctx: Context, tender: Tender) -> None:
    """The bidders' window has closed: bids with custodians wait for them; the rest are revoked."""
    now = ctx.clock.now()
    terms = bids_.terms_of(tender)
    tender.decryption_ended_at = now
    waiting = 0
    for bid in _in_opening(tender, uow.bids.for_tender(tender.id)):
        if bid.status is not BidStatus.SEALED:
            continue
        if terms.custodians and _header(bid).custodians:
            waiting += 1
        else:
            _fail(uow, ctx, tender, bid, BidStatus.REVOKED, "not_decrypted_by_bidder")
    if waiting:
        tender.custodian_until = now + timedelta(minutes=terms.custodian_window_minutes)
        uow.emit(
            event_from(
                ctx,
                "CustodiansCalled",
                "tender",
                tender.id,
                public=True,
                bids=waiting,
                custodian_until=tender.custodian_until.isoformat(),
            )
        )
    _settle(uow, ctx, tender)


def end_custodians(uow: TenderingUnitOfWork, ctx: Context, tender: Tender) -> None:
    tender.custodians_ended_at = ctx.clock.now()
    for bid in _in_opening(tender, uow.bids.for_tender(tender.id)):
        if bid.status is BidStatus.SEALED:
            _fail(uow, ctx, tender, bid, BidStatus.REVOKED, "not_decrypted_by_bidder_or_custodians")
    _settle(uow, ctx, tender)


def _fail(uow: TenderingUnitOfWork, ctx: Context, tender: Tender, bid: Bid, status: BidStatus, reason: str) -> None:
    """撤销 (the bidder's failure: the tenderer may keep the deposit) or 撤回 (another cause)."""
    bid.status, bid.failure = status, reason
    now = ctx.clock.now()
    key, why = (
        ("deposit_retain_decision_days", "revoked")
        if status is BidStatus.REVOKED
        else ("deposit_refund_after_failure_days", "deemed_withdrawn")
    )
    bids_.make_refundable(ctx.rules, uow.deposits.of_bidder(bid.section_id, bid.bidder_org_id), key, why, now)
    uow.emit(
        event_from(
            ctx,
            "BidRevoked" if status is BidStatus.REVOKED else "BidDeemedWithdrawn",
            "tender",
            tender.id,
            public=True,
            bid_id=bid.id,
            reason=reason,
            citation="《电子招标投标办法》第三十一条",
        )
    )


def _settle(uow: TenderingUnitOfWork, ctx: Context, tender: Tender) -> None:
    """When every bid is resolved: mark the bids statute makes invalid and show the results."""
    if tender.results_at is not None or uow.bids.count_sealed(tender.id, sorted(_failed(tender))):
        return
    bids = uow.bids.for_tender(tender.id)
    live = _in_opening(tender, bids)
    if not all(b.resolved for b in live):
        return
    tender.results_at = ctx.clock.now()
    member_ids = sorted({org for b in live for org in b.member_org_ids})
    people: dict[str, str] = {}
    for org_id in member_ids:
        org = uow.organisations.get(org_id)
        if org is not None and org.legal_representative.strip():
            people[org_id] = "".join(org.legal_representative.split())
    controls = {(r.parent_org_id, r.child_org_id) for r in uow.organisations.relations(member_ids)}
    for section in tender.sections:
        grounds = conflicts([b for b in live if b.section_id == section.id], people, controls)
        for bid in live:
            if bid.id in grounds:
                bid.invalid_grounds = grounds[bid.id]
    for bid in live:
        if bid.consortium and bid.status is BidStatus.DECRYPTED and not consortium_agreement(bid.files or []):
            bid.invalid_grounds = [
                *bid.invalid_grounds,
                {"code": "consortium_agreement_missing", "article": "《招标投标法实施条例》第五十一条"},
            ]
    uow.emit(
        event_from(
            ctx,
            "OpeningResultsShown",
            "tender",
            tender.id,
            public=True,
            decrypted=sum(1 for b in live if b.status is BidStatus.DECRYPTED),
            revoked=sum(1 for b in live if b.status is BidStatus.REVOKED),
            deemed_withdrawn=sum(1 for b in live if b.status is BidStatus.DEEMED_WITHDRAWN),
            invalid=sum(1 for b in live if b.invalid_grounds),
        )
    )


# ---------------------------------------------------------------------------- decryption
def _header(bid: Bid) -> envelope.Header:
    current = bid.current
    assert current is not None
    return envelope.parse_header(current.header.encode("utf-8"))


@dataclass(frozen=True)
class _Outcome:
    opened: envelope.Opened | None
    failure: str | None  # "wrong_key", "manifest_invalid" (the bidder's), "storage_damaged" (another cause)


def _try_open(blobs: BlobStore, bid: Bid, key: bytes) -> _Outcome:
    current = bid.current
    assert current is not None
    try:
        with blobs.open(current.blob_sha256) as handle:
            opened = envelope.open_envelope(handle, key, trusted_header=current.header.encode("utf-8"))
        if opened.header_digest.hex() != current.header_digest:
            return _Outcome(None, "storage_damaged")
        return _Outcome(opened, None)
    except NotFound:
        return _Outcome(None, "storage_damaged")
    except DomainError as exc:
        if not _intact(blobs, current.blob_sha256, current.ciphertext_digest):
            return _Outcome(None, "storage_damaged")
        return _Outcome(None, "manifest_invalid" if exc.code == "bid_manifest_invalid" else "wrong_key")


def _intact(blobs: BlobStore, sha256: str, ciphertext_digest: str) -> bool:
    """Whether the stored envelope is still the one the bidder signed."""
    digest = hashlib.sha256()
    scanner = envelope.Scanner()
    try:
        with blobs.open(sha256) as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
                scanner.feed(block)
        scanned = scanner.finish()
    except DomainError:
        return False
    return digest.hexdigest() == sha256 and scanned.ciphertext_digest.hex() == ciphertext_digest


def _check_key(bid: Bid, key: bytes) -> None:
    current = bid.current
    assert current is not None
    from sunbid.crypto import get_suite

    if len(key) != get_suite(current.suite).aead_key_size:
        raise DomainError(
            "content_key_invalid",
            "对称密钥长度不符合投标文件的密码套件",
            "The content key does not have the length the bid's suite uses",
        )


def decrypt_bid(uow: TenderingUnitOfWork, ctx: Context, bid_id: str, content_key: bytes) -> Bid:
    """The bidder's remote decryption (远程解密): it unwrapped its content key with its own
    encryption key and sends it; the platform decrypts and checks every chunk. A wrong key may
    be tried again within the window."""
    with uow:
        bid, tender = bids_._bid_for(uow, ctx, bid_id)
        if ctx.actor.org_id != bid.bidder_org_id:
            raise Forbidden(
                "not_the_bidder", "只有投标人本身可以解密其投标文件", "Only the bidder itself decrypts its bid"
            )
        _may_decrypt(ctx, tender, bid, OpeningPhase.DECRYPTION)
        _check_key(bid, content_key)
    outcome = _try_open(uow.blobs, bid, content_key)
    return _record(uow, ctx, bid_id, content_key, outcome, OpenedBy.BIDDER)


def _may_decrypt(ctx: Context, tender: Tender, bid: Bid, wanted: OpeningPhase) -> None:
    """The bid is still sealed and the opening is in the ``wanted`` window. (With one bid
    unresolved the phase does not depend on the others, so they are not read.)"""
    tender.next_state(TenderAction.DECRYPT_BID)
    if bid.section_id in _failed(tender):
        raise Conflict(
            "section_not_opened", "本标段投标人不足，未开标", "This section had too few bids and was not opened"
        )
    if bid.status is not BidStatus.SEALED:
        raise Conflict("bid_already_resolved", f"该投标已{bid.status}", f"The bid is already {bid.status}")
    now = ctx.clock.now()
    current = _opening_phase(tender, [bid], now)
    if current is not wanted:
        zh = "投标人解密时间" if wanted is OpeningPhase.DECRYPTION else "保管人开启时间"
        raise Conflict(
            "opening_window_closed" if current is not OpeningPhase.DECRYPTION else "custodians_not_called",
            f"现在不在{zh}内（当前阶段：{current}）",
            f"It is not the {wanted} window now (the opening is in its {current} phase)",
            phase=str(current),
            decrypt_until=tender.decrypt_until.isoformat() if tender.decrypt_until else None,
        )


def _record(uow: TenderingUnitOfWork, ctx: Context, bid_id: str, key: bytes, outcome: _Outcome, by: OpenedBy) -> Bid:
    with uow:
        bid = uow.bids.get(bid_id, for_update=True)
        tender = uow.tenders.get(bid.tender_id, for_update=True) if bid else None
        assert bid is not None and tender is not None
        if bid.status is not BidStatus.SEALED or tender.status is not TenderStatus.OPENING:
            return bid  # someone else resolved it meanwhile
        now = ctx.clock.now()
        bid.decryption_attempts += 1
        if outcome.opened is not None:
            bid.status, bid.opened_by, bid.opened_at = BidStatus.DECRYPTED, by, now
            bid.content_key = key.hex()
            bid.form = dict(outcome.opened.manifest["form"])
            bid.files = list(outcome.opened.manifest["files"])
            uow.emit(
                event_from(
                    ctx,
                    "BidDecrypted",
                    "tender",
                    tender.id,
                    public=True,
                    bid_id=bid.id,
                    opened_by=str(by),
                    plaintext_size=outcome.opened.plaintext_size,
                )
            )
            _settle(uow, ctx, tender)
        elif outcome.failure == "storage_damaged":
            _fail(uow, ctx, tender, bid, BidStatus.DEEMED_WITHDRAWN, "storage_damaged")
            _settle(uow, ctx, tender)
        elif outcome.failure == "manifest_invalid" or by is OpenedBy.CUSTODIANS:
            _fail(uow, ctx, tender, bid, BidStatus.REVOKED, f"{by}_{outcome.failure}")
            _settle(uow, ctx, tender)
        else:
            uow.emit(
                event_from(
                    ctx,
                    "BidDecryptionFailed",
                    "tender",
                    tender.id,
                    public=False,
                    bid_id=bid.id,
                    attempts=bid.decryption_attempts,
                )
            )
        uow.commit()
    if outcome.failure == "wrong_key" and by is OpenedBy.BIDDER:
        raise Conflict(
            "decryption_failed",
            "密钥无法解密该投标文件：请确认使用的是投标时所用加密证书的私钥，解密时限内可以重试",
            "The key does not decrypt this bid: use the private key of the encryption certificate the bid was "
            "sealed for; you may try again within the window",
            attempts=bid.decryption_attempts,
            decrypt_until=tender.decrypt_until.isoformat() if tender.decrypt_until else None,
        )
    return bid


# ---------------------------------------------------------------------------- custodians
def _custodian_index(tender: Tender, ctx: Context) -> int:
    terms = bids_.terms_of(tender)
    authorize(ctx.actor, Action.CUSTODIAN_ACT, {c.user_id for c in terms.custodians})
    return next(c.index for c in terms.custodians if c.user_id == ctx.actor.user_id)


def custodian_tasks(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> list[dict[str, Any]]:
    """The bids waiting for this custodian's share: with each, the envelope header, whose
    recipient entry for this custodian holds the wrapped share."""
    with uow:
        tender = tendering.readable_tender(uow, ctx, tender_id)
        index = _custodian_index(tender, ctx)
        if tender.status is not TenderStatus.OPENING or tender.decryption_ended_at is None:
            return []
        out = []
        for bid in _in_opening(tender, uow.bids.for_tender(tender.id)):
            current = bid.current
            if bid.status is not BidStatus.SEALED or current is None or any(s.index == index for s in bid.shares):
                continue
            out.append({"bid_id": bid.id, "section_id": bid.section_id, "index": index, "header": current.header})
        return out


def submit_share(uow: TenderingUnitOfWork, ctx: Context, bid_id: str, share: bytes) -> Bid:
    """A custodian's share of a bid's content key; with k of them the platform opens the bid."""
    with uow:
        bid = uow.bids.get(bid_id, for_update=True)
        tender = uow.tenders.get(bid.tender_id, for_update=True) if bid else None
        if bid is None or tender is None:
            raise not_found("bid", bid_id)
        index = _custodian_index(tender, ctx)
        tender.next_state(TenderAction.SUBMIT_SHARE)
        _may_decrypt(ctx, tender, bid, OpeningPhase.CUSTODIANS)
        header = _header(bid)
        if any(s.index == index for s in bid.shares):
            raise Conflict("share_already_submitted", "您已提交该投标的密钥份额", "You have already sent this share")
        envelope.check_share(header, index, share)
        now = ctx.clock.now()
        assert ctx.actor.user_id is not None
        bid.shares.append(CustodianShare(new_id("shr", now), bid.id, index, share.hex(), ctx.actor.user_id, now))
        uow.emit(
            event_from(ctx, "CustodianShareSubmitted", "tender", tender.id, public=True, bid_id=bid.id, index=index)
        )
        uow.commit()
        shares = {s.index: bytes.fromhex(s.share) for s in bid.shares}
    if header.threshold is None or len(shares) < header.threshold:
        return bid
    key = envelope.combine_shares(header, shares)
    return _record(uow, ctx, bid_id, key, _try_open(uow.blobs, bid, key), OpenedBy.CUSTODIANS)


# ---------------------------------------------------------------------------- objections and conclusion
def raise_objection(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, text: str) -> OpeningObjection:
    """开标异议: a bidder objects during the opening (条例 第四十四条)."""
    if not text.strip():
        raise DomainError("objection_text_required", "异议内容不能为空", "An objection needs text")
    with uow:
        tender = tendering.readable_tender(uow, ctx, tender_id, for_update=True)
        bids = uow.bids.for_tender(tender.id)
        authorize(ctx.actor, Action.OPENING_OBJECT, (tender, _bidder_orgs(bids)))
        tender.next_state(TenderAction.OBJECT_AT_OPENING)
        now = ctx.clock.now()
        assert ctx.actor.org_id is not None and ctx.actor.user_id is not None
        objection = OpeningObjection(
            new_id("oob", now), tender.id, ctx.actor.org_id, ctx.actor.user_id, text.strip(), now
        )
        uow.opening_objections.add(objection)
        uow.emit(event_from(ctx, "OpeningObjectionRaised", "tender", tender.id, public=True, objection_id=objection.id))
        uow.commit()
    return objection


def answer_objection(
    uow: TenderingUnitOfWork, ctx: Context, tender_id: str, objection_id: str, answer: str
) -> OpeningObjection:
    """The tenderer answers on the spot and the answer is recorded (条例 第四十四条)."""
    if not answer.strip():
        raise DomainError("answer_text_required", "答复内容不能为空", "An answer needs text")
    with uow:
        tender = tendering.readable_tender(uow, ctx, tender_id, for_update=True)
        authorize(ctx.actor, Action.TENDER_MANAGE, tender)
        tender.next_state(TenderAction.ANSWER_OPENING_OBJECTION)
        objection = next((o for o in uow.opening_objections.for_tender(tender.id) if o.id == objection_id), None)
        if objection is None:
            raise not_found("objection", objection_id)
        if objection.answer is not None:
            raise Conflict("objection_answered", "该异议已答复", "The objection has been answered")
        objection.answer, objection.answered_at, objection.answered_by = (
            answer.strip(),
            ctx.clock.now(),
            ctx.actor.user_id,
        )
        uow.emit(
            event_from(ctx, "OpeningObjectionAnswered", "tender", tender.id, public=True, objection_id=objection.id)
        )
        uow.commit()
    return objection


def conclude(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, signer: PlatformSigner) -> Tender:
    """End the opening: the record, with the objections and answers, is signed by the platform,
    published (电子办法 第三十二条) and its digest written to the ledger."""
    with uow:
        tender = tendering.readable_tender(uow, ctx, tender_id, for_update=True)
        authorize(ctx.actor, Action.TENDER_MANAGE, tender)
        tender.next_state(TenderAction.CONCLUDE_OPENING)
        now = ctx.clock.now()
        bids = uow.bids.for_tender(tender.id)
        current = _opening_phase(tender, bids, now)
        if current is not OpeningPhase.RESULTS or tender.results_at is None:
            raise Conflict(
                "opening_not_finished",
                "尚有投标文件未完成解密，不能结束开标",
                "Some bids are not yet resolved: the opening cannot be concluded",
                phase=str(current),
            )
        objections = uow.opening_objections.for_tender(tender.id)
        if any(o.answer is None for o in objections):
            raise RuleViolation(
                "opening_objection_unanswered",
                "开标现场异议须当场答复并记录后方可结束开标（条例 第四十四条）",
                "Every objection raised at the opening must be answered and recorded first (条例 第四十四条)",
                rule="min_bidders",
            )
        tender.concluded_at = now
        record = opening_record(uow, ctx, tender, bids, objections)
        tender.opening_record, tender.opening_record_signature = record, signer.sign(record, now)
        tender.apply(TenderAction.CONCLUDE_OPENING)
        uow.emit(
            event_from(
                ctx,
                "OpeningConcluded",
                "tender",
                tender.id,
                public=True,
                record_sha256=hashlib.sha256(canonicalize(record)).hexdigest(),
            )
        )
        uow.commit()
    return tender


def _price(form: dict[str, Any] | None) -> Decimal | None:
    try:
        return Decimal(str((form or {})["price"]))
    except (KeyError, InvalidOperation, ValueError):
        return None


def opening_record(
    uow: TenderingUnitOfWork, ctx: Context, tender: Tender, bids: list[Bid], objections: list[OpeningObjection]
) -> dict[str, Any]:
    """开标记录: every section, every bid with its bidder, price, declared items, deposit and
    outcome, the objections with their answers, and the disclosed sealed statements."""
    deposits = uow.deposits.for_tender(tender.id)
    statements = uow.sealed_statements.for_tender(tender.id)
    positions = uow.ledger_positions([s.id for s in statements])
    terms = bids_.terms_of(tender)

    def org_json(org_id: str | None) -> dict[str, Any] | None:
        org = uow.organisations.get(org_id) if org_id else None
        return {"name": org.name, "credit_code": org.credit_code} if org else None

    def bid_json(section: Section, bid: Bid) -> dict[str, Any]:
        org = uow.organisations.get(bid.bidder_org_id)
        assert org is not None
        price = _price(bid.form)
        current = bid.current
        return {
            "bid_id": bid.id,
            "bidder": {"name": org.name, "credit_code": org.credit_code},
            "consortium": bid.consortium,
            "status": str(bid.status),
            "opened_by": str(bid.opened_by) if bid.opened_by else None,
            "failure": bid.failure,
            "price": str(price) if price is not None else None,
            "above_max_bid_price": bool(price is not None and price > section.max_bid_price),
            "form": bid.form,
            "deposit": bids_.deposit_standing(
                ctx.rules,
                section,
                org.credit_grade,
                [d for d in deposits if d.section_id == section.id and d.bidder_org_id == bid.bidder_org_id],
            ),
            "invalid_grounds": bid.invalid_grounds,
            "submission": {
                "submission_id": current.id,
                "received_at": current.received_at.isoformat(),
                "envelope_id": current.envelope_id,
                "ciphertext_digest": current.ciphertext_digest,
                "ledger_seq": current.ledger_seq,
            }
            if current
            else None,
        }

    sections = []
    for section in tender.sections:
        in_section = [b for b in bids if b.section_id == section.id and b.standing]
        sections.append(
            {
                "section_id": section.id,
                "code": section.code,
                "name": section.name,
                "max_bid_price": str(section.max_bid_price),
                "bid_deposit": str(section.bid_deposit),
                "bids_at_deadline": section.bids_at_deadline,
                "opened": not section.failed,
                "bids": [bid_json(section, b) for b in in_section] if not section.failed else [],
            }
        )
    return {
        "format": RECORD_FORMAT,
        "tender": {
            "id": tender.id,
            "code": tender.code,
            "title": tender.title,
            "tenderer": org_json(tender.tenderer_org_id),
            "agency": org_json(tender.agency_org_id),
            "opening_place": tender.opening_place,
            "bid_deadline": tender.bid_deadline.isoformat(),
            "supervising_department": tender.supervising_department,
        },
        "opened_at": tender.opening_started_at.isoformat() if tender.opening_started_at else None,
        "decrypt_until": tender.decrypt_until.isoformat() if tender.decrypt_until else None,
        "concluded_at": tender.concluded_at.isoformat() if tender.concluded_at else None,
        "custodians": [{"index": c.index, "name": c.name} for c in terms.custodians],
        "threshold": terms.threshold,
        "sections": sections,
        "objections": [
            {
                "objection_id": o.id,
                "objector": org_json(o.objector_org_id),
                "raised_at": o.raised_at.isoformat(),
                "text": o.text,
                "answer": o.answer,
                "answered_at": o.answered_at.isoformat() if o.answered_at else None,
            }
            for o in objections
        ],
        "disclosed_statements": [
            {
                "kind": s.kind,
                "statement": s.statement,
                "digest": s.digest,
                "digest_alg": s.digest_alg,
                "ledger_seq": positions.get(s.id),
            }
            for s in statements
        ],
    }


# ---------------------------------------------------------------------------- reading
def view(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> dict[str, Any]:
    """The opening as its participants see it, and the concluded record as everyone does."""
    with uow:
        tender = tendering.readable_tender(uow, ctx, tender_id)
        bids = uow.bids.for_tender(tender.id)
        authorize(ctx.actor, Action.OPENING_READ, (tender, _bidder_orgs(bids)))
        now = ctx.clock.now()
        current = _opening_phase(tender, bids, now) if tender.decrypt_until else None
        names = {}
        for b in bids:
            org = uow.organisations.get(b.bidder_org_id)
            names[b.bidder_org_id] = org.name if org else None
        shown = tender.status is not TenderStatus.OPENED
        return {
            "tender_id": tender.id,
            "status": str(tender.status),
            "phase": str(current) if current else None,
            "opened_at": tender.opening_started_at,
            "decrypt_until": tender.decrypt_until,
            "custodian_until": tender.custodian_until,
            "results_at": tender.results_at,
            "concluded_at": tender.concluded_at,
            "sections": [
                {
                    "section_id": s.id,
                    "code": s.code,
                    "name": s.name,
                    "bids_at_deadline": s.bids_at_deadline,
                    "opened": not s.failed,
                }
                for s in tender.sections
            ],
            "bids": [
                {
                    "bid_id": b.id,
                    "section_id": b.section_id,
                    "bidder": names[b.bidder_org_id],
                    "status": str(b.status),
                    "opened_by": str(b.opened_by) if b.opened_by else None,
                    "price": (b.form or {}).get("price"),
                    "invalid_grounds": b.invalid_grounds,
                }
                for b in _in_opening(tender, bids)
            ]
            if shown
            else [],
            "objections": [
                {"objection_id": o.id, "text": o.text, "answer": o.answer, "raised_at": o.raised_at}
                for o in uow.opening_objections.for_tender(tender.id)
            ]
            if shown
            else [],
            "record": tender.opening_record,
            "record_signature": tender.opening_record_signature,
        }


# ---------------------------------------------------------------------------- re-tendering
def retender(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> Tender:
    """依法重新招标: a new draft with the sections that failed, documents and terms copied."""
    with uow:
        old = tendering.readable_tender(uow, ctx, tender_id)
        authorize(ctx.actor, Action.TENDER_MANAGE, old)
        failed = [s for s in old.sections if s.failed]
        if old.status is TenderStatus.FAILED:
            old.next_state(TenderAction.RETENDER)
        if not failed:
            raise Conflict(
                "nothing_to_retender", "没有流标的标段需要重新招标", "No section failed: nothing to tender again"
            )
        now = ctx.clock.now()
        new_id_ = new_id("tnd", now)
        fresh = Tender(
            id=new_id_,
            code=f"ZB{now:%Y%m%d}{new_id_[-10:]}",
            plan_id=old.plan_id,
            tenderer_org_id=old.tenderer_org_id,
            created_at=now,
            retender_of=old.id,
            sealing=old.sealing,
            evaluation_scheme=old.evaluation_scheme,
            **{name: getattr(old, name) for name in tendering._TENDER_SCALARS},
        )
        fresh.invitee_org_ids = list(old.invitee_org_ids)
        fresh.title = f"{old.title}（重新招标）"[:200]
        for n, s in enumerate(failed, start=1):
            fresh.sections.append(
                Section(
                    new_id("sec", now),
                    fresh.id,
                    n,
                    f"{fresh.code}{n:03d}",
                    s.name,
                    s.scope,
                    s.estimated_price,
                    s.max_bid_price,
                    s.bid_deposit,
                )
            )
        for version, doc in enumerate(old.current_documents(), start=1):
            fresh.documents.append(
                TenderDocument(
                    new_id("doc", now),
                    fresh.id,
                    doc.kind,
                    doc.title,
                    doc.filename,
                    doc.media_type,
                    doc.sha256,
                    doc.size,
                    version,
                    now,
                    ctx.actor.user_id,
                )
            )
        uow.tenders.add(fresh)
        uow.emit(
            event_from(ctx, "TenderDrafted", "tender", fresh.id, public=False, plan_id=old.plan_id, retender_of=old.id)
        )
        uow.commit()
    return fresh


# ---------------------------------------------------------------------------- the scheduler
def run_due(uow: TenderingUnitOfWork, ctx: Context) -> list[tuple[str, str]]:
    """Everything time requires: bidding closes, the opening starts and its windows end,
    objections and refunds are flagged when overdue. Running it twice changes nothing more."""
    done = tendering.run_due(uow, ctx)
    with uow:
        ids = uow.tenders.active_ids()
    for tender_id in ids:
        with uow:
            tender = uow.tenders.get(tender_id, for_update=True)
            if tender is None:
                continue
            actions = [a for a in due_actions(tender, ctx.clock.now()) if a[0] in _OPENING_ACTIONS]
            for action, subject in actions:
                _OPENING_ACTIONS[action](uow, ctx, tender)
                done.append((str(action), subject))
            if actions:
                uow.commit()
    done += [("flag_overdue_refund", d) for d in bids_.flag_overdue_refunds(uow, ctx)]
    return done


_OPENING_ACTIONS = {
    DueAction.OPEN_BIDS: open_bids,
    DueAction.END_DECRYPTION: end_decryption,
    DueAction.END_CUSTODIANS: end_custodians,
}
