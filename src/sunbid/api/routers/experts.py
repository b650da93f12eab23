"""The expert pool (M7, M19), blind drawing (盲抽), committees, venues and ratings.

Before the evaluation starts, nobody but supervisors, auditors and the drawn people themselves
learns who was drawn: the tender's managers see the committee's seats without names, and
bidders and the public do not see the committee at all (法 第三十七条).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.routers.organisations import Cursor, Limit
from sunbid.api.schemas import PageOut, ReasonIn
from sunbid.api.schemas_experts import (
    CheckInIn,
    CheckInOut,
    CommitteeOut,
    CommitteeRequestIn,
    ContributionIn,
    DeclarationIn,
    DeclarationOut,
    DrawOut,
    ExpertIn,
    ExpertOut,
    ExpertSummaryOut,
    ExtensionIn,
    ExtensionOut,
    LinkIn,
    MemberOut,
    NewExpertIn,
    RatingIn,
    RatingOut,
    RecordingOut,
    ReplaceIn,
    ReplacementOut,
    SanctionIn,
    SanctionOut,
    SeatOut,
    SittingOut,
    VenueIn,
    VenueOut,
    VerificationOut,
)
from sunbid.experts import service as experts
from sunbid.experts.model import (
    Committee,
    CommitteeMember,
    Draw,
    Expert,
    ExpertFields,
    ExpertStatus,
    MemberStatus,
    RecordingKind,
    Requirement,
)
from sunbid.identity.policy import Action, allowed
from sunbid.kernel.context import Context
from sunbid.kernel.errors import DomainError
from sunbid.kernel.query import decode_cursor
from sunbid.tendering.model import Tender

router = APIRouter(tags=["experts"])


# ---------------------------------------------------------------------------- views
def expert_out(expert: Expert) -> ExpertOut:
    data = {
        name: getattr(expert, name)
        for name in ExpertOut.model_fields
        if name not in ("specialties", "employments", "declarations", "sanctions", "ratings", "flags")
    }
    return ExpertOut.model_validate(
        data
        | {
            "specialties": expert.specialty_codes,
            "employments": expert.employments,
            "declarations": expert.declarations,
            "sanctions": expert.sanctions,
            "ratings": expert.ratings,
            "flags": expert.flags,
        },
        from_attributes=True,
    )


def _summary(expert: Expert) -> ExpertSummaryOut:
    return ExpertSummaryOut(
        id=expert.id,
        name=expert.name,
        specialties=expert.specialty_codes,
        title_level=expert.title_level,
        home_pool=expert.home_pool,
        region=expert.region,
        status=expert.status,
    )


def draw_out(ctx: Context, draw: Draw) -> DrawOut:
    out = DrawOut.model_validate(draw)
    out.seed = draw.seed if draw.revealed_at is not None else None
    out.walk = draw.walk if allowed(ctx.actor, Action.DRAW_AUDIT) or draw.revealed_at is not None else None
    return out


def _member_out(member: CommitteeMember, shown: bool) -> MemberOut:
    base = MemberOut(
        id=member.id,
        seat=member.seat,
        kind=member.kind,
        status=member.status,
        checked_in=member.checked_in_at is not None,
    )
    if not shown:
        return base
    return base.model_copy(
        update={
            name: getattr(member, name)
            for name in MemberOut.model_fields
            if name not in ("id", "seat", "kind", "status", "checked_in")
        }
    )


def committee_out(ctx: Context, committee: Committee, tender: Tender) -> CommitteeOut:
    """The committee as the caller may see it: names only where the policy reveals them, and
    one's own seat always."""
    revealed = allowed(ctx.actor, Action.COMMITTEE_MEMBERS_READ, (tender, committee))
    members = [
        _member_out(m, revealed or (ctx.actor.user_id is not None and m.user_id == ctx.actor.user_id))
        for m in committee.members
        if revealed or m.status is not MemberStatus.RESERVE or m.user_id == ctx.actor.user_id
    ]
    return CommitteeOut(
        id=committee.id,
        tender_id=committee.tender_id,
        section_id=committee.section_id,
        status=committee.status,
        size=committee.size,
        created_at=committee.created_at,
        started_at=committee.started_at,
        evaluation_due=committee.evaluation_due,
        dissolved_at=committee.dissolved_at,
        revealed=revealed,
        sittings=[SittingOut.model_validate(s) for s in committee.sittings],
        members=members,
    )


