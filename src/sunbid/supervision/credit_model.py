"""信用评价: credit grades A-D for organisations (bidders, tenderers, agencies) and experts (M18).

No national rule grades tendering credit (china-rules.md §7); this is the platform's model,
configurable in the rule table (every input's weight and every window has certainty
``platform``; ADR 16) and computed from the platform's own records by :func:`grade`, a pure
function of the records, the rules and the time:

* **D 严重失信** — a bidding ban still running; a penalty for collusion, fraud (弄虚作假、以他人
  名义投标), bribery or a listing as a seriously dishonest entity within ``credit_d_window_days`` of
  its decision (法 第五十三条、第五十四条; 条例 第六十七条、第六十八条); an expert's sanction that
  still bars it from committees (评标规定 第十二条, ``expert_sanction_bar_years``).
* **C 一般失信** — bad records within ``credit_c_window_days`` weighing at least ``credit_c_points``:
  other administrative penalties, repeated unfounded complaints (条例 第七十七条), warnings confirmed
  by investigation, contracts signed late (法 第四十六条), objections answered late (条例 第二十二条、
  第五十四条), candidates published late, deposits refunded late (条例 第三十五条、第五十七条); for
  experts, scores far from the committee's and poor ratings (一标一评). Each kind has its weight
  (``credit_weight_*``; 0 leaves it out).
* **A 守信** — no bad record at all within ``credit_a_clean_days`` and at least
  ``credit_a_min_good_records`` good records in that time: contracts completed (bidders), tenders
  awarded (tenderers and agencies), good ratings (experts).
* **B 良好** — everyone else: a subject with no records is B.

Every grade comes with its reasons, one per record that counted, and the points that counted.
Credit must not become a barrier by region or ownership (16号令 第九条; Nanjing plan item 6):
the model reads conduct only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sunbid.crypto.jcs import canonicalize
from sunbid.kernel.rules import RuleBook

MODEL = "sunbid-credit/1"


class Grade(StrEnum):
    A = "A"  # 守信
    B = "B"  # 良好
    C = "C"  # 一般失信
    D = "D"  # 严重失信


GRADES = tuple(g.value for g in Grade)


class SubjectType(StrEnum):
    ORGANISATION = "organisation"
    EXPERT = "expert"


class PenaltyKind(StrEnum):
    """An administrative penalty (行政处罚) or listing recorded against an organisation."""

    COLLUSION = "collusion"  # 串通投标（法 第五十三条）
    FRAUD = "fraud"  # 弄虚作假、以他人名义投标（法 第五十四条）
    BRIBERY = "bribery"  # 行贿（法 第五十三条）
    BIDDING_BAN = "bidding_ban"  # 取消投标资格（须写明截止日期）
    SERIOUS_DISHONESTY = "serious_dishonesty"  # 列入严重失信主体名单、失信被执行人
    OTHER = "other"  # 其他行政处罚（警告、罚款等）


SERIOUS_PENALTIES = frozenset({PenaltyKind.COLLUSION, PenaltyKind.FRAUD, PenaltyKind.BRIBERY,
                               PenaltyKind.SERIOUS_DISHONESTY})  # fmt: skip


class FactKind(StrEnum):
    """A record the model reads. ``penalty_*`` and ``expert_sanction`` can make D; the weighted
    kinds make C; the good kinds count towards A."""

    PENALTY_SERIOUS = "penalty_serious"
    BIDDING_BAN = "bidding_ban"
    EXPERT_SANCTION = "expert_sanction"
    MINOR_PENALTY = "minor_penalty"
    REPEATED_COMPLAINTS = "repeated_complaints"
    CONFIRMED_WARNING = "confirmed_warning"
    LATE_CONTRACT = "late_contract"
    OVERDUE_ANSWER = "overdue_answer"
    LATE_PUBLICITY = "late_publicity"
    OVERDUE_REFUND = "overdue_refund"
    EXPERT_DEVIATION = "expert_deviation"
    EXPERT_RATING = "expert_rating"  # poor or good by its score
    COMPLETED_CONTRACT = "completed_contract"
    AWARDED_TENDER = "awarded_tender"


_D_KINDS = frozenset({FactKind.PENALTY_SERIOUS, FactKind.BIDDING_BAN, FactKind.EXPERT_SANCTION})

#: Kinds weighed towards C, by their rule (``credit_weight_<kind>``).
WEIGHTED = (
    FactKind.MINOR_PENALTY,
    FactKind.REPEATED_COMPLAINTS,
    FactKind.CONFIRMED_WARNING,
    FactKind.LATE_CONTRACT,
    FactKind.OVERDUE_ANSWER,
    FactKind.LATE_PUBLICITY,
    FactKind.OVERDUE_REFUND,
    FactKind.EXPERT_DEVIATION,
)

#: Every rule the model reads: its digest names the model in force in each recomputation.
RULE_KEYS = (
    "credit_c_window_days",
    "credit_c_points",
    "credit_d_window_days",
    "credit_a_clean_days",
    "credit_a_min_good_records",
    *(f"credit_weight_{k.value}" for k in WEIGHTED),
    "credit_weight_expert_low_rating",
    "credit_expert_low_rating_max",
    "credit_expert_good_rating_min",
    "expert_sanction_bar_years",
)

_ZH = {
    FactKind.PENALTY_SERIOUS: "串通投标、弄虚作假、行贿或严重失信处罚",
    FactKind.BIDDING_BAN: "取消投标资格期间",
    FactKind.EXPERT_SANCTION: "专家受到的处罚仍在禁止期内",
    FactKind.MINOR_PENALTY: "其他行政处罚",
    FactKind.REPEATED_COMPLAINTS: "多次无理投诉",
    FactKind.CONFIRMED_WARNING: "经查实的预警",
    FactKind.LATE_CONTRACT: "逾期签订合同",
    FactKind.OVERDUE_ANSWER: "逾期答复异议",
    FactKind.LATE_PUBLICITY: "逾期公示中标候选人",
    FactKind.OVERDUE_REFUND: "逾期退还投标保证金",
    FactKind.EXPERT_DEVIATION: "评分明显偏离",
    FactKind.EXPERT_RATING: "一标一评",
    FactKind.COMPLETED_CONTRACT: "完成合同履约",
    FactKind.AWARDED_TENDER: "依法完成招标并确定中标人",
}


@dataclass(frozen=True)
class CreditFact:
    """One record about a subject, as the platform holds it."""

    subject_type: SubjectType
    subject_id: str
    kind: FactKind
    at: datetime  # when it happened (a decision, a flag, a completion)
    ref: str  # the record it comes from (a penalty, a complaint, a warning, an evaluation …)
    until: datetime | None = None  # the end of a ban
    score: int | None = None  # a rating's score
    sanction_on: date | None = None  # an expert sanction's decision date


@dataclass(frozen=True)
class Reason:
    kind: FactKind
    ref: str
    at: datetime
    points: int  # what it weighed (0 for a D reason or a good record)
    effect: str  # "D", "C", "A" or "none"

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "title_zh": _ZH[self.kind],
            "ref": self.ref,
            "at": self.at.isoformat(),
            "points": self.points,
            "effect": self.effect,
        }


@dataclass(frozen=True)
class Assessment:
    """A computed grade and why."""

    grade: Grade
    points: int  # weighted bad records in the C window
    good_records: int  # good records in the A window
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    def reasons_json(self) -> list[dict[str, Any]]:
        return [r.as_json() for r in self.reasons]

    def reasons_sha256(self) -> str:
        """SHA-256 of the reasons' RFC 8785 canonical JSON: what anyone holding the reasons
        (``GET /credit/...``) can recompute and compare with the ledger's event."""
        return hashlib.sha256(canonicalize(self.reasons_json())).hexdigest()


