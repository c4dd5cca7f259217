"""Every regular expression the package compiles at import, timed on long runs of text.

A pattern that scans a run again from each of its characters (``\\s*X`` searched for in a
line of spaces), or splits a run between two quantifiers every way (``\\s*(?:x)?\\s*``),
takes time growing with the square of the run, and a hostile or damaged file holds runs of
any length. The fuzzer's mutations rarely make long runs; this check builds them: for each
pattern, its own words (``done``, ``status``) followed by a run of one of a few characters,
at two lengths. A pattern whose time grows more than eight-fold from the short run to the
four-times-longer one, and takes over 50 ms on it, is reported with the input that showed
it. The header layouts of logs (the catalog's, and ones learnt from made-up lines) are timed
with each run after a start of a line of theirs, where each of their parts reads it. Some are harmless where they are used (matched at one place, on short text): read the
code before changing one.

    .venv/bin/python fuzz/patterns.py [--only retroline.documents] [--length 12000]

Part of ``make fuzz``; exits 1 when anything is reported.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
import signal
import sys
import time
from types import FrameType

import retroline

RUNS = (
    " ",
    "\t",
    "a",
    "1",
    "_",
    "-",
    ".",
    ":",
    "/",
    "=",
    "[",
    "(",
    "<",
    "*",
    '"',
    ",",
    "a ",
    "a1",
    "</",
)
TAILS = ("x", "\n", "")
LIMIT = 2.0  # seconds a single scan may take before it is cut short (and counted as that)
# Reported by the scan, and harmless where they are used: why.
HARMLESS = {
    "retroline.documents.dialects._READING_TIME": "searched in bylines of 90 characters or fewer",
    "retroline.documents.entries._SET_OFF": "matched at one place, the end of a time found",
    "retroline.documents.stamps._COMMENTED": "searched in headers of 160 characters or fewer",
    "retroline.documents.units._INLINE_LEAD": "searched in the 8 characters before a time",
    "retroline.hosts.packages._APT_ITEM": "matched at one place, item after item; a failed "
    "match ends the list",
    "retroline.hosts.versions._DEB_EPOCH": "matched at the start of a version only",
    "retroline.hosts.versions._RPM_EPOCH": "matched at the start of a version only",
    "retroline.logs.layout._PROCESS_LEVEL": "matched in full on a header's process, once",
    "retroline.logs.structured._PAIR": "matched at one place; a failed match ends the line",
    "retroline.metrics.samples._LABEL": "matched at one place; a failed match ends the labels",
    "retroline.when.match._RANGE": "matched in full on the gap between two times",
    "retroline.when.match._TRAILING_YEAR": "matched at one place, the end of a time found",
    "retroline.when.patterns._DOT_SPAN_END": "matched at one place, the end of a time found",
    "retroline.when.zones._PAREN_OFFSET": "matched at the start of a zone's label",
}


class _Cut(Exception):
    pass


def _cut(signum: int, frame: FrameType | None) -> None:
    raise _Cut


def patterns(only: str) -> dict[str, re.Pattern[str]]:
    """The compiled patterns held by the package's modules, each once, by where it is."""
    found: dict[str, re.Pattern[str]] = {}
    seen: set[int] = set()
    for module in pkgutil.walk_packages(retroline.__path__, "retroline."):
        if module.name.endswith("__main__") or not module.name.startswith(only):
            continue
        names = vars(importlib.import_module(module.name))
        for name, value in names.items():
            if _compiled_when_needed(value):
                value = value()  # patterns a module compiles on first use
            if isinstance(value, dict):
                value = tuple(value.values())
            held = value if isinstance(value, (tuple, list)) else (value,)
            for i, item in enumerate(held):
                if isinstance(item, re.Pattern) and id(item) not in seen:
                    seen.add(id(item))
                    where = name if len(held) == 1 else f"{name}[{i}]"
                    found[f"{module.name}.{where}"] = item
    return found


def _compiled_when_needed(value: object) -> bool:
    """Whether a module's name holds a cached function of no arguments (`functools.cache`):
    how a module keeps patterns it compiles only when first needed."""
    if not callable(value) or not hasattr(value, "cache_info"):
        return False
    try:
        return not inspect.signature(value).parameters
    except (TypeError, ValueError):
        return False


