"""Full-text search: the text of each incident, one row per incident and a column per field,
and the index over it (an FTS5 table kept by triggers on SQLite, a weighted tsvector with a
GIN index on PostgreSQL); filled from the incidents already in the library.

The texts are read here with plain SQL and put together by this migration's own copy of the
rule (`_texts`), so that it keeps working whatever later versions of the program do; it
matches ``retroline.store.search.field_texts`` as of this revision (a test checks this).

Revision ID: 0010_search
Revises: 0009_finding_rows
Create Date: 2026-12-07
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010_search"
down_revision = "0009_finding_rows"
branch_labels = None
depends_on = None

FIELDS = ("title", "summary", "sections", "timeline", "actions", "findings", "templates", "metrics")

# The weight class of each field on PostgreSQL (A highest); SQLite's bm25() weights are
# given at query time.
PG_WEIGHTS = {
    "title": "A",
    "summary": "B",
    "sections": "C",
    "timeline": "C",
    "templates": "C",
    "metrics": "C",
    "actions": "D",
    "findings": "D",
}

# The two characters search uses to mark matched words in snippets: never indexed.
MARKS = {0xE000: " ", 0xE001: " "}

_COLUMNS = ", ".join(FIELDS)
_NEW = ", ".join(f"new.{f}" for f in FIELDS)
_OLD = ", ".join(f"old.{f}" for f in FIELDS)

SQLITE_DDL = [
    # External content: the text lives once, in search_docs; the triggers keep the index in
    # step with it in the writer's transaction.
    f"CREATE VIRTUAL TABLE search_fts USING fts5({_COLUMNS}, content='search_docs', "
    "content_rowid='seq', tokenize='porter unicode61')",
    f"CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN "
    f"INSERT INTO search_fts(rowid, {_COLUMNS}) VALUES (new.seq, {_NEW}); END",
    f"CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, {_COLUMNS}) VALUES ('delete', old.seq, {_OLD}); "
    "END",
    f"CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN "
    f"INSERT INTO search_fts(search_fts, rowid, {_COLUMNS}) VALUES ('delete', old.seq, {_OLD}); "
    f"INSERT INTO search_fts(rowid, {_COLUMNS}) VALUES (new.seq, {_NEW}); END",
]

# PostgreSQL's parser reads "pg_wal/xlogtemp.123" or "db3.example.com" as one token; a
# separator (chr(1)) after each of these characters lets it find their words, as FTS5 does.
_SPLIT = r"regexp_replace({}, '([/.@:=\\_<>&])', '\1' || chr(1), 'g')"
_DOCUMENT = " || ".join(
    f"setweight(to_tsvector('english'::regconfig, {_SPLIT.format(f)}), '{PG_WEIGHTS[f]}')"
    for f in FIELDS
)
POSTGRESQL_DDL = [
    f"ALTER TABLE search_docs ADD COLUMN document tsvector GENERATED ALWAYS AS ({_DOCUMENT}) "
    "STORED",
    "CREATE INDEX ix_search_docs_document ON search_docs USING gin (document)",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "search_docs",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("incident_id", sa.String(32), nullable=False),
        sa.Column("day", sa.Date),
        *(sa.Column(f, sa.Text, nullable=False, server_default="") for f in FIELDS),
        sa.PrimaryKeyConstraint("seq", name="pk_search_docs"),
        sa.UniqueConstraint("incident_id", name="uq_search_docs_incident_id"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_search_docs_incident_id",
            ondelete="CASCADE",
        ),
    )
    for statement in SQLITE_DDL if dialect == "sqlite" else POSTGRESQL_DDL:
        op.execute(statement)
    rows = list(_rows(op.get_bind()))
    if rows:
        op.bulk_insert(
            sa.table(
                "search_docs",
                sa.column("incident_id", sa.String),
                sa.column("day", sa.Date),
                *(sa.column(f, sa.Text) for f in FIELDS),
            ),
            rows,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("search_docs_au", "search_docs_ad", "search_docs_ai"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE search_fts")
    op.drop_table("search_docs")


# -- the texts of the incidents already stored -------------------------------------------


def _table(name: str, *columns: sa.ColumnClause[Any]) -> sa.TableClause:
    return sa.table(name, sa.column("incident_id", sa.String), sa.column("position"), *columns)


def _read(
    conn: sa.Connection, table: sa.TableClause, *names: str
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of a child table, per incident, in their order."""
    found: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    query = sa.select(table.c.incident_id, *(table.c[n] for n in names)).order_by(
        table.c.incident_id, table.c.position
    )
    for row in conn.execute(query):
        found[row[0]].append(tuple(row[1:]))
    return found


