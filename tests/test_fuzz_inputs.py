"""The fuzzer's inputs are a function of (seed, target, index): a finding replays."""

from __future__ import annotations

import contextlib
import random
import time
from pathlib import Path

import pytest
from fuzz.inputs import (
    HOST_FORMATS,
    HOST_READERS,
    METRIC_FORMATS,
    METRIC_SUFFIXES,
    _host_body,
    _metric_lines,
    docx_variant,
)
from fuzz.targets import make_hosts, make_metrics

from tests.conftest import ROOT

DOCX = ROOT / "fuzz" / "seeds" / "documents" / "object-store.docx"


def test_a_word_variant_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    data = DOCX.read_bytes()
    first = docx_variant(data, random.Random(7))
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # years later
    assert docx_variant(data, random.Random(7)) == first


@pytest.mark.parametrize("make", [make_metrics, make_hosts])
def test_an_input_is_a_function_of_its_index(make, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    first = [make(7, index) for index in range(200)]
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # years later
    again = [make(7, index) for index in range(200)]
    assert [(i.name, i.data, i.options) for i in again] == [
        (i.name, i.data, i.options) for i in first
    ]


@pytest.mark.parametrize("fmt", METRIC_FORMATS)
def test_every_metric_format_is_generated_and_read(fmt: str, tmp_path: Path) -> None:
    """The grammar makes files the readers take (not only ones they refuse): for each
    format, some of its first clean files read."""
    import retroline
    from retroline.errors import RetrolineError

    read = 0
    for index in range(40):
        rng = random.Random(index)
        lines = _metric_lines(rng, fmt, 20)
        path = tmp_path / f"m{METRIC_SUFFIXES[fmt]}"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with contextlib.suppress(RetrolineError):
            read += bool(retroline.read_metrics(path))
    assert read >= 10


@pytest.mark.parametrize("fmt", HOST_FORMATS)
def test_every_host_format_is_generated_and_read(fmt: str, tmp_path: Path) -> None:
    """The host grammar makes files its reader takes, not only ones it refuses: some of
    its first one-row files read (most rows hold a value past its range somewhere)."""
    from retroline.errors import RetrolineError
    from retroline.hosts.packages import read_packages
    from retroline.hosts.processes import read_processes
    from retroline.hosts.socket_counts import sysctl_limits
    from retroline.hosts.sockets import read_sockets

    reader = {
        "packages": read_packages,
        "sockets": read_sockets,
        "processes": read_processes,
        "settings": sysctl_limits,
    }
    read = 0
    for index in range(200):
        path = tmp_path / "host.txt"
        path.write_text("\n".join(_host_body(random.Random(index), fmt, 1)) + "\n")
        with contextlib.suppress(RetrolineError):
            reader[HOST_READERS[fmt]](path)
            read += 1
    assert read >= 5
