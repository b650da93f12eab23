"""Sealed bids (M5) and deposits (M6): sealing terms, submission, receipts, withdrawal.

Before the deadline the platform holds ciphertext, digests and signatures, never a key
(电子招标投标办法 第二十七条), and shows a bid to nobody but its bidder (法 第二十二条). What
the ledger records before the deadline is a digest of a sealed statement; the opening record
discloses the statements (ADR 10).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sunbid.crypto import canonicalize, envelope, get_suite, keys
from sunbid.crypto.x509 import Certificate
from sunbid.identity.policy import Action, allowed, authorize, authorize_read
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, RuleViolation, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.ports import BlobRefLike
from sunbid.kernel.rules import RuleBook
from sunbid.tendering.bid_model import (
    Bid,
    BidStatus,
    BidSubmission,
    Deposit,
    DepositKind,
    DepositStatus,
    SealedStatement,
    SealingTerms,
    SubmissionStatus,
    TenderCustodian,
    deposit_required,
    refund_due,
)
from sunbid.tendering.model import Section, Tender, TenderAction, TenderStatus
from sunbid.tendering.ports import TenderingUnitOfWork
from sunbid.tendering.service import readable_tender
from sunbid.tendering.signing import GuaranteeVerifier, PlatformSigner, SealCheck, Signer

#: The key algorithm an encryption certificate must have in each suite.
ENCRYPTION_ALGORITHM = {"gm": keys.SM2, "intl": keys.X25519}
MAX_CUSTODIANS = 15
WINDOW_MINUTES = range(5, 24 * 60 + 1)


# ---------------------------------------------------------------------------- helpers
def _section(tender: Tender, section_id: str) -> Section:
    section = next((s for s in tender.sections if s.id == section_id), None)
    if section is None:
        raise not_found("section", section_id)
    return section


def terms_of(tender: Tender) -> SealingTerms:
    return SealingTerms.from_json(tender.sealing)


def sealed_event(
    ctx: Context, uow: TenderingUnitOfWork, tender: Tender, kind: str, name: str, statement: dict[str, Any], alg: str
) -> SealedStatement:
    """Record ``statement`` (with a fresh salt) and emit its digest as a non-public event whose
    subject is the statement itself: it says that something happened, not for which tender."""
    now = ctx.clock.now()
    record_id = new_id("sst", now)
    body = {**statement, "statement_id": record_id, "salt": secrets.token_hex(16)}
    digest = get_suite("gm" if alg == "sm3" else "intl").hash(canonicalize(body)).hex()
    record = SealedStatement(record_id, tender.id, kind, body, digest, alg, now)
    uow.sealed_statements.add(record)
    uow.emit(event_from(ctx, name, "sealed", record_id, public=False, statement_digest=digest, digest_alg=alg))
    return record


def _alg(suite: str) -> str:
    return get_suite(suite).hash_name


def _when(moment: datetime) -> str:
    from sunbid.crypto.signatures import format_time

    return format_time(moment)


# ---------------------------------------------------------------------------- sealing terms
@dataclass(frozen=True)
class CustodianIn:
    user_id: str
    certificates: Mapping[str, bytes]  # suite -> DER of the custodian's encryption certificate


def set_sealing(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender_id: str,
    *,
    suites: Sequence[str],
    decrypt_window_minutes: int,
    custodian_window_minutes: int,
    threshold: int | None,
    custodians: Sequence[CustodianIn],
    check: SealCheck,
) -> SealingTerms:
    """How bids must be sealed and opened, as the tender documents will state it: the accepted
    suites, the decryption window, and the opening custodians with their threshold (电子办法
    第三十一条: the tender documents may set a fallback for decryption failures)."""
    wanted = tuple(dict.fromkeys(suites))
    if not wanted or any(s not in ENCRYPTION_ALGORITHM for s in wanted):
        raise DomainError(
            "suites_invalid",
            "可接受的密码套件须为 gm、intl 之一或两者",
            "The accepted suites are gm, intl or both",
            suites=list(suites),
        )
    for minutes, what in ((decrypt_window_minutes, "decrypt"), (custodian_window_minutes, "custodian")):
        if minutes not in WINDOW_MINUTES:
            raise DomainError(
                "window_invalid",
                f"解密时限须在 {WINDOW_MINUTES.start} 至 {WINDOW_MINUTES.stop - 1} 分钟之间",
                f"The {what} window is between {WINDOW_MINUTES.start} and {WINDOW_MINUTES.stop - 1} minutes",
            )
    if custodians and (threshold is None or not 1 <= threshold <= len(custodians) <= MAX_CUSTODIANS):
        raise DomainError(
            "threshold_invalid",
            f"门限 k 须满足 1 ≤ k ≤ n ≤ {MAX_CUSTODIANS}",
            f"The threshold k must satisfy 1 <= k <= n <= {MAX_CUSTODIANS}",
        )
    if not custodians and threshold is not None:
        raise DomainError("threshold_without_custodians", "未设密钥保管人，不能设门限", "A threshold needs custodians")
    if len({c.user_id for c in custodians}) != len(custodians):
        raise DomainError("custodian_repeated", "同一保管人不能重复", "A custodian appears twice")
    now = ctx.clock.now()
    with uow:
        tender = readable_tender(uow, ctx, tender_id, for_update=True)
        authorize(ctx.actor, Action.TENDER_MANAGE, tender)
        tender.apply(TenderAction.SET_SEALING)
        held: list[TenderCustodian] = []
        for index, custodian in enumerate(custodians, start=1):
            user = uow.users.get(custodian.user_id)
            if user is None:
                raise not_found("user", custodian.user_id)
            certificates, fingerprints = {}, {}
            for suite in wanted:
                der = custodian.certificates.get(suite)
                if der is None:
                    raise DomainError(
                        "custodian_certificate_missing",
                        f"保管人 {user.display_name} 缺少 {suite} 套件的加密证书",
                        f"Custodian {user.display_name} has no encryption certificate for the {suite} suite",
                        user_id=user.id,
                        suite=suite,
                    )
                _check_encryption_certificate(check, der, suite, now)
                certificates[suite] = Certificate.from_der(der).to_base64()
                fingerprints[suite] = Certificate.from_der(der).fingerprint()
            held.append(TenderCustodian(index, user.id, user.display_name, certificates, fingerprints))
        terms = SealingTerms(
            suites=wanted,
            decrypt_window_minutes=decrypt_window_minutes,
            custodian_window_minutes=custodian_window_minutes,
            threshold=threshold if held else None,
            custodians=tuple(held),
        )
        tender.sealing = terms.as_json()
        uow.emit(
            event_from(
                ctx,
                "SealingTermsSet",
                "tender",
                tender.id,
                public=False,
                suites=list(wanted),
                threshold=terms.threshold,
                custodians=[c.fingerprints for c in held],
            )
        )
        uow.commit()
    return terms


def _check_encryption_certificate(check: SealCheck, der: bytes, suite: str, now: datetime) -> Signer:
    try:
        certificate = Certificate.from_der(der)
    except DomainError:
        raise DomainError(
            "certificate_malformed", "加密证书格式错误", "The encryption certificate is malformed"
        ) from None
    if certificate.key_algorithm != ENCRYPTION_ALGORITHM[suite]:
        raise DomainError(
            "encryption_certificate_wrong_suite",
            f"{suite} 套件的加密证书须为 {ENCRYPTION_ALGORITHM[suite]} 密钥",
            f"An encryption certificate for the {suite} suite holds an {ENCRYPTION_ALGORITHM[suite]} key",
            suite=suite,
            key_algorithm=certificate.key_algorithm,
        )
    return check.check_encryption_certificate(der, now)


# ---------------------------------------------------------------------------- submission
def prepare_submission(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, section_id: str) -> None:
    """Before any byte is accepted: the caller may bid in this section now."""
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        _section(tender, section_id)
        _may_submit(ctx, tender)


def _may_submit(ctx: Context, tender: Tender) -> None:
    authorize(ctx.actor, Action.BID_SUBMIT, tender)
    now = ctx.clock.now()
    if tender.status is TenderStatus.ANNOUNCED and now >= tender.bid_deadline:
        raise _deadline_passed(tender)
    tender.next_state(TenderAction.SUBMIT_BID)


def _deadline_passed(tender: Tender) -> Conflict:
    return Conflict(
        "bid_deadline_passed",
        "投标截止时间已过，投标文件不予接收；截止时仍未传输完成的视为撤回（电子招标投标办法 第二十七条）",
        "The bid deadline has passed: bids are refused, and one still uploading at the deadline counts as "
        "withdrawn (电子招标投标办法 第二十七条)",
        bid_deadline=tender.bid_deadline.isoformat(),
    )


@dataclass(frozen=True)
class ReceivedEnvelope:
    """An uploaded envelope in the blob store, as the platform's scanner read it."""

    blob: BlobRefLike
    scanned: envelope.Scanned
    client_address: str | None = None


