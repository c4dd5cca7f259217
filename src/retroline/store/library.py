"""The incident library: save, read, list and remove incidents, on SQLite or PostgreSQL.

Every write is one transaction (``Library.atomic``): an import that fails halfway, or a
process killed in the middle of one, leaves the library exactly as it was. Ingestion is
idempotent: documents are content-addressed, so the same bytes imported twice are one
incident, and a document whose identity (``key``) is known updates its incident in place.
Writers take turns (`_writing`), so this holds for two processes importing at once
too: the second finds what the first stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import (
    Engine,
    bindparam,
    create_engine,
    delete,
    event,
    false,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from retroline.analysis.edits import applied, new_edit, person
from retroline.errors import (
    AmbiguousIdError,
    DatabaseError,
    MigrationError,
    NotFoundError,
    UsageError,
)
from retroline.instants import iso_utc_or_none
from retroline.model import Edit, EditAction, Incident
from retroline.store import listing, migrate, rows, schema
from retroline.store import search as fulltext
from retroline.store.listing import IncidentSummary, Listing
from retroline.store.search import SearchHit
from retroline.store.url import describe, resolve_url

__all__ = [
    "CONNECT_TIMEOUT_VAR",
    "STATEMENT_TIMEOUT_VAR",
    "Library",
    "SaveResult",
    "SaveStatus",
    "SearchHit",
    "Timeouts",
    "incident_key",
]

ID_LENGTH = 12


class SaveStatus(StrEnum):
    """What saving an incident did to the library."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class SaveResult:
    """The outcome of saving one incident."""

    id: str
    status: SaveStatus
    title: str
    events: int


def incident_key(incident: Incident) -> str:
    """The identity of an incident across imports: its first document's hash, else its title.

    Readers that recognise revisions of one document set a key of their own instead.
    """
    if incident.documents:
        return "sha256:" + incident.documents[0].sha256
    return "title:" + hashlib.sha256(incident.title.encode()).hexdigest()


def _seen(value: dt.datetime | None) -> dt.datetime | None:
    return rows.naive_utc(value) if value is not None else None


def _update_head(
    conn: Connection,
    incident_id: str,
    incident: Incident,
    now: dt.datetime,
    inputs: str | None = None,
) -> None:
    """Write an incident's own fields (title, date, summary) over the stored ones; and the
    hash of its inputs, when known."""
    values = {"updated_at": now, **rows.incident_row(incident)}
    if inputs is not None:
        values["inputs"] = inputs
    conn.execute(
        update(schema.incidents).where(schema.incidents.c.id == incident_id).values(values)
    )


def _write_children(conn: Connection, incident_id: str, incident: Incident, *, clear: bool) -> None:
    """Write an incident's lists (timeline, sections, ...), replacing the stored ones."""
    for attr, (table, _model) in rows.CHILDREN.items():
        if clear:
            conn.execute(delete(table).where(table.c.incident_id == incident_id))
        items = getattr(incident, attr)
        if items:
            conn.execute(
                insert(table), [rows.child_row(it, incident_id, i) for i, it in enumerate(items)]
            )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# -- connecting ---------------------------------------------------------------------------
#
# Timeouts: connecting and each statement have a limit (RETROLINE_DB_CONNECT_TIMEOUT,
# RETROLINE_DB_STATEMENT_TIMEOUT, in seconds), so that a server that never answers, or a lock
# that is never released, ends the command with an error instead of hanging it.
#
# One writer at a time: every write transaction (and the migration) first takes the
# library's write lock, so that what it looks up (is this document stored? this key?) stays
# true until it commits. On SQLite that is BEGIN IMMEDIATE, waiting up to the statement
# timeout for another writer; on PostgreSQL a transaction-level advisory lock. Reads do not
# take it.
#
# Failures in words: `_translated_error` turns a driver's exception into a one-line
# DatabaseError that names the library (without its password) and says what happened: it
# timed out, it is damaged or not a Retroline library, or the database's own message.

CONNECT_TIMEOUT_VAR = "RETROLINE_DB_CONNECT_TIMEOUT"
STATEMENT_TIMEOUT_VAR = "RETROLINE_DB_STATEMENT_TIMEOUT"

# libpq counts the connect timeout in whole seconds and takes 2 for anything smaller.
PG_MIN_CONNECT_TIMEOUT = 2

