"""Recognise the header of log lines (time, host, process, pid, level) and cut out the message.

Each known layout is a `HeaderPattern`: one precompiled regex with named groups. The groups
that carry time are named after strftime's letters (``Y`` four-digit year, ``y`` two-digit
year, ``b`` month name, ``m`` month, ``d`` day, ``H`` ``M`` ``S``, ``f`` fraction, ``z``
offset, ``epoch`` Unix seconds); the others are ``host``, ``proc``, ``pid``, ``level``,
``label`` and ``msg``. `detect` tries every pattern on a sample of a file's first lines and
keeps the one that explains most of them, so no per-file setting is needed.

Turning the captured parts into an instant is `TimeResolver`'s job, in `timestamps.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import cache, cached_property
from itertools import islice
from typing import cast

from retroline.logs.layout import (
    FRACTION,
    HEADER_FLAGS,
    HMS,
    LEVEL_WORDS,
    MERIDIEM,
    MONTH,
    NAMED_GROUP,
    ZONE,
    Fields,
    HeaderPattern,
    RecordPattern,
)
from retroline.logs.learn import PLAIN, extend, late_layout, learn, stamp_forms
from retroline.logs.structured import STRUCTURED_PATTERNS

__all__ = [
    "HEADER_FLAGS",
    "PATTERNS",
    "SAMPLE_BOUND",
    "SAMPLE_LINES",
    "Fields",
    "HeaderPattern",
    "PatternSet",
    "RecordPattern",
    "bare_number",
    "detect",
    "detect_past_preamble",
    "sample_after",
]

# Fragments shared by the patterns below.
_DOW = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
# A blank pads a one-digit hour in some ("2015-10-07  8:25:38").
_ISO = r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)(?:T| {1,2})" + HMS + FRACTION + MERIDIEM + ZONE
_LEVEL = rf"(?P<level>{LEVEL_WORDS})"
# A host as syslog writes it: no blanks, colons, brackets, parentheses, quotes, commas or
# equals signs (a bracketed pid or a row of comma-separated cells is no host).
_HOST = r"""[^\s:\[\]()"',=]+"""
# Possessive: a long run of one character (a hostile or broken line) fails in linear time.
_SYSLOG_PROC = r"(?P<proc>[^\s\[:]++(?:\([^)\s]*+\))?)(?:\[(?P<pid>\d+)\])?(?: \([^)]*+\))?: ?"


def _p(name: str, regex: str, example: str) -> HeaderPattern:
    return HeaderPattern(name, "^" + regex + "$", example)


#: Every header layout we know, the most specific first (ties in `detect` go to the earlier).
PATTERNS: tuple[HeaderPattern, ...] = (
    *STRUCTURED_PATTERNS,
    _p(
        "rfc5424",
        r"<(?P<pri>\d{1,3})>1 " + _ISO + r" (?P<host>\S+) (?P<proc>\S+) (?P<pid>\S+) (?P<msgid>\S+)"
        r" (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(?P<msg>.*)",
        "<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' failed",
    ),
    _p(
        "bgl",
        r"(?:(?P<label>\S+) )?(?P<epoch>\d{9,10}) \d{4}\.\d\d\.\d\d (?P<host>\S+) "
        r"\d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.(?P<f>\d+) \S+ (?P<type>RAS|\S+) (?P<proc>\S+) "
        r"(?P<level>[A-Z]+) (?P<msg>.*)",
        "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 "
        "R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
    ),
    _p(
        "thunderbird",
        r"(?:(?P<label>\S+) )?(?P<epoch>\d{9,10}) \d{4}\.\d\d\.\d\d (?P<host>\S+) "
        + MONTH
        + r" +(?P<d>\d{1,2}) "
        + HMS
        + r" \S+ "
        + _SYSLOG_PROC
        + r"(?P<msg>.*)",
        "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2915]: (root) CMD",
    ),
    _p(
        "hpc",
        r"\d+ (?P<host>\S+) (?P<proc>\S+) (?P<state>\S+) (?P<epoch>\d{9,10}) \d+ (?P<msg>.*)",
        "134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change",
    ),
    _p(
        "rfc3164",
        r"(?:<(?P<pri>\d{1,3})>)?"
        + MONTH
        + r" +(?P<d>\d{1,2}) "
        + HMS
        + FRACTION
        # A year after the time is the year, never the host (possessive).
        + r"(?: (?P<Y>\d{4}))?+ (?P<host>"
        + _HOST
        + ") "
        + _SYSLOG_PROC
        + r"(?P<msg>.*)",
        "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
    ),
    _p(
        # Syslog without a tag: the host, then the message (Windows events forwarded as
        # syslog, network gear). After the tagged form, which explains more.
        "rfc3164-untagged",
        r"(?:<(?P<pri>\d{1,3})>)?"
        + MONTH
        + r" +(?P<d>\d{1,2}) "
        + HMS
        + FRACTION
        + r"(?: (?P<Y>\d{4}))?+ (?P<host>[\w.-]+)[ \t]+(?P<msg>.*)",
        "<14>Feb  3 04:05:06 WKS-1 EventLog\t4624\tAn account logged on",
    ),
    _p(
        "syslog-iso",
        r"(?:<(?P<pri>\d{1,3})>)?"
        + _ISO
        + rf" (?!{LEVEL_WORDS}\b|\d{{4}}-\d\d-\d\d\b)(?P<host>"
        + _HOST
        + ") "
        + _SYSLOG_PROC
        + r"(?P<msg>.*)",
        "2016-09-08T20:31:48.123+02:00 host sshd[42]: Accepted publickey for root",
    ),
    _p(
        "apache-error",
        r"\[" + _DOW + r" " + MONTH + r" (?P<d>\d\d) " + HMS + FRACTION + r" (?P<Y>\d{4})\] "
        r"\[(?:(?P<proc>[\w\x80-\U0010ffff-]+):)?(?P<level>\w+)\] (?:\[pid (?P<pid>\d+)(?::tid \d+)?\] )?"
        r"(?P<msg>.*)",
        "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok",
    ),
    _p(
        "access-log",
        r"(?P<host>\S+) \S+ \S+ \[(?P<d>\d\d)/"
        + MONTH
        + r"/(?P<Y>\d{4}):"
        + HMS
        + r" (?P<z>[+-]\d{4})\] (?P<msg>.*)",
        '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326',
    ),
    _p(
        "nginx-error",
        r"(?P<Y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d) " + HMS + r" \[(?P<level>\w+)\] "
        r"(?P<pid>\d+)#\d+: (?P<msg>.*)",
        "2016/09/08 20:31:48 [error] 42#0: *1 open() failed",
    ),
    _p(
        "hdfs",
        r"(?P<y>\d\d)(?P<m>\d\d)(?P<d>\d\d) (?P<H>\d\d)(?P<M>\d\d)(?P<S>\d\d) (?P<pid>\d+) "
        r"(?P<level>[A-Z]+) (?P<proc>[^\s:]+): (?P<msg>.*)",
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
    ),
    _p(
        "zookeeper",
        # The component runs to the first "] - " (or "@line] - "); it may hold brackets
        # ("QuorumPeer[myid=1]/..."). Written out rather than as a lazy ".*?", which tries
        # the rest of the pattern after every character and made this the slowest pattern.
        _ISO + r" - " + _LEVEL + r" +\[(?P<proc>(?:[^\]@]++|@(?!\d+\] - )|\](?! - ))*+)"
        r"(?:@(?P<lineno>\d+))?\] - (?P<msg>.*)",
        "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:2181:Election@774] - x",
    ),
    _p(
        "log4j-thread",
        _ISO + r" " + _LEVEL + r" +\[(?P<thread>[^\]]*)\] (?P<proc>[^\s:]+): (?P<msg>.*)",
        "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.MRAppMaster: Created",
    ),
    _p(
        "log4j-default",
        _ISO + r" \[(?P<thread>[^\]]*)\] " + _LEVEL + r" +(?P<proc>\S+) +- (?P<msg>.*)",
        "2024-01-05 10:00:00,123 [main] INFO  org.foo.Bar - started",
    ),
    _p(
        "python-logging",
        _ISO + r" - (?P<proc>\S+) - " + _LEVEL + r" - (?P<msg>.*)",
        "2024-01-05 10:00:00,123 - myapp.db - INFO - connected",
    ),
    _p(
        "python-basic",
        r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL):(?P<proc>[^\s:]+):(?P<msg>.*)",
        "WARNING:root:disk almost full",
    ),
    _p(
        "openstack",
        r"(?:(?P<logfile>\S+\.log\S*) )?"
        + _ISO
        + r" (?P<pid>\d+) "
        + _LEVEL
        + r" (?P<proc>\S+) (?P<msg>.*)",
        "nova-api.log.1 2017-05-16 00:00:00.008 25746 INFO nova.wsgi.server [req-1] GET",
    ),
    _p(
        "windows-cbs",
        _ISO + r", (?P<level>\w+) +(?P<proc>\S+) +(?P<msg>.*)",
        "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack",
    ),
    _p(
        "spark",
        r"(?P<y>\d\d)/(?P<m>\d\d)/(?P<d>\d\d) "
        + HMS
        + r" "
        + _LEVEL
        + r" (?P<proc>[^\s:]+): (?P<msg>.*)",
        "17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi",
    ),
    _p(
        "android",
        r"(?P<m>\d\d)-(?P<d>\d\d) " + HMS + r"\.(?P<f>\d+) +(?P<pid>\d+) +(?P<tid>\d+) "
        # The tag runs to the first ": " or " : " (the lazy ".*?" it stands for, faster).
        r"(?P<level>[VDIWEFS]) (?P<proc>(?:[^ :]++| (?!: )|:(?! ))*+) ?: (?P<msg>.*)",
        "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs",
    ),
    _p(
        "healthapp",
        r"(?P<Y>\d{4})(?P<m>\d\d)(?P<d>\d\d)-" + HMS + r":(?P<f>\d+)\|(?P<proc>[^|]*)\|"
        r"(?P<pid>\d+)\|(?P<msg>.*)",
        "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
    ),
    _p(
        "proxifier",
        r"\[(?P<m>\d\d)\.(?P<d>\d\d) " + HMS + r"\] (?P<proc>.+?) - (?P<msg>.*)",
        "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy",
    ),
    _p(
        "xen",
        r"\[" + _ISO + r" (?P<pid>\d+)\] " + _LEVEL + r" \((?P<proc>[^:)]+)(?::\d+)?\) (?P<msg>.*)",
        "[2014-10-18 05:54:52 4572] WARNING (image:490) domain died",
    ),
    _p(
        "stompclt",
        r"(?P<Y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)-" + HMS + r" " + _SYSLOG_PROC + r"(?P<msg>.*)",
        "2016/09/08-20:31:48 stompclt[47740]: main lingering",
    ),
    _p(
        # glog and klog: a level letter, month and day, time to the microsecond, thread id,
        # file:line] message.
        "glog",
        r"(?P<level>[IWEFD])(?P<m>[01]\d)(?P<d>[0-3]\d) "
        + HMS
        + r"\.(?P<f>\d{6}) +(?P<pid>\d+) (?P<proc>[^\s\]]+)\] ?(?P<msg>.*)",
        "W0203 04:05:06.123456    4711 server.go:88] slow response",
    ),
    _p(
        # TAI64N labels (daemontools, runit): "@" and 24 hex digits.
        "tai64n",
        r"@(?P<tai>[0-9a-f]{24})[ \t]+(?P<msg>.*)",
        "@4000000063d4f1a212345678 service: started",
    ),
    _p(
        "iso-level",
        # After the time: a blank, or colons ("... CET::" in a database's log prefix).
        # A bracketed level may be padded ("[INFO ]"), and brackets may follow at once.
        r"\[?" + _ISO + r"\]?(?:::?|[ \t]|(?<=\])(?=\[))[ \t]*"
        r"(?:\[?" + _LEVEL + r"(?:[ \t]*\])?:?(?:[ \t]+|(?=\[)))?"
        # The process or logger, or a module's path ("app::db", lower-case names between
        # "::"); a colon ends it, or the bracket opened before the stamp ("[<stamp> INFO
        # app] ").
        r"(?:(?P<proc>(?:[a-z_][a-z\d_]*+::)++[\w$.-]++|[\w\x80-\U0010ffff.$/-]++)"
        r"(?:\[(?P<pid>\d+)\])?(?:: |\][ \t]+))?(?P<msg>.*)",
        "2024-01-05T10:00:00Z ERROR db: connection refused",
    ),
    _p(
        "epoch",
        r"\[?(?P<epoch>1\d{9})(?:\.(?P<f>\d+))?\]?:?[ \t]+(?:\[?" + _LEVEL + r"\]?:?[ \t]+)?"
        r"(?P<msg>.*)",
        "1473367908.123 ERROR connection refused",
    ),
    # Any line but one starting with a dated stamp, which is read in a layout of its own
    # (`learn.late_layout`): text first, then a tool's stamped lines, keep their times.
    _p("plain", PLAIN, "any line at all"),
)


