"""The expert pool, committee draws, committees, venues and their recordings (issue 5).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sunbid.storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "venues",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("created_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
    )
    op.create_table(
        "experts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "title_level",
            sa.Enum("professor", "senior", "equivalent", "other", name="titlelevel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("title_basis", sa.String(length=300), nullable=False),
        sa.Column("practice_since", sa.Date(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("home_pool", sa.String(length=200), nullable=False),
        sa.Column("created_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "suspended", "exited", name="expertstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_changed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_experts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_experts_user_id")),
    )
    op.create_index(op.f("ix_experts_birth_date"), "experts", ["birth_date"], unique=False)
    op.create_index(op.f("ix_experts_home_pool"), "experts", ["home_pool"], unique=False)

    op.create_table(
        "expert_declarations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("expert_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "close_relative",
                "economic_interest",
                "earlier_work",
                "other",
                name="declarationkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("declared_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("org_credit_code", sa.String(length=18), nullable=True),
        sa.Column("org_name", sa.String(length=200), nullable=True),
        sa.Column("subject_id", sa.String(length=40), nullable=True),
        sa.Column("ended_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_declarations_expert_id_experts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_declarations")),
    )
    op.create_index(op.f("ix_expert_declarations_expert_id"), "expert_declarations", ["expert_id"], unique=False)
    op.create_index(
        op.f("ix_expert_declarations_org_credit_code"), "expert_declarations", ["org_credit_code"], unique=False
    )
    op.create_index(op.f("ix_expert_declarations_subject_id"), "expert_declarations", ["subject_id"], unique=False)

    op.create_table(
        "expert_employments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("expert_id", sa.String(length=40), nullable=False),
        sa.Column("employer_credit_code", sa.String(length=18), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_employments_expert_id_experts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_employments")),
    )
    op.create_index(
        op.f("ix_expert_employments_employer_credit_code"), "expert_employments", ["employer_credit_code"], unique=False
    )
    op.create_index(op.f("ix_expert_employments_employer_name"), "expert_employments", ["employer_name"], unique=False)
    op.create_index(op.f("ix_expert_employments_expert_id"), "expert_employments", ["expert_id"], unique=False)

    op.create_table(
        "expert_sanctions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("expert_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("administrative", "criminal", name="sanctionkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("recorded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=True),
        sa.Column("cleared_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cleared_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_sanctions_expert_id_experts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_sanctions")),
    )
    op.create_index(op.f("ix_expert_sanctions_expert_id"), "expert_sanctions", ["expert_id"], unique=False)

    op.create_table(
        "expert_specialties",
        sa.Column("expert_id", sa.String(length=40), nullable=False),
        # byte order on PostgreSQL too, so a code and the codes below it are one index range
        sa.Column(
            "code", sa.String(length=40).with_variant(sa.String(length=40, collation="C"), "postgresql"), nullable=False
        ),
        sa.Column("home_pool", sa.String(length=200), nullable=False),
        sa.Column("drawable", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_specialties_expert_id_experts")),
        sa.PrimaryKeyConstraint("expert_id", "code", name=op.f("pk_expert_specialties")),
    )
    op.create_index(
        "ix_expert_specialties_draw",
        "expert_specialties",
        ["code", "drawable", "home_pool", "expert_id"],
        unique=False,
    )

    op.create_table(
        "committees",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.String(length=40), nullable=False),
        sa.Column(
            "status",
            sa.Enum("drawn", "sitting", "dissolved", name="committeestatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evaluation_due", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dissolved_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("evaluation_hours", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"], name=op.f("fk_committees_section_id_sections")),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_committees_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committees")),
        sa.UniqueConstraint("section_id", name=op.f("uq_committees_section_id")),
    )
    op.create_index(op.f("ix_committees_tender_id"), "committees", ["tender_id"], unique=False)

    op.create_table(
        "draws",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.String(length=40), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum("committee", "replacement", name="drawpurpose", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("local_pool", sa.String(length=200), nullable=False),
        sa.Column("remote_pools", sa.JSON(), nullable=False),
        sa.Column("representatives", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("evaluation_hours", sa.Integer(), nullable=False),
        sa.Column("main_venue_id", sa.String(length=40), nullable=False),
        sa.Column("secondary_venue_ids", sa.JSON(), nullable=False),
        sa.Column("starts_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("seed_sha256", sa.String(length=64), nullable=False),
        sa.Column("request_document", sa.JSON(), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("candidates_sha256", sa.String(length=64), nullable=False),
        sa.Column("candidates_count", sa.Integer(), nullable=False),
        sa.Column("await_contribution", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("committed", "drawn", "cancelled", name="drawstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("committee_id", sa.String(length=40), nullable=True),
        sa.Column("replaced_member_id", sa.String(length=40), nullable=True),
        sa.Column("contribution", sa.String(length=128), nullable=True),
        sa.Column("contributed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contributed_by", sa.String(length=40), nullable=True),
        sa.Column("drawn_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("walk", sa.JSON(), nullable=True),
        sa.Column("result_sha256", sa.String(length=64), nullable=True),
        sa.Column("revealed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["main_venue_id"], ["venues.id"], name=op.f("fk_draws_main_venue_id_venues")),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"], name=op.f("fk_draws_section_id_sections")),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_draws_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draws")),
    )
    op.create_index(op.f("ix_draws_committee_id"), "draws", ["committee_id"], unique=False)
    op.create_index(op.f("ix_draws_section_id"), "draws", ["section_id"], unique=False)
    op.create_index(op.f("ix_draws_tender_id"), "draws", ["tender_id"], unique=False)

    op.create_table(
        "committee_members",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("committee_id", sa.String(length=40), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("expert", "representative", name="memberkind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("expert_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("specialty", sa.String(length=40), nullable=True),
        sa.Column("home_pool", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "reserve", "replaced", name="memberstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("joined_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("replaced_reason", sa.String(length=32), nullable=True),
        sa.Column("checked_in_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("reserve_rank", sa.Integer(), nullable=True),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("venue_id", sa.String(length=40), nullable=True),
        sa.Column("draw_id", sa.String(length=40), nullable=True),
        sa.Column("replaced_by", sa.String(length=40), nullable=True),
        sa.Column("replaced_details", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_committee_members_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_committee_members_expert_id_experts")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_committee_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_members")),
    )
    op.create_index(op.f("ix_committee_members_committee_id"), "committee_members", ["committee_id"], unique=False)
    op.create_index(op.f("ix_committee_members_expert_id"), "committee_members", ["expert_id"], unique=False)
    op.create_index(op.f("ix_committee_members_user_id"), "committee_members", ["user_id"], unique=False)

    op.create_table(
        "committee_sittings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("committee_id", sa.String(length=40), nullable=False),
        sa.Column("venue_id", sa.String(length=40), nullable=False),
        sa.Column("main", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_committee_sittings_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_committee_sittings_venue_id_venues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_sittings")),
    )
    op.create_index(op.f("ix_committee_sittings_committee_id"), "committee_sittings", ["committee_id"], unique=False)
    op.create_index(op.f("ix_committee_sittings_venue_id"), "committee_sittings", ["venue_id"], unique=False)

    op.create_table(
        "expert_ratings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("expert_id", sa.String(length=40), nullable=False),
        sa.Column("committee_id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column(
            "rater", sa.Enum("tenderer", "supervisor", name="raterkind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("rater_user_id", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("rated_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_expert_ratings_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_ratings_expert_id_experts")),
        sa.ForeignKeyConstraint(["rater_user_id"], ["users.id"], name=op.f("fk_expert_ratings_rater_user_id_users")),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_expert_ratings_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_ratings")),
        sa.UniqueConstraint("committee_id", "expert_id", "rater", name="uq_expert_ratings_committee_expert_rater"),
    )
    op.create_index(op.f("ix_expert_ratings_committee_id"), "expert_ratings", ["committee_id"], unique=False)
    op.create_index(op.f("ix_expert_ratings_expert_id"), "expert_ratings", ["expert_id"], unique=False)

    op.create_table(
        "venue_recordings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("venue_id", sa.String(length=40), nullable=False),
        sa.Column("committee_id", sa.String(length=40), nullable=True),
        sa.Column(
            "kind", sa.Enum("audio", "video", name="recordingkind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("recorded_from", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_to", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_venue_recordings_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_venue_recordings_venue_id_venues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venue_recordings")),
    )
    op.create_index(op.f("ix_venue_recordings_committee_id"), "venue_recordings", ["committee_id"], unique=False)
    op.create_index(op.f("ix_venue_recordings_venue_id"), "venue_recordings", ["venue_id"], unique=False)

    op.create_table(
        "committee_check_ins",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("committee_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("venue_id", sa.String(length=40), nullable=False),
        sa.Column("at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_committee_check_ins_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["committee_members.id"], name=op.f("fk_committee_check_ins_member_id_committee_members")
        ),
        sa.ForeignKeyConstraint(["venue_id"], ["venues.id"], name=op.f("fk_committee_check_ins_venue_id_venues")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_check_ins")),
    )
    op.create_index(op.f("ix_committee_check_ins_committee_id"), "committee_check_ins", ["committee_id"], unique=False)

    op.create_table(
        "expert_flags",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("expert_id", sa.String(length=40), nullable=False),
        sa.Column("committee_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("flagged_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("flagged_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_expert_flags_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_flags_expert_id_experts")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["committee_members.id"], name=op.f("fk_expert_flags_member_id_committee_members")
        ),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_expert_flags_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_flags")),
    )
    op.create_index(op.f("ix_expert_flags_committee_id"), "expert_flags", ["committee_id"], unique=False)
    op.create_index(op.f("ix_expert_flags_expert_id"), "expert_flags", ["expert_id"], unique=False)

    op.create_table(
        "extension_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("committee_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status", sa.Enum("open", "granted", name="extensionstatus", native_enum=False, length=32), nullable=False
        ),
        sa.Column("granted_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_extension_requests_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["committee_members.id"], name=op.f("fk_extension_requests_member_id_committee_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_requests")),
    )
    op.create_index(op.f("ix_extension_requests_committee_id"), "extension_requests", ["committee_id"], unique=False)


def downgrade() -> None:
    op.drop_table("extension_requests")
    op.drop_table("expert_flags")
    op.drop_table("committee_check_ins")
    op.drop_table("venue_recordings")
    op.drop_table("expert_ratings")
    op.drop_table("committee_sittings")
    op.drop_table("committee_members")
    op.drop_table("draws")
    op.drop_table("committees")
    op.drop_table("expert_specialties")
    op.drop_table("expert_sanctions")
    op.drop_table("expert_employments")
    op.drop_table("expert_declarations")
    op.drop_table("experts")
    op.drop_table("venues")
