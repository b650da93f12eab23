"""The announcement's electronic signature (电子招标投标办法 第四十条).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announcement_signature", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("announcement_signer", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenders", schema=None) as batch_op:
        batch_op.drop_column("announcement_signer")
        batch_op.drop_column("announcement_signature")
