"""Leave-one-system-out template grouping on the Loghub samples, against drain3 on each.

For each of the systems in ../shared/loghub, held out in turn:

- every miner threshold (`MinerConfig` fields, on the grid `GRID`) is chosen by the mean
  grouping accuracy (GA) on the *other* systems only;
- the header patterns written for the held-out system (`OWN_PATTERNS`, decided from each
  pattern's regex and example line) are disabled, for it and for the others: its header
  pattern is detected (`headers.detect`) among the remaining ones and passed to
  `parse.parse_lines`, and a line that misses it is tried against the remaining ones only
  (`parse.other_patterns` is narrowed while the held-out system is parsed);
- the held-out system is then scored with that choice, and drain3 0.9.11 is run on the same
  system (its Loghub Content column, default settings plus the masking of drain3's example
  drain3.ini, as `bench_logs.py` sets it up).

Scores are those of ../shared/eval/score_loghub.py (its functions, imported): GA and PA. A
line is given the template its first template became by the end of the file, as ``retroline
logs parse --json`` prints it. Beside the held-out run the table shows the miner alone on the
Content column (thresholds chosen the same way), drain3, and the normal run (every pattern,
default thresholds, as the scorer sees ``retroline logs parse``), then the held-out GA less
drain3's and their ratio. Results go to benchmarks/results/ (JSON); a table is printed.

    PYTHONPATH=src .venv/bin/python benchmarks/loghub_loso.py [--only BGL,HDFS]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import itertools
import json
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from retroline.logs import parse
from retroline.logs.headers import (
    PATTERNS,
    SAMPLE_LINES,
    HeaderPattern,
    PatternSet,
    RecordPattern,
    detect,
)
from retroline.logs.templates import MinerConfig, TemplateMiner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_logs import DRAIN3_INI, LOGHUB, RESULTS

SCORER = LOGHUB.parent / "eval" / "score_loghub.py"

#: The header patterns written for one Loghub system, judged from their regex and example
#: line. OpenSSH's lines are RFC 3164 syslog, a standard any reader knows: none of its own.
OWN_PATTERNS: dict[str, frozenset[str]] = {
    "Android": frozenset({"android"}),
    "Apache": frozenset({"apache-error"}),
    "BGL": frozenset({"bgl"}),
    "HDFS": frozenset({"hdfs"}),
    "Hadoop": frozenset({"log4j-thread"}),
    "HealthApp": frozenset({"healthapp"}),
    "OpenSSH": frozenset(),
    "Proxifier": frozenset({"proxifier"}),
    "Spark": frozenset({"spark"}),
    "Windows": frozenset({"windows-cbs"}),
    "Zookeeper": frozenset({"zookeeper"}),
}

#: The thresholds tried, per `MinerConfig` field; the first value of each is the default.
GRID: dict[str, tuple[Any, ...]] = {
    "similarity": (0.5, 0.4, 0.6),
    "min_shared": (1, 2),
    "word_variants": (3, 2, 4),
    "common_share": (0.2, 0.3, 1.0),
}


@dataclass(frozen=True, eq=False)
class System:
    """One Loghub sample: its name, raw log, ground truth and messages (Content column)."""

    name: str
    log: Path
    truth: dict[int, tuple[str, str]]
    messages: tuple[str, ...]


def load_scorer() -> ModuleType:
    """../shared/eval/score_loghub.py as a module, for its `score` and `truth`."""
    spec = importlib.util.spec_from_file_location("score_loghub", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def systems(scorer: ModuleType, only: set[str]) -> list[System]:
    out = []
    for folder in sorted(p for p in LOGHUB.iterdir() if p.is_dir()):
        if only and folder.name not in only:
            continue
        structured = next(folder.glob("*_structured_corrected.csv"))
        with structured.open(encoding="utf-8", newline="") as fh:
            messages = tuple(row["Content"] for row in csv.DictReader(fh))
        log = next(folder.glob("*_2k.log"))
        out.append(System(folder.name, log, scorer.truth(folder), messages))
    return out


def configs() -> Iterator[MinerConfig]:
    """Every point of the grid, the defaults first (ties go to the earlier)."""
    names = list(GRID)
    for values in itertools.product(*(GRID[name] for name in names)):
        yield replace(MinerConfig(), **dict(zip(names, values, strict=True)))


def thresholds(config: MinerConfig) -> dict[str, Any]:
    """The grid's fields of a config, for the table and the JSON."""
    return {f.name: getattr(config, f.name) for f in fields(config) if f.name in GRID}