def _refuse(code: str, zh: str, en: str, **details: Any) -> DomainError:
    return DomainError(
        code,
        f"{zh}（电子招标投标办法 第二十六条：未按规定加密的投标文件应当拒收）",
        f"{en} (电子招标投标办法 第二十六条: a bid not sealed as required is refused)",
        **details,
    )


def _check_envelope(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender: Tender,
    section: Section,
    received: ReceivedEnvelope,
    check: SealCheck,
) -> tuple[list[dict[str, Any]], Signer, Signer]:
    """Everything the platform can check of a sealed bid without its key; returns the
    consortium's members, the signer and the encryption certificate's holder."""
    scanned, now = received.scanned, ctx.clock.now()
    header = scanned.header
    terms = terms_of(tender)
    assert ctx.actor.org_id is not None
    org = uow.organisations.get(ctx.actor.org_id)
    assert org is not None
    if header.tender_id != tender.id or header.section_id != section.id:
        raise _refuse(
            "envelope_for_another_tender",
            "该投标文件是为其他招标项目或标段加密的",
            "The envelope was sealed for another tender or section",
            envelope_tender=header.tender_id,
            envelope_section=header.section_id,
        )
    if header.suite.name not in terms.suites:
        raise _refuse(
            "suite_not_accepted",
            f"本项目只接受 {'、'.join(terms.suites)} 密码套件加密的投标文件",
            f"This tender accepts bids sealed with the {', '.join(terms.suites)} suite only",
            suite=header.suite.name,
            accepted=list(terms.suites),
        )
    if header.bidder.credit_code != org.credit_code:
        raise _refuse(
            "envelope_bidder_mismatch",
            "投标文件中的投标人与当前登录单位不一致",
            "The envelope names another bidder than the organisation submitting it",
        )
    members = _consortium(uow, tender, org, header)
    if scanned.first_chunk_compresses:
        raise _refuse(
            "bid_not_encrypted",
            "投标文件内容未加密（数据可被压缩，不是密文）",
            "The bid's content is not encrypted: it compresses, and ciphertext does not",
        )
    holder = _check_encryption_certificate(check, header.bidder_recipient.certificate.der, header.suite.name, now)
    if holder.credit_code != org.credit_code:
        raise _refuse(
            "encryption_certificate_not_bidders",
            "数字信封的加密证书不属于投标人",
            "The certificate the content key is wrapped for does not belong to the bidder",
        )
    expected = [(c.index, c.fingerprints[header.suite.name]) for c in terms.custodians]
    found = [(r.index, r.certificate.fingerprint()) for r in header.custodians]
    if sorted(found) != expected or header.threshold != terms.threshold:
        raise _refuse(
            "custodians_mismatch",
            "投标文件未按招标文件要求为开标密钥保管人分存密钥（保管人或门限不符）",
            "The envelope does not escrow the content key for the tender's custodians as required "
            "(custodians or threshold differ)",
            expected=len(expected),
            found=len(found),
        )
    if scanned.trailer.statement != envelope.statement(header, scanned.ciphertext_digest, scanned.frames):
        raise _refuse(
            "seal_statement_mismatch",
            "投标文件的摘要与签名声明不符：密文或承诺值已被改动",
            "The envelope's digests do not match its signed statement: the ciphertext or the commitment was altered",
        )
    if scanned.trailer.signature.get("suite") != header.suite.name:
        raise _refuse(
            "seal_signature_wrong_suite",
            "投标文件的签名算法与加密套件不一致",
            "The envelope is signed with another suite than it is sealed with",
        )
    signer = check.verify_seal(scanned.trailer.statement, scanned.trailer.signature, now)
    if signer.credit_code != org.credit_code:
        raise _refuse(
            "seal_signer_not_bidder",
            "投标文件不是由投标人的签名证书签名的",
            "The envelope is not signed with the bidder's signing certificate",
        )
    if uow.bids.envelope_seen(header.envelope_id):
        raise Conflict(
            "bid_replayed",
            "该投标文件已递交过，不能重复递交；请重新加密后递交",
            "This envelope was submitted before and cannot be submitted again: seal the bid anew",
            envelope_id=header.envelope_id,
        )
    if not uow.blobs.exists(received.blob.sha256):
        raise DomainError("blob_missing", "投标文件内容未保存", "The envelope's bytes were not stored")
    return members, signer, holder


