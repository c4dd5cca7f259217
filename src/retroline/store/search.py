"""Full-text search over the library: "have we seen this before?".

One row per incident in ``search_docs``, with a column per field (title, summary, sections,
timeline, actions, findings, templates, metrics). One row per incident, rather than one per
incident and field, because the incident is what a search returns: BM25's document
frequencies and length normalisation then count incidents, both backends weight the fields
inside one ranking function (FTS5's ``bm25()`` takes a weight per column, PostgreSQL's
``setweight`` labels), and a write is one row.

- SQLite: an FTS5 table over those columns (``porter unicode61``: stems, any case), kept in
  step by triggers; ranked by ``bm25()`` with the weights below, excerpts by ``snippet()``.
- PostgreSQL: a generated ``tsvector`` (the fields weighted A to D, ``english`` stems) with
  a GIN index; ranked by ``ts_rank_cd``, excerpts by ``ts_headline`` over the field whose
  ``ts_rank_cd`` times its weight is highest (FTS5's ``snippet()`` picks its column itself).

One rule comes before the ranking function, on both: an incident whose title alone matches
the whole query comes before those where it takes the rest of the text. Weights alone do not
promise that: BM25 normalises by the length of the whole row, so a long incident named for
the query could fall behind a short one that mentions it in an action item. The score is
then that tier (1 or 0) plus the backend's rank squashed into [0, 1): ``rank / (1 + rank)``.

Both read the same query language, that of web search engines (PostgreSQL's
``websearch_to_tsquery``): words must all appear, ``"a phrase"`` in that order, ``-word``
must not appear, ``or`` between two parts gives either. `parse` turns any text into that, or
into a UsageError; every word reaches the database quoted, as a bound parameter.

The index row is written with the incident (`index`, `unindex`), on the caller's
transaction: a save that fails leaves neither. Beside the text it holds what the library's
listing filters and sorts by: the incident's day (`incident_day`) and its service and cause
(`facet_columns`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    REAL,
    ColumnElement,
    Connection,
    Date,
    bindparam,
    cast,
    column,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.exc import OperationalError

from retroline.errors import UsageError
from retroline.model import Incident
from retroline.store import schema

__all__ = [
    "FACETS",
    "FIELDS",
    "SearchHit",
    "facet_columns",
    "field_texts",
    "incident_day",
    "index",
    "parse",
    "request",
    "search",
    "unindex",
]

FIELDS = schema.SEARCH_FIELDS

#: The facets of an incident (`retroline.analysis.facets`) that the library's listing
#: filters by, each a column of ``search_docs``.
FACETS = ("service", "cause")

# How much a match in each field counts, as PostgreSQL's four weight labels (A highest) and
# their values; SQLite's bm25() weights are the same values, ten times.
LABELS = {
    "title": "A",
    "summary": "B",
    "sections": "C",
    "timeline": "C",
    "templates": "C",
    "metrics": "C",
    "actions": "D",
    "findings": "D",
}
LABEL_WEIGHTS = {"A": 1.0, "B": 0.5, "C": 0.2, "D": 0.1}

# What a query may hold: enough for a pasted error message, few enough to stay a search.
MAX_QUERY_CHARS = 1000
MAX_TERMS = 32

SNIPPET_WORDS = 20
TEXT_CONFIG = "english"  # PostgreSQL's text search configuration: English stems, stop words

# PostgreSQL's parser reads "pg_wal/xlogtemp.123", "db3.example.com" or "java.lang.Error" as
# one token each, so that none of their words could be found; FTS5 splits them. So that both
# find the same words, a separator (chr(1), which the parser skips and `_plain` takes out
# of snippets) follows each of these characters: in the stored vector (migration 0010 writes
# the same expression), in the field vectors (`_field_vector`) and in the query
# (`_websearch_string`).
PG_SPLIT = r"([/.@:=\\_<>&])"
_PG_SEPARATOR = "\x01"


# Matched words are marked with two private-use characters inside the database (they are
# taken out of every indexed text, so they cannot be confused with the text), then shown
# as [brackets].
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARKS = {ord(_OPEN): " ", ord(_CLOSE): " "}


@dataclass(frozen=True)
class SearchHit:
    """One incident found by a search, best first: why it matched and where.

    ``matched`` names the fields that hold a searched word, in the order of `FIELDS`;
    ``snippet`` is about twenty words of the best of them, matched words in [brackets].
    ``score`` orders hits of one search (higher is better): 1 and more when the title alone
    matches the whole query, plus the backend's rank squashed into [0, 1).
    """

    id: str
    title: str
    score: float
    snippet: str
    matched: tuple[str, ...]
    date: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        """The hit as plain JSON values: id, title, score, snippet, matched."""
        return {
            "id": self.id,
            "title": self.title,
            "score": float(f"{self.score:.6g}"),
            "snippet": self.snippet,
            "matched": list(self.matched),
        }


# -- what is indexed --------------------------------------------------------------------


def _join(parts: Iterable[str | None]) -> str:
    return "\n".join(p.translate(_MARKS) for p in parts if p and p.strip())


def field_texts(incident: Incident) -> dict[str, str]:
    """The text of each field of ``incident``, as the index holds it.

    Hypotheses go with the findings (what the analysis proposes), a finding's table rows
    with its sentence (package names and versions), stated windows with the timeline, and
    a log change's example line and hosts with its template.
    """
    return {
        "title": _join([incident.title]),
        "summary": _join([incident.summary]),
        "sections": _join(p for s in incident.sections for p in (s.title, s.text)),
        "timeline": _join(
            [
                *(p for e in incident.events for p in (e.text, *e.details)),
                *(w.text for w in incident.stated_windows),
            ]
        ),
        "actions": _join(p for a in incident.action_items for p in (a.text, a.owner)),
        "findings": _join(
            [
                *(
                    p
                    for f in incident.findings
                    for p in (f.message, *(" ".join(map(str, row)) for row in f.rows))
                ),
                *(h.text for h in incident.hypotheses),
            ]
        ),
        "templates": _join(
            p for c in incident.log_changes for p in (c.template, c.example, " ".join(c.hosts))
        ),
        "metrics": _join(p for c in incident.metric_changes for p in (c.series, c.query)),
    }


def incident_day(incident: Incident) -> dt.date | None:
    """The incident's date, for --since/--until: its document's date, else the day of its
    first event (an instant's UTC date, or the date an entry states without a time)."""
    if incident.document_date is not None:
        return incident.document_date
    days = [
        e.at.astimezone(dt.UTC).date() if e.at is not None else e.date
        for e in incident.events
        if e.at is not None or e.date is not None
    ]
    return min((d for d in days if d is not None), default=None)


def facet_columns(incident: Incident) -> dict[str, Any]:
    """The `FACETS` of ``incident`` as its search row holds them, marked as worked out
    (``faceted``; see migration 0011)."""
    # Imported here: the facets' rules read host names as the log readers do, a tenth of
    # a second of imports that a command only reading the library does without.
    from retroline.analysis.facets import facets

    found = facets(incident)
    return {**{name: getattr(found, name) for name in FACETS}, "faceted": True}


def index(conn: Connection, incident_id: str, incident: Incident) -> None:
    """Write ``incident``'s search row over the stored one, on the caller's transaction."""
    unindex(conn, incident_id)
    conn.execute(
        insert(schema.search_docs).values(
            incident_id=incident_id,
            day=incident_day(incident),
            **field_texts(incident),
            **facet_columns(incident),
        )
    )


def unindex(conn: Connection, incident_id: str) -> None:
    """Drop an incident's search row (the triggers or the generated column follow)."""
    docs = schema.search_docs
    conn.execute(delete(docs).where(docs.c.incident_id == incident_id))


# -- the query ---------------------------------------------------------------------------

# A quoted phrase (the closing quote may be missing) or a bare word, each maybe after '-'.
_TOKEN = re.compile(r'(-*)"([^"]*)"?|(-*)([^\s"]+)')


@dataclass(frozen=True)
class Term:
    """A word or a quoted phrase of the query; ``negated``: it must not appear."""

    text: str
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed query: alternatives (``or``), each a list of terms that must all hold."""

    clauses: tuple[tuple[Term, ...], ...]

    @property
    def positive(self) -> list[Term]:
        """Every term that must appear in some alternative: what snippets mark."""
        return [t for clause in self.clauses for t in clause if not t.negated]

    def fts5(self, fields: Sequence[str] = ()) -> str:
        """The query in FTS5's syntax, every term a quoted string; restricted to ``fields``."""
        return _restrict(" OR ".join(f"({_fts5_clause(c)})" for c in self.clauses), fields)

    def fts5_any(self, fields: Sequence[str] = ()) -> str:
        """Any positive term, in FTS5's syntax: what marks a field as matched."""
        return _restrict(" OR ".join(_fts5_string(t.text) for t in self.positive), fields)

    def websearch(self) -> str:
        """The query as ``websearch_to_tsquery`` reads it, every term in quotes."""
        return " or ".join(
            " ".join(("-" if t.negated else "") + _websearch_string(t.text) for t in clause)
            for clause in self.clauses
        )

    def websearch_any(self) -> str:
        """Any positive term, as ``websearch_to_tsquery`` reads it."""
        return " or ".join(_websearch_string(t.text) for t in self.positive)


def _websearch_string(text: str) -> str:
    """A term in quotes, split where the stored vectors are (see `PG_SPLIT`)."""
    return '"' + re.sub(PG_SPLIT, r"\1 ", text) + '"'


def _fts5_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _fts5_clause(clause: Sequence[Term]) -> str:
    positive = " AND ".join(_fts5_string(t.text) for t in clause if not t.negated)
    negative = " OR ".join(_fts5_string(t.text) for t in clause if t.negated)
    return f"({positive}) NOT ({negative})" if negative else positive


def _restrict(expression: str, fields: Sequence[str]) -> str:
    return f"{{{' '.join(fields)}}} : ({expression})" if fields else expression


def _printable(text: str, keep: str = "") -> str:
    """``text`` without control, format, private-use or lone surrogate characters (but those
    in ``keep``)."""
    return "".join(
        " " if unicodedata.category(ch)[0] == "C" and ch not in keep else ch for ch in text
    )


def parse(text: str) -> Query:
    """Read a query as web search engines do; a UsageError when nothing can be searched.

    >>> parse('disk -"read only" or inode').websearch()
    '"disk" -"read only" or "inode"'
    """
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(
            f"the search is {len(text):,} characters long; search for a few distinctive words "
            f"(at most {MAX_QUERY_CHARS:,} characters)"
        )
    clauses: list[list[Term]] = [[]]
    count = 0
    for match in _TOKEN.finditer(_printable(text)):
        dashes, phrase, word_dashes, word = match.groups()
        if word is not None and word.lower() == "or" and not word_dashes:
            clauses.append([])
            continue
        words = " ".join((phrase if phrase is not None else word).split())
        if not any(ch.isalnum() for ch in words):
            continue  # punctuation alone: nothing a word index can look for
        clauses[-1].append(Term(words, negated=bool(dashes or word_dashes)))
        count += 1
        if count > MAX_TERMS:
            raise UsageError(
                f"the search has more than {MAX_TERMS} words or phrases; keep the few that "
                'are distinctive, or put words that belong together in "quotes"'
            )
    # An alternative of excluded words alone would match nearly everything: dropped.
    kept = tuple(tuple(c) for c in clauses if any(not t.negated for t in c))
    if not kept:
        raise UsageError(
            f"nothing to search for in {text.strip()[:80]!r}: give at least one word "
            '(-word excludes a word, "two words" is a phrase, or between words gives either)'
        )
    return Query(kept)


# -- searching ---------------------------------------------------------------------------


def _as_day(value: dt.date | dt.datetime | None) -> dt.date | None:
    """A --since/--until bound as a date: an aware instant's UTC date, a naive one's own."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date() if value.tzinfo is not None else value.date()
    return value


def _kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    if isinstance(kinds, str):
        kinds = [kinds]
    wanted = {k.strip().lower() for k in kinds if k.strip()}
    unknown = sorted(wanted - set(FIELDS))
    if unknown:
        raise UsageError(
            f"unknown kind {', '.join(map(repr, unknown))}: choose among {', '.join(FIELDS)}"
        )
    return tuple(f for f in FIELDS if f in wanted)


@dataclass(frozen=True)
class Request:
    """A search, checked: the parsed query, the date bounds (both included), the fields a
    hit must match in (empty: any), the number of hits wanted, and the facets (`FACETS`)
    a hit must have, as (name, value)."""

    text: str
    query: Query
    first: dt.date | None
    last: dt.date | None
    fields: tuple[str, ...]
    limit: int
    facets: tuple[tuple[str, str], ...] = ()


def request(
    query: str,
    *,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    kinds: Sequence[str] = (),
    limit: int = 20,
    service: str | None = None,
    cause: str | None = None,
) -> Request:
    """Check a search's arguments before any database is touched; a UsageError says what is
    wrong with them. ``service`` and ``cause`` keep the incidents of that facet value."""
    parsed = parse(query)
    fields = _kinds(kinds)
    first, last = _as_day(since), _as_day(until)
    if first is not None and last is not None and first > last:
        raise UsageError(f"--since {first} is after --until {last}: nothing can be in between")
    if limit < 1:
        raise UsageError(f"--limit {limit}: give a number of results of 1 or more")
    facets = tuple((n, v) for n, v in zip(FACETS, (service, cause), strict=True) if v)
    return Request(query, parsed, first, last, fields, limit, facets)


def search(conn: Connection, wanted: Request) -> list[SearchHit]:
    """The incidents that match, best first, on an open connection (either backend).

    ``wanted.first`` and ``wanted.last`` bound the incident's date (`incident_day`);
    ``wanted.fields`` keeps the incidents that match in one of those fields.
    """
    if conn.dialect.name == "postgresql":
        return _search_postgresql(conn, wanted)
    try:
        return _search_sqlite(conn, wanted)
    except OperationalError as exc:
        # A safety net: `parse` quotes every term, so FTS5 should never refuse a query.
        message = str(exc.orig)
        if message.startswith("fts5:"):
            raise UsageError(f"cannot search for {wanted.text.strip()[:80]!r}: {message}") from exc
        raise


def _within(wanted: Request) -> list[Any]:
    """The conditions on a search row besides its text: its day and its facets."""
    docs = schema.search_docs
    conditions = []
    if wanted.first is not None:
        conditions.append(docs.c.day >= bindparam("since", wanted.first, type_=Date))
    if wanted.last is not None:
        conditions.append(docs.c.day <= bindparam("until", wanted.last, type_=Date))
    for name, value in wanted.facets:
        conditions.append(docs.c[name] == bindparam(name, value))
    return conditions


def _score(titled: bool | int | None, rank: float) -> float:
    """The tier (the title alone matches the whole query) plus the rank, squashed."""
    rank = max(rank, 0.0)
    return float(bool(titled)) + rank / (1.0 + rank)


def _plain(marked: str | None) -> str:
    """A marked excerpt as one line of plain text, matched words in [brackets] (neighbours
    joined: ``[disk full]``)."""
    marked = (marked or "").replace(_PG_SEPARATOR, "")
    text = " ".join(_printable(marked, keep=_OPEN + _CLOSE).split())
    text = re.sub(f"{_CLOSE}(\\s*){_OPEN}", r"\1", text)
    return text.replace(_OPEN, "[").replace(_CLOSE, "]")


# SQLite: FTS5 over search_docs (its external content), joined back to it by rowid = seq.
_FTS = table("search_fts", column("rowid"))
_FTS_MATCH: ColumnElement[Any] = literal_column("search_fts")


def _search_sqlite(conn: Connection, wanted: Request) -> list[SearchHit]:
    query, fields = wanted.query, wanted.fields
    docs = schema.search_docs
    weights = [10 * LABEL_WEIGHTS[LABELS[f]] for f in FIELDS]
    rank = func.bm25(_FTS_MATCH, *weights).label("rank")
    titled: ColumnElement[Any] = literal(False)
    if not fields or "title" in fields:
        in_title = select(_FTS.c.rowid).where(_matches(query.fts5(["title"]))).correlate(None)
        titled = _FTS.c.rowid.in_(in_title)
    titled = titled.label("titled")
    found = conn.execute(
        select(docs.c.seq, docs.c.incident_id, docs.c.title, docs.c.day, rank, titled)
        .select_from(_FTS.join(docs, docs.c.seq == _FTS.c.rowid))
        .where(_matches(query.fts5(fields)), *_within(wanted))
        .order_by(titled.desc(), rank, docs.c.incident_id)
        .limit(wanted.limit)
    ).all()
    if not found:
        return []
    seqs = [r.seq for r in found]
    in_hits = _FTS.c.rowid.in_(seqs)
    matched: dict[int, list[str]] = {s: [] for s in seqs}
    for field in fields or FIELDS:
        for (seq,) in conn.execute(
            select(_FTS.c.rowid).where(_matches(query.fts5_any([field])), in_hits)
        ):
            matched[seq].append(field)
    snippet = func.snippet(_FTS_MATCH, -1, _OPEN, _CLOSE, "…", SNIPPET_WORDS)
    marked = select(_FTS.c.rowid, snippet).where(_matches(query.fts5_any(fields)), in_hits)
    snippets: dict[int, str] = {seq: text for seq, text in conn.execute(marked)}
    return [
        SearchHit(
            id=r.incident_id,
            title=r.title,
            score=_score(r.titled, -float(r.rank)),
            snippet=_plain(snippets.get(r.seq)),
            matched=tuple(matched[r.seq]),
            date=r.day,
        )
        for r in found
    ]


def _matches(expression: str) -> ColumnElement[bool]:
    """``search_fts MATCH :expression``: a bound parameter, never SQL text."""
    return _FTS_MATCH.op("MATCH", is_comparison=True)(bindparam(None, expression))


# PostgreSQL: the generated, weighted tsvector; per field, tsvectors made at query time for
# the few rows found.
_DOCUMENT = literal_column("search_docs.document", pg.TSVECTOR)
# ts_rank_cd's weights, in its order {D, C, B, A}.
_PG_WEIGHTS = [LABEL_WEIGHTS[label] for label in "DCBA"]
# Divide the rank by 1 + log(length): a long incident does not win on length alone.
_PG_NORMALIZATION = 1
_HEADLINE = (
    f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords={SNIPPET_WORDS}, MinWords=5, ShortWord=0, "
    'MaxFragments=1, FragmentDelimiter=" … "'
)


# setweight takes a "char", which no bound parameter casts to: the four constants.
_LABEL_SQL: dict[str, ColumnElement[Any]] = {
    label: literal_column(f"'{label}'") for label in LABEL_WEIGHTS
}


def _pg_split(text: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.regexp_replace(text, PG_SPLIT, literal_column("'\\1' || chr(1)"), "g")


def _field_text(field: str) -> ColumnElement[Any]:
    return _pg_split(schema.search_docs.c[field])


def _field_vector(field: str) -> ColumnElement[Any]:
    return pg.to_tsvector(TEXT_CONFIG, _field_text(field))


def _search_postgresql(conn: Connection, wanted: Request) -> list[SearchHit]:
    query, fields = wanted.query, wanted.fields
    docs = schema.search_docs
    tsquery = pg.websearch_to_tsquery(TEXT_CONFIG, bindparam("query", query.websearch()))
    anyq = pg.websearch_to_tsquery(TEXT_CONFIG, bindparam("any", query.websearch_any()))
    vector: ColumnElement[Any] = _DOCUMENT
    conditions = [_DOCUMENT.op("@@")(tsquery)]
    if fields:
        # Only the chosen fields count, for the match and its rank alike. The vectors are
        # made for the incidents that hold a searched word, which the index finds.
        parts = [func.setweight(_field_vector(f), _LABEL_SQL[LABELS[f]]) for f in fields]
        vector = parts[0]
        for part in parts[1:]:
            vector = vector.op("||")(part)
        conditions = [_DOCUMENT.op("@@")(anyq), vector.op("@@")(tsquery)]
    rank = func.ts_rank_cd(
        cast(pg.array(_PG_WEIGHTS), pg.ARRAY(REAL)), vector, tsquery, _PG_NORMALIZATION
    ).label("rank")
    titled: ColumnElement[Any] = literal(False)
    if not fields or "title" in fields:
        titled = _field_vector("title").op("@@")(tsquery)
    titled = titled.label("titled")
    found = conn.execute(
        select(docs.c.incident_id, docs.c.title, docs.c.day, rank, titled)
        .where(*conditions, *_within(wanted))
        .order_by(titled.desc(), rank.desc(), docs.c.incident_id)
        .limit(wanted.limit)
    ).all()
    if not found:
        return []
    ids = [r.incident_id for r in found]
    checked = fields or FIELDS
    # Each field's vector made once (MATERIALIZED: not once per use), for the hits only.
    vectors = (
        select(docs.c.incident_id, *(_field_vector(f).label(f) for f in checked))
        .where(docs.c.incident_id.in_(ids))
        .cte("vectors")
        .prefix_with("MATERIALIZED")
    )
    per_field = conn.execute(
        select(
            vectors.c.incident_id,
            *(func.ts_rank_cd(vectors.c[f], anyq).label(f) for f in checked),
            *(vectors.c[f].op("@@")(anyq).label(f"in_{f}") for f in checked),
        )
    ).all()
    matched: dict[str, tuple[str, ...]] = {}
    best: dict[str, str] = {}
    for row in per_field:
        values = row._mapping
        hit = matched[row.incident_id] = tuple(f for f in checked if values[f"in_{f}"])
        if hit:
            # The best field: the densest match, by the field's weight; the first on a tie.
            best[row.incident_id] = max(
                hit, key=lambda f: (values[f] * LABEL_WEIGHTS[LABELS[f]], -FIELDS.index(f))
            )
    snippets: dict[str, str] = {}
    for field in checked:
        chosen = [i for i in ids if best.get(i) == field]
        if chosen:
            headline = pg.ts_headline(TEXT_CONFIG, _field_text(field), anyq, _HEADLINE)
            marked = select(docs.c.incident_id, headline).where(docs.c.incident_id.in_(chosen))
            snippets.update({i: text for i, text in conn.execute(marked)})
    return [
        SearchHit(
            id=r.incident_id,
            title=r.title,
            score=_score(r.titled, float(r.rank)),
            snippet=_plain(snippets.get(r.incident_id)),
            matched=matched.get(r.incident_id, ()),
            date=r.day,
        )
        for r in found
    ]
