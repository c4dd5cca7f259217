"""Metric charts are laid out on the server: a line broken at gaps, change marks, the impact
window clipped to the series."""

from __future__ import annotations

from retroline.report.charts import HEIGHT, WIDTH, chart


def test_a_chart_breaks_its_line_at_gaps_and_places_marks_and_window():
    times = [0.0, 60.0, 120.0, 180.0, 240.0]
    values = [1.0, 2.0, None, 4.0, 5.0]
    drawn = chart(
        "mem",
        times,
        values,
        unit="bytes",
        changes=[(120.0, "gap", "e3", "mem stops reporting")],
        window=(-600.0, 180.0),
    )
    moves = [part for part in drawn.path.split() if part.startswith("M")]
    assert len(moves) == 2  # one line before the gap, one after
    assert len(drawn.path.split()) == 4  # the gap draws nothing
    left, top, right, bottom = drawn.plot
    assert drawn.marks[0].x == (left + right) / 2 and drawn.marks[0].row == "e3"
    assert drawn.window == (left, round(left + 0.75 * (right - left), 2))  # clipped at the start
    xs = [float(p[1:].split(",")[0]) for p in drawn.path.split()]
    ys = [float(p[1:].split(",")[1]) for p in drawn.path.split()]
    assert min(xs) == left and max(xs) == right
    assert max(ys) == bottom and min(ys) == top  # lowest value at the bottom
    assert (drawn.bottom, drawn.top) == ("1 B", "5 B")
    assert drawn.first == "1970-01-01 00:00" and "mem stops reporting" in drawn.label
    assert 0 < left < right <= WIDTH and 0 < top < bottom <= HEIGHT


def test_a_flat_or_empty_series_still_draws():
    flat = chart("up", [0.0, 60.0], [1.0, 1.0])
    assert flat.path.startswith("M") and "nan" not in flat.path
    empty = chart("up", [], [])
    assert empty.path == "" and empty.window is None
    outside = chart("up", [0.0, 60.0], [1.0, 2.0], window=(1000.0, 2000.0))
    assert outside.window is None
