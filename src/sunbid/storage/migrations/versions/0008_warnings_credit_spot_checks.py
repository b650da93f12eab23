"""Warnings and their history and referrals, the watermark of the automatic risk scans, credit
grades with their history, penalties and the recomputation state, spot checks and their reviews;
experts carry their credit grade.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sunbid.storage.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_assessments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column(
            "subject_type",
            sa.Enum("organisation", "expert", name="subjecttype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("grade", sa.Enum("A", "B", "C", "D", name="grade", native_enum=False, length=32), nullable=False),
        sa.Column("previous", sa.Enum("A", "B", "C", "D", name="grade", native_enum=False, length=32), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_assessments")),
        sa.UniqueConstraint("subject_type", "subject_id", "number", name="uq_credit_assessments_subject_number"),
    )
    with op.batch_alter_table("credit_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_assessments_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "credit_grades",
        sa.Column(
            "subject_type",
            sa.Enum("organisation", "expert", name="subjecttype", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("grade", sa.Enum("A", "B", "C", "D", name="grade", native_enum=False, length=32), nullable=False),
        sa.Column(
            "computed_grade", sa.Enum("A", "B", "C", "D", name="grade", native_enum=False, length=32), nullable=False
        ),
        sa.Column("computed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("good_records", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("rules_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "override_grade", sa.Enum("A", "B", "C", "D", name="grade", native_enum=False, length=32), nullable=True
        ),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(length=40), nullable=True),
        sa.Column("override_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("override_until", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("subject_type", "subject_id", name=op.f("pk_credit_grades")),
    )
    with op.batch_alter_table("credit_grades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_grades_grade"), ["grade"], unique=False)

    op.create_table(
        "credit_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("last_run_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_state")),
    )
    op.create_table(
        "spot_checks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("requested_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("seed_sha256", sa.String(length=64), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("candidates_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("committed", "drawn", "completed", name="spotcheckstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("contribution", sa.String(length=128), nullable=True),
        sa.Column("drawn_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("drawn_by", sa.String(length=40), nullable=True),
        sa.Column("sample", sa.JSON(), nullable=False),
        sa.Column("completed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_checks")),
    )
    with op.batch_alter_table("spot_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spot_checks_status"), ["status"], unique=False)

    op.create_table(
        "credit_penalties",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "collusion",
                "fraud",
                "bribery",
                "bidding_ban",
                "serious_dishonesty",
                "other",
                name="penaltykind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("decision_number", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("recorded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=True),
        sa.Column("ban_until", sa.Date(), nullable=True),
        sa.Column("revoked_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_credit_penalties_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_penalties")),
    )
    with op.batch_alter_table("credit_penalties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_penalties_org_id"), ["org_id"], unique=False)

    op.create_table(
        "risk_scan_marks",
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("event", sa.Enum("opening", "award", name="scanevent", native_enum=False, length=32), nullable=False),
        sa.Column("ref", sa.String(length=40), nullable=False),
        sa.Column("happened_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.Enum("done", "failed", name="scanstatus", native_enum=False, length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("scanned_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_risk_scan_marks_tender_id_tenders")),
        sa.PrimaryKeyConstraint("tender_id", "event", "ref", name=op.f("pk_risk_scan_marks")),
    )
    op.create_table(
        "spot_check_reviews",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("spot_check_id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "compliant", "rectification_ordered", "referred", name="reviewoutcome", native_enum=False, length=32
            ),
            nullable=True,
        ),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=40), nullable=True),
        sa.Column("reviewed_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["spot_check_id"], ["spot_checks.id"], name=op.f("fk_spot_check_reviews_spot_check_id_spot_checks")
        ),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_spot_check_reviews_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spot_check_reviews")),
        sa.UniqueConstraint("spot_check_id", "tender_id", name="uq_spot_check_reviews_check_tender"),
    )
    with op.batch_alter_table("spot_check_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spot_check_reviews_spot_check_id"), ["spot_check_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_spot_check_reviews_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "warnings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("flag_id", sa.String(length=40), nullable=False),
        sa.Column("indicator", sa.String(length=64), nullable=False),
        sa.Column(
            "severity", sa.Enum("high", "medium", name="warningseverity", native_enum=False, length=32), nullable=False
        ),
        sa.Column("title_zh", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_ids", sa.JSON(), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=True),
        sa.Column("section_id", sa.String(length=40), nullable=True),
        sa.Column("bid_ids", sa.JSON(), nullable=False),
        sa.Column("org_ids", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("raised_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "assigned",
                "acknowledged",
                "investigating",
                "referred",
                "dismissed",
                "closed",
                name="warningstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.String(length=40), nullable=True),
        sa.Column("assigned_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dismissed_reason", sa.Text(), nullable=True),
        sa.Column(
            "closed_outcome",
            sa.Enum("confirmed", "unfounded", name="closeoutcome", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("ended_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_warnings_assignee_id_users")),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_warnings_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warnings")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_warnings_fingerprint")),
    )
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warnings_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_warnings_indicator"), ["indicator"], unique=False)
        batch_op.create_index(batch_op.f("ix_warnings_severity"), ["severity"], unique=False)
        batch_op.create_index(batch_op.f("ix_warnings_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_warnings_tender_id"), ["tender_id"], unique=False)

    op.create_table(
        "warning_history",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("warning_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"], name=op.f("fk_warning_history_warning_id_warnings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_history")),
        sa.UniqueConstraint("warning_id", "number", name="uq_warning_history_warning_number"),
    )
    with op.batch_alter_table("warning_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_history_warning_id"), ["warning_id"], unique=False)

    op.create_table(
        "warning_referrals",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("warning_id", sa.String(length=40), nullable=False),
        sa.Column(
            "authority",
            sa.Enum(
                "public_security",
                "discipline_inspection",
                "market_regulation",
                "audit",
                "procuratorate",
                "industry_regulator",
                "other",
                name="authority",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("authority_name", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("referred_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("referred_by", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("feedback_received_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "feedback_outcome",
            sa.Enum(
                "case_opened",
                "penalised",
                "no_case",
                "transferred",
                "other",
                name="feedbackoutcome",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("feedback_text", sa.Text(), nullable=True),
        sa.Column("feedback_recorded_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["warning_id"], ["warnings.id"], name=op.f("fk_warning_referrals_warning_id_warnings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_referrals")),
    )
    with op.batch_alter_table("warning_referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_referrals_warning_id"), ["warning_id"], unique=False)

    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_grade", sa.String(length=2), nullable=True))

    _keep_grades_set_by_hand()


#: The reason recorded for a grade a supervisor set before grades were computed.
KEPT = (
    "在计算信用等级之前由行政监督部门设定（迁移 0008 保留为人工调整） / set by a supervisor before grades were computed"
)


def _keep_grades_set_by_hand() -> None:
    """Grades supervisors set before this release become overrides, so the first computation does
    not replace them; the computed grade is filled in by the next recomputation."""
    from datetime import UTC, datetime

    bind = op.get_bind()
    orgs = sa.table("organisations", sa.column("id", sa.String), sa.column("credit_grade", sa.String))
    found = [
        (row.id, row.credit_grade)
        for row in bind.execute(sa.select(orgs.c.id, orgs.c.credit_grade).where(orgs.c.credit_grade.is_not(None)))
        if row.credit_grade in ("A", "B", "C", "D")
    ]
    if not found:
        return
    now = datetime.now(UTC)
    when = sunbid.storage.types.UTCDateTime()
    grades = sa.table(
        "credit_grades",
        *(sa.column(c, sa.String) for c in ("subject_type", "subject_id", "grade", "computed_grade", "rules_sha256")),
        *(sa.column(c, sa.String) for c in ("override_grade", "override_reason", "override_by")),
        sa.column("computed_at", when),
        sa.column("override_at", when),
        sa.column("points", sa.Integer),
        sa.column("good_records", sa.Integer),
        sa.column("reasons", sa.JSON),
    )
    history = sa.table(
        "credit_assessments",
        *(sa.column(c, sa.String) for c in ("id", "subject_type", "subject_id", "kind", "grade", "note")),
        sa.column("at", when),
        sa.column("reasons", sa.JSON),
        sa.column("number", sa.Integer),
    )
    from sunbid.kernel.ids import new_id

    for org_id, grade in found:
        bind.execute(
            sa.insert(grades).values(
                subject_type="organisation",
                subject_id=org_id,
                grade=grade,
                computed_grade=grade,
                computed_at=now,
                points=0,
                good_records=0,
                reasons=[],
                rules_sha256="",
                override_grade=grade,
                override_reason=KEPT,
                override_at=now,
            )
        )
        bind.execute(
            sa.insert(history).values(
                id=new_id("cra", now),
                subject_type="organisation",
                subject_id=org_id,
                kind="override",
                grade=grade,
                note=KEPT,
                at=now,
                reasons=[],
                number=1,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_column("credit_grade")

    with op.batch_alter_table("warning_referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_referrals_warning_id"))

    op.drop_table("warning_referrals")
    with op.batch_alter_table("warning_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_history_warning_id"))

    op.drop_table("warning_history")
    with op.batch_alter_table("warnings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warnings_tender_id"))
        batch_op.drop_index(batch_op.f("ix_warnings_status"))
        batch_op.drop_index(batch_op.f("ix_warnings_severity"))
        batch_op.drop_index(batch_op.f("ix_warnings_indicator"))
        batch_op.drop_index(batch_op.f("ix_warnings_assignee_id"))

    op.drop_table("warnings")
    with op.batch_alter_table("spot_check_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spot_check_reviews_tender_id"))
        batch_op.drop_index(batch_op.f("ix_spot_check_reviews_spot_check_id"))

    op.drop_table("spot_check_reviews")
    op.drop_table("risk_scan_marks")
    with op.batch_alter_table("credit_penalties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_penalties_org_id"))

    op.drop_table("credit_penalties")
    with op.batch_alter_table("spot_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spot_checks_status"))

    op.drop_table("spot_checks")
    op.drop_table("credit_state")
    with op.batch_alter_table("credit_grades", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_grades_grade"))

    op.drop_table("credit_grades")
    with op.batch_alter_table("credit_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_assessments_subject_id"))

    op.drop_table("credit_assessments")
