"""Speed and memory of ``retroline logs parse --json`` against lnav's indexing, on syslog.

Builds a syslog file of ``--lines`` RFC 3164 lines (``Mon dd HH:MM:SS host proc[pid]: message``)
from the OpenSSH 2k sample in ../shared/loghub, the one Loghub sample written as syslog: its raw
lines repeated, each copy shifted in time to follow the one before (from 2 January on, so the
year does not roll over below about four million lines), in a temporary folder. Then, in this
one run:

- ours: ``retroline logs parse FILE --json > /dev/null``, end to end in a child process
  (start-up, header detection, time resolution, templates, JSON output);
- ours as a summary: ``retroline logs parse FILE > /dev/null`` (the same reading and
  templates, then a table of them: no line written out, as lnav writes none);
- lnav (the Debian package, ``apt-get install lnav``): ``lnav -n -c ';SELECT count(*) FROM
  all_logs' FILE``, headless, with TZ=UTC and HOME a new empty folder for each run (no
  configuration and no state kept from a run before): it detects the format, indexes every
  line with its time and answers one query. Its count must equal the lines written;
- each side ``--repeat`` times (3), taking turns, so that a machine whose speed drifts slows
  both alike; the table shows each side's median run and the median of the ratios of the runs
  taken together (ours lines/s over lnav's: above 1 we are faster).

The two do not do the same work: lnav finds each line's format and time; ours does that and
also groups the messages into templates and writes a JSON object for every line. Peak memory
is the child's ru_maxrss (os.wait4): the largest process, not the sum of ours' workers.
Results go to benchmarks/results/lnav.json and a table is printed. Not a test: run it by hand,
nothing else heavy running.

    .venv/bin/python benchmarks/bench_lnav.py [--lines 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench_logs import RETROLINE, measure, run_facts, version

HERE = Path(__file__).resolve().parent
OPENSSH = HERE.parent.parent / "shared" / "loghub" / "OpenSSH" / "OpenSSH_2k.log"
RESULTS = HERE / "results"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SYSLOG = re.compile(
    r"(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<time>\d\d:\d\d:\d\d) (?P<rest>.*)"
)
# A year without 29 February, so that no line is a date the reader's default year lacks.
START = datetime(2023, 1, 2)


def syslog_time(at: datetime) -> str:
    """RFC 3164's timestamp: ``Mmm dd HH:MM:SS``, the day padded with a space."""
    return f"{MONTHS[at.month - 1]} {at.day:>2} {at:%H:%M:%S}"


def sample() -> list[tuple[int, str]]:
    """The OpenSSH sample's lines as (seconds after its first line, text after the time)."""
    lines = []
    first: datetime | None = None
    for raw in OPENSSH.read_text(encoding="utf-8", errors="replace").splitlines():
        m = SYSLOG.fullmatch(raw)
        if m is None:
            raise SystemExit(f"{OPENSSH}: not a syslog line: {raw[:80]}")
        at = datetime.strptime(f"{m['mon']} {m['day']} 2023 {m['time']}", "%b %d %Y %H:%M:%S")
        first = first or at
        lines.append((int((at - first).total_seconds()), m["rest"]))
    return lines


