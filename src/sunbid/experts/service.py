"""Expert pool, blind drawing, committees, venues and accountability: one function per use case.

The committee's interface for the evaluation room is :class:`~sunbid.experts.model.Committee`
on ``uow.committees``, with :func:`start_evaluation`, :func:`dissolve` (or
:func:`dissolve_within` inside the publication's unit of work) and :func:`flag_deviation` (or
:func:`record_deviation` inside the room's own unit of work).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sunbid.crypto.jcs import canonicalize
from sunbid.experts import drawing
from sunbid.experts.model import (
    EXCLUSIONS,
    SPECIALTY,
    CheckIn,
    Committee,
    CommitteeMember,
    CommitteeStatus,
    Declaration,
    DeclarationKind,
    DeviationFlag,
    Draw,
    DrawContext,
    DrawPurpose,
    DrawStatus,
    Employment,
    Exclusion,
    Expert,
    ExpertAction,
    ExpertFields,
    ExpertStatus,
    ExtensionRequest,
    ExtensionStatus,
    MemberKind,
    MemberStatus,
    RaterKind,
    Rating,
    Recording,
    RecordingKind,
    ReplacementReason,
    Requirement,
    Sanction,
    SanctionKind,
    Sitting,
    Specialty,
    Venue,
    check_composition,
    check_entry,
    exclusions,
    extension_due,
    years_before,
)
from sunbid.experts.ports import ExpertsUnitOfWork
from sunbid.identity.credit_code import validate_credit_code
from sunbid.identity.policy import Action, allowed, authorize, authorize_read
from sunbid.kernel.clock import CHINA
from sunbid.kernel.context import Context, Role
from sunbid.kernel.errors import Conflict, DomainError, RuleViolation, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.ports import BlobRefLike
from sunbid.kernel.rules import RuleBook
from sunbid.ledger.entries import refuse_floats
from sunbid.tendering.model import Section, Tender, TenderStatus
from sunbid.tendering.service import readable_tender

#: Tender states in which bidders are known and a committee may be drawn (after the deadline).
DRAWABLE = (TenderStatus.BIDDING_CLOSED, TenderStatus.OPENING, TenderStatus.OPENED)
CONTRIBUTION_BYTES = range(16, 65)


def _today(ctx: Context) -> date:
    return ctx.clock.now().astimezone(CHINA).date()


def _text(value: str, code: str, zh: str, en: str) -> str:
    if not value.strip():
        raise DomainError(code, zh, en)
    return value.strip()


def _reason(value: str) -> str:
    return _text(value, "reason_required", "须说明理由", "A reason is required")


def _credit_code(code: str) -> str:
    return validate_credit_code(code)


# ---------------------------------------------------------------------------- the pool
@dataclass(frozen=True)
class EmploymentFields:
    employer_credit_code: str
    employer_name: str
    started_on: date
    ended_on: date | None = None


def _expert_for(uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, *, for_update: bool = False) -> Expert:
    expert = uow.experts.get(expert_id, for_update=for_update)
    if expert is None:
        raise not_found("expert", expert_id)
    authorize_read(ctx.actor, Action.EXPERT_READ, expert, not_found("expert", expert_id))
    return expert


def _employments(expert_id: str, jobs: Sequence[EmploymentFields], ctx: Context) -> list[Employment]:
    today, out = _today(ctx), []
    for job in jobs:
        code = _credit_code(job.employer_credit_code)
        name = _text(job.employer_name, "employer_name_required", "请填写工作单位名称", "An employer needs a name")
        if job.started_on > today or (job.ended_on is not None and job.ended_on < job.started_on):
            raise DomainError(
                "employment_dates_invalid",
                "任职起始日期不得晚于今天，结束日期不得早于起始日期",
                "An employment starts no later than today and ends no earlier than it starts",
            )
        out.append(Employment(new_id("emp", ctx.clock.now()), expert_id, code, name, job.started_on, job.ended_on))
    return out


def _check_linkable(uow: ExpertsUnitOfWork, user_id: str, expert_id: str | None) -> None:
    user = uow.users.get(user_id)
    if user is None:
        raise not_found("user", user_id)
    if user.role is not Role.EXPERT or not user.active:
        raise DomainError(
            "user_not_expert",
            "只能关联角色为评标专家的有效用户",
            "Only an active user with the expert role can be linked",
        )
    holder = uow.experts.by_user(user_id)
    if holder is not None and holder.id != expert_id:
        raise Conflict("user_already_linked", "该用户已关联其他专家", "The user is already linked to another expert")


def _apply_fields(expert: Expert, f: ExpertFields) -> None:
    expert.name, expert.title_level, expert.title_basis = f.name.strip(), f.title_level, f.title_basis.strip()
    expert.practice_since, expert.birth_date = f.practice_since, f.birth_date
    expert.region, expert.home_pool = f.region, f.home_pool.strip()
    held = {s.code: s for s in expert.specialties}
    expert.specialties[:] = [held.get(code) or Specialty(expert.id, code) for code in sorted(set(f.specialties))]
    expert.index_specialties()


def register_expert(
    uow: ExpertsUnitOfWork,
    ctx: Context,
    f: ExpertFields,
    employments: Sequence[EmploymentFields] = (),
    user_id: str | None = None,
) -> Expert:
    """入库: a pool manager registers an expert who meets the entry conditions."""
    authorize(ctx.actor, Action.EXPERT_MANAGE)
    check_entry(ctx.rules, f, _today(ctx))
    now = ctx.clock.now()
    with uow:
        if user_id is not None:
            _check_linkable(uow, user_id, None)
        expert = Expert(
            id=new_id("exp", now),
            name="",
            title_level=f.title_level,
            practice_since=f.practice_since,
            birth_date=f.birth_date,
            region=f.region,
            home_pool="",
            created_at=now,
            user_id=user_id,
        )
        _apply_fields(expert, f)
        expert.employments = _employments(expert.id, employments, ctx)
        expert.index_specialties()
        uow.experts.add(expert)
        uow.emit(
            event_from(
                ctx,
                "ExpertRegistered",
                "expert",
                expert.id,
                public=False,
                home_pool=expert.home_pool,
                region=expert.region,
                specialties=expert.specialty_codes,
                linked=user_id is not None,
            )
        )
        uow.commit()
    return expert


def update_expert(
    uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, f: ExpertFields, employments: Sequence[EmploymentFields]
) -> Expert:
    """A pool manager corrects an expert's record; the entry conditions still hold."""
    authorize(ctx.actor, Action.EXPERT_MANAGE)
    check_entry(ctx.rules, f, _today(ctx))
    with uow:
        expert = _expert_for(uow, ctx, expert_id, for_update=True)
        if expert.status is ExpertStatus.EXITED:
            raise Conflict(
                "expert_exited", "专家已出库，记录不可修改", "The expert has left the pool; its record is closed"
            )
        _apply_fields(expert, f)
        expert.employments[:] = _employments(expert.id, employments, ctx)
        uow.emit(
            event_from(ctx, "ExpertUpdated", "expert", expert.id, public=False, specialties=expert.specialty_codes)
        )
        uow.commit()
    return expert


def link_user(uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, user_id: str) -> Expert:
    """Link the platform account (role expert) the expert logs in with."""
    authorize(ctx.actor, Action.EXPERT_MANAGE)
    with uow:
        expert = _expert_for(uow, ctx, expert_id, for_update=True)
        _check_linkable(uow, user_id, expert.id)
        expert.user_id = user_id
        expert.index_specialties()
        uow.emit(event_from(ctx, "ExpertLinked", "expert", expert.id, public=False, user_id=user_id))
        uow.commit()
    return expert


def _transition(
    uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, action: ExpertAction, reason: str, event: str, who: Action
) -> Expert:
    reason = _reason(reason)
    authorize(ctx.actor, who)
    with uow:
        expert = _expert_for(uow, ctx, expert_id, for_update=True)
        if action is ExpertAction.REINSTATE:
            check_entry(ctx.rules, _fields_of(expert), _today(ctx))
        expert.apply(action, reason, ctx.clock.now())
        uow.emit(event_from(ctx, event, "expert", expert.id, public=False, reason=reason))
        uow.commit()
    return expert


def _fields_of(expert: Expert) -> ExpertFields:
    return ExpertFields(
        expert.name,
        tuple(expert.specialty_codes),
        expert.title_level,
        expert.practice_since,
        expert.birth_date,
        expert.region,
        expert.home_pool,
        expert.title_basis,
    )


def suspend_expert(uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, reason: str) -> Expert:
    """暂停抽取: the expert is not drawn until reinstated."""
    return _transition(uow, ctx, expert_id, ExpertAction.SUSPEND, reason, "ExpertSuspended", Action.EXPERT_MANAGE)


def reinstate_expert(uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, reason: str) -> Expert:
    """恢复抽取: only while the entry conditions still hold."""
    return _transition(uow, ctx, expert_id, ExpertAction.REINSTATE, reason, "ExpertReinstated", Action.EXPERT_MANAGE)


def exit_pool(uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, reason: str) -> Expert:
    """清退出库 by the supervisor, with a reason (M19); the record, ratings and flags stay for good."""
    return _transition(uow, ctx, expert_id, ExpertAction.EXIT, reason, "ExpertExited", Action.EXPERT_EXIT)


