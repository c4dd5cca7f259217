"""Feed the readers generated and mutated inputs through the public API; report every
exception other than `RetrolineError` (a crash) and every input that takes longer than the
timeout (slow).

    .venv/bin/python fuzz/run.py --target all --count 100000        # what `make fuzz` runs
    .venv/bin/python fuzz/run.py --target logs --count 2000 --seed 7
    .venv/bin/python fuzz/run.py --replay documents:12345             # one input again
    .venv/bin/python fuzz/run.py --reproduce fuzz/findings/logs-0123abcd.bin

Inputs run in worker processes (``--workers``), each input under an alarm of ``--timeout``
seconds and each worker under a memory limit, so that a blow-up is a `MemoryError` to
report; a worker that does not answer for ``--hang`` seconds (stuck in C code) is killed,
its input reported as a hang, and a new worker started. Findings are grouped by exception
type and the innermost frame in ``src/retroline``; the smallest input of each group is
saved under ``--out`` with a ``.txt`` beside it (name, options, traceback), and crashes are
then shrunk. The exit status is 1 when anything was found, else 0.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fuzz.targets import TARGETS, Input  # noqa: E402

CHUNK = 20  # inputs per job sent to a worker
CANDIDATES = 8  # examples kept per group, the smallest
DEFAULT_SEED = 20261205


class Timeout(BaseException):
    """Raised by the alarm inside a worker: a BaseException, so no ``except Exception`` in
    the code under test swallows it."""


# ---------------------------------------------------------------------------------------
# One input, in a worker.


def _site(tb: Any) -> str:
    """The innermost frame of the traceback in the retroline package, as src/...:line (the
    innermost frame of all if none is in the package)."""
    import retroline

    package = str(Path(retroline.__file__).resolve().parent)
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if str(Path(f.filename).resolve()).startswith(package)]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    path = Path(frame.filename).resolve()
    try:
        where = "src/retroline/" + path.relative_to(package).as_posix()
    except ValueError:
        where = frame.filename
    return f"{where}:{frame.lineno} ({frame.name})"


def _alarm(signum: int, frame: Any) -> None:
    raise Timeout


def run_one(item: Input, workdir: Path, timeout: float) -> dict[str, Any] | None:
    """Run one input; None when it passed (or raised a RetrolineError) in time, else what
    went wrong: kind (crash or slow), exception type, message, site, traceback, seconds."""
    from retroline.errors import RetrolineError

    target = TARGETS[item.target]
    started = time.perf_counter()
    found: dict[str, Any] | None = None
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout)
            target.run(item, workdir)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except Timeout as exc:
        found = {"kind": "slow", "type": "Timeout", "message": f"over {timeout:g} s"}
        found["site"], found["traceback"] = _site(exc.__traceback__), traceback.format_exc()
    except RetrolineError:
        pass
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # RecursionError, MemoryError, SystemExit too
        found = {"kind": "crash", "type": type(exc).__qualname__, "message": str(exc)[:300]}
        found["site"], found["traceback"] = _site(exc.__traceback__), traceback.format_exc()
    seconds = time.perf_counter() - started
    if found is None and seconds > timeout:  # the alarm came while C code held the GIL
        found = {"kind": "slow", "type": "Timeout", "message": f"{seconds:.1f} s", "site": "?"}
        found["traceback"] = ""
    if found is not None:
        found["seconds"] = round(seconds, 3)
        found["traceback"] = found["traceback"][-6000:]
    return found


def worker_main(
    conn: Connection, position: Any, started: Any, workdir: str, timeout: float, memory: int
) -> None:
    """A worker's loop: jobs (lists of inputs) in, (inputs done, findings) out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, _alarm)
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    folder = Path(workdir)
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        findings = []
        for i, item in enumerate(job):
            position.value = i
            started.value = time.monotonic()
            found = run_one(item, folder, timeout)
            if found is not None:
                findings.append((i, found))
            for leftover in folder.iterdir():
                leftover.unlink(missing_ok=True)
        started.value = 0.0
        conn.send((len(job), findings))


