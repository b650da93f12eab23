"""The expert pool, evaluation committees and where they sit: entities and pure rules (M7, M19).

An :class:`Expert` (评标专家) belongs to a pool (专家库) and is drawn at random into the
:class:`Committee` (评标委员会) of one section (标段). Entities are plain dataclasses; storage maps
them. The conflict-of-interest rules (回避) are the pure function :func:`exclusions`; the draw
itself is :mod:`sunbid.experts.drawing`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sunbid.kernel.errors import Conflict, DomainError, RuleViolation
from sunbid.kernel.rules import EVAL, LAW, REGS, RuleBook

#: A classification code of the expert specialties (评标专家专业分类), e.g. "A01" or "A01.02":
#: a letter, two digits, then any number of ".dd" levels.
SPECIALTY = re.compile(r"[A-Z]\d{2}(\.\d{2})*")
#: 行政区划代码: six digits.
REGION = re.compile(r"\d{6}")


def specialty_matches(required: str, held: str) -> bool:
    """An expert holding ``held`` serves a requirement for ``required``: the same code or one below it."""
    return held == required or held.startswith(required + ".")


def years_between(earlier: date, later: date) -> int:
    """Full years from ``earlier`` to ``later`` (a birthday on 29 February counts on 1 March)."""
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


def years_before(on: date, years: int) -> date:
    """The latest birth date of someone who is ``years`` full years old on ``on``."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February in a year that has none
        return on.replace(year=on.year - years, day=28)


# ---------------------------------------------------------------------------- the pool
class TitleLevel(StrEnum):
    PROFESSOR = "professor"  # 正高级职称
    SENIOR = "senior"  # 副高级（高级）职称
    EQUIVALENT = "equivalent"  # 具有同等专业水平（法 第三十七条）, with its basis stated
    OTHER = "other"  # 中级及以下


SENIOR_TITLES = (TitleLevel.PROFESSOR, TitleLevel.SENIOR, TitleLevel.EQUIVALENT)


class ExpertStatus(StrEnum):
    ACTIVE = "active"  # 在库，可被抽取
    SUSPENDED = "suspended"  # 暂停抽取
    EXITED = "exited"  # 清退出库