class PatternSet:
    """Line-oriented header patterns tried in a fixed order: the first that fits a line.

    One regex, an alternation of the patterns (their groups unnamed), does in one call what
    a call per pattern would: a line that fits none (a stack-trace frame) costs one call,
    not one per pattern, and alternatives are tried left to right, so the first pattern
    that fits wins, as in a loop.
    """

    def __init__(self, patterns: Sequence[HeaderPattern]) -> None:
        self.patterns = tuple(patterns)

    @cached_property
    def _match(self) -> Callable[[str], re.Match[str] | None]:
        """The alternation's match, compiled when a line first needs it (it is large, and
        most files have no line that does not fit their own layout)."""
        joined = "|".join(
            f"(?P<_{i}>{NAMED_GROUP.sub('(?:', p.regex)})" for i, p in enumerate(self.patterns)
        )
        return re.compile(joined or "(?!)", HEADER_FLAGS).match

    def first(self, line: str) -> HeaderPattern | None:
        """The first pattern that fits ``line``, if any."""
        m = self._match(line)
        return None if m is None else self.patterns[int(cast(str, m.lastgroup)[1:])]

    def reading(self, line: str) -> HeaderPattern | None:
        """`first`, else the layout of a line that starts with a dated timestamp no known
        layout reads (`learn.late_layout`): a line is never given the time of the line
        before it for want of its layout in the sampled lines."""
        return self.first(line) or late_layout(line)


