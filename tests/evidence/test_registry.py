"""The registry of evidence kinds: one row per kind, the one place names and suffixes are
known, and what an investigation dispatches through."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import retroline.evidence.kinds as kinds
import retroline.investigation as investigation
from retroline.evidence.kinds import BY_NAME, KINDS, Assembly, EvidenceKind, Options, classify
from retroline.store import Library
from tests.conftest import EXAMPLE


def test_one_row_per_kind_and_no_suffix_claimed_twice() -> None:
    assert [k.name for k in KINDS] == list(EvidenceKind)
    seen: dict[str, EvidenceKind] = {}
    for kind in KINDS:
        for suffix in kind.suffixes:
            assert suffix not in seen, (suffix, seen.get(suffix), kind.name)
            seen[suffix] = kind.name
    assert {k.name for k in KINDS if k.contribute} == {
        EvidenceKind.DOCUMENT,
        EvidenceKind.LOG,
        EvidenceKind.METRICS,
        EvidenceKind.PACKAGES,
        EvidenceKind.SETTINGS,
        EvidenceKind.SOCKETS,
        EvidenceKind.PROCESSES,
    }


@pytest.mark.parametrize("kind", [k for k in KINDS if k.suffixes], ids=lambda k: k.name.value)
def test_a_suffix_in_the_table_names_its_kind(tmp_path: Path, kind: kinds.Kind) -> None:
    for suffix in sorted(kind.suffixes):
        path = tmp_path / f"evidence{suffix}"
        path.write_bytes(b"some words\n")
        assert classify(path) is kind.name, suffix


def test_investigate_hands_each_kind_its_files_in_the_tables_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[EvidenceKind, list[str]]] = []

    def spy(name: EvidenceKind) -> kinds.Contribute:
        real = BY_NAME[name].contribute
        assert real is not None

        def contribute(assembly: Assembly, paths: list[Path], options: Options) -> Assembly:
            calls.append((name, sorted(p.name for p in paths)))
            return real(assembly, paths, options)

        return contribute

    table = tuple(replace(k, contribute=spy(k.name)) if k.contribute else k for k in KINDS)
    monkeypatch.setattr(investigation, "KINDS", table)
    result = investigation.investigate(
        [EXAMPLE],
        Library(f"sqlite:///{tmp_path / 'l.db'}"),
        zones={"payments-db.syslog": "Europe/Berlin"},
    )
    assert calls == [
        (EvidenceKind.DOCUMENT, ["postmortem.md"]),
        (EvidenceKind.LOG, ["pay-eu-1.log", "payments-db.syslog"]),
    ]
    assert result.onset is not None