@dataclass(frozen=True)
class SanctionFields:
    kind: SanctionKind
    authority: str
    decision_number: str
    decided_on: date
    details: str


def record_sanction(uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, f: SanctionFields) -> Sanction:
    """An administrative or criminal sanction for misconduct in tendering: the expert is no longer
    drawn (评标规定 第十二条（四）), for good unless the jurisdiction sets a period."""
    authorize(ctx.actor, Action.EXPERT_MANAGE)
    authority = _text(f.authority, "sanction_incomplete", "请填写处罚机关", "A sanction needs its authority")
    number = _text(f.decision_number, "sanction_incomplete", "请填写处罚决定书文号", "A sanction needs its number")
    if f.decided_on > _today(ctx):
        raise DomainError(
            "sanction_in_future", "处罚决定日期不能晚于今天", "A sanction cannot be decided in the future"
        )
    now = ctx.clock.now()
    with uow:
        expert = _expert_for(uow, ctx, expert_id, for_update=True)
        sanction = Sanction(
            new_id("snc", now),
            expert.id,
            f.kind,
            authority,
            number,
            f.decided_on,
            f.details.strip(),
            now,
            ctx.actor.user_id,
        )
        expert.sanctions.append(sanction)
        uow.emit(
            event_from(
                ctx,
                "SanctionRecorded",
                "expert",
                expert.id,
                public=False,
                sanction_id=sanction.id,
                kind=str(f.kind),
                decision_number=number,
                decided_on=f.decided_on.isoformat(),
            )
        )
        uow.commit()
    return sanction


def clear_sanction(uow: ExpertsUnitOfWork, ctx: Context, expert_id: str, sanction_id: str, reason: str) -> Sanction:
    """A sanction whose decision was revoked (行政复议 or a court) no longer bars the expert."""
    authorize(ctx.actor, Action.EXPERT_MANAGE)
    reason = _reason(reason)
    with uow:
        expert = _expert_for(uow, ctx, expert_id, for_update=True)
        sanction = next((s for s in expert.sanctions if s.id == sanction_id), None)
        if sanction is None:
            raise not_found("sanction", sanction_id)
        if sanction.cleared_at is not None:
            raise Conflict("sanction_cleared", "该处罚已撤销", "The sanction has already been cleared")
        sanction.cleared_at, sanction.cleared_reason = ctx.clock.now(), reason
        uow.emit(
            event_from(
                ctx, "SanctionCleared", "expert", expert.id, public=False, sanction_id=sanction.id, reason=reason
            )
        )
        uow.commit()
    return sanction


def get_expert(uow: ExpertsUnitOfWork, ctx: Context, expert_id: str) -> Expert:
    with uow:
        return _expert_for(uow, ctx, expert_id)


def my_expert(uow: ExpertsUnitOfWork, ctx: Context) -> Expert:
    """The expert record linked to the caller."""
    with uow:
        expert = uow.experts.by_user(ctx.actor.user_id) if ctx.actor.user_id else None
        if expert is None and ctx.actor.role is Role.EXPERT:
            raise not_found("expert", "me")
        authorize(ctx.actor, Action.EXPERT_DECLARE, expert)
        assert expert is not None
        return expert


def list_experts(
    uow: ExpertsUnitOfWork,
    ctx: Context,
    *,
    after: str | None,
    limit: int,
    status: ExpertStatus | None = None,
    pool: str | None = None,
) -> tuple[list[Expert], str | None]:
    from sunbid.kernel.query import page_of

    authorize(ctx.actor, Action.EXPERT_LIST)
    with uow:
        page = page_of(uow.experts.page(after=after, limit=limit, status=status, pool=pool), limit, lambda e: e.id)
    return page.items, page.next_cursor


# ---------------------------------------------------------------------------- declarations
@dataclass(frozen=True)
class DeclarationFields:
    kind: DeclarationKind
    details: str
    org_credit_code: str | None = None
    org_name: str | None = None
    subject_id: str | None = None


def declare(uow: ExpertsUnitOfWork, ctx: Context, f: DeclarationFields) -> Declaration:
    """An expert declares a close relative at, or an economic interest in, an organisation, or its
    earlier work on a plan or tender (评标规定 第十二条: members declare their own conflicts)."""
    details = _text(f.details, "declaration_details_required", "请说明申报事项", "A declaration needs details")
    code = _credit_code(f.org_credit_code) if f.org_credit_code else None
    if f.kind in (DeclarationKind.CLOSE_RELATIVE, DeclarationKind.ECONOMIC_INTEREST) and code is None:
        raise DomainError(
            "declaration_org_required",
            "近亲属或经济利益关系须写明所涉单位的统一社会信用代码",
            "A close relative or an economic interest names the organisation by its credit code",
        )
    if f.kind is DeclarationKind.EARLIER_WORK and not f.subject_id:
        raise DomainError(
            "declaration_subject_required",
            "参与前期工作的申报须写明招标计划或招标项目",
            "A declaration of earlier work names the plan or the tender",
        )
    now = ctx.clock.now()
    with uow:
        expert = uow.experts.by_user(ctx.actor.user_id) if ctx.actor.user_id else None
        authorize(ctx.actor, Action.EXPERT_DECLARE, expert)
        assert expert is not None
        if f.subject_id and uow.plans.get(f.subject_id) is None and uow.tenders.get(f.subject_id) is None:
            raise DomainError(
                "declaration_subject_unknown",
                "未找到所申报的招标计划或招标项目",
                "No plan or tender has the id the declaration names",
                subject_id=f.subject_id,
            )
        declaration = Declaration(
            new_id("dcl", now),
            expert.id,
            f.kind,
            details,
            now,
            org_credit_code=code,
            org_name=(f.org_name or "").strip() or None,
            subject_id=f.subject_id,
        )
        expert.declarations.append(declaration)
        uow.emit(
            event_from(
                ctx,
                "DeclarationMade",
                "expert",
                expert.id,
                public=False,
                declaration_id=declaration.id,
                kind=str(f.kind),
            )
        )
        uow.commit()
    return declaration


def end_declaration(uow: ExpertsUnitOfWork, ctx: Context, declaration_id: str) -> Declaration:
    """The declared fact no longer holds (the declaration itself is kept)."""
    with uow:
        expert = uow.experts.by_user(ctx.actor.user_id) if ctx.actor.user_id else None
        authorize(ctx.actor, Action.EXPERT_DECLARE, expert)
        assert expert is not None
        declaration = next((d for d in expert.declarations if d.id == declaration_id), None)
        if declaration is None:
            raise not_found("declaration", declaration_id)
        if declaration.ended_at is not None:
            raise Conflict("declaration_ended", "该申报事项已终止", "The declaration has already ended")
        declaration.ended_at = ctx.clock.now()
        uow.emit(event_from(ctx, "DeclarationEnded", "expert", expert.id, public=False, declaration_id=declaration.id))
        uow.commit()
    return declaration


# ---------------------------------------------------------------------------- venues
@dataclass(frozen=True)
class VenueFields:
    name: str
    address: str
    region: str
    capacity: int


def register_venue(uow: ExpertsUnitOfWork, ctx: Context, f: VenueFields) -> Venue:
    """An evaluation room of the trading centre (main or secondary venue)."""
    authorize(ctx.actor, Action.VENUE_MANAGE)
    name = _text(f.name, "venue_incomplete", "请填写场地名称和地址", "A venue needs a name and an address")
    address = _text(f.address, "venue_incomplete", "请填写场地名称和地址", "A venue needs a name and an address")
    if f.capacity < 1:
        raise DomainError("venue_capacity_invalid", "场地容纳人数须为正数", "A venue holds at least one member")
    now = ctx.clock.now()
    with uow:
        venue = Venue(new_id("ven", now), name, address, f.region, f.capacity, now)
        uow.venues.add(venue)
        uow.emit(event_from(ctx, "VenueRegistered", "venue", venue.id, public=True, name=name, capacity=f.capacity))
        uow.commit()
    return venue


def list_venues(uow: ExpertsUnitOfWork, ctx: Context) -> list[Venue]:
    del ctx
    with uow:
        return uow.venues.all()


def _venue(uow: ExpertsUnitOfWork, venue_id: str) -> Venue:
    venue = uow.venues.get(venue_id)
    if venue is None or not venue.active:
        raise not_found("venue", venue_id)
    return venue


def prepare_recording(uow: ExpertsUnitOfWork, ctx: Context, venue_id: str) -> None:
    """Check, before any bytes are accepted, that the caller may anchor a recording of this venue."""
    authorize(ctx.actor, Action.RECORDING_ANCHOR)
    with uow:
        _venue(uow, venue_id)


@dataclass(frozen=True)
class RecordingFields:
    kind: RecordingKind
    filename: str
    media_type: str
    recorded_from: datetime
    recorded_to: datetime
    committee_id: str | None = None


