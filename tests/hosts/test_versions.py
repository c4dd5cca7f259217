"""Version order per ecosystem: upstream test vectors, properties, and bad input."""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retroline.errors import UsageError
from retroline.hosts import versions
from retroline.hosts.versions import MAX_PARSED_LENGTH, Ecosystem, compare, sort_key

SIGN = {"<": -1, "=": 0, ">": 1}
# Upstream test vectors, kept as data files beside this test (their sources below).
DATA = Path(__file__).parent / "data"


def test_public_api_is_declared() -> None:
    assert sorted(versions.__all__) == ["Ecosystem", "MAX_PARSED_LENGTH", "compare", "sort_key"]
    assert [e.value for e in Ecosystem] == ["rpm", "deb", "python", "apk"]


# --- rpm --------------------------------------------------------------------------------

# Every RPMVERCMP case of rpm's tests/rpmvercmp.at at commit
# 04de5e6c854edf4ef4a79b44eac3b20451c88df5 (rpm-software-management/rpm), as vendored in
# the univers 32.0.1 sdist (tests/data/rpmvercmp.at). Lines upstream keeps disabled with
# "dnl" document rpm's "arguably buggy" behaviour; we match it too, so they are kept.
RPMVERCMP_AT = (DATA / "rpmvercmp.at").read_text(encoding="utf-8")


def _rpmvercmp_cases() -> list[tuple[str, str, int]]:
    cases = []
    for line in RPMVERCMP_AT.strip().splitlines():
        inside = line.removeprefix("dnl ").removeprefix("RPMVERCMP(").removesuffix(")")
        a, b, expected = (part.strip() for part in inside.split(","))
        cases.append((a, b, int(expected)))
    return cases


@pytest.mark.parametrize(("a", "b", "expected"), _rpmvercmp_cases())
def test_rpm_matches_upstream_rpmvercmp(a: str, b: str, expected: int) -> None:
    assert compare(a, b, Ecosystem.RPM) == expected


def test_rpm_vectors_are_all_there() -> None:
    assert len(_rpmvercmp_cases()) == 103


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1:1.0-1", "2.0-1", 1),  # the epoch decides first
        ("0:1.0-1", "1.0-1", 0),  # a missing epoch is 0
        (":1.0-1", "1.0-1", 0),  # an empty one too, as in rpm's parseEVR
        ("1.0-1", "1.0-2", -1),
        ("1.0-1.el9", "1.0-1.el9_2", -1),
        ("2.0-1", "10.0-1", -1),
        ("1.0~rc1-1", "1.0-1", -1),
        ("1.0-rc1-2", "1.0-rc1-1", 1),  # the release is after the last "-"
        ("1.0", "1.0-1", -1),  # a missing release sorts first, to keep the order total
        ("1.0-~1", "1.0", -1),
        ("a:1", "a.1", 0),  # no epoch unless digits come before the colon
        ("00001:1", "1:1", 0),
    ],
)
def test_rpm_compares_full_evr(a: str, b: str, expected: int) -> None:
    assert compare(a, b, Ecosystem.RPM) == expected
    assert compare(b, a, Ecosystem.RPM) == -expected


# --- apk --------------------------------------------------------------------------------

# apk-tools' test/version.data at tag v2.12.9 (Alpine Linux), all 716 lines, as vendored
# in the univers 32.0.1 sdist (tests/data/alpine_test.txt).
APK_VERSION_DATA = (DATA / "apk-version.data").read_text(encoding="utf-8")


def _apk_cases() -> list[tuple[str, str, int]]:
    cases = []
    for line in APK_VERSION_DATA.strip().splitlines():
        a, op, b = line.split()
        cases.append((a, b, SIGN[op]))
    return cases


@pytest.mark.parametrize(("a", "b", "expected"), _apk_cases())
def test_apk_matches_upstream_version_data(a: str, b: str, expected: int) -> None:
    assert compare(a, b, Ecosystem.APK) == expected


def test_apk_vectors_are_all_there() -> None:
    assert len(_apk_cases()) == 716


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0_alpha", "1.0_beta", -1),
        ("1.0_beta", "1.0_pre", -1),
        ("1.0_pre", "1.0_rc", -1),
        ("1.0_rc", "1.0", -1),
        ("1.0", "1.0_cvs", -1),
        ("1.0_cvs", "1.0_svn", -1),
        ("1.0_svn", "1.0_git", -1),
        ("1.0_git", "1.0_hg", -1),
        ("1.0_hg", "1.0_p", -1),
        ("1.0_p1", "1.0_p2", -1),
        ("1.0_p2", "1.0-r1", 1),  # the suffix decides before the revision
        ("1.0-r1", "1.0-r2", -1),
        ("1.0a", "1.0b", -1),
        ("1.0", "1.0a", -1),
        ("1.0.9", "1.0.10", -1),
        ("1.05", "1.5", -1),  # a leading zero after a dot reads as a fraction
        ("1.005", "1.05", -1),
        ("", "0", 0),  # apk reads an empty version as 0
    ],
)
def test_apk_orders_suffixes_and_revisions(a: str, b: str, expected: int) -> None:
    assert compare(a, b, Ecosystem.APK) == expected
    assert compare(b, a, Ecosystem.APK) == -expected


