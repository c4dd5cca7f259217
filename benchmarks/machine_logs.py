"""Logs written by real programs on this machine, read as `retroline logs parse --json` reads them.

The programs the test suite installs or Debian ships (PostgreSQL, Prometheus, Chromium,
Python, and Java, Node and Perl where present) are run for a few seconds in a temporary
folder, each writing its log in its own default layout, some in a zone other than UTC.
No file is kept or copied: the truth comes from the run itself. Each stamped line the
program wrote (told by a per-program test of the line's start, written here) must get an
instant within the run's wall-clock window, in UTC, give or take two seconds; a file is
right when every one of its stamped lines does and no other line gets an instant of its
own. The layouts are the programs' own, not ours: new versions may change them.

    .venv/bin/python benchmarks/machine_logs.py [--keep DIR]

Prints one row per file and the total; results go to benchmarks/results/machine_logs.json.
A program that is not installed is skipped and said so.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_logs import RETROLINE

HERE = Path(__file__).resolve().parent
LA = "America/Los_Angeles"
SLACK = timedelta(seconds=2)


def _run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)  # type: ignore[call-overload]


def postgres(folder: Path) -> list[tuple[str, str | None, str]]:
    """The server's stderr log (UTC) and its CSV and JSON logs in New York time."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        return []
    bin_ = bins[-1]
    data, sock = folder / "pgdata", folder / "pgsock"
    sock.mkdir()
    user = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    if user:  # the server will not run as root: as postgres, in folders it may enter
        folder.parent.chmod(0o755)
        shutil.chown(folder, "postgres")
        shutil.chown(sock, "postgres")
    _run([*user, str(bin_ / "initdb"), "-D", str(data)])
    options = (
        f"-k {sock} -p 54399 -c log_statement=all -c logging_collector=on"
        f" -c log_destination=stderr,csvlog,jsonlog -c log_directory={folder / 'pglog'}"
        " -c log_timezone=America/New_York"
    )
    # The server outlives pg_ctl: it must not hold this process's pipes (nor wait on them).
    subprocess.run(
        [*user, str(bin_ / "pg_ctl"), "-D", str(data), "-o", options, "-l",
         str(folder / "pg_ctl.out"), "-w", "start"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False,
    )  # fmt: skip
    for sql in ("select 1/0", "select * from missing_table", "select pg_sleep(1)"):
        _run(["psql", "-h", str(sock), "-p", "54399", "-U", "postgres", "-c", sql])
    _run([*user, str(bin_ / "pg_ctl"), "-D", str(data), "-w", "stop"])
    found = []
    for log in sorted((folder / "pglog").glob("postgresql-*")):
        target = folder / f"postgres{log.suffix}"
        shutil.copy(log, target)
        start = r"^\{\"timestamp\"" if log.suffix == ".json" else r"^\d{4}-\d\d-\d\d \d\d:"
        found.append((str(target), None, start))
    return found


def prometheus(folder: Path) -> list[tuple[str, str | None, str]]:
    if not shutil.which("prometheus"):
        return []
    config = folder / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1s\n", encoding="utf-8")
    log = folder / "prometheus.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={folder / 'tsdb'}",
             "--web.listen-address=127.0.0.1:19399", "--log.level=debug"],
            stdout=out, stderr=out,
        )  # fmt: skip
        time.sleep(4)
        proc.terminate()
        proc.wait(timeout=30)
    return [(str(log), None, r"^ts=")]


