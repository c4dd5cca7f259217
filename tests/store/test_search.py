"""Full-text search over the library, one contract on every backend: the best incident
first with a marked excerpt and the fields that matched, filters by field and by date, an
index kept in step with every write (and with none that fails), any query text a result or
a UsageError, and a library made before migration 0010 searchable once opened."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retroline.errors import DatabaseError, UsageError
from retroline.model import (
    ActionItem,
    Event,
    Finding,
    Incident,
    LogChange,
    MetricChange,
    Section,
    SectionKind,
    Source,
)
from retroline.store import Library, schema
from retroline.store import library as library_module
from retroline.store import search as search_module
from retroline.store.migrate import current, head
from retroline.store.search import FIELDS, SearchHit, field_texts, incident_day, parse
from tests.store.old_library import backend_url, migrated_to, old_incident_row

PM = Source(path="pm.md", line=1)


def at(day: str, hhmm: str = "12:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}:00+00:00")


def disk_full() -> Incident:
    """A database host whose disk filled: the words in the title, summary, timeline and a
    log template."""
    return Incident(
        title="Disk full on database host pg-main-2",
        document_date=dt.date(2024, 3, 4),
        summary="The data disk of the primary PostgreSQL host filled up; writes failed.",
        sections=[
            Section(
                kind=SectionKind.ROOT_CAUSE,
                title="Root cause",
                text="WAL archiving to the object store had been failing for two days, so "
                "segments piled up in pg_wal.",
            )
        ],
        events=[
            Event(
                at=at("2024-03-04", "02:10"),
                text="Alert: disk usage above 95% on pg-main-2",
                source=PM,
            ),
            Event(at=at("2024-03-04", "02:40"), text="Writes fail: the disk is full", source=PM),
        ],
        action_items=[ActionItem(text="Alert on archiver failures", owner="dba team")],
        log_changes=[
            LogChange(
                template_id="t1",
                template="could not write to file <*>: No space left on device",
                change="appeared",
                score=12.0,
                before=0,
                after=40,
                hosts=["pg-main-2"],
                example='could not write to file "pg_wal/xlogtemp.123": No space left on device',
            )
        ],
    )


def tls_expiry() -> Incident:
    return Incident(
        title="TLS certificate expired on the API gateway",
        document_date=dt.date(2024, 6, 11),
        summary="Clients failed the handshake for 40 minutes after the certificate expired.",
        events=[Event(at=at("2024-06-11", "00:00"), text="Certificate expires", source=PM)],
        action_items=[ActionItem(text="Monitor expiry dates of every certificate")],
    )


def relay_leak() -> Incident:
    """No document date: its date is its first event's (2024-09-20)."""
    return Incident(
        title="Memory leak in the message relay",
        summary="relayd grew until the OOM killer stopped it.",
        events=[
            Event(at=at("2024-09-21", "08:00"), text="relayd killed by the OOM killer", source=PM),
            Event(at=at("2024-09-20", "23:30"), text="relayd RSS starts rising", source=PM),
        ],
        metric_changes=[
            MetricChange(
                series="relayd_resident_memory_bytes",
                kind="trend",
                at=at("2024-09-20", "23:30"),
                score=80.0,
            )
        ],
        findings=[
            Finding(
                code="packages-differ",
                message="2 packages differ between relay-1 and relay-2",
                rows=[["package", "relay-1", "relay-2"], ["libzmq5", "4.3.4", "4.3.5"]],
            )
        ],
    )


def dns_outage() -> Incident:
    """Mentions a certificate, and a full disk, only in its action items."""
    return Incident(
        title="DNS resolution outage in eu-west",
        document_date=dt.date(2025, 1, 15),
        summary="Resolvers returned SERVFAIL after a bad zone push.",
        action_items=[
            ActionItem(text="Check certificate pinning on the resolvers"),
            ActionItem(text="Page when a resolver disk is full"),
        ],
    )


@pytest.fixture
def stocked(library: Library) -> dict[str, str]:
    """The four incidents saved; their ids by name."""
    return {
        name: library.save(make()).id
        for name, make in [
            ("disk", disk_full),
            ("tls", tls_expiry),
            ("relay", relay_leak),
            ("dns", dns_outage),
        ]
    }


def ids(hits: list[SearchHit]) -> list[str]:
    return [h.id for h in hits]


# -- ranking, snippets, matched fields -----------------------------------------------------


