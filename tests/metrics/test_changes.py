"""`retroline.metrics.changes`: each kind of change found where it was planted, with its
regimes and source; limits parsed and crossed once per excursion; ranking; and no crash on
whatever values a reader hands over."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retroline.errors import UsageError
from retroline.metrics.changes import Change, Limit, find_changes, rank
from retroline.metrics.segments import inflation, noise_scale
from retroline.metrics.series import Series, SeriesSource
from retroline.sources import ZoneSource

START = 1_780_000_000.0
STEP = 60.0
SOURCE = SeriesSource("metrics/memory.csv", "csv")


def make_series(values: np.ndarray, name: str = "memory_bytes", **labels: str) -> Series:
    """A series sampled every minute, read from lines 2, 3, ... of a CSV file."""
    n = len(values)
    return Series(
        name,
        START + STEP * np.arange(n, dtype=np.float64),
        np.asarray(values, dtype=np.float64),
        SOURCE,
        labels=labels,
        lines=np.arange(2, n + 2, dtype=np.int64),
    )


@pytest.fixture
def noise() -> np.ndarray:
    """300 samples of standard normal noise (fixed seed)."""
    return np.random.default_rng(7).normal(0.0, 1.0, 300)


@pytest.fixture
def step_series(noise: np.ndarray) -> Series:
    """Level 10, then 15 from sample 150."""
    return make_series(10 + noise + np.r_[np.zeros(150), np.full(150, 5.0)])


@pytest.fixture
def leak_series(noise: np.ndarray) -> Series:
    """Flat at 100, then rising 0.2 a sample (a leak) from sample 200."""
    return make_series(100 + noise + np.r_[np.zeros(200), 0.2 * np.arange(100)])


@pytest.fixture
def variance_series(noise: np.ndarray) -> Series:
    """Mean 50 throughout; the noise five times larger from sample 150."""
    return make_series(50 + noise * np.r_[np.ones(150), np.full(150, 5.0)])


def number(regime: Mapping[str, float | None], key: str) -> float:
    """A number of a regime that must be there."""
    value = regime[key]
    assert value is not None
    return value


def test_a_step_is_a_level_change_with_its_regimes(step_series: Series) -> None:
    [change] = find_changes(step_series)
    assert change.kind == "level"
    assert abs(change.index - 150) <= 3
    assert change.at == step_series.instant(change.index)
    assert change.before["mean"] == pytest.approx(10, abs=0.5)
    assert change.after["mean"] == pytest.approx(15, abs=0.5)
    assert number(change.before, "points") + number(change.after, "points") == 300
    assert change.score > 1
    assert change.series == "memory_bytes"


def test_a_leak_is_a_trend_starting(leak_series: Series) -> None:
    [change] = find_changes(leak_series)
    assert change.kind == "trend"
    assert abs(change.index - 200) <= 5
    assert change.before["slope_per_s"] == pytest.approx(0, abs=0.2 / STEP / 10)
    assert change.after["slope_per_s"] == pytest.approx(0.2 / STEP, rel=0.2)


def test_a_trend_stopping_is_a_trend_change(noise: np.ndarray) -> None:
    y = 100 + noise + np.minimum(np.arange(300), 150) * 0.2
    [change] = find_changes(make_series(y))
    assert change.kind == "trend"
    assert abs(change.index - 150) <= 5
    assert number(change.before, "slope_per_s") > number(change.after, "slope_per_s")


def test_more_noise_is_a_variance_change(variance_series: Series) -> None:
    [change] = find_changes(variance_series)
    assert change.kind == "variance"
    assert abs(change.index - 150) <= 5
    assert number(change.after, "std") > 3 * number(change.before, "std")
    assert change.after["mean"] == pytest.approx(50, abs=1.5)


def test_a_gap_inside_the_series(noise: np.ndarray) -> None:
    y = 10 + noise
    y[100:130] = np.nan
    series = make_series(y)
    [change] = find_changes(series)
    assert (change.kind, change.index) == ("gap", 100)
    assert change.at == series.instant(100)
    assert change.after == {"seconds": 30 * STEP, "points": 30}
    assert change.before["points"] == 100
    assert change.before["mean"] == pytest.approx(10, abs=0.5)
    assert change.score == pytest.approx(30 / 5)


def test_a_nan_tail_is_the_series_stopping(noise: np.ndarray) -> None:
    y = 10 + noise
    y[250:] = np.nan
    [change] = find_changes(make_series(y))
    assert (change.kind, change.index) == ("gap", 250)
    assert change.after["points"] == 50


def test_samples_missing_from_the_times_are_a_gap(noise: np.ndarray) -> None:
    keep = np.r_[np.arange(100), np.arange(140, 300)]
    series = Series("up", START + STEP * keep, 1 + noise[keep], SOURCE)
    [change] = find_changes(series)
    assert (change.kind, change.index) == ("gap", 100)
    # No sample marks the start: the gap begins when the next sample was due.
    assert change.at == dt.datetime.fromtimestamp(START + STEP * 100, tz=dt.UTC)
    assert change.after["points"] == 40


@pytest.mark.parametrize("missing", [1, 2, 3])
def test_a_few_missed_samples_are_no_gap(noise: np.ndarray, missing: int) -> None:
    y = 10 + noise
    y[100 : 100 + missing] = np.nan
    y[-missing:] = np.nan
    assert [c for c in find_changes(make_series(y)) if c.kind == "gap"] == []


def test_a_limit_crossing_replaces_the_level_change_at_the_same_place(
    step_series: Series,
) -> None:
    [change] = find_changes(step_series, limits=[Limit.parse("memory_*>13")])
    assert change.kind == "limit"
    assert 148 <= change.index <= 152
    assert change.before["limit"] == change.after["limit"] == 13
    assert number(change.after, "value") > 13 >= number(change.before, "value")
    assert change.score > 1


def test_a_limit_is_crossed_once_per_excursion(noise: np.ndarray) -> None:
    y = 10 + 0.1 * noise + np.r_[np.zeros(100), np.full(50, 12), np.zeros(50), np.full(100, 12)]
    changes = find_changes(make_series(y), limits=[Limit.parse("memory_bytes>20")])
    crossings = [c.index for c in changes if c.kind == "limit"]
    assert crossings == [100, 200]
    assert [c.kind for c in changes] == ["limit", "level", "limit"]


def test_a_series_hovering_at_its_limit_reports_once(noise: np.ndarray) -> None:
    changes = find_changes(make_series(20 + 0.1 * noise), limits=[Limit.parse("*>20")])
    assert len([c for c in changes if c.kind == "limit"]) == 1


def test_a_series_starting_beyond_its_limit_has_not_crossed_it(noise: np.ndarray) -> None:
    assert find_changes(make_series(30 + noise), limits=[Limit.parse("*>20")]) == []


@pytest.mark.parametrize(
    ("pattern", "applies"),
    [
        ("memory_bytes", True),
        ("memory_*", True),
        ('memory_bytes{host="a"}', True),
        ('*{host="b"}', False),
        ("cpu", False),
    ],
)
def test_a_limit_matches_the_label_or_the_name(pattern: str, applies: bool) -> None:
    series = make_series(np.zeros(3), host="a")
    assert Limit(pattern, ">", 1).applies_to(series) is applies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sockets>512", Limit("sockets", ">", 512)),
        (" sockets >= 512 ", Limit("sockets", ">=", 512)),
        ("mem_*<1e9", Limit("mem_*", "<", 1e9)),
        ('up{job="api"}<=0.5', Limit('up{job="api"}', "<=", 0.5)),
        ("load>-1", Limit("load", ">", -1)),
    ],
)
def test_limits_are_parsed(text: str, expected: Limit) -> None:
    assert Limit.parse(text) == expected


@pytest.mark.parametrize(
    "text", ["", "sockets", "sockets>", ">512", "sockets>>512", "sockets=512", "x>abc", "x>nan"]
)
def test_a_limit_that_cannot_be_read_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="sockets>512"):
        Limit.parse(text)


def test_to_json_has_the_documented_keys_and_is_json(step_series: Series) -> None:
    [change] = find_changes(step_series)
    data = change.to_json()
    assert list(data) == ["series", "at", "kind", "score", "before", "after", "source"]
    assert data["at"] == step_series.instant(change.index).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert data["source"] == {
        "path": "metrics/memory.csv",
        "line": change.index + 2,
        "format": "csv",
        "zone": None,
        "zone_source": "explicit",
    }
    assert json.loads(json.dumps(data)) == data


def test_the_source_carries_query_server_and_unit() -> None:
    pulled = SeriesSource(
        "out.json",
        "prometheus-json",
        query="up",
        server="http://p:9090",
        zone="UTC",
        zone_source=ZoneSource.ASSUMED,
    )
    y = np.r_[np.zeros(50), np.ones(50)] + np.tile([0.01, -0.01], 50)
    series = Series("up", START + STEP * np.arange(100.0), y, pulled, unit="bytes")
    [change] = find_changes(series)
    assert change.source == {
        "path": "out.json",
        "line": None,
        "format": "prometheus-json",
        "zone": "UTC",
        "zone_source": "assumed",
        "query": "up",
        "server": "http://p:9090",
        "unit": "bytes",
    }


@pytest.mark.parametrize(
    "values",
    [
        np.full(300, 3.0),  # constant
        np.array([1.0, 5.0, 1.0]),  # too short
        np.full(50, np.nan),  # all gap
        np.array([]),  # empty
        np.array([np.nan, 1.0, np.inf, -np.inf, 2.0]),
    ],
    ids=["constant", "too-short", "all-nan", "empty", "infinities"],
)
def test_nothing_to_find(values: np.ndarray) -> None:
    assert find_changes(make_series(values)) == []


def test_pure_noise_has_no_change(noise: np.ndarray) -> None:
    assert find_changes(make_series(noise)) == []


def test_changes_are_in_time_order(noise: np.ndarray) -> None:
    y = 10 + noise + np.r_[np.zeros(100), np.full(100, 8.0), np.full(100, -8.0)]
    y[280:] = np.nan
    changes = find_changes(make_series(y))
    assert [c.index for c in changes] == sorted(c.index for c in changes)
    assert [c.kind for c in changes] == ["level", "level", "gap"]


def _change(minutes: float, score: float, series: str = "s") -> Change:
    return Change(
        series=series,
        at=dt.datetime(2031, 4, 1, 10, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes),
        index=0,
        kind="level",
        score=score,
        before={},
        after={},
        source={"path": "m.csv", "line": None, "format": "csv"},
    )


def test_rank_weighs_strength_against_distance_to_the_onset() -> None:
    onset = dt.datetime(2031, 4, 1, 10, 30, tzinfo=dt.UTC)
    near_weak = _change(29, 2.0, "near_weak")
    far_strong = _change(-600, 50.0, "far_strong")
    far_weak = _change(-600, 2.0, "far_weak")
    at_onset = _change(30, 5.0, "at_onset")
    ranked = rank([far_weak, near_weak, far_strong, at_onset], onset)
    assert [c.series for c in ranked] == ["at_onset", "far_strong", "near_weak", "far_weak"]


def test_rank_of_nothing_and_of_a_naive_onset() -> None:
    assert rank([], dt.datetime(2031, 4, 1)) == []
    one = _change(0, 1.0)
    assert rank([one], dt.datetime(2031, 4, 1, 10)) == [one]


def test_noise_and_inflation_of_white_and_smooth_series(noise: np.ndarray) -> None:
    assert noise_scale(noise) == pytest.approx(1.0, rel=0.2)
    assert noise_scale(np.array([1.0])) == 0.0
    assert inflation(noise) < 1.5
    assert inflation(np.cumsum(np.cumsum(noise))) == 3.0


def test_plain_noise_rarely_has_a_strong_change() -> None:
    """Noise alone gives a change scoring 2 or more (twice the penalty) in under 1% of
    series: the false alarms an investigator would see."""
    alarms = 0
    for seed in range(300):
        n = (17, 60, 246, 400)[seed % 4]
        y = np.random.default_rng(seed).normal(0.0, 1.0, n)
        alarms += any(c.score >= 2 for c in find_changes(make_series(y)))
    assert alarms <= 3


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=400),
    level=st.floats(min_value=-1e6, max_value=1e6),
    scale=st.floats(min_value=1e-3, max_value=1e3),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_where_a_series_changed_does_not_depend_on_its_unit_or_offset(
    n: int, level: float, scale: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    y = rng.normal(0.0, 1.0, n) + np.where(np.arange(n) >= n // 2, rng.uniform(0, 8), 0.0)
    plain = [(c.index, round(c.score, 6)) for c in find_changes(make_series(y))]
    moved = [(c.index, round(c.score, 6)) for c in find_changes(make_series(level + scale * y))]
    assert [i for i, _ in moved] == [i for i, _ in plain]
    assert [s for _, s in moved] == pytest.approx([s for _, s in plain], rel=1e-3)


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True, width=64),
            st.sampled_from([0.0, 1.0, 1e308, -1e308]),
        ),
        max_size=80,
    ),
    limit=st.floats(allow_nan=False, allow_infinity=False, width=32),
)
def test_any_values_give_well_formed_changes(values: list[float], limit: float) -> None:
    series = make_series(np.array(values, dtype=np.float64))
    changes = find_changes(series, limits=[Limit("*", ">", limit)])
    for change in changes:
        data = json.loads(json.dumps(change.to_json(), allow_nan=False))
        assert data["kind"] in {"level", "trend", "variance", "gap", "limit"}
        assert math.isfinite(change.score)
        assert 0 <= change.index < len(values)
    assert [c.index for c in changes] == sorted(c.index for c in changes)


# -- series as operations metrics are: spikes, counters, noise that scales with the level ---


def test_lone_spikes_are_not_changes_and_a_step_among_them_is_found() -> None:
    rng = np.random.default_rng(11)
    base = rng.normal(10.0, 1.0, 500)
    spikes = rng.random(500) < 0.02  # a latency that spikes 1 sample in 50
    spiky = np.where(spikes, base * 50, base)
    assert find_changes(make_series(spiky)) == []
    stepped = spiky + np.r_[np.zeros(300), np.full(200, 8.0)]
    [change] = find_changes(make_series(stepped))
    assert change.kind == "level" and abs(change.index - 300) <= 2


def test_a_counter_changes_where_its_rate_does_and_where_it_resets() -> None:
    rng = np.random.default_rng(5)
    increments = np.r_[rng.poisson(20, 300), rng.poisson(60, 200)]
    steady = make_series(np.cumsum(rng.poisson(20, 500)), "requests_total")
    assert find_changes(steady) == []  # a counter's wandering is not a change
    faster = find_changes(make_series(np.cumsum(increments), "requests_total"))
    [trend] = [c for c in faster if c.kind == "trend"]
    assert abs(trend.index - 300) <= 2
    assert trend.before["slope_per_s"] == pytest.approx(20 / STEP, rel=0.1)
    assert trend.after["slope_per_s"] == pytest.approx(60 / STEP, rel=0.1)
    restarted = np.r_[np.cumsum(rng.poisson(20, 250)), np.cumsum(rng.poisson(20, 250))]
    [reset] = find_changes(make_series(restarted, "requests_total"))
    assert (reset.kind, reset.index) == ("level", 250) and reset.score > 1


def test_a_level_change_of_a_series_whose_noise_scales_with_it_is_named_a_level() -> None:
    rng = np.random.default_rng(3)
    latency = rng.lognormal(3.0, 0.6, 500) * np.r_[np.ones(300), np.full(200, 2.5)]
    [change] = find_changes(make_series(latency, "latency_ms"))
    assert change.kind == "level" and abs(change.index - 300) <= 10
    assert change.after["mean"] > 2 * change.before["mean"]


def test_a_daily_cycle_is_not_a_change_and_an_outage_within_it_is() -> None:
    rng = np.random.default_rng(2)
    hours = np.arange(864) / 12.0  # three days, a sample every five minutes
    traffic = 50 + 20 * np.sin(hours / 24 * 2 * np.pi) + rng.normal(0, 3, 864)
    every5 = Series("requests", START + 300.0 * np.arange(864), traffic, SOURCE)
    assert [c for c in find_changes(every5) if c.score >= 2] == []
    traffic[400:436] -= 25  # three hours of lost traffic on the second day
    outage = Series("requests", every5.times, traffic, SOURCE)
    strong = sorted(c.index for c in find_changes(outage) if c.score >= 5)
    assert strong == [400, 436]


def test_a_burst_of_three_samples_is_kept_where_a_lone_spike_is_not() -> None:
    y = np.random.default_rng(4).normal(10.0, 1.0, 300)
    y[100] += 40  # a spike
    y[150:153] += 12  # a burst: three samples in a row
    indices = sorted(c.index for c in find_changes(make_series(y)) if c.score >= 2)
    assert indices and all(abs(i - 150) <= 3 for i in indices)
