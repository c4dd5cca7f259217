"""Onset analysis on real data: BGL alerts in ../shared/loghub, scored by their labels.

BGL's first column labels alert lines (a category such as KERNDTLB; "-" for normal lines);
our header pattern reads it as the line's label, so the message is parsed without it. The
onset is put at the first burst of alerts: the first alert line followed by at least
``--burst`` alert lines within ``--burst-window``. Then ``retroline logs onset``'s analysis
runs, and the top templates are checked against the labels: a template is an alert
template when most of its lines are labelled alerts.

    .venv/bin/python benchmarks/bgl_onset.py [--before 24h] [--after 6h] [--top 5]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from retroline.logs.onset import analyse, parse_duration
from retroline.logs.parse import parse_lines
from retroline.logs.templates import TemplateMiner

BGL = Path(__file__).resolve().parents[2] / "shared" / "loghub" / "BGL" / "BGL_2k.log"


def first_burst(path: Path, burst: int, window: timedelta) -> datetime:
    """The time of the first alert line followed by ``burst`` alerts within ``window``."""
    alerts = sorted(p.at for p in parse_lines(path) if p.label not in (None, "-") and p.at)
    for i, at in enumerate(alerts):
        if i + burst - 1 < len(alerts) and alerts[i + burst - 1] - at <= window:
            return at
    raise SystemExit("no burst of alerts in the file")


def alert_templates(path: Path, miner: TemplateMiner) -> set[str]:
    """Ids of the templates most of whose lines carry an alert label."""
    alert, total = Counter(), Counter()
    for p in parse_lines(path, miner=miner, learn=False):
        final = miner.get(p.template_id).resolved().id if p.template_id else None
        total[final] += 1
        alert[final] += p.label not in (None, "-")
    return {tid for tid in total if tid and alert[tid] * 2 > total[tid]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--file", type=Path, default=BGL)
    ap.add_argument("--before", default="24h")
    ap.add_argument("--after", default="6h")
    ap.add_argument("--burst", type=int, default=5, help="alert lines that make a burst")
    ap.add_argument("--burst-window", default="1h")
    ap.add_argument("--top", type=int, default=5)
    args = ap.parse_args()
    at = first_burst(args.file, args.burst, parse_duration(args.burst_window))
    miner = TemplateMiner()
    onset = analyse(
        [args.file],
        at,
        before=parse_duration(args.before),
        after=parse_duration(args.after),
        miner=miner,
    )
    alerts = alert_templates(args.file, miner)
    top = onset.changes[: args.top]
    print(f"onset at the first burst of alerts: {at.isoformat()}")
    print(f"{len(onset.changes)} changes above the threshold (score >= {onset.threshold:.2f})")
    for change in top:
        mark = "ALERT " if change.template_id in alerts else "normal"
        print(
            f"  {mark} {change.kind.value:9s} score {change.score:6.1f} "
            f"{change.before:4d} -> {change.after:4d}  {change.template[:90]}"
        )
    hits = sum(change.template_id in alerts for change in top)
    print(f"alert templates in the top {len(top)}: {hits}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
