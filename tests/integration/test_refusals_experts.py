"""Refusals of the expert pool, the draw and the committee that no other test names, each on the
real databases: the refusal carries its code and both messages and writes nothing, and the
corrected call goes through."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sunbid.bootstrap import Platform
from sunbid.experts import service as experts
from sunbid.experts.model import (
    CommitteeStatus,
    DeclarationKind,
    DrawStatus,
    MemberKind,
    RecordingKind,
    ReplacementReason,
    Requirement,
    SanctionKind,
)
from sunbid.kernel.clock import CHINA
from sunbid.kernel.context import Role
from tests.experts import LOCAL, Pool, expert_fields
from tests.factories import World
from tests.integration.snapshot import refused


def _today(world: World) -> date:
    return world.clock.now().astimezone(CHINA).date()


# ---------------------------------------------------------------------------- the pool
def test_employments_linked_users_exited_records_and_sanctions_are_checked(
    pool: Pool, world: World, platform: Platform
) -> None:
    sup = world.ctx("supervisor")
    today = _today(world)
    job = experts.EmploymentFields
    code = pool.org_code("B")

    # employment_dates_invalid: an employment that starts tomorrow, or ends before it starts.
    for bad in (
        job(code, "投标一", today + timedelta(days=1)),
        job(code, "投标一", date(2020, 1, 1), date(2019, 1, 1)),
    ):
        refused(
            platform,
            "employment_dates_invalid",
            lambda j=bad: experts.register_expert(world.uow(), sup, expert_fields("x"), (j,)),
        )
    made = experts.register_expert(
        world.uow(), sup, expert_fields("李工"), (job(code, "投标一", date(2020, 1, 1), today),)
    )
    assert [(e.started_on, e.ended_on) for e in made.employments] == [(date(2020, 1, 1), today)]

    # user_not_expert: only a user with the expert role is linked.
    tenderer = world.actors["tenderer"].user_id
    assert tenderer is not None
    refused(
        platform,
        "user_not_expert",
        lambda: experts.register_expert(world.uow(), sup, expert_fields("x"), (), tenderer),
    )
    refused(platform, "user_not_expert", lambda: experts.link_user(world.uow(), sup, made.id, tenderer))
    fresh = world.actors[pool.user()].user_id
    assert fresh is not None
    assert experts.link_user(world.uow(), sup, made.id, fresh).user_id == fresh

    # user_already_linked: a user is linked to one expert only (re-linking to the same one is fine).
    other = pool.expert()
    refused(
        platform,
        "user_already_linked",
        lambda: experts.register_expert(world.uow(), sup, expert_fields("x"), (), fresh),
    )
    refused(platform, "user_already_linked", lambda: experts.link_user(world.uow(), sup, other, fresh))
    assert experts.link_user(world.uow(), sup, made.id, fresh).user_id == fresh

    # expert_exited: the record of an expert who left the pool is closed.
    changed = expert_fields("李工", region="320500")
    assert experts.update_expert(world.uow(), sup, other, changed, ()).region == "320500"
    experts.exit_pool(world.uow(), sup, other, "多次无故缺席评标")
    refused(platform, "expert_exited", lambda: experts.update_expert(world.uow(), sup, other, changed, ()))

    # sanction_in_future, then sanction_cleared.
    def sanction(on: date) -> experts.SanctionFields:
        return experts.SanctionFields(SanctionKind.ADMINISTRATIVE, "南京市住建局", "宁建罚〔2026〕1号", on, "串通")

    refused(
        platform,
        "sanction_in_future",
        lambda: experts.record_sanction(world.uow(), sup, made.id, sanction(today + timedelta(days=1))),
    )
    recorded = experts.record_sanction(world.uow(), sup, made.id, sanction(today))
    cleared = experts.clear_sanction(world.uow(), sup, made.id, recorded.id, "行政复议撤销")
    assert cleared.cleared_at is not None
    refused(
        platform,
        "sanction_cleared",
        lambda: experts.clear_sanction(world.uow(), sup, made.id, recorded.id, "再次撤销"),
    )


def test_a_declaration_of_earlier_work_names_a_known_subject_and_ends_once(
    pool: Pool, world: World, platform: Platform
) -> None:
    expert_id = pool.expert()
    me = pool.as_expert(expert_id)
    work = DeclarationKind.EARLIER_WORK
    refused(
        platform,
        "declaration_subject_required",
        lambda: experts.declare(world.uow(), me, experts.DeclarationFields(work, "编制了招标文件")),
    )
    refused(
        platform,
        "declaration_subject_unknown",
        lambda: experts.declare(
            world.uow(), me, experts.DeclarationFields(work, "编制了招标文件", subject_id="tnd_" + "0" * 26)
        ),
    )
    tender_id = world.announced_tender()
    made = experts.declare(world.uow(), me, experts.DeclarationFields(work, "编制了招标文件", subject_id=tender_id))
    assert made.subject_id == tender_id
    assert experts.end_declaration(world.uow(), me, made.id).ended_at is not None
    refused(platform, "declaration_ended", lambda: experts.end_declaration(world.uow(), me, made.id))


# ---------------------------------------------------------------------------- venues and recordings
def test_venues_hold_someone_and_recordings_are_non_empty_and_of_the_committees_venue(
    pool: Pool, world: World, platform: Platform
) -> None:
    admin = world.ctx("admin")
    for capacity in (0, -3):
        refused(
            platform,
            "venue_capacity_invalid",
            lambda c=capacity: experts.register_venue(
                world.uow(), admin, experts.VenueFields("小评标室", "5 楼", "320100", c)
            ),
        )
    assert (
        experts.register_venue(world.uow(), admin, experts.VenueFields("小评标室", "5 楼", "320100", 1)).capacity == 1
    )

    tender_id = pool.opened()
    pool.many(6)
    committee = pool.drawn(tender_id)  # sits at pool.venue only
    start, end = world.clock.now() - timedelta(hours=1), world.clock.now()

    def fields(committee_id: str | None = None) -> experts.RecordingFields:
        return experts.RecordingFields(RecordingKind.AUDIO, "a.wav", "audio/wav", start, end, committee_id)

    empty = platform.blobs.put_file(io.BytesIO(b""))
    assert empty.size == 0
    refused(
        platform,
        "recording_empty",
        lambda: experts.anchor_recording(world.uow(), admin, pool.venue, fields(), empty),
    )
    audio = platform.blobs.put_file(io.BytesIO(b"RIFF" + bytes(range(256))))
    refused(
        platform,
        "venue_not_of_committee",
        lambda: experts.anchor_recording(world.uow(), admin, pool.second_venue, fields(committee.id), audio),
    )
    anchored = experts.anchor_recording(world.uow(), admin, pool.venue, fields(committee.id), audio)
    assert (anchored.venue_id, anchored.committee_id, anchored.sha256) == (pool.venue, committee.id, audio.sha256)


# ---------------------------------------------------------------------------- the request and the draw
def test_a_malformed_request_is_refused_before_anything_is_written(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    staff = world.actors["tenderer"].user_id
    assert staff is not None
    soon = world.clock.now() + timedelta(hours=2)
    for code, changes in (
        ("requirements_missing", {"requirements": ()}),
        ("requirement_counts_invalid", {"requirements": (Requirement("A01", 0, 1), Requirement("A02", 5, 1))}),
        ("requirement_counts_invalid", {"requirements": (Requirement("A01", 5, -1),)}),
        ("requirement_repeated", {"requirements": (Requirement("A01", 3, 1), Requirement("A01", 2, 1))}),
        (
            "representative_repeated",
            {"requirements": (Requirement("A01", 3, 1),), "representatives": (staff, staff)},
        ),
        ("local_pool_required", {"local_pool": "  "}),
        ("remote_pool_is_local", {"remote_pools": ("苏州市综合评标专家库", LOCAL)}),
        ("venues_repeated", {"secondary_venue_ids": (pool.venue,)}),
        ("venues_repeated", {"secondary_venue_ids": (pool.second_venue, pool.second_venue)}),
        ("sitting_in_past", {"starts_at": world.clock.now() - timedelta(minutes=1)}),
    ):
        refused(platform, code, lambda c=changes: pool.request(tender_id, **c))
    # The same request, well formed, is committed (a remote line and a secondary venue included).
    draw = pool.request(
        tender_id,
        requirements=(Requirement("A01", 5, 1),),
        remote_pools=("苏州市综合评标专家库",),
        secondary_venue_ids=(pool.second_venue,),
        starts_at=soon,
    )
    assert draw.status is DrawStatus.COMMITTED


def test_a_section_has_one_pending_draw_one_contribution_one_performance_and_one_committee(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    tenderer, supervisor = world.ctx("tenderer"), world.ctx("supervisor")
    draw = pool.request(tender_id, await_contribution=True)
    refused(platform, "draw_pending", lambda: pool.request(tender_id))

    experts.contribute(world.uow(), supervisor, draw.id, bytes(range(32)))
    refused(
        platform,
        "contribution_given",
        lambda: experts.contribute(world.uow(), supervisor, draw.id, bytes(range(1, 33))),
    )

    # candidates_damaged: the committed candidate list no longer matches its digest in the blob store.
    path = platform.blobs._path(draw.candidates_sha256)
    kept = path.read_bytes()
    path.write_bytes(kept.replace(b'"ids"', b'"IDS"'))
    try:
        refused(platform, "candidates_damaged", lambda: experts.perform_draw(world.uow(), tenderer, draw.id))
    finally:
        path.write_bytes(kept)
    committee = experts.perform_draw(world.uow(), tenderer, draw.id)
    assert committee.status is CommitteeStatus.DRAWN

    refused(platform, "draw_not_pending", lambda: experts.perform_draw(world.uow(), tenderer, draw.id))
    refused(
        platform,
        "draw_not_pending",
        lambda: experts.contribute(world.uow(), supervisor, draw.id, bytes(range(2, 34))),
    )
    refused(platform, "draw_not_pending", lambda: experts.cancel_draw(world.uow(), tenderer, draw.id, "重新申请"))
    refused(platform, "committee_exists", lambda: pool.request(tender_id))


def test_a_pending_draw_is_cancelled_and_the_section_may_ask_again(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(6)
    draw = pool.request(tender_id)
    refused(platform, "draw_pending", lambda: pool.request(tender_id))
    cancelled = experts.cancel_draw(world.uow(), world.ctx("tenderer"), draw.id, "调整评标时间")
    assert cancelled.status is DrawStatus.CANCELLED
    assert pool.request(tender_id).status is DrawStatus.COMMITTED


# ---------------------------------------------------------------------------- the committee
def test_a_committee_is_started_complete_and_once_and_its_members_and_representatives_keep_their_rules(
    pool: Pool, world: World, platform: Platform
) -> None:
    tender_id = pool.opened()
    pool.many(5)
    staff = world.actors["tenderer"].user_id
    assert staff is not None
    tenderer = world.ctx("tenderer")
    committee = pool.drawn(tender_id, requirements=(Requirement("A01", 4, 0),), representatives=(staff,))
    [rep] = [m for m in committee.active_members() if m.kind is MemberKind.REPRESENTATIVE]
    first, second = [m for m in committee.active_members() if m.kind is MemberKind.EXPERT][:2]
    details = {"factor": "施工组织设计", "score": "12.00", "committee_median": "25.50"}

    # member_not_expert: only an expert's deviation goes on an expert's record.
    refused(platform, "member_not_expert", lambda: experts.flag_deviation(world.uow(), tenderer, rep, details))
    assert experts.flag_deviation(world.uow(), tenderer, first, details).expert_id == first.expert_id

    # already_member: a representative is replaced by another of the tenderer's staff.
    refused(
        platform,
        "already_member",
        lambda: experts.replace_member(
            world.uow(),
            tenderer,
            committee.id,
            rep.id,
            ReplacementReason.HEALTH,
            "身体不适",
            representative_user_id=staff,
        ),
    )
    colleague = world.actors[pool.user(Role.TENDERER, org="T")].user_id
    swapped = experts.replace_member(
        world.uow(),
        tenderer,
        committee.id,
        rep.id,
        ReplacementReason.HEALTH,
        "身体不适",
        representative_user_id=colleague,
    )
    assert swapped.successor is not None and swapped.successor.user_id == colleague

    # committee_not_sitting: no extension and no dissolution before the evaluation starts.
    member_ctx = pool.ctx_of(first.user_id)
    refused(
        platform,
        "committee_not_sitting",
        lambda: experts.request_extension(world.uow(), member_ctx, committee.id, 2, "资料多"),
    )
    refused(platform, "committee_not_sitting", lambda: experts.dissolve(world.uow(), tenderer, committee.id))

    # committee_incomplete, then draw_pending: a seat waits for its replacement draw.
    replaced = experts.replace_member(
        world.uow(), tenderer, committee.id, second.id, ReplacementReason.RECUSAL, "与投标人有利害关系"
    )
    assert replaced.draw is not None and replaced.draw.status is DrawStatus.COMMITTED
    pool.check_in_all(committee.id)
    refused(platform, "committee_incomplete", lambda: experts.start_evaluation(world.uow(), tenderer, committee.id))
    refused(
        platform,
        "draw_pending",
        lambda: experts.replace_member(
            world.uow(), tenderer, committee.id, first.id, ReplacementReason.HEALTH, "身体不适"
        ),
    )
    experts.perform_draw(world.uow(), tenderer, replaced.draw.id)
    pool.check_in_all(committee.id)
    started = experts.start_evaluation(world.uow(), tenderer, committee.id)
    assert started.status is CommitteeStatus.SITTING

    # committee_not_drawn: the evaluation starts once.
    refused(platform, "committee_not_drawn", lambda: experts.start_evaluation(world.uow(), tenderer, committee.id))
    _request, sitting = experts.request_extension(world.uow(), member_ctx, committee.id, 2, "资料多")
    assert sitting.status is CommitteeStatus.SITTING

    # committee_dissolved: no replacement and no check-in once the committee is dissolved.
    assert experts.dissolve(world.uow(), tenderer, committee.id).status is CommitteeStatus.DISSOLVED
    refused(
        platform,
        "committee_dissolved",
        lambda: experts.replace_member(
            world.uow(), tenderer, committee.id, first.id, ReplacementReason.HEALTH, "身体不适"
        ),
    )
    refused(
        platform,
        "committee_dissolved",
        lambda: experts.check_in(world.uow(), member_ctx, committee.id, pool.venue),
    )


# ---------------------------------------------------------------------------- not reachable
# draw_not_revealed (experts.draw_record): the draw record is readable only once the committee
#   sits or is dissolved (policy _draw_record_read; before that the caller gets "forbidden" or
#   "committee_not_found"). By then the committee's own draw is drawn and was revealed by
#   start_evaluation, a replacement drawn while sitting is revealed by perform_draw, and a
#   replacement still committed keeps the evaluation from starting (committee_incomplete) or is
#   cancelled by dissolve. So every drawn draw is revealed whenever the record may be read: the
#   guard cannot be reached through the service.
