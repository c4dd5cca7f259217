"""The table behind a finding, in the library: saved and read back with the finding on
every backend, and a library made before migration 0009 gains the column, its findings
read with no rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from retroline.model import Finding, Incident, Severity, Source
from retroline.store import Library
from retroline.store.migrate import current, head
from tests.store.old_library import backend_url, migrated_to, old_incident_row

DRIFT = Finding(
    code="package-drift",
    severity=Severity.WARNING,
    message="prod0 lags itb1 on 1 package: rsv 3.13 < 3.14",
    source=Source(path="evidence/prod0-rpm-qa.txt", line=None),
    rows=[["package", "itb1", "prod0", "prod0 against itb1"], ["rsv", "3.14", "3.13", "older"]],
)


@pytest.mark.parametrize(
    "backend", ["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_finding_rows_round_trip_and_old_libraries_gain_them(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    library_url = backend_url(backend, request, tmp_path)
    with migrated_to(library_url, "0008_metric_changes") as connection:
        old_incident_row(connection, "Old outage", dt.datetime(2026, 5, 19), inputs="f" * 64)
        connection.execute(
            text(
                "INSERT INTO findings (incident_id, position, code, severity, message) "
                "VALUES ('old1', 0, 'no-action-items', 'warning', 'no action items')"
            )
        )
        assert "rows" not in {c["name"] for c in inspect(connection).get_columns("findings")}
    library = Library(library_url)
    try:
        [old] = library.get("old1").findings
        assert (old.code, old.rows) == ("no-action-items", [])
        with library.engine.connect() as connection:
            assert current(connection) == head()
        saved = library.save(Incident(title="Drift", findings=[DRIFT]), key="k:new")
        assert library.get(saved.id).findings == [DRIFT]
    finally:
        library.close()