def anchor_recording(
    uow: ExpertsUnitOfWork, ctx: Context, venue_id: str, f: RecordingFields, blob: BlobRefLike
) -> Recording:
    """An audio or video file of a venue, already streamed into the blob store: its hash goes to
    the ledger (M15), so any later copy can be checked against it."""
    authorize(ctx.actor, Action.RECORDING_ANCHOR)
    filename = _text(f.filename, "recording_filename_required", "请填写文件名", "A recording needs a file name")
    if not f.recorded_from < f.recorded_to <= ctx.clock.now():
        raise DomainError(
            "recording_times_invalid",
            "录制起止时间须先后有序且不晚于当前时间",
            "A recording starts before it ends, and ends no later than now",
        )
    if blob.size == 0:
        raise DomainError("recording_empty", "文件为空", "The file is empty")
    now = ctx.clock.now()
    with uow:
        venue = _venue(uow, venue_id)
        if f.committee_id is not None:
            committee = uow.committees.get(f.committee_id)
            if committee is None:
                raise not_found("committee", f.committee_id)
            if venue.id not in committee.venue_ids():
                raise DomainError(
                    "venue_not_of_committee",
                    "该评标委员会不在此场地评标",
                    "The committee does not sit at this venue",
                )
        if not uow.blobs.exists(blob.sha256):
            raise DomainError("blob_missing", "文件内容未保存", "The file content was not stored")
        recording = Recording(
            new_id("rec", now),
            venue.id,
            f.committee_id,
            f.kind,
            filename,
            f.media_type,
            blob.sha256,
            blob.size,
            f.recorded_from,
            f.recorded_to,
            now,
            ctx.actor.user_id,
        )
        uow.recordings.add(recording)
        uow.emit(
            event_from(
                ctx,
                "RecordingAnchored",
                "venue",
                venue.id,
                public=True,
                recording_id=recording.id,
                committee_id=f.committee_id,
                kind=str(f.kind),
                sha256=blob.sha256,
                size=blob.size,
                recorded_from=f.recorded_from.isoformat(),
                recorded_to=f.recorded_to.isoformat(),
            )
        )
        uow.commit()
    return recording


def recordings_of(uow: ExpertsUnitOfWork, ctx: Context, venue_id: str) -> list[Recording]:
    authorize(ctx.actor, Action.RECORDING_READ)
    with uow:
        _venue(uow, venue_id)
        return uow.recordings.for_venue(venue_id)


def get_recording(uow: ExpertsUnitOfWork, ctx: Context, recording_id: str) -> Recording:
    authorize(ctx.actor, Action.RECORDING_READ)
    with uow:
        recording = uow.recordings.get(recording_id)
        if recording is None:
            raise not_found("recording", recording_id)
        return recording


# ---------------------------------------------------------------------------- the draw: context
def _section(tender: Tender, section_id: str) -> Section:
    section = next((s for s in tender.sections if s.id == section_id), None)
    if section is None:
        raise not_found("section", section_id)
    return section


def draw_context(
    uow: ExpertsUnitOfWork, ctx: Context, tender: Tender, section_id: str, draw: Draw, committee: Committee | None
) -> DrawContext:
    """What the exclusions are judged against: the section's bidders (every bid made before the
    deadline, consortium members included), the tenderer and agency, the supervising department."""
    bidders = uow.draw_facts.bidders(section_id)
    staff = [o for o in (tender.tenderer_org_id, tender.agency_org_id) if o]
    codes = uow.draw_facts.credit_codes([*bidders, *staff])
    supervising = draw.request_document.get("supervising_department", {})
    return DrawContext.build(
        ctx.rules,
        on=_today(ctx),
        bidder_codes=frozenset(codes[o] for o in bidders if o in codes),
        tenderer_codes=frozenset(codes[o] for o in staff if o in codes),
        supervising_codes=frozenset(c for c in [supervising.get("credit_code")] if c),
        supervising_names=frozenset([str(supervising.get("name") or tender.supervising_department)]),
        project_ids=frozenset([tender.id, tender.plan_id]),
        committee_expert_ids=committee.expert_ids() if committee is not None else frozenset(),
    )


def decider(uow: ExpertsUnitOfWork, context: DrawContext) -> drawing.Decide:
    """The draw's exclusion decisions: each batch of candidates is read with everything the rules
    need (employments, declarations, sanctions) and judged by :func:`exclusions`."""

    def decide(ids: Sequence[str]) -> Mapping[str, Sequence[str]]:
        experts = {e.id: e for e in uow.experts.snapshots(ids)}
        out: dict[str, Sequence[str]] = {}
        for expert_id in ids:
            expert = experts.get(expert_id)
            out[expert_id] = [str(r) for r in exclusions(expert, context)] if expert else [str(Exclusion.NOT_ACTIVE)]
        return out

    return decide


def _pools(draw: Draw, requirement: Requirement) -> dict[str, Any]:
    if requirement.remote:
        return {"except": draw.local_pool, "only": sorted(draw.remote_pools) or None}
    return {"only": [draw.local_pool]}


def candidate_document(uow: ExpertsUnitOfWork, draw: Draw) -> dict[str, Any]:
    """The committed candidate document: per line, the sorted ids of the drawable experts."""
    lines = []
    for number, requirement in enumerate(draw.lines, start=1):
        pools = _pools(draw, requirement)
        ids = uow.experts.candidates(requirement.specialty, pools=pools["only"], except_pool=pools.get("except"))
        lines.append({"line": number, "specialty": requirement.specialty, "remote": requirement.remote, "ids": ids})
    return {"format": drawing.CANDIDATES_FORMAT, "draw_id": draw.id, "lines": lines}


def _request_document(draw: Draw, rules: RuleBook, supervising: dict[str, Any]) -> dict[str, Any]:
    in_force = [
        e
        for e, basis in EXCLUSIONS.items()
        if basis.rule is None or rules.count(basis.rule) or basis.rule == "expert_sanction_bar_years"
    ]
    return {
        "format": drawing.REQUEST_FORMAT,
        "algorithm": drawing.ALGORITHM,
        "draw_id": draw.id,
        "purpose": str(draw.purpose),
        "tender_id": draw.tender_id,
        "section_id": draw.section_id,
        "committee_id": draw.committee_id,
        "replaced_member_id": draw.replaced_member_id,
        "size": draw.size,
        "representatives": len(draw.representatives),
        "lines": [{"line": n, **r.as_json(), "pools": _pools(draw, r)} for n, r in enumerate(draw.lines, start=1)],
        "supervising_department": supervising,
        "exclusions": [
            {"code": str(e), "citation": EXCLUSIONS[e].citation, "certainty": EXCLUSIONS[e].certainty} for e in in_force
        ],
        "parameters": {
            key: int(rules.count(key))
            for key in (
                "expert_max_age",
                "expert_recent_employer_years",
                "expert_sanction_bar_years",
                "exclude_tenderer_agency_staff",
                "exclude_earlier_work",
            )
        },
        "requested_at": draw.requested_at.isoformat(),
    }


def _shortfall(lines: list[dict[str, Any]]) -> Conflict:
    return Conflict(
        "not_enough_eligible_experts",
        "符合条件的专家人数不足，无法抽取："
        + "；".join(f"第{x['line']}项（{x['specialty']}）需 {x['needed']} 人，可抽 {x['eligible']} 人" for x in lines),
        "Not enough eligible experts: "
        + "; ".join(
            f"line {x['line']} ({x['specialty']}) needs {x['needed']}, {x['eligible']} eligible" for x in lines
        ),
        lines=lines,
    )


def _check_fill(uow: ExpertsUnitOfWork, draw: Draw, candidates: dict[str, Any], context: DrawContext) -> None:
    """Refuse, with the counts, a request the pool cannot fill: per line, the candidates less those
    the exclusions remove must cover the seats and the reserves, and so must all lines together.

    The suspects, the candidates some exclusion could apply to (tied to the bidders, the
    tenderer, the agency, the supervising department or the project, sanctioned, over the age
    limit, or already on the committee), are found by indexed queries. When the others alone
    fill every line the request is accepted without judging anyone; otherwise the suspects are
    read and judged, and the refusal gives exact counts.
    """
    union = sorted({i for line in candidates["lines"] for i in line["ids"]})
    suspects = set(
        uow.experts.suspects(
            org_codes=sorted(context.bidder_codes | context.tenderer_codes | context.supervising_codes),
            org_names=sorted(context.supervising_names),
            subject_ids=sorted(context.project_ids),
            born_on_or_before=years_before(context.on, context.max_age),
        )
    ) | set(context.committee_expert_ids)
    needed = {line["line"]: r.seats + r.reserves for r, line in zip(draw.lines, candidates["lines"], strict=True)}
    clear = [sum(1 for i in line["ids"] if i not in suspects) for line in candidates["lines"]]
    if all(c >= needed[line["line"]] for c, line in zip(clear, candidates["lines"], strict=True)) and sum(
        1 for i in union if i not in suspects
    ) >= sum(needed.values()):
        return  # enough candidates no exclusion could touch: no need to judge the suspects
    judged = [i for i in union if i in suspects]
    excluded: set[str] = set()
    for start in range(0, len(judged), 500):
        excluded |= {i for i, why in decider(uow, context)(judged[start : start + 500]).items() if why}
    counts, short = [], []
    for requirement, line in zip(draw.lines, candidates["lines"], strict=True):
        ids = line["ids"]
        out = sum(1 for i in ids if i in excluded)
        row = {
            "line": line["line"],
            "specialty": requirement.specialty,
            "remote": requirement.remote,
            "candidates": len(ids),
            "excluded": out,
            "eligible": len(ids) - out,
            "needed": requirement.seats + requirement.reserves,
        }
        counts.append(row)
        if row["eligible"] < row["needed"]:
            short.append(row)
    needed = sum(r["needed"] for r in counts)
    if not short and len(union) - len(excluded) < needed:
        short = [
            {"line": 0, "specialty": "*", "remote": None, "eligible": len(union) - len(excluded), "needed": needed}
        ]
    if short:
        raise _shortfall(short)