# --- deb --------------------------------------------------------------------------------

# dpkg's own cases: the __DATA__ section of scripts/t/Dpkg_Version.t in the dpkg 1.21.23
# source (Debian's pool, dpkg_1.21.23.tar.xz), all 43 lines, "A B SIGN" each; the same
# table dpkg checks both its Perl module and `dpkg --compare-versions` against.
DPKG_VERSION_DATA = (DATA / "dpkg-version.data").read_text(encoding="utf-8")


def _dpkg_upstream_cases() -> list[tuple[str, str, int]]:
    return [
        (a, b, int(sign))
        for a, b, sign in (line.split() for line in DPKG_VERSION_DATA.strip().splitlines())
    ]


@pytest.mark.parametrize(("a", "b", "expected"), _dpkg_upstream_cases())
def test_deb_matches_upstream_dpkg_version_data(a: str, b: str, expected: int) -> None:
    assert compare(a, b, Ecosystem.DEB) == expected
    assert compare(b, a, Ecosystem.DEB) == -expected


def test_dpkg_vectors_are_all_there() -> None:
    assert len(_dpkg_upstream_cases()) == 43


# More cases, of lib/dpkg/t/t-version.c's test_version_compare and deb-version(7), each
# agreeing with dpkg's algorithm as Debian Policy 5.6.12 describes it.
DPKG_CASES = [
    # t-version.c, test_version_compare (its struct cases written as strings)
    ("1:0", "2:0", -1),
    ("1-1", "2-1", -1),
    ("1-1", "1-2", -1),
    ("0-0", "0-0", 0),
    ("0-00", "00-0", 0),
    ("1:2-3", "1:2-3", 0),
    ("0-0", "1:0-0", -1),
    ("a-0", "b-0", -1),
    ("0-a", "0-b", -1),
    # deb-version(7): "~~" < "~~a" < "~" < "" < "a"; letters sort before non-letters
    ("1.0~~", "1.0~~a", -1),
    ("1.0~~a", "1.0~", -1),
    ("1.0~", "1.0", -1),
    ("1.0", "1.0a", -1),
    ("1.0~rc1", "1.0", -1),
    ("1.0", "1.0+b1", -1),
    ("1.0a", "1.0+", -1),
    ("1.0+", "1.0.", -1),
    ("1.0Z", "1.0a", -1),
    # apt's versions.lst
    ("7.6p2-4", "7.6-0", 1),
    ("1.0.3-3", "1.0-1", 1),
    ("1.3", "1.2.2-2", 1),
    ("1.3", "1.2.2", 1),
    ("0-pre", "0-pre", 0),
    ("0-pre", "0-pree", -1),
    ("1.1.6r2-2", "1.1.6r-1", 1),
    ("2.6b2-1", "2.6b-2", 1),
    ("98.1p5-1", "98.1-pre2-b6-2", -1),
    ("0.4a6-2", "0.4-1", 1),
    ("1:3.0.5-2", "1:3.0.5.1", -1),
    ("3.0~rc1-1", "3.0-1", -1),
    ("1.0", "1.0-0", 0),
    ("0.2", "1.0-0", -1),
    ("1.0", "1.0-0+b1", -1),
    ("1.0", "1.0-0~", 1),
    ("0:0-0-0", "0-0", 1),
    ("0", "0", 0),
    ("0", "00", 0),
    ("1.2.3", "1.2.3", 0),
    ("4.4.3-2", "4.4.3-2", 0),
    ("1:2ab:5", "1:2ab:5", 0),
    ("7:1-a:b-5", "7:1-a:b-5", 0),
    ("57:1.2.3abYZ+~-4-5", "57:1.2.3abYZ+~-4-5", 0),
    ("1.2.3", "0:1.2.3", 0),
    ("1.2.3", "1.2.3-0", 0),
    ("009", "9", 0),
    ("009ab5", "9ab5", 0),
    ("1.2.3", "1.2.3-1", -1),
    ("1.2.3", "1.2.4", -1),
    ("1.2.4", "1.2.3", 1),
    ("1.2.24", "1.2.3", 1),
    ("0.10.0", "0.8.7", 1),
    ("3.2", "2.3", 1),
    ("1.3.2a", "1.3.2", 1),
    ("0.5.0~git", "0.5.0~git2", -1),
    ("2a", "21", -1),
    ("1.3.2a", "1.3.2b", -1),
    ("1:1.2.3", "1.2.4", 1),
    ("1:1.2.3", "1:1.2.4", -1),
    ("1.2a+~bCd3", "1.2a++", -1),
    ("1.2a+~bCd3", "1.2a+~", 1),
    ("1:2ab:5", "1:2ab:4", 1),
    ("7:1-a:b-5", "7:1-a:b-4", 1),
    ("57:1.2.3abYZ+~-4-5", "57:1.2.3abYZ+~-4-4", 1),
    ("1.2.3-1", "1.2.3-2", -1),
]


