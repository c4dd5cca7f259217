"""Edits: the corrections people make to an incident (an event's kind, time or text, an
event marked wrong or added, a finding accepted or dismissed), kept beside the extracted
rows, with who made each and when, and who undid it.

Revision ID: 0012_edits
Revises: 0011_listing
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_edits"
down_revision = "0011_listing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "edits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("target", sa.String(80)),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("undone_at", sa.DateTime),
        sa.Column("undone_by", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_edits"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_edits_incident_id", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_edits_incident_id", "edits", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_edits_incident_id", table_name="edits")
    op.drop_table("edits")
