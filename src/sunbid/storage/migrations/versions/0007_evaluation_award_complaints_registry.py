"""Evaluation and award (scores, motions, explanations, reports and their signatures,
publicity objections, award notices, performance), complaints, and the registry's
qualifications and performance records; tenders declare their evaluation scheme.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sunbid.storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "org_performances",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("project_name", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=False),
        sa.Column("amount", sunbid.storage.types.Money(precision=15, scale=2), nullable=False),
        sa.Column("completed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=True),
        sa.Column("evaluation_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_org_performances_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_performances")),
    )
    with op.batch_alter_table("org_performances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_performances_org_id"), ["org_id"], unique=False)

    op.create_table(
        "org_qualifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("valid_until", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_org_qualifications_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_qualifications")),
    )
    with op.batch_alter_table("org_qualifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_qualifications_org_id"), ["org_id"], unique=False)

    op.create_table(
        "complaints",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.String(length=40), nullable=True),
        sa.Column("complainant_org_id", sa.String(length=40), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("web", "letter", "visit", "phone", "email", name="complaintchannel", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "matter",
            sa.Enum(
                "tender_documents",
                "opening",
                "evaluation_result",
                "other",
                name="complaintmatter",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("known_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accept_due", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("entered_by", sa.String(length=40), nullable=False),
        sa.Column("objection_id", sa.String(length=40), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "accepted",
                "refused",
                "upheld",
                "dismissed",
                "withdrawn",
                name="complaintstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("handled_by", sa.String(length=40), nullable=True),
        sa.Column("accepted_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decide_due", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("suspension_ordered", sa.Boolean(), nullable=False),
        sa.Column("refused_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("withdrawn_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("repeated_unfounded", sa.Boolean(), nullable=False),
        sa.Column("accept_overdue_flagged_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decide_overdue_flagged_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complainant_org_id"], ["organisations.id"], name=op.f("fk_complaints_complainant_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"], name=op.f("fk_complaints_section_id_sections")),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_complaints_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaints_complainant_org_id"), ["complainant_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.String(length=40), nullable=False),
        sa.Column("committee_id", sa.String(length=40), nullable=False),
        sa.Column("scheme", sa.JSON(), nullable=False),
        sa.Column("started_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=40), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "technical",
                "commercial",
                "signing",
                "reported",
                "correcting",
                "publicity",
                "suspended",
                "decision",
                "decided",
                "awarded",
                "contracted",
                "completed",
                "failed",
                name="evaluationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("bid_ids", sa.JSON(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("code_seed_digest", sa.String(length=128), nullable=True),
        sa.Column("corrections", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("k_value", sa.String(length=16), nullable=True),
        sa.Column("k_draw", sa.JSON(), nullable=True),
        sa.Column("technical_locked_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("anonymity_findings", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("concluded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("corrections_requested", sa.JSON(), nullable=False),
        sa.Column("publicity", sa.JSON(), nullable=True),
        sa.Column("publicity_start", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("publicity_end", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("publicity_overdue_flagged_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("decided_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("winner_bid_id", sa.String(length=40), nullable=True),
        sa.Column("result_notice", sa.JSON(), nullable=True),
        sa.Column("awarded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contract", sa.JSON(), nullable=True),
        sa.Column("contract_signed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contract_overdue_flagged_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_reason", sa.Text(), nullable=True),
        sa.Column(
            "suspended_from",
            sa.Enum(
                "technical",
                "commercial",
                "signing",
                "reported",
                "correcting",
                "publicity",
                "suspended",
                "decision",
                "decided",
                "awarded",
                "contracted",
                "completed",
                "failed",
                name="evaluationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("suspension", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"], name=op.f("fk_evaluations_section_id_sections")),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_evaluations_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("section_id", name=op.f("uq_evaluations_section_id")),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluations_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "award_notices",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("evaluation_id", sa.String(length=40), nullable=False),
        sa.Column("bid_id", sa.String(length=40), nullable=False),
        sa.Column("bidder_org_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.Enum("award", "result", name="noticekind", native_enum=False, length=32), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("signature", sa.JSON(), nullable=False),
        sa.Column("issued_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_award_notices_bid_id_bids")),
        sa.ForeignKeyConstraint(
            ["bidder_org_id"], ["organisations.id"], name=op.f("fk_award_notices_bidder_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_award_notices_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_notices")),
    )
    with op.batch_alter_table("award_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_notices_bidder_org_id"), ["bidder_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_award_notices_evaluation_id"), ["evaluation_id"], unique=False)

    op.create_table(
        "evaluation_explanations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("evaluation_id", sa.String(length=40), nullable=False),
        sa.Column("bid_id", sa.String(length=40), nullable=False),
        sa.Column("bidder_org_id", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("requested_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "answered", "expired", name="explanationstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_evaluation_explanations_bid_id_bids")),
        sa.ForeignKeyConstraint(
            ["bidder_org_id"], ["organisations.id"], name=op.f("fk_evaluation_explanations_bidder_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_explanations_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_explanations")),
    )
    with op.batch_alter_table("evaluation_explanations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_explanations_evaluation_id"), ["evaluation_id"], unique=False)

    op.create_table(
        "evaluation_motions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("evaluation_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("reject_bid", "accept_explanation", "reject_all", name="motionkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("bid_id", sa.String(length=40), nullable=True),
        sa.Column("ground", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposed_by", sa.String(length=40), nullable=False),
        sa.Column("proposed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "carried", "defeated", name="motionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("decided_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_motions_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_motions")),
    )
    with op.batch_alter_table("evaluation_motions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_motions_evaluation_id"), ["evaluation_id"], unique=False)

    op.create_table(
        "evaluation_reports",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("evaluation_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_reports_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_reports")),
        sa.UniqueConstraint("evaluation_id", "version", name="uq_evaluation_reports_version"),
    )
    with op.batch_alter_table("evaluation_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_reports_evaluation_id"), ["evaluation_id"], unique=False)

    op.create_table(
        "evaluation_scores",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("evaluation_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("bid_id", sa.String(length=40), nullable=False),
        sa.Column("factor_id", sa.String(length=64), nullable=False),
        sa.Column("points", sunbid.storage.types.Points(precision=15, scale=2), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("scored_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_evaluation_scores_bid_id_bids")),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_scores_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_scores")),
        sa.UniqueConstraint("evaluation_id", "member_id", "bid_id", "factor_id", name="uq_evaluation_scores_cell"),
    )
    with op.batch_alter_table("evaluation_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_scores_evaluation_id"), ["evaluation_id"], unique=False)

    op.create_table(
        "performance_records",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("evaluation_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "milestone", "change", "payment", "completion", name="performancekind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("occurred_on", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("amount", sunbid.storage.types.Money(precision=15, scale=2), nullable=True),
        sa.Column("recorded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_performance_records_evaluation_id_evaluations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_records")),
    )
    with op.batch_alter_table("performance_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_records_evaluation_id"), ["evaluation_id"], unique=False)

    op.create_table(
        "publicity_objections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("evaluation_id", sa.String(length=40), nullable=False),
        sa.Column("objector_org_id", sa.String(length=40), nullable=False),
        sa.Column("objector_user_id", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer_due", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "answered", name="objectionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=40), nullable=True),
        sa.Column("overdue_flagged_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_publicity_objections_evaluation_id_evaluations")
        ),
        sa.ForeignKeyConstraint(
            ["objector_org_id"],
            ["organisations.id"],
            name=op.f("fk_publicity_objections_objector_org_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["objector_user_id"], ["users.id"], name=op.f("fk_publicity_objections_objector_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_objections")),
    )
    with op.batch_alter_table("publicity_objections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publicity_objections_evaluation_id"), ["evaluation_id"], unique=False)

    op.create_table(
        "evaluation_votes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("motion_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("agree", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("voted_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["motion_id"], ["evaluation_motions.id"], name=op.f("fk_evaluation_votes_motion_id_evaluation_motions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_votes")),
        sa.UniqueConstraint("motion_id", "member_id", name="uq_evaluation_votes_motion_member"),
    )
    with op.batch_alter_table("evaluation_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_votes_motion_id"), ["motion_id"], unique=False)

    op.create_table(
        "report_signatures",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("report_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("signed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dissent", sa.Text(), nullable=True),
        sa.Column("signature", sa.JSON(), nullable=True),
        sa.Column("signer_subject", sa.String(length=500), nullable=True),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["evaluation_reports.id"], name=op.f("fk_report_signatures_report_id_evaluation_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_signatures")),
        sa.UniqueConstraint("report_id", "member_id", name="uq_report_signatures_report_member"),
    )
    with op.batch_alter_table("report_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_signatures_report_id"), ["report_id"], unique=False)

    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluation_scheme", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.drop_column("evaluation_scheme")

    with op.batch_alter_table("report_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_signatures_report_id"))

    op.drop_table("report_signatures")
    with op.batch_alter_table("evaluation_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_votes_motion_id"))

    op.drop_table("evaluation_votes")
    with op.batch_alter_table("publicity_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicity_objections_evaluation_id"))

    op.drop_table("publicity_objections")
    with op.batch_alter_table("performance_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_records_evaluation_id"))

    op.drop_table("performance_records")
    with op.batch_alter_table("evaluation_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_scores_evaluation_id"))

    op.drop_table("evaluation_scores")
    with op.batch_alter_table("evaluation_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_reports_evaluation_id"))

    op.drop_table("evaluation_reports")
    with op.batch_alter_table("evaluation_motions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_motions_evaluation_id"))

    op.drop_table("evaluation_motions")
    with op.batch_alter_table("evaluation_explanations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_explanations_evaluation_id"))

    op.drop_table("evaluation_explanations")
    with op.batch_alter_table("award_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_notices_evaluation_id"))
        batch_op.drop_index(batch_op.f("ix_award_notices_bidder_org_id"))

    op.drop_table("award_notices")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluations_tender_id"))
        batch_op.drop_index(batch_op.f("ix_evaluations_status"))

    op.drop_table("evaluations")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_tender_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_status"))
        batch_op.drop_index(batch_op.f("ix_complaints_complainant_org_id"))

    op.drop_table("complaints")
    with op.batch_alter_table("org_qualifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_qualifications_org_id"))

    op.drop_table("org_qualifications")
    with op.batch_alter_table("org_performances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_performances_org_id"))

    op.drop_table("org_performances")
