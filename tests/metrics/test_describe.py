"""A metric change in words: amounts in the series' unit, rates at a readable time scale."""

from __future__ import annotations

import math

import pytest

from retroline.metrics.describe import amount, rate, sentence

MIB = 2**20


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (182 * MIB, "bytes", "182 MiB"),
        (1.5 * 2**30, "bytes", "1.5 GiB"),
        (512, "bytes", "512 B"),
        (-3 * MIB, "bytes", "-3 MiB"),
        (93.5, "%", "93.5%"),
        (539, None, "539"),
        (1_250_000, "requests", "1.25M requests"),
        (0.004, "seconds", "0.004 seconds"),
        (None, None, "no value"),
        (math.nan, "bytes", "no value"),
    ],
)
def test_amount_in_the_unit_at_a_readable_scale(value, unit, text):
    assert amount(value, unit) == text


def test_rate_takes_the_first_time_scale_that_reads_as_one_unit_or_more():
    assert rate(7.5 * MIB / 60, "bytes") == "7.5 MiB/min"
    assert rate(2.0, None) == "120/min"
    assert rate(3 / 3600, None) == "3/h"
    assert rate(1 / 86400 / 10, None) == "0.1/day"


def test_sentences_say_what_changed():
    leak = sentence(
        "relayd RSS", "trend", {"slope_per_s": 0.0}, {"slope_per_s": 40 * MIB / 60}, "bytes"
    )
    assert leak == "relayd RSS starts rising at 40 MiB/min"
    stop = sentence("queue", "trend", {"slope_per_s": 2.0}, {"slope_per_s": 0.0})
    assert stop == "queue stops rising (was 120/min)"
    drop = sentence("sockets", "level", {"mean": 540.0}, {"mean": 40.0})
    assert drop == "sockets drops from 540 to 40"
    jump = sentence("latency", "level", {"mean": 0.3}, {"mean": 9.0}, "seconds")
    assert jump == "latency jumps from 0.3 seconds to 9 seconds"
    gap = sentence("up", "gap", {}, {"seconds": 540.0})
    assert gap == "up stops reporting for 9 min"
    limit = sentence("sockets", "limit", {"mean": 400.0}, {"limit": 512.0, "mean": 539.0})
    assert limit == "sockets crosses its limit 512: 539"
    noisy = sentence("cpu", "variance", {"std": 1.0}, {"std": 12.0}, "%")
    assert noisy == "cpu becomes more variable (spread 1% -> 12%)"
