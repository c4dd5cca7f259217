"""The library's tables, as SQLAlchemy Core metadata.

Only portable column types: the same schema runs on SQLite and PostgreSQL. Instants are
stored as naive UTC (``DateTime`` without zone) because SQLite has no zone-aware type; the
store adds UTC back when it reads them. Child rows carry their position so an incident reads
back in the order it was written.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(32), primary_key=True),
    # Identity of the document across revisions: a newer revision updates the same incident.
    Column("key", String(200), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("document_date", Date),
    Column("summary", Text),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # What the incident was made from (its evidence's hashes, the options, the program's
    # version), as one hash: a run with the same is "unchanged", any other replaces it.
    Column("inputs", String(64)),
)


def _child(name: str, *columns: Column) -> Table:
    """A table of rows that belong to one incident, in order, each traced to a source line
    (and page)."""
    return Table(
        name,
        metadata,
        Column("incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        Column("position", Integer, primary_key=True),
        *columns,
        Column("source_path", Text),
        Column("source_line", Integer),
        Column("source_page", Integer),  # in a paged document (PDF); None elsewhere
    )


documents = Table(
    "documents",
    metadata,
    # Content-addressed: the same bytes are the same document, whatever their path.
    Column("sha256", String(64), primary_key=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("position", Integer, nullable=False),
    Column("path", Text, nullable=False),
    Column("format", String(40), nullable=False),
    Column("encoding", String(40)),
    Column("size", Integer, nullable=False),
    Column("revision", String(80)),
    Column("imported_at", DateTime, nullable=False),
)

events = _child(
    "events",
    Column("at", DateTime, index=True),
    Column("end_at", DateTime),
    Column("date", Date),
    Column("precision", String(20), nullable=False),
    Column("time_text", Text, nullable=False),
    Column("zone", String(64)),
    Column("zone_source", String(20)),
    Column("date_source", String(20)),
    Column("year_source", String(20)),
    Column("notes", JSON),
    Column("text", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("details", JSON, nullable=False),
)

sections = _child(
    "sections",
    Column("kind", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
)

action_items = _child(
    "action_items",
    Column("text", Text, nullable=False),
    Column("owner", Text),
    Column("status", String(40)),
    Column("due", Date),
)

links = _child(
    "links",
    Column("url", Text, nullable=False),
    Column("text", Text, nullable=False),
)

hypotheses = _child(
    "hypotheses",
    Column("text", Text, nullable=False),
    Column("explains", JSON, nullable=False),
    Column("unexplained", JSON, nullable=False),
)

windows = _child(
    "windows",
    Column("at", DateTime),
    Column("end_at", DateTime),
    Column("time_text", Text, nullable=False),
    Column("text", Text, nullable=False),
)

log_changes = _child(
    "log_changes",
    Column("template_id", String(64), nullable=False),
    Column("template", Text, nullable=False),
    Column("change", String(20), nullable=False),
    Column("score", Float, nullable=False),
    Column("before", Integer, nullable=False),
    Column("after", Integer, nullable=False),
    Column("first_seen", DateTime),
    Column("last_seen", DateTime),
    Column("hosts", JSON, nullable=False),
    Column("onset", DateTime),
    Column("window_start", DateTime),
    Column("bin_seconds", Float, nullable=False),
    Column("series", JSON, nullable=False),
    Column("example", Text, nullable=False),
)

metric_changes = _child(
    "metric_changes",
    Column("series", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("score", Float, nullable=False),
    Column("before", JSON, nullable=False),
    Column("after", JSON, nullable=False),
    Column("unit", Text),
    Column("times", JSON, nullable=False),
    Column("values", JSON, nullable=False),
    Column("query", Text),
    Column("server", Text),
)

findings = _child(
    "findings",
    Column("code", String(80), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("message", Text, nullable=False),
    # The table behind the sentence (header row first); empty in rows written before it.
    Column("rows", JSON),
)

# The template miner's state: shared by every `logs` run that asks for it, so that the same
# message gets the same template id across files and runs. Not owned by an incident.
log_templates = Table(
    "log_templates",
    metadata,
    Column("id", String(32), primary_key=True),
    # Creation order: the miner breaks ties between equally close templates by it.
    Column("seq", Integer, nullable=False),
    Column("template", Text, nullable=False),
    Column("tokens", JSON, nullable=False),
    # The rest of the learning state: word variants per position, sibling ids.
    Column("state", JSON, nullable=False),
    # The template this one was folded into; its id stays valid as an alias.
    Column("merged_into", String(32)),
    Column("count", BigInteger, nullable=False),
    Column("first_seen", DateTime),
    Column("last_seen", DateTime),
    Column("updated_at", DateTime, nullable=False),
)

# What full-text search reads: each incident's text, one row per incident and a column per
# field (see store/search.py for why, and for the weight of each field). Written with the
# incident, in the same transaction. ``seq`` is the row's number for SQLite's FTS5 index
# (an INTEGER PRIMARY KEY is the one rowid that VACUUM keeps); ``day`` is the incident's date
# for --since/--until and the day the library lists it under. Beside these portable
# columns, migration 0010 adds per dialect the index itself: the FTS5 table ``search_fts``
# and its triggers on SQLite, a generated, weighted ``document`` tsvector column with a GIN
# index on PostgreSQL. ``service`` and ``cause`` are the incident's facets
# (`retroline.analysis.facets`), which the library's listing filters by (migration 0011);
# ``faceted`` says they were worked out: rows written before that migration have it false
# until `Library` fills them in.
SEARCH_FIELDS = (
    "title",
    "summary",
    "sections",
    "timeline",
    "actions",
    "findings",
    "templates",
    "metrics",
)

search_docs = Table(
    "search_docs",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column(
        "incident_id",
        ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("day", Date, index=True),
    *(Column(name, Text, nullable=False, server_default="") for name in SEARCH_FIELDS),
    Column("service", Text),
    Column("cause", Text),
    Column("faceted", Boolean, nullable=False, server_default=false(), index=True),
)
# Hash indexes on PostgreSQL: a facet is a name the evidence wrote, of any length, and a
# B-tree refuses a row past 2704 bytes; the listing only asks for equal values.
for _facet in ("service", "cause"):
    Index(f"ix_search_docs_{_facet}", search_docs.c[_facet], postgresql_using="hash")

# Corrections people made to an incident (see analysis/edits.py): kept beside the extracted
# rows, which they never change, so that making the incident again from its evidence keeps
# them. ``target`` names an event or finding by its identity (not its position); an undone
# edit stays, with who undid it and when.
edits = Table(
    "edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "incident_id", ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("action", String(20), nullable=False),
    Column("target", String(80)),
    Column("subject", Text, nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("author", Text, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("undone_at", DateTime),
    Column("undone_by", Text),
)
