"""The readers the fuzzer feeds, as one table: each target makes its inputs and runs one
through the public API. A new reader is one function that makes an input, one that runs
it, and one row in `TARGETS`."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from fuzz import inputs
from fuzz.inputs import load_seeds, mutate, rng_for, splice

#: Zones given as ``tz`` to some inputs (valid ones: an invalid ``tz`` is a usage error).
TZS = ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Pacific/Kiritimati",
       "Australia/Lord_Howe", "America/Los_Angeles", "Etc/GMT-14"]  # fmt: skip

DOCUMENT_SUFFIXES = [".md", ".html", ".htm", ".txt", ".eml", ".json", ".docx", ".pdf", ".wiki",
                     ".rst", ".twiki", ".mbox", ".markdown", ".xhtml", ".log", ".csv", ""]  # fmt: skip
LOG_SUFFIXES = [".log", ".json", ".jsonl", ".txt", ".gz", ".out", ".csv", ""]
METRIC_SUFFIXES = [".csv", ".json", ".jsonl", ".prom", ".txt", ".lp", ".gz", ".tsv", ""]
HOST_SUFFIXES = [".txt", ".log", ".out", ".lst", ".gz", ".csv", ""]
#: Snapshot times given as ``taken`` to some process tables (each with a zone).
TAKEN = ["2016-08-23T14:30:00-05:00", "2031-05-04T10:00:00+00:00", "0001-01-01T00:00:00+14:00",
         "9999-12-31T23:59:59-12:00", "1970-01-01T00:00:00+00:00"]  # fmt: skip
#: Limits given to some change searches: every series, one by name, a label pattern.
LIMITS = ["*>100", "*<=0", "cpu>=0.5", "*{*}>1e300", "relay_memory_bytes>1e8"]


@dataclass
class Input:
    """One input: its bytes, the name it is read under, and the options of the call."""

    target: str
    index: int
    name: str
    data: bytes
    options: dict[str, Any] = field(default_factory=dict)
    how: str = ""  # how it was made, for the report

    def describe(self) -> str:
        return f"{self.name!r}, {len(self.data)} bytes, {self.how}" + (
            f", {self.options}" if self.options else ""
        )


@dataclass(frozen=True)
class Target:
    name: str
    make: Callable[[int, int], Input]  # (seed, index) -> input
    run: Callable[[Input, Path], None]  # raises what the reader raises


def _rename(name: str, rng: random.Random, suffixes: list[str]) -> str:
    """Mostly the seed's own name; sometimes another suffix, so detection is exercised."""
    if rng.random() < 0.7:
        return name
    return Path(name).stem + rng.choice(suffixes)


# ---------------------------------------------------------------------------------------
# Documents: retroline.extract, then the three renderings of what it read.

_DOC_SEEDS: list[tuple[str, bytes]] = []


def _doc_seeds() -> list[tuple[str, bytes]]:
    if not _DOC_SEEDS:
        _DOC_SEEDS.extend(load_seeds("documents"))
    return _DOC_SEEDS


def make_document(seed: int, index: int) -> Input:
    rng = rng_for(seed, "documents", index)
    seeds = _doc_seeds()
    texts = [s for s in seeds if not s[0].endswith((".docx", ".pdf"))]
    roll = rng.random()
    if roll < 0.40:
        name, data = rng.choice(texts)
        how = "mutated seed " + name
        data = mutate(data, rng)
    elif roll < 0.50:
        (name, a), (other, b) = rng.choice(texts), rng.choice(texts)
        how = f"spliced {name} + {other}"
        data = mutate(splice(a, b, rng), rng, rounds=rng.randint(0, 2))
    elif roll < 0.78:
        suffix, data = inputs.document(rng)
        name = f"generated{suffix}"
        how = "generated"
        if rng.random() < 0.5:
            data = mutate(data, rng)
            how = "generated, mutated"
    elif roll < 0.87:
        name, data = next(s for s in seeds if s[0].endswith(".docx"))
        how = "Word XML mutated"
        data = inputs.docx_variant(data, rng)
    elif roll < 0.94:
        name, data = next(s for s in seeds if s[0].endswith(".pdf"))
        how = "PDF mutated"
        data = mutate(data, rng)
    else:
        name = "random" + rng.choice([".docx", ".pdf", ".md", ""])
        head = rng.choice([b"", b"%PDF-1.7\n", b"PK\x03\x04", b"PK\x03\x04word/document.xml"])
        data = head + rng.randbytes(rng.choice([0, 1, 16, 512, 8192]))
        how = "random bytes"
    options: dict[str, Any] = {}
    if rng.random() < 0.15:
        options["tz"] = rng.choice(TZS)
    return Input("documents", index, _rename(name, rng, DOCUMENT_SUFFIXES), data, options, how)


