"""Package version ordering for the four ecosystems a host inventory carries.

Host evidence (package lists) only helps an investigation if "was 2.4.1-3 older than the
fixed 2.4.1-3+deb12u1?" gets the answer the package manager itself would give. Each
ecosystem has its own rules, so each gets its own key:

- ``rpm``: rpm's ``rpmvercmp`` on a full ``epoch:version-release``, written here (no
  maintained Python library, and the rpm bindings are not installable from PyPI).
- ``deb``: dpkg's order, through python-debian's ``Version``.
- ``python``: PEP 440, through ``packaging.version.Version``.
- ``apk``: apk-tools' (Alpine) rules, written here.

Every function here is total: any ``str`` gets a key, and ``compare`` never raises on a
string. Strings an ecosystem's parser rejects (or that are longer than
``MAX_PARSED_LENGTH``) still sort, by a documented fallback, because a host's package list
is evidence we must be able to order, not input we may refuse. Only programmer misuse (a
non-string, an unknown ecosystem) raises ``UsageError``.

    >>> compare("1.0~rc1", "1.0", Ecosystem.RPM)
    -1
    >>> sorted(["1.10", "1.9", "1.9rc1"], key=lambda v: sort_key(v, Ecosystem.PYTHON))
    ['1.9rc1', '1.9', '1.10']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from debian.debian_support import Version as DebianVersion
from packaging.version import InvalidVersion
from packaging.version import Version as PythonVersion

from retroline.errors import UsageError

__all__ = ["MAX_PARSED_LENGTH", "Ecosystem", "compare", "sort_key"]

_KeyFunction = Callable[[str], tuple[object, ...]]

#: Longer strings are not handed to python-debian or packaging (whose parsers and
#: comparisons are not linear); they sort by the fallback order instead.
MAX_PARSED_LENGTH = 512


class Ecosystem(StrEnum):
    """A package manager whose version order we reproduce."""

    RPM = "rpm"
    DEB = "deb"
    PYTHON = "python"
    APK = "apk"


def compare(a: str, b: str, ecosystem: Ecosystem) -> int:
    """Return -1, 0 or 1 as version ``a`` is older than, equal to or newer than ``b``.

    Equal means equal in the ecosystem's order, not as text: ``1.0`` and ``1_0`` are
    equal for rpm, ``1.0`` and ``0:1.0-0`` for deb, ``1.0`` and ``1.0.0`` for python.
    """
    key = _key_function(ecosystem)
    ka, kb = key(_checked(a)), key(_checked(b))
    return (ka > kb) - (ka < kb)


def sort_key(version: str, ecosystem: Ecosystem) -> tuple[object, ...]:
    """Return a key ordering ``version`` as ``compare`` does, for ``sorted`` and ``min``.

    Keys of one ecosystem compare with each other only; do not mix ecosystems.
    """
    return _key_function(ecosystem)(_checked(version))


def _checked(version: object) -> str:
    if not isinstance(version, str):
        raise UsageError(f"a version must be a string, not {type(version).__name__}")
    return version


def _key_function(ecosystem: object) -> _KeyFunction:
    if isinstance(ecosystem, str) and ecosystem in _NAMES:
        return _KEYS[Ecosystem(ecosystem)]
    known = ", ".join(_NAMES)
    raise UsageError(f"unknown package ecosystem {ecosystem!r}; use one of {known}")


# --- rpm -------------------------------------------------------------------------------

# rpmvercmp's segments in order at one position: "~" sorts before everything, even the
# end of the string; "^" after the end but before any other segment; a numeric segment
# is newer than an alphabetic one. Everything that is not ASCII alphanumeric, "~" or "^"
# only separates segments.
_TILDE, _END, _CARET, _ALPHA, _NUMBER = range(5)
_RPM_SEGMENT = re.compile(r"[0-9]+|[A-Za-z]+|~|\^")
_RPM_EPOCH = re.compile(r"([0-9]*):")


def _number(digits: str) -> tuple[int, str]:
    """Order-preserving stand-in for ``int(digits)``; ``int`` refuses over 4300 digits."""
    significant = digits.lstrip("0")
    return (len(significant), significant)


def _rpmvercmp_key(text: str) -> tuple[tuple[int, tuple[int, str] | str], ...]:
    """Key for one EVR part, equal in order to rpm's ``rpmvercmp``.

    rpmvercmp walks both strings segment by segment; comparing these tuples
    lexicographically takes the same decisions (numbers compare as numbers, so leading
    zeros do not count).
    """
    segments: list[tuple[int, tuple[int, str] | str]] = []
    for match in _RPM_SEGMENT.finditer(text):
        segment = match.group()
        if segment == "~":
            segments.append((_TILDE, ""))
        elif segment == "^":
            segments.append((_CARET, ""))
        elif segment.isdigit():
            segments.append((_NUMBER, _number(segment)))
        else:
            segments.append((_ALPHA, segment))
    segments.append((_END, ""))
    return tuple(segments)


def _rpm_key(evr: str) -> tuple[object, ...]:
    """Key for a full ``[epoch:]version[-release]``, parsed as rpm's ``parseEVR`` does.

    A missing epoch is 0. A missing release sorts as an empty one (before ``-1``), so the
    order stays total; rpm's dependency matching instead ignores a missing release.
    """
    epoch = _number("0")
    rest = evr
    match = _RPM_EPOCH.match(evr)
    if match:
        epoch = _number(match.group(1))
        rest = evr[match.end() :]
    version, dash, release = rest.rpartition("-")
    if not dash:
        version, release = rest, ""
    return (epoch, _rpmvercmp_key(version), _rpmvercmp_key(release))


# --- deb and python --------------------------------------------------------------------

# python-debian's own check uses \d and $, which let in non-ASCII digits and a trailing
# newline, and it takes "-1" and "1.0-" as upstream versions; dpkg accepts none of these
# (an upstream version and a revision, when there is a "-", must not be empty).
_DEB_EPOCH = re.compile(r"[0-9]+:")
_DEB_REST = re.compile(r"[0-9A-Za-z.+~][0-9A-Za-z.+~:-]*(?<!-)")
_INVALID, _VALID = 0, 1


def _fallback_key(version: str) -> tuple[object, ...]:
    """Key for a string the ecosystem's parser rejects: before every valid version,
    and among such strings by rpm's segment rules (as setuptools' old LegacyVersion did)."""
    return (_INVALID, _rpmvercmp_key(version))


def _deb_key(version: str) -> tuple[object, ...]:
    """Key in dpkg's order; strings python-debian rejects get the fallback key."""
    epoch = _DEB_EPOCH.match(version)
    rest = version[epoch.end() :] if epoch else version
    if len(version) > MAX_PARSED_LENGTH or not _DEB_REST.fullmatch(rest):
        return _fallback_key(version)
    try:
        return (_VALID, DebianVersion(version))
    except ValueError:
        return _fallback_key(version)


