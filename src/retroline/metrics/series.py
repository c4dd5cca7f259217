"""A metric series: one named, labelled sequence of samples in UTC, and where it came from.

Every reader of `retroline.metrics` returns these, and change finding reads nothing else.
Samples are kept as numpy arrays (times in seconds since the epoch, UTC; values as floats)
because a series is analysed as a whole: a thousand series of a thousand points are a few
megabytes this way, and hundreds as Python objects. A missing or NaN sample is a gap: its
value is NaN, never dropped, since a series that stops is evidence (the process died, or
scraping stopped).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from retroline.sources import ZoneSource

__all__ = ["Series", "SeriesSource", "series_name"]

Floats = npt.NDArray[np.float64]
Lines = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SeriesSource:
    """Where a series came from: a file (``path``, its detected ``format``), and for a
    series pulled from a server, the ``server``'s URL and the ``query`` asked of it; the
    zone its times were read in and where that zone came from (a time with an offset or an
    epoch number is ``EXPLICIT``; ``OPTION`` from ``--tz``; ``ASSUMED`` when nothing said
    it and UTC was taken)."""

    path: str
    format: str
    query: str | None = None
    server: str | None = None
    zone: str | None = None
    zone_source: ZoneSource = ZoneSource.EXPLICIT


@dataclass(frozen=True, eq=False)
class Series:
    """The samples of one series, in time order.

    ``times`` are seconds since the epoch (UTC), ascending; ``values`` the samples (NaN: a
    gap); ``lines`` the line of the source file each sample was read from (0 when it has
    none, as for a server's answer). ``unit`` is what the source says the values are in
    (bytes, %, ...), or None when it says nothing.
    """

    name: str
    times: Floats
    values: Floats
    source: SeriesSource
    labels: Mapping[str, str] = field(default_factory=dict)
    unit: str | None = None
    lines: Lines = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        if len(self.times) != len(self.values):
            raise ValueError("a series needs one value per time")
        if len(self.lines) not in (0, len(self.times)):
            raise ValueError("a series needs one source line per time, or none")

    def __len__(self) -> int:
        return len(self.times)

    @property
    def label(self) -> str:
        """The series as people write it: ``name{key="value",...}``."""
        return series_name(self.name, self.labels)

    def instant(self, index: int) -> dt.datetime:
        """The UTC instant of sample ``index``."""
        return dt.datetime.fromtimestamp(float(self.times[index]), tz=dt.UTC)

    def line(self, index: int) -> int | None:
        """The source line of sample ``index``, or None when the source has no lines."""
        if len(self.lines) == 0:
            return None
        return int(self.lines[index]) or None


def series_name(name: str, labels: Mapping[str, str]) -> str:
    """``name{key="value",...}`` with the labels sorted, as Prometheus writes a series; the
    bare name when there are no labels."""
    if not labels:
        return name
    inner = ",".join(f'{key}="{labels[key]}"' for key in sorted(labels))
    return f"{name}{{{inner}}}"
