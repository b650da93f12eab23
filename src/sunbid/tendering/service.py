"""Tendering use cases: one function per use case, one transaction each."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sunbid.crypto import canonicalize
from sunbid.identity.policy import Action, allowed, authorize, authorize_read, scope
from sunbid.kernel.clock import CHINA
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, DomainError, RuleViolation, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.ports import BlobRefLike
from sunbid.kernel.query import Page, page_of
from sunbid.tendering import rules as checks
from sunbid.tendering.bid_model import DepositStatus
from sunbid.tendering.model import (
    ANNOUNCEMENT_REQUIRED,
    PLAN_FIELDS,
    Category,
    Clarification,
    DocumentKind,
    DueAction,
    Method,
    Objection,
    ObjectionStatus,
    PlanAmendment,
    PlanStatus,
    Section,
    Tender,
    TenderAction,
    TenderDocument,
    TenderPlan,
    TenderStatus,
    due_actions,
)
from sunbid.tendering.ports import TenderingUnitOfWork
from sunbid.tendering.signing import SignatureCheck, Signer


# ---------------------------------------------------------------------------- commands
@dataclass(frozen=True)
class PlanFields:
    project_name: str
    approval_document: str
    approval_number: str
    scope: str
    estimated_price: Decimal
    fund_source: str
    planned_announcement_date: date


@dataclass(frozen=True)
class SectionFields:
    name: str
    scope: str
    estimated_price: Decimal
    max_bid_price: Decimal
    bid_deposit: Decimal


@dataclass(frozen=True)
class TenderFields:
    title: str
    category: Category
    sector: str
    method: Method
    content: str
    scale: str
    fund_source: str
    qualification_requirements: str
    consortium_accepted: bool
    doc_issue_start: datetime
    doc_sale_end: datetime
    bid_deadline: datetime
    opening_place: str
    submission_method: str
    tenderer_contact: str
    supervising_department: str
    supervising_contact: str
    objection_channel: str
    platform_url: str
    credit_commitment: str
    bid_validity_days: int
    sections: tuple[SectionFields, ...]
    agency_org_id: str | None = None
    agency_contact: str = ""
    invitee_org_ids: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------- plans
def _plan_for(uow: TenderingUnitOfWork, ctx: Context, plan_id: str, *, for_update: bool = False) -> TenderPlan:
    plan = uow.plans.get(plan_id, for_update=for_update)
    if plan is None:
        raise not_found("plan", plan_id)
    authorize_read(ctx.actor, Action.PLAN_READ, plan, not_found("plan", plan_id))
    return plan


def _check_plan_fields(f: PlanFields) -> None:
    blank = [name for name in PLAN_FIELDS if isinstance(getattr(f, name), str) and not getattr(f, name).strip()]
    if blank:
        raise DomainError(
            "plan_incomplete",
            f"招标计划缺少必填信息：{', '.join(blank)}",
            f"The tender plan lacks required fields: {', '.join(blank)}",
            fields=blank,
        )
    if f.estimated_price <= 0:
        raise DomainError("price_not_positive", "估算合同价必须大于零", "The estimated contract price must be positive")


def _check_planned_date(ctx: Context, planned: date, published: datetime) -> None:
    lead = ctx.rules["tender_plan_lead_days"]
    earliest = (published + timedelta(days=ctx.rules.days(lead.key))).astimezone(CHINA).date()
    if planned < earliest:
        raise RuleViolation(
            "planned_date_too_soon",
            f"计划发布招标公告时间应不早于计划公开之日起{lead.value}日（{lead.citation}），即 {earliest} 或之后",
            f"The planned announcement date must be at least {lead.value} days after the plan is published "
            f"({lead.citation}): {earliest} or later",
            rule=lead.key,
            earliest=earliest.isoformat(),
        )


def create_plan(uow: TenderingUnitOfWork, ctx: Context, f: PlanFields) -> TenderPlan:
    authorize(ctx.actor, Action.PLAN_CREATE)
    _check_plan_fields(f)
    assert ctx.actor.org_id is not None
    now = ctx.clock.now()
    plan = TenderPlan(
        id=new_id("pln", now),
        tenderer_org_id=ctx.actor.org_id,
        created_at=now,
        **{name: getattr(f, name) for name in PLAN_FIELDS},
    )
    with uow:
        uow.plans.add(plan)
        uow.emit(event_from(ctx, "PlanDrafted", "plan", plan.id, public=False))
        uow.commit()
    return plan


def update_plan(uow: TenderingUnitOfWork, ctx: Context, plan_id: str, f: PlanFields) -> TenderPlan:
    _check_plan_fields(f)
    with uow:
        plan = _plan_for(uow, ctx, plan_id, for_update=True)
        authorize(ctx.actor, Action.PLAN_MANAGE, plan)
        if plan.status is not PlanStatus.DRAFT:
            raise Conflict(
                "plan_not_draft",
                "已公开的招标计划只能通过变更修改，变更记录将被保留",
                "A published plan changes only by amendment, which is kept on record",
            )
        for name in PLAN_FIELDS:
            setattr(plan, name, getattr(f, name))
        uow.emit(event_from(ctx, "PlanDraftUpdated", "plan", plan.id, public=False))
        uow.commit()
    return plan


def publish_plan(uow: TenderingUnitOfWork, ctx: Context, plan_id: str) -> TenderPlan:
    with uow:
        plan = _plan_for(uow, ctx, plan_id, for_update=True)
        authorize(ctx.actor, Action.PLAN_MANAGE, plan)
        if plan.status is not PlanStatus.DRAFT:
            raise Conflict("plan_not_draft", "只有草稿状态的招标计划可以公开", "Only a draft plan can be published")
        now = ctx.clock.now()
        _check_planned_date(ctx, plan.planned_announcement_date, now)
        plan.status, plan.published_at = PlanStatus.PUBLISHED, now
        uow.emit(event_from(ctx, "PlanPublished", "plan", plan.id, public=True, **_plan_public(plan)))
        uow.commit()
    return plan


def amend_plan(uow: TenderingUnitOfWork, ctx: Context, plan_id: str, f: PlanFields, reason: str) -> TenderPlan:
    _check_plan_fields(f)
    if not reason.strip():
        raise DomainError("reason_required", "变更须说明理由", "An amendment needs a reason")
    with uow:
        plan = _plan_for(uow, ctx, plan_id, for_update=True)
        authorize(ctx.actor, Action.PLAN_MANAGE, plan)
        if plan.status is not PlanStatus.PUBLISHED:
            raise Conflict("plan_not_published", "只有已公开的招标计划可以变更", "Only a published plan can be amended")
        changes = {
            name: {"old": str(getattr(plan, name)), "new": str(getattr(f, name))}
            for name in PLAN_FIELDS
            if getattr(plan, name) != getattr(f, name)
        }
        if not changes:
            raise DomainError("amendment_empty", "变更内容与原计划相同", "The amendment changes nothing")
        assert plan.published_at is not None
        _check_planned_date(ctx, f.planned_announcement_date, plan.published_at)
        for name in PLAN_FIELDS:
            setattr(plan, name, getattr(f, name))
        amendment = PlanAmendment(
            id=new_id("pam", ctx.clock.now()),
            plan_id=plan.id,
            number=len(plan.amendments) + 1,
            reason=reason.strip(),
            changes=changes,
            amended_at=ctx.clock.now(),
            actor_id=ctx.actor.user_id,
        )
        plan.amendments.append(amendment)
        uow.emit(
            event_from(
                ctx,
                "PlanAmended",
                "plan",
                plan.id,
                public=True,
                number=amendment.number,
                reason=amendment.reason,
                changes=changes,
            )
        )
        uow.commit()
    return plan


def withdraw_plan(uow: TenderingUnitOfWork, ctx: Context, plan_id: str, reason: str) -> TenderPlan:
    if not reason.strip():
        raise DomainError("reason_required", "撤回须说明理由", "A withdrawal needs a reason")
    with uow:
        plan = _plan_for(uow, ctx, plan_id, for_update=True)
        authorize(ctx.actor, Action.PLAN_MANAGE, plan)
        if plan.status is not PlanStatus.PUBLISHED:
            raise Conflict(
                "plan_not_published", "只有已公开的招标计划可以撤回", "Only a published plan can be withdrawn"
            )
        plan.status, plan.withdrawn_at, plan.withdraw_reason = PlanStatus.WITHDRAWN, ctx.clock.now(), reason.strip()
        uow.emit(event_from(ctx, "PlanWithdrawn", "plan", plan.id, public=True, reason=plan.withdraw_reason))
        uow.commit()
    return plan


def get_plan(uow: TenderingUnitOfWork, ctx: Context, plan_id: str) -> TenderPlan:
    with uow:
        return _plan_for(uow, ctx, plan_id)


def list_plans(
    uow: TenderingUnitOfWork, ctx: Context, *, after: str | None, limit: int, status: PlanStatus | None = None
) -> Page[TenderPlan]:
    with uow:
        rows = uow.plans.page(scope(ctx.actor), after=after, limit=limit, status=status)
        return page_of(rows, limit, lambda p: p.id)


def _plan_public(plan: TenderPlan) -> dict[str, str]:
    return {name: str(getattr(plan, name)) for name in PLAN_FIELDS} | {"tenderer_org_id": plan.tenderer_org_id}


# ---------------------------------------------------------------------------- tenders
def readable_tender(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, *, for_update: bool = False) -> Tender:
    tender = uow.tenders.get(tender_id, for_update=for_update)
    if tender is None:
        raise not_found("tender", tender_id)
    authorize_read(ctx.actor, Action.TENDER_READ, tender, not_found("tender", tender_id))
    return tender


def _before_deadline(tender: Tender, now: datetime) -> None:
    """Bidding closes at the deadline in law (法 第三十四条), whether or not the scheduler has run yet."""
    if tender.status is TenderStatus.ANNOUNCED and now >= tender.bid_deadline:
        raise Conflict(
            "bid_deadline_passed",
            "投标截止时间已过，不能再修改招标文件或发布澄清",
            "The bid deadline has passed: the documents can no longer change",
            bid_deadline=tender.bid_deadline.isoformat(),
        )


def _managed(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> Tender:
    tender = readable_tender(uow, ctx, tender_id, for_update=True)
    authorize(ctx.actor, Action.TENDER_MANAGE, tender)
    return tender


_TENDER_SCALARS = tuple(f.name for f in fields(TenderFields) if f.name not in ("sections", "invitee_org_ids"))


def _apply_fields(tender: Tender, f: TenderFields) -> None:
    for name in _TENDER_SCALARS:
        setattr(tender, name, getattr(f, name))
    tender.invitee_org_ids = sorted(set(f.invitee_org_ids))
    existing = {section.number: section for section in tender.sections}
    sections: list[Section] = []
    for n, fields_ in enumerate(f.sections, start=1):
        section = existing.get(n) or Section(
            id=new_id("sec", tender.created_at),
            tender_id=tender.id,
            number=n,
            code=f"{tender.code}{n:03d}",
            name="",
            scope="",
            estimated_price=fields_.estimated_price,
            max_bid_price=fields_.max_bid_price,
            bid_deposit=fields_.bid_deposit,
        )
        section.name, section.scope = fields_.name, fields_.scope
        section.estimated_price, section.max_bid_price = fields_.estimated_price, fields_.max_bid_price
        section.bid_deposit = fields_.bid_deposit
        sections.append(section)
    tender.sections[:] = sections


def _check_orgs(uow: TenderingUnitOfWork, f: TenderFields) -> None:
    orgs = uow.organisations
    for org_id in ([f.agency_org_id] if f.agency_org_id else []) + list(f.invitee_org_ids):
        if orgs.get(org_id) is None:
            raise not_found("organisation", org_id)


def create_tender(uow: TenderingUnitOfWork, ctx: Context, plan_id: str, f: TenderFields) -> Tender:
    with uow:
        plan = _plan_for(uow, ctx, plan_id)
        authorize(ctx.actor, Action.TENDER_CREATE, plan)
        if plan.status is PlanStatus.WITHDRAWN:
            raise Conflict("plan_withdrawn", "招标计划已撤回", "The tender plan has been withdrawn")
        _check_orgs(uow, f)
        now = ctx.clock.now()
        tender_id = new_id("tnd", now)
        tender = Tender(
            id=tender_id,
            # 招标项目编号: ZB + date + 10 random characters of the id (50 bits: no collision in practice,
            # even with tens of thousands of tenders on one day).
            code=f"ZB{now:%Y%m%d}{tender_id[-10:]}",
            plan_id=plan.id,
            tenderer_org_id=plan.tenderer_org_id,
            created_at=now,
            **{name: getattr(f, name) for name in _TENDER_SCALARS},
        )
        _apply_fields(tender, f)
        checks.check_terms(ctx.rules, tender)
        uow.tenders.add(tender)
        uow.emit(event_from(ctx, "TenderDrafted", "tender", tender.id, public=False, plan_id=plan.id))
        uow.commit()
    return tender


def update_tender(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, f: TenderFields) -> Tender:
    with uow:
        tender = _managed(uow, ctx, tender_id)
        tender.apply(TenderAction.EDIT)
        _check_orgs(uow, f)
        _apply_fields(tender, f)
        checks.check_terms(ctx.rules, tender)
        uow.emit(event_from(ctx, "TenderDraftUpdated", "tender", tender.id, public=False))
        uow.commit()
    return tender


def announcement_digest(tender: Tender) -> str:
    """SHA-256 of the announcement's RFC 8785 canonical JSON: what was published, provably."""
    return hashlib.sha256(canonicalize(announcement(tender))).hexdigest()