# ---------------------------------------------------------------------------------------
# The pool, managed by hand: a worker that hangs is killed and replaced.


class Slot:
    def __init__(self, context: Any, args: argparse.Namespace) -> None:
        self.context, self.args = context, args
        self.job: list[Input] | None = None
        self.start()

    # The generated inputs this worker ran, in order, as (target, index): a crash that only
    # comes after other inputs (state kept between calls) is reproduced with them.
    history: list[tuple[str, int]]

    def start(self) -> None:
        self.position = self.context.Value("i", 0, lock=False)
        self.started = self.context.Value("d", 0.0, lock=False)
        self.workdir = tempfile.mkdtemp(prefix="retroline-fuzz-")
        self.history = []
        self.conn, child = self.context.Pipe()
        self.process = self.context.Process(
            target=worker_main,
            args=(
                child,
                self.position,
                self.started,
                self.workdir,
                self.args.timeout,
                self.args.memory << 30,
            ),
            daemon=True,
        )
        self.process.start()
        child.close()

    def send(self, job: list[Input]) -> None:
        self.job = job
        self.conn.send(job)

    def restart(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        self.job = None
        self.start()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Pool:
    """Runs inputs on the slots; yields (input, finding or None) per input done."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        context = multiprocessing.get_context("fork")
        self.slots = [Slot(context, args) for _ in range(args.workers)]

    def run(self, items: Iterator[Input]) -> Iterator[tuple[Input, dict[str, Any] | None]]:
        queue: list[list[Input]] = []
        exhausted = False
        while True:
            for slot in self.slots:
                if slot.job is None:
                    if not queue and not exhausted:
                        job = [item for _, item in zip(range(CHUNK), items, strict=False)]
                        if job:
                            queue.append(job)
                        else:
                            exhausted = True
                    if queue:
                        slot.send(queue.pop(0))
            busy = [s for s in self.slots if s.job is not None]
            if not busy:
                return
            ready = wait([s.conn for s in busy], timeout=1.0)
            for slot in busy:
                assert slot.job is not None
                if slot.conn in ready:
                    try:
                        done, findings = slot.conn.recv()
                    except (EOFError, OSError):
                        yield from self._lost(slot, queue, "died")
                        continue
                    by_position = dict(findings)
                    job, slot.job = slot.job, None
                    for i, item in enumerate(job[:done]):
                        found = by_position.get(i)
                        if found is not None:
                            found["before"] = (slot.history, len(slot.history))
                        slot.history.append((item.target, item.index))
                        yield item, found
                elif not slot.process.is_alive():
                    yield from self._lost(slot, queue, "died")
                elif slot.started.value and time.monotonic() - slot.started.value > self.args.hang:
                    yield from self._lost(slot, queue, "hang")

    def _lost(
        self, slot: Slot, queue: list[list[Input]], why: str
    ) -> Iterator[tuple[Input, dict[str, Any] | None]]:
        """The worker died or hangs: the inputs before its current one passed, the current
        one is the finding, the rest go back in the queue."""
        assert slot.job is not None
        job, at = slot.job, slot.position.value
        code = slot.process.exitcode
        history = slot.history
        history.extend((item.target, item.index) for item in job[:at])
        slot.restart()
        for item in job[:at]:
            yield item, None
        if why == "hang":
            found = {
                "kind": "slow",
                "type": "Hang",
                "site": "?",
                "traceback": "",
                "message": f"no answer for {self.args.hang:g} s: worker killed",
            }
        else:
            found = {
                "kind": "crash",
                "type": "WorkerDied",
                "site": "?",
                "traceback": "",
                "message": f"the worker process ended with exit code {code}",
            }
        found["before"] = (history, len(history))
        yield job[at], found
        if job[at + 1 :]:
            queue.insert(0, job[at + 1 :])

    def close(self) -> None:
        for slot in self.slots:
            slot.stop()


# ---------------------------------------------------------------------------------------
# Findings: grouped, the smallest example of each kept and saved.


@dataclass
class Group:
    target: str
    kind: str
    type: str
    site: str
    count: int = 0
    example: Input | None = None
    finding: dict[str, Any] = field(default_factory=dict)
    shrunk_from: int | None = None
    alone: bool | None = None  # fails in a fresh process without the inputs before it
    # The smallest few examples: when the smallest fails only after other inputs, one of
    # the others may fail alone.
    candidates: list[tuple[Input, dict[str, Any]]] = field(default_factory=list)

    @property
    def key(self) -> str:
        text = f"{self.target}|{self.kind}|{self.type}|{self.site}"
        return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()

    def path(self, out: Path) -> Path:
        return out / f"{self.target}-{self.kind}-{self.key}.bin"


class Findings:
    def __init__(self, out: Path, seed: int) -> None:
        self.out, self.seed = out, seed
        self.groups: dict[tuple[str, str, str, str], Group] = {}

    def add(self, item: Input, found: dict[str, Any]) -> bool:
        """Count a finding; True when it is the first of its group."""
        key = (item.target, found["kind"], found["type"], found["site"])
        group = self.groups.setdefault(key, Group(*key))
        group.count += 1
        if len(group.candidates) < CANDIDATES or len(item.data) < len(group.candidates[-1][0].data):
            group.candidates = sorted(
                [*group.candidates, (item, found)], key=lambda c: len(c[0].data)
            )
            del group.candidates[CANDIDATES:]
        if group.example is None or len(item.data) < len(group.example.data):
            group.example, group.finding = item, found
            self.save(group)
        return group.count == 1

    def count(self, target: str, kind: str) -> int:
        return sum(g.count for g in self.groups.values() if g.target == target and g.kind == kind)

    def save(self, group: Group) -> None:
        assert group.example is not None
        self.out.mkdir(parents=True, exist_ok=True)
        path = group.path(self.out)
        path.write_bytes(group.example.data)
        item, found = group.example, group.finding
        lines = [
            f"target: {item.target}",
            f"kind: {group.kind}",
            f"exception: {group.type}: {found['message']}",
            f"site: {group.site}",
            f"name: {item.name}",
            f"options: {json.dumps(item.options)}",
            f"bytes: {len(item.data)}"
            + (f" (shrunk from {group.shrunk_from})" if group.shrunk_from else ""),
            f"made: {item.how}",
            f"reproduces alone: {_alone(group, path)}",
            f"seconds: {found.get('seconds', '?')}",
            f"inputs in this group so far: {group.count}",
            f"replay: python fuzz/run.py --reproduce {path}"
            + (
                f"  (generated as --seed {self.seed} --replay {item.target}:{item.index})"
                if item.index >= 0
                else ""
            ),
            "",
            found.get("traceback", ""),
        ]
        path.with_suffix(".txt").write_text("\n".join(lines), encoding="utf-8")


def _alone(group: Group, path: Path) -> str:
    if group.alone is None:
        return "not checked"
    if group.alone:
        return "yes"
    history, length = group.finding.get("before", ([], 0))
    before = [index for target, index in history[:length] if target == group.target]
    path.with_suffix(".history").write_text(" ".join(map(str, before)) + "\n")
    return (
        f"no: it fails after the {len(before)} generated {group.target} inputs the worker ran"
        " before it"
        f" (their indices are in {path.with_suffix('.history').name}; --replay"
        f" {group.target}:I,J,... runs several in one process, in order)"
    )


def read_finding(path: Path) -> Input:
    """The input saved at ``path`` (a .bin and its .txt), to run again."""
    header: dict[str, str] = {}
    for line in path.with_suffix(".txt").read_text(encoding="utf-8").splitlines():
        if not line:
            break
        key, _, value = line.partition(": ")
        header[key] = value
    return Input(
        header["target"],
        -1,
        header["name"],
        path.read_bytes(),
        json.loads(header.get("options", "{}")),
        "saved finding",
    )


# ---------------------------------------------------------------------------------------
# Shrinking: remove lines, then ranges of bytes, while the input fails the same way.


def fails_alone(pool: Pool, group: Group, item: Input) -> bool:
    """Whether ``item`` fails as the group does in a fresh worker, run first."""
    pool.slots[0].restart()
    return fails(pool, group, item)


def fails(pool: Pool, group: Group, item: Input) -> bool:
    for _, found in pool.run(iter([item])):
        key = (group.kind, group.type, group.site)
        return found is not None and (found["kind"], found["type"], found["site"]) == key
    return False


def shrink(pool: Pool, group: Group, budget: float) -> None:
    """Find the smallest of the group's examples that fails alone, in a fresh worker, and
    shrink it: each smaller candidate is tried in a fresh worker too, so the result fails
    on its own."""
    assert group.example is not None
    group.alone = False
    for item, found in group.candidates:
        if fails_alone(pool, group, item):
            group.example, group.finding, group.alone = item, found, True
            break
    best = group.example
    if not group.alone or budget <= 0:
        return
    deadline = time.monotonic() + budget
    original = len(best.data)

    def same(data: bytes) -> bool:
        candidate = Input(best.target, best.index, best.name, data, best.options, best.how)
        return fails_alone(pool, group, candidate)

    for unit in ("lines", "bytes"):
        pieces: list[bytes] = (
            best.data.splitlines(keepends=True)
            if unit == "lines"
            else [bytes([b]) for b in best.data]
        )
        if len(pieces) > 20000:
            continue
        size = max(1, len(pieces) // 2)
        while size >= 1 and time.monotonic() < deadline:
            i, changed = 0, False
            while i < len(pieces) and time.monotonic() < deadline:
                trial = pieces[:i] + pieces[i + size :]
                if trial and same(b"".join(trial)):
                    pieces, changed = trial, True
                else:
                    i += size
            if not changed:
                size //= 2
        data = b"".join(pieces)
        if len(data) < len(best.data):
            best = Input(best.target, best.index, best.name, data, best.options, best.how)
    if len(best.data) < original:
        group.example, group.shrunk_from = best, original


# ---------------------------------------------------------------------------------------


def inputs_of(target: str, seed: int, count: int) -> Iterator[Input]:
    make = TARGETS[target].make
    for index in range(count):
        yield make(seed, index)


def fuzz(args: argparse.Namespace) -> int:
    names = list(TARGETS) if args.target == "all" else [args.target]
    findings = Findings(Path(args.out), args.seed)
    pool = Pool(args)
    totals: dict[str, tuple[int, float]] = {}
    try:
        for name in names:
            began = last = time.monotonic()
            done = 0
            for item, found in pool.run(inputs_of(name, args.seed, args.count)):
                done += 1
                if found is not None and findings.add(item, found):
                    print(
                        f"  new {found['kind']} in {name}: {found['type']} at {found['site']}"
                        f" ({item.describe()})",
                        flush=True,
                    )
                now = time.monotonic()
                if done % args.progress == 0 or now - last > 60:
                    last = now
                    print(
                        f"[{name}] {done}/{args.count}  {done / (now - began):.0f}/s  "
                        f"crashes {findings.count(name, 'crash')}  slow "
                        f"{findings.count(name, 'slow')}  {now - began:.0f} s",
                        flush=True,
                    )
            totals[name] = (done, time.monotonic() - began)
        for group in findings.groups.values():
            if group.kind == "crash" and group.type != "WorkerDied":
                shrink(pool, group, args.shrink)
                findings.save(group)
    except KeyboardInterrupt:
        print("interrupted: the summary covers the inputs run so far", flush=True)
    finally:
        pool.close()
    return summary(findings, totals, args)


def summary(
    findings: Findings, totals: dict[str, tuple[int, float]], args: argparse.Namespace
) -> int:
    print("\n== Summary ==")
    for name, (done, seconds) in totals.items():
        print(
            f"{name}: {done} inputs in {seconds:.0f} s ({done / max(seconds, 1e-9):.0f}/s), "
            f"{findings.count(name, 'crash')} crashing, {findings.count(name, 'slow')} over "
            f"{args.timeout:g} s"
        )
    for kind, title in (
        ("crash", "Uncaught exceptions (not RetrolineError)"),
        ("slow", f"Inputs over {args.timeout:g} s"),
    ):
        groups = sorted(
            (g for g in findings.groups.values() if g.kind == kind), key=lambda g: -g.count
        )
        print(f"\n{title}: {sum(g.count for g in groups)} in {len(groups)} groups")
        for g in groups:
            assert g.example is not None
            print(f"  {g.count:6d}  {g.target}  {g.type} at {g.site}")
            print(f"          {g.finding['message'][:160]!r}")
            print(f"          smallest: {g.example.describe()}")
            print(f"          saved: {g.path(findings.out)}")
    return 1 if findings.groups else 0


def replay(item: Input, quiet: bool = False) -> int:
    """Run one input in this process, printing its traceback (no alarm, no limits)."""
    from retroline.errors import RetrolineError

    if quiet:
        workdir = Path(tempfile.mkdtemp(prefix="retroline-fuzz-"))
        with contextlib.suppress(Exception):
            TARGETS[item.target].run(item, workdir)
        shutil.rmtree(workdir, ignore_errors=True)
        return 0
    print(f"{item.target}: {item.describe()}")
    workdir = Path(tempfile.mkdtemp(prefix="retroline-fuzz-"))
    started = time.perf_counter()
    try:
        TARGETS[item.target].run(item, workdir)
        print(f"passed in {time.perf_counter() - started:.2f} s")
        return 0
    except RetrolineError as exc:
        print(f"RetrolineError (expected) in {time.perf_counter() - started:.2f} s: {exc}")
        return 0
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=[*TARGETS, "all"], default="all")
    parser.add_argument("--count", type=int, default=100_000, help="inputs per target")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per input")
    parser.add_argument(
        "--hang", type=float, default=30.0, help="seconds before a worker is killed"
    )
    parser.add_argument("--memory", type=int, default=2, help="GiB of address space per worker")
    parser.add_argument("--out", default=str(ROOT / "fuzz" / "findings"))
    parser.add_argument("--progress", type=int, default=2000, help="report every N inputs")
    parser.add_argument(
        "--shrink", type=float, default=60.0, help="seconds to shrink each crash (0: do not)"
    )
    parser.add_argument(
        "--replay",
        metavar="TARGET:INDEX[,INDEX...]",
        help="run generated inputs in this process, in order; report the last",
    )
    parser.add_argument("--reproduce", metavar="FILE.bin", help="run one saved finding")
    args = parser.parse_args(argv)
    if args.replay:
        target, _, indices = args.replay.partition(":")
        *before, last = [int(i) for i in indices.split(",")]
        for index in before:  # the inputs a crash needs run before it, in this process
            replay(TARGETS[target].make(args.seed, index), quiet=True)
        return replay(TARGETS[target].make(args.seed, last))
    if args.reproduce:
        return replay(read_finding(Path(args.reproduce)))
    print(
        f"fuzzing {args.target}: {args.count} inputs each, seed {args.seed}, "
        f"{args.workers} workers, timeout {args.timeout:g} s",
        flush=True,
    )
    # Loaded once, before the workers are forked: a restarted worker is ready at once.
    import retroline.api
    import retroline.documents
    import retroline.logs.onset
    import retroline.logs.run
    import retroline.report.write  # noqa: F401

    return fuzz(args)


if __name__ == "__main__":
    sys.exit(main())
