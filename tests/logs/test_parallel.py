"""Worker processes give exactly what one process gives, byte for byte, whatever the spans."""

from __future__ import annotations

import gzip
import io
import json
import os
import threading
from pathlib import Path

import pytest

from retroline.errors import InputError, RetrolineWarning
from retroline.logs import jsonl, parallel
from retroline.logs.reader import BLOCK_BYTES
from retroline.logs.run import summarise, write_json_lines
from tests.logs.test_jsonl import DATA, crafted, loghub_files


@pytest.fixture
def small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spans of 80 KiB (just over the longest line) and a short look-behind, so that small
    files take the parallel path and some predictions fail and are parsed again."""
    monkeypatch.setattr(parallel, "SPAN_BYTES", 80 * 1024)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "LOOKBEHIND", 2048)


def parse(paths: list[Path], out: Path, workers: int, year: int | None) -> tuple[bytes, list]:
    with out.open("w", encoding="utf-8") as fh:
        stats = write_json_lines(fh, paths, year=year, workers=workers, stats=True)
    return out.read_bytes(), stats


def interleaved(folder: Path) -> Path:
    """Every Loghub sample, in blocks of 50 lines one system after another, as the
    benchmark builds them: header patterns, years and stack traces change all the time."""
    samples = [path.read_text(encoding="utf-8").splitlines() for path in loghub_files()]
    path = folder / "interleaved.log"
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, 2000, 50):
            for lines in samples:
                out.write("\n".join(lines[start : start + 50]) + "\n")
    return path


@pytest.mark.skipif(not loghub_files(), reason="../shared/loghub is not here")
@pytest.mark.parametrize("year", [None, 2017])
def test_workers_give_what_one_process_gives_on_loghub(
    small_spans: None, tmp_path: Path, year: int | None
) -> None:
    paths = [interleaved(tmp_path), *loghub_files()]
    one = parse(paths, tmp_path / "one.jsonl", 1, year)
    two = parse(paths, tmp_path / "two.jsonl", 2, year)
    assert one[0] == two[0]
    assert one[1] == two[1]
    assert len(one[0].splitlines()) == 2000 * (2 * len(loghub_files()))


def test_workers_give_what_one_process_gives_on_odd_files(
    small_spans: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rollover = tmp_path / "rollover-long.log"
    days = [f"{month} 1 00:00:{i % 60:02d}" for month in ("Nov", "Dec", "Jan") for i in range(3000)]
    rollover.write_text(
        "".join(f"{day} web-1 cron[{i}]: job {i} done\n" for i, day in enumerate(days))
    )
    trace = tmp_path / "traces.log"
    frames = "".join(f"\tat org.foo.Bar.run{i}(Bar.java:{i})\n" for i in range(400))
    trace.write_text(
        "".join(
            f"2016-09-08 20:31:{i % 60:02d},5 ERROR [main] a.B: failed {i}\n{frames}"
            for i in range(8)
        )
    )
    records = tmp_path / "records-long.log"
    records.write_text(
        "".join(
            f'{{"ts":{1614834367 + i},"level":"info","logger":"api","msg":"request {i} done"}}\n'
            f'time="2021-03-04T04:06:08Z" level=warn msg="slow request {i}" took={i}ms\n'
            f"  continued {i}\n"
            for i in range(3000)
        )
    )
    paths = [rollover, trace, records, *crafted(tmp_path), DATA / "stacktrace.log"]
    verdicts: list[bool] = []
    holds = parallel._holds
    monkeypatch.setattr(parallel, "_holds", lambda *a: verdicts.append(holds(*a)) or verdicts[-1])
    for year in (None, 2015):
        assert parse(paths, tmp_path / "one.jsonl", 1, year) == parse(
            paths, tmp_path / "two.jsonl", 2, year
        )
    rows = [json.loads(row) for row in (tmp_path / "two.jsonl").read_text().splitlines()]
    years = {row["at"][:4] for row in rows if row.get("file") == str(rollover)}
    assert years == {"2015", "2016"}
    assert True in verdicts and False in verdicts  # some chunks were parsed again here


@pytest.mark.parametrize("opening", ["\n" * 300, "settings:\n" + "  key = value\n" * 600])
def test_workers_read_a_file_that_opens_with_blank_lines_or_a_preamble(
    small_spans: None, tmp_path: Path, opening: str
) -> None:
    """More blocks are read than the first for its sample (past blank lines, or past a
    preamble no layout reads): the workers read the file as one process does."""
    path = tmp_path / "late.log"
    with path.open("w", encoding="utf-8") as out:
        out.write(opening)
        for i in range(40_000):
            out.write(f"2025-06-01 10:{i // 60 % 60:02d}:{i % 60:02d} INFO [w-{i % 3}] job {i}\n")
    assert path.stat().st_size > BLOCK_BYTES  # the sample's block is not the whole file
    one = parse([path], tmp_path / "one.jsonl", 1, None)
    two = parse([path], tmp_path / "two.jsonl", 2, None)
    assert one == two
    last = json.loads(one[0].splitlines()[-1])
    assert last["at"] == "2025-06-01T10:06:39Z" and last["level"] == "INFO"


def test_workers_tell_of_the_first_stamp_that_names_no_instant(
    small_spans: None, tmp_path: Path
) -> None:
    """Chunks parsed in workers hand on their first such line: the file's first is told of,
    as one process tells of it."""
    path = tmp_path / "days.log"
    with path.open("w", encoding="utf-8") as out:
        for i in range(30_000):
            day = 31 if i in (21_000, 25_000) else 1 + i % 28
            out.write(f"2025-06-{day:02d} 10:{i % 60:02d}:00 INFO job {i} done\n")
    assert path.stat().st_size > 4 * parallel.SPAN_BYTES
    for workers in (1, 2):
        with pytest.warns(RetrolineWarning) as told:
            write_json_lines(io.StringIO(), [path], workers=workers)
        assert [str(w.message).split(": a stamp")[0] for w in told] == [f"{path}:21001"]


def test_a_summary_in_workers_counts_what_one_process_counts(
    small_spans: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``logs parse`` without --json reads big files in workers too, which store no text."""
    log = tmp_path / "app.log"
    log.write_text(
        "".join(
            f"2021-03-04 04:{i // 60 % 60:02d}:{i % 60:02d},{i % 1000:03d} "
            f"{('INFO', 'WARN')[i % 2]} [pool-{i % 3}] svc: request {i} took {i % 70} ms\n"
            + ("\tat a.B.c(B.java:1)\n" if i % 7 == 0 else "")
            for i in range(6000)
        )
    )
    paths = [log, *crafted(tmp_path)]
    chunks: list[object] = []
    chunked = parallel.Workers.chunks

    def counted(self: parallel.Workers, *args: object) -> object:
        for item in chunked(self, *args):
            chunks.append(item[2])
            yield item

    monkeypatch.setattr(parallel.Workers, "chunks", counted)
    one, errors_one = summarise(paths, workers=1)
    assert not chunks
    two, errors_two = summarise(paths, workers=2)
    assert one == two and errors_one == errors_two == []
    took = {s.template: s.count for s in two}
    assert took["request <*> took <*> ms"] == 6000
    assert len(chunks) > 5  # the big file went to the workers ...
    assert all(where is None for where in chunks)  # ... which stored no text


