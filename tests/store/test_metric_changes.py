"""Metric changes in the library, on every backend: the evidence behind metric events
saves and reads back equal (gaps as None, regimes, the pulled series' query and server),
and a library made before migration 0008 gains the table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from retroline.model import (
    Document,
    Event,
    EventKind,
    Incident,
    MetricChange,
    Precision,
    Source,
    ZoneSource,
)
from retroline.store import Library, SaveStatus, schema
from retroline.store.migrate import current, head
from tests.store.old_library import backend_url, migrated_to, old_incident_row

LEAK = dt.datetime(2026, 5, 18, 10, 2, 0, 250_000, tzinfo=dt.UTC)
RESTART = dt.datetime(2026, 5, 18, 14, 21, tzinfo=dt.UTC)
CSV = "evidence/grafana-relayd-memory.csv"
SERVER = "http://prom.example:9090"
QUERY = 'process_resident_memory_bytes{job="relayd"}'


def leak_evidence() -> list[MetricChange]:
    """A trend starting (pulled from a server) and a level drop after a gap (from a file)."""
    times = [1_779_098_400.0 + 60 * i for i in range(8)]
    return [
        MetricChange(
            series=QUERY,
            kind="trend",
            at=LEAK,
            score=80.79,
            before={"mean": 190_942_000.0, "slope_per_s": -7.80019, "std": 1_562_290.0},
            after={"mean": 1.17005e9, "slope_per_s": 131_052.0, "std": None, "points": 250.0},
            unit="bytes",
            times=[t + 0.125 for t in times],
            values=[1.9e8, 1.91e8, None, None, 2.5e8, 3.75e8, 5e8, 6.25e8],
            query=QUERY,
            server=SERVER,
            source=None,
        ),
        MetricChange(
            series="relayd RSS",
            kind="level",
            at=RESTART,
            score=68.57,
            before={"mean": 1.17005e9},
            after={"mean": 190_793_000.0, "slope_per_s": 3.06236},
            unit=None,
            times=times,
            values=[2.1e9, None, None, None, 1.9e8, 1.91e8, 1.9e8, -0.5],
            source=Source(path=CSV, line=623),
        ),
    ]


def leak_incident(sha: str = "d" * 64) -> Incident:
    return Incident(
        title="relayd leaked memory",
        documents=[Document(path=CSV, sha256=sha, format="grafana-csv", size=842)],
        events=[
            Event(
                at=LEAK,
                precision=Precision.SECOND,
                time_text="2026-05-18T10:02:00.250Z",
                zone="UTC",
                zone_source=ZoneSource.EXPLICIT,
                text="relayd RSS starts rising at 7.5 MiB/min",
                kind=EventKind.METRIC,
                details=["score 80.8", f"query: {QUERY}", f"server: {SERVER}"],
                source=Source(path=SERVER),
            ),
            Event(
                at=RESTART,
                precision=Precision.SECOND,
                time_text="2026-05-18T14:21:00Z",
                zone="UTC",
                zone_source=ZoneSource.ASSUMED,
                text="relayd RSS drops from 1.09 GiB to 182 MiB",
                kind=EventKind.METRIC,
                source=Source(path=CSV, line=623),
            ),
        ],
        metric_changes=leak_evidence(),
    )


def rows_of(library: Library, incident_id: str) -> int:
    table = schema.metric_changes
    with library.engine.connect() as conn:
        count: int = conn.execute(
            select(func.count()).where(table.c.incident_id == incident_id)
        ).scalar_one()
    return count


def test_metric_changes_round_trip(library: Library) -> None:
    incident = leak_incident()
    saved = library.save(incident)
    assert saved.status is SaveStatus.CREATED
    back = library.get(saved.id)
    assert back.model_dump() == incident.model_copy(update={"id": saved.id}).model_dump()
    trend, level = back.metric_changes
    assert trend.at == LEAK and trend.at.tzinfo is not None
    assert (trend.query, trend.server, trend.source) == (QUERY, SERVER, None)
    assert trend.values[2:4] == [None, None] and trend.after["std"] is None
    assert level.source == Source(path=CSV, line=623)
    assert [e.kind for e in back.events] == [EventKind.METRIC, EventKind.METRIC]
    assert rows_of(library, saved.id) == 2


def test_saving_again_is_unchanged_and_an_update_replaces_the_changes(library: Library) -> None:
    first = library.save(leak_incident(), key="evidence:relay")
    assert library.save(leak_incident(), key="evidence:relay").status is SaveStatus.UNCHANGED
    newer = leak_incident(sha="e" * 64)
    newer.metric_changes = newer.metric_changes[1:]
    again = library.save(newer, key="evidence:relay")
    assert (again.status, again.id) == (SaveStatus.UPDATED, first.id)
    assert [c.kind for c in library.get(first.id).metric_changes] == ["level"]
    assert rows_of(library, first.id) == 1
    library.remove(first.id)
    assert rows_of(library, first.id) == 0


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.none() | finite, max_size=30),
    regime=st.dictionaries(
        st.sampled_from(["mean", "slope_per_s", "std", "points"]), st.none() | finite
    ),
    unit=st.none() | st.text(max_size=10).filter(lambda s: "\x00" not in s),
)
def test_any_series_round_trips(
    library: Library, values: list[float | None], regime: dict[str, float | None], unit: str | None
) -> None:
    change = MetricChange(
        series="memory",
        kind="variance",
        at=RESTART,
        score=1.5,
        before=regime,
        after=regime,
        unit=unit,
        times=[float(i) for i in range(len(values))],
        values=values,
    )
    incident = Incident(title="any series", metric_changes=[change])
    saved = library.save(incident, key="k:any")
    assert library.get(saved.id).metric_changes == [change]
    library.remove(saved.id)


@pytest.mark.parametrize(
    "backend", ["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_a_library_from_0007_gains_the_metric_changes_table(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A library last migrated at 0007 opens at the head, keeps its incidents, and stores
    metric changes from then on."""
    library_url = backend_url(backend, request, tmp_path)
    with migrated_to(library_url, "0007_incident_inputs") as connection:
        old_incident_row(connection, "Old leak", dt.datetime(2026, 5, 19), inputs="f" * 64)
        assert "metric_changes" not in inspect(connection).get_table_names()
    library = Library(library_url)
    try:
        old = library.get("old1")
        assert (old.title, old.metric_changes) == ("Old leak", [])
        with library.engine.connect() as connection:
            assert current(connection) == head()
            columns = {c["name"] for c in inspect(connection).get_columns("metric_changes")}
        assert columns == {c.name for c in schema.metric_changes.columns}
        library.replace("old1", leak_incident())
        assert library.get("old1").metric_changes == leak_evidence()
    finally:
        library.close()
