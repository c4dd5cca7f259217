"""Revisions merge the same way whether documents are imported (one incident per document)
or investigated (one incident from all of them): `revisions_merged` is that one step."""

from __future__ import annotations

from retroline.analysis.revisions import combine, revisions_merged
from retroline.documents import read_text

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
