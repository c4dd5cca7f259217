"""Timeline extraction: speed on 1,000 documents of ~10 KB, and accuracy on the labelled
documents, side by side with dateparser's ``search_dates`` (the library people reach for to
find dates in free text), in one run.

    .venv/bin/python benchmarks/bench_extract.py [--docs 1000] [--size 10000] [--baseline 50]

Speed: the documents are built from the seeds and our corpus (each grown to ~10 KB by
repeating its own lines, so every format is represented), written to a temporary folder, and
read with ``retroline.documents.read_document``. dateparser is timed on the first
``--baseline`` documents only (it is far slower) and its rate extrapolated from those.

Accuracy: for every labelled entry with a UTC instant, does the tool produce that instant
(to the minute) anywhere in the document? Reported apart for the documents Retroline was
built on (our corpus and the seeds) and for the real postmortems of ``../shared/realworld``. For dateparser the document's own date is given
as the base for year-less dates and the label's zone as the default zone (a generous
setup: it cannot read the zone from the document); Retroline gets the same --tz as in the
labels. Results go to benchmarks/results/extract.json (ignored by git).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# Labelled documents by where they come from: the ones Retroline was built on (our corpus and
# the seeds), and the real postmortems of other teams.
LABEL_SETS = {
    "corpus and seeds": [
        (ROOT / "tests" / "documents" / "expected", ROOT / "tests" / "documents" / "corpus"),
        (SHARED / "expected", SHARED / "seeds"),
    ],
    "realworld": [(SHARED / "realworld" / "expected", SHARED / "realworld" / "docs")],
}


def sources() -> list[Path]:
    found = sorted((ROOT / "tests" / "documents" / "corpus").glob("*.*"))
    found += sorted((SHARED / "seeds").glob("*.txt"))
    return [p for p in found if p.suffix != ".md" or p.name != "README.md"]


def grow(text: str, size: int) -> str:
    """The document made ~size characters long by repeating its body lines, each copy marked
    so no line is the same text twice (real documents do not repeat themselves)."""
    lines = text.splitlines()
    head, body = lines[:5], lines[5:] or lines
    out = list(head)
    copy = 0
    while sum(len(x) + 1 for x in out) < size:
        out.extend(line + f" r{copy}" if line.strip() and copy else line for line in body)
        copy += 1
    return "\n".join(out) + "\n"


def build(folder: Path, count: int, size: int) -> list[Path]:
    bases = sources()
    paths = []
    for i in range(count):
        base = bases[i % len(bases)]
        text = base.read_text(encoding="utf-8", errors="replace")
        path = folder / f"{i:04d}-{base.name}"
        path.write_text(grow(text, size), encoding="utf-8")
        paths.append(path)
    return paths


def time_retroline(paths: list[Path]) -> tuple[float, int]:
    from retroline.documents import read_document

    start = time.perf_counter()
    events = sum(len(read_document(p).events) for p in paths)
    return time.perf_counter() - start, events


def time_dateparser(paths: list[Path]) -> tuple[float, int]:
    from dateparser.search import search_dates

    start = time.perf_counter()
    found = 0
    for p in paths:
        found += len(search_dates(p.read_text(encoding="utf-8")) or [])
    return time.perf_counter() - start, found


def minute(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def accuracy(
    pairs: list[tuple[Path, Path]],
) -> dict[str, dict[str, float]]:
    from dateparser.search import search_dates

    from retroline.documents import read_document

    hits = {"retroline": 0, "dateparser": 0}
    total = 0
    for labels_dir, docs_dir in pairs:
        for label_file in sorted(labels_dir.glob("*.json")):
            labels = json.loads(label_file.read_text(encoding="utf-8"))
            doc = docs_dir / labels["file"]
            tz = labels.get("invocation", {}).get("tz")
            wanted = [lb for lb in labels["timeline"] if lb.get("utc") and not lb.get("optional")]
            if not wanted:
                continue
            ours = {minute(e.at) for e in read_document(doc, tz=tz).events if e.at}
            base = labels.get("document_date") or wanted[0]["date"]
            settings = {
                "RELATIVE_BASE": dt.datetime.fromisoformat(base),
                "RETURN_AS_TIMEZONE_AWARE": True,
                "TIMEZONE": tz or "UTC",
                "PREFER_DATES_FROM": "past",
            }
            text = doc.read_text(encoding="utf-8", errors="replace")
            theirs = {minute(d) for _, d in (search_dates(text, settings=settings) or [])}
            for label in wanted:
                total += 1
                accepted = {label["utc"][:16], *(u[:16] for u in label.get("accept_utc", []))}
                hits["retroline"] += bool(accepted & ours)
                hits["dateparser"] += bool(accepted & theirs)
    return {tool: {"found": n, "of": total, "recall": n / total} for tool, n in hits.items()}


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--baseline", type=int, default=50)
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # dateparser warns about its own deprecated settings
    with tempfile.TemporaryDirectory() as folder:
        paths = build(Path(folder), args.docs, args.size)
        mean_kb = sum(p.stat().st_size for p in paths) / len(paths) / 1024
        ours_s, events = time_retroline(paths)
        base_s, found = time_dateparser(paths[: args.baseline])
    ours_rate = len(paths) / ours_s
    base_rate = args.baseline / base_s
    result = {
        "documents": len(paths),
        "mean_kb": round(mean_kb, 1),
        "retroline": {
            "seconds": round(ours_s, 2),
            "docs_per_s": round(ours_rate, 1),
            "events": events,
        },
        "dateparser": {
            "documents": args.baseline,
            "seconds": round(base_s, 2),
            "docs_per_s": round(base_rate, 2),
            "dates": found,
        },
        "speed_ratio": round(ours_rate / base_rate, 1),
        "accuracy": {name: accuracy(pairs) for name, pairs in LABEL_SETS.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    out = ROOT / "benchmarks" / "results" / "extract.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"documents: {len(paths)} of ~{mean_kb:.1f} KB")
    names = list(LABEL_SETS)
    print(f"{'tool':12s} {'docs/s':>9s}  labelled instants found: " + "; ".join(names))
    for tool, rate in (("retroline", f"{ours_rate:9.1f}"), ("dateparser", f"{base_rate:9.2f}")):
        found = [result["accuracy"][name][tool] for name in names]
        cells = "; ".join(f"{f['found']} of {f['of']} ({f['recall']:.3f})" for f in found)
        print(f"{tool:12s} {rate}  {cells}")
    print(
        f"speed ratio (retroline / dateparser): {result['speed_ratio']}x; peak RSS {result['peak_rss_mb']} MB"
    )
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
