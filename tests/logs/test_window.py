"""Onset counts made where lines are parsed: the same in worker processes as in one, with
examples that quote their source line and say where its zone came from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from retroline.logs import parallel
from retroline.logs.attach import change_event
from retroline.logs.onset import ChangeKind, analyse
from retroline.logs.run import count_windows
from retroline.logs.templates import TemplateMiner
from retroline.logs.window import HOSTS, Tally, Window
from retroline.model import ZoneSource

ONSET = datetime(2023, 5, 6, 12, 0, tzinfo=UTC)


def service_log(path: Path, zone: str = "+02:00", hours: int = 2) -> Path:
    """A service that beats every 10 s, and times out from the onset on; local times."""
    rows = []
    start = ONSET - timedelta(hours=hours / 2)
    offset = timedelta(hours=int(zone[1:3])) * (1 if zone[0] == "+" else -1)
    for i in range(hours * 360):
        when = start + timedelta(seconds=10 * i)
        local = (when + offset).strftime("%Y-%m-%d %H:%M:%S")
        rows.append(f"{local}{zone} INFO api: heartbeat seq={i} ok")
        if when >= ONSET:
            rows.append(f"{local}{zone} ERROR api: upstream db-{i % 3} timed out after 5000 ms")
            rows.append(f"  retry {i} scheduled")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_an_error_that_starts_is_found_with_an_example_quoting_its_line(tmp_path: Path) -> None:
    path = service_log(tmp_path / "api.log")
    onset = analyse([path], ONSET)
    error = next(c for c in onset.changes if c.template.startswith("upstream"))
    assert error.kind is ChangeKind.APPEARED and error.before == 0
    example = error.examples[0]
    assert example.at == ONSET
    line = path.read_text().splitlines()[example.line - 1]
    assert example.text == line.strip() and "timed out" in line
    # The line writes its offset: the event built from it says the zone was explicit.
    assert example.zone_source == "explicit"
    event = change_event(error, None)
    assert event.zone_source is ZoneSource.EXPLICIT and event.at == ONSET


def test_workers_count_what_one_process_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "SPAN_BYTES", 64 * 1024)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    paths = [service_log(tmp_path / "a.log", hours=6), service_log(tmp_path / "b.log", "-05:00")]
    window = Window(ONSET - timedelta(hours=1), ONSET, ONSET + timedelta(minutes=30))
    results = []
    for workers in (1, 2):
        miner = TemplateMiner()
        tallies, lines, extents, errors, *_ = count_windows(
            paths, window, miner=miner, workers=workers
        )
        assert not errors
        folded: dict[str, Tally] = {}
        for tid, tally in tallies.items():  # templates merged later fold into theirs
            text = miner.get(tid).resolved().text  # type: ignore[union-attr]
            folded.setdefault(text, Tally()).fold(tally)
        by_text = {
            text: (
                t.before, t.after, t.bins, t.first, t.last, sorted(t.files),
                [(e.line, e.text) for e in t.examples_before + t.examples_after],
            )
            for text, t in folded.items()
        }  # fmt: skip
        results.append((by_text, lines, extents))
    assert results[0] == results[1]
    by_text, lines, extents = results[0]
    assert lines == sum(len(p.read_text().splitlines()) for p in paths)
    assert extents[str(paths[0])][0] == ONSET - timedelta(hours=3)
    beats = by_text["heartbeat seq=<*> ok"]
    assert (beats[0], beats[1]) == (2 * 360, 2 * 180)  # both files, an hour before, 30 min after


def test_hosts_are_read_as_written_and_lines_at_the_edges_fall_in_their_window(
    tmp_path: Path,
) -> None:
    # Syslog lines from three hosts, one with a backslash in its name (JSON-escaped in the
    # spooled line); lines at the window's start, at the onset and at its end.
    path = tmp_path / "sys.log"
    rows = []
    for i, host in enumerate(("web-1", "db\\2", "web-1", "cache-3")):
        for minute in (-60, -1, 0, 59, 60):
            at = ONSET + timedelta(minutes=minute, seconds=i)
            rows.append(f"{at:%b} {at.day:>2} {at:%H:%M:%S} {host} app[7]: disk quota exceeded")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    window = Window(ONSET - timedelta(minutes=60), ONSET, ONSET + timedelta(minutes=60))
    tallies, _, _, errors, *_ = count_windows([path], window, year=2023)
    assert not errors
    [tally] = tallies.values()
    assert tally.hosts == {"web-1", "db\\2", "cache-3"}
    # At -60 and -1 min before (the start is in), at 0 and 59 after (the end is out).
    assert (tally.before, tally.after) == (8, 8)
    assert tally.first == ONSET - timedelta(minutes=60)
    assert tally.last == ONSET + timedelta(minutes=60, seconds=3)
    assert [e.at for e in tally.examples_after] == [
        ONSET,
        ONSET + timedelta(seconds=1),
        ONSET + timedelta(seconds=2),
    ]
    assert [e.at for e in tally.examples_before][-1] == ONSET - timedelta(minutes=1, seconds=-3)
    assert sum(tally.bins) == 16 and tally.bins[0] > 0 and tally.bins[-1] > 0


def test_a_template_on_many_hosts_lists_the_same_hosts_however_the_file_is_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `HOSTS`, a template's hosts are the first by name, whatever the order the lines
    come in and however the file is cut into chunks (one process, workers, small spans)."""
    path = tmp_path / "fleet.log"
    names = [f"web-{(i * 17) % 40:02d}" for i in range(40)]  # not in order of name
    rows = []
    for i in range(4000):
        at = ONSET - timedelta(minutes=50) + timedelta(seconds=i)
        host = names[i % 40]
        rows.append(f"{at:%b} {at.day:>2} {at:%H:%M:%S} {host} app[7]: request {i} served")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    window = Window(ONSET - timedelta(hours=1), ONSET, ONSET + timedelta(minutes=30))
    expected = set(sorted(names)[:HOSTS])
    assert expected != set(names[:HOSTS])  # the first seen are not the first by name
    for span, workers in ((None, 1), (16 * 1024, 2), (64 * 1024, 2)):
        if span is not None:
            monkeypatch.setattr(parallel, "SPAN_BYTES", span)
            monkeypatch.setattr(parallel, "TAIL_SPAN_BYTES", span // 4)
            monkeypatch.setattr(parallel, "MIN_BYTES", 0)
        tallies, _, _, errors, *_ = count_windows([path], window, year=2023, workers=workers)
        assert not errors
        [tally] = tallies.values()
        assert tally.hosts == expected