def _consortium(uow: TenderingUnitOfWork, tender: Tender, lead: Any, header: envelope.Header) -> list[dict[str, Any]]:
    if not header.consortium:
        return []
    if not tender.consortium_accepted:
        raise DomainError(
            "consortium_not_accepted",
            "本项目不接受联合体投标（条例 第三十七条）",
            "This tender does not accept consortium bids (条例 第三十七条)",
        )
    members: list[dict[str, Any]] = []
    total = Decimal(0)
    for m in header.consortium:
        org = uow.organisations.by_credit_code(m.credit_code)
        if org is None:
            raise DomainError(
                "consortium_member_unknown",
                f"联合体成员 {m.name}（{m.credit_code}）未在平台注册",
                f"Consortium member {m.name} ({m.credit_code}) is not registered",
            )
        try:
            share = Decimal(m.share)
        except InvalidOperation:
            share = Decimal(-1)
        if not Decimal(0) < share <= Decimal(100):
            raise DomainError("consortium_share_invalid", "联合体成员分工比例须在 0 至 100 之间", "A share is 0-100")
        total += share
        members.append({"org_id": org.id, "credit_code": org.credit_code, "name": org.name, "share": str(share)})
    codes = [m["credit_code"] for m in members]
    if len(members) < 2 or len(set(codes)) != len(codes) or lead.credit_code not in codes:
        raise DomainError(
            "consortium_invalid",
            "联合体须由两个以上不同单位组成，并包括牵头人",
            "A consortium has two or more distinct members, its lead among them",
        )
    if total != Decimal(100):
        raise DomainError(
            "consortium_shares_not_100", "联合体成员分工比例之和须为 100%", "The members' shares add up to 100%"
        )
    return members


