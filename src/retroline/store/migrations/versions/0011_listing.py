"""The library's listing in SQL: each incident's service and cause beside its search row,
so that the list filters by them, and indexes for its filters and its order by day.

The facets are the program's rules (`retroline.analysis.facets`), not this migration's to
copy: it adds the columns empty, with ``faceted`` false on every row, and `Library` works
them out for those rows once the library is brought up to date (``_refresh_facets``), as
saving the incident today would.

Revision ID: 0011_listing
Revises: 0010_search
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_listing"
down_revision = "0010_search"
branch_labels = None
depends_on = None

INDEXED = ("day", "faceted")
# A facet is a name the evidence wrote, of any length: PostgreSQL's B-tree refuses a row
# past 2704 bytes, its hash index takes any, and the listing only asks for equal values.
HASHED = ("service", "cause")


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: SQLite's batch copies the table, which would drop
    # the triggers that keep the full-text index in step with it.
    op.add_column("search_docs", sa.Column("service", sa.Text))
    op.add_column("search_docs", sa.Column("cause", sa.Text))
    op.add_column(
        "search_docs",
        sa.Column("faceted", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    for name in INDEXED:
        op.create_index(f"ix_search_docs_{name}", "search_docs", [name])
    for name in HASHED:
        op.create_index(f"ix_search_docs_{name}", "search_docs", [name], postgresql_using="hash")


def downgrade() -> None:
    for name in (*INDEXED, *HASHED):
        op.drop_index(f"ix_search_docs_{name}", "search_docs")
    for name in ("faceted", "cause", "service"):
        op.drop_column("search_docs", name)
