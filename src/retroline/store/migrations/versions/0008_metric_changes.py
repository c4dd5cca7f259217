"""Metric changes: the points where a metric series changed near an incident's onset, with
the thinned series the report draws, as the evidence behind the incident's metric events.

Revision ID: 0008_metric_changes
Revises: 0007_incident_inputs
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_metric_changes"
down_revision = "0007_incident_inputs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_changes",
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("series", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("before", sa.JSON, nullable=False),
        sa.Column("after", sa.JSON, nullable=False),
        sa.Column("unit", sa.Text),
        sa.Column("times", sa.JSON, nullable=False),
        sa.Column("values", sa.JSON, nullable=False),
        sa.Column("query", sa.Text),
        sa.Column("server", sa.Text),
        sa.Column("source_path", sa.Text),
        sa.Column("source_line", sa.Integer),
        sa.Column("source_page", sa.Integer),
        sa.PrimaryKeyConstraint("incident_id", "position", name="pk_metric_changes"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_metric_changes_incident_id",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("metric_changes")
