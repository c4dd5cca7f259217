"""Every line of every Loghub system gets the timestamp its structured CSV states."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from retroline.logs.parse import parse_lines

LOGHUB = Path(__file__).resolve().parents[3] / "shared" / "loghub"
YEAR = 2017  # given for the yearless systems (Android, OpenSSH, Proxifier)

Row = dict[str, str]


def _ms(text: str) -> int:
    return int((text + "000")[:3]) * 1000


def android(r: Row) -> datetime:
    hms, _, frac = r["Time"].partition(".")
    return datetime.strptime(f"{YEAR}-{r['Date']} {hms}", "%Y-%m-%d %H:%M:%S").replace(
        microsecond=_ms(frac)
    )


def hdfs(r: Row) -> datetime:
    return datetime.strptime(r["Date"].zfill(6) + r["Time"].zfill(6), "%y%m%d%H%M%S")


def iso_comma(r: Row) -> datetime:
    hms, _, frac = r["Time"].partition(",")
    return datetime.strptime(f"{r['Date']} {hms}", "%Y-%m-%d %H:%M:%S").replace(
        microsecond=_ms(frac) if frac else 0
    )


def healthapp(r: Row) -> datetime:
    day, _, clock = r["Time"].partition("-")
    h, m, s, ms = clock.split(":")
    return datetime.strptime(day, "%Y%m%d").replace(
        hour=int(h), minute=int(m), second=int(s), microsecond=_ms(ms)
    )


def bgl(r: Row) -> datetime:
    frac = r["Time"].rpartition(".")[2]
    return datetime.fromtimestamp(int(r["Timestamp"]), UTC).replace(
        tzinfo=None, microsecond=int(frac)
    )


EXPECTED: dict[str, Callable[[Row], datetime]] = {
    "Android": android,
    "Apache": lambda r: datetime.strptime(r["Time"], "%a %b %d %H:%M:%S %Y"),
    "BGL": bgl,
    "HDFS": hdfs,
    "Hadoop": iso_comma,
    "HealthApp": healthapp,
    "OpenSSH": lambda r: datetime.strptime(
        f"{YEAR} {r['Date']} {r['Day']} {r['Time']}", "%Y %b %d %H:%M:%S"
    ),
    "Proxifier": lambda r: datetime.strptime(f"{YEAR}.{r['Time']}", "%Y.%m.%d %H:%M:%S"),
    "Spark": lambda r: datetime.strptime(f"{r['Date']} {r['Time']}", "%y/%m/%d %H:%M:%S"),
    "Windows": iso_comma,
    "Zookeeper": iso_comma,
}

pytestmark = pytest.mark.skipif(not LOGHUB.is_dir(), reason="../shared/loghub is not here")


@pytest.mark.parametrize("system", sorted(EXPECTED))
def test_every_loghub_line_gets_the_csv_timestamp(system: str) -> None:
    folder = LOGHUB / system
    with (folder / f"{system}_2k.log_structured_corrected.csv").open(encoding="utf-8") as fh:
        rows = {int(r["LineId"]): r for r in csv.DictReader(fh)}
    parsed = list(parse_lines(folder / f"{system}_2k.log", year=YEAR))
    assert len(parsed) == len(rows)
    wrong = [
        (p.line, p.at, EXPECTED[system](rows[p.line]))
        for p in parsed
        if p.at is None
        or p.continuation
        or p.at.replace(tzinfo=None) != EXPECTED[system](rows[p.line])
    ]
    assert wrong == []


def test_bgl_label_column_is_a_field_not_the_message() -> None:
    first = next(parse_lines(LOGHUB / "BGL" / "BGL_2k.log"))
    assert first.label == "-"
    assert first.host == "R02-M1-N0-C:J12-U11"
    assert first.message == "instruction cache parity error corrected"