def build(folder: Path, lines: int) -> Path:
    """Write ``lines`` syslog lines: the sample over and over, each copy after the last."""
    source = sample()
    span = source[-1][0] + 60  # a copy starts a minute after the one before ends
    copies = -(-lines // len(source))
    if (START + timedelta(seconds=copies * span)).year != START.year:
        most = len(source) * ((datetime(START.year + 1, 1, 1) - START).days * 86400 // span)
        raise SystemExit(
            f"--lines {lines:,}: the times would pass the year's end (at most {most:,})"
        )
    log = folder / f"syslog-{lines}.log"
    written = 0
    with log.open("w", encoding="utf-8") as out:
        for copy in range(copies):
            base = START + timedelta(seconds=copy * span)
            chunk = source[: lines - written]
            out.writelines(
                f"{syslog_time(base + timedelta(seconds=s))} {rest}\n" for s, rest in chunk
            )
            written += len(chunk)
    return log


def ours(log: Path, lines: int, summary: bool = False) -> dict[str, Any]:
    argv = [str(RETROLINE), "logs", "parse", str(log), *([] if summary else ["--json"])]
    secs, rss, _ = measure(argv)
    return {
        "tool": "summary" if summary else "retroline",
        "lines": lines,
        "seconds": secs,
        "lines_per_s": lines / secs,
        "rss_mib": rss,
    }


def lnav(log: Path, lines: int, folder: Path) -> dict[str, Any]:
    """lnav indexing ``log`` headless, from a new empty HOME; its count of lines is checked."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=folder))
    answer = folder / "lnav.out"
    argv = ["env", "-u", "XDG_CONFIG_HOME", "TZ=UTC", f"HOME={home}"]
    argv += ["lnav", "-n", "-c", ";SELECT count(*) FROM all_logs", str(log)]
    with answer.open("wb") as out:
        secs, rss, _ = measure(argv, stdout=out.fileno())
    shutil.rmtree(home)
    numbers = re.findall(r"^\s*(\d+)\s*$", answer.read_text(errors="replace"), re.MULTILINE)
    counted = int(numbers[-1]) if numbers else None
    return {
        "tool": "lnav",
        "lines": lines,
        "counted": counted,
        "seconds": secs,
        "lines_per_s": lines / secs,
        "rss_mib": rss,
    }


def median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time (the middle one of an odd number, the upper of an even)."""
    return dict(sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2])


def table(mine: dict[str, Any], summary: dict[str, Any], theirs: dict[str, Any]) -> str:
    out = [f"{'tool':<10} {'lines':>10} {'median s':>9} {'lines/s':>11} {'peak MiB':>9}  runs (s)"]
    for run in (mine, summary, theirs):
        out.append(
            f"{run['tool']:<10} {run['lines']:>10,} {run['seconds']:>9.2f} "
            f"{run['lines_per_s']:>11,.0f} {run['rss_mib']:>9}  {run['runs_s']}"
        )
    for run, what in ((mine, "--json"), (summary, "summary")):
        ratios = ", ".join(f"{r:.2f}" for r in run["ratios"])
        out.append(
            f"ratio ours ({what})/lnav (lines/s, >1: ours faster): {run['ratio']:.2f}x ({ratios})"
        )
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side, taking turns")
    args = ap.parse_args()
    if shutil.which("lnav") is None:
        raise SystemExit("lnav is not installed: apt-get install lnav")
    results = run_facts(
        retroline=version([str(RETROLINE), "--version"]), lnav=version(["lnav", "-V"])
    )
    with tempfile.TemporaryDirectory(prefix="bench-lnav-") as tmp:
        folder = Path(tmp)
        log = build(folder, args.lines)
        results["input"] = {
            "lines": args.lines,
            "bytes": log.stat().st_size,
            "source": str(OPENSSH),
        }
        turns = [
            (ours(log, args.lines), ours(log, args.lines, True), lnav(log, args.lines, folder))
            for _ in range(args.repeat)
        ]
    pairs = [(a, b) for a, _, b in turns]
    mine, theirs = median([a for a, _ in pairs]), median([b for _, b in pairs])
    summary = median([s for _, s, _ in turns])
    for row, col in ((mine, 0), (summary, 1)):
        row["ratios"] = sorted(t[col]["lines_per_s"] / t[2]["lines_per_s"] for t in turns)
        row["ratio"] = row["ratios"][len(turns) // 2]
        row["runs_s"] = [round(t[col]["seconds"], 3) for t in turns]
    theirs["runs_s"] = [round(b["seconds"], 3) for _, b in pairs]
    wrong = sorted({b["counted"] for _, b in pairs if b["counted"] != args.lines}, key=str)
    results.update(
        ours=mine,
        summary=summary,
        lnav=theirs,
        runs=[{"ours": a, "summary": s, "lnav": b} for a, s, b in turns],
    )
    results["lnav_count_ok"] = not wrong
    print(table(mine, summary, theirs))
    if wrong:
        print(f"lnav counted {', '.join(map(str, wrong))} lines, not {args.lines:,}")
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / "lnav.json"
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {target}")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
