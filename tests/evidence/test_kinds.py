"""Telling postmortem documents from logs."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from retroline.errors import InputError
from retroline.evidence.kinds import EvidenceKind, classify
from tests.conftest import EXAMPLE, SEEDS, SHARED


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared is not here")
def test_seeds_are_documents_and_loghub_files_are_logs() -> None:
    assert {classify(p) for p in SEEDS.iterdir()} == {EvidenceKind.DOCUMENT}
    logs = sorted((SHARED / "loghub").glob("*/*_2k.log"))
    assert logs and {classify(p) for p in logs} == {EvidenceKind.LOG}


def test_example_bundle() -> None:
    assert classify(EXAMPLE / "postmortem.md") is EvidenceKind.DOCUMENT
    assert classify(EXAMPLE / "logs" / "pay-eu-1.log") is EvidenceKind.LOG
    # no telling suffix: the lines decide
    assert classify(EXAMPLE / "logs" / "payments-db.syslog") is EvidenceKind.LOG


def test_names_and_content(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("We restarted the database at 10:00 and it came back.\n", encoding="utf-8")
    assert classify(notes) is EvidenceKind.DOCUMENT
    packed = tmp_path / "app.log.gz"
    packed.write_bytes(gzip.compress(b"2024-05-01T10:00:00Z INFO started\n"))
    assert classify(packed) is EvidenceKind.LOG
    with pytest.raises(InputError, match="no such file"):
        classify(tmp_path / "missing.log")


@pytest.mark.parametrize("suffix", [".mbox", ".mdown", ".xhtml", ".rest", ".eml", ".wiki"])
def test_every_document_suffix_makes_a_document(tmp_path: Path, suffix: str) -> None:
    # Lines that look like a log, in a file whose name says it is a document (a mailbox of
    # alert mails, say): the name wins, as the document reader would take it.
    path = tmp_path / f"alerts{suffix}"
    path.write_text(
        "\n".join(f"2031-04-01T10:00:{i:02d}Z ERROR api: request {i} failed" for i in range(20))
        + "\n",
        encoding="utf-8",
    )
    assert classify(path) is EvidenceKind.DOCUMENT
