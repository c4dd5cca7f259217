"""Finding rows: the table behind a finding's sentence (the packages that differ between
two hosts, the processes not restarted after an upgrade), for the report to show.

Revision ID: 0009_finding_rows
Revises: 0008_metric_changes
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_finding_rows"
down_revision = "0008_metric_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.add_column(sa.Column("rows", sa.JSON))


def downgrade() -> None:
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("rows")
