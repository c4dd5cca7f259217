"""Revisions merge the same way whether documents are imported (one incident per document)
or investigated (one incident from all of them): `revisions_merged` is that one step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from retroline.analysis.revisions import combine, merge, revisions_merged, same_document
from retroline.documents import read_text
from retroline.ingest import import_documents
from retroline.model import Event, Incident, Source
from retroline.store import Library, SaveResult, SaveStatus

DRAFT = """# Queue backlog on ingest-3

## Timeline (UTC)

- 2031-02-03 09:12 Alerts for queue depth on ingest-3
- 2031-02-03 09:20 On-call paged, starts looking
- 2031-02-03 09:41 Consumer restarted
- 2031-02-03 10:05 Backlog drained
"""

FINAL = DRAFT.replace("starts looking", "starts looking at the broker") + (
    "- 2031-02-03 10:30 Incident closed\n"
)

OTHER = """# Certificate expiry on the edge proxies

## Timeline (UTC)

- 2031-02-03 09:15 Edge certificate expired on proxy-a
- 2031-02-03 09:50 New certificate deployed
"""


def test_revisions_group_and_other_documents_stay_apart() -> None:
    draft = read_text(DRAFT, "draft.md")
    other = read_text(OTHER, "certs.md")
    final = read_text(FINAL, "final.md")
    grouped = revisions_merged([draft, other, final])
    assert [members for members, _ in grouped] == [[0, 2], [1]]
    merged, alone = grouped[0][1], grouped[1][1]
    texts = [e.text for e in merged.events]
    assert "Incident closed" in texts
    assert sum("On-call paged" in t for t in texts) == 1  # the reworded entry once
    assert [d.path for d in merged.documents] == ["draft.md", "final.md"]
    assert alone.title == "Certificate expiry on the edge proxies"


def test_an_investigation_joins_what_import_keeps_apart() -> None:
    incidents = [read_text(t, n) for t, n in ((DRAFT, "a.md"), (OTHER, "b.md"), (FINAL, "c.md"))]
    joined = combine(incidents)
    assert joined.title == "Queue backlog on ingest-3"  # the most timed entries lead
    assert {d.path for d in joined.documents} == {"a.md", "b.md", "c.md"}
    assert "Edge certificate expired on proxy-a" in [e.text for e in joined.events]


def _minutely() -> str:
    rows = "".join(f"- 2031-02-03 10:{m:02d} replica db-{m % 3} lag check {m}\n" for m in range(60))
    return "# Database replication outage\n\n## Timeline (UTC)\n\n" + rows


DNS = """# DNS resolver outage

## Timeline (UTC)

- 2031-02-03 10:05 Resolvers stop answering
- 2031-02-03 10:20 Resolver pods restarted
- 2031-02-03 10:40 Resolution back to normal
"""


def test_shared_minutes_alone_never_make_two_documents_one(
    library: Library, tmp_path: Path
) -> None:
    first = import_documents_text(library, tmp_path, _minutely(), "db.md")
    second = import_documents_text(library, tmp_path, DNS, "dns.md")
    assert first.id != second.id
    assert (first.status, second.status) == (SaveStatus.CREATED, SaveStatus.CREATED)
    db, dns = library.get(first.id), library.get(second.id)
    assert (db.title, len(db.events)) == ("Database replication outage", 60)
    assert (dns.title, len(dns.events)) == ("DNS resolver outage", 3)
    (said,) = [f for f in dns.findings if f.code == "kept-apart"]
    assert "Database replication outage" in said.message
    # a real revision still merges
    again = import_documents_text(library, tmp_path, FINAL, "final.md")
    assert import_documents_text(library, tmp_path, DRAFT, "draft.md").id == again.id


def import_documents_text(library: Library, folder: Path, text: str, name: str) -> SaveResult:
    (folder / name).write_text(text, encoding="utf-8")
    (result,) = import_documents(library, [folder / name])
    return result


def _pairwise(incidents: list) -> list[list[int]]:
    """The grouping as every pair was once compared: the reference for `revisions_merged`."""
    groups: list[tuple[list[int], object]] = []
    for index, incident in enumerate(incidents):
        for i, (members, kept) in enumerate(groups):
            if same_document(kept, incident):
                groups[i] = ([*members, index], merge(kept, incident))
                break
        else:
            groups.append(([index], incident))
    return [members for members, _ in groups]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Queue backlog", "DNS outage", "Disk full", ""]),
            st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["a", "b", "c"])), max_size=6),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_grouping_by_lookup_equals_comparing_every_pair(docs: list) -> None:
    incidents = []
    for n, (title, rows) in enumerate(docs):
        events = [
            Event(
                at=dt.datetime(2031, 2, 3, 9, minute, tzinfo=dt.UTC),
                text=f"step {word} on queue",
                source=Source(path=f"d{n}.md", line=i + 1),
            )
            for i, (minute, word) in enumerate(rows)
        ]
        incidents.append(Incident(title=title, events=events))
    assert [members for members, _ in revisions_merged(incidents)] == _pairwise(incidents)