def run_document(item: Input, workdir: Path) -> None:
    import retroline

    incident = retroline.extract(item.data, name=item.name, tz=item.options.get("tz"))
    for fmt in ("md", "html", "json"):
        retroline.render(incident, fmt)


# ---------------------------------------------------------------------------------------
# Logs: retroline.parse_logs over a file, and for some the onset analysis at a time in it.

_LOG_SEEDS: list[tuple[str, bytes]] = []


def _log_seeds() -> list[tuple[str, bytes]]:
    if not _LOG_SEEDS:
        _LOG_SEEDS.extend(load_seeds("logs"))
    return _LOG_SEEDS


def make_log(seed: int, index: int) -> Input:
    rng = rng_for(seed, "logs", index)
    seeds = _log_seeds()
    roll = rng.random()
    if roll < 0.45:
        name, data = rng.choice(seeds)
        how = "mutated seed " + name
        data = mutate(data, rng)
    elif roll < 0.55:
        (name, a), (other, b) = rng.choice(seeds), rng.choice(seeds)
        how = f"spliced {name} + {other}"
        data = mutate(splice(a, b, rng), rng, rounds=rng.randint(0, 2))
    elif roll < 0.92:
        name = "generated.log"
        data = inputs.log(rng)
        how = "generated"
        if rng.random() < 0.5:
            data = mutate(data, rng)
            how = "generated, mutated"
    else:
        name = "random.log"
        data = rng.randbytes(rng.choice([0, 1, 64, 4096]))
        how = "random bytes"
    if rng.random() < 0.08:
        data = inputs.compress(data, rng)
        how += ", compressed"
    options: dict[str, Any] = {}
    if rng.random() < 0.15:
        options["tz"] = rng.choice(TZS)
    if rng.random() < 0.1:
        options["year"] = rng.choice([1, 1999, 2031, 9999])
    if rng.random() < 0.2:
        options["onset"] = round(rng.random(), 4)  # where in the log's times to look
    return Input("logs", index, _rename(name, rng, LOG_SUFFIXES), data, options, how)


def run_log(item: Input, workdir: Path) -> None:
    import retroline
    from retroline.logs.onset import analyse

    path = workdir / (item.name or "log")
    path.write_bytes(item.data)
    tz, year = item.options.get("tz"), item.options.get("year")
    rows = list(retroline.parse_logs([path], tz=tz, year=year))
    if "onset" in item.options:
        times = [row["at"] for row in rows if row.get("at")]
        if times:
            at = datetime.fromisoformat(
                times[min(int(item.options["onset"] * len(times)), len(times) - 1)]
            )
        else:
            at = datetime(2031, 5, 4, 10, tzinfo=UTC)
        analyse([path], at, tz=tz, year=year)


# ---------------------------------------------------------------------------------------
# Metrics: retroline.read_metrics over a file, then the change search over it, without and
# with an onset inside the data.

_METRIC_SEEDS: list[tuple[str, bytes]] = []


def _metric_seeds() -> list[tuple[str, bytes]]:
    if not _METRIC_SEEDS:
        _METRIC_SEEDS.extend(load_seeds("metrics"))
    return _METRIC_SEEDS


def make_metrics(seed: int, index: int) -> Input:
    rng = rng_for(seed, "metrics", index)
    seeds = _metric_seeds()
    roll = rng.random()
    if roll < 0.40:
        name, data = rng.choice(seeds)
        how = "mutated seed " + name
        data = mutate(data, rng)
    elif roll < 0.50:
        (name, a), (other, b) = rng.choice(seeds), rng.choice(seeds)
        how = f"spliced {name} + {other}"
        data = mutate(splice(a, b, rng), rng, rounds=rng.randint(0, 2))
    elif roll < 0.96:
        suffix, data = inputs.metric_file(rng)
        name = f"generated{suffix}"
        how = "generated"
        if rng.random() < 0.3:
            data = mutate(data, rng, rounds=rng.randint(1, 2))
            how = "generated, mutated"
    else:
        name = "random.csv"
        data = rng.randbytes(rng.choice([0, 1, 64, 4096]))
        how = "random bytes"
    if rng.random() < 0.04:
        data = inputs.compress(data, rng)
        how += ", compressed"
    options: dict[str, Any] = {}
    if rng.random() < 0.15:
        options["tz"] = rng.choice(TZS)
    if rng.random() < 0.1:
        from retroline.metrics.read import FORMATS

        options["format"] = rng.choice(FORMATS)  # a reader given a file of another format
    if rng.random() < 0.2:
        options["limits"] = rng.sample(LIMITS, rng.randint(1, 2))
    options["onset"] = round(rng.random(), 4)  # where in the samples' times to look
    return Input("metrics", index, _rename(name, rng, METRIC_SUFFIXES), data, options, how)