# ---------------------------------------------------------------------------- the request
@dataclass(frozen=True)
class CommitteeRequestFields:
    size: int
    requirements: tuple[Requirement, ...]
    local_pool: str
    main_venue_id: str
    starts_at: datetime
    evaluation_hours: int
    representatives: tuple[str, ...] = ()  # user ids of the tenderer's staff
    remote_pools: tuple[str, ...] = ()  # empty: every pool but the local one
    secondary_venue_ids: tuple[str, ...] = ()
    await_contribution: bool = False
    supervising_department_credit_code: str | None = None


def _check_request(rules: RuleBook, f: CommitteeRequestFields) -> None:
    if not f.requirements:
        raise DomainError("requirements_missing", "须列明抽取的专业及人数", "List the specialties and their seats")
    seen = set()
    for r in f.requirements:
        if not SPECIALTY.fullmatch(r.specialty):
            raise DomainError(
                "specialty_code_invalid",
                f"评标专业代码格式不正确：{r.specialty}",
                f"Not a specialty code: {r.specialty}",
                codes=[r.specialty],
            )
        if r.seats < 1 or r.reserves < 0:
            raise DomainError(
                "requirement_counts_invalid",
                "每项专业至少抽取1人，候补人数不得为负",
                "Each line has at least one seat and no negative reserves",
            )
        if (r.specialty, r.remote) in seen:
            raise DomainError(
                "requirement_repeated",
                f"专业 {r.specialty} 重复列出",
                f"The specialty {r.specialty} is listed twice for the same pools",
            )
        seen.add((r.specialty, r.remote))
    if len(set(f.representatives)) != len(f.representatives):
        raise DomainError("representative_repeated", "招标人代表重复", "A representative is named twice")
    experts = sum(r.seats for r in f.requirements)
    if experts + len(f.representatives) != f.size:
        raise DomainError(
            "requirements_do_not_sum",
            f"各专业抽取人数之和（{experts}）加招标人代表人数（{len(f.representatives)}）应等于委员会人数（{f.size}）",
            f"The seats of the lines ({experts}) and the representatives ({len(f.representatives)}) must add up "
            f"to the committee's size ({f.size})",
        )
    check_composition(rules, f.size, experts)
    if not f.local_pool.strip():
        raise DomainError("local_pool_required", "须指明本地专家库", "Name the tender's local pool")
    if f.local_pool in f.remote_pools:
        raise DomainError(
            "remote_pool_is_local", "异地专家库不能是本地专家库", "A remote pool cannot be the local pool"
        )
    hours = rules["evaluation_max_hours"]
    if not 1 <= f.evaluation_hours <= rules.count(hours.key):
        raise RuleViolation(
            "evaluation_hours_invalid",
            f"评标时长须在 1 至 {hours.value} 小时之间",
            f"The evaluation lasts between 1 and {hours.value} hours",
            rule=hours.key,
        )
    if f.main_venue_id in f.secondary_venue_ids or len(set(f.secondary_venue_ids)) != len(f.secondary_venue_ids):
        raise DomainError(
            "venues_repeated", "主场地与副场地不能重复", "The main and secondary venues must all be different"
        )


def _drawable_tender(uow: ExpertsUnitOfWork, ctx: Context, tender_id: str, section_id: str) -> tuple[Tender, Section]:
    tender = readable_tender(uow, ctx, tender_id, for_update=True)
    authorize(ctx.actor, Action.COMMITTEE_REQUEST, tender)
    section = _section(tender, section_id)
    if tender.status not in DRAWABLE or ctx.clock.now() < tender.bid_deadline:
        raise Conflict(
            "committee_before_deadline"
            if tender.status in (TenderStatus.ANNOUNCED, TenderStatus.SUSPENDED)
            else "tender_not_evaluable",
            "投标截止后、投标人确定时方可抽取评标专家",
            "Experts are drawn after the bid deadline, when the bidders are known",
            status=str(tender.status),
        )
    if section.failed:
        raise Conflict(
            "section_failed",
            "该标段投标人不足三个，不进行评标",
            "The section had fewer than three bids: there is no evaluation",
        )
    return tender, section


def _seats_at(draw_size: int, requirements: Sequence[Requirement]) -> tuple[int, int]:
    remote = sum(r.seats for r in requirements if r.remote)
    return draw_size - remote, remote


def _check_capacity(
    uow: ExpertsUnitOfWork, venue: Venue, seats: int, starts: datetime, ends: datetime, except_committee: str | None
) -> None:
    """ "Same room, different tenders": a venue hosts several committees at once within its capacity."""
    taken = sum(
        s.seats
        for c in uow.committees.at_venue(venue.id, starts, ends)
        if c.id != except_committee
        for s in c.sittings
        if s.venue_id == venue.id and s.starts_at < ends and starts < s.ends_at
    )
    if taken + seats > venue.capacity:
        raise Conflict(
            "venue_full",
            f"场地“{venue.name}”在该时段已安排 {taken} 人，容纳 {venue.capacity} 人，不足 {seats} 个席位",
            f"The venue {venue.name} holds {venue.capacity}; {taken} seats are taken then, {seats} more do not fit",
            venue_id=venue.id,
            taken=taken,
            capacity=venue.capacity,
        )


def _check_venues(uow: ExpertsUnitOfWork, draw: Draw, except_committee: str | None = None) -> None:
    local, remote = _seats_at(draw.size, draw.lines)
    ends = draw.starts_at + timedelta(hours=draw.evaluation_hours)
    _check_capacity(uow, _venue(uow, draw.main_venue_id), local, draw.starts_at, ends, except_committee)
    for venue_id in draw.secondary_venue_ids:
        _check_capacity(uow, _venue(uow, venue_id), remote, draw.starts_at, ends, except_committee)


def _commit_draw(uow: ExpertsUnitOfWork, ctx: Context, draw: Draw, tender: Tender, committee: Committee | None) -> Draw:
    """Fix the candidates and a secret seed, check the pool can fill the request, and write the
    commitment (digests of the seed, the request and the candidates) to the ledger."""
    context = draw_context(uow, ctx, tender, draw.section_id, draw, committee)
    candidates = candidate_document(uow, draw)
    _check_fill(uow, draw, candidates, context)
    data = drawing.canonical(candidates)
    blob = uow.blobs.put_chunks([data])
    seed = secrets.token_bytes(drawing.SEED_BYTES)
    draw.seed, draw.seed_sha256 = seed.hex(), drawing.sha256_hex(seed)
    draw.candidates_sha256, draw.candidates_count = blob.sha256, sum(len(x["ids"]) for x in candidates["lines"])
    draw.request_sha256 = drawing.digest(draw.request_document)
    uow.draws.add(draw)
    uow.emit(
        event_from(
            ctx,
            "DrawCommitted",
            "draw",
            draw.id,
            public=True,
            algorithm=drawing.ALGORITHM,
            purpose=str(draw.purpose),
            tender_id=draw.tender_id,
            section_id=draw.section_id,
            committee_id=draw.committee_id,
            seed_sha256=draw.seed_sha256,
            request_sha256=draw.request_sha256,
            candidates_sha256=draw.candidates_sha256,
            candidates=draw.candidates_count,
            await_contribution=draw.await_contribution,
        )
    )
    return draw


def request_committee(
    uow: ExpertsUnitOfWork, ctx: Context, tender_id: str, section_id: str, f: CommitteeRequestFields
) -> Draw:
    """The tender's manager asks for a section's committee after the bid deadline. The draw is
    committed at once (seed digest, request and candidates in the ledger); it is performed by
    :func:`perform_draw`, after a supervisor's contribution if the request awaits one."""
    _check_request(ctx.rules, f)
    supervising_code = (
        _credit_code(f.supervising_department_credit_code) if f.supervising_department_credit_code else None
    )
    now = ctx.clock.now()
    if f.starts_at < now:
        raise DomainError(
            "sitting_in_past", "评标开始时间不能早于当前时间", "The evaluation cannot be scheduled in the past"
        )
    with uow:
        tender, section = _drawable_tender(uow, ctx, tender_id, section_id)
        if uow.committees.for_section(section.id) is not None:
            raise Conflict("committee_exists", "该标段已组建评标委员会", "The section already has a committee")
        if any(d.status is DrawStatus.COMMITTED for d in uow.draws.for_section(section.id)):
            raise Conflict(
                "draw_pending", "该标段已有待抽取的申请", "The section already has a draw waiting to be performed"
            )
        for user_id in f.representatives:
            user = uow.users.get(user_id)
            if (
                user is None
                or user.role is not Role.TENDERER
                or user.org_id != tender.tenderer_org_id
                or not user.active
            ):
                raise DomainError(
                    "representative_not_tenderer_staff",
                    "招标人代表须为招标人单位的在职用户",
                    "A representative must be an active user of the tenderer's organisation",
                    user_id=user_id,
                )
        supervising = {"name": tender.supervising_department, "credit_code": supervising_code}
        draw = Draw(
            id=new_id("drw", now),
            tender_id=tender.id,
            section_id=section.id,
            purpose=DrawPurpose.COMMITTEE,
            requirements=[r.as_json() for r in f.requirements],
            local_pool=f.local_pool.strip(),
            remote_pools=sorted(set(f.remote_pools)),
            representatives=list(f.representatives),
            size=f.size,
            evaluation_hours=f.evaluation_hours,
            main_venue_id=f.main_venue_id,
            secondary_venue_ids=list(f.secondary_venue_ids),
            starts_at=f.starts_at,
            requested_at=now,
            requested_by=ctx.actor.user_id,
            seed="",
            seed_sha256="",
            request_document={},
            request_sha256="",
            candidates_sha256="",
            candidates_count=0,
            await_contribution=f.await_contribution,
        )
        _check_venues(uow, draw)
        draw.request_document = _request_document(draw, ctx.rules, supervising)
        _commit_draw(uow, ctx, draw, tender, None)
        uow.commit()
    return draw