def announcement(tender: Tender) -> dict[str, Any]:
    """The announcement as a JSON document: what the tenderer signs and the ledger hashes.

    A draft lists every current document, since announcing publishes them all.
    """
    keys = (
        "code",
        "title",
        "category",
        "sector",
        "method",
        "content",
        "scale",
        "fund_source",
        "qualification_requirements",
        "consortium_accepted",
        "doc_issue_start",
        "doc_sale_end",
        "bid_deadline",
        "opening_place",
        "submission_method",
        "tenderer_org_id",
        "tenderer_contact",
        "agency_org_id",
        "agency_contact",
        "supervising_department",
        "supervising_contact",
        "objection_channel",
        "platform_url",
        "credit_commitment",
        "bid_validity_days",
    )
    out: dict[str, Any] = {k: _json_value(getattr(tender, k)) for k in keys}
    out["sections"] = [
        {
            "code": s.code,
            "name": s.name,
            "scope": s.scope,
            "estimated_price": str(s.estimated_price),
            "max_bid_price": str(s.max_bid_price),
            "bid_deposit": str(s.bid_deposit),
        }
        for s in tender.sections
    ]
    out["documents"] = [
        {"title": d.title, "kind": str(d.kind), "version": d.version, "sha256": d.sha256}
        for d in tender.current_documents()
        if d.published_at is not None or tender.status is TenderStatus.DRAFT
    ]
    # The evaluation scheme is part of the tender documents (法 第十九条): its digest is signed with them.
    out["evaluation_scheme_sha256"] = (
        hashlib.sha256(canonicalize(tender.evaluation_scheme)).hexdigest() if tender.evaluation_scheme else None
    )
    return out