@pytest.mark.parametrize(("a", "b", "expected"), DPKG_CASES)
def test_deb_matches_dpkg_cases(a: str, b: str, expected: int) -> None:
    assert compare(a, b, Ecosystem.DEB) == expected
    assert compare(b, a, Ecosystem.DEB) == -expected


@pytest.mark.parametrize(
    "bad", ["", "1.0\n", "1.0 1", "1:", "١:1.0", "1.0_1", "-1", "1.0-", "1:-1"]
)
def test_deb_sorts_what_dpkg_rejects_before_every_version(bad: str) -> None:
    assert compare(bad, "0", Ecosystem.DEB) == -1
    assert compare(bad, "0~~", Ecosystem.DEB) == -1


# --- python -----------------------------------------------------------------------------

# PEP 440's own example of the relative order of every kind of release segment.
PEP_440_ORDER = [
    "1.dev0",
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
]


def test_python_follows_pep_440_order() -> None:
    shuffled = PEP_440_ORDER[::-1]
    random.Random(440).shuffle(shuffled)
    assert sorted(shuffled, key=lambda v: sort_key(v, Ecosystem.PYTHON)) == PEP_440_ORDER
    for older, newer in pairwise(PEP_440_ORDER):
        assert compare(older, newer, Ecosystem.PYTHON) == -1


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1.0.0", 0),
        ("1.0a1", "1.0alpha1", 0),
        ("v1.0", "1.0", 0),
        ("1!1.0", "2.0", 1),
        ("1.10", "1.9", 1),
        ("not a version", "0.dev0", -1),  # invalid ones sort before every valid one
        ("foo-2", "foo-10", -1),  # and among themselves by rpm's segment rules
        ("", "0", -1),
    ],
)
def test_python_compares(a: str, b: str, expected: int) -> None:
    assert compare(a, b, Ecosystem.PYTHON) == expected
    assert compare(b, a, Ecosystem.PYTHON) == -expected


# --- every ecosystem --------------------------------------------------------------------

PIECES = [
    "0", "00", "1", "2", "9", "10", "123", ".", "-", "_", "~", "^", "+", ":", "!", "1:",
    "-r", "a", "b", "z", "Z", "alpha", "beta", "pre", "rc", "p", "git", "cvs", "dev",
    "post", "é", " ",
]  # fmt: skip
version_like = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.text(max_size=12),
)
ecosystems = st.sampled_from(list(Ecosystem))


@given(ecosystems, version_like, version_like)
def test_compare_is_antisymmetric(ecosystem: Ecosystem, a: str, b: str) -> None:
    assert compare(a, b, ecosystem) == -compare(b, a, ecosystem)
    assert compare(a, a, ecosystem) == 0


@given(ecosystems, version_like, version_like, version_like)
def test_compare_is_transitive(ecosystem: Ecosystem, a: str, b: str, c: str) -> None:
    if compare(a, b, ecosystem) <= 0 and compare(b, c, ecosystem) <= 0:
        assert compare(a, c, ecosystem) <= 0
    if compare(a, b, ecosystem) == 0 and compare(b, c, ecosystem) == 0:
        assert compare(a, c, ecosystem) == 0


@given(ecosystems, st.lists(version_like, max_size=8))
def test_sort_key_orders_as_compare_does(ecosystem: Ecosystem, items: list[str]) -> None:
    ordered = sorted(items, key=lambda v: sort_key(v, ecosystem))
    for older, newer in pairwise(ordered):
        assert compare(older, newer, ecosystem) <= 0


@pytest.mark.parametrize("ecosystem", list(Ecosystem))
def test_absurdly_long_versions_still_compare(ecosystem: Ecosystem) -> None:
    nines = "9" * 10_000  # past Python's 4300-digit limit on int()
    assert compare(nines, nines + "9", ecosystem) == -1
    dotted = "1." * 50_000
    assert compare(dotted + "1", dotted + "2", ecosystem) == -1


@pytest.mark.parametrize("ecosystem", [Ecosystem.DEB, Ecosystem.PYTHON])
def test_overlong_versions_sort_with_the_invalid_ones(ecosystem: Ecosystem) -> None:
    overlong = "1" + ".0" * MAX_PARSED_LENGTH
    assert compare(overlong, "0", ecosystem) == -1


@pytest.mark.parametrize("ecosystem", list(Ecosystem))
def test_empty_string_is_a_version(ecosystem: Ecosystem) -> None:
    assert compare("", "", ecosystem) == 0
    assert compare("", "1", ecosystem) == -1


def test_plain_strings_name_ecosystems() -> None:
    assert compare("1.0~rc1", "1.0", "deb") == -1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda: compare(None, "1", Ecosystem.RPM),  # type: ignore[arg-type]
        lambda: compare("1", b"1", Ecosystem.DEB),  # type: ignore[arg-type]
        lambda: sort_key(1.0, Ecosystem.PYTHON),  # type: ignore[arg-type]
        lambda: compare("1", "2", "npm"),  # type: ignore[arg-type]
        lambda: sort_key("1", None),  # type: ignore[arg-type]
    ],
)
def test_misuse_is_a_usage_error(call: object) -> None:
    with pytest.raises(UsageError):
        call()  # type: ignore[operator]