def chromium(folder: Path) -> list[tuple[str, str | None, str]]:
    if not Path("/usr/bin/chromium").exists():
        return []
    log = folder / "chromium.log"
    with log.open("w") as out:
        subprocess.run(
            ["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--enable-logging=stderr", "--v=1", f"--user-data-dir={folder / 'chrome'}",
             "--dump-dom", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=out, timeout=60, check=False,
        )  # fmt: skip
    return [(str(log), None, r"^\[\d+:\d+:\d{4}/\d{6}")]


def python(folder: Path) -> list[tuple[str, str | None, str]]:
    log = folder / "python-logging.log"
    script = (
        "import logging\n"
        f"logging.basicConfig(filename={str(log)!r}, level=logging.DEBUG,"
        " format='%(asctime)s %(levelname)s %(name)s: %(message)s')\n"
        "log = logging.getLogger('billing.worker')\n"
        "log.info('worker started with 4 threads'); log.warning('queue depth 120')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('job 77 failed')\n"
    )
    _run([sys.executable, "-c", script], env={**os.environ, "TZ": LA})
    return [(str(log), LA, r"^\d{4}-\d\d-\d\d ")]


def java(folder: Path) -> list[tuple[str, str | None, str]]:
    if not (shutil.which("java") and shutil.which("javac")):
        return []
    (folder / "Main.java").write_text(
        "import java.util.logging.*;\npublic class Main { public static void main(String[] a)"
        ' throws Exception { Logger l = Logger.getLogger("shop.Checkout");'
        ' l.info("started on port 8080"); l.warning("gateway slow: 1200 ms");'
        ' Thread.sleep(500); try { Integer.parseInt("x"); } catch (Exception e)'
        ' { l.log(Level.SEVERE, "cannot parse quantity", e); } l.info("stopped"); } }\n',
        encoding="utf-8",
    )
    _run(["javac", "Main.java"], cwd=folder)
    jul, gc = folder / "java-jul.log", folder / "jvm-gc.log"
    with jul.open("w") as out:
        subprocess.run(
            ["java", f"-Xlog:gc*:file={gc}:time,uptime,level,tags", "-cp", str(folder), "Main"],
            stderr=out, env={**os.environ, "TZ": LA}, timeout=120, check=False,
        )  # fmt: skip
    return [(str(jul), LA, r"^[A-Z][a-z]{2} \d\d, \d{4} "), (str(gc), None, r"^\[\d{4}-")]


def node(folder: Path) -> list[tuple[str, str | None, str]]:
    if not shutil.which("node"):
        return []
    files = []
    # The first two write their zone (the reader is not told it); the third does not.
    for name, call, start, tz in (
        ("node-tostring.log", "toString()", r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d{4} ", None),
        ("node-utcstring.log", "toUTCString()", r"^[A-Z][a-z]{2}, \d\d ", None),
        ("node-locale.log", 'toLocaleString("en-US")', r"^\d{1,2}/\d{1,2}/\d{4}, ", LA),
    ):
        log = folder / name
        code = f'for (let i = 0; i < 3; i++) console.log(new Date().{call} + " job " + i + " done")'
        log.write_text(_run(["node", "-e", code], env={**os.environ, "TZ": LA}).stdout)
        files.append((str(log), tz, start))
    return files


def perl(folder: Path) -> list[tuple[str, str | None, str]]:
    if not shutil.which("perl"):
        return []
    log = folder / "perl-ctime.log"
    code = 'for $i (0..2) { print scalar(localtime), " [$$] task $i ok\\n" }'
    log.write_text(_run(["perl", "-e", code], env={**os.environ, "TZ": LA}).stdout)
    return [(str(log), LA, r"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d ")]


PROGRAMS: dict[str, Callable[[Path], list[tuple[str, str | None, str]]]] = {
    "postgresql": postgres,
    "prometheus": prometheus,
    "chromium": chromium,
    "python": python,
    "java": java,
    "node": node,
    "perl": perl,
}


def check(path: str, tz: str | None, start: str, lo: datetime, hi: datetime) -> dict[str, object]:
    """One file read as the command line reads it, against the run's window."""
    argv = [str(RETROLINE), "logs", "parse", path, "--json"] + (["--tz", tz] if tz else [])
    out = _run(argv)
    if out.returncode != 0:
        return {"file": Path(path).name, "right": False, "error": out.stderr.strip()[:200]}
    stamped = re.compile(start)
    with open(path, encoding="utf-8", errors="replace") as fh:
        truth = [bool(stamped.match(line)) for line in fh]
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    own = [bool(r.get("at")) and not r.get("continuation") for r in rows]
    inside = [
        lo - SLACK <= datetime.fromisoformat(r["at"]) <= hi + SLACK
        for r, mine in zip(rows, own, strict=True)
        if mine
    ]
    return {
        "file": Path(path).name,
        "tz": tz,
        "stamped": sum(truth),
        "given": sum(own),
        "in_window": sum(inside),
        "right": own == truth and all(inside) and any(truth),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--keep", type=Path, help="write the logs here and keep them")
    args = ap.parse_args()
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="machine-logs-") as tmp:
        base = args.keep or Path(tmp)
        for name, make in PROGRAMS.items():
            folder = base / name
            folder.mkdir(parents=True, exist_ok=True)
            lo = datetime.now(UTC).replace(microsecond=0)
            files = make(folder)
            hi = datetime.now(UTC)
            if not files:
                print(f"{name}: not installed, skipped")
                continue
            for path, tz, start in files:
                row = check(path, tz, start, lo, hi)
                results.append({"program": name, **row})
                print(
                    f"{name:11} {row['file']:22} {'right' if row['right'] else 'WRONG':6}"
                    f" stamped {row.get('stamped')}, given {row.get('given')},"
                    f" in the run's window {row.get('in_window')} {row.get('error', '')}"
                )
    right = sum(1 for r in results if r["right"])
    print(f"files right {right}/{len(results)}")
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "machine_logs.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
