"""A metric change in words: "stompclt RSS starts rising at 40 MiB/min", as a timeline entry
says it, with amounts written in the series' unit at a scale people read."""

from __future__ import annotations

import math
from collections.abc import Mapping

__all__ = ["amount", "rate", "sentence"]

_BYTES = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))
# Per minute, hour or day: the first at which the rate reads as at least one unit. A
# minute is the scale of dashboards and of most scrape intervals.
_PER = (("min", 60.0), ("h", 3600.0), ("day", 86400.0))


def _number(value: float) -> str:
    """Three significant digits, no exponent for everyday sizes."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def amount(value: float | None, unit: str | None) -> str:
    """``value`` in ``unit`` as people write it: bytes in binary multiples (``41.2 MiB``),
    large plain numbers with a metric prefix (``1.2M``), percentages with ``%``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no value"
    if unit in ("bytes", "byte", "B"):
        size, step = abs(value), 0
        while size >= 1024 and step < len(_BYTES) - 1:
            size, step = size / 1024, step + 1
        return f"{'-' if value < 0 else ''}{_number(size)} {_BYTES[step]}"
    if unit in ("%", "percent"):
        return f"{_number(value)}%"
    text = _number(value)
    for scale, prefix in _SI:
        if abs(value) >= scale:
            text = f"{_number(value / scale)}{prefix}"
            break
    return f"{text} {unit}" if unit else text


def rate(per_second: float, unit: str | None) -> str:
    """A slope per second at the first time scale (minute, hour, day) where it reads as
    one unit or more: ``40 MiB/min``, ``3.2/h``."""
    for name, seconds in _PER:
        if abs(per_second * seconds) >= 1 or name == _PER[-1][0]:
            return f"{amount(per_second * seconds, unit)}/{name}"
    raise AssertionError("unreachable: the last scale is always taken")


def _get(regime: Mapping[str, float | None], key: str) -> float | None:
    value = regime.get(key)
    return None if value is None or not math.isfinite(value) else float(value)


def sentence(
    name: str,
    kind: str,
    before: Mapping[str, float | None],
    after: Mapping[str, float | None],
    unit: str | None = None,
) -> str:
    """The change as one sentence, from its kind and the regimes before and after it."""
    mean_before, mean_after = _get(before, "mean"), _get(after, "mean")
    if kind == "trend":
        slope_before = _get(before, "slope_per_s") or 0.0
        slope_after = _get(after, "slope_per_s") or 0.0
        if abs(slope_after) > abs(slope_before):
            verb = "rising" if slope_after > 0 else "falling"
            return f"{name} starts {verb} at {rate(abs(slope_after), unit)}"
        verb = "rising" if slope_before > 0 else "falling"
        return f"{name} stops {verb} (was {rate(abs(slope_before), unit)})"
    if kind == "gap":
        seconds = _get(after, "seconds")
        lasting = f" for {_duration(seconds)}" if seconds else ""
        return f"{name} stops reporting{lasting}"
    if kind == "limit":
        limit = after.get("limit")
        value = amount(mean_after if mean_after is not None else _get(after, "value"), unit)
        return f"{name} crosses its limit {amount(limit, unit)}: {value}"
    if kind == "variance":
        spread_before, spread_after = _get(before, "std"), _get(after, "std")
        if spread_before is not None and spread_after is not None:
            how = "more" if spread_after > spread_before else "less"
            spread = f"{amount(spread_before, unit)} -> {amount(spread_after, unit)}"
            return f"{name} becomes {how} variable (spread {spread})"
        return f"{name} changes its variability"
    if mean_before is not None and mean_after is not None:
        verb = "jumps" if mean_after > mean_before else "drops"
        return f"{name} {verb} from {amount(mean_before, unit)} to {amount(mean_after, unit)}"
    return f"{name} changes"


def _duration(seconds: float) -> str:
    """``90 s``, ``12 min``, ``3.5 h``, ``2 days``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} days"
