"""Cut a series into regimes: straight lines with their own noise, by a penalised likelihood.

Each regime is a straight line (a level, or a trend) plus Gaussian noise of its own variance,
so one cost catches a level shift, a trend starting or stopping (a leak) and a change of
variance. The cost of a segment of ``m`` points is ``m * log(rss / m + floor)``: minus twice
its log-likelihood with the variance fitted, as the "normal" cost of ruptures but around a
fitted line rather than a mean. Every sum a segment needs is a difference of cumulative sums,
so a segment costs O(1) and every split of a segment O(m) at once in numpy.

The search is binary segmentation at half the penalty, which proposes candidates fast
(O(n log n)), then an exact dynamic program over those candidates at the full penalty, which
keeps the best subset (weak or redundant cuts of the greedy pass are dropped there), then
each cut is moved to its best place between its neighbours. On the annotated TCPD series
the proposal and subset scored as well as the exact O(n^2) program over every position (half
A, at a fixed 12 ln n penalty: F1 0.845 cover 0.777 against 0.826/0.776), in 1 ms rather
than 45 ms for a thousand points (see benchmarks/tcpd_split.py and bench_metrics.py).

The constants are fixed once for every series (no per-series tuning), from these arguments:

- ``BIC_PER_LOG_N = 4``: the Bayesian information criterion charges (p + 1) ln n per change,
  p = 3 parameters a regime (level, slope, variance) plus the instant: 4 ln n.
- times ``inflation``: real metrics are often autocorrelated (a sample says less than an
  independent one would), which inflates likelihood ratios by about (1 + rho) / (1 - rho).
  rho is estimated per series, robustly, from first differences (so the estimate is the
  rule, not a setting), and the factor is capped at ``MAX_INFLATION = 3`` (rho = 0.5): a
  smooth series (rho near 1) would otherwise never be cut at all.
- ``MIN_SEGMENT = 5``: a regime is at least five points (fewer cannot tell a slope from noise,
  and five points is the matching margin change-point benchmarks allow).
- ``SPIKE_HALF = 2``, ``SPIKE_MADS = 5``: before cutting, a sample more than five robust
  deviations from the median of the five around it is taken as that median (a Hampel
  filter): spikes of one or two samples go, a burst of three or more (an incident's) stays.
  Latency, CPU and error series of real systems carry such spikes, and the Gaussian cost
  would cut around each; five deviations (not Hampel's usual three) keeps the filter to
  spikes. Chosen on synthetic operations series (1 in 50 samples spiking: 13 changes a
  series on average without it, 0.1 with it), then run once on TCPD, where it moved the
  totals by less than 0.01.
- ``SEASON_DAYS = 2``, ``SEASON_BINS = 48``, ``SEASON_SHARE = 0.3``: a series of two days
  or more, sampled at least every half hour, whose daily cycle (the median by half hour of
  the day of its deviation from the day around it) carries 30% or more of that deviation's
  variance, is cut with the cycle taken out: request counts and CPU rise and fall with the
  day, and a piecewise line would cut every rise (11 false changes in three days of a
  synthetic daily cycle, 0.25 with it). TCPD has no series it applies to.
- ``FLOOR = 0.1``: a segment's variance is counted as at least (0.1 x the noise of the whole
  series)^2, the noise taken robustly as the MAD of first differences / sqrt 2; without it a
  run of equal values (a stuck counter) has a cost of minus infinity and attracts cuts.

Checked on half A of TCPD only (benchmarks/tcpd_split.py): 3 or 4 ln n times caps of 3 to 8
(4 with a cap of 3 or 4 best, and tied), floors of 0.01 to 0.3 and minimum segments of 3
to 8 (flat within 0.03). A fixed 12 ln n without the per-series factor scored 0.842/0.777.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "BIC_PER_LOG_N",
    "MAX_INFLATION",
    "MIN_SEGMENT",
    "Cut",
    "Fit",
    "fit_line",
    "inflation",
    "noise_scale",
    "segment",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

BIC_PER_LOG_N = 4.0
MAX_INFLATION = 3.0
MIN_SEGMENT = 5
FLOOR = 0.1
SPIKE_HALF = 2
SPIKE_MADS = 5.0
DAY = 86400.0
SEASON_DAYS = 2
SEASON_BINS = 48
SEASON_SHARE = 0.3
# Binary segmentation proposes at this fraction of the penalty; the exact pass then decides.
PROPOSE_FRACTION = 0.5
# Rounds of moving each cut to its best place given its neighbours (usually one or two).
REFINE_ROUNDS = 3


def noise_scale(values: Floats) -> float:
    """A robust standard deviation of the noise: the MAD of first differences over sqrt 2.

    Differences cancel levels and trends, so a step or a leak does not inflate it the way
    the plain standard deviation would. Falls back to the standard deviation of the
    differences (a series mostly flat, whose MAD is 0), then to 0.
    """
    diffs = np.diff(values)
    if len(diffs) == 0:
        return 0.0
    mad = float(np.median(np.abs(diffs - np.median(diffs))))
    if mad > 0:
        return 1.4826 * mad / np.sqrt(2.0)
    return float(np.std(diffs)) / np.sqrt(2.0)


class _Sums:
    """Cumulative sums of 1, t, t^2, y, t*y, y^2: any segment's line fit in O(1)."""

    def __init__(self, t: Floats, y: Floats) -> None:
        def cum(a: Floats) -> Floats:
            return np.concatenate([np.zeros(1), np.cumsum(a)])

        self.n = cum(np.ones_like(t))
        self.t = cum(t)
        self.tt = cum(t * t)
        self.y = cum(y)
        self.ty = cum(t * y)
        self.yy = cum(y * y)

    def rss(self, start: Ints, end: Ints) -> tuple[Floats, Floats]:
        """Point counts and residual sums of squares of the line fits of ``[start, end)``."""
        m = self.n[end] - self.n[start]
        st = self.t[end] - self.t[start]
        sy = self.y[end] - self.y[start]
        vtt = self.tt[end] - self.tt[start] - st * st / m
        vty = self.ty[end] - self.ty[start] - st * sy / m
        vyy = self.yy[end] - self.yy[start] - sy * sy / m
        safe = np.where(vtt > 0, vtt, 1.0)
        explained = np.where(vtt > 0, vty * vty / safe, 0.0)
        return m, np.maximum(vyy - explained, 0.0)