def _draw_for(uow: ExpertsUnitOfWork, ctx: Context, draw_id: str, *, for_update: bool = False) -> tuple[Draw, Tender]:
    draw = uow.draws.get(draw_id, for_update=for_update)
    if draw is None:
        raise not_found("draw", draw_id)
    tender = readable_tender(uow, ctx, draw.tender_id, for_update=for_update)
    if not (allowed(ctx.actor, Action.COMMITTEE_REQUEST, tender) or allowed(ctx.actor, Action.DRAW_AUDIT)):
        raise not_found("draw", draw_id)
    return draw, tender


def contribute(uow: ExpertsUnitOfWork, ctx: Context, draw_id: str, contribution: bytes) -> Draw:
    """A supervisor's random contribution, posted after the commitment, so that the operator who
    chose the seed cannot have chosen the outcome."""
    authorize(ctx.actor, Action.DRAW_CONTRIBUTE)
    if len(contribution) not in CONTRIBUTION_BYTES:
        raise DomainError(
            "contribution_size_invalid",
            f"随机数贡献须为 {CONTRIBUTION_BYTES.start} 至 {CONTRIBUTION_BYTES.stop - 1} 字节",
            f"A contribution has {CONTRIBUTION_BYTES.start} to {CONTRIBUTION_BYTES.stop - 1} bytes",
        )
    with uow:
        draw, _tender = _draw_for(uow, ctx, draw_id, for_update=True)
        if draw.status is not DrawStatus.COMMITTED:
            raise Conflict("draw_not_pending", "该抽取已完成或已取消", "The draw has been performed or cancelled")
        if draw.contribution is not None:
            raise Conflict("contribution_given", "已提交随机数贡献", "A contribution has already been posted")
        draw.contribution, draw.contributed_at, draw.contributed_by = (
            contribution.hex(),
            ctx.clock.now(),
            ctx.actor.user_id,
        )
        uow.emit(
            event_from(
                ctx,
                "DrawContributed",
                "draw",
                draw.id,
                public=True,
                contribution=draw.contribution,
                contribution_sha256=drawing.sha256_hex(contribution),
            )
        )
        uow.commit()
    return draw


def cancel_draw(uow: ExpertsUnitOfWork, ctx: Context, draw_id: str, reason: str) -> Draw:
    """Give up a committed draw (for instance one the pool can no longer fill); ask again."""
    reason = _reason(reason)
    with uow:
        draw, tender = _draw_for(uow, ctx, draw_id, for_update=True)
        authorize(ctx.actor, Action.COMMITTEE_REQUEST, tender)
        if draw.status is not DrawStatus.COMMITTED:
            raise Conflict("draw_not_pending", "该抽取已完成或已取消", "The draw has been performed or cancelled")
        draw.status, draw.cancelled_at = DrawStatus.CANCELLED, ctx.clock.now()
        uow.emit(event_from(ctx, "DrawCancelled", "draw", draw.id, public=True, reason=reason))
        uow.commit()
    return draw


def _load_candidates(uow: ExpertsUnitOfWork, draw: Draw) -> dict[str, Any]:
    with uow.blobs.open(draw.candidates_sha256) as fh:
        data = fh.read()
    if drawing.sha256_hex(data) != draw.candidates_sha256:
        raise Conflict(
            "candidates_damaged",
            "已承诺的候选专家名单文件已损坏",
            "The committed candidate list in the blob store is damaged",
        )
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def _reveal(ctx: Context, uow: ExpertsUnitOfWork, draw: Draw) -> None:
    draw.revealed_at = ctx.clock.now()
    uow.emit(
        event_from(
            ctx,
            "DrawRevealed",
            "draw",
            draw.id,
            public=True,
            committee_id=draw.committee_id,
            seed=draw.seed,
            seed_sha256=draw.seed_sha256,
            contribution=draw.contribution,
            request_sha256=draw.request_sha256,
            candidates_sha256=draw.candidates_sha256,
            result_sha256=draw.result_sha256,
        )
    )


def perform_draw(uow: ExpertsUnitOfWork, ctx: Context, draw_id: str) -> Committee:
    """盲抽: draw the committee (or the replacement) from the committed candidates with the
    committed seed. Nobody but oversight and the drawn experts learns who until the start."""
    with uow:
        draw, tender = _draw_for(uow, ctx, draw_id, for_update=True)
        authorize(ctx.actor, Action.COMMITTEE_REQUEST, tender)
        if draw.status is not DrawStatus.COMMITTED:
            raise Conflict("draw_not_pending", "该抽取已完成或已取消", "The draw has been performed or cancelled")
        if draw.await_contribution and draw.contribution is None:
            raise Conflict(
                "contribution_awaited",
                "须待监督人员提交随机数贡献后方可抽取",
                "The draw waits for the supervisor's contribution",
            )
        committee = None
        if draw.committee_id is not None:
            committee = uow.committees.get(draw.committee_id, for_update=True)
            assert committee is not None
            if committee.status is CommitteeStatus.DISSOLVED:
                raise Conflict("committee_dissolved", "评标委员会已解散", "The committee has been dissolved")
        else:
            _check_venues(uow, draw)
        context = draw_context(uow, ctx, tender, draw.section_id, draw, committee)
        candidates = _load_candidates(uow, draw)
        key = drawing.key_of(bytes.fromhex(draw.seed), bytes.fromhex(draw.contribution or ""))
        lines = [drawing.Line(r.seats, r.reserves) for r in draw.lines]
        results = drawing.run(lines, [x["ids"] for x in candidates["lines"]], key, decider(uow, context))
        short = [
            {
                "line": r.line,
                "specialty": draw.lines[r.line - 1].specialty,
                "remote": draw.lines[r.line - 1].remote,
                "candidates": r.candidates,
                "excluded": r.excluded,
                "eligible": len(r.seats) + len(r.reserves),
                "needed": r.needed,
            }
            for r in results
            if not r.filled
        ]
        if short:
            raise _shortfall(short)
        now = ctx.clock.now()
        draw.walk = [r.as_json() for r in results]
        draw.result_sha256 = drawing.digest({"seed": draw.seed, "walk": draw.walk})
        draw.status, draw.drawn_at = DrawStatus.DRAWN, now
        experts = {e.id: e for e in uow.experts.snapshots([i for r in results for i in (*r.seats, *r.reserves)])}
        if committee is None:
            committee = _new_committee(uow, draw, now)
            draw.committee_id = committee.id
            uow.committees.add(committee)
            seat = 0
            for requirement, result in zip(draw.lines, results, strict=True):
                for expert_id in result.seats:
                    seat += 1
                    committee.members.append(
                        _member(committee, experts[expert_id], draw, requirement, result, seat, now)
                    )
                for rank, expert_id in enumerate(result.reserves, start=1):
                    member = _member(committee, experts[expert_id], draw, requirement, result, 0, now)
                    member.status, member.reserve_rank = MemberStatus.RESERVE, rank
                    committee.members.append(member)
            for user_id in draw.representatives:
                seat += 1
                user = uow.users.get(user_id)
                assert user is not None
                committee.members.append(
                    CommitteeMember(
                        id=new_id("mbr", now),
                        committee_id=committee.id,
                        seat=seat,
                        kind=MemberKind.REPRESENTATIVE,
                        user_id=user_id,
                        expert_id=None,
                        name=user.display_name,
                        specialty=None,
                        home_pool=None,
                        status=MemberStatus.ACTIVE,
                        joined_at=now,
                    )
                )
            event = "CommitteeDrawn"
        else:
            replaced = committee.member(draw.replaced_member_id or "")
            assert replaced is not None
            [result] = results
            member = _member(committee, experts[result.seats[0]], draw, draw.lines[0], result, replaced.seat, now)
            member.line = replaced.line
            committee.members.append(member)
            replaced.replaced_by = member.id
            event = "ReplacementDrawn"
        uow.emit(
            event_from(
                ctx,
                event,
                "committee",
                committee.id,
                public=True,
                draw_id=draw.id,
                tender_id=draw.tender_id,
                section_id=draw.section_id,
                size=committee.size,
                result_sha256=draw.result_sha256,
            )
        )
        if committee.status is CommitteeStatus.SITTING:
            _reveal(ctx, uow, draw)
        uow.commit()
    return committee


