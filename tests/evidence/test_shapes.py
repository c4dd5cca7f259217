"""Evidence known by its shape (metric series, package lists, socket and process tables) is
recognised, never turned into documents and timeline entries, and read by its own reader.

Every fixture is written here, in the shapes the tools that make such files write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retroline.errors import FormatError
from retroline.evidence.kinds import EvidenceKind, classify
from retroline.evidence.shapes import evidence_shape
from tests.test_cli import POSTMORTEM, run

METRICS_WIDE = [
    '"Time","api p99 latency","db connections"',
    *(f'"2031-04-01 10:{m:02d}:00",{120 + m},{40 + 3 * m}' for m in range(20)),
]
METRICS_EPOCH_MS = ["time,heap_used_bytes", *(f"19{m:011d},{5e8 + m * 1e6:.0f}" for m in range(20))]
METRICS_LONG = [
    "timestamp,series,value",
    *(f"2031-04-01T10:{m:02d}:00Z,mem{m % 2},{0.5 + m / 100}" for m in range(20)),
]
SAR = [
    "Linux 6.1.0-18-amd64 (web-3) \t04/01/2031 \t_x86_64_\t(8 CPU)",
    "",
    "10:00:01 AM     CPU     %user     %nice   %system   %iowait    %steal     %idle",
    *(f"10:{m:02d}:01 AM     all      {m}.50      0.00      1.20      0.10      0.00     90.00" for m in range(10)),
]  # fmt: skip
PROMETHEUS_JSON = [
    json.dumps(
        {
            "status": "success",
            "data": {
                "resultType": "matrix",
                "result": [{"metric": {"job": "api"}, "values": [[1900000000, "1"]]}],
            },
        }
    )
]
GRAPHITE_JSON = [json.dumps([{"target": "api.errors", "datapoints": [[1.0, 1900000000]]}])]
INFLUX = [f"cpu,host=web-{i % 2} usage_idle={90 - i}.5 19{i:08d}000000000" for i in range(10)]
RPM = [
    "kernel-5.14.0-70.13.1.el9_0.x86_64",
    "bash-5.1.8-4.el9.x86_64",
    "tzdata-2031a-1.el9.noarch",
    "httpd-2.4.51-7.el9_0.x86_64",
    "python3-libs-3.9.10-2.el9.x86_64",
]
DPKG = [
    "Desired=Unknown/Install/Remove/Purge/Hold",
    "| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend",
    "|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)",
    "||/ Name           Version        Architecture Description",
    "+++-==============-==============-============-=================================",
    "ii  adduser        3.134          all          add and remove users and groups",
    "ii  bash           5.2.15-2+b2    amd64        GNU Bourne Again SHell",
    "rc  oldpkg         1.0-1          amd64        removed, config kept",
]
PIP = ["certifi==2031.4.1", "httpx==0.31.0", "pydantic[email]==2.9.0", "six==1.16.0"]
SS = [
    "State      Recv-Q Send-Q   Local Address:Port     Peer Address:Port  Process",
    "ESTAB      0      0         10.0.0.5:5432          10.0.0.9:41234",
    "TIME-WAIT  0      0         10.0.0.5:5432          10.0.0.9:41236",
]
NETSTAT_ROWS = [
    f"tcp        0      0 10.0.0.5:{40000 + i}        10.0.0.7:5432         FIN_WAIT2"
    for i in range(6)
]
PS = [
    "  PID                  STARTED COMMAND",
    "    1 Mon Mar 30 08:00:01 2031 /sbin/init",
    "  812 Mon Mar 30 08:00:09 2031 /usr/sbin/httpd -DFOREGROUND",
]

JSON_SAMPLES = [
    f'{{"time": "2031-04-01T10:{m:02d}:00Z", "host": "lb-2", "sockets": {300 + m}, "rss": null}}'
    for m in range(10)
]
JSON_NAMED = [f'{{"ts": {1900000000 + m}, "metric": "cpu", "value": {m / 10}}}' for m in range(5)]
JSON_LOG_WITH_NUMBERS = [
    f'{{"time": "2031-04-01T10:{m:02d}:00Z", "level": "info", "latency_ms": {m}}}'
    for m in range(10)
]
JSON_LOG_WITH_TEXT = [
    f'{{"ts": {1900000000 + m}, "status": 200, "path": "/api/v1/orders/{m}?expand=items,'
    f'customer,payments,shipping,refunds,notes,history&locale=de"}}'
    for m in range(10)
]

SHAPES = [
    ("metrics, JSON lines with a label", JSON_SAMPLES, "metrics"),
    ("metrics, JSON lines name and value", JSON_NAMED, "metrics"),
    ("metrics, wide CSV in local time", METRICS_WIDE, "metrics"),
    ("metrics, epoch milliseconds", METRICS_EPOCH_MS, "metrics"),
    ("metrics, long form", METRICS_LONG, "metrics"),
    ("metrics, sar", SAR, "metrics"),
    ("metrics, Prometheus API", PROMETHEUS_JSON, "metrics"),
    ("metrics, Graphite", GRAPHITE_JSON, "metrics"),
    ("metrics, InfluxDB line protocol", INFLUX, "metrics"),
    ("packages, rpm -qa", RPM, "packages"),
    ("packages, dpkg -l", DPKG, "packages"),
    ("packages, pip freeze", PIP, "packages"),
    ("sockets, ss", SS, "sockets"),
    ("sockets, netstat rows", NETSTAT_ROWS, "sockets"),
    ("processes, ps", PS, "processes"),
    ("processes, ps after its date line", ["Tue Oct 11 09:30:01 UTC 2031", *PS], "processes"),
]

NOT_UNREAD = [
    ("a JSON log with a level and numbers", JSON_LOG_WITH_NUMBERS),
    ("a JSON log with long text and numbers", JSON_LOG_WITH_TEXT),
    ("a postmortem", Path(POSTMORTEM).read_text(encoding="utf-8").splitlines()),
    (
        "a log written as CSV",
        [f"2031-04-01 10:00:{i:02d},ERROR,api,{100 + i},request failed" for i in range(10)],
    ),
    (
        "a timeline table",
        ["| Time | What |", "| --- | --- |", "| 10:00 | alerts |", "| 10:05 | paged |"],
    ),
    ("syslog", [f"Apr  1 10:00:{i:02d} web-1 api[3]: slow request {i}" for i in range(10)]),
]


@pytest.mark.parametrize(("name", "lines", "kind"), SHAPES, ids=[s[0] for s in SHAPES])
def test_each_shape_is_recognised(name: str, lines: list[str], kind: str) -> None:
    assert evidence_shape(lines) == kind


@pytest.mark.parametrize(("name", "lines"), NOT_UNREAD, ids=[s[0] for s in NOT_UNREAD])
def test_documents_and_logs_are_not_taken_for_them(name: str, lines: list[str]) -> None:
    assert evidence_shape(lines) is None


def write(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_folder_of_such_files_gives_one_document_and_reads_the_others(
    tmp_path: Path,
) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "postmortem.md").write_text(
        Path(POSTMORTEM).read_text(encoding="utf-8"), encoding="utf-8"
    )
    write(evidence, "grafana-export.csv", METRICS_WIDE)
    write(evidence, "web-1-packages.txt", RPM)
    write(evidence, "web-2-packages.txt", RPM[:3])
    write(evidence, "sockets.txt", SS)
    write(evidence, "ps.txt", PS)
    assert classify(evidence / "grafana-export.csv") is EvidenceKind.METRICS
    report = tmp_path / "report"
    code, out, err = run(
        "investigate", str(evidence), "-o", str(report), "--json", db=str(tmp_path / "l.db")
    )
    assert code == 0, err
    result = json.loads(out)
    skipped = {Path(s["path"]).name: s["reason"] for s in result["skipped"]}
    assert [Path(p).name for p in result["metrics"]] == ["grafana-export.csv"]
    assert skipped == {}
    incident = json.loads((report / "incident.json").read_text(encoding="utf-8"))
    formats = {Path(d["path"]).name: d["format"] for d in incident["documents"]}
    assert formats == {
        "postmortem.md": "markdown",
        "grafana-export.csv": "grafana-csv",
        "web-1-packages.txt": "rpm",
        "web-2-packages.txt": "rpm",
        "sockets.txt": "ss",
        "ps.txt": "ps-lstart",
    }
    assert not [e for e in incident["events"] if "api p99" in e["text"] or ",1" in e["text"]]


def test_extract_says_a_metrics_file_is_not_a_document(tmp_path: Path) -> None:
    path = write(tmp_path, "latency.csv", METRICS_LONG)
    code, _, err = run("extract", str(path), "--json")
    assert code == FormatError.exit_code
    assert "looks like a metric series" in err and "latency.csv" in err
    # --format says it is a document all the same
    code, _, err = run("extract", str(path), "--format", "text", "--json")
    assert code == 0, err


def test_long_lines_are_not_socket_rows_and_are_judged_at_once() -> None:
    # A protocol word, then a long run of spaces or digits: `\s+.*` split the line every
    # way and tried a run of digits again at each place (200,000 characters: minutes).
    rows = ["tcp        0      0 10.0.0.7:5432     10.0.0.9:51234    FIN_WAIT1"] * 8
    assert evidence_shape(rows) == "sockets"
    for filler in (" " * 200_000 + "x", "1" * 200_000, "a:" * 100_000):
        assert evidence_shape(["tcp " + filler] * 8) is None
