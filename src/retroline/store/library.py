"""The incident library: save, read, list and remove incidents, on SQLite or PostgreSQL.

Every write is one transaction (``Library.atomic``): an import that fails halfway, or a
process killed in the middle of one, leaves the library exactly as it was. Ingestion is
idempotent: documents are content-addressed, so the same bytes imported twice are one
incident, and a document whose identity (``key``) is known updates its incident in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, delete, event, func, insert, select, update
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from retroline.errors import AmbiguousIdError, DatabaseError, MigrationError, NotFoundError
from retroline.instants import iso_utc_or_none
from retroline.model import Incident
from retroline.store import migrate, rows, schema
from retroline.store.url import describe, resolve_url

__all__ = ["IncidentSummary", "Library", "SaveResult", "SaveStatus", "incident_key"]

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


@dataclass(frozen=True)
class IncidentSummary:
    """One line of the library's listing."""

    id: str
    title: str
    document_date: dt.date | None
    events: int
    documents: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    updated_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        """The summary as plain JSON values (instants in UTC with a ``Z``)."""

        iso = iso_utc_or_none

        return {
            "id": self.id,
            "title": self.title,
            "document_date": self.document_date.isoformat() if self.document_date else None,
            "events": self.events,
            "documents": self.documents,
            "first_at": iso(self.first_at),
            "last_at": iso(self.last_at),
            "updated_at": iso(self.updated_at),
        }


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


class Library:
    """A library of incidents behind one database URL; nothing connects until first use.

    >>> lib = Library("sqlite://")      # in memory
    >>> lib.summaries()
    []
    """

    def __init__(self, db: str | URL | None = None) -> None:
        self.url: URL = db if isinstance(db, URL) else resolve_url(db)
        self._engine: Engine | None = None

    def __repr__(self) -> str:
        return f"Library({describe(self.url)!r})"

    # -- connection -----------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The engine, created and migrated on first use."""
        if self._engine is None:
            with self._translated("open"):
                engine = self._create_engine()
                try:
                    self._migrate(engine)
                except BaseException:
                    engine.dispose()
                    raise
            self._engine = engine
        return self._engine

    def _create_engine(self) -> Engine:
        url = self.url
        if url.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True)
        if url.database in (None, "", ":memory:"):
            engine = create_engine(
                url, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            from pathlib import Path

            folder = Path(url.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot make the library's folder {folder}: {exc.strerror or exc}"
                ) from exc
            engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # Cascading deletes of an incident's rows rely on foreign keys, off by default.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine

    def _migrate(self, engine: Engine) -> None:
        with engine.begin() as conn:
            have, want = migrate.current(conn), migrate.head()
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
            detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise DatabaseError(
                f"cannot {doing} the library {describe(self.url)}: "
                f"{detail[0] if detail else type(exc).__name__}"
            ) from exc

    @contextmanager
    def atomic(self) -> Iterator[Connection]:
        """One unit of work: everything inside is written together or not at all."""
        engine = self.engine
        with self._translated("write to"), engine.begin() as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        engine = self.engine
        with self._translated("read"), engine.connect() as conn:
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

        new_docs = [d for d in incident.documents if d.sha256 not in known]
        if new_docs:
            conn.execute(
                insert(schema.documents),
                [rows.document_row(d, incident_id, start + i, now) for i, d in enumerate(new_docs)],
            )
        _write_children(conn, incident_id, incident, clear=status is SaveStatus.UPDATED)
        return SaveResult(incident_id, status, incident.title, len(incident.events))

    def replace(self, ident: str, incident: Incident) -> SaveResult:
        """Replace the content of a stored incident (title, timeline, sections...), found by
        id or unique id prefix, in one transaction. Its documents and identity stay."""
        with self.atomic() as conn:
            incident_id = self._resolve(conn, ident)
            _update_head(conn, incident_id, incident, _now())
            _write_children(conn, incident_id, incident, clear=True)
        return SaveResult(incident_id, SaveStatus.UPDATED, incident.title, len(incident.events))

    def remove(self, ident: str) -> str:
        """Delete an incident and everything it owns; returns its full id."""
        with self.atomic() as conn:
            incident_id = self._resolve(conn, ident)
            # Children first: PostgreSQL cascades, but SQLite files made without the pragma
            # would not, and explicit deletes make the order of work obvious.
            for table, _model in rows.CHILDREN.values():
                conn.execute(delete(table).where(table.c.incident_id == incident_id))
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
            found = conn.execute(select(table).order_by(table.c.seq, table.c.id)).all()
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
            for r in found
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

    def get(self, ident: str) -> Incident:
        """The incident with this id (or unique id prefix), as it was saved."""
        with self._reading() as conn:
            incident_id = self._resolve(conn, ident)
            head = conn.execute(
                select(schema.incidents).where(schema.incidents.c.id == incident_id)
            ).one()
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
                    select(table)
                    .where(table.c.incident_id == incident_id)
                    .order_by(table.c.position)
                )
                data[attr] = [rows.child_model(model, r) for r in found]
            return Incident.model_validate(data)

    def summaries(self) -> list[IncidentSummary]:
        """Every incident in the library, newest document first."""
        ev, doc, inc = schema.events, schema.documents, schema.incidents
        ev_stats = (
            select(
                ev.c.incident_id,
                func.count().label("n"),
                func.min(ev.c.at).label("first_at"),
                func.max(ev.c.at).label("last_at"),
            )
            .group_by(ev.c.incident_id)
            .subquery()
        )
        doc_stats = (
            select(doc.c.incident_id, func.count().label("n"))
            .group_by(doc.c.incident_id)
            .subquery()
        )
        query = (
            select(
                inc.c.id,
                inc.c.title,
                inc.c.document_date,
                inc.c.updated_at,
                func.coalesce(ev_stats.c.n, 0).label("events"),
                func.coalesce(doc_stats.c.n, 0).label("documents"),
                ev_stats.c.first_at,
                ev_stats.c.last_at,
            )
            .outerjoin(ev_stats, ev_stats.c.incident_id == inc.c.id)
            .outerjoin(doc_stats, doc_stats.c.incident_id == inc.c.id)
            .order_by(inc.c.document_date.desc().nulls_last(), inc.c.title, inc.c.id)
        )
        with self._reading() as conn:
            return [
                IncidentSummary(
                    id=r.id,
                    title=r.title,
                    document_date=r.document_date,
                    events=r.events,
                    documents=r.documents,
                    first_at=r.first_at,
                    last_at=r.last_at,
                    updated_at=r.updated_at,
                )
                for r in conn.execute(query)
            ]
