"""Log reading on the real log files of ``../shared/reallogs``, split in two halves by source,
so that one half can be measured without having been looked at while building.

    .venv/bin/python benchmarks/reallogs_split.py --list        # which file is in which half
    .venv/bin/python benchmarks/reallogs_split.py --half A [--verbose]
    .venv/bin/python benchmarks/reallogs_split.py --half all [--lnav]

A file's source is the repository its manifest entry names (a file without one is its own
source, by its name). A source's half is the parity of the first byte of the SHA-256 of that
name: fixed before any result was seen, so all files of one project land in the same half.
The figures are those of ``../shared/eval/score_reallogs.py``, run on a manifest holding only
the half's entries; ``--lnav`` scores Debian's lnav the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REALLOGS = SHARED / "reallogs"
SCORER = SHARED / "eval" / "score_reallogs.py"
COMMAND = f"{ROOT / '.venv' / 'bin' / 'retroline'} logs parse {{file}} --json"


def source_of(entry: dict[str, Any]) -> str:
    """The project a file comes from: its repository, else its own name."""
    source = entry.get("source") or {}
    return str(source.get("repo") or entry["file"])


def half_of(entry: dict[str, Any]) -> str:
    """A or B, from the SHA-256 of the file's source."""
    return "A" if hashlib.sha256(source_of(entry).encode()).digest()[0] % 2 == 0 else "B"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("A", "B", "all"), default="all")
    parser.add_argument("--list", action="store_true", help="print each file's half and source")
    parser.add_argument("--lnav", action="store_true", help="score lnav instead of retroline")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    manifest = json.loads((REALLOGS / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["files"]
    if args.list:
        for entry in sorted(entries, key=lambda e: (half_of(e), e["file"])):
            print(f"{half_of(entry)}  {entry['file']:<40} {source_of(entry)}")
        return 0
    chosen = [e for e in entries if args.half == "all" or half_of(e) == args.half]
    with tempfile.TemporaryDirectory() as folder:
        part = Path(folder) / "manifest.json"
        part.write_text(json.dumps({**manifest, "files": chosen}), encoding="utf-8")
        tool = ["--lnav"] if args.lnav else ["--cmd", COMMAND]
        command = [sys.executable, str(SCORER), *tool, "--manifest", str(part)]
        command += ["--files", str(REALLOGS / "files")]
        if args.verbose:
            command.append("--verbose")
        print(f"half {args.half}: {len(chosen)} files;", shlex.join(command[1:3]), flush=True)
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
