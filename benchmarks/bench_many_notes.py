"""``investigate`` of a folder of many small notes and one postmortem: is it linear?

Teams drop whole ticket exports into an evidence folder. This writes ``--sizes`` folders
(1,000, 2,500, 5,000, 10,000 notes by default) of short made-up notes (a title, a host, a
day of the month; no timeline of their own) plus one short postmortem with a timeline, and
runs ``retroline --db NEW.db investigate FOLDER -o NEW --json`` on each, in a child process.
It prints the seconds, the seconds per thousand files (flat when the work is linear), the
documents read and the peak memory (the child's ru_maxrss). No other tool investigates a
folder of notes, so there is no second column: the baseline is this program before the
change, which combined documents pairwise (4.6 minutes for 10,000 notes).
Results go to benchmarks/results/many_notes.json.

    .venv/bin/python benchmarks/bench_many_notes.py [--sizes 1000,2500,5000,10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from bench_logs import RESULTS, RETROLINE, measure, run_facts

POSTMORTEM = """# API outage

Date: 2031-05-04

## Timeline

- 10:00 UTC API errors start
- 10:30 UTC the fix is deployed
"""


def build(folder: Path, notes: int) -> None:
    """``notes`` small notes and one postmortem in ``folder``."""
    folder.mkdir()
    for i in range(notes):
        (folder / f"note-{i:05d}.md").write_text(
            f"# Note {i}\n\nChecked host web-{i % 50}; nothing unusual on {i % 28 + 1} May.\n",
            encoding="utf-8",
        )
    (folder / "postmortem.md").write_text(POSTMORTEM, encoding="utf-8")


def one(size: int, tmp: Path) -> dict[str, float | int]:
    evidence = tmp / f"notes-{size}"
    build(evidence, size)
    answer = tmp / f"answer-{size}.json"
    with answer.open("wb") as out:
        seconds, peak, _ = measure(
            [
                str(RETROLINE),
                "--db",
                str(tmp / f"lib-{size}.db"),
                "investigate",
                str(evidence),
                "-o",
                str(tmp / f"report-{size}"),
                "--json",
            ],
            stdout=out.fileno(),
        )
    read = json.loads(answer.read_text(encoding="utf-8"))
    files = size + 1
    return {
        "files": files,
        "seconds": round(seconds, 2),
        "seconds_per_1000": round(seconds / files * 1000, 2),
        "documents": len(read["documents"]),
        "peak_mib": peak,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1000,2500,5000,10000")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="retroline-notes-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            row = one(size, Path(tmp))
            rows.append(row)
            print(
                f"{row['files']:>6} files  {row['seconds']:>7.2f} s  "
                f"{row['seconds_per_1000']:>5.2f} s per 1,000  "
                f"{row['documents']:>6} documents  {row['peak_mib']:>4} MiB",
                flush=True,
            )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "many_notes.json"
    out.write_text(json.dumps({"facts": run_facts(), "runs": rows}, indent=2), encoding="utf-8")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
