"""One rule for the encoding of documents and logs: marks, wide text without a mark, UTF-8
with a stray bad byte (replaced and said), legacy code pages, binary data refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retroline.documents import read_document
from retroline.encoding import guess_encoding
from retroline.errors import EncodingError
from retroline.logs.reader import read_lines
from tests.test_cli import run

NOTE = (
    "# Störung im Rechenzentrum\n\n## Zeitplan\n\n"
    "- 2031-05-04 10:00 UTC Kühlung fällt aus\n"
    "- 2031-05-04 10:20 UTC Server überhitzt\n"
    "- 2031-05-04 10:40 UTC Grüne Lampen wieder\n"
)
LOG = "".join(f"2031-05-04T10:00:{i:02d}Z worker {i} lost db-{i % 3}\n" for i in range(40))
WIDE = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]


@pytest.mark.parametrize("encoding", [*WIDE, "utf-8", "utf-8-sig", "cp1252"])
def test_the_encoding_is_told_from_the_bytes(encoding: str) -> None:
    expected = "utf-8" if encoding == "cp1252" else encoding  # ASCII log: UTF-8 reads it
    assert guess_encoding(LOG.encode(encoding)) == expected
    german = NOTE.encode(encoding)
    assert german.decode(guess_encoding(german)) == NOTE.encode(encoding).decode(encoding)


@pytest.mark.parametrize("encoding", WIDE)
def test_wide_documents_and_logs_are_read_with_or_without_a_mark(
    encoding: str, tmp_path: Path
) -> None:
    note = tmp_path / "note.md"
    note.write_bytes(NOTE.encode(encoding))
    incident = read_document(note)
    assert incident.title == "Störung im Rechenzentrum"
    assert incident.events[0].text == "Kühlung fällt aus"
    log = tmp_path / "w.log"
    log.write_bytes(LOG.encode(encoding))
    lines = list(read_lines(log))
    assert [raw.text for raw in lines] == LOG.splitlines()
    code, out, err = run("logs", "parse", str(log), "--json")
    assert code == 0, err
    rows = [json.loads(r) for r in out.splitlines()]
    assert len(rows) == 40 and rows[-1]["at"] == "2031-05-04T10:00:39Z"


def test_a_stray_bad_byte_in_utf8_is_replaced_and_said(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_bytes(NOTE.encode().replace(b"Server", b"Server \xff"))
    incident = read_document(note)
    assert incident.title == "Störung im Rechenzentrum"  # not read as Latin-1
    assert "Kühlung fällt aus" in [e.text for e in incident.events]
    (said,) = [f for f in incident.findings if f.code == "bytes-replaced"]
    assert said.source is not None and said.source.line == 6
    assert "1 invalid" in said.message


def test_legacy_text_stays_legacy_and_binary_is_refused(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_bytes(NOTE.encode("cp1252"))
    incident = read_document(note)
    assert incident.title == "Störung im Rechenzentrum"
    assert not [f for f in incident.findings if f.code == "bytes-replaced"]
    junk = tmp_path / "junk.md"
    junk.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(EncodingError):
        read_document(junk)
