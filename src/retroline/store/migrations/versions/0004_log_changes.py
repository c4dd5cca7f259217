"""Log changes: the templates whose rate changed at an incident's onset, with their counts
over time, so a report can show the evidence behind each log event.

Revision ID: 0004_log_changes
Revises: 0003_log_templates
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_log_changes"
down_revision = "0003_log_templates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_changes",
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("template_id", sa.String(64), nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("change", sa.String(20), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("before", sa.Integer, nullable=False),
        sa.Column("after", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.DateTime),
        sa.Column("last_seen", sa.DateTime),
        sa.Column("hosts", sa.JSON, nullable=False),
        sa.Column("onset", sa.DateTime),
        sa.Column("window_start", sa.DateTime),
        sa.Column("bin_seconds", sa.Float, nullable=False),
        sa.Column("series", sa.JSON, nullable=False),
        sa.Column("example", sa.Text, nullable=False),
        sa.Column("source_path", sa.Text),
        sa.Column("source_line", sa.Integer),
        sa.PrimaryKeyConstraint("incident_id", "position", name="pk_log_changes"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_log_changes_incident_id", ondelete="CASCADE"
        ),
    )


def downgrade() -> None:
    op.drop_table("log_changes")