def submit_bid(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender_id: str,
    section_id: str,
    received: ReceivedEnvelope,
    *,
    check: SealCheck,
    signer: PlatformSigner,
) -> tuple[Bid, BidSubmission]:
    """Accept a sealed bid (递交投标文件), replacing the bidder's earlier one in this section,
    and return it with its signed receipt (回执, 电子办法 第二十七条)."""
    header = received.scanned.header
    with uow:
        tender = readable_tender(uow, ctx, tender_id, for_update=True)
        section = _section(tender, section_id)
        _may_submit(ctx, tender)
        members, seal_signer, holder = _check_envelope(uow, ctx, tender, section, received, check)
        assert ctx.actor.org_id is not None and ctx.actor.user_id is not None
        org = uow.organisations.get(ctx.actor.org_id)
        assert org is not None
        now = ctx.clock.now()
        bid = uow.bids.of_bidder(section.id, org.id)
        if bid is None:
            bid = Bid(new_id("bid", now), tender.id, section.id, org.id, now)
            uow.bids.add(bid)
        elif bid.status is BidStatus.WITHDRAWN:
            bid.status, bid.withdrawn_at = BidStatus.SEALED, None
            for deposit in uow.deposits.of_bidder(section.id, org.id):
                if deposit.status is DepositStatus.REFUND_DUE and deposit.refund_reason == "withdrawn":
                    deposit.status, deposit.refund_due_at, deposit.refund_reason = DepositStatus.HELD, None, None
        bid.consortium = members
        previous = bid.current
        if previous is not None:
            previous.status = SubmissionStatus.REPLACED
        submission = BidSubmission(
            id=new_id("sub", now),
            bid_id=bid.id,
            number=len(bid.submissions) + 1,
            envelope_id=header.envelope_id,
            blob_sha256=received.blob.sha256,
            size=received.blob.size,
            suite=header.suite.name,
            header=header.raw.decode("utf-8"),
            header_digest=header.digest.hex(),
            ciphertext_digest=received.scanned.ciphertext_digest.hex(),
            frames=received.scanned.frames,
            seal_statement=received.scanned.trailer.statement,
            seal_signature=received.scanned.trailer.signature,
            signer_subject=seal_signer.subject,
            signer_certificate_sha256=seal_signer.certificate_sha256,
            encryption_certificate_sha256=holder.certificate_sha256,
            client=dict(header.client),
            address=received.client_address or ctx.address,
            user_id=ctx.actor.user_id,
            received_at=now,
            salt="",
        )
        bid.submissions.append(submission)
        statement = {
            "format": "sunbid-submission/1",
            "submission_id": submission.id,
            "bid_id": bid.id,
            "replaces": previous.id if previous else None,
            "tender_id": tender.id,
            "tender_code": tender.code,
            "section_id": section.id,
            "section_code": section.code,
            "bidder": {"credit_code": org.credit_code, "name": org.name},
            "consortium": [m["credit_code"] for m in members],
            "envelope_id": header.envelope_id,
            "suite": header.suite.name,
            "header_digest": submission.header_digest,
            "ciphertext_digest": submission.ciphertext_digest,
            "frames": submission.frames,
            "blob_sha256": submission.blob_sha256,
            "size": submission.size,
            "received_at": _when(now),
        }
        record = sealed_event(ctx, uow, tender, "submission", "BidSealed", statement, _alg(submission.suite))
        submission.salt = str(record.statement["salt"])
        uow.commit()
        seq = next(s for s, e in uow.committed_events if e.subject_id == record.id)
    submission.ledger_seq = seq
    submission.receipt = _issue_receipt(uow, ctx, submission.id, record, seq, signer)
    return bid, submission


def _receipt_document(record: SealedStatement, seq: int, entry: str) -> dict[str, Any]:
    """The statement, its digest, and the ledger entry that holds the digest: with an inclusion
    proof of that entry anyone can check when the platform received the bid."""
    return {
        "format": "sunbid-receipt/1",
        "statement": record.statement,
        "statement_digest": record.digest,
        "digest_alg": record.digest_alg,
        "ledger_seq": seq,
        "ledger_entry": entry,
    }


def _issue_receipt(
    uow: TenderingUnitOfWork,
    ctx: Context,
    submission_id: str,
    record: SealedStatement,
    seq: int,
    signer: PlatformSigner,
) -> dict[str, Any]:
    """The receipt is signed once the ledger position is known, and kept (made again if lost)."""
    with uow:
        document = _receipt_document(record, seq, uow.ledger_entry(seq))
    receipt = {"receipt": document, "signature": signer.sign(document, ctx.clock.now())}
    with uow:
        stored = uow.bids.submission(submission_id)
        assert stored is not None
        if stored.receipt is None:
            stored.ledger_seq, stored.receipt = seq, receipt
            uow.commit()
        return stored.receipt