def test_disk_full_finds_the_disk_incident_first(library: Library, stocked: dict[str, str]) -> None:
    hits = library.search("disk full")
    assert ids(hits) == [stocked["disk"], stocked["dns"]]
    best = hits[0]
    assert best.title == "Disk full on database host pg-main-2"
    assert best.matched == ("title", "summary", "timeline")
    # the words marked, together or apart, in the title or the timeline
    assert re.search(r"\[disk(\]|\b).*\bfull\]", best.snippet, re.IGNORECASE), best.snippet
    assert len(best.snippet.split()) <= 25
    assert best.score > hits[1].score
    assert hits[1].matched == ("actions",)
    assert "[disk] is [full]" in hits[1].snippet
    assert best.to_json() == {
        "id": stocked["disk"],
        "title": best.title,
        "score": pytest.approx(best.score, rel=1e-5),
        "snippet": best.snippet,
        "matched": ["title", "summary", "timeline"],
    }
    assert best.date == dt.date(2024, 3, 4)


def test_a_title_match_outranks_a_match_only_in_an_action_item(
    library: Library, stocked: dict[str, str]
) -> None:
    hits = library.search("certificate")
    assert ids(hits) == [stocked["tls"], stocked["dns"]]
    assert hits[0].matched == ("title", "summary", "timeline", "actions")
    assert hits[1].matched == ("actions",)
    assert hits[1].snippet.startswith("Check [certificate] pinning on the resolvers")


def test_a_long_incident_named_for_the_query_still_comes_first(library: Library) -> None:
    """BM25 alone puts the short incident first: it divides by the length of the whole
    incident, which here is thirty times the library's average."""
    library.save_many(
        (Incident(title=f"Unrelated {i}", summary="nothing to see " * 5), None, None)
        for i in range(30)
    )
    steps = [
        Event(at=at("2024-02-01"), text=f"step {i}: rotated keys on node {i}", source=PM)
        for i in range(600)
    ]
    long = library.save(Incident(title="Certificate rotation failed", events=steps)).id
    short = library.save(
        Incident(title="Slow disks", action_items=[ActionItem(text="rotate the certificate")])
    ).id
    hits = library.search("certificate rotation")
    assert ids(hits) == [long, short]
    assert hits[0].score >= 1 > hits[1].score


def test_words_match_whatever_their_case_and_ending(
    library: Library, stocked: dict[str, str]
) -> None:
    assert ids(library.search("DISKS"))[0] == stocked["disk"]
    assert ids(library.search("Certificates")) == [stocked["tls"], stocked["dns"]]
    assert ids(library.search("leaking relays")) == [stocked["relay"]]


def test_phrases_exclusions_and_alternatives(library: Library, stocked: dict[str, str]) -> None:
    assert set(ids(library.search('"disk is full"'))) == {stocked["disk"], stocked["dns"]}
    assert ids(library.search('"full disk"')) == []
    assert ids(library.search("disk full -resolver")) == [stocked["disk"]]
    assert set(ids(library.search("relayd or servfail"))) == {stocked["relay"], stocked["dns"]}
    assert set(ids(library.search("certificate -pinning or oom"))) == {
        stocked["tls"],
        stocked["relay"],
    }


def test_every_kind_of_field_is_searched(library: Library, stocked: dict[str, str]) -> None:
    for query, name, field in [
        ("segments", "disk", "sections"),
        ("dba", "disk", "actions"),
        ("xlogtemp", "disk", "templates"),
        ("relayd_resident_memory_bytes", "relay", "metrics"),
        ("libzmq5", "relay", "findings"),
        ("handshake", "tls", "summary"),
    ]:
        (hit,) = library.search(query)
        assert (hit.id, hit.matched) == (stocked[name], (field,)), query


# -- filters ----------------------------------------------------------------------------


def test_a_kind_keeps_incidents_that_match_in_that_field(
    library: Library, stocked: dict[str, str]
) -> None:
    (hit,) = library.search("no space left on device", kinds=["templates"])
    assert (hit.id, hit.matched) == (stocked["disk"], ("templates",))
    assert re.search(r"\[(no )?space left\]? on \[?device\]", hit.snippet, re.IGNORECASE)
    assert library.search("gateway", kinds=["templates"]) == []
    assert ids(library.search("disk full", kinds=["actions"])) == [stocked["dns"]]
    assert ids(library.search("disk full", kinds=["actions", "title"])) == [
        stocked["disk"],
        stocked["dns"],
    ]
    both = library.search("certificate", kinds=["actions", "summary"])
    assert [h.matched for h in both] == [("summary", "actions"), ("actions",)]


