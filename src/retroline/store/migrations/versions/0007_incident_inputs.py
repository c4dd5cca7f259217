"""Incident inputs: the hash of what an incident was made from (evidence, options,
version), so that a run with other options or another version replaces it instead of being
taken as unchanged. Incidents stored before have none: their next run replaces them.

Revision ID: 0007_incident_inputs
Revises: 0006_source_pages
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_incident_inputs"
down_revision = "0006_source_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("inputs", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("inputs")
