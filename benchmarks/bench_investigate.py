"""Speed and memory of the whole job: ``logs parse``, ``logs onset`` and ``investigate``.

Builds the evidence of an incident in a temporary folder: ``--hosts`` log files (20) of
``--lines`` lines each (100,000), and one short Markdown postmortem written here. Host ``h``
logs the raw lines of Loghub sample ``h mod 11`` in ../shared/loghub (Android, Apache, BGL, ...:
eleven systems, eleven header layouts), cycled from a different start on each host, with new
times: every host covers the same hour, 10:00 to 11:00 UTC on 12 March 2024 (``--hours``
for longer, the onset staying in the middle), its lines spread evenly over it, each in its
system's own layout (syslog, Apache, ISO, compact, Unix seconds).
The incident's onset is at 10:30, in the middle: from then on every 10th line of a host is a
line of one of two templates that are rare in its sample, so those templates spike. The
postmortem's "## Timeline" gives the onset (10:30 UTC) and the recovery.

Then, in this one run, each ``--repeat`` times (3), taking turns, end to end in child processes:

- ``retroline logs parse FILES --year 2024 --json > /dev/null``;
- ``retroline logs onset FILES --at 2024-03-12T10:30Z --year 2024 --json > /dev/null``
  (default windows: an hour before, 30 minutes after);
- ``retroline --db TMP.db investigate DOC FILES -o TMP --json``, a new library and report
  folder each run (the onset is read from the document, the year of the logs from the onset).

Each turn also runs ``investigate`` once more through the public API (``retroline.investigate``
with a ``progress`` callback, in a child process), to time its phases by the progress lines
it gives: up to the logs (imports, the library, the postmortem), the reading of the logs (from
"reading N log file(s)" to "storing the incident": the onset's read, the second read for
events on many hosts, hashing the files) and the rest (storing, similar incidents, the
report). Its reading rate is set beside parse's whole run (start-up and output included).

Three samples (OpenSSH, Android, Proxifier) write no year: hence ``--year``. The table shows
each command's median run, lines per second (all the lines of all the files), and its time
over parse's, taken run by run (the median of those ratios: 1.0 costs as much as a parse). It
also shows the changes ``onset`` found, by kind, how many of the spiked templates are among
them, and the onset that ``investigate`` used. Peak memory is the child's ru_maxrss (os.wait4): the largest
process, not the sum of the workers. Results go to benchmarks/results/investigate.json and a
table is printed. Not a test: run it by hand, nothing else heavy running.

    .venv/bin/python benchmarks/bench_investigate.py [--hosts 20] [--lines 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_logs import RETROLINE, measure, run_facts, version

HERE = Path(__file__).resolve().parent
LOGHUB = HERE.parent.parent / "shared" / "loghub"
RESULTS = HERE / "results"
START = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ONSET = START + HOUR / 2
YEAR = str(START.year)
SPIKE_EVERY = 10  # after the onset, every 10th line is a spiked template's
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

POSTMORTEM = f"""# Checkout errors on every host after the cache rollout

Date: {ONSET:%Y-%m-%d}
Authors: Benchmark
Status: draft

## Summary

For 22 minutes on {ONSET:%d %B %Y} errors rose on every host after a cache rollout.

## Timeline

All times are UTC.

- {ONSET:%Y-%m-%d %H:%M} UTC - Error rate rises on every host; alert fires.
- {ONSET + timedelta(minutes=22):%Y-%m-%d %H:%M} UTC - Rollback complete; error rate back to baseline.

## Root cause

A cache rollout (benchmark input, made up).
"""


def _ms(at: datetime) -> str:
    return f"{at.microsecond // 1000:03d}"


@dataclass(frozen=True)
class Layout:
    """Where a system's lines keep their time, and how to write a new one there."""

    head: re.Pattern[str]
    write: Callable[[re.Match[str], datetime, str], str]