#: Lines sampled from the start of a file to choose its header pattern.
SAMPLE_LINES = 200
#: Lines read at most, from the start of a file, for its sample: past binary junk, blank
#: lines or a preamble (`detect_past_preamble`).
SAMPLE_BOUND = 50 * SAMPLE_LINES
# Lines of the best layout whose stamp forms `detect` takes (a file writes one or two).
_FORM_LINES = 20


def _richness(fields: Fields) -> int:
    """How much of a line a pattern explained: the header parts it captured."""
    parts = sum(1 for value in (fields.time or {}).values() if value)
    return parts + sum(
        1
        for value in (fields.host, fields.process, fields.pid, fields.level, fields.label)
        if value
    )


def bare_number(pattern: HeaderPattern) -> bool:
    """Whether a layout's time is a number at the line's start and nothing else vouches for
    its header (no host, no process): a line among others that starts with a ten-digit
    number is a count or an id as often as a Unix time, so such a layout is taken for a
    file whose lines mostly start so (`detect`), never for a line that misses its own
    (`parse.other_patterns`)."""
    groups = set(pattern.compiled.groupindex)
    return "epoch" in groups and not groups & {"Y", "y", "b", "m", "H", "host", "proc"}


# Lines after a preamble that make a log of their own (`detect_past_preamble`).
_LOG_AFTER = SAMPLE_LINES // 4


