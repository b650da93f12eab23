"""预警: warnings the supervising department works through (M18).

A warning is made from one risk finding (a :class:`sunbid.risk.indicators.Flag`) of medium or high
severity; low-severity flags stay indicators a supervisor may read, never warnings. It copies
what the finding says (the indicator, its severity, subjects, evidence and legal basis) and is
known by a **fingerprint**: SHA-256 over the indicator, the tender and section and the sorted
subjects, so the same finding found again, by a later scan or another trigger, is never warned
twice.

The workflow is one transition table (``TRANSITIONS``); each step is a supervisor's, recorded in
the warning's history and in the ledger::

    open ─assign→ assigned ─acknowledge→ acknowledged ─investigate→ investigating
    investigating ─dismiss (reason)→ dismissed
    investigating ─refer (authority, number)→ referred ─feedback→ referred
    investigating | referred ─close (outcome, reason)→ closed

A warning may be reassigned in any state before it ends; only its assignee acknowledges,
investigates, dismisses, refers, records feedback and closes. A referral goes to another
authority (公安机关、纪检监察机关、市场监督管理部门 …) with the referral's number (移送文号), and its
feedback (received, outcome) is tracked: a warning is not closed while a referral awaits it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sunbid.kernel.errors import Conflict, DomainError

FINGERPRINT_FORMAT = "sunbid-warning/1"


class WarningSeverity(StrEnum):
    HIGH = "high"  # 高：法定视为串通投标的情形、禁止性条款
    MEDIUM = "medium"  # 中：文献与实务中与串通、腐败相关的模式


#: Severities that make a warning; ``low`` findings stay indicators.
WARNED = frozenset(s.value for s in WarningSeverity)


class WarningStatus(StrEnum):
    OPEN = "open"  # 新预警，待分派
    ASSIGNED = "assigned"  # 已分派
    ACKNOWLEDGED = "acknowledged"  # 已签收
    INVESTIGATING = "investigating"  # 核查中
    REFERRED = "referred"  # 已移送其他机关
    DISMISSED = "dismissed"  # 已排除（误报）
    CLOSED = "closed"  # 已办结


FINAL = frozenset({WarningStatus.DISMISSED, WarningStatus.CLOSED})


class WarningAction(StrEnum):
    ASSIGN = "assign"
    ACKNOWLEDGE = "acknowledge"
    INVESTIGATE = "investigate"
    DISMISS = "dismiss"
    REFER = "refer"
    FEEDBACK = "feedback"
    CLOSE = "close"


_S, _A = WarningStatus, WarningAction
TRANSITIONS: dict[tuple[WarningStatus, WarningAction], WarningStatus] = {
    (_S.OPEN, _A.ASSIGN): _S.ASSIGNED,
    (_S.ASSIGNED, _A.ASSIGN): _S.ASSIGNED,
    (_S.ACKNOWLEDGED, _A.ASSIGN): _S.ACKNOWLEDGED,
    (_S.INVESTIGATING, _A.ASSIGN): _S.INVESTIGATING,
    (_S.REFERRED, _A.ASSIGN): _S.REFERRED,
    (_S.ASSIGNED, _A.ACKNOWLEDGE): _S.ACKNOWLEDGED,
    (_S.ACKNOWLEDGED, _A.INVESTIGATE): _S.INVESTIGATING,
    (_S.INVESTIGATING, _A.INVESTIGATE): _S.INVESTIGATING,
    (_S.REFERRED, _A.INVESTIGATE): _S.REFERRED,
    (_S.INVESTIGATING, _A.DISMISS): _S.DISMISSED,
    (_S.INVESTIGATING, _A.REFER): _S.REFERRED,
    (_S.REFERRED, _A.REFER): _S.REFERRED,
    (_S.REFERRED, _A.FEEDBACK): _S.REFERRED,
    (_S.INVESTIGATING, _A.CLOSE): _S.CLOSED,
    (_S.REFERRED, _A.CLOSE): _S.CLOSED,
}

#: The steps only the assignee takes (assignment is any supervisor's).
ASSIGNEE_ONLY = frozenset(a for a in WarningAction if a is not WarningAction.ASSIGN)


class Authority(StrEnum):
    """Where a warning is referred (移送), the authorities the Nanjing plan names (items 19, 63)."""

    PUBLIC_SECURITY = "public_security"  # 公安机关（涉嫌串通投标罪等）
    DISCIPLINE_INSPECTION = "discipline_inspection"  # 纪检监察机关（公职人员）
    MARKET_REGULATION = "market_regulation"  # 市场监督管理部门（吊销营业执照等）
    AUDIT = "audit"  # 审计机关
    PROCURATORATE = "procuratorate"  # 检察机关
    INDUSTRY_REGULATOR = "industry_regulator"  # 其他行业行政监督部门
    OTHER = "other"  # 其他机关（须写明名称）


class FeedbackOutcome(StrEnum):
    CASE_OPENED = "case_opened"  # 已立案
    PENALISED = "penalised"  # 已作出处罚或处理
    NO_CASE = "no_case"  # 不予立案或未发现问题
    TRANSFERRED = "transferred"  # 已转其他机关
    OTHER = "other"  # 其他（见说明）


class CloseOutcome(StrEnum):
    CONFIRMED = "confirmed"  # 经核查属实（计入信用记录）
    UNFOUNDED = "unfounded"  # 经核查不属实


@dataclass
class Referral:
    """移送: a warning referred to another authority, and the feedback it sends back."""

    id: str
    warning_id: str
    authority: Authority
    authority_name: str  # e.g. 南京市公安局经济犯罪侦查支队
    number: str  # 移送文号
    referred_at: datetime
    referred_by: str
    note: str = ""
    feedback_received_at: datetime | None = None
    feedback_outcome: FeedbackOutcome | None = None
    feedback_text: str | None = None
    feedback_recorded_by: str | None = None

    @property
    def awaiting_feedback(self) -> bool:
        return self.feedback_received_at is None


@dataclass
class HistoryEntry:
    """One step of a warning: who did what, from which state to which, and what they wrote."""

    id: str
    warning_id: str
    number: int  # 1, 2, … in the order the steps were taken
    at: datetime
    actor_id: str | None
    action: str  # a WarningAction, or "raise"
    from_status: str | None
    to_status: str
    note: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class EarlyWarning:
    """预警: one finding the supervising department must work through."""

    id: str
    fingerprint: str
    flag_id: str  # the risk engine's id of the finding it was made from
    indicator: str  # e.g. SIG-DEVICE, FC-LOCAL-BRANCH, NET-ROTATION
    severity: WarningSeverity
    title_zh: str
    title_en: str
    subject_type: str  # bids, bidders, bidder, document, tender, process, expert, experts, expert_bidder …
    subject_ids: list[str]
    tender_id: str | None
    section_id: str | None
    bid_ids: list[str]
    org_ids: list[str]  # the organisations the finding names (bidders, or the tender's managers)
    evidence: dict[str, Any]
    basis: str
    value: float | None
    threshold: float | None
    source: str  # what raised it: "opening" or "award" (a scan after that step), or "manual"
    raised_at: datetime
    status: WarningStatus = WarningStatus.OPEN
    assignee_id: str | None = None
    assigned_at: datetime | None = None
    acknowledged_at: datetime | None = None
    dismissed_reason: str | None = None
    closed_outcome: CloseOutcome | None = None
    closed_reason: str | None = None
    ended_at: datetime | None = None
    history: list[HistoryEntry] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)

    def apply(self, action: WarningAction) -> tuple[WarningStatus, WarningStatus]:
        """Move by the transition table; returns (before, after). Refuses a step out of order."""
        after = TRANSITIONS.get((self.status, action))
        if after is None:
            raise Conflict(
                "warning_transition_not_allowed",
                f"预警状态为“{self.status}”，不允许“{action}”操作",
                f"A warning in state {self.status!r} does not allow {action!r}",
                state=str(self.status),
                action=str(action),
            )
        before, self.status = self.status, after
        return before, after

    @property
    def ended(self) -> bool:
        return self.status in FINAL

    def pending_referrals(self) -> list[Referral]:
        return [r for r in self.referrals if r.awaiting_feedback]


def fingerprint(indicator: str, tender_id: str | None, section_id: str | None, subject_ids: Iterable[str]) -> str:
    """The warning's identity: SHA-256 over the indicator, where it was found and its sorted subjects."""
    document = {
        "format": FINGERPRINT_FORMAT,
        "indicator": indicator,
        "tender": tender_id or "",
        "section": section_id or "",
        "subjects": sorted(set(subject_ids)),
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def evidence_digest(evidence: Mapping[str, Any]) -> str:
    """SHA-256 of the evidence as sorted JSON: the ledger keeps this, not the evidence itself."""
    return hashlib.sha256(json.dumps(evidence, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def required(text: str | None, code: str, zh: str, en: str) -> str:
    """A text the step cannot do without (a reason, an authority's name, a number)."""
    value = (text or "").strip()
    if not value:
        raise DomainError(code, zh, en)
    return value


class ScanEvent(StrEnum):
    """The steps after which the platform scans a tender's market by itself."""

    OPENING = "opening"  # 开标结束（开标记录已确认）
    AWARD = "award"  # 确定中标人


class ScanStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"


#: How often a scan the risk engine could not compute is tried again before it is left, reported.
SCAN_ATTEMPTS = 3


@dataclass
class ScanMark:
    """The watermark of one automatic scan: the step it followed, and what it found. Written in the
    same transaction as the warnings it raised, so a crash before that commit leaves the step due."""

    tender_id: str
    event: ScanEvent
    ref: str  # the tender (opening) or the section (award)
    happened_at: datetime
    status: ScanStatus
    attempts: int
    scanned_at: datetime
    flags: int = 0  # flags of the tender found by the scan, all severities
    warnings: int = 0  # new warnings raised from them
    error: str | None = None


def finite(value: Any) -> Any:
    """``value`` with every non-finite float (NaN, infinity) replaced by None: JSON has no such
    numbers, and neither does the database's JSON type."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value