def test_since_and_until_bound_the_incidents_date(
    library: Library, stocked: dict[str, str]
) -> None:
    query = "disk or certificate or relayd or dns"
    assert len(library.search(query)) == 4
    assert set(ids(library.search(query, since=dt.date(2024, 6, 11)))) == {
        stocked["tls"],
        stocked["relay"],
        stocked["dns"],
    }
    assert ids(library.search(query, until=dt.date(2024, 6, 10))) == [stocked["disk"]]
    # the relay's date is its earliest event's: 2024-09-20
    window = {"since": dt.date(2024, 9, 20), "until": dt.date(2024, 9, 20)}
    assert ids(library.search(query, **window)) == [stocked["relay"]]
    late = dt.datetime(2024, 9, 20, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    assert stocked["relay"] not in ids(library.search(query, since=late))  # 2024-09-21 UTC
    assert ids(library.search(query, since=dt.date(2026, 1, 1))) == []


def test_limit_keeps_the_best(library: Library, stocked: dict[str, str]) -> None:
    assert ids(library.search("disk full", limit=1)) == [stocked["disk"]]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"kinds": ["titles"]}, "unknown kind 'titles': choose among title, summary"),
        ({"limit": 0}, "--limit 0: give a number of results of 1 or more"),
        (
            {"since": dt.date(2024, 2, 1), "until": dt.date(2024, 1, 1)},
            "--since 2024-02-01 is after --until 2024-01-01",
        ),
    ],
)
def test_wrong_arguments_are_usage_errors(arguments: dict, message: str) -> None:
    library = Library("sqlite:///nonexistent-folder/never/opened.db")
    with pytest.raises(UsageError, match=re.escape(message)):
        library.search("disk", **arguments)
    assert library._engine is None  # checked before the library was opened


# -- the index follows every write --------------------------------------------------------


def test_replace_and_remove_update_the_index(library: Library, stocked: dict[str, str]) -> None:
    new = Incident(title="Inode exhaustion on the build cache", summary="Too many small files.")
    library.replace(stocked["disk"], new)
    assert ids(library.search("inode exhaustion")) == [stocked["disk"]]
    assert ids(library.search("disk full")) == [stocked["dns"]]
    assert library.search("xlogtemp") == []
    assert library.search("inode", until=dt.date(2030, 1, 1)) == []  # no date any more
    library.remove(stocked["dns"])
    assert library.search("disk full") == []
    assert library.search("servfail") == []
    assert ids(library.search("certificate")) == [stocked["tls"]]


def test_saving_a_new_revision_reindexes_it(library: Library) -> None:
    first = library.save(disk_full(), key="doc:disk")
    newer = disk_full().model_copy(update={"title": "Volume exhausted on pg-main-2"})
    again = library.save(newer, key="doc:disk")
    assert again.id == first.id
    assert ids(library.search("volume exhausted")) == [first.id]
    assert library.search("full", kinds=["title"]) == []


def search_everything(library: Library) -> list[tuple[str, tuple[str, ...]]]:
    words = "disk or certificate or relayd or dns or inode or backup"
    return [(h.id, h.matched) for h in library.search(words, limit=100)]


def failing_after_index(monkeypatch: pytest.MonkeyPatch, fail_on: int = 1) -> None:
    """Make the ``fail_on``-th index write fail just after it was written."""
    real = search_module.index
    calls = {"n": 0}

    def index_then_fail(conn: sa.Connection, incident_id: str, incident: Incident) -> None:
        real(conn, incident_id, incident)
        calls["n"] += 1
        if calls["n"] == fail_on:
            raise OSError("disk full")

    monkeypatch.setattr(search_module, "index", index_then_fail)