class _Cost:
    """The segment cost ``m log(rss / m + floor)`` over one standardised series."""

    def __init__(self, t: Floats, y: Floats, floor: float) -> None:
        self.sums = _Sums(t, y)
        self.floor = floor

    def __call__(self, start: Ints, end: Ints) -> Floats:
        m, rss = self.sums.rss(start, end)
        result: Floats = m * np.log(rss / m + self.floor)
        return result


def _binary(cost: _Cost, n: int, penalty: float) -> list[int]:
    """Greedy binary segmentation: split where the cost drops most, while it drops more
    than ``penalty``."""
    found: list[int] = []
    todo = [(0, n)]
    while todo:
        start, end = todo.pop()
        cuts = np.arange(start + MIN_SEGMENT, end - MIN_SEGMENT + 1)
        if len(cuts) == 0:
            continue
        split = cost(np.full(len(cuts), start), cuts) + cost(cuts, np.full(len(cuts), end))
        best = int(np.argmin(split))
        whole = float(cost(np.array([start]), np.array([end]))[0])
        if whole - float(split[best]) > penalty:
            cut = int(cuts[best])
            found.append(cut)
            todo += [(start, cut), (cut, end)]
    return sorted(found)


def _exact(cost: _Cost, n: int, candidates: list[int], penalty: float) -> list[int]:
    """The best subset of ``candidates`` by the penalised cost (optimal partitioning)."""
    points = np.array([0, *candidates, n], dtype=np.int64)
    best = np.full(len(points), np.inf)
    best[0] = -penalty
    previous = np.zeros(len(points), dtype=np.int64)
    for j in range(1, len(points)):
        before = np.flatnonzero(points[j] - points[:j] >= MIN_SEGMENT)
        totals = best[before] + cost(points[before], np.full(len(before), points[j])) + penalty
        k = int(np.argmin(totals))
        best[j] = totals[k]
        previous[j] = before[k]
    cuts: list[int] = []
    j = len(points) - 1
    while j > 0:
        j = int(previous[j])
        if j > 0:
            cuts.append(int(points[j]))
    return sorted(cuts)


@dataclass(frozen=True)
class Cut:
    """Where a new regime starts (``index`` into the samples given), what changed there most
    (``kind``: level, trend or variance) and ``score``, the likelihood gained by the cut over
    the penalty (1 is just significant; it can fall below 1 once the neighbouring cuts are
    taken into account)."""

    index: int
    kind: str
    score: float


