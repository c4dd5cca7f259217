"""How fast the web app answers on a large library: the list page (newest first, by
title, its 50th page, filtered by service and day), the search page, and the list and
search APIs, with ``--incidents`` (10,000) small incidents, each asked ``--repeat`` (20)
times through an in-process client (no network, no server: the app's own time).

Prints the median and the 95th percentile of each, in milliseconds, and the size of the
answer. The aim is a p95 under 100 ms for the list and the search pages. Not a test: run it
by hand, nothing else heavy running.

    .venv/bin/python benchmarks/bench_web.py [--incidents 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from retroline.model import Event, EventKind, Incident, Precision, Source
from retroline.store import Library
from retroline.web.app import create_app

WORDS = ["disk", "certificate", "dns", "memory", "socket", "latency", "deploy", "queue"]
ASKED = [
    ("list", "/"),
    ("list, title", "/?sort=title"),
    ("list, page 50", "/?page=50"),
    ("list, filters", "/?service=dns&since=2024-01-01"),
    ("api list", "/api/incidents?offset=5000&limit=100"),
    ("search", "/?q=certificate"),
    ("api search", "/api/search?q=socket"),
]


def fill(library: Library, count: int) -> None:
    """``count`` incidents, a word of `WORDS` each, seven hours apart, saved 500 at a time."""
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    batch: list[tuple[Incident, str | None, str | None]] = []
    for i in range(count):
        word = WORDS[i % len(WORDS)]
        event = Event(
            at=start + dt.timedelta(hours=7 * i),
            precision=Precision.MINUTE,
            time_text="x",
            text=f"{word} alert fired",
            kind=EventKind.IMPACT_START,
            source=Source(path="postmortem.md", line=1),
        )
        title = f"{word} incident {i} on host{i % 97}"
        summary = f"The {word} of host{i % 97} failed."
        batch.append((Incident(title=title, summary=summary, events=[event]), f"k{i}", None))
        if len(batch) == 500:
            library.save_many(batch)
            batch = []
    if batch:
        library.save_many(batch)


async def measure(library: Library, repeat: int) -> list[tuple[str, float, float, int]]:
    """Per page: its median and p95 in ms and its size in bytes."""
    transport = httpx.ASGITransport(app=create_app(library))
    found = []
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        for name, url in ASKED:
            times = []
            size = 0
            for _ in range(repeat):
                began = time.perf_counter()
                answer = await client.get(url)
                times.append(time.perf_counter() - began)
                if answer.status_code != 200:
                    raise SystemExit(f"{url}: {answer.status_code}")
                size = len(answer.content)
            times.sort()
            p95 = times[max(0, round(0.95 * len(times)) - 1)]
            found.append((name, 1000 * statistics.median(times), 1000 * p95, size))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        library = Library(str(Path(folder) / "library.db"))
        began = time.perf_counter()
        fill(library, args.incidents)
        print(f"{args.incidents:,} incidents saved in {time.perf_counter() - began:.1f} s")
        rows = asyncio.run(measure(library, args.repeat))
        library.close()
    print(f"{'page':14} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>9}  aim p95 < 100 ms")
    for name, p50, p95, size in rows:
        print(f"{name:14} {p50:8.1f} {p95:8.1f} {size:9,}  {'met' if p95 < 100 else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
