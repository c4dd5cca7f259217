"""Source pages: a PDF cites its evidence by page and line, so every row that records a
source line also records the page (None for files without pages).

Revision ID: 0006_source_pages
Revises: 0005_event_date_sources
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_source_pages"
down_revision = "0005_event_date_sources"
branch_labels = None
depends_on = None

# Every table with a source_line column.
TABLES = (
    "events",
    "sections",
    "action_items",
    "links",
    "hypotheses",
    "findings",
    "windows",
    "log_changes",
)


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("source_page", sa.Integer))


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("source_page")
