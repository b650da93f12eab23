"""Tender plans and tenders, with the tender state machine as one transition table.

Entities are plain dataclasses; storage maps them to tables. Time-driven transitions
are the pure function :func:`due_actions`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sunbid.kernel.errors import Conflict, RuleViolation


# ---------------------------------------------------------------------------- plans
class PlanStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


PLAN_FIELDS = (
    "project_name",
    "approval_document",
    "approval_number",
    "scope",
    "estimated_price",
    "fund_source",
    "planned_announcement_date",
)


@dataclass
class PlanAmendment:
    """A change to a published plan, kept for good (招标计划变更记录)."""

    id: str
    plan_id: str
    number: int
    reason: str
    changes: dict[str, Any]  # field -> {"old": ..., "new": ...} as strings
    amended_at: datetime
    actor_id: str | None


@dataclass
class TenderPlan:
    """招标计划: the seven fields the Nanjing plan requires (task 11)."""

    id: str
    tenderer_org_id: str
    project_name: str  # 项目名称
    approval_document: str  # 项目审批、核准或备案文件
    approval_number: str  # 文号
    scope: str  # 招标范围
    estimated_price: Decimal  # 估算合同价
    fund_source: str  # 资金来源
    planned_announcement_date: date  # 计划发布招标公告时间
    created_at: datetime
    status: PlanStatus = PlanStatus.DRAFT
    published_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None
    amendments: list[PlanAmendment] = field(default_factory=list)


# ---------------------------------------------------------------------------- tenders
class Category(StrEnum):
    WORKS = "works"  # 工程
    GOODS = "goods"  # 货物
    SERVICES = "services"  # 服务


class Method(StrEnum):
    OPEN = "open"  # 公开招标
    INVITED = "invited"  # 邀请招标


class TenderStatus(StrEnum):
    DRAFT = "draft"
    ANNOUNCED = "announced"  # 招标公告已发布，接受投标
    SUSPENDED = "suspended"  # 异议答复前暂停招标投标活动（条例第二十二条）
    BIDDING_CLOSED = "bidding_closed"  # 投标截止
    OPENING = "opening"  # 开标：投标人在线解密，结果公布，现场异议
    OPENED = "opened"  # 开标结束，开标记录已签名公布
    FAILED = "failed"  # 投标人少于3个，不得开标，依法重新招标（法第二十八条，条例第四十四条）
    CANCELLED = "cancelled"  # 公告发布前取消
    TERMINATED = "terminated"  # 公告发布后终止招标（条例第三十一条）


class TenderAction(StrEnum):
    EDIT = "edit"
    UPLOAD_DOCUMENT = "upload_document"
    ANNOUNCE = "announce"
    CLARIFY = "clarify"
    RAISE_OBJECTION = "raise_objection"
    ANSWER_OBJECTION = "answer_objection"
    RESUME = "resume"
    CLOSE_BIDDING = "close_bidding"
    CANCEL = "cancel"
    TERMINATE = "terminate"
    SET_SEALING = "set_sealing"
    SUBMIT_BID = "submit_bid"
    WITHDRAW_BID = "withdraw_bid"
    START_OPENING = "start_opening"
    FAIL = "fail"
    DECRYPT_BID = "decrypt_bid"
    SUBMIT_SHARE = "submit_share"
    OBJECT_AT_OPENING = "object_at_opening"
    ANSWER_OPENING_OBJECTION = "answer_opening_objection"
    CONCLUDE_OPENING = "conclude_opening"
    RETENDER = "retender"
    SET_EVALUATION_SCHEME = "set_evaluation_scheme"


S, A = TenderStatus, TenderAction

#: The tender state machine: (state, action) -> next state. Anything else is refused.
TRANSITIONS: dict[tuple[TenderStatus, TenderAction], TenderStatus] = {
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.DRAFT, A.UPLOAD_DOCUMENT): S.DRAFT,
    (S.DRAFT, A.ANNOUNCE): S.ANNOUNCED,
    (S.DRAFT, A.CANCEL): S.CANCELLED,
    (S.DRAFT, A.SET_SEALING): S.DRAFT,
    (S.DRAFT, A.SET_EVALUATION_SCHEME): S.DRAFT,
    (S.ANNOUNCED, A.SUBMIT_BID): S.ANNOUNCED,
    (S.ANNOUNCED, A.WITHDRAW_BID): S.ANNOUNCED,
    (S.ANNOUNCED, A.UPLOAD_DOCUMENT): S.ANNOUNCED,
    (S.ANNOUNCED, A.CLARIFY): S.ANNOUNCED,
    (S.ANNOUNCED, A.RAISE_OBJECTION): S.SUSPENDED,
    (S.ANNOUNCED, A.CLOSE_BIDDING): S.BIDDING_CLOSED,
    (S.ANNOUNCED, A.TERMINATE): S.TERMINATED,
    (S.SUSPENDED, A.RAISE_OBJECTION): S.SUSPENDED,
    (S.SUSPENDED, A.ANSWER_OBJECTION): S.SUSPENDED,
    (S.SUSPENDED, A.RESUME): S.ANNOUNCED,
    (S.SUSPENDED, A.TERMINATE): S.TERMINATED,
    (S.BIDDING_CLOSED, A.TERMINATE): S.TERMINATED,
    (S.BIDDING_CLOSED, A.START_OPENING): S.OPENING,
    (S.BIDDING_CLOSED, A.FAIL): S.FAILED,
    (S.OPENING, A.DECRYPT_BID): S.OPENING,
    (S.OPENING, A.SUBMIT_SHARE): S.OPENING,
    (S.OPENING, A.OBJECT_AT_OPENING): S.OPENING,
    (S.OPENING, A.ANSWER_OPENING_OBJECTION): S.OPENING,
    (S.OPENING, A.CONCLUDE_OPENING): S.OPENED,
    (S.OPENING, A.TERMINATE): S.TERMINATED,
    (S.OPENED, A.TERMINATE): S.TERMINATED,
    (S.FAILED, A.RETENDER): S.FAILED,
}


@dataclass
class Section:
    """标段（包）: the unit bids are made for."""

    id: str
    tender_id: str
    number: int
    code: str  # 标段编号 = 招标项目编号 + 3-digit sequence
    name: str
    scope: str
    estimated_price: Decimal  # 估算价
    max_bid_price: Decimal  # 最高投标限价（条例第二十七条）
    bid_deposit: Decimal  # 投标保证金（条例第二十六条）
    bids_at_deadline: int | None = None  # standing bids when bidding closed
    failed: bool = False  # 投标人少于3个，本标段不开标（法第二十八条）


class DocumentKind(StrEnum):
    TENDER_DOCUMENT = "tender_document"  # 招标文件
    MODIFICATION = "modification"  # 澄清或修改文件
    CREDIT_COMMITMENT = "credit_commitment"  # 信用承诺书（签章件）
    OTHER = "other"


@dataclass
class TenderDocument:
    """A file in the blob store, referenced by its SHA-256; each upload is a new version."""

    id: str
    tender_id: str
    kind: DocumentKind
    title: str
    filename: str
    media_type: str
    sha256: str
    size: int
    version: int
    uploaded_at: datetime
    uploaded_by: str | None
    published_at: datetime | None = None


@dataclass
class Clarification:
    """澄清或者修改 (法 第二十三条): published to all, may move the bid deadline."""

    id: str
    tender_id: str
    number: int
    text: str
    affects_bid_preparation: bool
    issued_at: datetime
    old_bid_deadline: datetime
    new_bid_deadline: datetime | None
    document_ids: list[str] = field(default_factory=list)


class ObjectionStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"


@dataclass
class Objection:
    """异议 to the tender documents (条例 第二十二条)."""

    id: str
    tender_id: str
    objector_org_id: str
    objector_user_id: str
    text: str
    raised_at: datetime
    answer_due: datetime
    status: ObjectionStatus = ObjectionStatus.PENDING
    answer: str | None = None
    answered_at: datetime | None = None
    overdue_flagged_at: datetime | None = None


@dataclass
class Tender:
    """招标项目 and its announcement (招标公告)."""

    id: str
    code: str  # 招标项目编号
    plan_id: str
    tenderer_org_id: str
    agency_org_id: str | None
    title: str  # 招标项目名称
    category: Category
    sector: str  # 行业，如 房屋建筑、交通、水利、轨道交通
    method: Method
    content: str  # 招标内容、范围
    scale: str  # 规模
    fund_source: str  # 资金来源
    qualification_requirements: str  # 投标资格能力要求
    consortium_accepted: bool  # 是否接受联合体投标
    doc_issue_start: datetime  # 招标文件开始发出（获取）时间
    doc_sale_end: datetime  # 招标文件获取截止时间
    bid_deadline: datetime  # 投标截止时间（即开标时间，法 第三十四条）
    opening_place: str
    submission_method: str  # 递交投标文件的方式
    tenderer_contact: str  # 招标人联系人、地址、电话
    agency_contact: str
    supervising_department: str  # 监督部门
    supervising_contact: str
    objection_channel: str  # 异议受理渠道
    platform_url: str  # 电子招标投标交易平台网址和访问方法（电子办法 第十七条）
    credit_commitment: str  # 招标人信用承诺书
    bid_validity_days: int
    created_at: datetime
    invitee_org_ids: list[str] = field(default_factory=list)
    status: TenderStatus = TenderStatus.DRAFT
    announced_at: datetime | None = None
    closed_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None
    announcement_signature: dict[str, Any] | None = None  # 招标人（代理机构）电子签名，电子办法 第四十条
    announcement_signer: str | None = None
    sealing: dict[str, Any] | None = None  # SealingTerms as JSON: suites, windows, custodians
    opening_started_at: datetime | None = None
    decrypt_until: datetime | None = None
    decryption_ended_at: datetime | None = None
    custodian_until: datetime | None = None
    custodians_ended_at: datetime | None = None
    results_at: datetime | None = None  # every bid resolved: the record is shown, objections heard
    concluded_at: datetime | None = None
    opening_record: dict[str, Any] | None = None  # the concluded record, signed by the platform
    opening_record_signature: dict[str, Any] | None = None
    retender_of: str | None = None  # the failed tender this one tenders again
    evaluation_scheme: dict[str, Any] | None = None  # 评标办法 as the tender documents declare it
    sections: list[Section] = field(default_factory=list)
    documents: list[TenderDocument] = field(default_factory=list)
    clarifications: list[Clarification] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)

    # ----------------------------------------------------------------- state machine
    def next_state(self, action: TenderAction) -> TenderStatus:
        """The state ``action`` leads to, or a refusal naming the rule."""
        try:
            return TRANSITIONS[(self.status, action)]
        except KeyError:
            if self.status is TenderStatus.SUSPENDED:
                raise RuleViolation(
                    "tender_suspended",
                    "该项目有未答复的异议，答复前暂停招标投标活动",
                    "The tender has an unanswered objection; activities are suspended until it is answered",
                    rule="objection_answer_days",
                    action=str(action),
                ) from None
            raise Conflict(
                "transition_not_allowed",
                f"项目状态为“{self.status}”，不允许“{action}”操作",
                f"A tender in state {self.status!r} does not allow {action!r}",
                state=str(self.status),
                action=str(action),
            ) from None

    def apply(self, action: TenderAction) -> None:
        self.status = self.next_state(action)

    @property
    def estimated_price(self) -> Decimal:
        return sum((s.estimated_price for s in self.sections), Decimal("0.00"))

    @property
    def max_bid_price(self) -> Decimal:
        return sum((s.max_bid_price for s in self.sections), Decimal("0.00"))

    def pending_objections(self) -> list[Objection]:
        return [o for o in self.objections if o.status is ObjectionStatus.PENDING]

    def current_documents(self) -> list[TenderDocument]:
        """The latest version of each (kind, title)."""
        latest: dict[tuple[DocumentKind, str], TenderDocument] = {}
        for doc in sorted(self.documents, key=lambda d: d.version):
            latest[(doc.kind, doc.title)] = doc
        return sorted(latest.values(), key=lambda d: (d.kind, d.title))


#: Announcement fields that must not be blank before publication
#: (《招标公告和公示信息发布管理办法》; 法 第十六条; 电子办法 第十七条; 条例 第三十七条).
ANNOUNCEMENT_REQUIRED = (
    "title",
    "content",
    "scale",
    "fund_source",
    "qualification_requirements",
    "opening_place",
    "submission_method",
    "tenderer_contact",
    "supervising_department",
    "supervising_contact",
    "objection_channel",
    "platform_url",
    "credit_commitment",
)


class DueAction(StrEnum):
    CLOSE_BIDDING = "close_bidding"
    FLAG_OVERDUE_OBJECTION = "flag_overdue_objection"
    OPEN_BIDS = "open_bids"
    END_DECRYPTION = "end_decryption"
    END_CUSTODIANS = "end_custodians"


def due_actions(tender: Tender, now: datetime) -> list[tuple[DueAction, str]]:
    """What time alone requires of ``tender`` at ``now``: a pure function, so repeatable.

    Bidding closes at the deadline only when no objection is pending (a suspended tender
    does not run out its clock), and the opening starts at once (法 第三十四条: the opening
    is at the deadline). The decryption window, then the custodians' window, end on time.
    An objection not answered in time is flagged once.
    """
    actions: list[tuple[DueAction, str]] = []
    if tender.status is TenderStatus.ANNOUNCED and now >= tender.bid_deadline:
        actions.append((DueAction.CLOSE_BIDDING, tender.id))
        actions.append((DueAction.OPEN_BIDS, tender.id))
    elif tender.status is TenderStatus.BIDDING_CLOSED:
        actions.append((DueAction.OPEN_BIDS, tender.id))
    elif tender.status is TenderStatus.OPENING:
        if tender.decrypt_until and now >= tender.decrypt_until and tender.decryption_ended_at is None:
            actions.append((DueAction.END_DECRYPTION, tender.id))
        if (
            tender.custodian_until
            and now >= tender.custodian_until
            and tender.custodians_ended_at is None
            and tender.decryption_ended_at is not None
        ):
            actions.append((DueAction.END_CUSTODIANS, tender.id))
    for objection in tender.pending_objections():
        if now > objection.answer_due and objection.overdue_flagged_at is None:
            actions.append((DueAction.FLAG_OVERDUE_OBJECTION, objection.id))
    return actions