# The execution option that marks a connection's transaction as a write (see `_writing`).
_WRITE = "retroline_write"

# The key of the PostgreSQL advisory lock that writers of a library take (one per database).
WRITE_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"retroline: library write lock").digest()[:8], "big", signed=True
)

# PostgreSQL's SQLSTATEs read by `_translated_error`.
_QUERY_CANCELED = "57014"  # statement_timeout expired
_UNDEFINED = {"42P01", "42703"}  # a table or column the schema should have is missing


@dataclass(frozen=True)
class Timeouts:
    """How long to wait, in seconds, for a connection and for each statement (on SQLite:
    for another process's write lock)."""

    connect: float = 10.0
    statement: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Timeouts:
        """The timeouts set by the environment, the defaults for those it does not set."""
        env = os.environ if environ is None else environ
        return cls(
            connect=_seconds(env, CONNECT_TIMEOUT_VAR, cls.connect),
            statement=_seconds(env, STATEMENT_TIMEOUT_VAR, cls.statement),
        )

    @property
    def pg_connect(self) -> int:
        """The connect timeout as libpq takes it: whole seconds, at least 2."""
        return max(PG_MIN_CONNECT_TIMEOUT, math.ceil(self.connect))


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from variable ``name``; ``default`` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    wrong = UsageError(f"{name}={raw!r}: give the timeout as a number of seconds above 0")
    try:
        value = float(raw)
    except ValueError as exc:
        raise wrong from exc
    if not (math.isfinite(value) and value > 0):
        raise wrong
    return value


def _create_engine(url: URL, timeouts: Timeouts) -> Engine:
    """An engine for ``url`` with the timeouts and the transaction handling above.

    Nothing connects yet. A driver we do not have installed is a UsageError."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, timeouts)
    query_options = url.query.get("options")
    options = [query_options] if isinstance(query_options, str) else []
    options.append(f"-c statement_timeout={math.ceil(timeouts.statement * 1000)}")
    try:
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": timeouts.pg_connect, "options": " ".join(options)},
        )
    except ImportError as exc:
        raise UsageError(
            f"--db {describe(url)}: PostgreSQL needs the psycopg package, which is not "
            f"installed ({exc}): pip install 'retroline[postgresql]'"
        ) from exc


def _sqlite_engine(url: URL, timeouts: Timeouts) -> Engine:
    if url.database in (None, "", ":memory:"):
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"cannot make the library's folder {folder}: {exc.strerror or exc}"
            ) from exc
        # The busy timeout: how long a statement waits for another process's lock.
        engine = create_engine(url, connect_args={"timeout": timeouts.statement})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # sqlite3 would begin transactions itself, and only before INSERT/UPDATE/DELETE, so
        # DDL (the migrations) ran outside any transaction and writes took their lock late.
        # Transactions are begun by `_on_begin` instead (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Cascading deletes of an incident's rows rely on foreign keys, off by default.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write takes the write lock at once (waiting up to the busy timeout), so that
        # what it reads stays true until it commits; a read never takes it.
        writes = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


@contextmanager
def _writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction that holds the library's write lock from its first statement to
    its commit: one writer at a time, on either backend. Commits on success."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))
            yield conn


def _damaged(url: URL, exc: BaseException) -> DatabaseError:
    """The error for a library whose content does not read as Retroline's."""
    return DatabaseError(
        f"the library {describe(url)} is not a Retroline library or is damaged: {_first_line(exc)}"
    )