def patterns_without(held_out: str) -> tuple[HeaderPattern, ...]:
    return tuple(p for p in PATTERNS if p.name not in OWN_PATTERNS.get(held_out, frozenset()))


@cache
def header(system: System, held_out: str) -> HeaderPattern:
    """The header pattern detected for a system without the held-out system's own patterns."""
    with system.log.open(encoding="utf-8", errors="replace") as fh:
        head = list(itertools.islice(fh, SAMPLE_LINES))
    return detect((line.rstrip("\n") for line in head), patterns=patterns_without(held_out))


@contextmanager
def without_own(held_out: str) -> Iterator[None]:
    """`parse.parse_lines` trying only the layouts not written for the held-out system on a
    line that misses the file's own (it tries every known one otherwise)."""
    everything = parse.other_patterns
    own = OWN_PATTERNS.get(held_out, frozenset())

    def others(pattern: HeaderPattern) -> tuple[tuple[RecordPattern, ...], PatternSet]:
        records, lines = everything(pattern)
        return (
            tuple(p for p in records if p.name not in own),
            PatternSet([p for p in lines.patterns if p.name not in own]),
        )

    parse.other_patterns = others  # type: ignore[assignment]
    try:
        yield
    finally:
        parse.other_patterns = everything  # type: ignore[assignment]


@cache
def ours(system: System, held_out: str, config: MinerConfig) -> dict[int, tuple[str, str]]:
    """Per line, the id and text of the template its first template became (one pass), the
    header found without the held-out system's patterns."""
    miner = TemplateMiner(config)
    with without_own(held_out):
        parsed = parse.parse_lines(system.log, miner=miner, pattern=header(system, held_out))
        ids = {p.line: p.template_id for p in parsed}
    out = {}
    for line, template_id in ids.items():
        found = miner.get(template_id or "")
        template = found.resolved() if found is not None else None
        out[line] = (template.id, template.text) if template else (str(template_id), "")
    return out


@cache
def on_content(system: System, config: MinerConfig) -> dict[int, tuple[str, str]]:
    """Ours on the messages drain3 gets (the Content column): the miner without headers."""
    miner = TemplateMiner(config)
    learnt = [miner.learn(message) for message in system.messages]
    return {i: (t.resolved().id, t.resolved().text) for i, t in enumerate(learnt, 1)}


def drain3(system: System, ini: Path) -> dict[int, tuple[str, str]]:
    """drain3 on the system's messages: per line, its cluster and the cluster's final template."""
    from drain3 import TemplateMiner as Drain3Miner
    from drain3.template_miner_config import TemplateMinerConfig

    config = TemplateMinerConfig()
    config.load(str(ini))
    miner = Drain3Miner(config=config)
    clusters = [miner.add_log_message(m)["cluster_id"] for m in system.messages]
    final = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    return {i: (str(c), final[c]) for i, c in enumerate(clusters, 1)}


def ga_pa(
    scorer: ModuleType, system: System, pred: dict[int, tuple[str, str]]
) -> tuple[float, float]:
    ga, _, pa = scorer.score(system.truth, pred)
    return ga, pa


#: How a system is parsed with a config while another is held out.
View = Callable[[System, str, MinerConfig], dict[int, tuple[str, str]]]


def whole_lines(system: System, held_out: str, config: MinerConfig) -> dict[int, tuple[str, str]]:
    """The product's way: raw lines, a header pattern the held-out system did not give."""
    return ours(system, held_out, config)


def content(system: System, held_out: str, config: MinerConfig) -> dict[int, tuple[str, str]]:
    """The miner alone, on the messages drain3 is given."""
    return on_content(system, config)