def _json_value(value: Any) -> Any:
    """The announcement as JSON values, so that what is signed is what is served."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, StrEnum):
        return str(value)
    return value


def announce_tender(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender_id: str,
    *,
    signature: Mapping[str, Any] | None = None,
    check: SignatureCheck | None = None,
) -> Tender:
    """Publish the announcement (招标公告) with the credit commitment and the documents.

    With a signature check configured, a signature over :func:`announcement` is verified and
    kept (电子招标投标办法 第四十条): it must come from the tenderer or its agency.
    """
    with uow:
        tender = _managed(uow, ctx, tender_id)
        tender.next_state(TenderAction.ANNOUNCE)
        now = ctx.clock.now()
        plan = uow.plans.get(tender.plan_id)
        assert plan is not None
        if plan.status is not PlanStatus.PUBLISHED:
            checks.check_plan_lead(ctx.rules, None, now)
        checks.check_plan_lead(ctx.rules, plan.published_at, now)
        blank = [name for name in ANNOUNCEMENT_REQUIRED if not str(getattr(tender, name)).strip()]
        if tender.agency_org_id and not tender.agency_contact.strip():
            blank.append("agency_contact")
        if blank:
            raise DomainError(
                "announcement_incomplete",
                f"招标公告缺少必备内容：{', '.join(blank)}",
                f"The announcement lacks required content: {', '.join(blank)}",
                fields=blank,
            )
        checks.check_terms(ctx.rules, tender)
        if tender.doc_issue_start < now:
            raise DomainError(
                "issue_start_in_past",
                "招标文件发出开始时间不能早于公告发布时间",
                "Documents cannot start being issued before the announcement is published",
                doc_issue_start=tender.doc_issue_start.isoformat(),
                now=now.isoformat(),
            )
        checks.check_periods(ctx.rules, tender.doc_issue_start, tender.doc_sale_end, tender.bid_deadline)
        if not any(d.kind is DocumentKind.TENDER_DOCUMENT for d in tender.documents):
            raise DomainError(
                "documents_missing",
                "发布公告前须上传招标文件",
                "Upload the tender documents before publishing the announcement",
            )
        if tender.evaluation_scheme is None:
            raise Conflict(
                "evaluation_scheme_missing",
                "发布公告前须在招标文件中载明评标标准和方法（《招标投标法》第十九条）",
                "Declare the evaluation scheme of the tender documents before the announcement (《招标投标法》第十九条)",
            )
        for doc in tender.current_documents():
            if doc.published_at is None:
                doc.published_at = now
        signer = _check_announcement_signature(uow, ctx, tender, signature, check)
        tender.apply(TenderAction.ANNOUNCE)
        tender.announced_at = now
        signed: dict[str, Any] = {}
        if signer is not None:
            tender.announcement_signature, tender.announcement_signer = dict(signature or {}), signer.subject
            signed = {"signer": signer.subject, "signer_certificate_sha256": signer.certificate_sha256}
        uow.emit(
            event_from(
                ctx,
                "TenderAnnounced",
                "tender",
                tender.id,
                public=True,
                code=tender.code,
                announcement_sha256=announcement_digest(tender),
                bid_deadline=tender.bid_deadline.isoformat(),
                **signed,
            )
        )
        uow.commit()
    return tender


def _check_announcement_signature(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender: Tender,
    signature: Mapping[str, Any] | None,
    check: SignatureCheck | None,
) -> Signer | None:
    if signature is None:
        if check is not None and check.required:
            raise DomainError(
                "announcement_signature_required",
                "招标公告须由招标人或招标代理机构电子签名（电子招标投标办法 第四十条）",
                "The announcement must carry the electronic signature of the tenderer or its agency "
                "(电子招标投标办法 第四十条)",
            )
        return None
    if check is None:
        raise DomainError(
            "signatures_not_configured",
            "平台未配置受信任的证书机构，无法验证签名",
            "No trusted certificate authorities are configured, so signatures cannot be checked",
        )
    signer = check.verify(announcement(tender), signature, ctx.clock.now())
    allowed_codes = set()
    for org_id in (tender.tenderer_org_id, tender.agency_org_id):
        org = uow.organisations.get(org_id) if org_id else None
        if org is not None:
            allowed_codes.add(org.credit_code)
    if signer.credit_code not in allowed_codes:
        raise DomainError(
            "announcement_signer_mismatch",
            "签名证书不属于招标人或其招标代理机构",
            "The signing certificate belongs to neither the tenderer nor its agency",
            signer=signer.subject,
        )
    return signer


def prepare_upload(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> None:
    """Check, before any bytes are accepted, that the caller may add a document now."""
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        authorize(ctx.actor, Action.TENDER_MANAGE, tender)
        tender.next_state(TenderAction.UPLOAD_DOCUMENT)
        _before_deadline(tender, ctx.clock.now())


def add_document(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender_id: str,
    *,
    kind: DocumentKind,
    title: str,
    filename: str,
    media_type: str,
    blob: BlobRefLike,
) -> TenderDocument:
    """Record a file already streamed into the blob store as a new version of the tender's documents.

    Before the announcement documents are drafts; afterwards a new document is published
    only by a clarification or modification that refers to it (法 第二十三条).
    """
    if not title.strip() or not filename.strip():
        raise DomainError(
            "document_title_required", "请填写文件标题和文件名", "A document needs a title and a file name"
        )
    if blob.size == 0:
        raise DomainError("document_empty", "文件为空", "The file is empty")
    with uow:
        tender = _managed(uow, ctx, tender_id)
        tender.apply(TenderAction.UPLOAD_DOCUMENT)
        _before_deadline(tender, ctx.clock.now())
        if not uow.blobs.exists(blob.sha256):
            raise DomainError("blob_missing", "文件内容未保存", "The file content was not stored")
        now = ctx.clock.now()
        doc = TenderDocument(
            id=new_id("doc", now),
            tender_id=tender.id,
            kind=kind,
            title=title.strip(),
            filename=filename.strip(),
            media_type=media_type,
            sha256=blob.sha256,
            size=blob.size,
            version=max((d.version for d in tender.documents), default=0) + 1,
            uploaded_at=now,
            uploaded_by=ctx.actor.user_id,
        )
        tender.documents.append(doc)
        uow.emit(
            event_from(
                ctx,
                "TenderDocumentUploaded",
                "tender",
                tender.id,
                public=False,
                document_id=doc.id,
                sha256=doc.sha256,
                size=doc.size,
                version=doc.version,
            )
        )
        uow.commit()
    return doc


def clarify(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender_id: str,
    *,
    text: str,
    affects_bid_preparation: bool,
    new_bid_deadline: datetime | None = None,
    document_ids: tuple[str, ...] = (),
) -> Clarification:
    """Issue a clarification or modification (澄清或者修改, 法 第二十三条; 条例 第二十一条).

    If it may affect the preparation of bids and fewer than 15 days remain before the
    deadline, the deadline must move so that 15 days remain.
    """
    if not text.strip():
        raise DomainError("clarification_text_required", "澄清内容不能为空", "A clarification needs text")
    with uow:
        tender = _managed(uow, ctx, tender_id)
        tender.next_state(TenderAction.CLARIFY)
        now = ctx.clock.now()
        _before_deadline(tender, now)
        rule = ctx.rules["clarify_min_days_before_deadline"]
        minimum = timedelta(days=ctx.rules.days(rule.key))
        if new_bid_deadline is not None:
            if new_bid_deadline <= tender.bid_deadline:
                raise DomainError(
                    "deadline_not_later",
                    "新的投标截止时间须晚于原截止时间",
                    "A new bid deadline must be later than the current one",
                    current=tender.bid_deadline.isoformat(),
                )
            if affects_bid_preparation and new_bid_deadline - now < minimum:
                raise RuleViolation(
                    "deadline_extension_too_short",
                    f"顺延后的投标截止时间距澄清发出不得少于{rule.value}日（{rule.citation}）",
                    f"The moved deadline must be at least {rule.value} days after the clarification ({rule.citation})",
                    rule=rule.key,
                    earliest_deadline=(now + minimum).isoformat(),
                )
        elif affects_bid_preparation and tender.bid_deadline - now < minimum:
            raise RuleViolation(
                "clarification_requires_deadline_extension",
                f"距投标截止不足{rule.value}日，澄清或修改可能影响投标文件编制的，应当顺延投标截止时间（{rule.citation}）",
                f"Fewer than {rule.value} days remain before the deadline: a clarification that may affect bid "
                f"preparation must move the deadline ({rule.citation})",
                rule=rule.key,
                earliest_deadline=(now + minimum).isoformat(),
            )
        by_id = {d.id: d for d in tender.documents}
        for doc_id in document_ids:
            if doc_id not in by_id:
                raise not_found("document", doc_id)
            by_id[doc_id].published_at = by_id[doc_id].published_at or now
        clarification = Clarification(
            id=new_id("clr", now),
            tender_id=tender.id,
            number=len(tender.clarifications) + 1,
            text=text.strip(),
            affects_bid_preparation=affects_bid_preparation,
            issued_at=now,
            old_bid_deadline=tender.bid_deadline,
            new_bid_deadline=new_bid_deadline,
            document_ids=list(document_ids),
        )
        tender.clarifications.append(clarification)
        tender.apply(TenderAction.CLARIFY)
        uow.emit(
            event_from(
                ctx,
                "ClarificationIssued",
                "tender",
                tender.id,
                public=True,
                number=clarification.number,
                documents=[by_id[d].sha256 for d in document_ids],
            )
        )
        if new_bid_deadline is not None:
            tender.bid_deadline = new_bid_deadline
            uow.emit(
                event_from(
                    ctx,
                    "BidDeadlineMoved",
                    "tender",
                    tender.id,
                    public=True,
                    old=clarification.old_bid_deadline.isoformat(),
                    new=new_bid_deadline.isoformat(),
                )
            )
        uow.commit()
    return clarification


def raise_objection(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, text: str) -> Objection:
    """异议 to the tender documents: at least 10 days before the deadline; activities pause (条例 第二十二条)."""
    if not text.strip():
        raise DomainError("objection_text_required", "异议内容不能为空", "An objection needs text")
    with uow:
        tender = readable_tender(uow, ctx, tender_id, for_update=True)
        authorize(ctx.actor, Action.OBJECTION_RAISE, tender)
        tender.next_state(TenderAction.RAISE_OBJECTION)
        now = ctx.clock.now()
        rule = ctx.rules["objection_tender_doc_min_days_before_deadline"]
        if tender.bid_deadline - now < timedelta(days=ctx.rules.days(rule.key)):
            raise RuleViolation(
                "objection_too_late",
                f"对招标文件有异议的，应当在投标截止时间{rule.value}日前提出（{rule.citation}）",
                f"Objections to the tender documents must be raised at least {rule.value} days "
                f"before the bid deadline ({rule.citation})",
                rule=rule.key,
            )
        assert ctx.actor.org_id is not None and ctx.actor.user_id is not None
        answer_days = ctx.rules.days("objection_answer_days")
        objection = Objection(
            id=new_id("obj", now),
            tender_id=tender.id,
            objector_org_id=ctx.actor.org_id,
            objector_user_id=ctx.actor.user_id,
            text=text.strip(),
            raised_at=now,
            answer_due=now + timedelta(days=answer_days),
        )
        was = tender.status
        tender.objections.append(objection)
        tender.apply(TenderAction.RAISE_OBJECTION)
        uow.emit(
            event_from(
                ctx,
                "ObjectionRaised",
                "tender",
                tender.id,
                public=False,
                objection_id=objection.id,
                answer_due=objection.answer_due.isoformat(),
            )
        )
        if was is not TenderStatus.SUSPENDED:
            uow.emit(
                event_from(
                    ctx, "TenderSuspended", "tender", tender.id, public=True, reason="objection_to_tender_documents"
                )
            )
        uow.commit()
    return objection


def answer_objection(
    uow: TenderingUnitOfWork,
    ctx: Context,
    tender_id: str,
    objection_id: str,
    answer: str,
    new_bid_deadline: datetime | None = None,
) -> Objection:
    if not answer.strip():
        raise DomainError("answer_text_required", "答复内容不能为空", "An answer needs text")
    with uow:
        tender = _managed(uow, ctx, tender_id)
        objection = next((o for o in tender.objections if o.id == objection_id), None)
        if objection is None:
            raise not_found("objection", objection_id)
        if objection.status is not ObjectionStatus.PENDING:
            raise Conflict("objection_answered", "该异议已答复", "The objection has been answered")
        tender.apply(TenderAction.ANSWER_OBJECTION)
        now = ctx.clock.now()
        objection.status, objection.answer, objection.answered_at = ObjectionStatus.ANSWERED, answer.strip(), now
        uow.emit(
            event_from(
                ctx,
                "ObjectionAnswered",
                "tender",
                tender.id,
                public=False,
                objection_id=objection.id,
                late=now > objection.answer_due,
            )
        )
        if new_bid_deadline is not None:
            if new_bid_deadline <= max(tender.bid_deadline, now):
                raise DomainError(
                    "deadline_not_later",
                    "新的投标截止时间须晚于原截止时间和当前时间",
                    "A new bid deadline must be later than the current one and than now",
                )
            uow.emit(
                event_from(
                    ctx,
                    "BidDeadlineMoved",
                    "tender",
                    tender.id,
                    public=True,
                    old=tender.bid_deadline.isoformat(),
                    new=new_bid_deadline.isoformat(),
                )
            )
            tender.bid_deadline = new_bid_deadline
        if not tender.pending_objections():
            if now >= tender.bid_deadline:
                raise DomainError(
                    "deadline_passed_during_suspension",
                    "暂停期间投标截止时间已过，答复时须同时给出新的投标截止时间",
                    "The bid deadline passed while the tender was suspended: give a new deadline with the answer",
                )
            tender.apply(TenderAction.RESUME)
            uow.emit(event_from(ctx, "TenderResumed", "tender", tender.id, public=True))
        uow.commit()
    return objection


def cancel_tender(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, reason: str) -> Tender:
    return _end(uow, ctx, tender_id, reason, TenderAction.CANCEL, "TenderCancelled")


def terminate_tender(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, reason: str) -> Tender:
    """终止招标 after the announcement (条例 第三十一条): public notice with the reason."""
    return _end(uow, ctx, tender_id, reason, TenderAction.TERMINATE, "TenderTerminated")


def _end(
    uow: TenderingUnitOfWork, ctx: Context, tender_id: str, reason: str, action: TenderAction, event: str
) -> Tender:
    if not reason.strip():
        raise DomainError("reason_required", "须说明理由", "A reason is required")
    with uow:
        tender = _managed(uow, ctx, tender_id)
        public = tender.status is not TenderStatus.DRAFT
        tender.apply(action)
        tender.ended_at, tender.end_reason = ctx.clock.now(), reason.strip()
        if action is TenderAction.TERMINATE:  # 条例 第三十一条: deposits are refunded promptly
            for deposit in uow.deposits.for_tender(tender.id):
                if deposit.status is DepositStatus.HELD:
                    deposit.status, deposit.refund_reason = DepositStatus.REFUND_DUE, "tender_terminated"
                    deposit.refund_due_at = ctx.clock.now() + timedelta(
                        days=ctx.rules.days("deposit_refund_after_failure_days")
                    )
        uow.emit(event_from(ctx, event, "tender", tender.id, public=public, reason=tender.end_reason))
        uow.commit()
    return tender


def get_tender(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> Tender:
    with uow:
        return readable_tender(uow, ctx, tender_id)


def list_tenders(
    uow: TenderingUnitOfWork, ctx: Context, *, after: str | None, limit: int, status: TenderStatus | None = None
) -> Page[Tender]:
    with uow:
        rows = uow.tenders.page(scope(ctx.actor), after=after, limit=limit, status=status)
        return page_of(rows, limit, lambda t: t.id)


def visible_documents(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> list[TenderDocument]:
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        if ctx.actor.is_public:
            authorize(ctx.actor, Action.DOCUMENT_READ, None)
        return [d for d in tender.documents if _may_read_document(ctx, tender, d)]


def get_document(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, document_id: str) -> TenderDocument:
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        doc = next((d for d in tender.documents if d.id == document_id), None)
        if doc is None:
            raise not_found("document", document_id)
        if ctx.actor.is_public:
            authorize(ctx.actor, Action.DOCUMENT_READ, None)
        authorize_read(ctx.actor, Action.DOCUMENT_READ, (tender, doc), not_found("document", document_id))
        return doc


def _may_read_document(ctx: Context, tender: Tender, doc: TenderDocument) -> bool:
    return allowed(ctx.actor, Action.DOCUMENT_READ, (tender, doc))


def visible_objections(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> list[Objection]:
    """Objections are seen by the tender's managers, oversight and the objector itself."""
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        if ctx.actor.is_public:
            authorize(ctx.actor, Action.OBJECTION_READ, None)
        return [o for o in tender.objections if allowed(ctx.actor, Action.OBJECTION_READ, (tender, o))]