def _new_committee(uow: ExpertsUnitOfWork, draw: Draw, now: datetime) -> Committee:
    del uow
    committee_id = new_id("cmt", now)
    local, remote = _seats_at(draw.size, draw.lines)
    ends = draw.starts_at + timedelta(hours=draw.evaluation_hours)
    sittings = [Sitting(new_id("sit", now), committee_id, draw.main_venue_id, True, draw.starts_at, ends, local)]
    sittings += [
        Sitting(new_id("sit", now), committee_id, v, False, draw.starts_at, ends, remote)
        for v in draw.secondary_venue_ids
    ]
    return Committee(
        id=committee_id,
        tender_id=draw.tender_id,
        section_id=draw.section_id,
        status=CommitteeStatus.DRAWN,
        size=draw.size,
        created_at=now,
        evaluation_hours=draw.evaluation_hours,
        request_id=draw.id,
        sittings=sittings,
    )


def _member(
    committee: Committee,
    expert: Expert,
    draw: Draw,
    requirement: Requirement,
    result: drawing.LineResult,
    seat: int,
    now: datetime,
) -> CommitteeMember:
    return CommitteeMember(
        id=new_id("mbr", now),
        committee_id=committee.id,
        seat=seat,
        kind=MemberKind.EXPERT,
        user_id=expert.user_id,
        expert_id=expert.id,
        name=expert.name,
        specialty=requirement.specialty,
        home_pool=expert.home_pool,
        status=MemberStatus.ACTIVE,
        joined_at=now,
        line=result.line,
        remote=requirement.remote,
        draw_id=draw.id,
    )


# ---------------------------------------------------------------------------- the committee
def _committee_for(
    uow: ExpertsUnitOfWork, ctx: Context, committee_id: str, *, for_update: bool = False
) -> tuple[Committee, Tender]:
    committee = uow.committees.get(committee_id, for_update=for_update)
    if committee is None:
        raise not_found("committee", committee_id)
    tender = uow.tenders.get(committee.tender_id, for_update=for_update)
    assert tender is not None
    authorize_read(ctx.actor, Action.COMMITTEE_READ, (tender, committee), not_found("committee", committee_id))
    return committee, tender


def get_committee(uow: ExpertsUnitOfWork, ctx: Context, committee_id: str) -> tuple[Committee, Tender]:
    with uow:
        return _committee_for(uow, ctx, committee_id)


def committees_of_tender(uow: ExpertsUnitOfWork, ctx: Context, tender_id: str) -> tuple[Tender, list[Committee]]:
    """The tender's committees the caller may know of (none for bidders and the public)."""
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        return tender, [
            c for c in uow.committees.for_tender(tender.id) if allowed(ctx.actor, Action.COMMITTEE_READ, (tender, c))
        ]


def draws_of_tender(uow: ExpertsUnitOfWork, ctx: Context, tender_id: str) -> list[Draw]:
    with uow:
        tender = readable_tender(uow, ctx, tender_id)
        if not (allowed(ctx.actor, Action.COMMITTEE_REQUEST, tender) or allowed(ctx.actor, Action.DRAW_AUDIT)):
            authorize(ctx.actor, Action.DRAW_AUDIT)
        return [d for s in tender.sections for d in uow.draws.for_section(s.id)]


def get_draw(uow: ExpertsUnitOfWork, ctx: Context, draw_id: str) -> Draw:
    with uow:
        return _draw_for(uow, ctx, draw_id)[0]


@dataclass(frozen=True)
class Seat:
    """What a drawn expert sees of its own seat before the start: the tender, the venue, the time."""

    committee: Committee
    member: CommitteeMember
    tender_title: str
    tender_code: str
    section_name: str
    venues: list[Venue]


def my_seats(uow: ExpertsUnitOfWork, ctx: Context) -> list[Seat]:
    """For the logged-in expert (or representative): every seat or reserve place it holds."""
    if ctx.actor.user_id is None:
        authorize(ctx.actor, Action.COMMITTEE_SIT, None)
    assert ctx.actor.user_id is not None
    out = []
    with uow:
        for committee in uow.committees.of_user(ctx.actor.user_id):
            tender = uow.tenders.get(committee.tender_id)
            assert tender is not None
            section = _section(tender, committee.section_id)
            venues = [v for v in (uow.venues.get(i) for i in committee.venue_ids()) if v is not None]
            for member in committee.members:
                if member.user_id == ctx.actor.user_id:
                    out.append(Seat(committee, member, tender.title, tender.code, section.name, venues))
    return out


def check_in(uow: ExpertsUnitOfWork, ctx: Context, committee_id: str, venue_id: str) -> CheckIn:
    """签到: an active member arrives at its venue; the time, the venue and the network address
    go to the ledger (1117号文 (十五): speech, behaviour and movement traceable)."""
    with uow:
        committee, _tender = _committee_for(uow, ctx, committee_id, for_update=True)
        authorize(ctx.actor, Action.COMMITTEE_SIT, committee)
        assert ctx.actor.user_id is not None
        member = committee.member_of(ctx.actor.user_id)
        assert member is not None
        if committee.status is CommitteeStatus.DISSOLVED:
            raise Conflict("committee_dissolved", "评标委员会已解散", "The committee has been dissolved")
        main = [s.venue_id for s in committee.sittings if s.main]
        secondary = [s.venue_id for s in committee.sittings if not s.main]
        allowed_venues = secondary if member.remote and secondary else main
        if venue_id not in allowed_venues:
            raise DomainError(
                "venue_not_of_member",
                "请在为本人安排的评标场地签到（异地专家在副场地，其他成员在主场地）",
                "Check in at your own venue: remote members at a secondary venue, the others at the main venue",
                venues=allowed_venues,
            )
        now = ctx.clock.now()
        record = CheckIn(new_id("chk", now), committee.id, member.id, venue_id, now, ctx.address)
        committee.check_ins.append(record)
        member.checked_in_at, member.venue_id = now, venue_id
        uow.emit(
            event_from(
                ctx,
                "MemberCheckedIn",
                "committee",
                committee.id,
                public=False,
                member_id=member.id,
                seat=member.seat,
                venue_id=venue_id,
            )
        )
        uow.commit()
    return record


def start_evaluation(uow: ExpertsUnitOfWork, ctx: Context, committee_id: str) -> Committee:
    """评标开始: once every member has checked in, the tender's manager starts the evaluation.
    The committee sits, the list is revealed to the managers and the members, and the seed of
    every draw is revealed in the ledger so that anyone holding the record can re-run it."""
    with uow:
        committee, tender = _committee_for(uow, ctx, committee_id, for_update=True)
        authorize(ctx.actor, Action.COMMITTEE_MANAGE, tender)
        if committee.status is not CommitteeStatus.DRAWN:
            raise Conflict(
                "committee_not_drawn",
                "评标已开始或委员会已解散",
                "The evaluation has started or the committee is dissolved",
            )
        active = committee.active_members()
        if len(active) != committee.size:
            raise Conflict(
                "committee_incomplete",
                "评标委员会有空缺席位，须先补足",
                "The committee has an empty seat; fill it first",
                seats=committee.size,
                active=len(active),
            )
        absent = [m.seat for m in active if m.checked_in_at is None]
        if absent:
            raise Conflict(
                "members_not_checked_in",
                f"尚有成员未签到（席位 {', '.join(map(str, absent))}）",
                f"Members have not checked in (seats {', '.join(map(str, absent))})",
                seats=absent,
            )
        now = ctx.clock.now()
        committee.status, committee.started_at = CommitteeStatus.SITTING, now
        committee.evaluation_due = now + timedelta(hours=committee.evaluation_hours)
        uow.emit(
            event_from(
                ctx,
                "EvaluationStarted",
                "committee",
                committee.id,
                public=True,
                tender_id=committee.tender_id,
                section_id=committee.section_id,
                evaluation_due=committee.evaluation_due.isoformat(),
            )
        )
        for draw in uow.draws.for_committee(committee.id):
            if draw.status is DrawStatus.DRAWN and draw.revealed_at is None:
                _reveal(ctx, uow, draw)
        uow.commit()
    return committee


@dataclass(frozen=True)
class Replacement:
    committee: Committee
    replaced: CommitteeMember
    successor: CommitteeMember | None  # a reserve promoted, or a new representative
    draw: Draw | None  # a fresh draw, committed, when no reserve could take the seat


