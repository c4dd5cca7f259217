"""Package drift between hosts: newer, older and one-sided packages against a reference,
versions ordered by each ecosystem's rules, families grouped, the finding sentence, the
JSON and the terminal table."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from retroline.errors import UsageError
from retroline.hosts import drift as module
from retroline.hosts.drift import Kind, drift, drift_table, family_stem, finding_text
from retroline.hosts.packages import Inventory, Package, read_packages
from retroline.hosts.versions import Ecosystem


def inventory(host: str, *packages: str, ecosystem: str = "rpm", fmt: str = "rpm") -> Inventory:
    """An inventory of ``name=version`` (or ``name=version=arch``) packages, lines from 1."""
    made = []
    for line, spec in enumerate(packages, 1):
        name, version, *arch = spec.split("=")
        made.append(Package(name, version, arch[0] if arch else None, ecosystem, line))
    return Inventory(host, "option", f"{host}.txt", fmt, made)


@pytest.fixture
def good() -> Inventory:
    """The host that works."""
    return inventory(
        "psds-itb1",
        "condor-cron=1.1.2-1.osg",
        "rsv=3.14-1",
        "postgresql=9.4.8-1",
        "bash=4.2.46-34",
        "gone=1.0-1",
    )


@pytest.fixture
def bad() -> Inventory:
    """The host that fails: three packages behind, one ahead, one extra, one missing."""
    return inventory(
        "psds0",
        "condor-cron=1.1.1-1.osg",
        "rsv=3.13-1",
        "postgresql=9.4.6-1",
        "bash=4.2.46-35",
        "extra=2.0-1",
    )


def test_all_names_the_public_api() -> None:
    defined = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    }
    assert set(module.__all__) == defined | {"EVENT_FORMATS"}


def test_kinds_against_the_reference(good: Inventory, bad: Inventory) -> None:
    found = drift([good, bad])
    assert found.hosts == ["psds-itb1", "psds0"]
    assert found.reference == "psds-itb1"
    assert found.same == 0
    kinds = {d.name: d.kind for d in found.differences}
    assert kinds == {
        "condor-cron": Kind.OLDER,
        "rsv": Kind.OLDER,
        "postgresql": Kind.OLDER,
        "bash": Kind.NEWER,
        "gone": Kind.MISSING,
        "extra": Kind.ONLY,
    }
    extra = next(d for d in found.differences if d.name == "extra")
    assert extra.versions == {"psds-itb1": None, "psds0": "2.0-1"}
    assert extra.lines == {"psds-itb1": None, "psds0": 5}
    rsv = next(d for d in found.differences if d.name == "rsv")
    assert rsv.lines == {"psds-itb1": 2, "psds0": 2}


def test_reference_turns_the_kinds_around(good: Inventory, bad: Inventory) -> None:
    found = drift([good, bad], reference="psds0")
    kinds = {d.name: d.kind for d in found.differences}
    assert kinds["rsv"] is Kind.NEWER
    assert kinds["bash"] is Kind.OLDER
    assert kinds["gone"] is Kind.ONLY
    assert kinds["extra"] is Kind.MISSING


def test_equal_packages_are_counted_not_listed() -> None:
    found = drift([inventory("a", "x=1.0-1", "y=2-1"), inventory("b", "y=2-1", "x=1.0-1")])
    assert found.same == 2
    assert found.groups == []


@pytest.mark.parametrize(
    ("ecosystem", "reference", "other", "kind"),
    [
        ("deb", "1.0", "1.0~rc1", Kind.OLDER),  # a tilde sorts before the release
        ("rpm", "1.0-1", "1.0~rc1-1", Kind.OLDER),
        ("rpm", "1:1.0-1", "2.0-1", Kind.OLDER),  # the epoch decides first
        ("deb", "1:0.9-1", "2.0-1", Kind.OLDER),
        ("deb", "2.4.1-3", "2.4.1-3+deb12u1", Kind.NEWER),
        ("rpm", "1.10-1", "1.9-1", Kind.OLDER),  # numbers, not text
        ("python", "1.0", "1.0.0", None),  # equal in the ecosystem's order
        ("apk", "1.2.3-r0", "1.2.3-r1", Kind.NEWER),
    ],
)
def test_versions_ordered_by_the_ecosystem(
    ecosystem: str, reference: str, other: str, kind: Kind | None
) -> None:
    found = drift(
        [
            inventory("a", f"p={reference}", ecosystem=ecosystem),
            inventory("b", f"p={other}", ecosystem=ecosystem),
        ]
    )
    assert [d.kind for d in found.differences] == ([kind] if kind else [])
    assert found.same == (0 if kind else 1)


def test_the_same_name_under_two_ecosystems_is_never_compared() -> None:
    rpm = Package("requests", "2.0", None, "rpm", 1)
    wheel = Package("requests", "2.31.0", None, "python", 2)
    found = drift(
        [
            Inventory("a", "option", "a.txt", "rpm", [rpm, wheel]),
            Inventory("b", "option", "b.txt", "rpm", [rpm]),
        ]
    )
    assert found.same == 1
    [only] = found.differences
    assert (only.ecosystem, only.kind) == (Ecosystem.PYTHON, Kind.MISSING)


def test_python_names_are_normalised() -> None:
    a = inventory("a", "Foo_Bar=1.0", ecosystem="python", fmt="pip-freeze")
    b = inventory("b", "foo-bar=1.1", ecosystem="python", fmt="pip-freeze")
    [difference] = drift([a, b]).differences
    assert (difference.name, difference.kind) == ("Foo_Bar", Kind.NEWER)


def test_kernels_side_by_side_compare_their_newest() -> None:
    good = inventory("good", "kernel=3.10.0-1160.el7", "kernel=3.10.0-957.el7")
    bad = inventory(
        "bad", "kernel=3.10.0-862.el7", "kernel=3.10.0-1062.el7", "kernel=3.10.0-957.el7"
    )
    [kernel] = drift([good, bad]).differences
    assert kernel.versions == {"good": "3.10.0-1160.el7", "bad": "3.10.0-1062.el7"}
    assert kernel.lines == {"good": 1, "bad": 2}
    assert kernel.installed["bad"] == ("3.10.0-1062.el7", "3.10.0-957.el7", "3.10.0-862.el7")
    assert kernel.kind is Kind.OLDER
    assert finding_text(drift([good, bad]), "good", "bad") == (
        "bad lags good on 1 package: kernel 3.10.0-1062.el7 < 3.10.0-1160.el7 "
        "(newest of 3 on bad, of 2 on good)"
    )


def test_multi_arch_at_one_version_is_one_version() -> None:
    good = inventory("good", "glibc=2.17-317=x86_64", "glibc=2.17-317=i686")
    bad = inventory("bad", "glibc=2.17-326=x86_64", "glibc=2.17-317=i686")
    [glibc] = drift([good, bad]).differences
    assert glibc.installed == {"good": ("2.17-317",), "bad": ("2.17-326", "2.17-317")}
    assert glibc.kind is Kind.NEWER
    text = finding_text(drift([good, bad]), "good", "bad")
    assert (
        text == "bad is ahead of good on 1 package: glibc 2.17-326 > 2.17-317 (newest of 2 on bad)"
    )


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("condor", "condor"),
        ("condor-classads", "condor"),
        ("condor-cron", "condor"),
        ("python3-requests", "python3-requests"),
        ("python3-requests-oauthlib", "python3-requests"),
        ("perl-Carp", "perl-Carp"),
        ("python3", "python3"),
        ("libfoo-dev", "libfoo"),
        ("lib-x", "lib-x"),
    ],
)
def test_family_stem(name: str, stem: str) -> None:
    assert family_stem(name) == stem


def test_families_share_a_stem_and_a_change() -> None:
    good = inventory(
        "good",
        "condor=8.4.9-1",
        "condor-classads=8.4.9-1",
        "condor-python=8.4.9-1",
        "condor-cron=1.1.2-1",
        "python3-foo=1.1-1",
        "python3-bar=1.1-1",
        "python3=3.6.8-19",
        "python3-libs=3.6.8-19",
    )
    bad = inventory(
        "bad",
        "condor=8.4.8-1",
        "condor-classads=8.4.8-1",
        "condor-python=8.4.8-1",
        "condor-cron=1.1.1-1",
        "python3-foo=1.0-1",
        "python3-bar=1.0-1",
        "python3=3.6.8-18",
        "python3-libs=3.6.8-18",
    )
    groups = {g.family: sorted(d.name for d in g.differences) for g in drift([good, bad]).groups}
    assert groups == {
        "condor": ["condor", "condor-classads", "condor-python"],
        "condor-cron": ["condor-cron"],  # another change: not the condor family
        "python3": ["python3", "python3-libs"],  # anchored by the python3 package
        "python3-bar": ["python3-bar"],  # "python3-" alone makes no family
        "python3-foo": ["python3-foo"],
    }


def test_a_family_without_its_base_package() -> None:
    good = inventory("good", "condor-classads=8.4.9-1", "condor-python=8.4.9-1")
    bad = inventory("bad", "condor-classads=8.4.8-1", "condor-python=8.4.8-1")
    found = drift([good, bad])
    assert [g.family for g in found.groups] == ["condor"]
    assert finding_text(found, "good", "bad") == (
        "bad lags good on 2 packages: condor (2 packages) 8.4.8-1 < 8.4.9-1"
    )


def test_the_finding_sentence(good: Inventory, bad: Inventory) -> None:
    found = drift([good, bad])
    assert finding_text(found, "psds-itb1", "psds0") == (
        "psds0 lags psds-itb1 on 3 packages: condor-cron 1.1.1-1.osg < 1.1.2-1.osg, "
        "postgresql 9.4.6-1 < 9.4.8-1, rsv 3.13-1 < 3.14-1; "
        "is ahead of psds-itb1 on 1 package: bash 4.2.46-35 > 4.2.46-34; "
        "1 package only on psds0: extra 2.0-1; 1 package only on psds-itb1: gone 1.0-1"
    )
    assert finding_text(found, "psds-itb1", "psds0", limit=1).startswith(
        "psds0 lags psds-itb1 on 3 packages: condor-cron 1.1.1-1.osg < 1.1.2-1.osg and 2 more; "
    )


def test_the_finding_sentence_without_lags() -> None:
    found = drift([inventory("a", "x=1-1"), inventory("b", "x=1-1", "y=2-1")])
    assert finding_text(found, "a", "b") == "1 package only on b: y 2-1"
    same = drift([inventory("a", "x=1-1"), inventory("b", "x=1-1")])
    assert finding_text(same, "a", "b") == "b has the same 1 package as a"


def test_the_finding_sentence_is_inert() -> None:
    found = drift([inventory("a", "x=1-1"), inventory("b", "x\x1b[2J=2-1")])
    assert "\x1b" not in finding_text(found, "a", "b")
    assert "x\\x1b[2J" in finding_text(found, "a", "b")


def test_three_hosts() -> None:
    a = inventory("a", "x=2-1", "y=1-1", "z=1-1", "w=1-1")
    b = inventory("b", "x=1-1", "y=1-1", "z=1-1")
    c = inventory("c", "x=3-1", "y=1-1", "z=2-1", "w=1-1")
    found = drift([a, b, c])
    assert found.same == 1
    by_name = {d.name: d for d in found.differences}
    assert by_name["x"].kinds == {"b": Kind.OLDER, "c": Kind.NEWER}
    assert by_name["x"].kind is Kind.MIXED
    assert by_name["z"].kinds == {"c": Kind.NEWER}
    assert by_name["w"].kinds == {"b": Kind.MISSING}
    # Any pair can be told, not only against the reference.
    assert finding_text(found, "b", "c") == (
        "c is ahead of b on 2 packages: x 3-1 > 1-1, z 2-1 > 1-1; 1 package only on c: w 1-1"
    )
    assert finding_text(found, "a", "c").startswith("c is ahead of a on 2 packages")


def test_to_json(good: Inventory, bad: Inventory) -> None:
    data = drift([good, bad]).to_json()
    assert set(data) == {"hosts", "reference", "same", "different", "groups"}
    assert data["different"] == 6
    group = data["groups"][0]
    assert set(group) == {"family", "ecosystem", "kind", "packages", "differences"}
    assert group["differences"][0] == {
        "name": "condor-cron",
        "ecosystem": "rpm",
        "kind": "older",
        "kinds": {"psds0": "older"},
        "versions": {"psds-itb1": "1.1.2-1.osg", "psds0": "1.1.1-1.osg"},
        "lines": {"psds-itb1": 1, "psds0": 1},
        "installed": {"psds-itb1": ["1.1.2-1.osg"], "psds0": ["1.1.1-1.osg"]},
    }
    assert [g["kind"] for g in data["groups"]] == [
        "older",
        "older",
        "older",
        "newer",
        "missing",
        "only",
    ]


def test_table_shows_every_difference_inert(good: Inventory) -> None:
    bad = inventory("bad\x1b]0;t\x07", "rsv=3.13-1", "evil\u202e=1-1")
    console = Console(width=160, record=True, color_system=None)
    console.print(drift_table(drift([good, bad])))
    out = console.export_text()
    assert "\x1b" not in out and "\u202e" not in out
    assert "evil\\u202e" in out and "bad\\x1b]0;t\\x07" in out
    assert "psds-itb1 (reference)" in out
    rows = {line.split("│")[2].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert "3.13-1" in rows["rsv"] and "older" in rows["rsv"]
    assert "missing" in rows["postgresql"] and "only" in rows["evil\\u202e"]


def test_read_from_files(tmp_path: Path) -> None:
    good_path = tmp_path / "web01-dpkg.txt"
    good_path.write_text(
        "ii  openssl  1.1.1n-0+deb11u4  amd64  Secure Sockets Layer toolkit\n"
        "ii  curl     7.74.0-1.3+deb11u7  amd64  command line tool\n",
        encoding="utf-8",
    )
    bad_path = tmp_path / "web02-dpkg.txt"
    bad_path.write_text(
        "ii  openssl  1.1.1n-0+deb11u4~rc1  amd64  Secure Sockets Layer toolkit\n"
        "ii  curl     7.74.0-1.3+deb11u7  amd64  command line tool\n",
        encoding="utf-8",
    )
    found = drift([read_packages(good_path), read_packages(bad_path)])
    assert found.hosts == ["web01", "web02"]
    assert found.same == 1
    assert finding_text(found, "web01", "web02") == (
        "web02 lags web01 on 1 package: openssl 1.1.1n-0+deb11u4~rc1 < 1.1.1n-0+deb11u4"
    )


def test_rpm_file_with_kernels(tmp_path: Path) -> None:
    path = tmp_path / "a-rpm-qa.txt"
    path.write_text(
        "kernel-3.10.0-957.el7.x86_64\nkernel-3.10.0-1160.el7.x86_64\nbash-4.2.46-34.el7.x86_64\n",
        encoding="utf-8",
    )
    other = tmp_path / "b-rpm-qa.txt"
    other.write_text("kernel-3.10.0-957.el7.x86_64\nbash-4.2.46-34.el7.x86_64\n", encoding="utf-8")
    found = drift([read_packages(path), read_packages(other)])
    [kernel] = found.differences
    assert (kernel.kind, kernel.lines) == (Kind.OLDER, {"a": 2, "b": 1})


@pytest.mark.parametrize(
    ("inventories", "reference", "message"),
    [
        ([inventory("a")], None, "two hosts"),
        ([inventory("a"), inventory("a")], None, "given twice"),
        ([inventory("a"), inventory("b")], "c", "reference host"),
        ([inventory("a"), inventory("b", fmt="yum-log")], None, "package events"),
        ([inventory("a", "x=1", ecosystem="gem"), inventory("b")], None, "unknown package"),
    ],
)
def test_usage_errors(inventories: list[Inventory], reference: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        drift(inventories, reference=reference)


def test_finding_needs_two_known_hosts(good: Inventory, bad: Inventory) -> None:
    found = drift([good, bad])
    with pytest.raises(UsageError, match="none of"):
        finding_text(found, "psds-itb1", "nope")
    with pytest.raises(UsageError, match="two different"):
        finding_text(found, "psds0", "psds0")
