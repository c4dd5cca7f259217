"""Have we seen this before: past incidents ranked by the evidence they share, with the
reasons and their weights, and how often a service and its log patterns recur."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from retroline.analysis.similar import SeenBefore, items, recurrence, seen_before, similar
from retroline.model import (
    Event,
    EventKind,
    Incident,
    LogChange,
    Precision,
    Section,
    SectionKind,
    Source,
)
from retroline.report.write import render
from retroline.store import Library
from tests.test_cli import run


def at(day: int, hour: int = 20) -> dt.datetime:
    return dt.datetime(2031, 3, day, hour, tzinfo=dt.UTC)


def incident(
    ident: str,
    title: str,
    cause: str,
    *,
    day: int,
    templates: tuple[str, ...] = (),
    hosts: tuple[str, ...] = (),
) -> Incident:
    """A stored-looking incident: a title, a root cause, an impact start, log changes."""
    return Incident(
        id=ident,
        title=title,
        sections=[Section(kind=SectionKind.ROOT_CAUSE, title="Root cause", text=cause)],
        events=[
            Event(
                at=at(day),
                precision=Precision.MINUTE,
                time_text=f"2031-03-{day:02d} 20:00",
                text="Impact starts: " + title,
                kind=EventKind.IMPACT_START,
                source=Source(path=f"{ident}.md", line=3),
            )
        ],
        log_changes=[
            LogChange(
                template_id=f"t{n}",
                template=template,
                change="appeared",
                score=50.0 - n,
                before=0,
                after=100,
                hosts=list(hosts),
            )
            for n, template in enumerate(templates)
        ],
    )


REBOOTS = "host <*> missed <*> check-ins; rebooting"
WATCHDOG = incident(
    "w2", "Watchdog rebooted every test machine", "The watchdog host ran out of sockets: "
    "orphaned FIN-WAIT connections to the database filled the table.", day=20,
    templates=(REBOOTS,), hosts=("watch01",),
)  # fmt: skip
EARLIER = incident(
    "w1", "Test machines rebooted at once by the hang checker", "Sockets exhausted on the "
    "watchdog host; FIN-WAIT connections piled up until check-ins failed.", day=2,
    templates=(REBOOTS,), hosts=("watch02",),
)  # fmt: skip
CERT = incident(
    "c1", "API down: TLS certificate expired", "The certificate of the load balancer "
    "expired; renewal had failed silently for the database proxy.", day=5,
    templates=("tls handshake failed: certificate has expired",), hosts=("lb01",),
)  # fmt: skip
DISK = incident(
    "d1", "Database read-only after its disk filled", "The database volume filled with "
    "logs; the database went read-only.", day=9,
    templates=("could not write block <*>: no space left on device",), hosts=("db03",),
)  # fmt: skip
LIBRARY = [EARLIER, CERT, DISK, WATCHDOG]


def test_the_incident_that_shares_the_failure_comes_first_with_its_reasons() -> None:
    matches = similar(WATCHDOG, LIBRARY)
    assert matches[0].id == "w1"
    assert "w2" not in [m.id for m in matches]  # never itself
    first = matches[0]
    # The reasons are the score: their weights sum to it.
    assert math.isclose(sum(r.weight for r in first.reasons), first.score, rel_tol=1e-9)
    assert first.reasons[0] == max(first.reasons, key=lambda r: r.weight)
    kinds = {(r.kind, r.value) for r in first.reasons}
    assert ("template", REBOOTS) in kinds and ("service", "watch") in kinds
    assert ("word", "socket") in kinds and ("word", "fin-wait") in kinds
    assert first.to_json()["reasons"][0].keys() == {"kind", "value", "weight"}


def test_an_item_every_incident_holds_weighs_less_than_a_rare_one() -> None:
    # "database" is in three of the four root causes; "socket" in two.
    profiles = [items(i) for i in LIBRARY]
    assert sum("databas" in p["word"] for p in profiles) == 3
    matches = {m.id: m for m in similar(CERT, LIBRARY, least=0.0)}
    weights = {r.value: r.weight for r in matches["d1"].reasons}
    assert "databas" in weights
    watchdog = {r.value: r.weight for r in similar(WATCHDOG, LIBRARY)[0].reasons}
    assert watchdog["socket"] > weights["databas"]


def test_unrelated_incidents_score_low_or_not_at_all() -> None:
    matches = {m.id: m.score for m in similar(WATCHDOG, LIBRARY, least=0.0)}
    assert matches["w1"] > 5 * max(matches.get("c1", 0.0), matches.get("d1", 0.0))


def test_recurrence_is_new_rare_or_frequent_with_the_earlier_dates() -> None:
    [service, template] = recurrence(WATCHDOG, LIBRARY)
    assert (template.kind, template.value, template.frequency, template.count) == (
        "template", REBOOTS, "rare", 1
    )  # fmt: skip
    assert template.earlier == [("w1", dt.date(2031, 3, 2))]
    # The earlier incident's own recurrence: nothing came before it.
    assert [r.frequency for r in recurrence(EARLIER, LIBRARY)] == ["new", "new"]
    more = [
        incident(f"x{d}", "Rebooted again", "sockets", day=d, templates=(REBOOTS,))
        for d in (11, 12, 13)
    ]
    assert recurrence(WATCHDOG, [*LIBRARY, *more])[1].frequency == "frequent"
    assert service.value == "watch"


def test_the_report_says_what_was_seen_before() -> None:
    seen = seen_before(WATCHDOG, LIBRARY)
    markdown = render(WATCHDOG, "md", now=at(21), seen=seen)
    section = markdown.split("## Seen before", 1)[1].split("\n## ", 1)[0]
    assert "| w1 Test machines rebooted at once by the hang checker | 2031-03-02 |" in section
    reboots = REBOOTS.replace("<", "&lt;").replace(">", "&gt;")  # as Markdown shows it
    assert f"- template `{reboots}`: rare (1 earlier: w1 2031-03-02).\n" in section
    assert "- service `watch`: rare (1 earlier: w1 2031-03-02).\n" in section
    html = render(WATCHDOG, "html", now=at(21), seen=seen)
    assert '<section id="seen">' in html and "hang checker" in html
    assert "## Seen before" not in render(WATCHDOG, "md", now=at(21), seen=SeenBefore())


def test_similar_on_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    library = Library(db)
    try:
        ids = {
            i.id: library.save(i.model_copy(update={"id": None}), key=f"k:{i.id}").id
            for i in LIBRARY
        }
    finally:
        library.close()
    code, out, err = run("similar", ids["w2"], "--json", db=db)
    assert code == 0, err
    found = json.loads(out)
    assert found[0]["id"] == ids["w1"] and found[0]["title"] == EARLIER.title
    assert {"id", "title", "score", "reasons"} <= found[0].keys()
    code, out, err = run("similar", ids["w2"], db=db)
    assert code == 0 and "seen before: " + ids["w1"] in out
    code, _, err = run("similar", "nosuch", db=db)
    assert code != 0 and len(err.strip().splitlines()) == 1
    code, _, err = run("similar", ids["w2"], "--limit", "0", db=db)
    assert code == 2 and "--limit 0" in err


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_incident_is_like_nothing(text: str) -> None:
    empty = Incident(id="e", title=text or "x")
    assert similar(empty, [empty, *LIBRARY], least=0.5) == []


def test_investigate_says_what_the_library_has_seen_before(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    db = str(tmp_path / "l.db")
    library = Library(db)
    try:
        earlier = library.save(EARLIER.model_copy(update={"id": None}), key="k:w1").id
        library.save(CERT.model_copy(update={"id": None}), key="k:c1")
    finally:
        library.close()
    report = tmp_path / "report"
    code, out, err = run(
        "investigate", str(ROOT / "examples" / "watchdog-reboots"), "-o", str(report), "--json",
        db=db,
    )  # fmt: skip
    assert code == 0, err
    seen = json.loads(out)["seen_before"]
    assert seen["similar"][0]["id"] == earlier
    assert {r["kind"] for r in seen["similar"][0]["reasons"]} >= {"word", "service"}
    markdown = (report / "postmortem.md").read_text(encoding="utf-8")
    assert "## Seen before" in markdown and EARLIER.title in markdown
