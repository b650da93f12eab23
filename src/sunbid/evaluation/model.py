"""评标与定标: the evaluation of one section (标段) by its committee, and everything after it up
to the contract and its performance, as one aggregate with one transition table.

The committee (drawn in the experts room) scores; the platform computes what is objective
(price scores, registry-based scores, arithmetic corrections, abnormally low prices) from the
scheme the tender declared in its documents. Every score, vote, signature and decision is an
event in the ledger, so each can be traced to its member for good.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sunbid.kernel.errors import Conflict


class EvaluationStatus(StrEnum):
    TECHNICAL = "technical"  # 技术部分评审（暗标时以随机编码评审）
    COMMERCIAL = "commercial"  # 技术分已锁定；商务、信用、价格部分评审
    SIGNING = "signing"  # 评标报告已生成，待评标委员会成员签署
    REPORTED = "reported"  # 招标人已收到评标报告（可要求复核）
    CORRECTING = "correcting"  # 复核：退回评标委员会更正
    PUBLICITY = "publicity"  # 中标候选人公示（条例 第五十四条）
    SUSPENDED = "suspended"  # 行政监督部门责令暂停（条例 第六十二条）
    DECISION = "decision"  # 公示期满，待定标
    DECIDED = "decided"  # 已确定中标人
    AWARDED = "awarded"  # 中标通知书与中标结果通知书已同时发出（法 第四十五条）
    CONTRACTED = "contracted"  # 书面合同已订立（法 第四十六条）
    COMPLETED = "completed"  # 履约完成
    FAILED = "failed"  # 否决全部投标或缺乏竞争，依法重新招标（评标规定 第二十七条）


class EvaluationAction(StrEnum):
    SCORE = "score"
    MOTION = "motion"
    LOCK_TECHNICAL = "lock_technical"
    REQUEST_EXPLANATION = "request_explanation"
    EXPLAIN = "explain"
    CONCLUDE = "conclude"
    SIGN = "sign"
    COMPLETE_REPORT = "complete_report"
    REQUEST_CORRECTION = "request_correction"
    PUBLISH_CANDIDATES = "publish_candidates"
    OBJECT = "object"
    ANSWER_OBJECTION = "answer_objection"
    END_PUBLICITY = "end_publicity"
    DECIDE = "decide"
    NOTIFY = "notify"
    SIGN_CONTRACT = "sign_contract"
    RECORD_PERFORMANCE = "record_performance"
    COMPLETE = "complete"
    FAIL = "fail"
    SUSPEND = "suspend"


S, A = EvaluationStatus, EvaluationAction
_SITTING = (S.TECHNICAL, S.COMMERCIAL, S.CORRECTING)

#: The evaluation state machine: (state, action) -> next state. Anything else is refused.
#: Resuming after a suspension returns to the state the evaluation was suspended in.
TRANSITIONS: dict[tuple[EvaluationStatus, EvaluationAction], EvaluationStatus] = {
    **{(s, A.SCORE): s for s in _SITTING},
    **{(s, A.MOTION): s for s in _SITTING},
    **{(s, A.FAIL): S.FAILED for s in (*_SITTING, S.DECISION)},
    (S.TECHNICAL, A.LOCK_TECHNICAL): S.COMMERCIAL,
    (S.COMMERCIAL, A.REQUEST_EXPLANATION): S.COMMERCIAL,
    (S.CORRECTING, A.REQUEST_EXPLANATION): S.CORRECTING,
    (S.COMMERCIAL, A.EXPLAIN): S.COMMERCIAL,
    (S.CORRECTING, A.EXPLAIN): S.CORRECTING,
    (S.COMMERCIAL, A.CONCLUDE): S.SIGNING,
    (S.CORRECTING, A.CONCLUDE): S.SIGNING,
    (S.SIGNING, A.SIGN): S.SIGNING,
    (S.SIGNING, A.COMPLETE_REPORT): S.REPORTED,
    (S.REPORTED, A.REQUEST_CORRECTION): S.CORRECTING,
    (S.REPORTED, A.PUBLISH_CANDIDATES): S.PUBLICITY,
    (S.PUBLICITY, A.OBJECT): S.PUBLICITY,
    (S.PUBLICITY, A.ANSWER_OBJECTION): S.PUBLICITY,
    (S.DECISION, A.ANSWER_OBJECTION): S.DECISION,
    (S.SUSPENDED, A.ANSWER_OBJECTION): S.SUSPENDED,
    (S.PUBLICITY, A.END_PUBLICITY): S.DECISION,
    (S.DECISION, A.DECIDE): S.DECIDED,
    (S.DECIDED, A.NOTIFY): S.AWARDED,
    (S.AWARDED, A.SIGN_CONTRACT): S.CONTRACTED,
    (S.CONTRACTED, A.RECORD_PERFORMANCE): S.CONTRACTED,
    (S.CONTRACTED, A.COMPLETE): S.COMPLETED,
    **{(s, A.SUSPEND): S.SUSPENDED for s in (S.REPORTED, S.PUBLICITY, S.DECISION, S.DECIDED, S.SUSPENDED)},
}


class MotionKind(StrEnum):
    """Questions the committee decides together, by majority (评标规定 第四十三条: 少数服从多数)."""

    REJECT_BID = "reject_bid"  # 否决投标（条例 第五十一条）
    ACCEPT_EXPLANATION = "accept_explanation"  # 异常低价说明合理，不否决
    ADJUST_PRICE = "adjust_price"  # 经评审的最低投标价法：按招标文件规定的量化因素调整价格（评标规定 第三十一条）
    REJECT_ALL = "reject_all"  # 有效投标不足三个且明显缺乏竞争，否决全部投标（评标规定 第二十七条）
    BREAK_TIE = "break_tie"  # 候选人名次并列时由评标委员会表决确定先后（不得抽签）


class MotionStatus(StrEnum):
    OPEN = "open"
    CARRIED = "carried"
    DEFEATED = "defeated"


#: The grounds on which the committee shall reject a bid (条例 第五十一条), plus the
#: invalidity the statute sets elsewhere (第三十四条, 第三十七条) found at the opening.
REJECTION_GROUNDS: dict[str, tuple[str, str, str]] = {
    "no_seal_or_signature": (
        "投标文件未经投标单位盖章和单位负责人签字",
        "Not sealed by the bidder and signed by its head",
        "第五十一条第（一）项",
    ),
    "no_consortium_agreement": (
        "投标联合体没有提交共同投标协议",
        "A consortium without its joint-bid agreement",
        "第五十一条第（二）项",
    ),
    "not_qualified": (
        "投标人不符合国家或者招标文件规定的资格条件",
        "The bidder does not meet the qualification conditions",
        "第五十一条第（三）项",
    ),
    "two_bids": (
        "同一投标人提交两个以上不同的投标文件或者投标报价",
        "Two or more different bids or prices from one bidder",
        "第五十一条第（四）项",
    ),
    "below_cost_or_above_ceiling": (
        "投标报价低于成本或者高于招标文件设定的最高投标限价",
        "The price is below cost or above the maximum bid price",
        "第五十一条第（五）项",
    ),
    "not_responsive": (
        "投标文件没有对招标文件的实质性要求和条件作出响应",
        "The bid does not respond to the substantive requirements",
        "第五十一条第（六）项",
    ),
    "collusion_fraud_bribery": (
        "投标人有串通投标、弄虚作假、行贿等违法行为",
        "Collusion, fraud or bribery",
        "第五十一条第（七）项",
    ),
    "invalid_by_statute": (
        "依法应当认定无效的投标（开标时认定）",
        "Invalid by statute, found at the opening",
        "第三十四条、第三十七条",
    ),
}


class ExplanationStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    EXPIRED = "expired"


class ObjectionStatus(StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"


#: Why the tenderer of a state-funded project may pass over the first-ranked candidate
#: (条例 第五十五条).
RANK_ONE_EXCEPTIONS: dict[str, tuple[str, str]] = {
    "gave_up": ("排名第一的中标候选人放弃中标", "The first-ranked candidate gave up the award"),
    "cannot_perform": ("因不可抗力不能履行合同", "It cannot perform because of force majeure"),
    "no_performance_security": ("未按照招标文件要求提交履约保证金", "It did not furnish the performance security"),
    "illegal_conduct": ("被查实存在影响中标结果的违法行为", "Illegal conduct affecting the result was found"),
}


class NoticeKind(StrEnum):
    AWARD = "award"  # 中标通知书
    RESULT = "result"  # 中标结果通知书（未中标人）


class PerformanceKind(StrEnum):
    MILESTONE = "milestone"  # 履约节点
    CHANGE = "change"  # 合同变更
    PAYMENT = "payment"  # 支付
    COMPLETION = "completion"  # 竣工（交付）验收


# ---------------------------------------------------------------------------- entities
@dataclass
class Score:
    """One member's points for one factor of one bid. Changes are allowed until the part is
    locked; each change is a ledger entry, so the history stays."""

    id: str
    evaluation_id: str
    member_id: str
    bid_id: str
    factor_id: str
    points: Decimal
    comment: str
    scored_at: datetime
    revision: int = 1


@dataclass
class Vote:
    id: str
    motion_id: str
    member_id: str
    agree: bool
    reason: str
    voted_at: datetime


@dataclass
class Motion:
    """A question the committee decides together by majority of its active members."""

    id: str
    evaluation_id: str
    kind: MotionKind
    bid_id: str | None
    ground: str | None  # a key of REJECTION_GROUNDS for rejections
    reason: str
    proposed_by: str  # member id, or "system" for statutory invalidity found at the opening
    proposed_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)  # adjust_price: {adjustment_id, units}
    status: MotionStatus = MotionStatus.OPEN
    decided_at: datetime | None = None
    votes: list[Vote] = field(default_factory=list)


@dataclass
class Explanation:
    """A written explanation the committee asked of a bidder (澄清、说明; 条例 第五十二条): for an
    abnormally low price (评标规定 第二十一条) or an unclear point. Only requested ones are taken."""

    id: str
    evaluation_id: str
    bid_id: str
    bidder_org_id: str
    question: str
    triggers: list[dict[str, Any]]  # the abnormal-price rules that fired, with figures
    requested_by: str  # member id
    requested_at: datetime
    due_at: datetime
    status: ExplanationStatus = ExplanationStatus.PENDING
    answer: str | None = None
    evidence_sha256: str | None = None
    answered_at: datetime | None = None


@dataclass
class ReportSignature:
    """A member's signature over one version of the report, with its dissent if any
    (条例 第五十三条: dissent in writing; refusing to sign without a reason counts as agreement)."""

    id: str
    report_id: str
    member_id: str
    signed_at: datetime
    dissent: str | None
    signature: dict[str, Any] | None  # detached signature over {report digest, member, dissent}
    signer_subject: str | None
    refused: bool = False


@dataclass
class Report:
    """评标报告 (评标规定 第四十二条), one version per conclusion of the committee."""

    id: str
    evaluation_id: str
    version: int
    body: dict[str, Any]
    digest: str  # SHA-256 (hex) of the RFC 8785 body
    created_at: datetime
    completed_at: datetime | None = None
    superseded_at: datetime | None = None
    signatures: list[ReportSignature] = field(default_factory=list)


@dataclass
class PublicityObjection:
    """异议 against the evaluation result, during the candidate publicity (条例 第五十四条)."""

    id: str
    evaluation_id: str
    objector_org_id: str
    objector_user_id: str
    text: str
    raised_at: datetime
    answer_due: datetime
    status: ObjectionStatus = ObjectionStatus.PENDING
    answer: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    overdue_flagged_at: datetime | None = None


@dataclass
class AwardNotice:
    """中标通知书 to the winner, 中标结果通知书 to every other bidder, issued together."""

    id: str
    evaluation_id: str
    bid_id: str
    bidder_org_id: str
    kind: NoticeKind
    body: dict[str, Any]
    signature: dict[str, Any]  # the platform's signature over the body
    issued_at: datetime


@dataclass
class PerformanceRecord:
    id: str
    evaluation_id: str
    kind: PerformanceKind
    description: str
    occurred_on: datetime
    amount: Decimal | None
    recorded_at: datetime
    recorded_by: str | None
    document_sha256: str | None = None


@dataclass
class Evaluation:
    """The evaluation of one section, from the committee's first review to the contract."""

    id: str
    tender_id: str
    section_id: str
    committee_id: str
    scheme: dict[str, Any]  # the evaluation scheme the tender documents declared (评标办法)
    started_at: datetime
    started_by: str | None
    status: EvaluationStatus = EvaluationStatus.TECHNICAL
    bid_ids: list[str] = field(default_factory=list)  # the decrypted bids under evaluation
    codes: dict[str, str] = field(default_factory=dict)  # bid id -> 暗标 code; secret until unmasked
    code_seed_digest: str | None = None
    corrections: dict[str, Any] = field(default_factory=dict)  # bid id -> arithmetic corrections
    facts: dict[str, Any] = field(default_factory=dict)  # bid id -> registry facts for objective items
    k_value: str | None = None  # the K of the average-discount benchmark, drawn at the start
    k_draw: dict[str, Any] | None = None
    technical_locked_at: datetime | None = None
    anonymity_findings: dict[str, Any] = field(default_factory=dict)  # code -> identifying content found
    results: dict[str, Any] | None = None  # computed at the conclusion: scores, totals, ranking
    candidates: list[dict[str, Any]] = field(default_factory=list)  # [{bid_id, rank|None}]
    concluded_at: datetime | None = None
    reported_at: datetime | None = None  # the report was completed: the tenderer has it
    corrections_requested: list[dict[str, Any]] = field(default_factory=list)  # 复核
    publicity: dict[str, Any] | None = None  # the published candidate notice
    publicity_start: datetime | None = None
    publicity_end: datetime | None = None
    publicity_overdue_flagged_at: datetime | None = None
    decision: dict[str, Any] | None = None  # 定标: mode, winner, participants, votes, reasons
    decided_at: datetime | None = None
    winner_bid_id: str | None = None
    result_notice: dict[str, Any] | None = None  # 中标结果公示
    awarded_at: datetime | None = None
    contract: dict[str, Any] | None = None
    contract_signed_at: datetime | None = None
    contract_overdue_flagged_at: datetime | None = None
    completed_at: datetime | None = None
    failed_at: datetime | None = None
    failed_reason: str | None = None
    suspended_from: EvaluationStatus | None = None
    suspension: dict[str, Any] | None = None  # who ordered it, why (a complaint)
    scores: list[Score] = field(default_factory=list)
    motions: list[Motion] = field(default_factory=list)
    explanations: list[Explanation] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    objections: list[PublicityObjection] = field(default_factory=list)
    notices: list[AwardNotice] = field(default_factory=list)
    performance: list[PerformanceRecord] = field(default_factory=list)

    # ----------------------------------------------------------------- state machine
    def next_state(self, action: EvaluationAction) -> EvaluationStatus:
        try:
            return TRANSITIONS[(self.status, action)]
        except KeyError:
            if self.status is EvaluationStatus.SUSPENDED:
                raise Conflict(
                    "evaluation_suspended",
                    "行政监督部门已责令暂停本标段的招标投标活动",
                    "The supervising department has suspended this section's proceedings",
                    action=str(action),
                ) from None
            raise Conflict(
                "evaluation_transition_not_allowed",
                f"评标状态为“{self.status}”，不允许“{action}”操作",
                f"An evaluation in state {self.status!r} does not allow {action!r}",
                state=str(self.status),
                action=str(action),
            ) from None

    def apply(self, action: EvaluationAction) -> None:
        self.status = self.next_state(action)

    # ----------------------------------------------------------------- reading
    def rejected(self) -> dict[str, Motion]:
        """Bids the committee rejected (否决), by bid id, with the motion that did it."""
        return {
            m.bid_id: m
            for m in self.motions
            if m.kind is MotionKind.REJECT_BID and m.status is MotionStatus.CARRIED and m.bid_id
        }

    def valid_bid_ids(self) -> list[str]:
        rejected = self.rejected()
        return [b for b in self.bid_ids if b not in rejected]

    def current_report(self) -> Report | None:
        live = [r for r in self.reports if r.superseded_at is None]
        return max(live, key=lambda r: r.version) if live else None

    def pending_objections(self) -> list[PublicityObjection]:
        return [o for o in self.objections if o.status is ObjectionStatus.PENDING]

    def open_motion(self, kind: MotionKind, bid_id: str | None) -> Motion | None:
        return next(
            (m for m in self.motions if m.kind is kind and m.bid_id == bid_id and m.status is MotionStatus.OPEN), None
        )

    def code_of(self, bid_id: str) -> str:
        return self.codes.get(bid_id, bid_id)


