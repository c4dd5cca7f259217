"""`retroline stats` as a user runs it: the library's durations as distributions, as a
table, JSON and a page of small multiples; a grouping it does not know is a usage error."""

from __future__ import annotations

import json
from pathlib import Path

from retroline.store import Library
from tests.analysis.test_similar import LIBRARY
from tests.test_cli import run


def test_stats_of_the_library_in_each_form(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    library = Library(db)
    try:
        for item in LIBRARY:
            library.save(item.model_copy(update={"id": None}), key=f"k:{item.id}")
    finally:
        library.close()
    code, out, err = run("stats", "--by", "month", "--json", db=db)
    assert code == 0, err
    data = json.loads(out)
    assert data["by"] == "month" and data["incidents"] == 4
    [group] = data["groups"]
    assert group["key"] == "2031-03" and group["incidents"] == 4
    assert "mean" not in out
    page = tmp_path / "stats.html"
    code, out, err = run("stats", "--html", str(page), db=db)
    assert code == 0, err
    assert "Time to resolve" in " ".join(out.split())
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") >= 4 and "http://" not in html and "https://" not in html
    code, _, err = run("stats", "--by", "weather", db=db)
    assert code == 2 and "weather" in err and len(err.strip().splitlines()) == 1
