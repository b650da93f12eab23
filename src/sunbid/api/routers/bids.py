"""Sealed bids (M5), deposits (M6) and the online opening (开标)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, IdempotencyKey, Plat, Uow
from sunbid.api.routers.tenders import _out as tender_out
from sunbid.api.schemas import (
    BidOut,
    ContentKeyIn,
    CustodianTaskOut,
    DepositOut,
    GuaranteeIn,
    OpeningObjectionIn,
    OpeningObjectionOut,
    OpeningOut,
    PlatformCertificateOut,
    ReceiptOut,
    RefundIn,
    SealingIn,
    SealingOut,
    ShareIn,
    SubmissionOut,
    TenderOut,
    TransferIn,
)
from sunbid.crypto import envelope
from sunbid.kernel.context import Context
from sunbid.kernel.errors import DomainError
from sunbid.tendering import bid_service as bids
from sunbid.tendering import opening_service as opening
from sunbid.tendering import service as tendering
from sunbid.tendering.bid_model import Bid
from sunbid.tendering.model import Tender

router = APIRouter(tags=["bids"])
_BATCH = 256 << 10


def bid_out(ctx: Context, bid: Bid, tender: Tender) -> BidOut:
    out = BidOut.model_validate(bid)
    own = ctx.actor.org_id is not None and ctx.actor.org_id in bid.member_org_ids
    out.submissions = [
        SubmissionOut.model_validate(s).model_copy(update={"header": s.header if own else None})
        for s in bid.submissions
    ]
    del tender
    return out


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(f"{what}_invalid", f"{what} 不是有效的 base64", f"{what} is not valid base64") from None


# ---------------------------------------------------------------------------- sealing terms
@router.get("/tenders/{tender_id}/sealing", response_model=SealingOut)
def get_sealing(tender_id: str, ctx: Ctx, uow: Uow) -> dict[str, Any]:
    """How bids for this tender must be sealed: the suites, the custodians' encryption
    certificates and the threshold, and the decryption windows. A bid tool reads this."""
    return bids.terms_of(tendering.get_tender(uow, ctx, tender_id)).as_json()


@router.put("/tenders/{tender_id}/sealing", response_model=SealingOut)
def set_sealing(tender_id: str, body: SealingIn, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """Set the sealing terms of a draft tender (the tender documents state them)."""
    custodians = [
        bids.CustodianIn(c.user_id, {suite: _b64(der, "certificate") for suite, der in c.certificates.items()})
        for c in body.custodians
    ]
    return bids.set_sealing(
        uow,
        ctx,
        tender_id,
        suites=body.suites,
        decrypt_window_minutes=body.decrypt_window_minutes,
        custodian_window_minutes=body.custodian_window_minutes,
        threshold=body.threshold,
        custodians=custodians,
        check=p.signature_check(),
    ).as_json()


# ---------------------------------------------------------------------------- submission
def _consume(writer: Any, scanner: envelope.Scanner, data: bytes | bytearray) -> None:
    scanner.feed(data)
    writer.write(data)


@router.post(
    "/tenders/{tender_id}/sections/{section_id}/bids",
    response_model=ReceiptOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def submit_bid(tender_id: str, section_id: str, request: Request, ctx: Ctx, p: Plat, idem: Idem) -> object:
    """Submit a sealed envelope (`sunbid-envelope/1`, see docs/envelope.md) as the raw body.

    It is checked as it streams in (framing, digests), then against the tender's sealing
    terms and the trusted CAs; the answer is the signed receipt (回执). A later submission by
    the same bidder in the same section replaces the earlier one."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/octet-stream":
        raise DomainError(
            "content_type_octet_stream",
            "请以 application/octet-stream 递交加密投标文件",
            "Send the sealed envelope's bytes with Content-Type: application/octet-stream",
        )
    await run_in_threadpool(bids.prepare_submission, p.uow(), ctx, tender_id, section_id)
    limit = p.settings.max_bid_bytes
    writer, scanner = p.blobs.writer(max_size=limit), envelope.Scanner(max_size=limit)
    buffer = bytearray()
    try:
        async for chunk in request.stream():
            buffer += chunk
            if len(buffer) >= _BATCH:  # hashing and writing go to a worker thread, a batch at a time
                data, buffer = buffer, bytearray()
                await run_in_threadpool(_consume, writer, scanner, data)
        await run_in_threadpool(_consume, writer, scanner, buffer)
        scanned = scanner.finish()
        blob = await run_in_threadpool(writer.commit)
    except BaseException:
        writer.abort()
        raise
    keyed = IdempotencyKey(idem.key, hashlib.sha256(f"{idem.request_hash}\n{blob.sha256}".encode()).hexdigest())

    def create() -> ReceiptOut:
        bid, submission = bids.submit_bid(
            p.uow(),
            ctx,
            tender_id,
            section_id,
            bids.ReceivedEnvelope(blob, scanned, ctx.address),
            check=p.signature_check(),
            signer=p.identity(),
        )
        tender = tendering.get_tender(p.uow(), ctx, tender_id)
        assert submission.receipt is not None
        return ReceiptOut(bid=bid_out(ctx, bid, tender), receipt=submission.receipt)

    return await run_in_threadpool(idempotency.run, p, ctx, keyed, "POST", request.url.path, 201, create)