def test_an_output_without_a_descriptor_is_written_in_this_process(
    small_spans: None, tmp_path: Path
) -> None:
    path = interleaved(tmp_path) if loghub_files() else DATA / "stacktrace.log"
    out = io.StringIO()
    write_json_lines(out, [path], workers=2)
    assert out.getvalue().encode() == parse([path], tmp_path / "one.jsonl", 1, None)[0]


@pytest.mark.skipif(not loghub_files(), reason="../shared/loghub is not here")
def test_numbering_that_starts_again_gives_the_same_lines(
    small_spans: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsers number the masked messages across chunks and start again when too many
    are kept; with a tiny limit they start again all the time, in every process."""
    path = interleaved(tmp_path)
    expected = parse([path], tmp_path / "one.jsonl", 1, None)
    monkeypatch.setattr(jsonl, "_CACHE_SIZE", 64)
    assert parse([path], tmp_path / "small-one.jsonl", 1, None) == expected
    assert parse([path], tmp_path / "small-two.jsonl", 2, None) == expected


def test_workers_write_only_to_descriptors_they_inherited(tmp_path: Path) -> None:
    """Workers write the output themselves only where the descriptor is theirs too."""
    before = (tmp_path / "before.jsonl").open("w")
    with parallel.Workers(tmp_path, 2) as workers:
        assert workers.shares(before.fileno())
        after = (tmp_path / "after.jsonl").open("w")  # opened once they were forked
        assert not workers.shares(after.fileno())
        after.close()
    before.close()


def test_pieces_are_written_whole_to_files_and_pipes(tmp_path: Path) -> None:
    """A chunk's pieces go out in batches of writev; a pipe that takes part of a batch
    gets the rest after it."""
    parts = [f"{i:05d}:".encode() * (i % 7) for i in range(5000)]
    expected = b"".join(parts)
    with (tmp_path / "out").open("wb") as fh:
        parallel.write_parts(fh.fileno(), parts)
    assert (tmp_path / "out").read_bytes() == expected
    read_end, write_end = os.pipe()
    got = bytearray()
    reader = threading.Thread(target=read_slowly, args=(read_end, got))
    reader.start()
    parallel.write_parts(write_end, parts)
    os.close(write_end)
    reader.join()
    assert bytes(got) == expected


def read_slowly(fd: int, into: bytearray) -> None:
    while data := os.read(fd, 1000):  # a little at a time: the pipe fills up
        into += data
    os.close(fd)


@pytest.mark.parametrize(("lines", "forked"), [(40, True), (4, False)])
def test_many_middling_files_are_parsed_by_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: int, forked: bool
) -> None:
    """Twenty hosts' logs of a few megabytes each are as much work as one large file: when
    the files hold `MIN_BYTES` together, the workers parse each one of `FILE_BYTES` or more
    (here scaled down: 8 KiB together, 1 KiB a file), with the output one process gives."""
    monkeypatch.setattr(parallel, "MIN_BYTES", 8 * 1024)
    monkeypatch.setattr(parallel, "FILE_BYTES", 1024)
    paths = []
    for host in range(12):
        path = tmp_path / f"node{host:02d}.log"
        path.write_text(
            "".join(
                f"Mar  1 10:{i:02d}:{host:02d} node{host:02d} app[{i}]: request {i} served\n"
                for i in range(lines)
            )
        )
        paths.append(path)
    started: list[int] = []
    real = parallel.start_workers
    monkeypatch.setattr(
        parallel, "start_workers", lambda *a, **k: started.append(1) or real(*a, **k)
    )
    two = parse(paths, tmp_path / "two.jsonl", 2, 2024)
    assert bool(started) is forked
    one = parse(paths, tmp_path / "one.jsonl", 1, 2024)
    assert one == two
    assert len(two[0].splitlines()) == 12 * lines


def test_files_follow_one_another_through_the_workers_and_one_breaking_off_stops_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With workers, the next file is set up while the last spans of one are parsed; files
    read here (small, compressed) keep their place among the others, and a file that breaks
    off (a cut archive) is written up to the break, the files after it in full, and its
    error raised last, as in one process."""
    monkeypatch.setattr(parallel, "SPAN_BYTES", 80 * 1024)
    monkeypatch.setattr(parallel, "MIN_BYTES", 8192)
    monkeypatch.setattr(parallel, "FILE_BYTES", 4096)
    paths: list[Path] = []
    for host in range(6):
        path = tmp_path / f"node{host}.log"
        path.write_text(
            "".join(
                f"Mar  1 10:{i // 60 % 60:02d}:{i % 60:02d} node{host} app[{i}]: request {i} served"
                f" in {i % 97} ms\n"
                for i in range(2500 + 700 * host)
            )
        )
        paths.append(path)
    small = tmp_path / "small.log"
    small.write_text("2024-03-01T10:00:00Z node9 cron[1]: job 1 done\n" * 20)
    cut = tmp_path / "cut.log.gz"
    whole = gzip.compress(paths[0].read_bytes())
    cut.write_bytes(whole[: len(whole) // 2])
    files = [paths[0], small, paths[1], cut, *paths[2:]]
    planned: list[str] = []
    real = parallel.Workers._sent
    monkeypatch.setattr(
        parallel.Workers,
        "_sent",
        lambda self, items, carries: (
            planned.append(str(x[1].path)) or x if x[2] is not None and x[2].start == 0 else x
            for x in real(self, items, carries)
        ),
    )
    results = []
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}.jsonl"
        with out.open("w", encoding="utf-8") as fh, pytest.raises(InputError) as error:
            write_json_lines(fh, files, year=2024, workers=workers)
        assert str(cut) in str(error.value)
        results.append(out.read_bytes())
    assert results[0] == results[1]
    assert planned == [str(p) for p in paths]  # every plain file of some size, by the workers
    written = [json.loads(row)["file"] for row in results[1].decode().splitlines()]
    assert list(dict.fromkeys(written)) == [str(p) for p in files]
    assert written.count(str(paths[5])) == 2500 + 700 * 5


#: What the parent process last prepared: a worker sees the value it had when forked.
_PREPARED = "before"


def _prepared(_: int) -> str:
    return _PREPARED


def test_lazy_workers_are_forked_when_first_given_work_and_inherit_what_was_prepared(
    tmp_path: Path,
) -> None:
    global _PREPARED
    _PREPARED = "before"
    workers = parallel.start_workers(tmp_path, 2, lazy=True)
    assert workers is not None
    with workers:
        _PREPARED = "after"  # as a layout compiled once the workers exist
        assert [seen for _, seen in workers.ordered(_prepared, iter([1, 2]))] == ["after"] * 2
    eager = parallel.start_workers(tmp_path, 2)
    assert eager is not None
    with eager:
        _PREPARED = "later"
        assert [seen for _, seen in eager.ordered(_prepared, iter([1]))] == ["after"]
