"""Speed and memory of ``retroline logs parse --json`` against drain3, on the same input.

Builds a log of at least a million lines from the Loghub 2k samples in ../shared/loghub,
interleaved in blocks of ``--block`` lines (one system after another, round robin) and
repeated, in a temporary folder. Then, in this one run:

- ours: ``retroline logs parse FILE --json > /dev/null``, end to end in a child process
  (start-up, header detection, time resolution, two passes, JSON output);
- drain3 0.9.11 (``pip install drain3``, a benchmark-only dependency): a child process that
  reads the same lines with the message already cut from its header (the Loghub CSVs'
  Content column, so drain3 pays nothing for headers) and calls ``add_log_message`` on each,
  with drain3's default settings and the masking of its example drain3.ini, written here;
- the same two on that input with every number shifted in each copy (only templates
  repeat, not whole messages), and on the 22,000 distinct lines once, so that what caching
  on repeats gives is visible;
- each side ``--repeat`` times (3), taking turns, so that a machine whose speed drifts
  slows both alike; the table shows each side's median run and the median ratio;
- with ``--memory``, ours at 200k and at 2M lines: peak memory must not grow with the input.

Peak memory is the child's ru_maxrss (os.wait4). Results go to benchmarks/results/ (JSON)
and a table is printed. Not a test: run it by hand, nothing else heavy running.

    .venv/bin/python benchmarks/bench_logs.py [--lines 1000000] [--memory]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LOGHUB = HERE.parent.parent / "shared" / "loghub"
RESULTS = HERE / "results"
RETROLINE = Path(sys.executable).with_name("retroline")
# A number standing alone ("port 22", "10.0.0.1"), not a digit in a word ("ssh2", "blk_1").
NUMBER = re.compile(r"\b\d+\b")

# drain3's example configuration (drain3.ini in its repository): the [MASKING] section as
# published; [DRAIN] left out, so every drain setting keeps its default.
DRAIN3_INI = r"""[MASKING]
masking = [
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)(([0-9a-f]{2,}:){3,}([0-9a-f]{2,}))((?=[^A-Za-z0-9])|$)", "mask_with": "ID"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})((?=[^A-Za-z0-9])|$)", "mask_with": "IP"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)([0-9a-f]{6,} ?){3,}((?=[^A-Za-z0-9])|$)", "mask_with": "SEQ"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)([0-9A-F]{4} ?){4,}((?=[^A-Za-z0-9])|$)", "mask_with": "SEQ"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)(0x[a-f0-9A-F]+)((?=[^A-Za-z0-9])|$)", "mask_with": "HEX"},
          {"regex_pattern":"((?<=[^A-Za-z0-9])|^)([\\-\\+]?\\d+)((?=[^A-Za-z0-9])|$)", "mask_with": "NUM"},
          {"regex_pattern":"(?<=executed cmd )(\".+?\")", "mask_with": "CMD"}
          ]
mask_prefix = <:
mask_suffix = :>
"""


def samples() -> list[tuple[list[str], list[str]]]:
    """Per Loghub system: its raw lines and, line for line, their messages (CSV Content)."""
    out = []
    for folder in sorted(p for p in LOGHUB.iterdir() if p.is_dir()):
        log = next(folder.glob("*_2k.log"))
        raw = log.read_text(encoding="utf-8", errors="replace").splitlines()
        truth = next(folder.glob("*_structured_corrected.csv"))
        with truth.open(encoding="utf-8", newline="") as fh:
            content = {int(r["LineId"]): r["Content"] for r in csv.DictReader(fh)}
        out.append((raw, [content.get(i + 1, "") for i in range(len(raw))]))
    return out


def build(folder: Path, lines: int, block: int, vary: bool = False) -> tuple[Path, Path]:
    """Write the interleaved log and its messages; returns both paths.

    With ``vary``, every number in a message is shifted by the number of the copy, so that
    repeated lines are not repeated word for word (as in a real log, where ids and counts
    change and only the templates repeat).
    """
    systems = samples()
    name = f"bench-{lines}{'-varied' if vary else ''}"
    log, messages = folder / f"{name}.log", folder / f"{name}.messages"
    written, offset = 0, 0
    with log.open("w", encoding="utf-8") as out, messages.open("w", encoding="utf-8") as msg:
        while written < lines:
            for raw, content in systems:
                start, copy = offset % len(raw), offset // len(raw)
                for i in range(start, min(start + block, len(raw))):
                    line, message = raw[i], content[i].replace("\n", " ")
                    if vary and copy and message and line.endswith(message):
                        shifted = NUMBER.sub(lambda m, c=copy: str(int(m.group()) + c), message)
                        line, message = line[: len(line) - len(message)] + shifted, shifted
                    out.write(line + "\n")
                    msg.write(message + "\n")
                    written += 1
            offset += block
    return log, messages


def measure(argv: list[str], stdout: int | None = subprocess.DEVNULL) -> tuple[float, int, int]:
    """Run a child to its end: wall seconds, peak resident memory in MiB, exit status."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {err[-500:]}")
    return elapsed, usage.ru_maxrss // 1024, proc.returncode


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def ours(log: Path) -> dict:
    secs, rss, _ = measure([str(RETROLINE), "logs", "parse", str(log), "--json"])
    n = count_lines(log)
    return {
        "tool": "retroline",
        "lines": n,
        "seconds": secs,
        "lines_per_s": n / secs,
        "rss_mib": rss,
    }


