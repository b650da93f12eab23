"""Tenders (M2, M3): the announcement, documents, clarifications, objections, cancellation."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.routers.organisations import Cursor, Limit
from sunbid.api.schemas import (
    AnnounceIn,
    AnnouncementOut,
    AnswerIn,
    ClarificationIn,
    ClarificationOut,
    DocumentOut,
    NewTenderIn,
    ObjectionIn,
    ObjectionOut,
    PageOut,
    ReasonIn,
    TenderIn,
    TenderOut,
    TenderSummaryOut,
)
from sunbid.identity.policy import Action, allowed
from sunbid.kernel.context import Context
from sunbid.kernel.errors import DomainError
from sunbid.kernel.query import decode_cursor
from sunbid.tendering import service as tendering
from sunbid.tendering.model import DocumentKind, Tender, TenderStatus

router = APIRouter(prefix="/tenders", tags=["tenders"])


def _fields(body: TenderIn) -> tendering.TenderFields:
    data = body.model_dump(exclude={"plan_id", "sections", "invitee_org_ids"})
    sections = tuple(tendering.SectionFields(**s.model_dump()) for s in body.sections)
    return tendering.TenderFields(**data, sections=sections, invitee_org_ids=tuple(body.invitee_org_ids))


def _out(ctx: Context, tender: Tender) -> TenderOut:
    out = TenderOut.model_validate(tender)
    out.documents = [
        DocumentOut.model_validate(d) for d in tender.documents if allowed(ctx.actor, Action.DOCUMENT_READ, (tender, d))
    ]
    return out


@router.post("", response_model=TenderOut, status_code=201)
def create_tender(body: NewTenderIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Draft a tender, its announcement and its sections (标段) under a plan."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: _out(ctx, tendering.create_tender(uow, ctx, body.plan_id, _fields(body))),
    )


@router.get("", response_model=PageOut[TenderSummaryOut])
def list_tenders(
    ctx: Ctx, uow: Uow, cursor: Cursor = None, limit: Limit = 50, status: Annotated[TenderStatus | None, Query()] = None
) -> PageOut[TenderSummaryOut]:
    page = tendering.list_tenders(uow, ctx, after=decode_cursor(cursor), limit=limit, status=status)
    return PageOut[TenderSummaryOut](
        items=[TenderSummaryOut.model_validate(t) for t in page.items], next_cursor=page.next_cursor
    )


@router.get("/{tender_id}", response_model=TenderOut)
def get_tender(tender_id: str, ctx: Ctx, uow: Uow) -> TenderOut:
    return _out(ctx, tendering.get_tender(uow, ctx, tender_id))


@router.put("/{tender_id}", response_model=TenderOut)
def update_tender(tender_id: str, body: TenderIn, ctx: Ctx, uow: Uow) -> TenderOut:
    return _out(ctx, tendering.update_tender(uow, ctx, tender_id, _fields(body)))


@router.post("/{tender_id}/announce", response_model=TenderOut)
def announce(tender_id: str, ctx: Ctx, uow: Uow, p: Plat, body: AnnounceIn | None = None) -> TenderOut:
    """Publish the announcement (招标公告) with the credit commitment and the tender documents.

    The body may carry the tenderer's or agency's detached signature (RFC 8785 JSON signature,
    see docs/crypto.md) over the document `GET /tenders/{id}/announcement` returns; it is checked
    against the trusted CAs and kept (电子招标投标办法 第四十条)."""
    signature = body.signature if body else None
    return _out(ctx, tendering.announce_tender(uow, ctx, tender_id, signature=signature, check=p.signature_check()))


@router.get("/{tender_id}/announcement", response_model=AnnouncementOut)
def get_announcement(tender_id: str, ctx: Ctx, uow: Uow) -> AnnouncementOut:
    """The announcement as the document that is signed and hashed into the ledger, with its signature."""
    tender = tendering.get_tender(uow, ctx, tender_id)
    return AnnouncementOut(
        document=tendering.announcement(tender),
        sha256=tendering.announcement_digest(tender),
        signature=tender.announcement_signature,
        signer=tender.announcement_signer,
    )


@router.post(
    "/{tender_id}/documents",
    response_model=DocumentOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_document(
    tender_id: str,
    request: Request,
    ctx: Ctx,
    p: Plat,
    idem: Idem,
    title: Annotated[str, Query(min_length=1, max_length=200)],
    filename: Annotated[str, Query(min_length=1, max_length=255)],
    kind: Annotated[DocumentKind, Query()] = DocumentKind.TENDER_DOCUMENT,
) -> object:
    """Upload a file as the raw request body (``application/octet-stream``), streamed to the blob store."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/octet-stream":
        raise DomainError(
            "content_type_octet_stream",
            "请以 application/octet-stream 上传文件原始内容",
            "Upload the file's bytes with Content-Type: application/octet-stream",
        )
    await run_in_threadpool(tendering.prepare_upload, p.uow(), ctx, tender_id)
    blob = await p.blobs.put_stream(request.stream(), max_size=p.settings.max_upload_bytes)
    media_type = request.headers.get("x-document-media-type", "application/octet-stream")[:100]

    def create() -> DocumentOut:
        return DocumentOut.model_validate(
            tendering.add_document(
                p.uow(), ctx, tender_id, kind=kind, title=title, filename=filename, media_type=media_type, blob=blob
            )
        )

    return await run_in_threadpool(idempotency.run, p, ctx, idem, "POST", request.url.path, 201, create)


