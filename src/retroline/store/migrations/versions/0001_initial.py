"""The first schema: incidents, their documents, and the timeline and parts of each.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None

# name -> the columns of that child table between its key and its source reference
CHILDREN: dict[str, list[sa.Column]] = {
    "events": [
        sa.Column("at", sa.DateTime),
        sa.Column("end_at", sa.DateTime),
        sa.Column("date", sa.Date),
        sa.Column("precision", sa.String(20), nullable=False),
        sa.Column("time_text", sa.Text, nullable=False),
        sa.Column("zone", sa.String(64)),
        sa.Column("zone_source", sa.String(20)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    ],
    "sections": [
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    ],
    "action_items": [
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("status", sa.String(40)),
        sa.Column("due", sa.Date),
    ],
    "links": [
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    ],
    "hypotheses": [
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("explains", sa.JSON, nullable=False),
        sa.Column("unexplained", sa.JSON, nullable=False),
    ],
    "findings": [
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    ],
}


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("document_date", sa.Date),
        sa.Column("summary", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.UniqueConstraint("key", name="uq_incidents_key"),
    )
    op.create_table(
        "documents",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("format", sa.String(40), nullable=False),
        sa.Column("encoding", sa.String(40)),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("revision", sa.String(80)),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_documents"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_documents_incident_id", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_documents_incident_id", "documents", ["incident_id"])
    for name, columns in CHILDREN.items():
        op.create_table(
            name,
            sa.Column("incident_id", sa.String(32), nullable=False),
            sa.Column("position", sa.Integer, nullable=False),
            *columns,
            sa.Column("source_path", sa.Text),
            sa.Column("source_line", sa.Integer),
            sa.PrimaryKeyConstraint("incident_id", "position", name=f"pk_{name}"),
            sa.ForeignKeyConstraint(
                ["incident_id"], ["incidents.id"], name=f"fk_{name}_incident_id", ondelete="CASCADE"
            ),
        )
    op.create_index("ix_events_at", "events", ["at"])


def downgrade() -> None:
    for name in reversed(list(CHILDREN)):
        op.drop_table(name)
    op.drop_index("ix_documents_incident_id", table_name="documents")
    op.drop_table("documents")
    op.drop_table("incidents")