@router.get("/tenders/{tender_id}/bids", response_model=list[BidOut])
def list_bids(tender_id: str, ctx: Ctx, uow: Uow, p: Plat) -> list[BidOut]:
    """Before the deadline a bidder sees only its own bids, and nobody else sees any, nor how
    many there are (法 第二十二条); after it, the tender's managers and oversight see them all."""
    found = bids.visible_bids(uow, ctx, tender_id)
    tender = tendering.get_tender(p.uow(), ctx, tender_id)
    return [bid_out(ctx, b, tender) for b in found]


@router.get("/bids/{bid_id}", response_model=BidOut)
def get_bid(bid_id: str, ctx: Ctx, uow: Uow) -> BidOut:
    bid, tender = bids.get_bid(uow, ctx, bid_id)
    return bid_out(ctx, bid, tender)


@router.post("/bids/{bid_id}/withdraw", response_model=BidOut)
def withdraw(bid_id: str, ctx: Ctx, uow: Uow, p: Plat) -> BidOut:
    """撤回 before the deadline (条例 第三十五条); the deposit is refunded within 5 days."""
    bid = bids.withdraw_bid(uow, ctx, bid_id)
    return bid_out(ctx, bid, bids.get_bid(p.uow(), ctx, bid_id)[1])


@router.get("/bids/{bid_id}/submissions/{submission_id}/receipt")
def get_receipt(bid_id: str, submission_id: str, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """The signed receipt of one submission."""
    return bids.receipt(uow, ctx, bid_id, submission_id, p.identity())


# ---------------------------------------------------------------------------- the opening
@router.post("/bids/{bid_id}/decryption", response_model=BidOut)
def decrypt(bid_id: str, body: ContentKeyIn, ctx: Ctx, uow: Uow, p: Plat) -> BidOut:
    """Remote decryption (远程解密) within the window: the content key the bidder's tool
    unwrapped with its own key. A wrong key may be tried again until the window closes."""
    bid = opening.decrypt_bid(uow, ctx, bid_id, _b64(body.content_key, "content_key"))
    return bid_out(ctx, bid, bids.get_bid(p.uow(), ctx, bid_id)[1])


@router.get("/tenders/{tender_id}/opening/custodian-tasks", response_model=list[CustodianTaskOut])
def custodian_tasks(tender_id: str, ctx: Ctx, uow: Uow) -> list[dict[str, Any]]:
    """For a custodian: the bids waiting for its share, each with its envelope header."""
    return opening.custodian_tasks(uow, ctx, tender_id)


@router.post("/bids/{bid_id}/shares", response_model=BidOut)
def submit_share(bid_id: str, body: ShareIn, ctx: Ctx, uow: Uow, p: Plat) -> BidOut:
    """A custodian's share of a bid's content key; k of them open the bid."""
    bid = opening.submit_share(uow, ctx, bid_id, _b64(body.share, "share"))
    tender = tendering.get_tender(p.uow(), ctx, bid.tender_id)
    return bid_out(ctx, bid, tender)


@router.get("/tenders/{tender_id}/opening", response_model=OpeningOut)
def get_opening(tender_id: str, ctx: Ctx, uow: Uow) -> dict[str, Any]:
    """The opening: during it, for the tender's managers, oversight and bidders; once
    concluded, the signed record for everyone (电子招标投标办法 第三十二条)."""
    return opening.view(uow, ctx, tender_id)


@router.post("/tenders/{tender_id}/opening/objections", response_model=OpeningObjectionOut, status_code=201)
def object_at_opening(
    tender_id: str, body: OpeningObjectionIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """A bidder's objection during the opening (条例 第四十四条)."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: OpeningObjectionOut.model_validate(opening.raise_objection(uow, ctx, tender_id, body.text)),
    )


@router.post("/tenders/{tender_id}/opening/objections/{objection_id}/answer", response_model=OpeningObjectionOut)
def answer_at_opening(
    tender_id: str, objection_id: str, body: OpeningObjectionIn, ctx: Ctx, uow: Uow
) -> OpeningObjectionOut:
    """The tenderer's answer, recorded (条例 第四十四条)."""
    return OpeningObjectionOut.model_validate(opening.answer_objection(uow, ctx, tender_id, objection_id, body.text))


@router.post("/tenders/{tender_id}/opening/conclude", response_model=OpeningOut)
def conclude(tender_id: str, ctx: Ctx, uow: Uow, p: Plat) -> dict[str, Any]:
    """End the opening: the record is signed by the platform, published and written to the ledger."""
    opening.conclude(uow, ctx, tender_id, p.identity())
    return opening.view(p.uow(), ctx, tender_id)


@router.get("/tenders/{tender_id}/evidence")
def get_evidence(tender_id: str, ctx: Ctx, uow: Uow) -> list[dict[str, Any]]:
    """What each submission recorded for the collusion signals (条例 第四十条): supervisors and
    auditors, after the deadline."""
    return bids.evidence(uow, ctx, tender_id)


@router.post("/tenders/{tender_id}/retender", response_model=TenderOut, status_code=201)
def retender(tender_id: str, ctx: Ctx, uow: Uow) -> TenderOut:
    """依法重新招标: a new draft with the sections that had too few bids (法 第二十八条)."""
    return tender_out(ctx, opening.retender(uow, ctx, tender_id))


# ---------------------------------------------------------------------------- deposits
@router.post(
    "/tenders/{tender_id}/sections/{section_id}/deposits/transfers", response_model=DepositOut, status_code=201
)
def record_transfer(
    tender_id: str, section_id: str, body: TransferIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """The settlement bank's notice of a deposit paid by transfer (the bank interface's token)."""
    cmd = bids.TransferIn(**body.model_dump())
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: DepositOut.model_validate(bids.record_transfer(uow, ctx, tender_id, section_id, cmd)),
    )


@router.post(
    "/tenders/{tender_id}/sections/{section_id}/deposits/guarantees", response_model=DepositOut, status_code=201
)
def submit_guarantee(
    tender_id: str, section_id: str, body: GuaranteeIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """An electronic guarantee (电子保函) signed by its issuer, instead of a cash deposit."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: DepositOut.model_validate(
            bids.submit_guarantee(uow, ctx, tender_id, section_id, body.document, body.signature, p.signature_check())
        ),
    )


@router.get("/tenders/{tender_id}/deposits", response_model=list[DepositOut])
def list_deposits(tender_id: str, ctx: Ctx, uow: Uow) -> list[DepositOut]:
    """A bidder's own deposits; all of them for managers and oversight after the deadline."""
    return [DepositOut.model_validate(d) for d in bids.visible_deposits(uow, ctx, tender_id)]


@router.post("/deposits/{deposit_id}/refund", response_model=DepositOut)
def record_refund(deposit_id: str, body: RefundIn, ctx: Ctx, uow: Uow) -> DepositOut:
    """The bank's notice that a deposit due for refund was refunded (or a guarantee released)."""
    return DepositOut.model_validate(bids.record_refund(uow, ctx, deposit_id, body.reference))


@router.post("/deposits/{deposit_id}/retain", response_model=DepositOut)
def retain(deposit_id: str, body: OpeningObjectionIn, ctx: Ctx, uow: Uow) -> DepositOut:
    """The tenderer keeps the deposit of a bid revoked at the opening (条例 第三十五条)."""
    return DepositOut.model_validate(bids.retain_deposit(uow, ctx, deposit_id, body.text))


# ---------------------------------------------------------------------------- the platform's certificate
@router.get("/platform/certificate", response_model=PlatformCertificateOut)
def platform_certificate(p: Plat) -> PlatformCertificateOut:
    """The certificate that signs receipts and opening records, and the root to trust for it."""
    identity = p.identity()
    return PlatformCertificateOut(
        certificate=identity.certificate.to_pem().decode(), root=identity.root.to_pem().decode()
    )
