"""The domain model: UTC instants, JSON round trips, the JSON Schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from retroline.model import Event, Incident, Source, incident_schema


def test_instants_are_utc_with_z() -> None:
    cest = dt.timezone(dt.timedelta(hours=2))
    event = Event(
        at=dt.datetime(2016, 9, 8, 17, 56, tzinfo=cest), text="x", source=Source(path="a", line=1)
    )
    assert event.model_dump(mode="json")["at"] == "2016-09-08T15:56:00Z"
    assert event.at is not None and event.at.utcoffset() == dt.timedelta(0)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValidationError, match="needs a zone"):
        Event(at=dt.datetime(2016, 9, 8, 17, 56), text="x", source=Source(path="a"))


def test_source_lines_are_one_based() -> None:
    with pytest.raises(ValidationError):
        Source(path="a", line=0)


@given(st.datetimes(timezones=st.timezones(), allow_imaginary=False), st.text(max_size=30))
def test_incident_json_round_trip(at: dt.datetime, text: str) -> None:
    incident = Incident(
        title="t", events=[Event(at=at, text=text, source=Source(path="p", line=1))]
    )
    back = Incident.model_validate_json(incident.model_dump_json())
    assert back == incident
    assert back.events[0].at is not None
    # Same instant; == between zones is False for wall times in a DST fold, by design of datetime.
    assert back.events[0].at.timestamp() == at.timestamp()


def test_schema_names_the_contract_keys() -> None:
    schema = incident_schema()
    assert set(schema["required"]) == {"title"}
    assert {
        "title",
        "document_date",
        "events",
        "sections",
        "action_items",
        "links",
        "findings",
    } <= set(schema["properties"])
    event = schema["$defs"]["Event"]["properties"]
    assert {"at", "date", "precision", "time_text", "zone", "zone_source", "text", "source"} <= set(
        event
    )
    json.dumps(schema)