def receipt(
    uow: TenderingUnitOfWork, ctx: Context, bid_id: str, submission_id: str, signer: PlatformSigner
) -> dict[str, Any]:
    """A submission's signed receipt, for its bidder (and oversight after the deadline)."""
    with uow:
        bid, tender = _bid_for(uow, ctx, bid_id)
        submission = next((s for s in bid.submissions if s.id == submission_id), None)
        if submission is None:
            raise not_found("submission", submission_id)
        if submission.receipt is not None:
            return submission.receipt
        statement = next(
            r
            for r in uow.sealed_statements.for_tender(tender.id)
            if r.kind == "submission" and r.statement.get("submission_id") == submission.id
        )
        seq = uow.ledger_positions([statement.id])[statement.id]
    return _issue_receipt(uow, ctx, submission.id, statement, seq, signer)


def _bid_for(uow: TenderingUnitOfWork, ctx: Context, bid_id: str, *, for_update: bool = False) -> tuple[Bid, Tender]:
    bid = uow.bids.get(bid_id, for_update=for_update)
    tender = uow.tenders.get(bid.tender_id, for_update=for_update) if bid else None
    if bid is None or tender is None:
        raise not_found("bid", bid_id)
    authorize_read(ctx.actor, Action.BID_READ, (tender, bid), not_found("bid", bid_id))
    return bid, tender


def get_bid(uow: TenderingUnitOfWork, ctx: Context, bid_id: str) -> tuple[Bid, Tender]:
    with uow:
        return _bid_for(uow, ctx, bid_id)