# Per Loghub system: the time at the start of its lines, rewritten in the same layout (and
# the syslog host replaced by the host's name).
LAYOUTS: dict[str, Layout] = {
    "Android": Layout(
        re.compile(r"\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}"),
        lambda m, t, h: f"{t:%m-%d %H:%M:%S}.{_ms(t)}",
    ),
    "Apache": Layout(
        re.compile(r"\[\w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}\]"),
        lambda m, t, h: f"[{DAYS[t.weekday()]} {MONTHS[t.month - 1]} {t:%d %H:%M:%S %Y}]",
    ),
    "BGL": Layout(
        re.compile(r"(\S+) \d+ \d{4}\.\d\d\.\d\d (\S+) \d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.\d{6}"),
        lambda m, t, h: f"{m[1]} {int(t.timestamp())} {t:%Y.%m.%d} {m[2]} {t:%Y-%m-%d-%H.%M.%S.%f}",
    ),
    "HDFS": Layout(re.compile(r"\d{6} \d{6}"), lambda m, t, h: f"{t:%y%m%d %H%M%S}"),
    "Hadoop": Layout(
        re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"),
        lambda m, t, h: f"{t:%Y-%m-%d %H:%M:%S},{_ms(t)}",
    ),
    "HealthApp": Layout(
        re.compile(r"\d{8}-\d{1,2}:\d{1,2}:\d{1,2}:\d{1,3}"),
        lambda m, t, h: f"{t:%Y%m%d-%H:%M:%S}:{t.microsecond // 1000}",
    ),
    "OpenSSH": Layout(
        re.compile(r"[A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \S+"),
        lambda m, t, h: f"{MONTHS[t.month - 1]} {t.day:>2} {t:%H:%M:%S} {h}",
    ),
    "Proxifier": Layout(
        re.compile(r"\[\d\d\.\d\d \d\d:\d\d:\d\d\]"), lambda m, t, h: f"[{t:%m.%d %H:%M:%S}]"
    ),
    "Spark": Layout(
        re.compile(r"\d\d/\d\d/\d\d \d\d:\d\d:\d\d"), lambda m, t, h: f"{t:%y/%m/%d %H:%M:%S}"
    ),
    "Windows": Layout(
        re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,"), lambda m, t, h: f"{t:%Y-%m-%d %H:%M:%S},"
    ),
    "Zookeeper": Layout(
        re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"),
        lambda m, t, h: f"{t:%Y-%m-%d %H:%M:%S},{_ms(t)}",
    ),
}


@dataclass(frozen=True)
class System:
    """One Loghub sample: each line split at its time, and the template of each line."""

    name: str
    layout: Layout
    lines: list[tuple[re.Match[str] | None, str]]
    events: list[str]

    def rare(self) -> list[str]:
        """Templates seen 3 to 40 times in the sample, rarest first: the ones to spike."""
        counts = Counter(self.events)
        return sorted((e for e, n in counts.items() if 3 <= n <= 40), key=lambda e: (counts[e], e))

    def event_of(self, text: str) -> str:
        """The template of a line written from this sample (its text after the time)."""
        m = self.layout.head.match(text)
        rest = text[m.end() :] if m else text
        return next((e for (_, r), e in zip(self.lines, self.events, strict=True) if r == rest), "")

    def line(self, i: int, at: datetime, host: str) -> str:
        head, rest = self.lines[i]
        return (self.layout.write(head, at, host) if head else "") + rest


def load(name: str) -> System:
    folder = LOGHUB / name
    layout = LAYOUTS[name]
    raw = next(folder.glob("*_2k.log")).read_text(encoding="utf-8", errors="replace")
    lines: list[tuple[re.Match[str] | None, str]] = []
    for text in raw.splitlines():
        m = layout.head.match(text)
        lines.append((m, text[m.end() :]) if m else (None, text))
    with next(folder.glob("*_structured_corrected.csv")).open(encoding="utf-8", newline="") as fh:
        event = {int(r["LineId"]): r["EventId"] for r in csv.DictReader(fh)}
    return System(name, layout, lines, [event.get(i + 1, "") for i in range(len(lines))])


