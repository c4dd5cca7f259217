"""Event date sources: where the date and the year of each timeline entry came from, and the
notes on how its time was read, so a date, year or clock that was inferred rather than
written stays visible after storing.

Revision ID: 0005_event_date_sources
Revises: 0004_log_changes
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_event_date_sources"
down_revision = "0004_log_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("date_source", sa.String(20)))
        batch.add_column(sa.Column("year_source", sa.String(20)))
        batch.add_column(sa.Column("notes", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("notes")
        batch.drop_column("year_source")
        batch.drop_column("date_source")
