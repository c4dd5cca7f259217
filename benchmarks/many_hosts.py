"""Many hosts, one event: precision and recall of `logs.many_hosts.shared_bursts`.

Generates, with a seeded RNG, bundles of 24 to 120 hosts' logs over two hours in four
styles, half of them with an injected shared event (one template on most hosts within a
minute, once or repeated every 10 to 30 minutes), half with only what must not count:
per-host failures, noise, heartbeats, a rolling restart, and the very template of the
events on many hosts but spread over 20 to 90 minutes. Every bundle also has that noise.

    A  syslog per host (host in the header), names like node07          tuned on
    B  one watchdog daemon's syslog naming its clients (wintest-042)     tuned on
    C  ISO app logs per host in local time (Europe/Zurich), no host in   held out
       the header, "host=app17.prod" in the messages
    D  one aggregated ISO syslog stream from every host, mixed UTC        held out
       offsets, hosts like ip-10-0-3-17 and srv-eu-0117

The thresholds (MIN_HOSTS, HOST_SHARE, RISE) were chosen looking at A and B only
(``--tune`` prints the grid); C and D are reported apart, as data they were not chosen on.
A reported burst is right when its template is the injected one and it begins within a
minute of the injection; recall counts the injected events found (and whether the number
of repeats is right), precision the reported bursts that are right. A naive rule beside it
(five distinct hosts of one template within 60 s, header host or a host-like value,
nothing else) shows what the share and the rise over chance add.

    .venv/bin/python benchmarks/many_hosts.py [--seed 1] [--bundles 12] [--tune] [--no-naive]

About 40 s on 2 cores with the defaults (``--tune`` adds a minute and a half).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from retroline.logs.many_hosts import (
    HOST_SHARE,
    MIN_HOSTS,
    RISE,
    Burst,
    host_value,
    shared_bursts,
)
from retroline.logs.parse import parse_lines
from retroline.logs.run import summarise
from retroline.logs.templates import TemplateMiner

START = datetime(2024, 3, 11, 9, 0, tzinfo=UTC)
HOURS = 2
END = START + timedelta(hours=HOURS)
ZURICH = ZoneInfo("Europe/Zurich")
TUNED, HELD_OUT = ("A", "B"), ("C", "D")

# (log line, instant, host): a line's text is made from its instant and host by the style.
Line = tuple[datetime, str, str, str]  # instant, host, process, message


@dataclass
class Bundle:
    """A bundle's files, how to read them, and the events injected in it."""

    style: str
    hosts: int
    paths: list[Path] = field(default_factory=list)
    tz: str | None = None
    # Injected: (template marker, first instant, last instant of the first burst, repeats).
    injected: list[tuple[str, datetime, datetime, int]] = field(default_factory=list)


# --- what hosts log ---------------------------------------------------------------------

NOISE = [
    ("sshd", lambda r, h: f"Accepted publickey for deploy from 10.9.{r.randrange(9)}.{r.randrange(250)} port {r.randrange(30000, 60000)} ssh2"),
    ("CRON", lambda r, h: f"pam_unix(cron:session): session opened for user root by (uid={r.randrange(3)})"),
    ("systemd", lambda r, h: f"Started Session {r.randrange(1, 9999)} of user deploy."),
    ("app", lambda r, h: f"GET /api/v1/items/{r.randrange(999)} 200 in {r.randrange(2, 900)} ms"),
    ("app", lambda r, h: f"cache miss for key item:{r.randrange(99999)}, loading from db"),
    ("kernel", lambda r, h: f"TCP: request_sock_TCP: Possible SYN flooding on port {r.choice([80, 443])}. Sending cookies."),
]  # fmt: skip
LOCAL_FAILURES = [
    ("kernel", lambda r, h: f"blk_update_request: I/O error, dev sdb, sector {r.randrange(10**8)}"),
    ("app", lambda r, h: f"worker {r.randrange(64)} crashed with exit code {r.choice([1, 137, 139])}"),
    ("java", lambda r, h: f"OutOfMemoryError in thread pool-{r.randrange(9)}-thread-{r.randrange(99)}"),
]  # fmt: skip
# The shared events (template marker, process, message), by style.
EVENTS = {
    "A": [
        ("not responding, still trying", "kernel", lambda r, h: "nfs: server filer01 not responding, still trying"),
        ("no servers reachable", "ntpd", lambda r, h: f"no servers reachable (last sync {r.randrange(99)} s ago)"),
        ("Backend is offline", "sssd_be", lambda r, h: "Backend is offline"),
    ],
    "B": [
        ("no check-in for", "watchdogd", lambda r, h: f"rebooting {h}: no check-in for {r.randrange(300, 400)} s"),
        ("power-cycling", "watchdogd", lambda r, h: f"client {h} missed {r.randrange(3, 9)} heartbeats, power-cycling"),
    ],
    "C": [
        ("lost, reconnecting", "zk", lambda r, h: f"host={h} session to zk-3.internal:2181 lost, reconnecting"),
        ("timed out after", "http", lambda r, h: f"host={h} upstream 10.1.1.5:443 timed out after {r.randrange(29000, 31000)} ms"),
    ],
    "D": [
        ("DHCPREQUEST", "dhclient", lambda r, h: f"DHCPREQUEST on eth0 to 10.0.0.1 port 67 (xid=0x{r.randrange(16**8):08x})"),
        ("cannot resolve", "app", lambda r, h: f"cannot resolve db.internal: Temporary failure in name resolution (try {r.randrange(1, 4)})"),
        ("Backend is offline", "sssd_be", lambda r, h: "Backend is offline"),
    ],
}  # fmt: skip


