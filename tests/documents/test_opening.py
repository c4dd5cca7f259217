"""A postmortem without a summary section: its opening prose is its summary, so that a blog
post or a mail without headings is more than its title (the report and the library's
comparisons read it)."""

from __future__ import annotations

from pathlib import Path

from retroline.documents import read_document

BLOG = """\
Chasing the watchdog

Every test machine was rebooted at eight last night, and again every twenty minutes.
The watchdog host had run out of sockets; most were waiting in FIN-WAIT.
"""

WITH_SUMMARY = """\
# Disk full on db03

Opening words before the summary.

## Summary

The volume filled with logs and the database went read-only.
"""

HEADING_FIRST = """\
# Disk full on db03

## Timeline

- 2031-03-04 10:00 UTC disk full
"""


def test_a_document_without_headings_is_summarised_by_its_text(tmp_path: Path) -> None:
    path = tmp_path / "blog.txt"
    path.write_text(BLOG, encoding="utf-8")
    incident = read_document(path)
    assert incident.summary is not None
    assert incident.summary.startswith("Every test machine was rebooted at eight last night")
    assert "FIN-WAIT" in incident.summary and "Chasing the watchdog" not in incident.summary


def test_a_summary_section_wins_and_a_heading_first_has_none(tmp_path: Path) -> None:
    path = tmp_path / "pm.md"
    path.write_text(WITH_SUMMARY, encoding="utf-8")
    assert read_document(path).summary == (
        "The volume filled with logs and the database went read-only."
    )
    path.write_text(HEADING_FIRST, encoding="utf-8")
    assert read_document(path).summary is None
