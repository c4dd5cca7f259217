"""A throwaway Prometheus server for the tests: Debian's binaries, series of known shape.

The series are written as OpenMetrics text, turned into TSDB blocks with ``promtool tsdb
create-blocks-from openmetrics``, and served by ``prometheus`` from a temporary folder on a
free loopback port; stopped at the end. The samples lie on 1 January 2024, on 2-hour block
boundaries: in the past, so Prometheus serves the blocks, and well inside the 100-year
retention it is started with (retention counts from the newest block, not from today), so
every run sees the same instants. Under CI=true a missing Prometheus fails the run instead
of skipping.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

#: 2024-01-01T00:00:00Z, on a 2-hour block boundary.
BASE = 1_704_067_200
#: Seconds between two written samples.
EVERY = 15
#: The samples cover [BASE, END): four hours, two chunks at a step of one second.
END = BASE + 4 * 3600
#: The level and the request rate step up here (the first sample of the new level).
STEP_AT = BASE + 3600
#: ``retroline_gap`` has no samples in [GAP_FROM, GAP_TO).
GAP_FROM, GAP_TO = BASE + 2 * 3600, BASE + 2 * 3600 + 1800
#: How long Prometheus may take to answer /-/ready.
READY_TIMEOUT = 60.0

Samples = dict[str, list[tuple[int, float]]]


def written() -> Samples:
    """The samples written to the server, by series as Prometheus names them
    (``name{labels}`` with the labels sorted), in time order."""
    times = range(BASE, END, EVERY)
    total, requests = 0.0, []
    for t in times:
        requests.append((t, total))
        total += 150 if t < STEP_AT else 600  # 10 per second, then 40
    return {
        'retroline_level{instance="a",job="fixture"}': [
            (t, 10.0 if t < STEP_AT else 50.0) for t in times
        ],
        'retroline_level{instance="b",job="fixture"}': [(t, 7.0) for t in times],
        'retroline_rise{job="fixture"}': [(t, 100 + (t - BASE) / 60) for t in times],
        'retroline_gap{job="fixture"}': [(t, 1.0) for t in times if not GAP_FROM <= t < GAP_TO],
        'retroline_requests_total{job="fixture"}': requests,
    }


def openmetrics(samples: Samples) -> str:
    """The samples as OpenMetrics text: each family's samples together, timestamps in
    seconds, ``# EOF`` at the end."""
    kinds = {"retroline_requests": "counter"}
    families: dict[str, list[str]] = {}
    for series, points in samples.items():
        name = series.split("{", 1)[0]
        family = name.removesuffix("_total") if name.endswith("_total") else name
        lines = families.setdefault(family, [])
        lines.extend(f"{series} {value!r} {t}" for t, value in points)
    text = []
    for family, lines in families.items():
        text.append(f"# TYPE {family} {kinds.get(family, 'gauge')}")
        text.extend(lines)
    return "\n".join([*text, "# EOF", ""])


def find_binaries() -> tuple[str, str] | None:
    """The paths of prometheus and promtool, or None when either is missing."""
    server, tool = shutil.which("prometheus"), shutil.which("promtool")
    return (server, tool) if server and tool else None


class StartError(RuntimeError):
    """Prometheus is installed but could not be started; the message holds its stderr."""


@dataclass(frozen=True)
class PrometheusServer:
    """A running server: its base URL (``http://127.0.0.1:PORT``) and what it holds."""

    url: str
    samples: Samples


def free_port() -> int:
    """A loopback port nothing listens on at the moment."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartError(f"prometheus exited with {process.returncode}: {_tail(log)}")
        try:
            if httpx.get(f"{url}/-/ready", timeout=1.0, trust_env=False).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise StartError(f"prometheus was not ready after {READY_TIMEOUT:g} s: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


@contextmanager
def running_server() -> Iterator[PrometheusServer]:
    """Write the series, build their blocks, start Prometheus on them, and stop it on exit.
    FileNotFoundError when Prometheus is not installed; StartError when it will not start."""
    binaries = find_binaries()
    if binaries is None:
        raise FileNotFoundError("prometheus and promtool were not found")
    server, tool = binaries
    base = Path(tempfile.mkdtemp(prefix="retroline-prom-"))
    try:
        samples = written()
        source, data = base / "series.om", base / "data"
        source.write_text(openmetrics(samples))
        built = subprocess.run(
            [tool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
            capture_output=True,
            cwd=base,
        )
        if built.returncode != 0:
            detail = (built.stderr or built.stdout).decode(errors="replace")[-2000:]
            raise StartError(f"promtool could not build the blocks: {detail}")
        config = base / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1h\n")  # nothing to scrape
        url, log = f"http://127.0.0.1:{free_port()}", base / "prometheus.log"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [
                    server,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={data}",
                    f"--web.listen-address={url.removeprefix('http://')}",
                    "--storage.tsdb.retention.time=100y",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                cwd=base,
            )
        try:
            _wait_ready(process, url, log)
            yield PrometheusServer(url, samples)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    finally:
        shutil.rmtree(base, ignore_errors=True)