def host_names(style: str, n: int, rng: random.Random) -> list[str]:
    if style == "A":
        prefix = rng.choice(["node", "web", "cmp", "db"])
        return [f"{prefix}{i:02d}" for i in range(n)]
    if style == "B":
        return [f"wintest-{i:03d}" for i in range(n)]
    if style == "C":
        return [f"app{i}.prod" for i in range(n)]
    return [f"ip-10-0-{i // 50}-{i % 50 + 10}" if i % 2 else f"srv-eu-{i:04d}" for i in range(n)]


def at_random(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.uniform(0, HOURS * 3600))


def generate(style: str, positive: bool, rng: random.Random) -> tuple[Bundle, list[Line]]:
    """One bundle's lines: noise on every host, and either an injected shared event or
    the look-alikes that must not count."""
    n = rng.randrange(24, 121)
    hosts = host_names(style, n, rng)
    bundle = Bundle(style, n)
    lines: list[Line] = []
    central = style == "B"
    for host in hosts:
        # Noise: 20 to 60 lines of ordinary messages at random times.
        for _ in range(rng.randrange(20, 61)):
            proc, make = rng.choice(NOISE)
            lines.append((at_random(rng), host, proc, make(rng, host)))
        # A heartbeat every 1, 2 or 5 minutes, at the host's own phase.
        if not central:
            period = rng.choice([60, 120, 300])
            phase = rng.uniform(0, period)
            for k in range(int(HOURS * 3600 / period)):
                when = START + timedelta(seconds=phase + k * period + rng.uniform(-2, 2))
                lines.append((when, host, "agent", f"heartbeat ok seq={k}"))
    if central:  # the daemon's routine: each client checks in every 5 minutes
        for host in hosts:
            phase = rng.uniform(0, 300)
            for k in range(HOURS * 12):
                when = START + timedelta(seconds=phase + 300 * k)
                lines.append(
                    (
                        when,
                        "wdog01",
                        "watchdogd",
                        f"check-in from {host} ok in {rng.randrange(3, 90)} ms",
                    )
                )
    # Per-host failures: a few hosts, each its own error a few times in a few minutes.
    for host in rng.sample(hosts, rng.randrange(1, 5)):
        proc, make = rng.choice(LOCAL_FAILURES)
        first = at_random(rng)
        for _ in range(rng.randrange(3, 30)):
            when = first + timedelta(seconds=rng.uniform(0, 300))
            lines.append((when, "wdog01" if central else host, proc, make(rng, host)))
    # A rolling restart, one host after another, 15 to 45 s apart, in half the bundles.
    if rng.random() < 0.5:
        when, gap = at_random(rng), rng.uniform(15, 45)
        for host in rng.sample(hosts, len(hosts) // 2):
            when += timedelta(seconds=gap * rng.uniform(0.8, 1.2))
            if central:
                lines.append((when, "wdog01", "watchdogd", f"client {host} upgraded, restarting"))
            else:
                lines.append((when, host, "systemd", "Started Application server."))
    # Held-out styles are drawn from other ranges too: events on fewer hosts, wider, and
    # look-alikes spread over less time.
    held_out = style in HELD_OUT
    # The events' templates, spread: on 50 to 100% of the hosts over 20 to 90 minutes
    # (held out: 10 to 30 minutes).
    marker, proc, make = rng.choice(EVENTS[style])
    spread_hosts = rng.sample(hosts, int(n * rng.uniform(0.5, 1.0)))
    first = at_random(rng)
    length = rng.uniform(10, 30) * 60 if held_out else rng.uniform(20, 90) * 60
    for host in spread_hosts:
        when = first + timedelta(seconds=rng.uniform(0, length))
        lines.append((when, "wdog01" if central else host, proc, make(rng, host)))
    if positive:
        marker, proc, make = rng.choice(EVENTS[style])
        # On 60 to 100% of the hosts within 3 to 55 s (held out: 50 to 80% within 20 to 60 s).
        if held_out:
            share, width = rng.uniform(0.5, 0.8), rng.uniform(20, 60)
        else:
            share, width = rng.uniform(0.6, 1.0), rng.uniform(3, 55)
        repeats = rng.choice([1, 1, 2, 3])
        every = rng.uniform(10, 30) * 60
        first = START + timedelta(seconds=rng.uniform(600, HOURS * 3600 - repeats * every - 120))
        hit = rng.sample(hosts, int(n * share))
        for r in range(repeats):
            begin = first + timedelta(seconds=r * every)
            offsets = sorted(rng.uniform(0, width) for _ in hit)
            for host, offset in zip(hit, offsets, strict=True):
                lines.append(
                    (
                        begin + timedelta(seconds=offset),
                        "wdog01" if central else host,
                        proc,
                        make(rng, host),
                    )
                )
        bundle.injected.append((marker, first, first + timedelta(seconds=width), repeats))
    return bundle, lines


def write(bundle: Bundle, lines: list[Line], folder: Path, rng: random.Random) -> None:
    """The bundle's files in its style."""
    folder.mkdir(parents=True)
    lines.sort(key=lambda x: x[0])
    style = bundle.style
    if style in ("B", "D"):  # one file
        offsets: dict[str, int] = {}
        text: list[str] = []
        for when, host, proc, msg in lines:
            if style == "B":
                text.append(f"{when:%b %e %H:%M:%S} {host} {proc}[{812}]: {msg}\n")
            else:
                offset = offsets.setdefault(host, rng.choice([0, 1, -5, 2]))
                local = when.astimezone(ZoneInfo("UTC")) + timedelta(hours=offset)
                stamp = local.replace(tzinfo=None).isoformat(timespec="milliseconds")
                text.append(f"{stamp}{offset:+03d}:00 {host} {proc}[{4000 + offset}]: {msg}\n")
        path = folder / ("watchdog.log" if style == "B" else "aggregated.log")
        path.write_text("".join(text))
        bundle.paths.append(path)
        return
    by_host: dict[str, list[str]] = defaultdict(list)
    for when, host, proc, msg in lines:
        if style == "A":
            by_host[host].append(
                f"{when:%b %e %H:%M:%S} {host} {proc}[{1000 + len(host)}]: {msg}\n"
            )
        else:
            local = when.astimezone(ZURICH).replace(tzinfo=None)
            stamp = f"{local:%Y-%m-%d %H:%M:%S},{local.microsecond // 1000:03d}"
            level = "ERROR" if proc in ("zk", "http", "java") else "INFO"
            said = msg if msg.startswith("host=") else f"host={host} {msg}"
            by_host[host].append(f"{stamp} {level} [main] com.example.{proc}: {said}\n")
    for host, written in by_host.items():
        path = folder / f"{host}.log"
        path.write_text("".join(written))
        bundle.paths.append(path)
    if style == "C":
        bundle.tz = "Europe/Zurich"


# --- scoring ----------------------------------------------------------------------------


@dataclass
class Score:
    injected: int = 0
    found: int = 0
    repeats_right: int = 0
    reported: int = 0
    right: int = 0
    negatives: int = 0
    false_alarms: int = 0  # negative bundles with any burst

    def add(self, bundle: Bundle, found: list[tuple[str, datetime, int]]) -> None:
        """``found``: (template, first instant, count) of each reported burst."""
        self.reported += len(found)
        if not bundle.injected:
            self.negatives += 1
            self.false_alarms += bool(found)
        for marker, first, last, repeats in bundle.injected:
            self.injected += 1
            hits = [
                f
                for f in found
                if marker in f[0]
                and first - timedelta(minutes=1) <= f[1] <= last + timedelta(minutes=1)
            ]
            self.found += bool(hits)
            self.repeats_right += any(count == repeats for _, _, count in hits)
            self.right += len(hits)

    def merge(self, other: Score) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def line(self, label: str, repeats: bool = True) -> str:
        recall = self.found / self.injected if self.injected else float("nan")
        precision = self.right / self.reported if self.reported else float("nan")
        return (
            f"{label:<26} recall {recall:5.3f} ({self.found}/{self.injected})"
            f"  precision {precision:5.3f} ({self.right}/{self.reported})"
            + (f"  repeats right {self.repeats_right}/{self.found}" if repeats else "")
            + f"  negatives alarmed {self.false_alarms}/{self.negatives}"
        )


def naive(bundle: Bundle) -> list[tuple[str, datetime, int]]:
    """Five distinct hosts of one template within 60 s (the header's host, or else the
    first host-like value of the message), reported once per template (no repeats
    counted), nothing else."""
    miner = TemplateMiner()
    summarise(bundle.paths, tz=bundle.tz, year=2024, miner=miner)
    events = []
    for path in bundle.paths:
        for p in parse_lines(path, tz=bundle.tz, year=2024, miner=miner, learn=False):
            if p.at is None or p.template_id is None or not START <= p.at < END:
                continue
            host = next((h for t in p.message.split() if (h := host_value(t))), None)
            if p.host and p.host != "wdog01":
                host = p.host
            if host is not None:
                events.append((p.at, p.template_id, host))
    events.sort()
    windows: dict[str, deque[tuple[datetime, str]]] = defaultdict(deque)
    first: dict[str, datetime] = {}
    for when, tid, host in events:
        window = windows[tid]
        window.append((when, host))
        while window[0][0] < when - timedelta(seconds=60):
            window.popleft()
        if tid not in first and len({h for _, h in window}) >= 5:
            first[tid] = window[0][0]
    found = []
    for tid, when in first.items():
        learnt = miner.get(tid)
        found.append((learnt.resolved().text if learnt is not None else tid, when, 1))
    return found


def ours(
    bundle: Bundle, min_hosts: int = MIN_HOSTS, share: float = HOST_SHARE
) -> list[tuple[str, datetime, int]]:
    bursts: list[Burst] = shared_bursts(
        bundle.paths, START, END, tz=bundle.tz, year=2024, min_hosts=min_hosts, share=share
    )
    return [(b.template, b.first, b.count) for b in bursts]


def build(root: Path, seed: int, per_style: int) -> list[Bundle]:
    rng = random.Random(seed)
    bundles = []
    for style in ("A", "B", "C", "D"):
        for k in range(per_style):
            bundle, lines = generate(style, k % 2 == 0, rng)
            write(bundle, lines, root / f"{style}{k:02d}", rng)
            bundles.append(bundle)
    return bundles


def evaluate(
    bundles: list[Bundle], detect: Callable[[Bundle], list[tuple[str, datetime, int]]]
) -> dict[str, Score]:
    scores: dict[str, Score] = defaultdict(Score)
    for bundle in bundles:
        scores[bundle.style].add(bundle, detect(bundle))
    return scores


def report(name: str, scores: dict[str, Score], repeats: bool = True) -> None:
    print(f"\n{name}")
    for style in sorted(scores):
        print("  " + scores[style].line(f"style {style}", repeats))
    for label, styles in (
        ("tuned on (A+B)", TUNED),
        ("held out (C+D)", HELD_OUT),
        ("all", TUNED + HELD_OUT),
    ):
        total = Score()
        for style in styles:
            total.merge(scores[style])
        print("  " + total.line(label, repeats))


def tune(bundles: list[Bundle]) -> None:
    """F1 of (min_hosts, share) on the bundles of styles A and B only."""
    tuned = [b for b in bundles if b.style in TUNED]
    print("\nthresholds on A+B (F1 of recall and precision):")
    for min_hosts in (3, 5, 8):
        cells = []
        for share in (0.3, 0.4, 0.5, 0.6):
            total = Score()
            for style_score in evaluate(
                tuned, partial(ours, min_hosts=min_hosts, share=share)
            ).values():
                total.merge(style_score)
            r = total.found / max(total.injected, 1)
            p = total.right / max(total.reported, 1)
            cells.append(f"share {share}: {2 * p * r / max(p + r, 1e-9):.3f}")
        print(f"  min_hosts {min_hosts}: " + "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--bundles", type=int, default=12, help="bundles per style (half with an event)"
    )
    parser.add_argument("--tune", action="store_true", help="print the threshold grid on A and B")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive rule")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="many-hosts-") as folder:
        began = time.perf_counter()
        bundles = build(Path(folder), args.seed, args.bundles)
        files = sum(len(b.paths) for b in bundles)
        lines = sum(p.read_text().count("\n") for b in bundles for p in b.paths)
        print(
            f"{len(bundles)} bundles ({args.bundles} per style, half with an event), {files} files, "
            f"{lines:,} lines, generated in {time.perf_counter() - began:.1f} s; "
            f"MIN_HOSTS={MIN_HOSTS}, HOST_SHARE={HOST_SHARE}, RISE={RISE}"
        )
        began = time.perf_counter()
        scores = evaluate(bundles, ours)
        seconds = time.perf_counter() - began
        report(
            f"shared_bursts ({seconds:.1f} s, {lines / seconds:,.0f} lines/s, two passes)", scores
        )
        if not args.no_naive:
            began = time.perf_counter()
            scores = evaluate(bundles, naive)
            report(f"naive: 5 hosts in 60 s ({time.perf_counter() - began:.1f} s)", scores, False)
        if args.tune:
            tune(bundles)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