class DueAction(StrEnum):
    END_PUBLICITY = "end_publicity"
    EXPIRE_EXPLANATION = "expire_explanation"
    FLAG_OVERDUE_OBJECTION = "flag_overdue_objection"
    FLAG_PUBLICITY_LATE = "flag_publicity_late"
    FLAG_CONTRACT_LATE = "flag_contract_late"


def due_actions(
    evaluation: Evaluation, now: datetime, *, publicity_due: datetime | None, contract_due: datetime | None
) -> list[tuple[DueAction, str]]:
    """What time alone requires of ``evaluation`` at ``now``: a pure function.

    ``publicity_due`` is when the candidates must be published (3 days after the report,
    条例 第五十四条) and ``contract_due`` when the contract must be signed (30 days after the
    notice, 法 第四十六条); the scheduler flags both once when they pass.
    """
    actions: list[tuple[DueAction, str]] = []
    if evaluation.status is EvaluationStatus.PUBLICITY and evaluation.publicity_end and now >= evaluation.publicity_end:
        actions.append((DueAction.END_PUBLICITY, evaluation.id))
    for e in evaluation.explanations:
        if e.status is ExplanationStatus.PENDING and now >= e.due_at:
            actions.append((DueAction.EXPIRE_EXPLANATION, e.id))
    for o in evaluation.pending_objections():
        if now > o.answer_due and o.overdue_flagged_at is None:
            actions.append((DueAction.FLAG_OVERDUE_OBJECTION, o.id))
    if (
        evaluation.status is EvaluationStatus.REPORTED
        and publicity_due is not None
        and now > publicity_due
        and evaluation.publicity_overdue_flagged_at is None
    ):
        actions.append((DueAction.FLAG_PUBLICITY_LATE, evaluation.id))
    if (
        evaluation.status is EvaluationStatus.AWARDED
        and contract_due is not None
        and now > contract_due
        and evaluation.contract_overdue_flagged_at is None
    ):
        actions.append((DueAction.FLAG_CONTRACT_LATE, evaluation.id))
    return actions
