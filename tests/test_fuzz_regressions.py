"""The inputs the fuzzer found crashing a reader (`fuzz/regressions/`), kept: each goes
through the same target as in the fuzzer (the public API) and ends in a result or a
`RetrolineError`. The fuzzer's seeds go through every target too, so the harness itself is
tested on every run. How long a reader takes is the fuzzer's check (``make fuzz``: 5 s an
input), not this test's: a machine that stalls must not fail it. Only a reader that never
returns does, cut after `HUNG` seconds so that the suite still ends.

A file in ``fuzz/regressions/<target>/`` is named ``<what>--<name>``: ``<name>`` is the name
the reader is given (its suffix matters to format detection). Options of the call (``tz``,
``year``, ``onset``, ``format``, ``limits``), if any, are in a ``.json`` file beside it. A
crash not fixed yet is listed in ``fuzz/regressions/OPEN`` and expected to fail (strictly:
once it is fixed, the test says so, and its line comes out of OPEN).
"""

from __future__ import annotations

import contextlib
import json
import warnings
from pathlib import Path

import pytest
from fuzz.targets import TARGETS, Input, seed_inputs

from tests.conftest import ROOT, never_hangs

REGRESSIONS = ROOT / "fuzz" / "regressions"
HUNG = 300  # seconds after which a reader is taken to never return (inputs take 0.1-2 s)


def _open() -> set[str]:
    path = REGRESSIONS / "OPEN"
    if not path.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return {line for line in lines if line}


def _regressions() -> list[object]:
    still_open = _open()
    cases: list[object] = []
    for folder in sorted(p for p in REGRESSIONS.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix == ".json" and path.with_suffix("").exists():
                continue
            relative = path.relative_to(REGRESSIONS).as_posix()
            marks = (
                [pytest.mark.xfail(reason="open: see fuzz/regressions/OPEN", strict=True)]
                if relative in still_open
                else []
            )
            cases.append(pytest.param(path, id=relative, marks=marks))
    return cases


def _run(item: Input, workdir: Path) -> None:
    from retroline.errors import RetrolineError

    with never_hangs(HUNG, item.describe()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a warning on a broken input is no crash
        with contextlib.suppress(RetrolineError):
            TARGETS[item.target].run(item, workdir)


@pytest.mark.parametrize("path", _regressions())
def test_an_input_that_crashed_a_reader_is_read_or_refused(path: Path, tmp_path: Path) -> None:
    options_file = path.with_name(path.name + ".json")
    options = json.loads(options_file.read_text()) if options_file.exists() else {}
    name = path.name.split("--", 1)[-1]
    _run(Input(path.parent.name, -1, name, path.read_bytes(), options, "regression"), tmp_path)


def test_every_open_crash_is_a_file() -> None:
    missing = sorted(p for p in _open() if not (REGRESSIONS / p).is_file())
    assert not missing, f"fuzz/regressions/OPEN names files that do not exist: {missing}"


@pytest.mark.parametrize(
    "item", [i for t in TARGETS for i in seed_inputs(t)], ids=lambda i: f"{i.target}/{i.name}"
)
def test_the_fuzzers_seeds_go_through_their_readers(item: Input, tmp_path: Path) -> None:
    _run(item, tmp_path)
