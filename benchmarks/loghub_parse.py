"""Print one JSON object per line of a log file, for ../shared/eval/score_loghub.py.

The plain two-pass way, on `parse_lines`: the first pass learns the templates, the second
matches each line again, read-only, and prints it with its template. ``retroline logs parse
FILE --json`` does the job faster (its second pass reads a spool of the first, and each line
keeps the template it was learnt into); this script stays to score the library path alone.

    python benchmarks/loghub_parse.py FILE [--tz ZONE] [--year YYYY] [--one-pass]
"""

from __future__ import annotations

import argparse
import json
import sys

from retroline.logs.parse import parse_lines
from retroline.logs.templates import TemplateMiner


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file")
    ap.add_argument("--tz")
    ap.add_argument("--year", type=int)
    ap.add_argument("--one-pass", action="store_true", help="learn and print in one pass")
    args = ap.parse_args(argv)
    miner = TemplateMiner()
    if not args.one_pass:
        for _ in parse_lines(args.file, tz=args.tz, year=args.year, miner=miner):
            pass
    dumps, write = json.dumps, sys.stdout.write
    for parsed in parse_lines(
        args.file, tz=args.tz, year=args.year, miner=miner, learn=args.one_pass
    ):
        write(dumps(parsed.to_json_dict()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