def _join(parts: Iterable[Any]) -> str:
    return "\n".join(p.translate(MARKS) for p in parts if isinstance(p, str) and p.strip())


def _rows(conn: sa.Connection) -> Iterable[dict[str, Any]]:
    text, json = sa.Text, sa.JSON
    incidents = sa.table(
        "incidents",
        sa.column("id", sa.String),
        sa.column("title", text),
        sa.column("summary", text),
        sa.column("document_date", sa.Date),
    )
    events = _read(
        conn,
        _table(
            "events",
            sa.column("text", text),
            sa.column("details", json),
            sa.column("at", sa.DateTime),
            sa.column("date", sa.Date),
        ),
        "text",
        "details",
        "at",
        "date",
    )
    sections = _read(
        conn, _table("sections", sa.column("title", text), sa.column("text", text)), "title", "text"
    )
    windows = _read(conn, _table("windows", sa.column("text", text)), "text")
    actions = _read(
        conn,
        _table("action_items", sa.column("text", text), sa.column("owner", text)),
        "text",
        "owner",
    )
    findings = _read(
        conn,
        _table("findings", sa.column("message", text), sa.column("rows", json)),
        "message",
        "rows",
    )
    hypotheses = _read(conn, _table("hypotheses", sa.column("text", text)), "text")
    templates = _read(
        conn,
        _table(
            "log_changes",
            sa.column("template", text),
            sa.column("example", text),
            sa.column("hosts", json),
        ),
        "template",
        "example",
        "hosts",
    )
    metrics = _read(
        conn,
        _table("metric_changes", sa.column("series", text), sa.column("query", text)),
        "series",
        "query",
    )
    for inc in conn.execute(sa.select(incidents)):
        evs = events.get(inc.id, [])
        yield {
            "incident_id": inc.id,
            "day": _day(inc.document_date, evs),
            "title": _join([inc.title]),
            "summary": _join([inc.summary]),
            "sections": _join(p for title, body in sections.get(inc.id, []) for p in (title, body)),
            "timeline": _join(
                [
                    *(p for body, details, _at, _date in evs for p in (body, *(details or []))),
                    *(body for (body,) in windows.get(inc.id, [])),
                ]
            ),
            "actions": _join(p for body, owner in actions.get(inc.id, []) for p in (body, owner)),
            "findings": _join(
                [
                    *(
                        p
                        for message, table_rows in findings.get(inc.id, [])
                        for p in (message, *(" ".join(map(str, r)) for r in table_rows or []))
                    ),
                    *(body for (body,) in hypotheses.get(inc.id, [])),
                ]
            ),
            "templates": _join(
                p
                for template, example, hosts in templates.get(inc.id, [])
                for p in (template, example, " ".join(hosts or []))
            ),
            "metrics": _join(
                p for series, query in metrics.get(inc.id, []) for p in (series, query)
            ),
        }


def _day(document_date: dt.date | None, events: list[tuple[Any, ...]]) -> dt.date | None:
    """The incident's date: its document's, else its first event's (an instant's UTC date,
    or the date an entry states without a time)."""
    if document_date is not None:
        return document_date
    days = [
        at.date() if at is not None else date
        for _body, _details, at, date in events
        if at is not None or date is not None
    ]
    return min(days, default=None)