# ---------------------------------------------------------------------------- the pool
def _fields(body: ExpertIn) -> tuple[ExpertFields, list[experts.EmploymentFields]]:
    fields = ExpertFields(
        name=body.name,
        specialties=tuple(body.specialties),
        title_level=body.title_level,
        practice_since=body.practice_since,
        birth_date=body.birth_date,
        region=body.region,
        home_pool=body.home_pool,
        title_basis=body.title_basis,
    )
    jobs = [experts.EmploymentFields(**e.model_dump()) for e in body.employments]
    return fields, jobs


@router.post("/experts", response_model=ExpertOut, status_code=201)
def register_expert(body: NewExpertIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """入库: register an expert who meets the entry conditions (8 years, a senior title, the age
    limit; 法 第三十七条 and the rule table). Supervisors manage the pool; administrators may too."""
    fields, jobs = _fields(body)
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: expert_out(experts.register_expert(uow, ctx, fields, jobs, body.user_id)),
    )


@router.get("/experts", response_model=PageOut[ExpertSummaryOut])
def list_experts(
    ctx: Ctx,
    uow: Uow,
    cursor: Cursor = None,
    limit: Limit = 50,
    status: Annotated[ExpertStatus | None, Query()] = None,
    pool: Annotated[str | None, Query(max_length=200)] = None,
) -> PageOut[ExpertSummaryOut]:
    items, next_cursor = experts.list_experts(
        uow, ctx, after=decode_cursor(cursor), limit=limit, status=status, pool=pool
    )
    return PageOut[ExpertSummaryOut](items=[_summary(e) for e in items], next_cursor=next_cursor)


@router.get("/experts/me", response_model=ExpertOut)
def my_record(ctx: Ctx, uow: Uow) -> ExpertOut:
    """The logged-in expert's own record."""
    return expert_out(experts.my_expert(uow, ctx))


@router.get("/experts/me/seats", response_model=list[SeatOut])
def my_seats(ctx: Ctx, uow: Uow) -> list[SeatOut]:
    """Where the logged-in user sits: the tender, the section, the venue and the time of each seat
    or reserve place it holds (and nothing about the other members)."""
    return [
        SeatOut(
            committee_id=s.committee.id,
            member_id=s.member.id,
            seat=s.member.seat,
            status=s.member.status,
            tender_id=s.committee.tender_id,
            tender_code=s.tender_code,
            tender_title=s.tender_title,
            section_id=s.committee.section_id,
            section_name=s.section_name,
            committee_status=s.committee.status,
            sittings=[SittingOut.model_validate(x) for x in s.committee.sittings],
            venues=[VenueOut.model_validate(v) for v in s.venues],
        )
        for s in experts.my_seats(uow, ctx)
    ]