# Lines of made-up layouts the catalog does not hold, each learnt as a file's header would be
# (`logs.learn`): the learnt regexes are timed as the catalog's are.
LEARNT_SAMPLES = (
    ("[41:41:0307/091502.123456:INFO:net/a.cc:8] opened", "[41:42:0307/091503.5:ERROR:b.cc:9] x"),
    (
        "[2021-03-07T09:15:02.1+0100][0.006s][info][gc] up",
        "[2021-03-07T09:15:03.2+0100][1s][warning][gc] x",
    ),
    (
        "2021-03-07 09:15:02,123 shop.db INFO - ready",
        "2021-03-07 09:15:03,123 shop.web ERROR - gone",
    ),
    (
        "2021-02-12T08:09:10.1Z 2021-02-12 08:09:10,120 INFO app: up",
        "2021-02-12T08:09:11.1Z 2021-02-12 08:09:11,120 WARN db: x",
    ),
    (
        'date=2021-05-15 time=18:03:36 id="13" action="accept"',
        'date=2021-05-15 time=18:03:37 id="14" action="deny"',
    ),
    (
        "Mar 07, 2021 4:24:15 PM com.example.Shop open",
        "Mar 07, 2021 4:24:16 PM com.example.Shop close",
    ),
    (
        "2024-05-06 07:08:09.100 CEST [3101] LOG:  checkpoint",
        "2024-05-06 07:08:10.200 CEST [3120] ERROR:  gone",
    ),
)


def layouts() -> dict[str, tuple[re.Pattern[str], str]]:
    """The header layouts: the catalog's and some learnt ones, with a line of each."""
    from retroline.logs.headers import PATTERNS, detect

    found = {f"layout {p.name}": (p.compiled, p.example) for p in PATTERNS}
    for lines in LEARNT_SAMPLES:
        learnt = detect(list(lines) * 3)
        found[f"layout {learnt.name}"] = (learnt.compiled, lines[0])
    return found


def worst_layout(pattern: re.Pattern[str], example: str, length: int) -> tuple[float, str] | None:
    """`worst` for a layout: each run after a start of a line of it (its regex is anchored,
    so the run must come where each of its parts reads)."""
    found: tuple[float, str] | None = None
    for cut in range(0, min(len(example), 72), 3):
        for run in RUNS:
            short_text = example[:cut] + run * (length // 4 // len(run))
            long_text = example[:cut] + run * (length // len(run))
            short, long = _seconds(pattern, short_text), _seconds(pattern, long_text)
            if long > 0.05 and long > 8 * max(short, 1e-4):
                short = min(_seconds(pattern, short_text) for _ in range(3))
                long = min(_seconds(pattern, long_text) for _ in range(3))
                slow = long > 0.05 and long > 8 * max(short, 1e-4)
                if slow and (found is None or long > found[0]):
                    found = (long, f"{example[:cut]!r} + {run!r} * {length // len(run)}")
    return found


def _seconds(pattern: re.Pattern[str], text: str) -> float:
    start = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    try:
        for _ in pattern.finditer(text):
            pass
    except _Cut:
        return LIMIT
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return time.perf_counter() - start


def worst(pattern: re.Pattern[str], length: int) -> tuple[float, str] | None:
    """The slowest long input that shows the pattern's time growing with the square of a run."""
    words = sorted(set(re.findall(r"[A-Za-z]{3,}", pattern.pattern)))[:4]
    found: tuple[float, str] | None = None
    for word in [*words, ""]:
        for run in RUNS:
            for tail in TAILS:
                short_text = word + run * (length // 4 // len(run)) + tail
                long_text = word + run * (length // len(run)) + tail
                short, long = _seconds(pattern, short_text), _seconds(pattern, long_text)
                if long > 0.05 and long > 8 * max(short, 1e-4):
                    # Again, the quickest of three each: a busy machine slows single runs.
                    short = min(_seconds(pattern, short_text) for _ in range(3))
                    long = min(_seconds(pattern, long_text) for _ in range(3))
                if (
                    long > 0.05
                    and long > 8 * max(short, 1e-4)
                    and (found is None or long > found[0])
                ):
                    found = (long, f"{word!r} + {run!r} * {length // len(run)} + {tail!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="retroline.", help="modules whose names start so")
    parser.add_argument("--length", type=int, default=12_000, help="characters in the long run")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, _cut)
    found = patterns(args.only)
    print(f"timing {len(found)} patterns on runs of {args.length:,} characters", flush=True)
    reported = 0
    for where, pattern in found.items():
        slow = None if where in HARMLESS else worst(pattern, args.length)
        if slow is not None:
            reported += 1
            print(f"{where}: {slow[0]:.2f} s on {slow[1]}: /{pattern.pattern[:80]}/", flush=True)
    header_layouts = (
        layouts()
        if "retroline.logs".startswith(args.only) or args.only.startswith("retroline.logs")
        else {}
    )
    print(f"timing {len(header_layouts)} header layouts after starts of their lines", flush=True)
    for where, (pattern, example) in header_layouts.items():
        slow = worst_layout(pattern, example, args.length)
        if slow is not None:
            reported += 1
            print(f"{where}: {slow[0]:.2f} s on {slow[1]}", flush=True)
    print(
        f"{reported} of {len(found) + len(header_layouts)} patterns grow with the square of a "
        "run (or worse); "
        f"{len(HARMLESS.keys() & found.keys())} known to be harmless where they are used "
        "were not tried"
    )
    return 1 if reported else 0


if __name__ == "__main__":
    sys.exit(main())
