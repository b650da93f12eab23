"""Sealed bids, deposits, the online opening and the market-entity registry's relations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sunbid.storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisation_relations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("parent_org_id", sa.String(length=40), nullable=False),
        sa.Column("child_org_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind", sa.Enum("controls", "manages", name="relationkind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("recorded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_org_id"], ["organisations.id"], name=op.f("fk_organisation_relations_child_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["parent_org_id"], ["organisations.id"], name=op.f("fk_organisation_relations_parent_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_relations")),
    )
    op.create_index(
        op.f("ix_organisation_relations_child_org_id"), "organisation_relations", ["child_org_id"], unique=False
    )
    op.create_index(
        op.f("ix_organisation_relations_parent_org_id"), "organisation_relations", ["parent_org_id"], unique=False
    )
    op.create_table(
        "opening_objections",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("objector_org_id", sa.String(length=40), nullable=False),
        sa.Column("objector_user_id", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("raised_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["objector_org_id"], ["organisations.id"], name=op.f("fk_opening_objections_objector_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["objector_user_id"], ["users.id"], name=op.f("fk_opening_objections_objector_user_id_users")
        ),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_opening_objections_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opening_objections")),
    )
    op.create_index(op.f("ix_opening_objections_tender_id"), "opening_objections", ["tender_id"], unique=False)
    op.create_table(
        "sealed_statements",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=128), nullable=False),
        sa.Column("digest_alg", sa.String(length=16), nullable=False),
        sa.Column("created_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_sealed_statements_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_statements")),
    )
    op.create_index(op.f("ix_sealed_statements_tender_id"), "sealed_statements", ["tender_id"], unique=False)
    op.create_table(
        "bids",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.String(length=40), nullable=False),
        sa.Column("bidder_org_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sealed",
                "withdrawn",
                "decrypted",
                "revoked",
                "deemed_withdrawn",
                name="bidstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("consortium", sa.JSON(), nullable=False),
        sa.Column("withdrawn_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("content_key", sa.String(length=128), nullable=True),
        sa.Column(
            "opened_by", sa.Enum("bidder", "custodians", name="openedby", native_enum=False, length=32), nullable=True
        ),
        sa.Column("opened_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decryption_attempts", sa.Integer(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=True),
        sa.Column("files", sa.JSON(), nullable=True),
        sa.Column("failure", sa.String(length=100), nullable=True),
        sa.Column("invalid_grounds", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bidder_org_id"], ["organisations.id"], name=op.f("fk_bids_bidder_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"], name=op.f("fk_bids_section_id_sections")),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_bids_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
        sa.UniqueConstraint("section_id", "bidder_org_id", name="uq_bids_section_bidder"),
    )
    op.create_index(op.f("ix_bids_tender_id"), "bids", ["tender_id"], unique=False)
    op.create_table(
        "deposits",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tender_id", sa.String(length=40), nullable=False),
        sa.Column("section_id", sa.String(length=40), nullable=False),
        sa.Column("bidder_org_id", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("transfer", "guarantee", "exempt", name="depositkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("amount", sunbid.storage.types.Money(precision=15, scale=2), nullable=False),
        sa.Column("recorded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=True),
        sa.Column(
            "status",
            sa.Enum("held", "refund_due", "refunded", "retained", name="depositstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("payer_account_name", sa.String(length=200), nullable=True),
        sa.Column("payer_account_number", sa.String(length=64), nullable=True),
        sa.Column("payer_bank", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("paid_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("issuer_name", sa.String(length=200), nullable=True),
        sa.Column("issuer_credit_code", sa.String(length=18), nullable=True),
        sa.Column("valid_until", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("guarantee", sa.JSON(), nullable=True),
        sa.Column("refund_due_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refund_reason", sa.String(length=64), nullable=True),
        sa.Column("refunded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refund_overdue_flagged_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("retained_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bidder_org_id"], ["organisations.id"], name=op.f("fk_deposits_bidder_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"], name=op.f("fk_deposits_section_id_sections")),
        sa.ForeignKeyConstraint(["tender_id"], ["tenders.id"], name=op.f("fk_deposits_tender_id_tenders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposits")),
    )
    op.create_index(op.f("ix_deposits_bidder_org_id"), "deposits", ["bidder_org_id"], unique=False)
    op.create_index(op.f("ix_deposits_status"), "deposits", ["status"], unique=False)
    op.create_index(op.f("ix_deposits_tender_id"), "deposits", ["tender_id"], unique=False)
    op.create_table(
        "bid_submissions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("bid_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("envelope_id", sa.String(length=32), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("suite", sa.String(length=16), nullable=False),
        sa.Column("header", sa.Text(), nullable=False),
        sa.Column("header_digest", sa.String(length=128), nullable=False),
        sa.Column("ciphertext_digest", sa.String(length=128), nullable=False),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("seal_statement", sa.JSON(), nullable=False),
        sa.Column("seal_signature", sa.JSON(), nullable=False),
        sa.Column("signer_subject", sa.String(length=500), nullable=False),
        sa.Column("signer_certificate_sha256", sa.String(length=64), nullable=False),
        sa.Column("encryption_certificate_sha256", sa.String(length=64), nullable=False),
        sa.Column("client", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("received_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("current", "replaced", "withdrawn", name="submissionstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
        sa.Column("receipt", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_bid_submissions_bid_id_bids")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bid_submissions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_submissions")),
        sa.UniqueConstraint("bid_id", "number", name="uq_bid_submissions_bid_number"),
        sa.UniqueConstraint("ciphertext_digest", name=op.f("uq_bid_submissions_ciphertext_digest")),
        sa.UniqueConstraint("envelope_id", name=op.f("uq_bid_submissions_envelope_id")),
    )
    op.create_index(op.f("ix_bid_submissions_bid_id"), "bid_submissions", ["bid_id"], unique=False)
    op.create_table(
        "custodian_shares",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("bid_id", sa.String(length=40), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("share", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("submitted_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_custodian_shares_bid_id_bids")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_custodian_shares_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custodian_shares")),
        sa.UniqueConstraint("bid_id", "index", name="uq_custodian_shares_bid_index"),
    )
    op.create_index(op.f("ix_custodian_shares_bid_id"), "custodian_shares", ["bid_id"], unique=False)
    op.add_column("organisations", sa.Column("credit_grade", sa.String(length=2), nullable=True))
    op.add_column("sections", sa.Column("bids_at_deadline", sa.Integer(), nullable=True))
    op.add_column("sections", sa.Column("failed", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("tenders", sa.Column("sealing", sa.JSON(), nullable=True))
    op.add_column(
        "tenders", sa.Column("opening_started_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("tenders", sa.Column("decrypt_until", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column(
        "tenders", sa.Column("decryption_ended_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "tenders", sa.Column("custodian_until", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "tenders", sa.Column("custodians_ended_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("tenders", sa.Column("results_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column("tenders", sa.Column("concluded_at", sunbid.storage.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column("tenders", sa.Column("opening_record", sa.JSON(), nullable=True))
    op.add_column("tenders", sa.Column("opening_record_signature", sa.JSON(), nullable=True))
    op.add_column("tenders", sa.Column("retender_of", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("retender_of")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("opening_record_signature")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("opening_record")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("concluded_at")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("results_at")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("custodians_ended_at")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("custodian_until")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("decryption_ended_at")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("decrypt_until")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("opening_started_at")
    with op.batch_alter_table("tenders") as batch:
        batch.drop_column("sealing")
    with op.batch_alter_table("sections") as batch:
        batch.drop_column("failed")
        batch.drop_column("bids_at_deadline")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("credit_grade")
    op.drop_table("custodian_shares")
    op.drop_table("bid_submissions")
    op.drop_table("deposits")
    op.drop_table("bids")
    op.drop_table("sealed_statements")
    op.drop_table("opening_objections")
    op.drop_table("organisation_relations")
