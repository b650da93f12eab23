"""投诉: complaints to the supervising department (条例 第六十条至第六十二条), from any channel.

A complaint about the tender documents, the opening or the evaluation result must follow an
objection (异议) on the same matter; the time the objection waited for its answer is not
counted in the 10 days. The department accepts or refuses it within 3 working days and
decides within 30 working days; it may order the proceedings suspended meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sunbid.kernel.errors import Conflict


class ComplaintChannel(StrEnum):
    WEB = "web"  # 网上投诉（本平台）
    LETTER = "letter"  # 来信
    VISIT = "visit"  # 来访
    PHONE = "phone"  # 电话
    EMAIL = "email"  # 电子邮件


class ComplaintMatter(StrEnum):
    """What the complaint is about: the first three need an objection first (条例 第六十条)."""

    TENDER_DOCUMENTS = "tender_documents"  # 资格预审文件、招标文件（条例 第二十二条）
    OPENING = "opening"  # 开标（条例 第四十四条）
    EVALUATION_RESULT = "evaluation_result"  # 依法必须进行招标的项目的评标结果（条例 第五十四条）
    OTHER = "other"  # 其他违反法律、行政法规规定的行为


NEEDS_OBJECTION = frozenset(
    {ComplaintMatter.TENDER_DOCUMENTS, ComplaintMatter.OPENING, ComplaintMatter.EVALUATION_RESULT}
)


class ComplaintStatus(StrEnum):
    RECEIVED = "received"  # 已收到，待决定是否受理
    ACCEPTED = "accepted"  # 已受理
    REFUSED = "refused"  # 不予受理
    UPHELD = "upheld"  # 投诉成立
    DISMISSED = "dismissed"  # 投诉不成立（驳回）
    WITHDRAWN = "withdrawn"  # 投诉人撤回


class ComplaintAction(StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    DECIDE = "decide"
    WITHDRAW = "withdraw"


_C, _A = ComplaintStatus, ComplaintAction
TRANSITIONS: dict[tuple[ComplaintStatus, ComplaintAction], tuple[ComplaintStatus, ...]] = {
    (_C.RECEIVED, _A.ACCEPT): (_C.ACCEPTED,),
    (_C.RECEIVED, _A.REFUSE): (_C.REFUSED,),
    (_C.RECEIVED, _A.WITHDRAW): (_C.WITHDRAWN,),
    (_C.ACCEPTED, _A.DECIDE): (_C.UPHELD, _C.DISMISSED),
    (_C.ACCEPTED, _A.WITHDRAW): (_C.WITHDRAWN,),
}

#: Outcomes that count as unfounded when the same complainant repeats them.
UNFOUNDED = frozenset({ComplaintStatus.REFUSED, ComplaintStatus.DISMISSED})


@dataclass
class Complaint:
    id: str
    tender_id: str
    section_id: str | None
    complainant_org_id: str
    channel: ComplaintChannel
    matter: ComplaintMatter
    text: str
    known_at: datetime  # when the complainant knew or should have known (条例 第六十条)
    received_at: datetime
    accept_due: datetime  # 3 working days after receipt (条例 第六十一条)
    entered_by: str  # the user who entered it: the complainant (web) or the department's staff
    objection_id: str | None = None  # the prior objection on the same matter
    evidence_sha256: str | None = None
    status: ComplaintStatus = ComplaintStatus.RECEIVED
    handled_by: str | None = None
    accepted_at: datetime | None = None
    decide_due: datetime | None = None  # 30 working days after acceptance
    suspension_ordered: bool = False
    refused_reason: str | None = None
    decided_at: datetime | None = None
    decision: str | None = None
    withdrawn_at: datetime | None = None
    repeated_unfounded: bool = False  # the complainant's unfounded complaints reached the threshold
    accept_overdue_flagged_at: datetime | None = None
    decide_overdue_flagged_at: datetime | None = None

    def apply(self, action: ComplaintAction, outcome: ComplaintStatus | None = None) -> None:
        allowed = TRANSITIONS.get((self.status, action))
        if allowed is None or (outcome is not None and outcome not in allowed):
            raise Conflict(
                "complaint_transition_not_allowed",
                f"投诉状态为“{self.status}”，不允许“{action}”操作",
                f"A complaint in state {self.status!r} does not allow {action!r}",
                state=str(self.status),
                action=str(action),
            )
        self.status = outcome if outcome is not None else allowed[0]

    @property
    def open(self) -> bool:
        return self.status in (ComplaintStatus.RECEIVED, ComplaintStatus.ACCEPTED)


class DueAction(StrEnum):
    FLAG_ACCEPT_OVERDUE = "flag_accept_overdue"
    FLAG_DECIDE_OVERDUE = "flag_decide_overdue"


def due_actions(complaint: Complaint, now: datetime) -> list[tuple[DueAction, str]]:
    """Deadlines the department missed, each flagged once: a pure function."""
    actions: list[tuple[DueAction, str]] = []
    if (
        complaint.status is ComplaintStatus.RECEIVED
        and now > complaint.accept_due
        and not complaint.accept_overdue_flagged_at
    ):
        actions.append((DueAction.FLAG_ACCEPT_OVERDUE, complaint.id))
    if (
        complaint.status is ComplaintStatus.ACCEPTED
        and complaint.decide_due is not None
        and now > complaint.decide_due
        and not complaint.decide_overdue_flagged_at
    ):
        actions.append((DueAction.FLAG_DECIDE_OVERDUE, complaint.id))
    return actions
