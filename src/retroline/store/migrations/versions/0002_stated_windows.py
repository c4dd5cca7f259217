"""Stated windows: the spans of time a document claims (its impact window), for the checks.

Revision ID: 0002_stated_windows
Revises: 0001_initial
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_stated_windows"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "windows",
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime),
        sa.Column("end_at", sa.DateTime),
        sa.Column("time_text", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source_path", sa.Text),
        sa.Column("source_line", sa.Integer),
        sa.PrimaryKeyConstraint("incident_id", "position", name="pk_windows"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_windows_incident_id", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("windows")
