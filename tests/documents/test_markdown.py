"""Markdown postmortems: sections, timestamped bullets, details, action items, encodings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retroline.documents import read_document
from retroline.errors import EncodingError, InputError
from retroline.model import Precision, SectionKind, ZoneSource
from tests.conftest import EXAMPLE


def test_example_postmortem() -> None:
    incident = read_document(EXAMPLE / "postmortem.md")
    assert incident.title.startswith("Checkout API errors")
    assert incident.document_date == dt.date(2026, 3, 12)
    kinds = [s.kind for s in incident.sections]
    assert kinds == [
        SectionKind.SUMMARY,
        SectionKind.IMPACT,
        SectionKind.TIMELINE,
        SectionKind.ROOT_CAUSE,
        SectionKind.CONTRIBUTING_FACTORS,
        SectionKind.ACTION_ITEMS,
        SectionKind.REFERENCES,
    ]
    assert [e.at.strftime("%H:%M") for e in incident.events if e.at] == [
        "16:40",
        "18:02",
        "18:09",
        "18:16",
        "18:31",
        "18:38",
        "18:49",
        "19:30",
    ]
    assert incident.events[1].details == ["p99 latency of /checkout rises from 300 ms to 9 s."]
    assert all(e.zone_source is ZoneSource.EXPLICIT for e in incident.events)
    assert [a.status for a in incident.action_items] == ["open", "open", "done", "open"]
    assert [link.url for link in incident.links] == [
        "https://changes.example.com/CHG-2291",
        "https://chat.example.com/archives/inc-2026-03-11",
    ]
    assert incident.documents[0].format == "markdown"


@pytest.mark.parametrize(
    ("line", "utc", "precision"),
    [
        ("- 2024-03-05T14:02:10+01:00 deploy", "2024-03-05T13:02:10", Precision.SECOND),
        ("- **2024-03-05 14:02 UTC**: deploy", "2024-03-05T14:02:00", Precision.MINUTE),
        ("* 2024-03-05 14:02Z — deploy", "2024-03-05T14:02:00", Precision.MINUTE),
        ("1. 2024-03-05 23:30 -0800 | deploy", "2024-03-06T07:30:00", Precision.MINUTE),
    ],
)
def test_iso_stamps(tmp_path: Path, line: str, utc: str, precision: Precision) -> None:
    doc = tmp_path / "pm.md"
    doc.write_text(f"# T\n\n{line}\n", encoding="utf-8")
    (event,) = read_document(doc).events
    assert event.at is not None and event.at.replace(tzinfo=None).isoformat() == utc
    assert event.precision is precision
    assert event.text == "deploy"
    assert event.source.line == 3


def test_date_only_entry(tmp_path: Path) -> None:
    doc = tmp_path / "pm.md"
    doc.write_text("# T\n\n- 2024-03-05 - vendor informed\n", encoding="utf-8")
    (event,) = read_document(doc).events
    assert (event.at, event.date, event.precision) == (None, dt.date(2024, 3, 5), Precision.DAY)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    doc = tmp_path / "pm.md"
    doc.write_bytes("# Störung – “Zürich”\n\n- 2024-03-05 10:00 UTC - Café down\n".encode(encoding))
    incident = read_document(doc)
    assert incident.title == "Störung – “Zürich”"
    assert incident.events[0].text == "Café down"


def test_folder_is_not_a_document(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder"):
        read_document(tmp_path)


def test_nul_bytes_name_the_line(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_bytes(b"# a\nb\nc\x00")
    with pytest.raises(EncodingError) as info:
        read_document(doc)
    assert info.value.line == 3


def test_impossible_date_is_a_finding_on_its_line(tmp_path: Path) -> None:
    doc = tmp_path / "pm.md"
    doc.write_text(
        "# T\n\n- 2024-02-30 10:00 UTC - a day that does not exist\n- 2024-02-28 10:00 UTC - real\n",
        encoding="utf-8",
    )
    incident = read_document(doc)
    assert [e.text for e in incident.events] == ["real"]
    (finding,) = [f for f in incident.findings if f.code == "impossible-date"]
    assert finding.source is not None and finding.source.line == 3
    assert "2024-02-30" in finding.message