def sample_after(lines: Iterable[str]) -> list[str]:
    """The sample of a file that opens with a preamble no layout reads (a banner, a dump
    of settings) longer than `detect`'s sample: its first `SAMPLE_LINES` non-blank lines
    from the first that a layout of the catalog reads, or that starts with a dated stamp
    (`learn.late_layout`); empty when none of ``lines`` is such a line. A layout whose
    time is a bare number does not start it: a number opens many a line of text."""
    starts = _preamble_ends()
    rest = iter(lines)
    for line in rest:
        if starts(line):
            return [line, *islice((x for x in rest if x.strip()), SAMPLE_LINES - 1)]
    return []


@cache
def _preamble_ends() -> Callable[[str], bool]:
    """Whether a line may end a preamble (`sample_after`)."""
    first, _, records = _kinds(tuple(PATTERNS))
    return lambda line: (
        first(line) is not None
        or late_layout(line) is not None
        or any(p.parse(line) is not None for p in records)
    )


def detect_past_preamble(
    sample: list[str], later: Callable[[], Iterable[str]]
) -> tuple[HeaderPattern, list[str]]:
    """`detect` on a file's first lines ``sample``; when no layout reads them, on the lines
    after a preamble (`sample_after` of ``later()``, the lines after the sample) if a
    layout reads most of those: a log after the preamble, not a text with a stamped line
    now and then (whose lines are not that line's continuation). Returns the layout and
    the sample it was found from."""
    pattern = detect(sample)
    if pattern is not PATTERNS[-1] or len(sample) < SAMPLE_LINES:
        return pattern, sample
    after = sample_after(later())
    if len(after) < _LOG_AFTER:
        return pattern, sample
    found = detect(after)
    if found is pattern or 2 * sum(1 for x in after if found.parse(x) is not None) < len(after):
        return pattern, sample
    return found, after