def replace_member(
    uow: ExpertsUnitOfWork,
    ctx: Context,
    committee_id: str,
    member_id: str,
    reason: ReplacementReason,
    details: str,
    *,
    representative_user_id: str | None = None,
) -> Replacement:
    """更换 (条例 第四十八条): a member who must recuse, left its post or cannot go on is replaced.
    Its status becomes ``replaced`` (its conclusions are void); an expert's seat goes to the
    first of its line's reserves that is still eligible, or to a fresh draw (a new commitment);
    a representative's to another of the tenderer's staff."""
    details = _text(details, "reason_required", "须说明更换理由", "A replacement needs its reason")
    with uow:
        committee, tender = _committee_for(uow, ctx, committee_id, for_update=True)
        authorize(ctx.actor, Action.COMMITTEE_MANAGE, tender)
        if committee.status is CommitteeStatus.DISSOLVED:
            raise Conflict("committee_dissolved", "评标委员会已解散", "The committee has been dissolved")
        member = committee.member(member_id)
        if member is None:
            raise not_found("member", member_id)
        if member.status is not MemberStatus.ACTIVE:
            raise Conflict("member_not_active", "只能更换在任成员", "Only an active member can be replaced")
        if any(d.status is DrawStatus.COMMITTED for d in uow.draws.for_committee(committee.id)):
            raise Conflict(
                "draw_pending", "尚有待完成的补充抽取", "A replacement draw is still waiting to be performed"
            )
        now = ctx.clock.now()
        member.status, member.replaced_at = MemberStatus.REPLACED, now
        member.replaced_reason, member.replaced_details = str(reason), details
        uow.emit(
            event_from(
                ctx,
                "MemberReplaced",
                "committee",
                committee.id,
                public=False,
                member_id=member.id,
                seat=member.seat,
                kind=str(member.kind),
                reason=str(reason),
            )
        )
        successor: CommitteeMember | None = None
        fresh: Draw | None = None
        if member.kind is MemberKind.REPRESENTATIVE:
            successor = _new_representative(uow, ctx, committee, tender, member, representative_user_id, now)
        else:
            successor = _promote_reserve(uow, ctx, committee, tender, member, now)
            if successor is None:
                fresh = _replacement_draw(uow, ctx, committee, tender, member, now)
        uow.commit()
    return Replacement(committee, member, successor, fresh)


def _new_representative(
    uow: ExpertsUnitOfWork,
    ctx: Context,
    committee: Committee,
    tender: Tender,
    member: CommitteeMember,
    user_id: str | None,
    now: datetime,
) -> CommitteeMember:
    user = uow.users.get(user_id) if user_id else None
    if user is None or user.role is not Role.TENDERER or user.org_id != tender.tenderer_org_id or not user.active:
        raise DomainError(
            "representative_not_tenderer_staff",
            "招标人代表须为招标人单位的在职用户",
            "A representative must be an active user of the tenderer's organisation",
            user_id=user_id,
        )
    if any(m.user_id == user.id for m in committee.members):
        raise Conflict("already_member", "该用户已是本委员会成员", "The user is already on this committee")
    successor = CommitteeMember(
        id=new_id("mbr", now),
        committee_id=committee.id,
        seat=member.seat,
        kind=MemberKind.REPRESENTATIVE,
        user_id=user.id,
        expert_id=None,
        name=user.display_name,
        specialty=None,
        home_pool=None,
        status=MemberStatus.ACTIVE,
        joined_at=now,
    )
    committee.members.append(successor)
    member.replaced_by = successor.id
    uow.emit(
        event_from(
            ctx,
            "RepresentativeAppointed",
            "committee",
            committee.id,
            public=False,
            member_id=successor.id,
            seat=member.seat,
        )
    )
    return successor


def _promote_reserve(
    uow: ExpertsUnitOfWork, ctx: Context, committee: Committee, tender: Tender, member: CommitteeMember, now: datetime
) -> CommitteeMember | None:
    reserves = committee.reserves(member.line)
    if not reserves:
        return None
    draw = uow.draws.get(reserves[0].draw_id or "")
    assert draw is not None
    context = draw_context(uow, ctx, tender, committee.section_id, draw, None)
    verdicts = decider(uow, context)([r.expert_id for r in reserves if r.expert_id])
    for reserve in reserves:
        why = list(verdicts.get(reserve.expert_id or "", ()))
        if why:
            uow.emit(
                event_from(
                    ctx,
                    "ReserveSkipped",
                    "committee",
                    committee.id,
                    public=False,
                    member_id=reserve.id,
                    reasons=why,
                )
            )
            continue
        reserve.status, reserve.seat, reserve.joined_at = MemberStatus.ACTIVE, member.seat, now
        member.replaced_by = reserve.id
        uow.emit(
            event_from(
                ctx,
                "ReservePromoted",
                "committee",
                committee.id,
                public=False,
                member_id=reserve.id,
                seat=member.seat,
                reserve_rank=reserve.reserve_rank,
            )
        )
        return reserve
    return None


def _replacement_draw(
    uow: ExpertsUnitOfWork, ctx: Context, committee: Committee, tender: Tender, member: CommitteeMember, now: datetime
) -> Draw:
    # The committee's own draw holds the line (a member drawn as a replacement keeps its line number).
    original = uow.draws.get(committee.request_id or "")
    assert original is not None
    requirement = original.lines[(member.line or 1) - 1]
    draw = Draw(
        id=new_id("drw", now),
        tender_id=committee.tender_id,
        section_id=committee.section_id,
        purpose=DrawPurpose.REPLACEMENT,
        requirements=[Requirement(requirement.specialty, 1, 0, requirement.remote).as_json()],
        local_pool=original.local_pool,
        remote_pools=list(original.remote_pools),
        representatives=[],
        size=committee.size,
        evaluation_hours=committee.evaluation_hours,
        main_venue_id=original.main_venue_id,
        secondary_venue_ids=list(original.secondary_venue_ids),
        starts_at=original.starts_at,
        requested_at=now,
        requested_by=ctx.actor.user_id,
        seed="",
        seed_sha256="",
        request_document={},
        request_sha256="",
        candidates_sha256="",
        candidates_count=0,
        await_contribution=original.await_contribution,
        committee_id=committee.id,
        replaced_member_id=member.id,
    )
    draw.request_document = _request_document(
        draw, ctx.rules, original.request_document.get("supervising_department", {})
    )
    return _commit_draw(uow, ctx, draw, tender, committee)


def request_extension(
    uow: ExpertsUnitOfWork, ctx: Context, committee_id: str, hours: int, reason: str
) -> tuple[ExtensionRequest, Committee]:
    """A member finds the time too short. When more than one third of the members have asked
    (条例 第四十八条), the evaluation is extended by the longest time asked for."""
    reason = _reason(reason)
    limit = ctx.rules["evaluation_max_hours"]
    if not 1 <= hours <= ctx.rules.count(limit.key):
        raise RuleViolation(
            "evaluation_hours_invalid",
            f"延长时长须在 1 至 {limit.value} 小时之间",
            f"An extension is between 1 and {limit.value} hours",
            rule=limit.key,
        )
    with uow:
        committee, _tender = _committee_for(uow, ctx, committee_id, for_update=True)
        authorize(ctx.actor, Action.COMMITTEE_SIT, committee)
        assert ctx.actor.user_id is not None
        member = committee.member_of(ctx.actor.user_id)
        assert member is not None
        if committee.status is not CommitteeStatus.SITTING or committee.evaluation_due is None:
            raise Conflict("committee_not_sitting", "评标尚未开始或已结束", "The committee is not sitting")
        active_ids = {m.id for m in committee.active_members()}
        open_requests = [
            r for r in committee.extension_requests if r.status is ExtensionStatus.OPEN and r.member_id in active_ids
        ]
        if any(r.member_id == member.id for r in open_requests):
            raise Conflict(
                "extension_already_requested", "您已提出延长评标时间的请求", "You have already asked for more time"
            )
        now = ctx.clock.now()
        request = ExtensionRequest(new_id("ext", now), committee.id, member.id, hours, reason, now)
        committee.extension_requests.append(request)
        open_requests.append(request)
        uow.emit(
            event_from(
                ctx,
                "ExtensionRequested",
                "committee",
                committee.id,
                public=False,
                member_id=member.id,
                hours=hours,
            )
        )
        if extension_due(ctx.rules, len(active_ids), len(open_requests)):
            extend = max(r.hours for r in open_requests)
            old = committee.evaluation_due
            committee.evaluation_due = old + timedelta(hours=extend)
            for r in open_requests:
                r.status, r.granted_at = ExtensionStatus.GRANTED, now
            uow.emit(
                event_from(
                    ctx,
                    "EvaluationExtended",
                    "committee",
                    committee.id,
                    public=True,
                    old=old.isoformat(),
                    new=committee.evaluation_due.isoformat(),
                    requests=len(open_requests),
                    members=len(active_ids),
                    rule="committee_extension_fraction",
                )
            )
        uow.commit()
    return request, committee


def dissolve(uow: ExpertsUnitOfWork, ctx: Context, committee_id: str) -> Committee:
    """The report is signed: the committee is dissolved (its record stays)."""
    with uow:
        committee = dissolve_within(uow, ctx, committee_id)
        uow.commit()
    return committee


def dissolve_within(uow: ExpertsUnitOfWork, ctx: Context, committee_id: str) -> Committee:
    """:func:`dissolve` inside the caller's transaction, which the caller commits: the
    candidates' publication dissolves the committee in the same transaction, so neither
    happens without the other."""
    committee, tender = _committee_for(uow, ctx, committee_id, for_update=True)
    authorize(ctx.actor, Action.COMMITTEE_MANAGE, tender)
    if committee.status is not CommitteeStatus.SITTING:
        raise Conflict("committee_not_sitting", "评标尚未开始或已结束", "The committee is not sitting")
    now = ctx.clock.now()
    for draw in uow.draws.for_committee(committee.id):
        if draw.status is DrawStatus.COMMITTED:
            draw.status, draw.cancelled_at = DrawStatus.CANCELLED, now
    committee.status, committee.dissolved_at = CommitteeStatus.DISSOLVED, now
    uow.emit(
        event_from(
            ctx,
            "CommitteeDissolved",
            "committee",
            committee.id,
            public=True,
            tender_id=committee.tender_id,
            section_id=committee.section_id,
        )
    )
    return committee