def _translated_error(
    url: URL, timeouts: Timeouts, doing: str, exc: SQLAlchemyError
) -> DatabaseError:
    """A driver's failure as one line naming the library: timed out, damaged, or else the
    database's own first line."""
    orig: BaseException = getattr(exc, "orig", None) or exc
    where = f"cannot {doing} the library {describe(url)}"
    if _connect_timed_out(orig):
        return DatabaseError(
            f"{where}: timed out after {timeouts.pg_connect} s connecting to the server "
            f"(limit set by {CONNECT_TIMEOUT_VAR})"
        )
    if getattr(orig, "sqlstate", None) == _QUERY_CANCELED:
        return DatabaseError(
            f"{where}: timed out after {timeouts.statement:g} s waiting for the database "
            f"(limit set by {STATEMENT_TIMEOUT_VAR})"
        )
    if isinstance(orig, sqlite3.Error):
        code = (getattr(orig, "sqlite_errorcode", 0) or 0) & 0xFF
        if code == sqlite3.SQLITE_BUSY:
            return DatabaseError(
                f"{where}: timed out after {timeouts.statement:g} s waiting for another "
                f"process that is using it (limit set by {STATEMENT_TIMEOUT_VAR})"
            )
        text = str(orig)
        if text.startswith("no such module: fts5"):
            return DatabaseError(
                f"{where}: it needs SQLite's full-text search (FTS5), which the sqlite3 module "
                f"of this Python ({sqlite3.sqlite_version}) lacks; use a Python whose SQLite "
                "has FTS5 (python.org and most distributions' builds do), or a PostgreSQL library"
            )
        if (
            code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
            or text.startswith("Could not decode to UTF-8")
            or text.startswith(("no such table", "no such column"))
        ):
            return _damaged(url, orig)
    if getattr(orig, "sqlstate", None) in _UNDEFINED:
        return _damaged(url, orig)
    return DatabaseError(f"{where}: {_first_line(orig)}")


def _connect_timed_out(orig: BaseException) -> bool:
    try:
        from psycopg.errors import ConnectionTimeout
    except ImportError:  # no psycopg, so no PostgreSQL connection to time out
        return False
    return isinstance(orig, ConnectionTimeout)