def choose(
    scorer: ModuleType, everything: Sequence[System], held_out: str, view: View
) -> tuple[MinerConfig, float]:
    """The grid point with the best mean GA on every system but the held-out one."""
    train = [s for s in everything if s.name != held_out]
    best, best_ga = MinerConfig(), -1.0
    for config in configs():
        mean = sum(ga_pa(scorer, s, view(s, held_out, config))[0] for s in train) / len(train)
        if mean > best_ga:
            best, best_ga = config, mean
    return best, best_ga


_COLUMNS = ("ga", "pa", "all_ga", "all_pa", "drain3_ga", "drain3_pa", "content_ga", "content_pa")


def table(rows: list[dict[str, Any]]) -> str:
    """One row per held-out system, then the means; thresholds in the order of `GRID`."""
    out = [
        f"{'':<10} {'header when':<18} {'held out':^13} {'all rules,':^13} {'drain3':^13}"
        f" {'held out,':^13} {'held out':^14}",
        f"{'system':<10} {'held out':<18} {'(raw lines)':^13} {'not held out':^13}"
        f" {'on Content':^13} {'on Content':^13} {'vs drain3':^14}  thresholds chosen",
        f"{'':<10} {'':<18}" + "     GA     PA" * 4 + "  GA-d3 GA/d3",
    ]
    for r in rows:
        chosen = "/".join(str(v) for v in r["thresholds"].values())
        scores = "".join(f" {r[k]:>6.3f}" for k in _COLUMNS)
        versus = f" {r['ga_vs_drain3']:>+6.3f} {r['ga_ratio']:>5.2f}"
        out.append(f"{r['system']:<10} {r['header']:<18}{scores} {versus}  {chosen}")
    n = len(rows) or 1
    means = "".join(f" {sum(r[k] for r in rows) / n:>6.3f}" for k in (*_COLUMNS, "ga_vs_drain3"))
    out.append(f"{'MEAN':<10} {'':<18}{means}")
    below = [r["system"] for r in rows if r["ga"] < r["drain3_ga"]]
    out.append(f"held-out GA below drain3's: {', '.join(below) or 'none'}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", default="", help="held-out systems to report (all are trained on)")
    args = ap.parse_args(argv)
    scorer = load_scorer()
    everything = systems(scorer, set())
    only = {s for s in args.only.split(",") if s}
    rows = []
    with tempfile.TemporaryDirectory(prefix="loso-") as tmp:
        ini = Path(tmp) / "drain3.ini"
        ini.write_text(DRAIN3_INI, encoding="utf-8")
        for system in everything:
            if only and system.name not in only:
                continue
            config, train_ga = choose(scorer, everything, system.name, whole_lines)
            pattern = header(system, system.name)
            all_ga, all_pa = ga_pa(scorer, system, ours(system, "", MinerConfig()))
            ga, pa = ga_pa(scorer, system, whole_lines(system, system.name, config))
            alone, _ = choose(scorer, everything, system.name, content)
            c_ga, c_pa = ga_pa(scorer, system, content(system, system.name, alone))
            d_ga, d_pa = ga_pa(scorer, system, drain3(system, ini))
            rows.append(
                {
                    "system": system.name,
                    "header": pattern.name,
                    "disabled": sorted(OWN_PATTERNS[system.name]),
                    "thresholds": thresholds(config),
                    "train_ga": train_ga,
                    "ga": ga,
                    "pa": pa,
                    "content_ga": c_ga,
                    "content_pa": c_pa,
                    "content_thresholds": thresholds(alone),
                    "drain3_ga": d_ga,
                    "drain3_pa": d_pa,
                    "all_ga": all_ga,
                    "all_pa": all_pa,
                    "ga_vs_drain3": ga - d_ga,
                    "ga_ratio": ga / d_ga if d_ga else float("inf"),
                }
            )
    print(table(rows))
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"loghub_loso-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    grid = {k: list(v) for k, v in GRID.items()}
    payload = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "grid": grid}
    payload["defaults"] = thresholds(MinerConfig())
    payload["rows"] = rows
    target.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"results: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