def rules_digest(rules: RuleBook) -> str:
    """SHA-256 of the model's rules in force, so each recomputation names its model."""
    values = {key: str(rules[key].value) for key in RULE_KEYS}
    return hashlib.sha256(json.dumps({"model": MODEL, "rules": values}, sort_keys=True).encode()).hexdigest()


def _years_between(start: date, end: date) -> int:
    years = end.year - start.year
    return years - ((end.month, end.day) < (start.month, start.day))


def _bad_points(fact: CreditFact, rules: RuleBook) -> int:
    """What a bad record weighs towards C (0: not a weighted bad record)."""
    if fact.kind in WEIGHTED:
        return rules.count(f"credit_weight_{fact.kind.value}")
    poor = (
        fact.kind is FactKind.EXPERT_RATING
        and fact.score is not None
        and fact.score <= rules.count("credit_expert_low_rating_max")
    )
    return rules.count("credit_weight_expert_low_rating") if poor else 0


def _good(fact: CreditFact, rules: RuleBook) -> bool:
    if fact.kind in (FactKind.COMPLETED_CONTRACT, FactKind.AWARDED_TENDER):
        return True
    return (
        fact.kind is FactKind.EXPERT_RATING
        and fact.score is not None
        and fact.score >= rules.count("credit_expert_good_rating_min")
    )


def _serious(fact: CreditFact, rules: RuleBook, now: datetime) -> bool:
    """Whether the record makes D now."""
    if fact.kind is FactKind.BIDDING_BAN:
        return fact.until is not None and fact.until > now
    if fact.kind is FactKind.PENALTY_SERIOUS:
        end = fact.at + timedelta(days=rules.days("credit_d_window_days"))
        return now < max(end, fact.until or end)
    if fact.kind is FactKind.EXPERT_SANCTION:
        years = rules.count("expert_sanction_bar_years")
        decided = fact.sanction_on or fact.at.date()
        return years == 0 or _years_between(decided, now.date()) < years
    return False