def test_a_failed_write_leaves_the_index_as_it_was(
    library: Library, stocked: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = search_everything(library)
    backup = Incident(title="Backup job filled the disk", summary="A full disk again.")

    failing_after_index(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        library.save(backup)
    assert search_everything(library) == before
    assert len(library.summaries()) == 4

    failing_after_index(monkeypatch, fail_on=2)
    other = Incident(title="Inode exhaustion")
    with pytest.raises(OSError, match="disk full"):
        library.save_many([(other, None, None), (backup, None, None)])
    assert search_everything(library) == before

    failing_after_index(monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        library.replace(stocked["tls"], backup)
    assert search_everything(library) == before
    assert library.get(stocked["tls"]).title == tls_expiry().title


# -- hostile queries ----------------------------------------------------------------------

NOTHING_TO_SEARCH = ['"', "-", "*", "(", ")", "", "   ", "-disk", '-"disk full"', "or", "^ : {}"]
SEARCHABLE = [
    "AND",
    "NEAR(",
    "NEAR(disk full, 2)",
    "disk AND full",
    "disk NOT full",
    'disk "full',
    "disk*",
    "^disk",
    "title:disk",
    "{title}: disk",
    "disk)(",
    "'; DROP TABLE incidents; --",
    '100% \\ disk_full \' " "',
    "ünïcødé dïsk ✓ 🙂",
    "disk\x00full",
    "disk \ud800 full",
    "pg_wal/xlogtemp.123",
]


@pytest.mark.parametrize("query", NOTHING_TO_SEARCH)
def test_a_query_with_no_word_is_a_usage_error(library: Library, query: str) -> None:
    with pytest.raises(UsageError, match="nothing to search for"):
        library.search(query)


@pytest.mark.parametrize("query", SEARCHABLE)
def test_any_query_text_is_searched_safely(
    library: Library, stocked: dict[str, str], query: str
) -> None:
    hits = library.search(query)
    assert all(isinstance(h, SearchHit) for h in hits)
    assert len(library.summaries()) == 4


def test_a_very_long_query_is_a_usage_error(library: Library) -> None:
    for query in ["x" * 10_000, "disk " * 2000, '"' * 10_000, "(" * 10_000]:
        with pytest.raises(UsageError, match="characters long"):
            library.search(query)
    with pytest.raises(UsageError, match="more than 32 words"):
        library.search(" ".join(f"w{i}" for i in range(40)))
    many = " ".join(f"w{i}" for i in range(32))
    assert library.search(many) == []
    assert library.search(" or ".join(f"-x{i} w{i}" for i in range(16))) == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_no_query_raises_a_database_error(library: Library, query: str) -> None:
    try:
        library.search(query, kinds=["title", "templates"])
        library.search(query, since=dt.date(2024, 1, 1))
    except UsageError:
        pass


def test_parse_quotes_every_term() -> None:
    query = parse('disk -"read only" or NEAR( "a""b" x*')
    assert query.websearch() == '"disk" -"read only" or "NEAR(" "a" "b" "x*"'
    assert query.fts5() == '(("disk") NOT ("read only")) OR ("NEAR(" AND "a" AND "b" AND "x*")'
    assert query.fts5_any(["title"]) == '{title} : ("disk" OR "NEAR(" OR "a" OR "b" OR "x*")'


# -- the index's content, and libraries from before it ---------------------------------------


def test_field_texts_and_day() -> None:
    texts = field_texts(relay_leak())
    assert tuple(texts) == FIELDS
    assert texts["findings"] == (
        "2 packages differ between relay-1 and relay-2\n"
        "package relay-1 relay-2\nlibzmq5 4.3.4 4.3.5"
    )
    assert incident_day(relay_leak()) == dt.date(2024, 9, 20)
    assert incident_day(Incident(title="x")) is None
    assert field_texts(Incident(title="a \ue000b\ue001"))["title"] == "a  b "


def test_a_library_without_fts5_is_explained() -> None:
    orig = sqlite3.OperationalError("no such module: fts5")
    exc = sa.exc.OperationalError("CREATE VIRTUAL TABLE ...", {}, orig)
    error = library_module._translated_error(
        sa.make_url("sqlite:///lib.db"), library_module.Timeouts(), "open", exc
    )
    assert isinstance(error, DatabaseError)
    assert "full-text search (FTS5)" in str(error)
    assert "PostgreSQL" in str(error)


def old_incident(connection: sa.Connection) -> None:
    """An incident as version 0009 stored it, written with SQL: a row in each child table."""
    old_incident_row(
        connection,
        "Disk full on the old backup host",
        dt.datetime(2026, 5, 19),
        summary="The backup volume filled.",
    )
    src = {"incident_id": "old1", "source_path": "pm.md", "source_line": 1, "source_page": None}
    connection.execute(
        sa.insert(schema.events),
        [
            {
                **src,
                "position": 0,
                "at": dt.datetime(2023, 2, 3, 4, 5),
                "date": None,
                "precision": "minute",
                "time_text": "04:05",
                "text": "backup job started",
                "kind": "other",
                "details": ["nightly run"],
                "notes": [],
            },
            {
                **src,
                "position": 1,
                "at": None,
                "date": dt.date(2023, 2, 1),
                "precision": "day",
                "time_text": "1 Feb",
                "text": "rotation disabled",
                "kind": "change",
                "details": [],
                "notes": [],
            },
        ],
    )
    connection.execute(
        sa.insert(schema.sections),
        [
            {
                **src,
                "position": 0,
                "kind": "analysis",
                "title": "Analysis",
                "text": "Retention was never configured.",
            }
        ],
    )
    connection.execute(
        sa.insert(schema.windows),
        [{**src, "position": 0, "time_text": "all night", "text": "impact all night"}],
    )
    connection.execute(
        sa.insert(schema.action_items),
        [{**src, "position": 0, "text": "Configure retention", "owner": "ops"}],
    )
    connection.execute(
        sa.insert(schema.hypotheses),
        [
            {
                **src,
                "position": 0,
                "text": "Snapshots were never pruned",
                "explains": [],
                "unexplained": [],
            }
        ],
    )
    connection.execute(
        sa.insert(schema.findings),
        [
            {
                **src,
                "position": 0,
                "code": "no-owner",
                "severity": "warning",
                "message": "an action item has no owner",
                "rows": None,
            },
            {
                **src,
                "position": 1,
                "code": "packages-differ",
                "severity": "info",
                "message": "packages differ",
                "rows": [["package", "a"], ["restic", "0.16"]],
            },
        ],
    )
    connection.execute(
        sa.insert(schema.log_changes),
        [
            {
                **src,
                "position": 0,
                "template_id": "t",
                "template": "ENOSPC writing <*>",
                "change": "appeared",
                "score": 3.0,
                "before": 0,
                "after": 9,
                "hosts": ["bk-1"],
                "bin_seconds": 60.0,
                "series": [],
                "example": "ENOSPC writing /srv/backup/x",
            }
        ],
    )
    connection.execute(
        sa.insert(schema.metric_changes),
        [
            {
                **src,
                "position": 0,
                "series": "node_filesystem_avail_bytes",
                "kind": "level",
                "at": dt.datetime(2023, 2, 3),
                "score": 9.0,
                "before": {},
                "after": {},
                "times": [],
                "values": [],
                "query": 'node_filesystem_avail_bytes{mount="/srv"}',
            }
        ],
    )


@pytest.mark.parametrize(
    "backend", ["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_a_library_from_0009_is_searchable_once_opened(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    library_url = backend_url(backend, request, tmp_path)
    with migrated_to(library_url, "0009_finding_rows") as connection:
        old_incident(connection)
        assert "search_docs" not in sa.inspect(connection).get_table_names()
    library = Library(library_url)
    try:
        for query, field in [
            ("backup host", "title"),
            ("volume", "summary"),
            ("retention", "sections"),
            ("nightly", "timeline"),
            ("impact", "timeline"),
            ("ops", "actions"),
            ("restic", "findings"),
            ("snapshots", "findings"),
            ("ENOSPC", "templates"),
            ("bk-1", "templates"),
            ("node_filesystem_avail_bytes", "metrics"),
        ]:
            (hit,) = library.search(query, kinds=[field])
            assert hit.id == "old1", query
        assert ids(library.search("disk", since=dt.date(2023, 2, 1), until=dt.date(2023, 2, 1)))
        with library.engine.connect() as connection:
            assert current(connection) == head()
            row = connection.execute(sa.select(schema.search_docs)).one()._mapping
        # The migration's own reading gives what saving the incident today gives.
        incident = library.get("old1")
        assert {f: row[f] for f in FIELDS} == field_texts(incident)
        assert row["day"] == incident_day(incident) == dt.date(2023, 2, 1)
        library.replace("old1", disk_full())
        assert ids(library.search("pg_wal")) == ["old1"]
        assert library.search("restic") == []
    finally:
        library.close()


def test_the_stored_vector_is_the_one_searched_field_by_field(postgres_url: str) -> None:
    """On PostgreSQL the generated column (migration 0010) and the per-field vectors that
    --kind and `matched` use (store/search.py) read the text alike."""
    library = Library(postgres_url)
    try:
        library.save(disk_full())
        parts = [
            sa.func.setweight(
                search_module._field_vector(f), search_module._LABEL_SQL[search_module.LABELS[f]]
            )
            for f in FIELDS
        ]
        rebuilt = parts[0]
        for part in parts[1:]:
            rebuilt = rebuilt.op("||")(part)
        stored = sa.literal_column("search_docs.document")
        with library.engine.connect() as connection:
            same = connection.execute(
                sa.select(stored.op("=")(rebuilt), sa.cast(stored, sa.Text))
            ).one()
        assert same[0], same[1]
        assert "'xlogtemp'" in same[1]
    finally:
        library.close()