# ---------------------------------------------------------------------------- verification
def draw_record(uow: ExpertsUnitOfWork, ctx: Context, committee_id: str) -> dict[str, Any]:
    """Everything needed to re-run the committee's draws (``sunbid-draw-record/1``), with the
    ledger entries that committed them. Available once the seeds are revealed."""
    with uow:
        committee, tender = _committee_for_record(uow, ctx, committee_id)
        draws = [d for d in uow.draws.for_committee(committee.id) if d.status is DrawStatus.DRAWN]
        if not draws or any(d.revealed_at is None for d in draws):
            raise Conflict(
                "draw_not_revealed", "评标开始前不公开抽取种子", "The seed is revealed when the evaluation starts"
            )
        positions = uow.ledger_positions([d.id for d in draws])
        out = []
        for draw in sorted(draws, key=lambda d: d.requested_at):
            seq = positions.get(draw.id)
            out.append(
                {
                    "algorithm": drawing.ALGORITHM,
                    "draw_id": draw.id,
                    "purpose": str(draw.purpose),
                    "request": draw.request_document,
                    "candidates": _load_candidates(uow, draw),
                    "seed": draw.seed,
                    "contribution": draw.contribution,
                    "contribution_sha256": drawing.sha256_hex(bytes.fromhex(draw.contribution))
                    if draw.contribution
                    else None,
                    "committed": {
                        "seed_sha256": draw.seed_sha256,
                        "request_sha256": draw.request_sha256,
                        "candidates_sha256": draw.candidates_sha256,
                    },
                    "walk": draw.walk,
                    "result_sha256": draw.result_sha256,
                    "ledger": {"seq": seq, "entry": uow.ledger_entry(seq) if seq is not None else None},
                }
            )
        return {
            "format": drawing.RECORD_FORMAT,
            "committee_id": committee.id,
            "tender_id": tender.id,
            "section_id": committee.section_id,
            "draws": out,
        }


def _committee_for_record(uow: ExpertsUnitOfWork, ctx: Context, committee_id: str) -> tuple[Committee, Tender]:
    committee = uow.committees.get(committee_id)
    tender = uow.tenders.get(committee.tender_id) if committee is not None else None
    if committee is None or tender is None:
        raise not_found("committee", committee_id)
    if not allowed(ctx.actor, Action.DRAW_RECORD_READ, (tender, committee)):
        if not allowed(ctx.actor, Action.COMMITTEE_READ, (tender, committee)):
            raise not_found("committee", committee_id)
        authorize(ctx.actor, Action.DRAW_RECORD_READ, (tender, committee))
    return committee, tender


def check_record(record: Mapping[str, Any]) -> drawing.Verification:
    """Re-run a record and check each draw's commitment against the ledger entry it quotes."""
    result = drawing.verify(record)
    for n, draw in enumerate(record.get("draws") or [], start=1):
        ledger = draw.get("ledger") or {}
        entry = ledger.get("entry")
        if not entry:
            result.problems.append(f"draw {n}: the record quotes no ledger entry")
            continue
        body = json.loads(entry)
        data = body.get("data", {})
        committed = draw.get("committed", {})
        if body.get("name") != "DrawCommitted" or body.get("subject_id") != draw.get("draw_id"):
            result.problems.append(f"draw {n}: the quoted ledger entry is not the draw's commitment")
        elif any(data.get(k) != committed.get(k) for k in ("seed_sha256", "request_sha256", "candidates_sha256")):
            result.problems.append(f"draw {n}: the committed digests differ from those in the ledger")
    result.ok = not result.problems
    return result


def verify_committee(uow: ExpertsUnitOfWork, ctx: Context, committee_id: str) -> drawing.Verification:
    """Re-run the committee's draws from the revealed data, check them against the ledger, and
    check that the committee's experts are exactly the ones the draws chose."""
    record = draw_record(uow, ctx, committee_id)
    result = check_record(record)
    with uow:
        committee = uow.committees.get(committee_id)
        assert committee is not None
        ledger_ok = all(
            uow.ledger_entry(int(d["ledger"]["seq"])) == d["ledger"]["entry"]
            for d in record["draws"]
            if d["ledger"]["seq"] is not None
        )
    if not ledger_ok:
        result.problems.append("a quoted ledger entry is not the entry in the ledger")
    drawn = sorted(result.members)
    held = sorted(m.expert_id for m in committee.members if m.expert_id)
    if drawn != held:
        result.problems.append("the committee's experts are not the ones the draws chose")
    result.ok = not result.problems
    return result


# ---------------------------------------------------------------------------- accountability
def rate_expert(
    uow: ExpertsUnitOfWork, ctx: Context, committee_id: str, member_id: str, score: int, comment: str
) -> Rating:
    """一标一评 (M19): after the evaluation, the tenderer (or its agency) and the supervisor each
    rate every expert who sat; ratings are kept for good."""
    top = ctx.rules["expert_rating_max_score"]
    if not 0 <= score <= ctx.rules.count(top.key):
        raise RuleViolation(
            "rating_score_invalid",
            f"评价分值须在 0 至 {top.value} 之间",
            f"A rating is between 0 and {top.value}",
            rule=top.key,
        )
    with uow:
        committee, tender = _committee_for(uow, ctx, committee_id)
        authorize(ctx.actor, Action.EXPERT_RATE, tender)
        if committee.status is not CommitteeStatus.DISSOLVED:
            raise Conflict(
                "evaluation_not_finished", "评标结束后方可对专家进行评价", "Experts are rated after the evaluation"
            )
        member = committee.member(member_id)
        if member is None or member.kind is not MemberKind.EXPERT or member.status is MemberStatus.RESERVE:
            raise not_found("member", member_id)
        assert member.expert_id is not None
        expert = uow.experts.get(member.expert_id, for_update=True)
        assert expert is not None
        rater = RaterKind.SUPERVISOR if ctx.actor.role is Role.SUPERVISOR else RaterKind.TENDERER
        if any(r.committee_id == committee.id and r.rater is rater for r in expert.ratings):
            raise Conflict(
                "already_rated", "已对该专家在本次评标中作出评价", "This expert has been rated for this evaluation"
            )
        assert ctx.actor.user_id is not None
        rating = Rating(
            new_id("rat", ctx.clock.now()),
            expert.id,
            committee.id,
            tender.id,
            rater,
            ctx.actor.user_id,
            score,
            comment.strip(),
            ctx.clock.now(),
        )
        expert.ratings.append(rating)
        uow.emit(
            event_from(
                ctx,
                "ExpertRated",
                "expert",
                expert.id,
                public=False,
                committee_id=committee.id,
                rater=str(rater),
                score=score,
            )
        )
        uow.commit()
    return rating


def record_deviation(
    uow: ExpertsUnitOfWork, ctx: Context, member: CommitteeMember, details: Mapping[str, Any]
) -> DeviationFlag:
    """Inside an open unit of work: flag ``member``'s scores as deviating from the committee's and
    keep the flag on the expert's record for good (the evaluation room calls it)."""
    if not details:
        raise DomainError("deviation_details_required", "须说明偏离情况", "A deviation flag needs its details")
    try:  # plain JSON, scores as strings (never floating point): refused here, not half-way through the write
        refuse_floats(dict(details))
        canonicalize(dict(details))
    except (TypeError, DomainError) as exc:
        raise DomainError(
            "deviation_details_invalid",
            "偏离情况须为 JSON 对象，分值等数值以字符串记录",
            "Deviation details are a JSON object with scores and other numbers as strings",
        ) from exc
    committee = uow.committees.get(member.committee_id)
    if committee is None:
        raise not_found("committee", member.committee_id)
    tender = uow.tenders.get(committee.tender_id)
    assert tender is not None
    authorize(ctx.actor, Action.EXPERT_FLAG, tender)
    if member.kind is not MemberKind.EXPERT or member.expert_id is None:
        raise DomainError(
            "member_not_expert",
            "只有评标专家的评分偏离才记入专家记录",
            "Only an expert's deviation goes on an expert's record",
        )
    expert = uow.experts.get(member.expert_id, for_update=True)
    assert expert is not None
    now = ctx.clock.now()
    flag = DeviationFlag(
        new_id("dev", now), expert.id, committee.id, member.id, tender.id, dict(details), now, ctx.actor.user_id
    )
    expert.flags.append(flag)
    uow.emit(
        event_from(
            ctx,
            "ExpertDeviationFlagged",
            "expert",
            expert.id,
            public=False,
            committee_id=committee.id,
            member_id=member.id,
            details_sha256=drawing.digest(dict(details)),
        )
    )
    return flag


def flag_deviation(
    uow: ExpertsUnitOfWork, ctx: Context, member: CommitteeMember, details: Mapping[str, Any]
) -> DeviationFlag:
    """The evaluation room's call: an expert's scores deviate from the committee's (M19)."""
    with uow:
        flag = record_deviation(uow, ctx, member, details)
        uow.commit()
    return flag