def _first_line(exc: BaseException) -> str:
    """The gist of ``exc`` on one line: for a row that fits no model, which field and why."""
    if isinstance(exc, ValidationError) and exc.errors():
        first = exc.errors()[0]
        field = ".".join([exc.title, *map(str, first["loc"])])
        return f"{field}: {first['msg']}"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class Library:
    """A library of incidents behind one database URL; nothing connects until first use.

    >>> lib = Library("sqlite://")      # in memory
    >>> lib.summaries()
    []
    """

    def __init__(self, db: str | URL | None = None, timeouts: Timeouts | None = None) -> None:
        self.url: URL = db if isinstance(db, URL) else resolve_url(db)
        # How long to wait for the server and for each statement: the environment's
        # RETROLINE_DB_CONNECT_TIMEOUT and RETROLINE_DB_STATEMENT_TIMEOUT, unless given.
        self.timeouts = timeouts if timeouts is not None else Timeouts.from_env()
        self._engine: Engine | None = None

    def __repr__(self) -> str:
        return f"Library({describe(self.url)!r})"

    # -- connection -----------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The engine, created and migrated on first use."""
        if self._engine is None:
            with self._translated("open"):
                engine = _create_engine(self.url, self.timeouts)
                try:
                    self._migrate(engine)
                except BaseException:
                    engine.dispose()
                    raise
            self._engine = engine
            try:
                self._refresh_facets()
            except BaseException:
                self.close()  # tried again on next use, rather than left half done
                raise
        return self._engine

    def _migrate(self, engine: Engine) -> None:
        """Bring the schema to this version's head, once, whoever else is opening it.

        The common case (already up to date) is one read. Otherwise the migration runs
        under the library's write lock, after looking again: another process may have
        migrated the library while this one waited for the lock."""
        want = migrate.head()
        with engine.connect() as conn:
            if migrate.current(conn) == want:
                return
        with _writing(engine) as conn:
            have = migrate.current(conn)
            if have == want:
                return
            try:
                migrate.upgrade(conn)
            except SQLAlchemyError:
                raise
            except Exception as exc:
                raise MigrationError(
                    f"cannot bring the library {describe(self.url)} up to date "
                    f"(it is at {have!r}, this Retroline expects {want!r}): {exc}"
                ) from exc

    def _refresh_facets(self) -> None:
        """Work out the service and cause of the incidents whose search row lacks them:
        those stored before migration 0011, which cannot apply the program's rules and
        leaves it to this, right after the library is brought up to date.

        Each incident is read as `get` reads it and its facets worked out as `index`
        does; they are written in one transaction, to the rows still unmarked (a row
        written meanwhile has its own). Once done, this is one indexed read per opening."""
        docs = schema.search_docs
        unmarked = docs.c.faceted == false()
        with self._reading() as conn:
            stale = conn.execute(select(docs.c.incident_id).where(unmarked)).scalars().all()
        if not stale:
            return
        found = []
        for incident_id in stale:
            try:
                incident = self.get(incident_id)
            except NotFoundError:
                continue  # removed meanwhile
            found.append({"key": incident_id, **fulltext.facet_columns(incident)})
        if found:
            with self.atomic() as conn:
                conn.execute(
                    update(docs).where(docs.c.incident_id == bindparam("key"), unmarked), found
                )

    def close(self) -> None:
        """Release the connections; the library can be used again afterwards."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        """Turn database driver errors into one-line DatabaseErrors naming the library."""
        try:
            yield
        except SQLAlchemyError as exc:
            raise _translated_error(self.url, self.timeouts, doing, exc) from exc

    @contextmanager
    def _decoded(self) -> Iterator[None]:
        """Stored values that do not convert back (bytes that are no UTF-8, a date that is no
        date, a row that fits no model) mean the library is damaged or is not ours: say so,
        naming it, instead of failing as an internal error."""
        try:
            yield
        except (ValueError, TypeError) as exc:
            raise _damaged(self.url, exc) from exc

    @contextmanager
    def atomic(self) -> Iterator[Connection]:
        """One unit of work: everything inside is written together or not at all, by one
        writer at a time (it holds the library's write lock; see `_writing`)."""
        engine = self.engine
        with self._translated("write to"), _writing(engine) as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        engine = self.engine
        with self._translated("read"), self._decoded(), engine.connect() as conn:
            yield conn

    # -- writing --------------------------------------------------------------------------

    def save(
        self, incident: Incident, *, key: str | None = None, inputs: str | None = None
    ) -> SaveResult:
        """Store one incident in its own transaction (see `save_in`)."""
        with self.atomic() as conn:
            return self.save_in(conn, incident, key=key, inputs=inputs)

    def save_many(
        self, incidents: Iterable[tuple[Incident, str | None, str | None]]
    ) -> list[SaveResult]:
        """Store several incidents as one transaction, all of them or none: each with its
        key and the hash of its inputs (see `save_in`)."""
        with self.atomic() as conn:
            return [
                self.save_in(conn, inc, key=key, inputs=inputs) for inc, key, inputs in incidents
            ]

    def save_in(
        self,
        conn: Connection,
        incident: Incident,
        *,
        key: str | None = None,
        inputs: str | None = None,
    ) -> SaveResult:
        """Store ``incident`` on an open transaction (see ``atomic``).

        When every document is already stored, the incident is unchanged, unless
        ``inputs`` (the hash of what it was made from: evidence, options, version) differs
        from the stored incident's: it is then made again from the same evidence, and
        replaces the stored one."""
        key = key or incident_key(incident)
        shas = [d.sha256 for d in incident.documents]
        known = set()
        remade: str | None = None
        if shas:
            found = conn.execute(
                select(schema.documents.c.sha256, schema.documents.c.incident_id).where(
                    schema.documents.c.sha256.in_(shas)
                )
            ).all()
            known = {sha for sha, _ in found}
            if len(known) == len(set(shas)):
                existing_id = found[0].incident_id
                stored_inputs = conn.execute(
                    select(schema.incidents.c.inputs).where(schema.incidents.c.id == existing_id)
                ).scalar_one_or_none()
                if inputs is None or stored_inputs == inputs:
                    return SaveResult(existing_id, SaveStatus.UNCHANGED, incident.title, -1)
                remade = existing_id

        now = _now()
        existing = (
            remade
            or conn.execute(
                select(schema.incidents.c.id).where(schema.incidents.c.key == key)
            ).scalar_one_or_none()
        )
        if existing is None:
            incident_id = hashlib.sha256(key.encode()).hexdigest()[:ID_LENGTH]
            conn.execute(
                insert(schema.incidents).values(
                    id=incident_id,
                    key=key,
                    created_at=now,
                    updated_at=now,
                    inputs=inputs,
                    **rows.incident_row(incident),
                )
            )
            status, start = SaveStatus.CREATED, 0
        else:
            incident_id = existing
            _update_head(conn, incident_id, incident, now, inputs)
            start = conn.execute(
                select(func.count()).where(schema.documents.c.incident_id == incident_id)
            ).scalar_one()
            status = SaveStatus.UPDATED

        # Content-addressed: two files of the same bytes (two hosts' identical package
        # lists, a log copied under another name) are stored once, as the first.
        new_docs = []
        for document in incident.documents:
            if document.sha256 not in known:
                known.add(document.sha256)
                new_docs.append(document)
        if new_docs:
            conn.execute(
                insert(schema.documents),
                [rows.document_row(d, incident_id, start + i, now) for i, d in enumerate(new_docs)],
            )
        _write_children(conn, incident_id, incident, clear=status is SaveStatus.UPDATED)
        _index(conn, incident_id, incident)
        return SaveResult(incident_id, status, incident.title, len(incident.events))

    def replace(self, ident: str, incident: Incident) -> SaveResult:
        """Replace the content of a stored incident (title, timeline, sections...), found by
        id or unique id prefix, in one transaction. Its documents and identity stay."""
        with self.atomic() as conn:
            incident_id = self._resolve(conn, ident)
            _update_head(conn, incident_id, incident, _now())
            _write_children(conn, incident_id, incident, clear=True)
            _index(conn, incident_id, incident)
        return SaveResult(incident_id, SaveStatus.UPDATED, incident.title, len(incident.events))

    def remove(self, ident: str) -> str:
        """Delete an incident and everything it owns; returns its full id."""
        with self.atomic() as conn:
            incident_id = self._resolve(conn, ident)
            # Children first: PostgreSQL cascades, but SQLite files made without the pragma
            # would not, and explicit deletes make the order of work obvious.
            for table, _model in rows.CHILDREN.values():
                conn.execute(delete(table).where(table.c.incident_id == incident_id))
            fulltext.unindex(conn, incident_id)
            conn.execute(delete(schema.edits).where(schema.edits.c.incident_id == incident_id))
            conn.execute(
                delete(schema.documents).where(schema.documents.c.incident_id == incident_id)
            )
            conn.execute(delete(schema.incidents).where(schema.incidents.c.id == incident_id))
            return incident_id

    # -- log templates --------------------------------------------------------------------

    def log_templates(self) -> list[dict[str, Any]]:
        """The stored state of the log template miner, in the order templates were created.

        Each item: id, template, tokens, count, merged_into, variants, siblings (the shape of
        ``TemplateMiner.export``), plus first_seen and last_seen (UTC, or None).
        """
        table = schema.log_templates
        with self._reading() as conn:
            return [
                {
                    **(r.state or {}),
                    "id": r.id,
                    "template": r.template,
                    "tokens": list(r.tokens),
                    "count": r.count,
                    "merged_into": r.merged_into,
                    "first_seen": rows.aware_utc(r.first_seen) if r.first_seen else None,
                    "last_seen": rows.aware_utc(r.last_seen) if r.last_seen else None,
                }
                for r in conn.execute(select(table).order_by(table.c.seq, table.c.id))
            ]

    def save_log_templates(self, items: Iterable[dict[str, Any]]) -> int:
        """Insert or update templates (shape of `log_templates`), all in one transaction.

        Counts and the learning state are replaced by the caller's (a miner that started
        from the stored state carries the stored counts on); first and last seen only widen.
        Returns the number of templates written.
        """
        table = schema.log_templates
        items = list(items)
        now = _now()
        with self.atomic() as conn:
            with self._decoded():
                stored = {
                    r.id: r
                    for r in conn.execute(
                        select(table.c.id, table.c.seq, table.c.first_seen, table.c.last_seen)
                    )
                }
                seq = max((r.seq for r in stored.values()), default=-1) + 1
            new, changed = [], []
            for item in items:
                old = stored.get(item["id"])
                first, last = _seen(item.get("first_seen")), _seen(item.get("last_seen"))
                if old is not None:
                    first = min((x for x in (first, old.first_seen) if x), default=None)
                    last = max((x for x in (last, old.last_seen) if x), default=None)
                row = {
                    "template": item["template"],
                    "tokens": list(item["tokens"]),
                    "state": {
                        "variants": item.get("variants") or {},
                        "siblings": item.get("siblings") or [],
                    },
                    "merged_into": item.get("merged_into"),
                    "count": int(item.get("count") or 0),
                    "first_seen": first,
                    "last_seen": last,
                    "updated_at": now,
                }
                if old is None:
                    new.append({"id": item["id"], "seq": seq, **row})
                    seq += 1
                else:
                    changed.append({"key": item["id"], **row})
            if new:
                conn.execute(insert(table), new)
            if changed:
                conn.execute(
                    update(table).where(table.c.id == bindparam("key")),
                    changed,
                )
        return len(new) + len(changed)

    # -- reading --------------------------------------------------------------------------

    def _resolve(self, conn: Connection, ident: str) -> str:
        """The full id for an id or a unique prefix of one."""
        ident = ident.strip().lower()
        if not ident:
            raise NotFoundError("give an incident id (see 'retroline list')")
        escaped = ident.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found = (
            conn.execute(
                select(schema.incidents.c.id)
                .where(schema.incidents.c.id.like(escaped + "%", escape="\\"))
                .limit(5)
            )
            .scalars()
            .all()
        )
        if ident in found:
            return ident
        if not found:
            raise NotFoundError(f"no incident {ident!r} in the library (see 'retroline list')")
        if len(found) > 1:
            raise AmbiguousIdError(
                f"{ident!r} matches several incidents ({', '.join(found)}): give more of the id"
            )
        return found[0]

    def get(self, ident: str, *, extracted: bool = False) -> Incident:
        """The incident with this id (or unique id prefix) as people corrected it: its
        edits applied and listed (see `retroline.analysis.edits`); with ``extracted``, as
        it was saved, its edits listed but not applied."""
        with self._reading() as conn:
            incident_id = self._resolve(conn, ident)
            incident = _stored(conn, incident_id)
            edits = _edits_of(conn, incident_id)
        if extracted:
            return incident.model_copy(update={"edits": edits})
        return applied(incident, edits)

    def summaries(self) -> list[IncidentSummary]:
        """Every incident in the library, the latest day first (see `listing`)."""
        return self.listing().incidents

    def listing(
        self,
        *,
        since: dt.date | None = None,
        until: dt.date | None = None,
        sort: str | None = None,
        service: str | None = None,
        cause: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> Listing:
        """A page of the library's incidents: ``limit`` of them (all when None) from
        ``offset`` on, in ``sort`` order (`SORTS`; "date" when not given), with how many
        pass the filters and how many there are.

        The filters: the incident's day between ``since`` and ``until``, both included
        (its document's date, else its first event's; an incident without a day is left
        out by either), and its ``service`` and ``cause`` (`store.search.FACETS`; a value
        no incident has matches nothing). The database filters, sorts, counts and cuts
        the page, so that a page of a large library reads no more than it shows.

        >>> Library("sqlite://").listing(service="dns", limit=100)
        Listing(incidents=[], matching=0, total=0)
        """
        with self._reading() as conn:
            return listing.page(
                conn,
                since=since,
                until=until,
                sort=sort,
                service=service,
                cause=cause,
                offset=offset,
                limit=limit,
            )

    def facet_values(self) -> dict[str, list[str]]:
        """The values of each of `store.search.FACETS` (service, cause) that the library's
        incidents have, in order: what its listing can be filtered by."""
        with self._reading() as conn:
            return listing.facet_values(conn)

    def search(
        self,
        query: str,
        *,
        since: dt.date | dt.datetime | None = None,
        until: dt.date | dt.datetime | None = None,
        kinds: Sequence[str] = (),
        limit: int = 20,
        service: str | None = None,
        cause: str | None = None,
    ) -> list[SearchHit]:
        """The incidents whose text matches ``query``, best first: "have we seen this before?"

        ``query`` reads as in a web search engine: every word must appear (any case, any
        ending: "disks" finds "disk"), ``"a phrase"`` in that order, ``-word`` must not,
        ``or`` between two parts gives either. ``since``/``until`` bound the incident's date
        (its document's, else its first event's), both included; ``kinds`` keeps incidents
        that match in one of those fields (``store.search.FIELDS``); ``service`` and
        ``cause`` those of that service or cause (as `listing`). Any text is a valid
        query or a UsageError, never a database error. See store/search.py for the ranking.

        >>> Library("sqlite://").search("disk full")
        []
        """
        # Checked before the library is opened: a wrong query needs no database.
        wanted = fulltext.request(
            query,
            since=since,
            until=until,
            kinds=kinds,
            limit=limit,
            service=service,
            cause=cause,
        )
        with self._reading() as conn:
            return fulltext.search(conn, wanted)

    # -- edits ----------------------------------------------------------------------------

    def edit(
        self,
        ident: str,
        action: EditAction | str,
        target: str | None,
        value: Any = None,
        *,
        by: str,
        reason: str = "",
    ) -> Edit:
        """Correct incident ``ident``: store the edit (see `analysis.edits.new_edit` for
        the actions and their values) beside its extracted values, in one transaction
        with its search text. Returns the edit, with its id and the value it replaced."""
        return self.edit_all(ident, [(action, target, value)], by=by, reason=reason)[0]

    def edit_all(
        self,
        ident: str,
        changes: Sequence[tuple[EditAction | str, str | None, Any]],
        *,
        by: str,
        reason: str = "",
    ) -> list[Edit]:
        """Several corrections of incident ``ident`` (each an action, a target and a
        value, as for `edit`), all stored or none, in the order given."""
        with self.atomic() as conn, self._decoded():
            incident_id = self._resolve(conn, ident)
            incident = _stored(conn, incident_id)
            edits = _edits_of(conn, incident_id)
            now = _now().replace(microsecond=0, tzinfo=dt.UTC)
            made = []
            for action, target, value in changes:
                edit = new_edit(
                    incident, edits, action, target, value, by=by, now=now, reason=reason
                )
                row = conn.execute(insert(schema.edits).values(rows.edit_row(edit, incident_id)))
                key = row.inserted_primary_key
                assert key is not None  # an insert into a table with a primary key
                edit = edit.model_copy(update={"id": key[0]})
                edits.append(edit)
                made.append(edit)
            _index(conn, incident_id, incident, edits)
            return made

    def undo_edit(self, ident: str, edit_id: int, *, by: str) -> Edit:
        """Take back edit ``edit_id`` of incident ``ident``: it stays, marked undone by
        ``by`` now, and no longer applies. Undoing an edit twice is a UsageError."""
        name = person(by)
        table = schema.edits
        with self.atomic() as conn, self._decoded():
            incident_id = self._resolve(conn, ident)
            edits = _edits_of(conn, incident_id)
            found = [e for e in edits if e.id == edit_id]
            if not found:
                raise NotFoundError(f"incident {incident_id} has no edit {edit_id}")
            if found[0].undone_at is not None:
                raise UsageError(
                    f"edit {edit_id} was already undone by {found[0].undone_by} "
                    f"at {iso_utc_or_none(found[0].undone_at)}"
                )
            now = _now().replace(microsecond=0)
            conn.execute(
                update(table).where(table.c.id == edit_id).values(undone_at=now, undone_by=name)
            )
            undone = found[0].model_copy(
                update={"undone_at": rows.aware_utc(now), "undone_by": name}
            )
            kept = [undone if e.id == edit_id else e for e in edits]
            corrected = applied(_stored(conn, incident_id), kept)
            fulltext.index(conn, incident_id, corrected)
            return next(e for e in corrected.edits if e.id == edit_id)


def _stored(conn: Connection, incident_id: str) -> Incident:
    """The incident ``incident_id`` as it was saved (its edits not read)."""
    head = conn.execute(select(schema.incidents).where(schema.incidents.c.id == incident_id)).one()
    data: dict[str, Any] = {
        "id": incident_id,
        "title": head.title,
        "document_date": head.document_date,
        "summary": head.summary,
    }
    docs = conn.execute(
        select(schema.documents)
        .where(schema.documents.c.incident_id == incident_id)
        .order_by(schema.documents.c.position)
    )
    data["documents"] = [rows.document_model(r) for r in docs]
    for attr, (table, model) in rows.CHILDREN.items():
        found = conn.execute(
            select(table).where(table.c.incident_id == incident_id).order_by(table.c.position)
        )
        data[attr] = [rows.child_model(model, r) for r in found]
    return Incident.model_validate(data)


def _edits_of(conn: Connection, incident_id: str) -> list[Edit]:
    """The edits of incident ``incident_id``, in the order they were made."""
    table = schema.edits
    found = conn.execute(
        select(table).where(table.c.incident_id == incident_id).order_by(table.c.id)
    )
    return [rows.edit_model(r) for r in found]


def _index(
    conn: Connection, incident_id: str, incident: Incident, edits: list[Edit] | None = None
) -> None:
    """Write the search text of ``incident`` (as saved) as its edits correct it: ``edits``,
    when the caller has them, else those stored."""
    if edits is None:
        edits = _edits_of(conn, incident_id)
    fulltext.index(conn, incident_id, applied(incident, edits) if edits else incident)