def drain3(messages: Path, ini: Path) -> dict:
    argv = [sys.executable, __file__, "--drain3-child", str(messages), str(ini)]
    secs, rss, _ = measure(argv)
    n = count_lines(messages)
    return {"tool": "drain3", "lines": n, "seconds": secs, "lines_per_s": n / secs, "rss_mib": rss}


def drain3_child(messages: str, ini: str) -> int:
    """The drain3 side: its template miner over every message, nothing else."""
    from drain3 import TemplateMiner
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.load(ini)
    miner = TemplateMiner(config=config)
    add = miner.add_log_message
    with open(messages, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            add(line.rstrip("\n"))
    return 0


def side_by_side(log: Path, messages: Path, ini: Path, repeat: int) -> tuple[dict, dict]:
    """Ours and drain3 on the same input, taking turns ``repeat`` times: a machine whose
    speed drifts (a shared virtual machine) slows both alike. Each side's median run, and
    the median of the ratios of the runs taken together."""
    pairs = [(ours(log), drain3(messages, ini)) for _ in range(repeat)]
    mine = _median([a for a, _ in pairs])
    theirs = _median([b for _, b in pairs])
    ratios = sorted(a["lines_per_s"] / b["lines_per_s"] for a, b in pairs)
    mine["ratio"] = ratios[len(ratios) // 2]
    mine["ratios"] = ratios
    mine["runs_s"] = [round(a["seconds"], 3) for a, _ in pairs]
    theirs["runs_s"] = [round(b["seconds"], 3) for _, b in pairs]
    return mine, theirs


def _median(runs: list[dict]) -> dict:
    return dict(sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2])


def table(rows: list[tuple[str, dict, dict]]) -> str:
    out = [
        f"{'input':<22} {'lines':>9} {'ours l/s':>10} {'drain3 l/s':>11} {'ratio':>6}"
        f" {'ours MiB':>9} {'drain3 MiB':>10}"
    ]
    for name, a, b in rows:
        out.append(
            f"{name:<22} {a['lines']:>9} {a['lines_per_s']:>10,.0f} {b['lines_per_s']:>11,.0f}"
            f" {a['ratio']:>5.1f}x {a['rss_mib']:>9} {b['rss_mib']:>10}"
        )
    return "\n".join(out)


def version(argv: list[str]) -> str:
    """The first line a program prints about its version ("?" when it prints nothing)."""
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else "?"


def run_facts(**versions: str) -> dict[str, Any]:
    """When and where a benchmark ran, for its results file; ``versions`` of the tools."""
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        **versions,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--block", type=int, default=50, help="lines per system in a row")
    ap.add_argument("--memory", action="store_true", help="also ours at 200k and 2M lines")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side, taking turns")
    ap.add_argument("--drain3-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.drain3_child:
        return drain3_child(*args.drain3_child)
    results = run_facts()
    with tempfile.TemporaryDirectory(prefix="bench-logs-") as tmp:
        folder = Path(tmp)
        ini = folder / "drain3.ini"
        ini.write_text(DRAIN3_INI, encoding="utf-8")
        rows = []
        log, messages = build(folder, args.lines, args.block)
        repeat = args.repeat
        rows.append((f"{args.lines:,} interleaved", *side_by_side(log, messages, ini, repeat)))
        log.unlink()
        log, messages = build(folder, args.lines, args.block, vary=True)
        rows.append(("  numbers varied", *side_by_side(log, messages, ini, repeat)))
        log.unlink()
        once, once_messages = build(folder, 22_000, 2000)  # every distinct line, once
        rows.append(("22k distinct lines", *side_by_side(once, once_messages, ini, repeat)))
        results["runs"] = [{"input": name, "ours": a, "drain3": b} for name, a, b in rows]
        print(table(rows))
        if args.memory:
            memory = []
            for n in (200_000, 2_000_000):
                big, _ = build(folder, n, args.block)
                memory.append({"lines": n, "bytes": big.stat().st_size, **ours(big)})
                big.unlink()
            results["memory"] = memory
            for m in memory:
                print(
                    f"ours on {m['lines']:>9,} lines ({m['bytes'] / 2**20:,.0f} MiB): "
                    f"peak {m['rss_mib']} MiB, {m['lines_per_s']:,.0f} lines/s"
                )
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"bench_logs-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"results: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