def _python_key(version: str) -> tuple[object, ...]:
    """Key in PEP 440 order; strings that are not PEP 440 get the fallback key."""
    if len(version) > MAX_PARSED_LENGTH:
        return _fallback_key(version)
    try:
        return (_VALID, PythonVersion(version))
    except InvalidVersion:
        return _fallback_key(version)


# --- apk -------------------------------------------------------------------------------

# apk-tools' token types (src/version.c), in the order they may follow each other.
_T_INVALID, _T_DIGIT_OR_ZERO, _T_DIGIT, _T_LETTER, _T_SUFFIX, _T_SUFFIX_NO = -1, 0, 1, 2, 3, 4
_T_REVISION_NO, _T_END = 5, 6
_PRE_SUFFIXES = ("alpha", "beta", "pre", "rc")
_POST_SUFFIXES = ("cvs", "svn", "git", "hg", "p")
# Steps apk allows although they go back in the type order.
_ALLOWED_BACKSTEPS = {
    (_T_DIGIT, _T_DIGIT_OR_ZERO),
    (_T_SUFFIX_NO, _T_SUFFIX),
    (_T_LETTER, _T_DIGIT),
}


def _apk_next_type(current: int, text: str, pos: int) -> tuple[int, int]:
    """Type of the token at ``pos`` after a token of type ``current``, and where it starts."""
    if pos >= len(text):
        return _T_END, pos
    char = text[pos]
    new = _T_INVALID
    if current in (_T_DIGIT, _T_DIGIT_OR_ZERO) and "a" <= char <= "z":
        new = _T_LETTER
    elif current in (_T_LETTER, _T_SUFFIX) and "0" <= char <= "9":
        new = _T_SUFFIX_NO if current == _T_SUFFIX else _T_DIGIT
    else:
        if char == ".":
            new = _T_DIGIT_OR_ZERO
        elif char == "_":
            new = _T_SUFFIX
        elif char == "-" and text.startswith("r", pos + 1):
            new = _T_REVISION_NO
            pos += 1
        pos += 1
    if new < current and (current, new) not in _ALLOWED_BACKSTEPS:
        new = _T_INVALID
    return new, pos


