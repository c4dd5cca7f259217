"""Many hosts logging the same event within a minute: a watchdog naming the hosts it reboots,
per-host syslogs with one error at once, and what must not count (spread over time, one
chatty host, lines outside the window, numbers and paths, a steady heartbeat)."""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from retroline.errors import InputError, UsageError
from retroline.logs import many_hosts, parallel, reader
from retroline.logs.many_hosts import Burst, burst_findings, candidates, host_value, shared_bursts
from retroline.logs.onset import Change, ChangeKind, analyse
from retroline.logs.templates import TemplateMiner
from retroline.logs.window import Example
from retroline.model import Severity

DAY = datetime(2008, 8, 7, tzinfo=UTC)
START, END = DAY.replace(hour=18), DAY.replace(hour=23)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute, second=second)


def write_syslog(path: Path, lines: list[tuple[datetime, str, str]]) -> Path:
    """A syslog file of (instant, host, "process[pid]: message") lines, in time order."""
    lines = sorted(lines, key=lambda x: x[0])
    path.write_text("".join(f"{t:%b %e %H:%M:%S} {host} {rest}\n" for t, host, rest in lines))
    return path


def line_of(path: Path, text: str) -> int:
    """The number of the first line of ``path`` that holds ``text``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def bursts(paths: list[Path], start: datetime = START, end: datetime = END) -> list[Burst]:
    return shared_bursts(paths, start, end, year=2008)


CLIENTS = [f"wintest-{i:03d}" for i in range(1, 41)]


@pytest.fixture
def watchdog_log(tmp_path: Path) -> Path:
    """One host's watchdog daemon: check-ins from its 40 clients all along, two mass
    reboots at 20:01 and 20:21, and unrelated noise (jobs with numbers and paths)."""
    rng = random.Random(7)
    lines = []
    for minute in range(18 * 60, 22 * 60, 2):  # a check-in every 2 min from some client
        when = DAY + timedelta(minutes=minute, seconds=rng.randrange(60))
        client = rng.choice(CLIENTS)
        lines.append((when, "wdog01", f"watchdogd[812]: check-in from {client} ok in 12 ms"))
    for minute in range(18 * 60, 22 * 60, 3):
        when = DAY + timedelta(minutes=minute, seconds=rng.randrange(60))
        job = rng.randrange(10_000)
        lines.append((when, "wdog01", f"cron[{job}]: job {job} wrote /var/spool/wd/{job}.out"))
    for first in (at(20, 1, 3), at(20, 21, 3)):
        for i, client in enumerate(CLIENTS):
            when = first + timedelta(seconds=i * 52 // 39)
            lines.append((when, "wdog01", f"watchdogd[812]: rebooting {client}: no check-in"))
    return write_syslog(tmp_path / "watchdog.log", lines)


def test_a_watchdog_rebooting_its_clients_at_once_is_one_burst(watchdog_log: Path) -> None:
    (burst,) = bursts([watchdog_log])
    assert burst.template == "rebooting <*>: no check-in"
    assert (burst.hosts, burst.total_hosts, burst.count) == (40, 40, 2)
    assert burst.named  # the hosts are named in the messages, not in the header
    assert (burst.first, burst.last) == (at(20, 1, 3), at(20, 1, 55))
    assert burst.every == timedelta(minutes=20) and burst.regular
    assert burst.final == at(20, 21, 3)
    assert set(burst.sample) <= set(CLIENTS) and len(burst.sample) == 5
    assert [(o.at, o.hosts) for o in burst.occurrences] == [(at(20, 1, 3), 40), (at(20, 21, 3), 40)]
    assert burst.path == str(watchdog_log)
    assert burst.line == line_of(watchdog_log, "rebooting wintest-001")
    (finding,) = burst_findings([burst])
    assert finding.code == "many-hosts" and finding.severity is Severity.WARNING
    assert finding.message == (
        "'rebooting <*>: no check-in' was logged for 40 hosts within 52 s at 2008-08-07 20:01"
        " UTC (and once more, 20 min later): a shared cause (a common dependency: network,"
        " server, clock), not 40 separate failures"
    )
    assert finding.source is not None
    assert (finding.source.path, finding.source.line) == (burst.path, burst.line)
    assert finding.rows[0] == ["first line (UTC)", "hosts", "within", "some of them"]
    assert finding.rows[1][:3] == ["2008-08-07T20:01:03Z", "40", "52 s"]
    assert len(finding.rows) == 3


def test_the_miner_of_the_onset_analysis_saves_a_pass(watchdog_log: Path) -> None:
    miner = TemplateMiner()
    analysis = analyse([watchdog_log], at(20, 1), year=2008, miner=miner)
    assert shared_bursts([watchdog_log], START, END, year=2008, miner=miner) == bursts(
        [watchdog_log]
    )
    # Following only the candidates the analysis gives, in the files that hold them (read
    # by their words), finds the same burst.
    wanted = candidates(analysis.changes)
    assert len(wanted) == 1
    [held] = {f for c in analysis.changes if c.template_id in wanted for f in c.files}
    assert held == str(watchdog_log)
    assert shared_bursts(
        [watchdog_log], START, END, year=2008, miner=miner, templates=wanted
    ) == bursts([watchdog_log])


def test_lines_that_share_a_word_with_a_followed_template_change_nothing(tmp_path: Path) -> None:
    """Read by their words, the lines of the followed templates are all found even when
    many other lines hold some of those words (only lines with all of them are parsed)."""
    rng = random.Random(5)
    lines = []
    for minute in range(18 * 60, 22 * 60):
        when = DAY + timedelta(minutes=minute, seconds=rng.randrange(60))
        client = rng.choice(CLIENTS)
        # The followed template's longest word, and others of its words, in other orders.
        lines.append((when, "wdog01", f"watchdogd[812]: check-in {client} no rebooting wanted"))
    for i, client in enumerate(CLIENTS):
        when = at(20, 1, 3) + timedelta(seconds=i * 52 // 39)
        lines.append((when, "wdog01", f"watchdogd[812]: rebooting {client}: no check-in"))
    log = write_syslog(tmp_path / "watchdog.log", lines)
    miner = TemplateMiner()
    analysis = analyse([log], at(20, 1), year=2008, miner=miner)
    wanted = candidates(analysis.changes)
    assert len(wanted) == 1
    everything = bursts([log])
    assert len(everything) == 1 and everything[0].hosts == len(CLIENTS)
    # The burst stands out against the four hours the log runs, not the minute of the
    # followed lines alone.
    followed = shared_bursts(
        [log], START, END, year=2008, miner=miner, templates=wanted, extents=analysis.extents
    )
    assert followed == everything
    assert analysis.extents[str(log)][0] < at(18, 1) and analysis.extents[str(log)][1] > at(21, 58)
    # Without the extents, the logs are taken to run over the whole window.
    assert shared_bursts([log], START, END, year=2008, miner=miner, templates=wanted) == everything


def per_host_files(
    folder: Path, hosts: int, error_at: list[datetime], rng: random.Random
) -> list[Path]:
    """Syslog files of ``hosts`` hosts (host in the header), with ordinary noise all along
    and host i logging an NFS error at ``error_at[i]``."""
    folder.mkdir()
    paths = []
    for i in range(hosts):
        host = f"node{i:02d}.lab"
        lines = [
            (START + timedelta(seconds=rng.randrange(4 * 3600)), host, f"sshd[{rng.randrange(9999)}]: "
             f"Accepted publickey for user{rng.randrange(5)} from 10.0.0.{rng.randrange(250)}")
            for _ in range(40)
        ]  # fmt: skip
        lines.append(
            (error_at[i], host, "kernel: nfs: server filer01 not responding, still trying")
        )
        paths.append(write_syslog(folder / f"{host}.log", lines))
    return paths


def test_one_error_on_thirty_hosts_within_thirty_seconds_is_a_burst(tmp_path: Path) -> None:
    rng = random.Random(11)
    offsets = list(range(30))  # host i logs it offsets[i] seconds after 20:10
    rng.shuffle(offsets)
    times = [at(20, 10) + timedelta(seconds=s) for s in offsets]
    paths = per_host_files(tmp_path / "hosts", 30, times, rng)
    (burst,) = bursts(paths)
    assert burst.template == "nfs: server filer01 not responding, still trying"
    assert (burst.hosts, burst.total_hosts, burst.count, burst.named) == (30, 30, 1, False)
    assert burst.first == at(20, 10) and burst.last == at(20, 10, 29)
    first_file = paths[offsets.index(0)]  # the host whose error came first
    assert burst.path == str(first_file)
    assert burst.line == line_of(first_file, "not responding")
    assert burst.every is None
    (finding,) = burst_findings([burst])
    assert finding.message.startswith(
        "30 hosts logged 'nfs: server filer01 not responding, still trying' within 29 s at"
        " 2008-08-07 20:10 UTC: a shared cause"
    )


def test_files_read_in_worker_processes_give_what_one_process_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The followed templates' lines of many files, read in forked workers (as large files
    are), give the bursts the one-process read gives."""
    rng = random.Random(13)
    times = [at(20, 10, rng.randrange(30)) for _ in range(30)]
    paths = per_host_files(tmp_path / "hosts", 30, times, rng)
    miner = TemplateMiner()
    analysis = analyse(paths, at(20, 10), year=2008, miner=miner)
    wanted = candidates(analysis.changes)
    assert wanted

    def followed() -> list[Burst]:
        return shared_bursts(
            paths, START, END, year=2008, miner=miner, templates=wanted, extents=analysis.extents
        )

    alone = followed()
    assert len(alone) == 1 and alone[0].hosts == 30
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "worker_count", lambda: 2)
    forked: list[int] = []
    real_start = parallel.start_workers
    monkeypatch.setattr(parallel, "start_workers", lambda *a: forked.append(1) or real_start(*a))
    assert followed() == alone
    assert forked == [1]  # the workers did the reading
    # A file that breaks off in a worker is an input error here, as in one process.
    cut = gzip.compress(paths[3].read_bytes() * 50)
    paths[3] = paths[3].with_suffix(".log.gz")
    paths[3].write_bytes(cut[: len(cut) // 2])
    with pytest.raises(InputError, match="the gzip archive is damaged or cut off"):
        followed()


def test_the_same_error_on_thirty_hosts_spread_over_an_hour_is_no_burst(tmp_path: Path) -> None:
    rng = random.Random(12)
    times = [at(20, 0) + timedelta(seconds=120 * i + rng.randrange(60)) for i in range(30)]
    assert bursts(per_host_files(tmp_path / "hosts", 30, times, rng)) == []


def test_one_host_logging_a_template_a_hundred_times_a_minute_is_no_burst(tmp_path: Path) -> None:
    lines = [
        (
            at(20, 0) + timedelta(seconds=0.6 * i),
            "db07",
            f"postgres[42]: retrying db07:{5432 + i % 3}",
        )
        for i in range(1000)
    ]
    lines += [(at(19, 0) + timedelta(minutes=i), "db07", "cron[1]: tick") for i in range(60)]
    assert bursts([write_syslog(tmp_path / "db07.log", lines)]) == []


def test_lines_outside_the_window_do_not_count(watchdog_log: Path) -> None:
    # The first burst (20:01) before the start: only the second is left.
    (burst,) = bursts([watchdog_log], start=at(20, 10))
    assert (burst.first, burst.count) == (at(20, 21, 3), 1)
    # The end is not in the window: a window ending as the first burst begins sees none
    # of it, and one ending halfway through sees only the hosts before the end.
    assert bursts([watchdog_log], end=at(20, 1, 3)) == []
    (cut,) = bursts([watchdog_log], end=at(20, 1, 30))
    before_end = [
        i for i in range(40) if at(20, 1, 3) + timedelta(seconds=i * 52 // 39) < at(20, 1, 30)
    ]
    assert cut.hosts == len(before_end) == 21 and cut.count == 1


@pytest.mark.parametrize(
    ("token", "host"),
    [
        ("wintest-042", "wintest-042"),
        ("node17.lab", "node17.lab"),
        ("(wintest-042):", "wintest-042"),
        ("host=web-07,", "web-07"),
        ("root@node17", "node17"),
        ("10.1.2.3", "10.1.2.3"),
        ("10.1.2.3:8080", "10.1.2.3"),
        ("/10.0.0.1:50010", "10.0.0.1"),
        ("node17:22", "node17"),
        ("db.example.com", "db.example.com"),
        ("R02-M1-N0", "R02-M1-N0"),
        ("42", None),
        ("4711,", None),
        ("-3.5", None),
        ("/var/log/wd/042.log", None),
        ("/dev/sdb1", None),
        ("C:\\temp\\x1", None),
        ("20:01:03", None),
        ("T10:42", None),
        ("2008-08-07T20:01:03Z", None),
        ("300.1.2.3", None),
        ("v1.2.3", None),
        ("python3.11", None),
        ("deadbeef0123", None),
        ("0x7f3a", None),
        ("check-in", None),
        ("app.log", None),
        ("user", None),
        ("x1", None),
    ],
)
def test_what_a_token_names(token: str, host: str | None) -> None:
    assert host_value(token) == host


def test_numbers_and_paths_in_messages_are_not_hosts(tmp_path: Path) -> None:
    # Fifty jobs of one host fail within a minute, each with its own number and path: the
    # values vary, but none names a host.
    lines = [
        (at(20, 0, i), "batch01", f"runner[{900 + i}]: job {4000 + i} failed writing "
         f"/data/run/{7000 + i}.out after {i * 13 % 97} ms at 20:00:{i:02d}")
        for i in range(50)
    ]  # fmt: skip
    lines += [(at(19, 0) + timedelta(minutes=i), "batch01", "cron[1]: tick") for i in range(60)]
    assert bursts([write_syslog(tmp_path / "batch.log", lines)]) == []


def test_a_heartbeat_every_host_logs_all_along_is_no_burst(tmp_path: Path) -> None:
    rng = random.Random(5)
    hosts = [f"web{i:02d}" for i in range(24)]
    phase = {host: rng.randrange(30) for host in hosts}
    lines = [
        (START + timedelta(seconds=30 * k + phase[host]), host, "agent[9]: heartbeat ok")
        for host in hosts
        for k in range(4 * 120)
    ]
    assert bursts([write_syslog(tmp_path / "all.log", lines)]) == []
    # Every two minutes instead: about half the hosts in any minute, now and then more.
    lines = [
        (START + timedelta(seconds=120 * k + 5 * i), host, "agent[9]: heartbeat ok")
        for i, host in enumerate(hosts)
        for k in range(4 * 30)
    ]
    assert bursts([write_syslog(tmp_path / "half.log", lines)]) == []


def test_hosts_that_start_a_message_together_mid_stream_are_a_burst(tmp_path: Path) -> None:
    # The same messages every 30 s, but starting on all hosts at 20:30 (after a restart):
    # that beginning is the burst.
    hosts = [f"web{i:02d}" for i in range(24)]
    lines = [(at(19, 0) + timedelta(minutes=k), "web00", "cron[1]: tick") for k in range(200)]
    lines += [
        (at(20, 30) + timedelta(seconds=30 * k + i), host, "agent[9]: retrying connection to db")
        for i, host in enumerate(hosts)
        for k in range(60)
    ]
    (burst,) = bursts([write_syslog(tmp_path / "all.log", lines)])
    assert (burst.first, burst.hosts, burst.count) == (at(20, 30), 24, 1)


def test_irregular_repeats_name_the_last(tmp_path: Path) -> None:
    hosts = [f"web{i:02d}" for i in range(10)]
    lines = [(at(19, 0) + timedelta(minutes=k), "web00", "cron[1]: tick") for k in range(200)]
    for first in (at(20, 0), at(20, 7), at(21, 30), at(21, 41)):
        lines += [(first + timedelta(seconds=i), h, "app[3]: lost db") for i, h in enumerate(hosts)]
    (burst,) = bursts([write_syslog(tmp_path / "all.log", lines)])
    assert (burst.count, burst.regular, burst.final) == (4, False, at(21, 41))
    (finding,) = burst_findings([burst])
    assert "(and 3 more times, the last at 2008-08-07 21:41 UTC)" in finding.message
    assert len(finding.rows) == 5


def test_regular_repeats_name_the_interval(tmp_path: Path) -> None:
    hosts = [f"web{i:02d}" for i in range(10)]
    lines = [(at(19, 0) + timedelta(minutes=k), "web00", "cron[1]: tick") for k in range(200)]
    for n in range(6):
        first = at(20, 0) + timedelta(minutes=15 * n, seconds=n % 2)
        lines += [(first + timedelta(seconds=i), h, "app[3]: lost db") for i, h in enumerate(hosts)]
    (burst,) = bursts([write_syslog(tmp_path / "all.log", lines)])
    (finding,) = burst_findings([burst])
    assert "(and 5 more times, every 15 min)" in finding.message


def test_a_window_that_ends_before_it_starts_is_refused(watchdog_log: Path) -> None:
    with pytest.raises(UsageError, match="give an end after the start"):
        shared_bursts([watchdog_log], END, START)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such log file"):
        shared_bursts([tmp_path / "missing.log"], START, END)


def test_standard_input_is_refused(watchdog_log: Path) -> None:
    with pytest.raises(UsageError, match="standard input"):
        shared_bursts(["-"], START, END)


@pytest.mark.parametrize(
    "thresholds", [{"min_hosts": 1}, {"share": 0.0}, {"share": 1.5}, {"span": timedelta(0)}]
)
def test_impossible_thresholds_are_refused(watchdog_log: Path, thresholds: dict) -> None:
    with pytest.raises(UsageError, match="give 2 hosts or more"):
        shared_bursts([watchdog_log], START, END, **thresholds)


def _change(kind: str, hosts: list[str], texts: list[str], template: str) -> Change:
    examples = [Example("d.log", n, None, text) for n, text in enumerate(texts, 1)]
    return Change("t1", template, ChangeKind(kind), 9.0, 0, 3, None, None, hosts, examples)


def test_only_templates_that_rose_on_many_hosts_or_naming_many_are_read_again() -> None:
    named = [
        f"2031-05-04T10:00:0{i} watch01 hangd[7]: host wintest-0{i}{i} missed 3 check-ins"
        for i in range(1, 4)
    ]
    template = "host <*> missed <*> check-ins"
    assert candidates([_change("appeared", ["watch01"], named, template)]) == {"t1"}
    many = [f"web{i:02d}" for i in range(6)]
    assert candidates([_change("spiked", many, ["x"], "disk full")]) == {"t1"}
    # Fewer header hosts than MIN_HOSTS, and examples that name only their own host.
    own = [f"May  4 10:00:0{i} web01 app[2]: request {i} failed on web01" for i in range(1, 4)]
    assert candidates([_change("spiked", ["web01"], own, "request <*> failed on web01")]) == set()
    # What fell at the onset is no event on many hosts.
    assert candidates([_change("dropped", many, named, template)]) == set()
    assert candidates([_change("vanished", ["watch01"], named, template)]) == set()


def test_the_word_test_takes_a_block_and_finds_every_line_holding_a_templates_words() -> None:
    """The second read's test searches a whole block for one word of each template (the
    rarest in the first block) and takes the lines that hold all of that template's words:
    at the block's ends, with a word twice, in another order; a line with some of them is
    refused."""
    miner = TemplateMiner()
    for i in range(5):
        miner.learn(f"rebooting client{i}: no check-in")
        miner.learn(f"disk quota exceeded for user{i}")
    rebooting = miner.learn("rebooting client9: no check-in").id
    keep = many_hosts._has_words([rebooting], miner)
    assert keep is not None
    block = [
        "rebooting client7: no check-in",  # the first line
        "check-in of client3 ok",  # a word, not all
        "rebooting rebooting, then check-in and no more",  # every word, one twice
        "rebooting client4 now",  # a word, not all
        "disk quota exceeded for user2",
        "no check-in: rebooting",  # the words in another order
        "rebooting web-1: no check-in",  # the last line
    ]
    assert sorted(keep(block)) == [0, 2, 5, 6]
    assert sorted(keep(["", "rebooting", "no check-in", ""])) == []
    both = many_hosts._has_words(
        [rebooting, miner.learn("disk quota exceeded for user7").id], miner
    )
    assert both is not None and sorted(both(block)) == [0, 2, 4, 5, 6]


def test_a_file_is_searched_only_for_the_templates_seen_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given where the onset analysis saw each template, a file is searched for the
    templates seen in it only, and not read at all when it holds none: the same bursts,
    fewer reads."""
    rng = random.Random(17)
    times = [at(20, 10, rng.randrange(30)) for _ in range(12)]
    paths = per_host_files(tmp_path / "hosts", 12, times, rng)
    quiet = tmp_path / "hosts" / "quiet.log"
    quiet.write_text(paths[0].read_text().replace("nfs: server filer01", "cron: job"))
    paths.append(quiet)
    miner = TemplateMiner()
    analysis = analyse(paths, at(20, 10), year=2008, miner=miner)
    wanted = candidates(analysis.changes)
    seen_in = {c.template_id: c.files for c in analysis.changes if c.template_id in wanted}
    assert seen_in and all(str(quiet) not in files for files in seen_in.values())
    read: list[str] = []
    real = many_hosts._lines_in
    monkeypatch.setattr(
        many_hosts, "_lines_in", lambda path, *a: read.append(str(path)) or real(path, *a)
    )

    def followed(**where: object) -> list[Burst]:
        return shared_bursts(
            paths, START, END, year=2008, miner=miner, templates=wanted,
            extents=analysis.extents, **where,  # type: ignore[arg-type]
        )  # fmt: skip

    everywhere = followed()
    assert str(quiet) in read and len(everywhere) == 1 and everywhere[0].hosts == 12
    read.clear()
    assert followed(seen_in=seen_in) == everywhere
    assert str(quiet) not in read and len(read) == 12
    # A template said to be in two files only is looked for in those two.
    read.clear()
    (tid,) = seen_in
    assert followed(seen_in={tid: [str(p) for p in paths[:2]]}) == []
    assert read == [str(p) for p in paths[:2]]


def test_the_second_read_looks_only_at_the_stretches_of_a_file_in_its_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log that runs for days is read again only over the lines the onset analysis saw in
    the window (its stretches, a chunk each), and a file with none there not at all; the
    bursts found are the ones a read of everything finds."""
    monkeypatch.setattr(reader, "BLOCK_BYTES", 8192)  # many chunks, hence many stretches
    rng = random.Random(19)
    paths = []
    for host in range(8):
        rows = [
            (DAY - timedelta(days=3) + timedelta(seconds=137 * i), f"node{host}", f"sshd[{i}]: "
             f"Accepted publickey for user{rng.randrange(5)} from 10.0.0.{rng.randrange(250)}")
            for i in range(2000)
        ]  # fmt: skip
        rows.append((at(20, 10, host), f"node{host}", "kernel: nfs: server filer01 not responding"))
        paths.append(write_syslog(tmp_path / f"node{host}.log", rows))
    early = write_syslog(  # a host whose log ends the day before
        tmp_path / "early.log",
        [(when - timedelta(days=1), "node9", rest) for when, _, rest in rows],
    )
    paths.append(early)
    miner = TemplateMiner()
    analysis = analyse(paths, at(20, 10), year=2008, miner=miner)
    assert len(analysis.stretches[str(paths[0])]) > 3
    wanted = candidates(analysis.changes)
    seen_in = {c.template_id: c.files for c in analysis.changes if c.template_id in wanted}
    looked: list[tuple[str, tuple[int, int] | None]] = []
    real = many_hosts._lines_in
    monkeypatch.setattr(
        many_hosts,
        "_lines_in",
        lambda path, *a: looked.append((str(path), a[-1])) or real(path, *a),
    )

    def followed(**where: object) -> list[Burst]:
        return shared_bursts(
            paths, START, END, year=2008, miner=miner, templates=wanted,
            extents=analysis.extents, seen_in=seen_in, **where,  # type: ignore[arg-type]
        )  # fmt: skip

    everything = followed()
    assert len(everything) == 1 and everything[0].hosts == 8
    assert str(early) in {path for path, _ in looked}
    looked.clear()
    assert followed(stretches=analysis.stretches) == everything
    assert str(early) not in {path for path, _ in looked}
    for path, within in looked:
        assert within is not None
        total = len(Path(path).read_text().splitlines())
        assert within[1] - within[0] < total // 4  # some hours of three days