# ---------------------------------------------------------------------------- scheduler
def run_due(uow: TenderingUnitOfWork, ctx: Context) -> list[tuple[str, str]]:
    """Apply what time requires of every active tender. Running it twice changes nothing more."""
    with uow:
        ids = uow.tenders.active_ids()
    done: list[tuple[str, str]] = []
    for tender_id in ids:
        with uow:
            tender = uow.tenders.get(tender_id, for_update=True)
            if tender is None:
                continue
            now = ctx.clock.now()
            actions = [a for a in due_actions(tender, now) if a[0] in _SCHEDULED_HERE]
            for action, subject in actions:
                if action is DueAction.CLOSE_BIDDING:
                    tender.apply(TenderAction.CLOSE_BIDDING)
                    tender.closed_at = now
                    uow.emit(
                        event_from(
                            ctx,
                            "BiddingClosed",
                            "tender",
                            tender.id,
                            public=True,
                            bid_deadline=tender.bid_deadline.isoformat(),
                        )
                    )
                else:
                    objection = next(o for o in tender.objections if o.id == subject)
                    objection.overdue_flagged_at = now
                    uow.emit(
                        event_from(
                            ctx,
                            "ObjectionAnswerOverdue",
                            "tender",
                            tender.id,
                            public=False,
                            objection_id=objection.id,
                            answer_due=objection.answer_due.isoformat(),
                        )
                    )
                done.append((str(action), subject))
            if actions:
                uow.commit()
    return done


#: The due actions this module applies; the opening's are in :mod:`sunbid.tendering.opening_service`.
_SCHEDULED_HERE = (DueAction.CLOSE_BIDDING, DueAction.FLAG_OVERDUE_OBJECTION)