@router.post("/experts/me/declarations", response_model=DeclarationOut, status_code=201)
def declare(body: DeclarationIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """An expert declares a close relative at, or an economic interest in, an organisation, or
    earlier work on a plan or tender (评标规定 第十二条)."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: DeclarationOut.model_validate(
            experts.declare(uow, ctx, experts.DeclarationFields(**body.model_dump()))
        ),
    )


@router.post("/experts/me/declarations/{declaration_id}/end", response_model=DeclarationOut)
def end_declaration(declaration_id: str, ctx: Ctx, uow: Uow) -> DeclarationOut:
    """The declared fact no longer holds; the declaration is kept."""
    return DeclarationOut.model_validate(experts.end_declaration(uow, ctx, declaration_id))


@router.get("/experts/{expert_id}", response_model=ExpertOut)
def get_expert(expert_id: str, ctx: Ctx, uow: Uow) -> ExpertOut:
    """An expert's record, ratings and deviation flags: pool managers, auditors and the expert."""
    return expert_out(experts.get_expert(uow, ctx, expert_id))


@router.put("/experts/{expert_id}", response_model=ExpertOut)
def update_expert(expert_id: str, body: ExpertIn, ctx: Ctx, uow: Uow) -> ExpertOut:
    fields, jobs = _fields(body)
    return expert_out(experts.update_expert(uow, ctx, expert_id, fields, jobs))


@router.post("/experts/{expert_id}/link", response_model=ExpertOut)
def link_user(expert_id: str, body: LinkIn, ctx: Ctx, uow: Uow) -> ExpertOut:
    """Link the platform user (role expert) the expert logs in as."""
    return expert_out(experts.link_user(uow, ctx, expert_id, body.user_id))


@router.post("/experts/{expert_id}/suspend", response_model=ExpertOut)
def suspend(expert_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> ExpertOut:
    return expert_out(experts.suspend_expert(uow, ctx, expert_id, body.reason))


@router.post("/experts/{expert_id}/reinstate", response_model=ExpertOut)
def reinstate(expert_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> ExpertOut:
    return expert_out(experts.reinstate_expert(uow, ctx, expert_id, body.reason))


@router.post("/experts/{expert_id}/exit", response_model=ExpertOut)
def exit_pool(expert_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> ExpertOut:
    """清退出库, by the supervisor with a reason (M19)."""
    return expert_out(experts.exit_pool(uow, ctx, expert_id, body.reason))


@router.post("/experts/{expert_id}/sanctions", response_model=SanctionOut, status_code=201)
def record_sanction(
    expert_id: str, body: SanctionIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """A sanction for misconduct in tendering: the expert is no longer drawn (评标规定 第十二条（四））."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: SanctionOut.model_validate(
            experts.record_sanction(uow, ctx, expert_id, experts.SanctionFields(**body.model_dump()))
        ),
    )


@router.post("/experts/{expert_id}/sanctions/{sanction_id}/clear", response_model=SanctionOut)
def clear_sanction(expert_id: str, sanction_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> SanctionOut:
    """The sanction's decision was revoked (review or court)."""
    return SanctionOut.model_validate(experts.clear_sanction(uow, ctx, expert_id, sanction_id, body.reason))


# ---------------------------------------------------------------------------- draws
@router.post("/tenders/{tender_id}/sections/{section_id}/committee-requests", response_model=DrawOut, status_code=201)
def request_committee(
    tender_id: str, section_id: str, body: CommitteeRequestIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """Ask for a section's committee after the bid deadline. The draw is committed at once: the
    digests of a secret seed, of the request and of the candidate list go to the ledger."""
    fields = experts.CommitteeRequestFields(
        size=body.size,
        requirements=tuple(Requirement(r.specialty, r.seats, r.reserves, r.remote) for r in body.requirements),
        local_pool=body.local_pool,
        main_venue_id=body.main_venue_id,
        starts_at=body.starts_at,
        evaluation_hours=body.evaluation_hours,
        representatives=tuple(body.representatives),
        remote_pools=tuple(body.remote_pools),
        secondary_venue_ids=tuple(body.secondary_venue_ids),
        await_contribution=body.await_contribution,
        supervising_department_credit_code=body.supervising_department_credit_code,
    )
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: draw_out(ctx, experts.request_committee(uow, ctx, tender_id, section_id, fields)),
    )


@router.get("/tenders/{tender_id}/draws", response_model=list[DrawOut])
def list_draws(tender_id: str, ctx: Ctx, uow: Uow) -> list[DrawOut]:
    """The tender's draws: its managers and oversight (the walk, who was drawn, to oversight only)."""
    return [draw_out(ctx, d) for d in experts.draws_of_tender(uow, ctx, tender_id)]


@router.get("/draws/{draw_id}", response_model=DrawOut)
def get_draw(draw_id: str, ctx: Ctx, uow: Uow) -> DrawOut:
    return draw_out(ctx, experts.get_draw(uow, ctx, draw_id))


@router.post("/draws/{draw_id}/contribution", response_model=DrawOut)
def contribute(draw_id: str, body: ContributionIn, ctx: Ctx, uow: Uow) -> DrawOut:
    """A supervisor's random bytes, posted after the commitment and mixed into the seed."""
    return draw_out(ctx, experts.contribute(uow, ctx, draw_id, bytes.fromhex(body.contribution)))


@router.post("/draws/{draw_id}/perform", response_model=CommitteeOut)
def perform(draw_id: str, ctx: Ctx, uow: Uow, p: Plat) -> CommitteeOut:
    """盲抽: perform the committed draw. The answer shows the seats, not who holds them."""
    committee = experts.perform_draw(uow, ctx, draw_id)
    fresh, tender = experts.get_committee(p.uow(), ctx, committee.id)
    return committee_out(ctx, fresh, tender)


@router.post("/draws/{draw_id}/cancel", response_model=DrawOut)
def cancel(draw_id: str, body: ReasonIn, ctx: Ctx, uow: Uow) -> DrawOut:
    return draw_out(ctx, experts.cancel_draw(uow, ctx, draw_id, body.reason))


# ---------------------------------------------------------------------------- committees
@router.get("/tenders/{tender_id}/committees", response_model=list[CommitteeOut])
def list_committees(tender_id: str, ctx: Ctx, uow: Uow) -> list[CommitteeOut]:
    """The tender's committees: its managers, oversight and the people drawn; nobody else."""
    tender, found = experts.committees_of_tender(uow, ctx, tender_id)
    return [committee_out(ctx, c, tender) for c in found]


@router.get("/committees/{committee_id}", response_model=CommitteeOut)
def get_committee(committee_id: str, ctx: Ctx, uow: Uow) -> CommitteeOut:
    """A committee: its managers see the seats before the start, the names after it; supervisors
    and auditors see everything; a member sees its own seat; bidders and the public nothing."""
    committee, tender = experts.get_committee(uow, ctx, committee_id)
    return committee_out(ctx, committee, tender)


@router.post("/committees/{committee_id}/check-in", response_model=CheckInOut)
def check_in(committee_id: str, body: CheckInIn, ctx: Ctx, uow: Uow) -> CheckInOut:
    """签到 at the member's venue: the time, the venue and the network address go to the ledger."""
    return CheckInOut.model_validate(experts.check_in(uow, ctx, committee_id, body.venue_id))


@router.post("/committees/{committee_id}/start", response_model=CommitteeOut)
def start(committee_id: str, ctx: Ctx, uow: Uow, p: Plat) -> CommitteeOut:
    """Start the evaluation once every member has checked in: the seeds are revealed."""
    experts.start_evaluation(uow, ctx, committee_id)
    committee, tender = experts.get_committee(p.uow(), ctx, committee_id)
    return committee_out(ctx, committee, tender)


@router.post("/committees/{committee_id}/extension-requests", response_model=ExtensionOut, status_code=201)
def request_extension(
    committee_id: str, body: ExtensionIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """A member asks for more time; more than a third asking extends it (条例 第四十八条)."""

    def create() -> ExtensionOut:
        made, committee = experts.request_extension(uow, ctx, committee_id, body.hours, body.reason)
        return ExtensionOut(
            id=made.id,
            hours=made.hours,
            status=made.status,
            requested_at=made.requested_at,
            evaluation_due=committee.evaluation_due,
        )

    return idempotency.created(p, ctx, idem, request, create)


@router.post("/committees/{committee_id}/members/{member_id}/replace", response_model=ReplacementOut)
def replace(committee_id: str, member_id: str, body: ReplaceIn, ctx: Ctx, uow: Uow) -> ReplacementOut:
    """更换 a member (条例 第四十八条): from the reserves, or by a fresh committed draw."""
    done = experts.replace_member(
        uow,
        ctx,
        committee_id,
        member_id,
        body.reason,
        body.details,
        representative_user_id=body.representative_user_id,
    )
    return ReplacementOut(
        replaced_member_id=done.replaced.id,
        successor_member_id=done.successor.id if done.successor else None,
        draw=draw_out(ctx, done.draw) if done.draw else None,
    )


@router.get("/committees/{committee_id}/draw-record")
def draw_record(committee_id: str, ctx: Ctx, uow: Uow) -> dict[str, Any]:
    """Everything needed to re-run the committee's draws (`sunbid-draw-record/1`): the request,
    the candidate list, the revealed seed, the contribution and the walk, with the ledger entry
    that committed each. Check it with `sunbid experts verify-draw`."""
    return experts.draw_record(uow, ctx, committee_id)


@router.get("/committees/{committee_id}/verification", response_model=VerificationOut)
def verify(committee_id: str, ctx: Ctx, uow: Uow) -> VerificationOut:
    """The platform re-runs the committee's draws and checks them against the ledger."""
    result = experts.verify_committee(uow, ctx, committee_id)
    return VerificationOut(ok=result.ok, problems=result.problems, draws=result.draws, members=result.members)


@router.post("/committees/{committee_id}/members/{member_id}/ratings", response_model=RatingOut, status_code=201)
def rate(
    committee_id: str, member_id: str, body: RatingIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem
) -> object:
    """一标一评: the tenderer (or its agency) and the supervisor rate each expert after the evaluation."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: RatingOut.model_validate(
            experts.rate_expert(uow, ctx, committee_id, member_id, body.score, body.comment)
        ),
    )


# ---------------------------------------------------------------------------- venues
@router.post("/venues", response_model=VenueOut, status_code=201)
def register_venue(body: VenueIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """An evaluation room of the trading centre."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: VenueOut.model_validate(experts.register_venue(uow, ctx, experts.VenueFields(**body.model_dump()))),
    )


@router.get("/venues", response_model=list[VenueOut])
def list_venues(ctx: Ctx, uow: Uow) -> list[VenueOut]:
    return [VenueOut.model_validate(v) for v in experts.list_venues(uow, ctx)]


@router.post(
    "/venues/{venue_id}/recordings",
    response_model=RecordingOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def anchor_recording(
    venue_id: str,
    request: Request,
    ctx: Ctx,
    p: Plat,
    idem: Idem,
    kind: Annotated[RecordingKind, Query()],
    filename: Annotated[str, Query(min_length=1, max_length=255)],
    recorded_from: Annotated[datetime, Query()],
    recorded_to: Annotated[datetime, Query()],
    committee_id: Annotated[str | None, Query(max_length=40)] = None,
) -> object:
    """An audio or video file of the venue as the raw body, streamed into the blob store; its
    SHA-256 is anchored in the ledger."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/octet-stream":
        raise DomainError(
            "content_type_octet_stream",
            "请以 application/octet-stream 上传文件原始内容",
            "Upload the file's bytes with Content-Type: application/octet-stream",
        )
    for moment in (recorded_from, recorded_to):
        if moment.tzinfo is None:
            raise DomainError("time_zone_required", "时间须带时区", "Times must carry a time zone")
    await run_in_threadpool(experts.prepare_recording, p.uow(), ctx, venue_id)
    blob = await p.blobs.put_stream(request.stream(), max_size=p.settings.max_upload_bytes)
    media_type = request.headers.get("x-document-media-type", "application/octet-stream")[:100]
    fields = experts.RecordingFields(kind, filename, media_type, recorded_from, recorded_to, committee_id)

    def create() -> RecordingOut:
        return RecordingOut.model_validate(experts.anchor_recording(p.uow(), ctx, venue_id, fields, blob))

    return await run_in_threadpool(idempotency.run, p, ctx, idem, "POST", request.url.path, 201, create)


@router.get("/venues/{venue_id}/recordings", response_model=list[RecordingOut])
def list_recordings(venue_id: str, ctx: Ctx, uow: Uow) -> list[RecordingOut]:
    return [RecordingOut.model_validate(r) for r in experts.recordings_of(uow, ctx, venue_id)]


@router.get("/recordings/{recording_id}/content", response_class=StreamingResponse)
def download_recording(recording_id: str, ctx: Ctx, uow: Uow, p: Plat) -> StreamingResponse:
    """The file's bytes; ``X-Content-SHA256`` carries the hash anchored in the ledger."""
    recording = experts.get_recording(uow, ctx, recording_id)
    return StreamingResponse(
        p.blobs.iter_chunks(recording.sha256),
        media_type=recording.media_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(recording.filename)}",
            "Content-Length": str(recording.size),
            "X-Content-SHA256": recording.sha256,
        },
    )