def _refine(cost: _Cost, n: int, cuts: list[int]) -> list[int]:
    """Each cut moved to its best place between its neighbours, in turn, until none moves
    (at most a few rounds). Binary segmentation places a cut as if it were the only one in
    its stretch: the start of a leak late in a stretch with an earlier step lands early."""
    cuts = list(cuts)
    for _ in range(REFINE_ROUNDS):
        moved = False
        for i in range(len(cuts)):
            start = cuts[i - 1] if i else 0
            end = cuts[i + 1] if i + 1 < len(cuts) else n
            places = np.arange(start + MIN_SEGMENT, end - MIN_SEGMENT + 1)
            if len(places) == 0:
                continue
            split = cost(np.full(len(places), start), places) + cost(
                places, np.full(len(places), end)
            )
            best = int(places[int(np.argmin(split))])
            moved = moved or best != cuts[i]
            cuts[i] = best
        if not moved:
            break
    return cuts


def segment(t: Floats, y: Floats) -> list[Cut]:
    """The cuts between regimes of finite samples ``y`` at times ``t``, in order.

    >>> t = np.arange(40.0)
    >>> [cut.index for cut in segment(t, np.r_[np.zeros(20), np.ones(20)] + np.tile([0.01, -0.01], 20))]
    [20]
    """
    n = len(y)
    if n < 2 * MIN_SEGMENT:
        return []
    y = deseasoned(t, despiked(y))
    spread = float(np.std(y))
    if not np.isfinite(spread) or spread == 0:
        return []
    # Standardise, so that sums of squares stay well inside float64 whatever the unit.
    z = (y - float(np.median(y))) / spread
    span = float(t[-1] - t[0]) or 1.0
    tt = (t - t[0]) / span
    floor = (FLOOR * (noise_scale(z) or 1.0)) ** 2
    cost = _Cost(tt, z, floor)
    penalty = _penalty(z, n)
    cuts = _refine(cost, n, _exact(cost, n, _binary(cost, n, PROPOSE_FRACTION * penalty), penalty))
    bounds = [0, *cuts, n]
    found = []
    for i, cut in enumerate(cuts):
        start, end = bounds[i], bounds[i + 2]
        kind, gain = _kind(tt[start:end], z[start:end], cut - start, floor)
        found.append(Cut(cut, kind, gain / penalty))
    return found


def despiked(y: Floats) -> Floats:
    """``y`` with isolated spikes replaced by the median around them (a Hampel filter):
    a sample more than `SPIKE_MADS` robust deviations from the median of the
    2 x `SPIKE_HALF` + 1 samples around it. A spike is a sample or two, not a regime; a step
    keeps the median of its side, so steps, trends and noisier stretches stay as they are.
    A window with no spread (a counter of errors at zero) is left alone."""
    n = len(y)
    if n < 2 * SPIKE_HALF + 1:
        return y
    padded = np.pad(y, SPIKE_HALF, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * SPIKE_HALF + 1)
    med = np.median(windows, axis=1)
    mad = np.median(np.abs(windows - med[:, None]), axis=1) * 1.4826
    # Five samples give a jumpy deviation: never less than the series' own noise, so
    # plain noise is not clipped into stretches that look calmer than they are.
    scale = np.maximum(mad, noise_scale(y))
    far = (np.abs(y - med) > SPIKE_MADS * scale) & (mad > 0)
    return np.where(far, med, y)


def deseasoned(t: Floats, y: Floats) -> Floats:
    """``y`` without its daily cycle, when it has a strong one: traffic, CPU and request
    counts rise and fall with the hours of the day, and a piecewise-linear model would cut
    every rise and fall. The cycle is the median, over the days, of each half hour's
    deviation from the median of the day around it; it is taken out only when the series spans
    `SEASON_DAYS` days or more, is sampled many times a day, and the cycle carries at least
    `SEASON_SHARE` of the variance left around that day-long median."""
    n = len(y)
    if n < 2 * MIN_SEGMENT:
        return y
    span = float(t[-1] - t[0])
    step = float(np.median(np.diff(t)))
    if span < SEASON_DAYS * DAY or not 0 < step <= DAY / SEASON_BINS:
        return y
    half = round(DAY / step) // 2
    if 2 * half >= n:
        return y  # irregular times: the usual step says more samples a day than there are
    # The median of the day around each sample, taken at one sample in `SEASON_BINS`-th of
    # a day and interpolated between: a long series costs n / bins windows, not n.
    every = max(1, (2 * half) // SEASON_BINS)
    centres = np.arange(0, n, every)
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(y, half, mode="edge"), 2 * half + 1)
    medians = np.median(windows[centres], axis=1)
    around = y - np.interp(np.arange(n), centres, medians)
    bins = np.floor((t % DAY) / DAY * SEASON_BINS).astype(np.int64)
    profile = np.zeros(SEASON_BINS)
    for b in range(SEASON_BINS):
        mine = around[bins == b]
        if len(mine):
            profile[b] = float(np.median(mine))
    cycle = profile[bins] - float(np.mean(profile[bins]))
    if float(np.var(cycle)) < SEASON_SHARE * float(np.var(around)):
        return y
    return y - cycle