def _was_bad(fact: CreditFact, rules: RuleBook) -> bool:
    """A bad record that counts (grade A needs none in its window): a D kind, or a weighted one."""
    return fact.kind in _D_KINDS or _bad_points(fact, rules) > 0


def grade(facts: Iterable[CreditFact], rules: RuleBook, now: datetime) -> Assessment:
    """The grade the records give at ``now``, with a reason for each record that counted."""
    ordered = sorted((f for f in facts if f.at <= now), key=lambda f: (f.at, f.kind.value, f.ref))
    c_since = now - timedelta(days=rules.days("credit_c_window_days"))
    a_since = now - timedelta(days=rules.days("credit_a_clean_days"))
    serious = [f for f in ordered if _serious(f, rules, now)]
    if serious:
        reasons = tuple(Reason(f.kind, f.ref, f.at, 0, "D") for f in serious)
        return Assessment(Grade.D, 0, 0, reasons)
    weighed = [(f, _bad_points(f, rules)) for f in ordered if f.at >= c_since]
    counted = [(f, p) for f, p in weighed if p > 0]
    points = sum(p for _f, p in counted)
    if points >= rules.count("credit_c_points"):
        return Assessment(Grade.C, points, 0, tuple(Reason(f.kind, f.ref, f.at, p, "C") for f, p in counted))
    recent = [f for f in ordered if f.at >= a_since]
    bad_recent = [f for f in recent if _was_bad(f, rules)]
    good = [f for f in recent if _good(f, rules)]
    below = tuple(Reason(f.kind, f.ref, f.at, p, "none") for f, p in counted)
    if not bad_recent and len(good) >= rules.count("credit_a_min_good_records"):
        return Assessment(Grade.A, 0, len(good), tuple(Reason(f.kind, f.ref, f.at, 0, "A") for f in good))
    return Assessment(Grade.B, points, len(good), below)


@dataclass
class CreditGrade:
    """The current grade of one subject: computed by the model, or a supervisor's override."""

    subject_type: SubjectType
    subject_id: str
    grade: Grade  # in force: the override while it lasts, else the computed grade
    computed_grade: Grade
    computed_at: datetime
    points: int
    good_records: int
    reasons: list[dict[str, Any]]
    rules_sha256: str
    override_grade: Grade | None = None
    override_reason: str | None = None
    override_by: str | None = None
    override_at: datetime | None = None
    override_until: datetime | None = None

    def overridden(self, now: datetime) -> bool:
        return self.override_grade is not None and (self.override_until is None or self.override_until > now)

    def in_force(self, now: datetime) -> Grade:
        if self.override_grade is not None and self.overridden(now):
            return self.override_grade
        return self.computed_grade


@dataclass
class CreditAssessment:
    """One entry of a subject's credit history: a computed grade that changed, or an override."""

    id: str
    subject_type: SubjectType
    subject_id: str
    at: datetime
    kind: str  # "computed", "override", "override_cleared", "override_lapsed"
    grade: Grade
    previous: Grade | None
    reasons: list[dict[str, Any]]
    actor_id: str | None
    note: str = ""
    number: int = 0  # 1, 2, … in the subject's history (set when it is stored)


@dataclass
class Penalty:
    """行政处罚或失信名单: a decision against an organisation, recorded by a supervisor (双公示)."""

    id: str
    org_id: str
    kind: PenaltyKind
    authority: str
    decision_number: str  # 决定书文号
    decided_on: date
    details: str
    recorded_at: datetime
    recorded_by: str | None
    ban_until: date | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


@dataclass
class CreditState:
    """When the grades were last recomputed (one row): the scheduler recomputes once a China day."""

    id: int
    last_day: date | None = None
    last_run_at: datetime | None = None


def changed(current: CreditGrade | None, assessment: Assessment, rules_sha256: str) -> bool:
    """Whether a recomputation says something new about the subject."""
    return (
        current is None
        or current.computed_grade is not assessment.grade
        or current.reasons != assessment.reasons_json()
        or current.points != assessment.points
        or current.good_records != assessment.good_records
        or current.rules_sha256 != rules_sha256
    )


def facts_by_subject(facts: Sequence[CreditFact]) -> dict[tuple[SubjectType, str], list[CreditFact]]:
    out: dict[tuple[SubjectType, str], list[CreditFact]] = {}
    for fact in facts:
        out.setdefault((fact.subject_type, fact.subject_id), []).append(fact)
    return out