def visible_bids(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> list[Bid]:
    """Before the deadline a bidder sees its own bids and nobody sees anyone else's: not even
    how many there are (法 第二十二条)."""
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        if ctx.actor.is_public:
            authorize(ctx.actor, Action.BID_READ, None)
        return [b for b in uow.bids.for_tender(tender.id) if allowed(ctx.actor, Action.BID_READ, (tender, b))]


def withdraw_bid(uow: TenderingUnitOfWork, ctx: Context, bid_id: str) -> Bid:
    """撤回 before the deadline by notice (条例 第三十五条): the deposit is refunded within 5 days."""
    with uow:
        bid, tender = _bid_for(uow, ctx, bid_id, for_update=True)
        if ctx.actor.org_id != bid.bidder_org_id or not allowed(ctx.actor, Action.BID_SUBMIT, tender):
            raise Forbidden("forbidden", "只有投标人本身可以撤回投标", "Only the bidder itself can withdraw its bid")
        now = ctx.clock.now()
        if tender.status is TenderStatus.ANNOUNCED and now >= tender.bid_deadline:
            raise _deadline_passed(tender)
        tender.next_state(TenderAction.WITHDRAW_BID)
        if bid.status is not BidStatus.SEALED:
            raise Conflict("bid_not_standing", "该投标已撤回", "The bid has already been withdrawn")
        current = bid.current
        assert current is not None
        current.status = SubmissionStatus.WITHDRAWN
        bid.status, bid.withdrawn_at = BidStatus.WITHDRAWN, now
        for deposit in uow.deposits.of_bidder(bid.section_id, bid.bidder_org_id):
            if deposit.status is DepositStatus.HELD:
                deposit.status = DepositStatus.REFUND_DUE
                deposit.refund_due_at = refund_due(ctx.rules, "deposit_refund_after_withdraw_days", now)
                deposit.refund_reason = "withdrawn"
        sealed_event(
            ctx,
            uow,
            tender,
            "withdrawal",
            "BidWithdrawn",
            {
                "format": "sunbid-withdrawal/1",
                "bid_id": bid.id,
                "submission_id": current.id,
                "tender_id": tender.id,
                "section_id": bid.section_id,
                "withdrawn_at": _when(now),
            },
            _alg(current.suite),
        )
        uow.commit()
    return bid


def evidence(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> list[dict[str, Any]]:
    """What each submission recorded for the collusion signals (条例 第四十条): the client's
    address, the device and hardware the bid tool reported, the certificates, the files'
    authors and software, the project manager named and the deposits' payer accounts.
    Supervisors and auditors, after the deadline."""
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        authorize(ctx.actor, Action.BID_EVIDENCE_READ, tender)
        deposits = uow.deposits.for_tender(tender.id)
        out = []
        for bid in uow.bids.for_tender(tender.id):
            paid = [
                {
                    "kind": str(d.kind),
                    "payer_account_name": d.payer_account_name,
                    "payer_account_number": d.payer_account_number,
                    "payer_bank": d.payer_bank,
                    "issuer_credit_code": d.issuer_credit_code,
                }
                for d in deposits
                if d.section_id == bid.section_id and d.bidder_org_id == bid.bidder_org_id
            ]
            manager = (bid.form or {}).get("project_manager")
            for s in bid.submissions:
                out.append(
                    {
                        "bid_id": bid.id,
                        "section_id": bid.section_id,
                        "bidder_org_id": bid.bidder_org_id,
                        "submission_id": s.id,
                        "status": str(s.status),
                        "received_at": s.received_at,
                        "address": s.address,
                        "client": s.client,
                        "signer_certificate_sha256": s.signer_certificate_sha256,
                        "encryption_certificate_sha256": s.encryption_certificate_sha256,
                        "blob_sha256": s.blob_sha256,
                        "files": [
                            {k: f.get(k) for k in ("name", "sha256", "size", "author", "creator")}
                            for f in (bid.files or [])
                        ]
                        if s.status is SubmissionStatus.CURRENT
                        else [],
                        "project_manager": manager if s.status is SubmissionStatus.CURRENT else None,
                        "deposits": paid,
                    }
                )
        return out


# ---------------------------------------------------------------------------- deposits
@dataclass(frozen=True)
class TransferIn:
    bidder_credit_code: str
    amount: Decimal
    payer_account_name: str
    payer_account_number: str
    payer_bank: str
    reference: str
    paid_at: datetime


def _before_deadline(tender: Tender, now: datetime) -> None:
    if tender.status not in (TenderStatus.ANNOUNCED, TenderStatus.SUSPENDED) or now >= tender.bid_deadline:
        raise RuleViolation(
            "deposit_after_deadline",
            "投标保证金须在投标截止时间前缴纳（条例 第二十六条）",
            "Deposits are paid before the bid deadline (条例 第二十六条)",
            rule="bid_deposit_max_ratio",
        )


def record_transfer(
    uow: TenderingUnitOfWork, ctx: Context, tender_id: str, section_id: str, cmd: TransferIn
) -> Deposit:
    """The settlement bank's notice of a deposit paid by transfer, with the payer's account
    (条例 第二十六条: from the bidder's basic account; 第四十条: the same account for two bidders
    is deemed collusion)."""
    authorize(ctx.actor, Action.DEPOSIT_BANK)
    if cmd.amount <= 0:
        raise DomainError("amount_not_positive", "金额必须大于零", "The amount must be positive")
    blank = [
        n
        for n in ("payer_account_name", "payer_account_number", "payer_bank", "reference")
        if not getattr(cmd, n).strip()
    ]
    if blank:
        raise DomainError(
            "transfer_incomplete", f"转账信息缺少：{', '.join(blank)}", f"The transfer lacks {', '.join(blank)}"
        )
    with uow:
        tender = uow.tenders.get(tender_id, for_update=True)
        if tender is None:
            raise not_found("tender", tender_id)
        section = _section(tender, section_id)
        now = ctx.clock.now()
        _before_deadline(tender, now)
        org = uow.organisations.by_credit_code(cmd.bidder_credit_code)
        if org is None:
            raise not_found("organisation", cmd.bidder_credit_code)
        if any(d.reference == cmd.reference.strip() for d in uow.deposits.for_tender(tender.id)):
            raise Conflict("transfer_recorded", "该笔转账已登记", "This transfer is already recorded")
        deposit = Deposit(
            id=new_id("dep", now),
            tender_id=tender.id,
            section_id=section.id,
            bidder_org_id=org.id,
            kind=DepositKind.TRANSFER,
            amount=cmd.amount,
            recorded_at=now,
            recorded_by=ctx.actor.user_id,
            payer_account_name=cmd.payer_account_name.strip(),
            payer_account_number=cmd.payer_account_number.strip(),
            payer_bank=cmd.payer_bank.strip(),
            reference=cmd.reference.strip(),
            paid_at=cmd.paid_at,
        )
        uow.deposits.add(deposit)
        _deposit_event(ctx, uow, tender, deposit)
        uow.commit()
    return deposit


def _deposit_event(ctx: Context, uow: TenderingUnitOfWork, tender: Tender, deposit: Deposit) -> None:
    sealed_event(
        ctx,
        uow,
        tender,
        "deposit",
        "DepositRecorded",
        {
            "format": "sunbid-deposit/1",
            "deposit_id": deposit.id,
            "tender_id": tender.id,
            "section_id": deposit.section_id,
            "bidder_org_id": deposit.bidder_org_id,
            "kind": str(deposit.kind),
            "amount": str(deposit.amount),
            "reference": deposit.reference,
            "recorded_at": _when(deposit.recorded_at),
        },
        "sm3",
    )


GUARANTEE_FORMAT = "sunbid-guarantee/1"


def submit_guarantee(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender_id: str,
    section_id: str,
    document: Mapping[str, Any],
    signature: Mapping[str, Any],
    verifier: GuaranteeVerifier,
) -> Deposit:
    """An electronic guarantee (电子保函) instead of cash: checked with its issuer; it must cover
    the deposit the bidder owes and stay valid for the whole bid validity (条例 第二十六条)."""
    authorize(ctx.actor, Action.DEPOSIT_GUARANTEE)
    fields = ("format", "number", "issuer", "applicant", "beneficiary", "tender_id", "section_id", "amount")
    if not isinstance(document, Mapping) or any(f not in document for f in (*fields, "valid_from", "valid_until")):
        raise DomainError(
            "guarantee_malformed",
            "保函缺少必要内容",
            f"The guarantee lacks fields: it needs {', '.join(fields)}, valid_from and valid_until",
        )
    if document["format"] != GUARANTEE_FORMAT:
        raise DomainError("guarantee_malformed", "保函格式不符", f"The guarantee format is {GUARANTEE_FORMAT}")
    try:
        amount = Decimal(str(document["amount"]))
        valid_from = datetime.fromisoformat(str(document["valid_from"]))
        valid_until = datetime.fromisoformat(str(document["valid_until"]))
        issuer_code, issuer_name = str(document["issuer"]["credit_code"]), str(document["issuer"]["name"])
        applicant_code = str(document["applicant"]["credit_code"])
        beneficiary_code = str(document["beneficiary"]["credit_code"])
    except (InvalidOperation, ValueError, TypeError, KeyError):
        raise DomainError("guarantee_malformed", "保函内容格式错误", "The guarantee's values are malformed") from None
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise DomainError("guarantee_malformed", "保函有效期须带时区", "The guarantee's dates need a time zone")
    with uow:
        tender = readable_tender(uow, ctx, tender_id, for_update=True)
        section = _section(tender, section_id)
        now = ctx.clock.now()
        _before_deadline(tender, now)
        assert ctx.actor.org_id is not None
        org = uow.organisations.get(ctx.actor.org_id)
        tenderer = uow.organisations.get(tender.tenderer_org_id)
        assert org is not None and tenderer is not None
        checked = verifier.verify(document, signature, now)
        if checked.credit_code != issuer_code:
            raise DomainError(
                "guarantee_signer_not_issuer", "保函不是由其出具机构签名的", "The guarantee is not signed by its issuer"
            )
        problems = []
        if applicant_code != org.credit_code:
            problems.append("applicant")
        if beneficiary_code != tenderer.credit_code:
            problems.append("beneficiary")
        if document["tender_id"] != tender.id or document["section_id"] != section.id:
            problems.append("section")
        if problems:
            raise DomainError(
                "guarantee_not_for_this_bid",
                "保函的申请人、受益人或标段与本次投标不符",
                f"The guarantee's {', '.join(problems)} do not match this bid",
                fields=problems,
            )
        owed = deposit_required(ctx.rules, section.bid_deposit, org.credit_grade)
        if amount < owed:
            raise RuleViolation(
                "guarantee_amount_too_low",
                f"保函金额 {amount} 元低于应缴投标保证金 {owed} 元",
                f"The guarantee of {amount} yuan is less than the deposit owed, {owed} yuan",
                rule="bid_deposit_max_ratio",
                owed=str(owed),
            )
        needed_until = tender.bid_deadline + timedelta(days=tender.bid_validity_days)
        if valid_from > tender.bid_deadline or valid_until < needed_until:
            raise RuleViolation(
                "guarantee_validity_too_short",
                f"保函有效期须覆盖投标有效期，至少至 {needed_until.isoformat()}（条例 第二十六条）",
                f"The guarantee must be valid for the whole bid validity, until at least {needed_until.isoformat()} "
                "(条例 第二十六条)",
                rule="bid_deposit_max_ratio",
                needed_until=needed_until.isoformat(),
            )
        number = str(document["number"]).strip()
        if any(d.kind is DepositKind.GUARANTEE and d.reference == number for d in uow.deposits.for_tender(tender.id)):
            raise Conflict("guarantee_used", "该保函已提交", "This guarantee has already been submitted")
        deposit = Deposit(
            id=new_id("dep", now),
            tender_id=tender.id,
            section_id=section.id,
            bidder_org_id=org.id,
            kind=DepositKind.GUARANTEE,
            amount=amount,
            recorded_at=now,
            recorded_by=ctx.actor.user_id,
            reference=number,
            issuer_name=issuer_name,
            issuer_credit_code=issuer_code,
            valid_until=valid_until,
            guarantee={"document": dict(document), "signature": dict(signature), "signer": checked.subject},
        )
        uow.deposits.add(deposit)
        _deposit_event(ctx, uow, tender, deposit)
        uow.commit()
    return deposit


def visible_deposits(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> list[Deposit]:
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        if ctx.actor.is_public:
            authorize(ctx.actor, Action.DEPOSIT_READ, None)
        return [d for d in uow.deposits.for_tender(tender.id) if allowed(ctx.actor, Action.DEPOSIT_READ, (tender, d))]


def deposit_standing(
    rules: RuleBook, section: Section, grade: str | None, deposits: Sequence[Deposit]
) -> dict[str, Any]:
    """What the opening record says of a bidder's deposit in a section."""
    owed = deposit_required(rules, section.bid_deposit, grade)
    held = [d for d in deposits if d.status in (DepositStatus.HELD, DepositStatus.REFUND_DUE, DepositStatus.RETAINED)]
    paid = sum((d.amount for d in held), Decimal("0.00"))
    if owed == 0:
        state = "exempt"
    elif paid >= owed:
        state = "guarantee" if all(d.kind is DepositKind.GUARANTEE for d in held) else "paid"
    else:
        state = "insufficient" if paid else "missing"
    return {"status": state, "owed": str(owed), "paid": str(paid), "credit_grade": grade}


def record_refund(uow: TenderingUnitOfWork, ctx: Context, deposit_id: str, reference: str) -> Deposit:
    """The bank's notice that a deposit was refunded (or a guarantee released)."""
    authorize(ctx.actor, Action.DEPOSIT_BANK)
    if not reference.strip():
        raise DomainError("reference_required", "须填写退款流水号", "Give the refund's transaction reference")
    with uow:
        deposit = uow.deposits.get(deposit_id, for_update=True)
        if deposit is None:
            raise not_found("deposit", deposit_id)
        if deposit.status is not DepositStatus.REFUND_DUE:
            raise Conflict(
                "deposit_not_refundable",
                "该保证金当前不应退还",
                f"The deposit is {deposit.status}, not due for refund",
                status=str(deposit.status),
            )
        now = ctx.clock.now()
        deposit.status, deposit.refunded_at = DepositStatus.REFUNDED, now
        uow.emit(
            event_from(
                ctx,
                "DepositRefunded",
                "deposit",
                deposit.id,
                public=False,
                tender_id=deposit.tender_id,
                reason=deposit.refund_reason,
                late=bool(deposit.refund_due_at and now > deposit.refund_due_at),
                reference=reference.strip(),
            )
        )
        uow.commit()
    return deposit


def retain_deposit(uow: TenderingUnitOfWork, ctx: Context, deposit_id: str, reason: str) -> Deposit:
    """The tenderer keeps the deposit of a bid revoked at the opening (条例 第三十五条), within the
    time the rule table gives it to decide."""
    if not reason.strip():
        raise DomainError("reason_required", "须说明理由", "A reason is required")
    with uow:
        deposit = uow.deposits.get(deposit_id, for_update=True)
        tender = uow.tenders.get(deposit.tender_id) if deposit else None
        if deposit is None or tender is None:
            raise not_found("deposit", deposit_id)
        authorize(ctx.actor, Action.TENDER_MANAGE, tender)
        now = ctx.clock.now()
        if deposit.status is not DepositStatus.REFUND_DUE or deposit.refund_reason != "revoked":
            raise Conflict(
                "deposit_not_retainable",
                "只有投标被视为撤销的投标保证金可以不予退还（条例 第三十五条）",
                "Only the deposit of a bid revoked at the opening can be kept (条例 第三十五条)",
            )
        if deposit.refund_due_at is not None and now >= deposit.refund_due_at:
            rule = ctx.rules["deposit_retain_decision_days"]
            raise RuleViolation(
                "retain_decision_too_late",
                f"不予退还的决定须在{rule.value}日内作出，逾期应当退还",
                f"The decision to keep the deposit must be made within {rule.value} days; it is now due for refund",
                rule=rule.key,
            )
        deposit.status, deposit.retained_reason = DepositStatus.RETAINED, reason.strip()
        uow.emit(
            event_from(
                ctx, "DepositRetained", "deposit", deposit.id, public=True, tender_id=tender.id, reason=reason.strip()
            )
        )
        uow.commit()
    return deposit


def make_refundable(rules: RuleBook, deposits: Sequence[Deposit], key: str, reason: str, now: datetime) -> None:
    for d in deposits:
        if d.status is DepositStatus.HELD:
            d.status, d.refund_due_at, d.refund_reason = DepositStatus.REFUND_DUE, refund_due(rules, key, now), reason


def flag_overdue_refunds(uow: TenderingUnitOfWork, ctx: Context) -> list[str]:
    """Refunds past their statutory day are flagged once, for supervisors."""
    flagged = []
    with uow:
        now = ctx.clock.now()
        for deposit in uow.deposits.refunds_overdue(now):
            deposit.refund_overdue_flagged_at = now
            uow.emit(
                event_from(
                    ctx,
                    "DepositRefundOverdue",
                    "deposit",
                    deposit.id,
                    public=False,
                    tender_id=deposit.tender_id,
                    due=deposit.refund_due_at.isoformat() if deposit.refund_due_at else None,
                    reason=deposit.refund_reason,
                )
            )
            flagged.append(deposit.id)
        if flagged:
            uow.commit()
    return flagged