def build(
    folder: Path, systems: list[System], hosts: int, lines: int, span: timedelta = HOUR
) -> tuple[Path, list[Path], dict[str, list[str]]]:
    """Write the postmortem and the host logs; returns them and, per log file name, the
    templates (Loghub event ids) that spike in it."""
    doc = folder / "postmortem.md"
    doc.write_text(POSTMORTEM, encoding="utf-8")
    logs: list[Path] = []
    spiked: dict[str, list[str]] = {}
    step = span / lines
    start = ONSET - span / 2  # the onset in the middle
    for h in range(hosts):
        system = systems[h % len(systems)]
        host = f"host{h + 1:02d}"
        rare = system.rare()
        first = (h // len(systems)) * 2 % max(len(rare), 1)
        spikes = (rare + rare)[first : first + 2]
        spike_lines = [i for i, e in enumerate(system.events) if e in spikes]
        log = folder / f"{host}-{system.name.lower()}.log"
        spiked[log.name] = spikes
        n = len(system.lines)
        with log.open("w", encoding="utf-8") as out:
            for i in range(lines):
                at = start + i * step
                pick = (i + h * 137) % n
                if at >= ONSET and spike_lines and i % SPIKE_EVERY == 0:
                    pick = spike_lines[(i // SPIKE_EVERY) % len(spike_lines)]
                out.write(system.line(pick, at, host) + "\n")
        logs.append(log)
    return doc, logs, spiked


def timed(name: str, argv: list[str], lines: int, answer: Path | None = None) -> dict[str, Any]:
    if answer is None:
        secs, rss, _ = measure(argv)
    else:
        with answer.open("wb") as out:
            secs, rss, _ = measure(argv, stdout=out.fileno())
    return {
        "command": name,
        "lines": lines,
        "seconds": secs,
        "lines_per_s": lines / secs,
        "rss_mib": rss,
    }


def turn(
    doc: Path, logs: list[Path], folder: Path, run: int, lines: int
) -> dict[str, dict[str, Any]]:
    """One run of each command, one after the other; the last answers are kept in ``folder``."""
    files = [str(p) for p in logs]
    rl = str(RETROLINE)
    parse = [rl, "logs", "parse", *files, "--year", YEAR, "--json"]
    onset = [
        rl,
        "logs",
        "onset",
        *files,
        "--at",
        f"{ONSET:%Y-%m-%dT%H:%MZ}",
        "--year",
        YEAR,
        "--json",
    ]
    db, report = folder / f"library-{run}.db", folder / f"report-{run}"
    investigate = [
        rl,
        "--db",
        str(db),
        "investigate",
        str(doc),
        *files,
        "-o",
        str(report),
        "--json",
    ]
    return {
        "parse": timed("parse", parse, lines),
        "onset": timed("onset", onset, lines, folder / "onset.json"),
        "investigate": timed("investigate", investigate, lines, folder / "investigate.json"),
        "phases": phases(doc, logs, folder, run, lines),
    }


# Run in a child: investigate through the public API, each progress line timed.
PHASES = """
import json, sys, time
start = time.perf_counter()
import retroline
marks = [(0.0, "start")]
def note(message):
    marks.append((time.perf_counter() - start, message))
doc, out, db, *logs = sys.argv[1:]
retroline.investigate([doc, *logs], library=db, out_dir=out, progress=note)
note("done")
print(json.dumps(marks))
"""


def phases(doc: Path, logs: list[Path], folder: Path, run: int, lines: int) -> dict[str, Any]:
    """Investigate's phases in one run (`PHASES`), in seconds, and its rate of reading logs."""
    db, report = folder / f"phases-{run}.db", folder / f"phases-{run}"
    argv = [sys.executable, "-c", PHASES, str(doc), str(report), str(db), *map(str, logs)]
    answer = folder / "phases.json"
    with answer.open("wb") as out:
        secs, rss, _ = measure(argv, stdout=out.fileno())
    marks = json.loads(answer.read_text(encoding="utf-8"))
    at = {}
    for t, message in marks:
        key = message.split(" ", 1)[0]  # "reading", "storing", ...
        at.setdefault(key, t)
    reading = at["storing"] - at["reading"]
    return {
        "command": "investigate (phases)",
        "seconds": secs,
        "rss_mib": rss,
        "before_logs": at["reading"],
        "reading_logs": reading,
        "after_logs": at["done"] - at["storing"],
        "reading_lines_per_s": lines / reading,
        "marks": marks,
    }


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time (the middle one of an odd number, the upper of an even)."""
    return dict(sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2])


def findings(folder: Path, systems: list[System], spiked: dict[str, list[str]]) -> dict[str, Any]:
    """What the last runs found: onset's changes by kind, how many of the spiked templates
    (a host's system and template) are among its spiked or appeared changes (by the template
    of their example lines), and the onset investigate read the logs at."""
    onset = json.loads((folder / "onset.json").read_text(encoding="utf-8"))
    by_system = {s.name.lower(): s for s in systems}
    found: set[tuple[str, str]] = set()
    for change in onset["changes"]:
        if change["kind"] not in ("spiked", "appeared"):
            continue
        for example in change["examples"]:
            system = by_system[Path(example["path"]).stem.split("-", 1)[1]]
            found.add((system.name, system.event_of(example["text"])))
    wanted = {
        (by_system[log.split("-", 1)[1].removesuffix(".log")].name, event)
        for log, events in spiked.items()
        for event in events
    }
    investigation = json.loads((folder / "investigate.json").read_text(encoding="utf-8"))
    return {
        "onset_lines": onset["lines"],
        "onset_changes": dict(Counter(c["kind"] for c in onset["changes"])),
        "spiked_found": len(wanted & found),
        "spiked": len(wanted),
        "investigate_onset": investigation["onset"],
        "investigate_logs": len(investigation["logs"]),
    }


def table(rows: dict[str, dict[str, Any]]) -> str:
    out = [
        f"{'command':<12} {'lines':>10} {'median s':>9} {'lines/s':>10} {'x parse':>8} {'peak MiB':>9}  runs (s)"
    ]
    for name, run in rows.items():
        ratio = f"{run['ratio']:.2f}x" if "ratio" in run else "1.00x"
        out.append(
            f"{name:<12} {run['lines']:>10,} {run['seconds']:>9.2f} {run['lines_per_s']:>10,.0f}"
            f" {ratio:>8} {run['rss_mib']:>9}  {run['runs_s']}"
        )
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--lines", type=int, default=100_000, help="lines per host")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each command, taking turns")
    ap.add_argument(
        "--hours",
        type=float,
        default=1.0,
        help="hours the logs run, the onset in the middle (default 1: the windows read cover"
        " them; 72: three days, of which investigate looks again at the hours around the onset)",
    )
    args = ap.parse_args()
    results = run_facts(retroline=version([str(RETROLINE), "--version"]))
    total = args.hosts * args.lines
    with tempfile.TemporaryDirectory(prefix="bench-investigate-") as tmp:
        folder = Path(tmp)
        systems = [load(name) for name in sorted(LAYOUTS)]
        span = timedelta(hours=args.hours)
        doc, logs, spiked = build(folder, systems, args.hosts, args.lines, span)
        results["input"] = {
            "hosts": args.hosts,
            "lines_per_host": args.lines,
            "lines": total,
            "bytes": sum(p.stat().st_size for p in logs),
            "onset": ONSET.isoformat(),
            "hours": args.hours,
            "spiked": spiked,
        }
        runs = [turn(doc, logs, folder, r, total) for r in range(args.repeat)]
        results["found"] = findings(folder, systems, spiked)
    rows = {name: median([run[name] for run in runs]) for name in ("parse", "onset", "investigate")}
    for name, row in rows.items():
        row["runs_s"] = [round(run[name]["seconds"], 3) for run in runs]
        if name != "parse":
            ratios = sorted(run[name]["seconds"] / run["parse"]["seconds"] for run in runs)
            row["ratios"], row["ratio"] = ratios, ratios[len(ratios) // 2]
    steps = sorted((run["phases"] for run in runs), key=lambda p: p["reading_logs"])
    step = steps[len(steps) // 2]
    rates = sorted(
        run["phases"]["reading_lines_per_s"] / run["parse"]["lines_per_s"] for run in runs
    )
    step["rate_ratios"], step["rate_ratio"] = rates, rates[len(rates) // 2]
    results.update(median=rows, runs=runs, phases=step)
    print(table(rows))
    print(
        f"investigate's phases (run of median reading): up to the logs (imports, library, "
        f"postmortem) {step['before_logs']:.2f} s, reading the logs "
        f"{step['reading_logs']:.2f} s ({step['reading_lines_per_s']:,.0f} lines/s: "
        f"{step['rate_ratio']:.2f}x parse's rate, {', '.join(f'{r:.2f}' for r in rates)}), "
        f"after them {step['after_logs']:.2f} s"
    )
    found = results["found"]
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(found["onset_changes"].items()))
    print(
        f"onset: {kinds}; {found['spiked_found']} of the {found['spiked']} spiked templates "
        f"among them. investigate: {found['investigate_logs']} logs read at "
        f"{found['investigate_onset']}"
    )
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / "investigate.json"
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
