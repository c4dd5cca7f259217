"""A postmortem without a summary section: its opening prose is its summary, so that a blog
post or a mail without headings is more than its title (the report and the library's
comparisons read it)."""

from __future__ import annotations

import subprocess
import sys
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


def test_reading_a_text_document_loads_no_word_or_pdf_library(tmp_path: Path) -> None:
    """The Word and PDF readers' libraries load only for such files (0.1 s at every start
    of a command that reads documents otherwise)."""
    doc = tmp_path / "pm.md"
    doc.write_text("# Outage\n\n## Timeline\n\n- 2024-01-05 10:00 UTC: alerts fire\n")
    probe = (
        "import sys\n"
        "from retroline.documents import read_document\n"
        f"read_document({str(doc)!r})\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'docx', 'pdfminer'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