def _penalty(z: Floats, n: int) -> float:
    """The price of one more cut, in units of minus twice the log-likelihood: the BIC's
    ``BIC_PER_LOG_N * ln n``, times the variance inflation of autocorrelated noise."""
    return BIC_PER_LOG_N * inflation(z) * float(np.log(n))


def inflation(z: Floats) -> float:
    """How much autocorrelated noise inflates likelihood ratios: (1 + rho) / (1 - rho),
    between 1 and `MAX_INFLATION`, for the lag-1 autocorrelation rho of the noise.

    rho is read off first differences, which cancel levels and trends: for AR(1) noise the
    differences have lag-1 correlation r = (rho - 1) / 2, so rho = 1 + 2 r. r is the robust
    (Gnanadesikan-Kettenring) correlation of consecutive differences, from the MADs of
    their sums and differences, so the few large differences at real changes do not count.
    """
    d = np.diff(z)
    if len(d) < 3:
        return MAX_INFLATION
    plus = _mad(d[:-1] + d[1:]) ** 2
    minus = _mad(d[:-1] - d[1:]) ** 2
    if plus + minus == 0:
        return MAX_INFLATION
    rho = 1.0 + 2.0 * (plus - minus) / (plus + minus)
    if rho >= 1.0:
        return MAX_INFLATION
    return float(np.clip((1.0 + rho) / (1.0 - rho), 1.0, MAX_INFLATION))


def _mad(x: Floats) -> float:
    """The median absolute deviation from the median."""
    return float(np.median(np.abs(x - np.median(x))))


def _kind(t: Floats, y: Floats, cut: int, floor: float) -> tuple[str, float]:
    """What changed at ``cut`` between the two regimes around it, and the likelihood gained.

    The gain of the full change (two lines, two variances) over one line is split by asking
    what each part alone buys: a step in the line (level), a kink in it (trend), or two
    variances around the two lines rather than one (variance). The largest part names it.
    """
    m = len(y)
    after = np.arange(m) >= cut
    one = np.ones(m)
    step = after.astype(float)
    hinge = np.maximum(t - t[cut], 0.0)

    def cost(rss: float, points: int) -> float:
        return points * float(np.log(rss / points + floor))

    def rss(*columns: Floats) -> float:
        design = np.column_stack(columns)
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        residual = y - design @ coef
        return float(np.dot(residual, residual))

    right = _line_rss(t[cut:], y[cut:])
    left = _line_rss(t[:cut], y[:cut])
    single = cost(rss(one, t), m)
    parts = {
        "level": single - cost(rss(one, t, step), m),
        "trend": single - cost(rss(one, t, hinge), m),
        "variance": cost(left + right, m) - cost(left, cut) - cost(right, m - cut),
    }
    total = single - cost(left, cut) - cost(right, m - cut)
    return max(parts, key=lambda k: parts[k]), total


def _line_rss(t: Floats, y: Floats) -> float:
    """The residual sum of squares of the least-squares line of ``y`` over ``t``."""
    fit = fit_line(t, y)
    return fit.std * fit.std * fit.points


@dataclass(frozen=True)
class Fit:
    """A regime summarised: mean, slope per second, residual standard deviation, points."""

    mean: float
    slope_per_s: float
    std: float
    points: int

    def to_json(self) -> dict[str, float | None]:
        """The fit as JSON numbers (rounded to 6 significant digits)."""
        return {
            "mean": _round(self.mean),
            "slope_per_s": _round(self.slope_per_s),
            "std": _round(self.std),
            "points": self.points,
        }


def fit_line(t: Floats, y: Floats) -> Fit:
    """The least-squares line of ``y`` over ``t`` (seconds), summarised as a `Fit`."""
    m = len(y)
    if m == 0:
        return Fit(float("nan"), 0.0, 0.0, 0)
    mean = float(np.mean(y))
    tc = t - float(np.mean(t))
    vtt = float(np.dot(tc, tc))
    slope = float(np.dot(tc, y - mean)) / vtt if vtt > 0 else 0.0
    residual = y - mean - slope * tc
    return Fit(mean, slope, float(np.sqrt(np.mean(residual * residual))), m)


def _round(x: float) -> float | None:
    """Six significant digits: enough to read, short in JSON; None for no number."""
    return float(f"{x:.6g}") if np.isfinite(x) else None