@cache
def _catalog_lines(patterns: tuple[HeaderPattern, ...]) -> Callable[[str], bool]:
    """Whether a line-oriented layout of ``patterns`` reads a line. Those whose time is a
    bare number are tried apart: the others' joined regex is then the very one that
    `parse.other_patterns` joins for a file without companions, which `re` compiles once
    for both (it is large)."""
    first, bare, _ = _kinds(patterns)
    return lambda line: first(line) is not None or any(p.compiled.match(line) for p in bare)


@cache
def _kinds(
    patterns: tuple[HeaderPattern, ...],
) -> tuple[Callable[[str], HeaderPattern | None], list[HeaderPattern], list[RecordPattern]]:
    """The layouts of ``patterns`` but the last (the fallback) by kind: the first of the
    line-oriented ones whose time is not a bare number to read a line (`PatternSet.first`,
    one joined regex), those whose time is, and the record layouts."""
    bare: list[HeaderPattern] = []
    others: list[HeaderPattern] = []
    records: list[RecordPattern] = []
    for pattern in patterns[:-1]:
        if isinstance(pattern, RecordPattern):
            records.append(pattern)
        else:
            (bare if bare_number(pattern) else others).append(pattern)
    return PatternSet(others).first, bare, records


def detect(lines: Iterable[str], patterns: Sequence[HeaderPattern] = PATTERNS) -> HeaderPattern:
    """Choose the header pattern that explains a sample of lines best.

    Each line a pattern matches scores 1, plus 5 % per header part it captured, so that a
    pattern capturing host and pid beats a bare timestamp pattern matching the same lines.
    The last pattern (the whole line is the message) is the fallback, used only when no
    other pattern matches even a twentieth of the sample: in a Java log most lines may be
    stack frames, yet the lines with a header still show the format. A layout learnt from
    the sample (`learn.learn`) is taken when it reads more of its lines than the best.
    """
    sample = [line for line in lines if line.strip()][:SAMPLE_LINES]
    fallback = patterns[-1]
    best, best_score, best_hits = fallback, 0.0, 0
    least = max(1, len(sample) // 20)
    for pattern in patterns[:-1]:
        hits = 0
        score = 0.0
        for line in sample:
            fields = pattern.parse(line)
            if fields is not None:
                hits += 1
                score += 1 + 0.05 * _richness(fields)
        if hits >= least and score > best_score:
            best, best_score, best_hits = pattern, score, hits
    if best_hits == len(sample):
        return extend(best, sample)
    # The lines the best does not read may be in layouts of their own: learnt from them,
    # they join the file's layouts (tried before the catalog on a line that misses), or
    # lead them when they read more of the sample than the best does.
    # Only lines no layout of the catalog reads: a learnt layout must not take the lines of
    # a known one from it (it is tried first).
    if best is fallback:
        rest = sample
    else:
        known = _catalog_lines(tuple(patterns))
        rest = [line for line in sample if best.parse(line) is None and not known(line)]
    # A line in the stamp form of the lines the best reads, after other header fields, is
    # a layout of the file's writer even alone (`learn.learn`'s ``forms``).
    read = [line for line in sample if best is not fallback and best.parse(line) is not None]
    learnt = learn(rest, forms=stamp_forms(read[:_FORM_LINES])) if rest else None
    if best is fallback:
        # No layout reads most lines: one learnt from them, or from a few stamped lines.
        learnt = learnt or learn(rest, sparse=True)
        if learnt is not None:
            return learnt
    best = extend(best, sample)  # learnt layouts have their fields learnt already
    if learnt is None:
        return best
    if sum(1 for line in sample if learnt.compiled.match(line)) > best_hits:
        return replace(learnt, companions=(*learnt.companions, best))
    return replace(best, name=f"{best.name}+{learnt.name}", companions=(learnt, *learnt.companions))