@router.get("/{tender_id}/documents", response_model=list[DocumentOut])
def list_documents(tender_id: str, ctx: Ctx, uow: Uow) -> list[DocumentOut]:
    return [DocumentOut.model_validate(d) for d in tendering.visible_documents(uow, ctx, tender_id)]


@router.get("/{tender_id}/documents/{document_id}/content", response_class=StreamingResponse)
def download_document(tender_id: str, document_id: str, ctx: Ctx, uow: Uow, p: Plat) -> StreamingResponse:
    """The file's bytes; the ``Digest`` header carries its SHA-256 for checking."""
    doc = tendering.get_document(uow, ctx, tender_id, document_id)
    return StreamingResponse(
        p.blobs.iter_chunks(doc.sha256),
        media_type=doc.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc.filename)}",
            "Content-Length": str(doc.size),
            "X-Content-SHA256": doc.sha256,
        },
    )


@router.post("/{tender_id}/clarifications", response_model=ClarificationOut, status_code=201)
def clarify(tender_id: str, body: ClarificationIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """A clarification or modification (澄清或者修改); may move the bid deadline (法 第二十三条)."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: ClarificationOut.model_validate(
            tendering.clarify(
                uow,
                ctx,
                tender_id,
                text=body.text,
                affects_bid_preparation=body.affects_bid_preparation,
                new_bid_deadline=body.new_bid_deadline,
                document_ids=tuple(body.document_ids),
            )
        ),
    )


@router.get("/{tender_id}/clarifications", response_model=list[ClarificationOut])
def list_clarifications(tender_id: str, ctx: Ctx, uow: Uow) -> list[ClarificationOut]:
    return [ClarificationOut.model_validate(c) for c in tendering.get_tender(uow, ctx, tender_id).clarifications]


@router.post("/{tender_id}/objections", response_model=ObjectionOut, status_code=201)
def raise_objection(
    tender_id: str, body: ObjectionIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """An objection (异议) to the tender documents (条例 第二十二条); the tender pauses until answered."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: ObjectionOut.model_validate(tendering.raise_objection(uow, ctx, tender_id, body.text)),
    )


@router.get("/{tender_id}/objections", response_model=list[ObjectionOut])
def list_objections(tender_id: str, ctx: Ctx, uow: Uow) -> list[ObjectionOut]:
    return [ObjectionOut.model_validate(o) for o in tendering.visible_objections(uow, ctx, tender_id)]


@router.post("/{tender_id}/objections/{objection_id}/answer", response_model=ObjectionOut)
def answer_objection(tender_id: str, objection_id: str, body: AnswerIn, ctx: Ctx, uow: Uow) -> ObjectionOut:
    return ObjectionOut.model_validate(
        tendering.answer_objection(uow, ctx, tender_id, objection_id, body.answer, body.new_bid_deadline)
    )


@router.post("/{tender_id}/cancel", response_model=TenderOut)
def cancel(tender_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> TenderOut:
    """Cancel a tender before its announcement."""
    return _out(ctx, tendering.cancel_tender(uow, ctx, tender_id, body.reason))


@router.post("/{tender_id}/terminate", response_model=TenderOut)
def terminate(tender_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> TenderOut:
    """Terminate a tender after its announcement (终止招标, 条例 第三十一条), published with the reason."""
    return _out(ctx, tendering.terminate_tender(uow, ctx, tender_id, body.reason))