def run_metrics(item: Input, workdir: Path) -> None:
    import retroline

    path = workdir / (item.name or "metrics")
    path.write_bytes(item.data)
    tz, fmt = item.options.get("tz"), item.options.get("format")
    found = retroline.read_metrics(path, tz=tz, format=fmt)
    if fmt is not None:
        return  # the change search reads the file as detected: nothing more to see
    limits = item.options.get("limits", ())
    retroline.metric_changes([path], tz=tz, limits=limits)
    # An onset at one of the samples read: every time a reader gives is an instant.
    onset = item.options.get("onset", 0.5)
    at = datetime(2031, 5, 4, 10, tzinfo=UTC)
    if found:
        series = found[min(int(onset * len(found)), len(found) - 1)]
        if len(series):
            at = series.instant(min(int(onset * len(series)), len(series) - 1))
    retroline.metric_changes([path], tz=tz, limits=limits, at=at)


# ---------------------------------------------------------------------------------------
# Hosts: a package list or history, a socket table or a process table read from a file
# (by the reader the options name, else by each in turn), then what the analyses do with
# it: socket counts and series, drift against a changed copy, processes not restarted
# since a package change, and version order.

_HOST_SEEDS: list[tuple[str, bytes]] = []
HOST_READERS = ("packages", "sockets", "processes", "settings")


def _host_seeds() -> list[tuple[str, bytes]]:
    if not _HOST_SEEDS:
        _HOST_SEEDS.extend(load_seeds("hosts"))
    return _HOST_SEEDS


def make_hosts(seed: int, index: int) -> Input:
    rng = rng_for(seed, "hosts", index)
    seeds = _host_seeds()
    roll = rng.random()
    reader: str | None = None
    if roll < 0.40:
        name, data = rng.choice(seeds)
        how = "mutated seed " + name
        data = mutate(data, rng)
    elif roll < 0.50:
        (name, a), (other, b) = rng.choice(seeds), rng.choice(seeds)
        how = f"spliced {name} + {other}"
        data = mutate(splice(a, b, rng), rng, rounds=rng.randint(0, 2))
    elif roll < 0.96:
        fmt, data = inputs.host_state_file(rng)
        name = f"web01-{fmt}.txt"
        how = f"generated {fmt}"
        reader = inputs.HOST_READERS[fmt]
        if rng.random() < 0.3:
            data = mutate(data, rng, rounds=rng.randint(1, 2))
            how += ", mutated"
    else:
        name = "random.txt"
        data = rng.randbytes(rng.choice([0, 1, 64, 4096]))
        how = "random bytes"
    if rng.random() < 0.04:
        data = inputs.compress(data, rng)
        how += ", compressed"
    options: dict[str, Any] = {}
    if reader is None or rng.random() < 0.3:
        reader = None if rng.random() < 0.5 else rng.choice(HOST_READERS)
    if reader is not None:
        options["reader"] = reader
    if rng.random() < 0.15:
        options["tz"] = rng.choice(TZS)
    if rng.random() < 0.1:
        options["year"] = rng.choice([1, 1999, 2016, 2031, 9999])
    if rng.random() < 0.15:
        options["taken"] = rng.choice(TAKEN)
    if rng.random() < 0.05:
        options["host"] = rng.choice(["web01", "a b", "x" * 300])
    return Input("hosts", index, _rename(name, rng, HOST_SUFFIXES), data, options, how)


def _changed_copy(inventory: Any) -> Any:
    """The inventory as another host's: every third package one version on, every fifth
    gone, one more only there."""
    packages = []
    for i, package in enumerate(inventory.packages):
        if i % 5 == 4:
            continue
        if i % 3 == 0:
            package = replace(package, version=package.version + ".1")
        packages.append(package)
    if inventory.packages:
        packages.append(replace(inventory.packages[0], name=inventory.packages[0].name + "-x"))
    return replace(inventory, host=(inventory.host or "a") + "-other", packages=packages)


