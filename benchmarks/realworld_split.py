"""Timeline extraction on the real postmortems of ``../shared/realworld``, split in two halves by
source, so that one half can be measured without having been looked at while building.

    .venv/bin/python benchmarks/realworld_split.py --list          # which document is in which half
    .venv/bin/python benchmarks/realworld_split.py --half A [--verbose]
    .venv/bin/python benchmarks/realworld_split.py --half all

A document's source is where it was published: the owner of a repository on a code forge
(``github.com/flutter``), otherwise the site's registered domain (``npmjs.org`` for both the
status page and the blog). A source's half is the parity of the first byte of the SHA-256 of
its name: fixed before any result was seen, and the same documents of one source always land
in the same half. The figures are those of ``../shared/eval/score_extract.py``, run on a
folder holding only the half's label files.
"""

from __future__ import annotations

import argparse
import hashlib
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REALWORLD = SHARED / "realworld"
FORGES = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")


def source_of(document: Path) -> str:
    """The publisher of a document, from the ``URL:`` line it starts with."""
    first = document.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
    url = first.removeprefix("URL:").strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in FORGES:
        owner = parts.path.strip("/").split("/", 1)[0].lower()
        return f"{host}/{owner}"
    return ".".join(host.split(".")[-2:])


def half_of(source: str) -> str:
    """``A`` or ``B``: the parity of the first byte of the source's SHA-256."""
    return "AB"[hashlib.sha256(source.encode()).digest()[0] % 2]


def documents() -> list[tuple[str, str, str]]:
    """(label file stem, source, half) for every labelled document, sorted by stem."""
    found = []
    for labels in sorted((REALWORLD / "expected").glob("*.json")):
        source = source_of(REALWORLD / "docs" / f"{labels.stem}.txt")
        found.append((labels.stem, source, half_of(source)))
    return found


def score(half: str, verbose: bool, command: str) -> int:
    """Run the shared scorer on the label files of ``half`` (A, B or all)."""
    chosen = [stem for stem, _, h in documents() if half == "all" or h == half]
    with tempfile.TemporaryDirectory(prefix="retroline-split-") as tmp:
        folder = Path(tmp)
        for stem in chosen:
            (folder / f"{stem}.json").symlink_to(REALWORLD / "expected" / f"{stem}.json")
        argv = [
            sys.executable,
            str(SHARED / "eval" / "score_extract.py"),
            "--expected",
            str(folder),
            "--docs",
            str(REALWORLD / "docs"),
            "--cmd",
            command,
        ]
        if verbose:
            argv.append("--verbose")
        return subprocess.run(argv, check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=["A", "B", "all"], default="all")
    parser.add_argument("--list", action="store_true", help="print the split and stop")
    parser.add_argument("--verbose", action="store_true", help="list misses and extra events")
    retroline = shlex.quote(str(Path(sys.executable).parent / "retroline"))
    parser.add_argument(
        "--cmd",
        default=f"{retroline} extract {{file}} {{tz}} --json",
        help="the extraction command, as score_extract.py takes it",
    )
    args = parser.parse_args()
    if args.list:
        for stem, source, half in documents():
            print(f"{half}  {source:28}  {stem}")
        return 0
    return score(args.half, args.verbose, args.cmd)


if __name__ == "__main__":
    sys.exit(main())