class ExpertAction(StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    EXIT = "exit"


#: The pool's state machine: (state, action) -> next state. Exit is final.
EXPERT_TRANSITIONS: dict[tuple[ExpertStatus, ExpertAction], ExpertStatus] = {
    (ExpertStatus.ACTIVE, ExpertAction.SUSPEND): ExpertStatus.SUSPENDED,
    (ExpertStatus.SUSPENDED, ExpertAction.REINSTATE): ExpertStatus.ACTIVE,
    (ExpertStatus.ACTIVE, ExpertAction.EXIT): ExpertStatus.EXITED,
    (ExpertStatus.SUSPENDED, ExpertAction.EXIT): ExpertStatus.EXITED,
}


class DeclarationKind(StrEnum):
    CLOSE_RELATIVE = "close_relative"  # 近亲属在该单位任职或为其主要负责人（评标规定 第十二条（一））
    ECONOMIC_INTEREST = "economic_interest"  # 与该单位有经济利益关系（同条（三））
    EARLIER_WORK = "earlier_work"  # 参与过该项目前期咨询、设计或招标文件编制
    OTHER = "other"


class SanctionKind(StrEnum):
    ADMINISTRATIVE = "administrative"  # 行政处罚
    CRIMINAL = "criminal"  # 刑事处罚


@dataclass
class Specialty:
    """A specialty an expert holds. ``home_pool`` and ``drawable`` copy the expert's pool and
    whether it can be drawn (active, with a platform account), so that the draw's candidates
    are one index range per line; :meth:`Expert.index_specialties` keeps them in step."""

    expert_id: str
    code: str
    home_pool: str = ""
    drawable: bool = False


def specialty_range(code: str) -> tuple[str, str]:
    """The byte-order range ``[low, high)`` of the codes that serve a requirement for ``code``:
    the code itself and the codes below it (``A01`` and ``A01.02``, never ``A010``), because
    ``/`` follows ``.`` and precedes the digits."""
    return code, code + "/"


@dataclass
class Employment:
    """A period of work for an employer (工作单位), named by its credit code."""

    id: str
    expert_id: str
    employer_credit_code: str
    employer_name: str
    started_on: date
    ended_on: date | None = None

    def current(self, on: date) -> bool:
        return self.started_on <= on and (self.ended_on is None or self.ended_on >= on)

    def left_within(self, on: date, years: int) -> bool:
        """Left before ``on`` and fewer than ``years`` full years ago."""
        end = self.ended_on
        return years > 0 and end is not None and end < on and years_between(end, on) < years


@dataclass
class Declaration:
    """What an expert declares about itself (评标规定 第十二条: members declare their conflicts)."""

    id: str
    expert_id: str
    kind: DeclarationKind
    details: str
    declared_at: datetime
    org_credit_code: str | None = None  # the organisation it concerns (relatives, interests)
    org_name: str | None = None
    subject_id: str | None = None  # the plan or tender it concerns (earlier work)
    ended_at: datetime | None = None  # no longer true (a relative left, an interest ended)

    @property
    def in_force(self) -> bool:
        return self.ended_at is None


@dataclass
class Sanction:
    """An administrative or criminal sanction for misconduct in tendering or evaluation."""

    id: str
    expert_id: str
    kind: SanctionKind
    authority: str
    decision_number: str
    decided_on: date
    details: str
    recorded_at: datetime
    recorded_by: str | None
    cleared_at: datetime | None = None  # the decision was revoked (行政复议、诉讼撤销)
    cleared_reason: str | None = None

    def bars(self, on: date, years: int) -> bool:
        """Bars the expert on ``on``: not revoked, and within ``years`` of the decision (0: for good)."""
        return self.cleared_at is None and (years == 0 or years_between(self.decided_on, on) < years)


class RaterKind(StrEnum):
    TENDERER = "tenderer"  # 招标人（或其代理机构）评价
    SUPERVISOR = "supervisor"  # 行政监督部门评价


@dataclass
class Rating:
    """一标一评: one rating of one expert after one evaluation, by the tenderer or the supervisor."""

    id: str
    expert_id: str
    committee_id: str
    tender_id: str
    rater: RaterKind
    rater_user_id: str
    score: int
    comment: str
    rated_at: datetime


@dataclass
class DeviationFlag:
    """An expert's scores departed from the committee's, as the evaluation room found (M19)."""

    id: str
    expert_id: str
    committee_id: str
    member_id: str
    tender_id: str
    details: dict[str, Any]
    flagged_at: datetime
    flagged_by: str | None


@dataclass
class Expert:
    """评标专家: one entry of a pool, with what the conflict rules need to know about it."""

    id: str
    name: str
    title_level: TitleLevel
    practice_since: date  # 从事相关专业领域工作起始日期
    birth_date: date
    region: str  # 行政区划代码
    home_pool: str  # 所属专家库, e.g. "南京市综合评标专家库"
    created_at: datetime
    title_basis: str = ""  # the title, or the basis of an equivalent level
    user_id: str | None = None  # the platform user (role expert) who logs in for it
    status: ExpertStatus = ExpertStatus.ACTIVE
    status_reason: str | None = None
    status_changed_at: datetime | None = None
    credit_grade: str | None = None  # 信用等级 A-D, from the supervision room's credit grading (M18)
    specialties: list[Specialty] = field(default_factory=list)
    employments: list[Employment] = field(default_factory=list)
    declarations: list[Declaration] = field(default_factory=list)
    sanctions: list[Sanction] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    flags: list[DeviationFlag] = field(default_factory=list)

    @property
    def specialty_codes(self) -> list[str]:
        return sorted(s.code for s in self.specialties)

    def employers_on(self, on: date) -> list[Employment]:
        return [e for e in self.employments if e.current(on)]

    @property
    def drawable(self) -> bool:
        return self.status is ExpertStatus.ACTIVE and self.user_id is not None

    def index_specialties(self) -> None:
        for specialty in self.specialties:
            specialty.home_pool, specialty.drawable = self.home_pool, self.drawable

    def apply(self, action: ExpertAction, reason: str, at: datetime) -> None:
        try:
            self.status = EXPERT_TRANSITIONS[(self.status, action)]
        except KeyError:
            raise Conflict(
                "expert_transition_not_allowed",
                f"专家状态为“{self.status}”，不允许“{action}”操作",
                f"An expert in state {self.status!r} does not allow {action!r}",
                state=str(self.status),
                action=str(action),
            ) from None
        self.status_reason, self.status_changed_at = reason, at
        self.index_specialties()


@dataclass(frozen=True)
class ExpertFields:
    """What a pool manager enters for an expert."""

    name: str
    specialties: tuple[str, ...]
    title_level: TitleLevel
    practice_since: date
    birth_date: date
    region: str
    home_pool: str
    title_basis: str = ""


def check_entry(rules: RuleBook, f: ExpertFields, today: date) -> None:
    """The entry conditions of the pool (法 第三十七条 and the local rules in the table)."""
    if not f.name.strip() or not f.home_pool.strip():
        raise DomainError("expert_incomplete", "请填写专家姓名和所属专家库", "An expert needs a name and a home pool")
    if not f.specialties:
        raise DomainError(
            "expert_specialty_required", "评标专家至少须有一个评标专业", "An expert needs at least one specialty"
        )
    bad = [s for s in f.specialties if not SPECIALTY.fullmatch(s)]
    if bad:
        raise DomainError(
            "specialty_code_invalid",
            f"评标专业代码格式不正确：{', '.join(bad)}（例如 A01 或 A01.02）",
            f"Specialty codes are a letter and two digits with optional .dd levels (A01, A01.02): {', '.join(bad)}",
            codes=bad,
        )
    if not REGION.fullmatch(f.region):
        raise DomainError("region_code_invalid", "行政区划代码须为6位数字", "A region code is six digits")
    if not f.birth_date < f.practice_since <= today:
        raise DomainError(
            "expert_dates_invalid",
            "从业起始日期须晚于出生日期且不晚于今天",
            "The practice start must be after the birth date and not in the future",
        )
    years = rules["expert_min_years"]
    if years_between(f.practice_since, today) < rules.count(years.key):
        raise RuleViolation(
            "expert_practice_too_short",
            f"评标专家应当从事相关领域工作满{years.value}年（{years.citation}）",
            f"An expert must have {years.value} years in the field ({years.citation})",
            rule=years.key,
            practice_since=f.practice_since.isoformat(),
        )
    title = rules["expert_senior_title_required"]
    if rules.count(title.key) and f.title_level not in SENIOR_TITLES:
        raise RuleViolation(
            "expert_title_too_low",
            f"评标专家应当具有高级职称或者具有同等专业水平（{title.citation}）",
            f"An expert must hold a senior title or an equivalent level ({title.citation})",
            rule=title.key,
        )
    if f.title_level is TitleLevel.EQUIVALENT and not f.title_basis.strip():
        raise RuleViolation(
            "expert_equivalent_basis_required",
            "认定为“具有同等专业水平”的，须说明认定依据",
            "An equivalent professional level needs its basis stated",
            rule=title.key,
        )
    age = rules["expert_max_age"]
    if years_between(f.birth_date, today) >= rules.count(age.key):
        raise RuleViolation(
            "expert_too_old",
            f"年满{age.value}周岁的不再入库（{age.citation}）",
            f"Experts aged {age.value} or more are not admitted ({age.citation})",
            rule=age.key,
        )


# ---------------------------------------------------------------------------- exclusions
class Exclusion(StrEnum):
    """Why a candidate is skipped by the draw (回避事由 and eligibility)."""

    NOT_ACTIVE = "not_active"
    OVER_AGE_LIMIT = "over_age_limit"
    SANCTIONED = "sanctioned"
    EMPLOYER_IS_BIDDER = "employer_is_bidder"
    RECENT_EMPLOYER_WAS_BIDDER = "recent_employer_was_bidder"
    CLOSE_RELATIVE_AT_BIDDER = "close_relative_at_bidder"
    ECONOMIC_INTEREST_IN_BIDDER = "economic_interest_in_bidder"
    TENDERER_OR_AGENCY_STAFF = "tenderer_or_agency_staff"
    SUPERVISING_DEPARTMENT_STAFF = "supervising_department_staff"
    EARLIER_WORK_ON_PROJECT = "earlier_work_on_project"
    ALREADY_ON_COMMITTEE = "already_on_committee"


@dataclass(frozen=True)
class Basis:
    title_zh: str
    title_en: str
    citation: str
    certainty: str
    rule: str | None = None  # the rule table entry that sets or switches it


#: Each reason with its legal basis and how sure we are of it (ADR 12).
EXCLUSIONS: dict[Exclusion, Basis] = {
    Exclusion.NOT_ACTIVE: Basis(
        "专家已暂停或出库", "The expert is suspended or has left the pool", f"{REGS}第四十六条", "verified"
    ),
    Exclusion.OVER_AGE_LIMIT: Basis(
        "专家已达年龄上限",
        "The expert has reached the age limit",
        "地方评标专家管理办法",
        "unverified",
        "expert_max_age",
    ),
    Exclusion.SANCTIONED: Basis(
        "曾因招标投标违法行为受过行政处罚或刑事处罚",
        "Sanctioned for misconduct in tendering or evaluation",
        f"{EVAL}第十二条（四）",
        "secondary",
        "expert_sanction_bar_years",
    ),
    Exclusion.EMPLOYER_IS_BIDDER: Basis(
        "现工作单位是投标人（或联合体成员）",
        "Works for a bidder or a consortium member",
        f"{LAW}第三十七条；{EVAL}第十二条（三）",
        "secondary",
    ),
    Exclusion.RECENT_EMPLOYER_WAS_BIDDER: Basis(
        "离开投标人单位未满规定年限",
        "Left a bidder fewer than the set number of years ago",
        "地方评标专家回避规定",
        "unverified",
        "expert_recent_employer_years",
    ),
    Exclusion.CLOSE_RELATIVE_AT_BIDDER: Basis(
        "近亲属在投标人单位任职或为其主要负责人",
        "A close relative works for or heads a bidder",
        f"{EVAL}第十二条（一）",
        "secondary",
    ),
    Exclusion.ECONOMIC_INTEREST_IN_BIDDER: Basis(
        "与投标人有经济利益关系，可能影响公正评审",
        "An economic interest in a bidder that may affect fairness",
        f"{EVAL}第十二条（三）",
        "secondary",
    ),
    Exclusion.TENDERER_OR_AGENCY_STAFF: Basis(
        "招标人或招标代理机构的工作人员",
        "Staff of the tenderer or of its agency",
        "地方评标专家回避规定",
        "unverified",
        "exclude_tenderer_agency_staff",
    ),
    Exclusion.SUPERVISING_DEPARTMENT_STAFF: Basis(
        "项目行政监督部门的工作人员",
        "Staff of the project's supervising department",
        f"{REGS}第四十六条；{EVAL}第十二条（二）",
        "verified",
    ),
    Exclusion.EARLIER_WORK_ON_PROJECT: Basis(
        "参与过本项目前期工作",
        "Worked on the project's plan, design or tender documents",
        "地方评标专家回避规定",
        "unverified",
        "exclude_earlier_work",
    ),
    Exclusion.ALREADY_ON_COMMITTEE: Basis(
        "已是或曾是本评标委员会成员（被更换的不再抽取）",
        "Is, or was and was replaced, a member of this committee",
        f"{REGS}第四十八条",
        "verified",
    ),
}


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", name)


@dataclass(frozen=True)
class DrawContext:
    """The facts of one tender the exclusions are judged against."""

    on: date  # the day of the draw (China time)
    bidder_codes: frozenset[str]  # every bidder and consortium member, by credit code
    tenderer_codes: frozenset[str]  # the tenderer and its agency
    supervising_codes: frozenset[str]
    supervising_names: frozenset[str]
    project_ids: frozenset[str]  # the tender's id and its plan's id
    committee_expert_ids: frozenset[str] = frozenset()
    max_age: int = 70
    recent_employer_years: int = 3
    sanction_bar_years: int = 0
    exclude_staff: bool = True
    exclude_earlier_work: bool = True

    @classmethod
    def build(
        cls,
        rules: RuleBook,
        *,
        on: date,
        bidder_codes: frozenset[str],
        tenderer_codes: frozenset[str],
        supervising_codes: frozenset[str],
        supervising_names: frozenset[str],
        project_ids: frozenset[str],
        committee_expert_ids: frozenset[str] = frozenset(),
    ) -> DrawContext:
        return cls(
            on=on,
            bidder_codes=bidder_codes,
            tenderer_codes=tenderer_codes,
            supervising_codes=supervising_codes,
            supervising_names=frozenset(_norm(n) for n in supervising_names if n.strip()),
            project_ids=project_ids,
            committee_expert_ids=committee_expert_ids,
            max_age=rules.count("expert_max_age"),
            recent_employer_years=rules.count("expert_recent_employer_years"),
            sanction_bar_years=rules.count("expert_sanction_bar_years"),
            exclude_staff=bool(rules.count("exclude_tenderer_agency_staff")),
            exclude_earlier_work=bool(rules.count("exclude_earlier_work")),
        )


def exclusions(expert: Expert, c: DrawContext) -> list[Exclusion]:
    """Every reason ``expert`` may not sit on this committee; empty if it may."""
    found: set[Exclusion] = set()
    if expert.status is not ExpertStatus.ACTIVE:
        found.add(Exclusion.NOT_ACTIVE)
    if years_between(expert.birth_date, c.on) >= c.max_age:
        found.add(Exclusion.OVER_AGE_LIMIT)
    if any(s.bars(c.on, c.sanction_bar_years) for s in expert.sanctions):
        found.add(Exclusion.SANCTIONED)
    if expert.id in c.committee_expert_ids:
        found.add(Exclusion.ALREADY_ON_COMMITTEE)
    for job in expert.employments:
        if job.current(c.on):
            if job.employer_credit_code in c.bidder_codes:
                found.add(Exclusion.EMPLOYER_IS_BIDDER)
            if c.exclude_staff and job.employer_credit_code in c.tenderer_codes:
                found.add(Exclusion.TENDERER_OR_AGENCY_STAFF)
            if job.employer_credit_code in c.supervising_codes or _norm(job.employer_name) in c.supervising_names:
                found.add(Exclusion.SUPERVISING_DEPARTMENT_STAFF)
        elif job.employer_credit_code in c.bidder_codes and job.left_within(c.on, c.recent_employer_years):
            found.add(Exclusion.RECENT_EMPLOYER_WAS_BIDDER)
    for d in expert.declarations:
        if not d.in_force:
            continue
        if d.kind is DeclarationKind.CLOSE_RELATIVE and d.org_credit_code in c.bidder_codes:
            found.add(Exclusion.CLOSE_RELATIVE_AT_BIDDER)
        elif d.kind is DeclarationKind.ECONOMIC_INTEREST and d.org_credit_code in c.bidder_codes:
            found.add(Exclusion.ECONOMIC_INTEREST_IN_BIDDER)
        elif d.kind is DeclarationKind.EARLIER_WORK and c.exclude_earlier_work and d.subject_id in c.project_ids:
            found.add(Exclusion.EARLIER_WORK_ON_PROJECT)
    return [e for e in Exclusion if e in found]


# ---------------------------------------------------------------------------- committees
class MemberKind(StrEnum):
    EXPERT = "expert"
    REPRESENTATIVE = "representative"  # 招标人代表


class MemberStatus(StrEnum):
    ACTIVE = "active"
    RESERVE = "reserve"  # 候补
    REPLACED = "replaced"  # 被更换：其评审结论无效（条例 第四十八条）


class CommitteeStatus(StrEnum):
    DRAWN = "drawn"
    SITTING = "sitting"
    DISSOLVED = "dissolved"


class ReplacementReason(StrEnum):
    """The reasons 条例 第四十八条 allows a member to be replaced for."""

    RECUSAL = "recusal"  # 有回避事由
    LEFT_POST = "left_post"  # 擅离职守
    HEALTH = "health"  # 因健康等原因不能继续评标


@dataclass
class CommitteeMember:
    id: str
    committee_id: str
    seat: int  # 1..size; a reserve has 0 until it takes a seat
    kind: MemberKind
    user_id: str | None  # the platform user who logs in to score (expert or tenderer staff)
    expert_id: str | None  # None for representatives
    name: str
    specialty: str | None
    home_pool: str | None
    status: MemberStatus
    joined_at: datetime
    replaced_at: datetime | None = None
    replaced_reason: str | None = None
    checked_in_at: datetime | None = None
    line: int | None = None  # the requirement line of the draw that chose it
    reserve_rank: int | None = None  # order among the line's reserves
    remote: bool = False  # drawn from another city's pool (远程异地评标)
    venue_id: str | None = None  # where it checked in
    draw_id: str | None = None
    replaced_by: str | None = None  # the member who took its seat
    replaced_details: str | None = None


@dataclass
class CheckIn:
    """A member's arrival at a venue: time, place and network address (recorded in the ledger)."""

    id: str
    committee_id: str
    member_id: str
    venue_id: str
    at: datetime
    address: str | None


class ExtensionStatus(StrEnum):
    OPEN = "open"
    GRANTED = "granted"


@dataclass
class ExtensionRequest:
    """A member finds the evaluation time too short (条例 第四十八条)."""

    id: str
    committee_id: str
    member_id: str
    hours: int
    reason: str
    requested_at: datetime
    status: ExtensionStatus = ExtensionStatus.OPEN
    granted_at: datetime | None = None


@dataclass
class Sitting:
    """A committee at a venue: the main venue, or a secondary one for remote members."""

    id: str
    committee_id: str
    venue_id: str
    main: bool
    starts_at: datetime
    ends_at: datetime
    seats: int  # room it holds at the venue: the local members at the main venue, the remote ones elsewhere


@dataclass
class Committee:
    """评标委员会 of one section."""

    id: str
    tender_id: str
    section_id: str
    status: CommitteeStatus
    size: int
    created_at: datetime
    started_at: datetime | None = None  # evaluation started: list revealed to managers
    evaluation_due: datetime | None = None  # moved by extensions
    dissolved_at: datetime | None = None
    members: list[CommitteeMember] = field(default_factory=list)
    evaluation_hours: int = 0
    request_id: str | None = None
    sittings: list[Sitting] = field(default_factory=list)
    check_ins: list[CheckIn] = field(default_factory=list)
    extension_requests: list[ExtensionRequest] = field(default_factory=list)

    def active_members(self) -> list[CommitteeMember]:
        return sorted((m for m in self.members if m.status is MemberStatus.ACTIVE), key=lambda m: m.seat)

    def member_of(self, user_id: str) -> CommitteeMember | None:
        """The active member ``user_id`` logs in as, if any (reserves and replaced members are not)."""
        return next((m for m in self.active_members() if m.user_id == user_id), None)

    def reserves(self, line: int | None = None) -> list[CommitteeMember]:
        found = [m for m in self.members if m.status is MemberStatus.RESERVE and (line is None or m.line == line)]
        return sorted(found, key=lambda m: (m.line or 0, m.reserve_rank or 0))

    def member(self, member_id: str) -> CommitteeMember | None:
        return next((m for m in self.members if m.id == member_id), None)

    def expert_ids(self) -> frozenset[str]:
        return frozenset(m.expert_id for m in self.members if m.expert_id)

    def venue_ids(self) -> list[str]:
        return [s.venue_id for s in sorted(self.sittings, key=lambda s: (not s.main, s.venue_id))]


def check_composition(rules: RuleBook, size: int, experts: int) -> None:
    """法 第三十七条: five or more, an odd number, at least two thirds experts."""
    minimum = rules["committee_min_size"]
    if size < rules.count(minimum.key):
        raise RuleViolation(
            "committee_too_small",
            f"评标委员会成员人数应为{minimum.value}人以上单数（{minimum.citation}）",
            f"A committee has at least {minimum.value} members, an odd number ({minimum.citation})",
            rule=minimum.key,
            size=size,
        )
    if size % 2 == 0:
        raise RuleViolation(
            "committee_size_even",
            f"评标委员会成员人数应为单数（{minimum.citation}）",
            f"A committee has an odd number of members ({minimum.citation})",
            rule=minimum.key,
            size=size,
        )
    ratio = rules["committee_expert_ratio_min"]
    needed = rules.fraction(ratio.key) * size
    if experts < needed:
        raise RuleViolation(
            "committee_too_few_experts",
            f"技术、经济等方面的专家不得少于成员总数的三分之二（{ratio.citation}）",
            f"Experts must be at least two thirds of the committee ({ratio.citation})",
            rule=ratio.key,
            size=size,
            experts=experts,
        )


def extension_due(rules: RuleBook, active: int, requesting: int) -> bool:
    """条例 第四十八条: more than one third of the members find the time too short."""
    return requesting > rules.fraction("committee_extension_fraction") * active


# ---------------------------------------------------------------------------- the draw request
class DrawStatus(StrEnum):
    COMMITTED = "committed"  # seed committed; waiting for the contribution or the draw
    DRAWN = "drawn"
    CANCELLED = "cancelled"


class DrawPurpose(StrEnum):
    COMMITTEE = "committee"  # the committee of a section
    REPLACEMENT = "replacement"  # a fresh draw for a replaced member (条例 第四十八条)


@dataclass(frozen=True)
class Requirement:
    """One requirement line: a specialty, its seats, its reserves, and whether it is drawn from
    other cities' pools (远程异地评标) instead of the tender's local pool."""

    specialty: str
    seats: int
    reserves: int = 1
    remote: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"specialty": self.specialty, "seats": self.seats, "reserves": self.reserves, "remote": self.remote}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Requirement:
        return cls(str(d["specialty"]), int(d["seats"]), int(d["reserves"]), bool(d["remote"]))