def _apk_digits(text: str, pos: int) -> tuple[tuple[int, str], int]:
    end = pos
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return _number(text[pos:end]), end


# apk's token values are C ints; here a number is ``_number(digits)`` and every other value
# ``(int, "")``, which orders the same way.
_Value = tuple[int, str]


def _apk_token(kind: int, text: str, pos: int) -> tuple[_Value, int, int]:
    """Read one token of type ``kind``: its value, the next token's type, its position."""
    if pos >= len(text):
        return (0, ""), _T_END, pos
    forced_next = _T_INVALID
    if kind == _T_DIGIT_OR_ZERO and text[pos] == "0":
        # A component after a dot that starts with zeros ("1.05") sorts as a fraction:
        # below any plain number, and lower the more zeros it has. The last zero is left to
        # be read as a digit, so that "1.0_rc" < "1.0" as apk's suffix rules say; the
        # variant that swallows it passes apk's version.data too but orders "1.0_rc" after.
        end = pos
        while end + 1 < len(text) and text[end + 1] == "0":
            end += 1
        value, forced_next = (pos - end, ""), _T_DIGIT
    elif kind in (_T_DIGIT_OR_ZERO, _T_DIGIT, _T_SUFFIX_NO, _T_REVISION_NO):
        value, end = _apk_digits(text, pos)
    elif kind == _T_LETTER:
        value, end = (ord(text[pos]), ""), pos + 1
    else:  # a suffix
        for index, name in enumerate(_PRE_SUFFIXES):
            if text.startswith(name, pos):
                value, end = (index - len(_PRE_SUFFIXES), ""), pos + len(name)
                break
        else:
            for index, name in enumerate(_POST_SUFFIXES):
                if text.startswith(name, pos):
                    value, end = (index, ""), pos + len(name)
                    break
            else:
                return (-1, ""), _T_INVALID, pos
    if end >= len(text):
        return value, _T_END, end
    if forced_next != _T_INVALID:
        return value, forced_next, end
    next_kind, next_pos = _apk_next_type(kind, text, end)
    return value, next_kind, next_pos


def _apk_rank(kind: int, value: _Value) -> int:
    """Rank of a token type where two versions first differ in type.

    apk calls the version that goes on greater, unless what goes on is a pre-release
    suffix (or an unknown one): so the end outranks nothing but those, and earlier token
    types outrank later ones.
    """
    if kind == _T_SUFFIX and value[0] < 0:
        return 0
    return 8 - kind


def _apk_key(version: str) -> tuple[object, ...]:
    """Key in apk-tools' order: ``{digit}{.digit}...{letter}{_suffix{number}}...{-rN}``.

    Tokens compare by type rank, then value; comparison stops at the first malformed
    token, as apk's does.
    """
    tokens: list[tuple[int, _Value]] = []
    kind, pos = _T_DIGIT, 0
    while kind not in (_T_END, _T_INVALID):
        value, next_kind, pos = _apk_token(kind, version, pos)
        tokens.append((_apk_rank(kind, value), value))
        kind = next_kind
    tokens.append((_apk_rank(kind, (0, "")), (0, "")))
    return tuple(tokens)


_KEYS: dict[Ecosystem, _KeyFunction] = {
    Ecosystem.RPM: _rpm_key,
    Ecosystem.DEB: _deb_key,
    Ecosystem.PYTHON: _python_key,
    Ecosystem.APK: _apk_key,
}
_NAMES = tuple(e.value for e in Ecosystem)