def _exercise_packages(inventory: Any) -> None:
    from retroline.hosts.drift import EVENT_FORMATS, drift, drift_table, finding_text
    from retroline.hosts.versions import Ecosystem, compare, sort_key

    by_ecosystem: dict[str, list[str]] = {}
    for package in inventory.packages:
        by_ecosystem.setdefault(package.ecosystem, []).append(package.version)
    for install in inventory.installs:
        for version in (install.old, install.new):
            if version:
                by_ecosystem.setdefault(install.ecosystem, []).append(version)
    for name, versions in by_ecosystem.items():
        ecosystem = Ecosystem(name)
        ordered = sorted(versions, key=lambda v: sort_key(v, ecosystem))
        for a, b in pairwise(ordered):
            if compare(a, b, ecosystem) > 0:
                raise AssertionError(f"sort_key and compare disagree on {a!r} and {b!r}")
    if inventory.format in EVENT_FORMATS or not inventory.packages:
        return
    inventory = replace(inventory, host=inventory.host or "a")
    other = _changed_copy(inventory)
    found = drift([inventory, other])
    finding_text(found, inventory.host, other.host)
    drift_table(found)
    found.to_json()


def _exercise_processes(table: Any, installs: list[Any]) -> None:
    from retroline.hosts.packages import Install
    from retroline.hosts.restarts import not_restarted, restart_text
    from retroline.sources import ZoneSource

    if not installs:  # a change of each process's package, after it started
        installs = [
            Install(
                at=(process.started or datetime(2031, 5, 4, tzinfo=UTC)) + timedelta(minutes=5),
                action="upgrade",
                name=process.name,
                old="1.0",
                new="1.1",
                ecosystem="rpm",
                transaction=None,
                line=1,
                zone_source=ZoneSource.EXPLICIT,
            )
            for process in table.processes[:200]
            if process.started is None or process.started.year < 9999
        ]
    for found in not_restarted(table, installs):
        restart_text(found)


def run_hosts(item: Input, workdir: Path) -> None:
    from retroline.errors import RetrolineError
    from retroline.hosts.attach import socket_report
    from retroline.hosts.packages import read_packages
    from retroline.hosts.processes import read_processes
    from retroline.hosts.socket_counts import counts, summary, sysctl_limits
    from retroline.hosts.sockets import read_sockets

    path = workdir / (item.name or "host")
    path.write_bytes(item.data)
    options = item.options
    tz, host = options.get("tz"), options.get("host")
    taken = datetime.fromisoformat(options["taken"]) if "taken" in options else None
    readers = [options["reader"]] if "reader" in options else list(HOST_READERS)
    installs: list[Any] = []
    refused: RetrolineError | None = None
    for reader in readers:
        try:
            if reader == "packages":
                inventory = read_packages(path, host=host, tz=tz, year=options.get("year"))
                installs = list(inventory.installs)
                _exercise_packages(inventory)
            elif reader == "sockets":
                table = read_sockets(path, host=host, tz=tz)
                for snapshot in table.snapshots:
                    summary(counts(snapshot), limit=1024)
                # The series' changes, crossings of a limit on all and on one state family.
                socket_report(table, {None: 1024, "FIN-WAIT": 64}).to_json()
            elif reader == "settings":
                sysctl_limits(path)
            else:
                processes = read_processes(path, host=host, tz=tz, taken=taken)
                _exercise_processes(processes, installs)
        except RetrolineError as exc:
            refused = exc
    if refused is not None and len(readers) == 1:
        raise refused


TARGETS: dict[str, Target] = {
    "documents": Target("documents", make_document, run_document),
    "logs": Target("logs", make_log, run_log),
    "metrics": Target("metrics", make_metrics, run_metrics),
    "hosts": Target("hosts", make_hosts, run_hosts),
}


def seed_inputs(target: str) -> list[Input]:
    """The seeds of a target as inputs, unchanged (the regression tests' smoke run)."""
    kind = {"documents": "documents", "logs": "logs", "metrics": "metrics", "hosts": "hosts"}[
        target
    ]
    return [Input(target, -1, name, data, {}, "seed") for name, data in load_seeds(kind)]