@dataclass
class Draw:
    """专家抽取: a committed, then performed, random draw (the seed stays secret until the start)."""

    id: str
    tender_id: str
    section_id: str
    purpose: DrawPurpose
    requirements: list[dict[str, Any]]  # Requirement.as_json() per line
    local_pool: str
    remote_pools: list[str]  # the pools remote lines may draw from; empty: every other pool
    representatives: list[str]  # user ids of the tenderer's representatives (appointed, not drawn)
    size: int
    evaluation_hours: int
    main_venue_id: str
    secondary_venue_ids: list[str]
    starts_at: datetime
    requested_at: datetime
    requested_by: str | None
    seed: str  # hex; secret until the evaluation starts
    seed_sha256: str
    request_document: dict[str, Any]
    request_sha256: str
    candidates_sha256: str  # SHA-256 of its canonical JSON, which is also its address in the blob store
    candidates_count: int
    await_contribution: bool
    status: DrawStatus = DrawStatus.COMMITTED
    committee_id: str | None = None  # set when drawn (or from the start, for a replacement)
    replaced_member_id: str | None = None
    contribution: str | None = None  # hex, posted by a supervisor after the commitment
    contributed_at: datetime | None = None
    contributed_by: str | None = None
    drawn_at: datetime | None = None
    walk: list[dict[str, Any]] | None = None  # LineResult.as_json() per line: the audit trail
    result_sha256: str | None = None
    revealed_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def lines(self) -> list[Requirement]:
        return [Requirement.from_json(r) for r in self.requirements]


# ---------------------------------------------------------------------------- venues
@dataclass
class Venue:
    """评标场所: a closed evaluation room of a trading centre (1117号文 (十五))."""

    id: str
    name: str
    address: str
    region: str
    capacity: int  # seats for committee members at once
    created_at: datetime
    active: bool = True


class RecordingKind(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"


@dataclass
class Recording:
    """An audio or video file of a venue, in the blob store; its hash is anchored in the ledger."""

    id: str
    venue_id: str
    committee_id: str | None
    kind: RecordingKind
    filename: str
    media_type: str
    sha256: str
    size: int
    recorded_from: datetime
    recorded_to: datetime
    uploaded_at: datetime
    uploaded_by: str | None
