"""Log templates: the template miner's state, shared by every run that stores it.

Revision ID: 0003_log_templates
Revises: 0002_stated_windows
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_log_templates"
down_revision = "0002_stated_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_templates",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("tokens", sa.JSON, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("merged_into", sa.String(32)),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("first_seen", sa.DateTime),
        sa.Column("last_seen", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_log_templates"),
    )


def downgrade() -> None:
    op.drop_table("log_templates")
