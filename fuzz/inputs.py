"""Inputs for the fuzzer: seeds mutated, seeds spliced, and documents, logs, metric files
and host-state files generated from a small grammar. Every input is a function of (seed, target, index) alone, so any one of a
run's inputs can be made again without the others (``run.py --replay``)."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import random
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

SEEDS = Path(__file__).resolve().parent / "seeds"

#: The largest input made: mutations that duplicate and splice stop growing past it.
MAX_BYTES = 128 << 10


def big(rng: random.Random, small: list[int], large: list[int]) -> int:
    """A count from ``small``, or one time in ten from ``large``: big inputs find the slow
    paths, small ones keep the run fast."""
    return rng.choice(large if rng.random() < 0.1 else small)


def rng_for(seed: int, target: str, index: int) -> random.Random:
    """The random source of one input: the same (seed, target, index), the same input."""
    digest = hashlib.blake2b(f"{seed}/{target}/{index}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def load_seeds(kind: str) -> list[tuple[str, bytes]]:
    """The seed files of a target (``documents``, ``logs``, ``metrics``): (file name,
    bytes), in name order."""
    return [(p.name, p.read_bytes()) for p in sorted((SEEDS / kind).iterdir()) if p.is_file()]


# ---------------------------------------------------------------------------------------
# Tokens that have broken parsers before: numbers at the ends of their ranges, calendar
# edges, offsets past a day, nesting, markup, and bytes that are no text.

MONTHS = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    "January", "February", "Sept", "Mär", "März", "févr.", "août", "Dez", "Juni",
]  # fmt: skip
ZONES = [
    "UTC", "Z", "GMT", "CET", "CEST", "PST", "PDT", "EST", "EDT", "BST", "IST", "AEST", "JST",
    "UTC+14", "UTC-12", "UTC+25", "GMT+5:45", "+05:30", "-00:00", "+99:99", "+2400", "-9999",
    "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Pacific/Kiritimati",
    "Australia/Lord_Howe", "Europe/Nowhere", "Etc/GMT+12", "local", "ZZZ", "+14:00", "-12:00",
]  # fmt: skip
YEARS = ["0", "0000", "0001", "1", "99", "1899", "1900", "1970", "2000", "2038", "2099",
         "2100", "9999", "10000", "99999", "-1"]  # fmt: skip

INTERESTING: list[bytes] = [
    b"0", b"-1", b"00", b"4294967296", b"18446744073709551616", b"9" * 40, b"1e309",
    b"-0", b"NaN", b"inf", b"0x7fffffff", b"1" * 400,
    b"9999-12-31T23:59:59.999999+14:00", b"0001-01-01T00:00:00-12:00",
    b"0000-00-00 00:00:00", b"2031-02-29", b"2032-02-30", b"2031-12-31T24:00:00Z",
    b"2031-06-30T23:59:60Z", b"2031-13-01", b"99999-01-01T00:00:00Z", b"+99:99", b"-99:99",
    b"+2400", b"T+5m", b"T-0", b"23:59:59.999999999", b"24:00", b"25:61", b"12:00 am",
    b"noon", b"midnight", b"yesterday", b"tomorrow at 3pm", b"last Tuesday", b"~14h",
    b"Feb 29", b"Dec 31 23:59:59", b"Jan  1 00:00:00", b"1927540800123456789",
    b"[" * 300, b"(" * 300, b"{" * 300, b"<" * 300, b"*" * 300, b"_" * 300, b"`" * 300,
    b"#" * 300, b"|" * 300, b"> " * 300, b"- " * 300, b"    " * 100,
    b"[[[[[[[[[[", b"]]]]]]]]", b"))))))", b"}}}}}", b"{|", b"|}", b"||", b"!!",
    b"javascript:alert(1)", b"[x](javascript:alert(1))", b"<a href=\"javascript:x\">",
    b"<script>alert(1)</script>", b"<img src=x onerror=alert(1)>", b"<!--", b"-->",
    b"<![CDATA[", b"]]>", b"<table><tr><td>", b"</td></tr></table>", b"<h1>", b"</h1>",
    b"<li>", b"<br/>", b"&#0;", b"&#x110000;", b"&amp;", b"&nbsp;", b"&#99999999999;",
    b"\x00", b"\x00" * 64, b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xff\xfe\x00\x00",
    b"\x00\x00\xfe\xff", b"+/v8", b"\x0e\xfe\xff", b"\xf7\x64\x4c", b"\x84\x31\x95\x33",
    b"\xc3\x28", b"\xa0\xa1", b"\xe2\x82", b"\xf0\x28\x8c\xbc", b"\xed\xa0\x80", b"\xc0\x80",
    b"\x1b[2J", b"\x1b]0;title\x07", b"\x1b[31m", b"\x07", b"\x08", b"\x7f", b"\x85",
    b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xe2\x80\xae", b"\xe2\x80\x8b", b"\xef\xbf\xbd",
    b"\r", b"\r\n", b"\n\n\n", b"\t", b"\t\t\t", b"\x0b", b"\x0c", b"\x1c\x1d\x1e",
    b"%s%n%x", b"{0}", b"${jndi:x}", b"\\", b"\\u0000", b"\\x00", b"'\"", b"\"\"\"",
    b"```", b"~~~", b"---", b"===", b"***", b"+++", b"::", b".. ", b"= ", b"== ", b"---+ ",
    b"Subject: ", b"From: ", b"Date: ", b"Content-Type: multipart/mixed; boundary=x\n",
    b"--x\n", b"Content-Transfer-Encoding: base64\n", b"=?utf-8?b?w6k=?=", b"=\n", b"=ZZ",
    b"<165>1 ", b"<999999>", b"<-1>", b"I0229 ", b"E1301 25:61:61.999999 ",
    b"[29/Feb/2031:24:00:00 +9999]", b"level=", b"ts=", b"time=", b"msg=\"", b"=" * 50,
    b"{\"ts\":", b"{\"time\":1e400}", b"{\"__REALTIME_TIMESTAMP\":\"99999999999999999999\"}",
    b"\"at\": null", b"[1,[2,[3,[4]]]]", b"Caused by: ", b"\tat x.y(Z.java:1)",
    b"Traceback (most recent call last):\n", b"... 9999999 more",
]  # fmt: skip
for _month in MONTHS:
    INTERESTING.append(_month.encode())
for _zone in ZONES:
    INTERESTING.append(_zone.encode())
for _year in YEARS:
    INTERESTING.append(_year.encode())

ENCODINGS = ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1",
             "cp1252", "cp1251", "shift_jis", "gb18030", "koi8-r", "utf-7"]  # fmt: skip


# ---------------------------------------------------------------------------------------
# Mutations: each takes the bytes and the random source and returns new bytes.


def _pos(rng: random.Random, data: bytes) -> int:
    return rng.randint(0, len(data))


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def set_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.choice(
            [
                0,
                0xFF,
                0x7F,
                0x80,
                0x0A,
                0x0D,
                0x20,
                0x3C,
                0x5B,
                0x7B,
                0x22,
                0x3A,
                rng.randrange(256),
            ]
        )
    return bytes(out)


def insert_token(data: bytes, rng: random.Random) -> bytes:
    out = data
    for _ in range(rng.randint(1, 4)):
        i = _pos(rng, out)
        out = out[:i] + rng.choice(INTERESTING) + out[i:]
    return out


def replace_digits(data: bytes, rng: random.Random) -> bytes:
    """A run of digits (a year, an hour, a count) replaced by another number."""
    spans = [i for i, b in enumerate(data) if 0x30 <= b <= 0x39]
    if not spans:
        return insert_token(data, rng)
    i = rng.choice(spans)
    j = i
    while j < len(data) and 0x30 <= data[j] <= 0x39:
        j += 1
    number = rng.choice(
        [
            b"0",
            b"00",
            b"9" * rng.randint(1, 30),
            b"60",
            b"61",
            b"24",
            b"13",
            b"32",
            b"29",
            b"30",
            b"31",
            b"99",
            b"9999",
            b"99999",
            b"1",
            str(rng.randint(0, 10 ** rng.randint(1, 20))).encode(),
        ]
    )
    return data[:i] + number + data[j:]


def delete_range(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.choice([1, 2, 4, rng.randint(1, 64), rng.randint(1, 4096)]))
    return data[:i] + data[j:]


def duplicate_range(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 512))
    times = big(rng, [1, 2, 10], [100, 1000])
    k = _pos(rng, data)
    return data[:k] + data[i:j] * times + data[k:]


def duplicate_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    i = rng.randrange(len(lines))
    return b"".join(lines[:i] + [lines[i]] * big(rng, [2, 50], [2000]) + lines[i:])


def shuffle_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.splitlines(keepends=True)
    rng.shuffle(lines)
    return b"".join(lines)


def long_line(data: bytes, rng: random.Random) -> bytes:
    i = _pos(rng, data)
    unit = rng.choice([b"a", b"x ", b"10:00 ", b"<b>", b"[", b"*", b"\xc3\xa9", b"- ", b"|"])
    return data[:i] + unit * big(rng, [300, 3000], [20000, 100000]) + data[i:]


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = big(rng, [50, 500], [5000, 50000])
    opener, closer = rng.choice(
        [
            (b'{"a":', b"}"),
            (b"[", b"]"),
            (b"<div>", b"</div>"),
            (b"> ", b""),
            (b"  - ", b""),
            (b"(", b")"),
            (b"<ul><li>", b""),
        ]
    )
    closed = rng.random() < 0.5
    blob = opener * depth + (closer * depth if closed else b"")
    i = _pos(rng, data)
    return data[:i] + blob + data[i:]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: _pos(rng, data)]


def control_chars(data: bytes, rng: random.Random) -> bytes:
    out = data
    for _ in range(rng.randint(1, 6)):
        i = _pos(rng, out)
        out = out[:i] + bytes([rng.choice([0, 7, 8, 9, 11, 12, 13, 27, 127, 0x85, 0xA0])]) + out[i:]
    return out


def line_endings(data: bytes, rng: random.Random) -> bytes:
    new = rng.choice([b"\r\n", b"\r", b"\n\r", b"\x0b", b"\xe2\x80\xa8", b"\x85", b""])
    return data.replace(b"\n", new)


def reencode(data: bytes, rng: random.Random) -> bytes:
    """The text in another encoding, with or without its BOM; or cut mid-character."""
    text = data.decode("utf-8", "replace")
    encoding = rng.choice(ENCODINGS)
    out = text.encode(encoding, "replace")
    if rng.random() < 0.2 and len(out) > 2:
        out = out[: rng.randrange(1, len(out))]
    return out


def foreign_bom(data: bytes, rng: random.Random) -> bytes:
    bom = rng.choice(
        [
            b"\xef\xbb\xbf",
            b"\xff\xfe",
            b"\xfe\xff",
            b"\xff\xfe\x00\x00",
            b"\x00\x00\xfe\xff",
            b"+/v8",
            b"\xf7\x64\x4c",
            b"\x84\x31\x95\x33",
        ]
    )
    return bom + data


def compress(data: bytes, rng: random.Random) -> bytes:
    """Compressed as a rotated log is, sometimes cut off in the middle of the archive."""
    # gzip's header holds a time: the epoch, not the clock's, so an input replays byte for byte.
    out = rng.choice([partial(gzip.compress, mtime=0), bz2.compress, lzma.compress])(data)
    if rng.random() < 0.3:
        out = out[: rng.randrange(1, len(out) + 1)]
    elif rng.random() < 0.2:
        out = flip_bits(out, rng)
    return out


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    flip_bits, set_bytes, insert_token, insert_token, insert_token, replace_digits,
    replace_digits, replace_digits, delete_range, duplicate_range, duplicate_lines,
    shuffle_lines, long_line, deep_nesting, truncate, control_chars, line_endings,
    reencode, foreign_bom,
]  # fmt: skip


def mutate(data: bytes, rng: random.Random, rounds: int | None = None) -> bytes:
    for _ in range(rounds if rounds is not None else rng.choice([1, 1, 2, 3, 5, 8])):
        data = rng.choice(MUTATIONS)(data, rng)
        if len(data) > MAX_BYTES:
            data = data[:MAX_BYTES]
    return data


def splice(a: bytes, b: bytes, rng: random.Random) -> bytes:
    return a[: _pos(rng, a)] + b[_pos(rng, b) :]


# ---------------------------------------------------------------------------------------
# Generated text: time expressions, documents and log lines.

WORDS = ["db", "primary", "replica", "cache", "queue", "api", "gateway", "pod", "node", "disk", "cpu", "memory", "latency", "error", "timeout", "rollback", "deploy", "alert", "paged", "on-call", "failover", "restart", "mitigated", "resolved", "customers", "checkout", "login", "dns", "tls", "cert", "kafka", "redis", "postgres", "nginx", "502", "503", "OOM"]  # fmt: skip


def words(rng: random.Random, n: int | None = None) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n if n is not None else rng.randint(1, 12)))


def number(rng: random.Random, lo: int, hi: int) -> str:
    """Mostly a valid value, sometimes one at or past the ends of its range."""
    if rng.random() < 0.8:
        return f"{rng.randint(lo, hi):02d}"
    return rng.choice(["0", "00", str(hi + 1), str(hi * 10), "99", "-1", "9" * rng.randint(3, 25)])


def year(rng: random.Random) -> str:
    return str(rng.randint(1995, 2035)) if rng.random() < 0.8 else rng.choice(YEARS)


def zone(rng: random.Random) -> str:
    return rng.choice(ZONES)


def offset(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"{rng.choice('+-')}{rng.randint(0, 14):02d}:{rng.choice([0, 30, 45]):02d}"
    return rng.choice(["+99:99", "-24:00", "+2400", "+1", "+123456", "-00:61", "Z", "z", ""])


def clock(rng: random.Random) -> str:
    hms = f"{number(rng, 0, 23)}:{number(rng, 0, 59)}"
    if rng.random() < 0.6:
        hms += f":{number(rng, 0, 59)}"
        if rng.random() < 0.4:
            hms += rng.choice([".", ","]) + "".join(
                rng.choice("0123456789") for _ in range(rng.choice([1, 3, 6, 9, 12, 40]))
            )
    return hms


def iso(rng: random.Random) -> str:
    sep = rng.choice(["T", " ", "t", "_"])
    return f"{year(rng)}-{number(rng, 1, 12)}-{number(rng, 1, 28)}{sep}{clock(rng)}{offset(rng)}"


def time_expression(rng: random.Random) -> str:
    """A time as people write them in postmortems."""
    forms: list[Callable[[], str]] = [
        lambda: iso(rng),
        lambda: f"{clock(rng)} {zone(rng)}",
        lambda: clock(rng),
        lambda: f"{rng.randint(1, 12)}{rng.choice(['am', 'pm', ' a.m.', 'PM'])} {zone(rng)}",
        lambda: f"{number(rng, 1, 31)} {rng.choice(MONTHS)} {year(rng)}, {clock(rng)} {zone(rng)}",
        lambda: f"{rng.choice(MONTHS)} {number(rng, 1, 31)}, {year(rng)} at {clock(rng)}",
        lambda: f"{number(rng, 1, 12)}/{number(rng, 1, 31)}/{year(rng)} {clock(rng)}",
        lambda: (
            f"{year(rng)}{number(rng, 1, 12)}{number(rng, 1, 31)}T{number(rng, 0, 23)}{number(rng, 0, 59)}Z"
        ),
        lambda: rng.choice(
            [
                "yesterday",
                "today",
                "noon",
                "midnight",
                "this morning",
                "last Friday",
                "T+0",
                "T+15m",
                "~2h later",
                "shortly after",
            ]
        ),
        lambda: f"{clock(rng)}–{clock(rng)} {zone(rng)}",
        lambda: (
            f"{rng.choice(['Mon', 'Tue', 'Sat', 'Sun'])} {number(rng, 1, 31)} {rng.choice(MONTHS)}"
        ),
        lambda: str(rng.choice([0, 1, 2**31, 2**32, 10**12, 10**15, 10**18, 10**30, -1])),
    ]
    return rng.choice(forms)()


def document(rng: random.Random) -> tuple[str, bytes]:
    """A postmortem from the grammar, in one of the markups: (suffix, bytes)."""
    flavour = rng.choice(["md", "html", "txt", "wiki", "eml", "rst", "twiki"])
    title = words(rng, rng.randint(0, 8))
    entries = [(time_expression(rng), words(rng)) for _ in range(rng.randint(0, 30))]
    prose = [words(rng, rng.randint(3, 30)) for _ in range(rng.randint(0, 4))]
    heads = ["Timeline", "Summary", "Impact", "Root cause", "Action items", "Zeitverlauf"]
    rows = [[words(rng, 2), time_expression(rng), words(rng, 1)] for _ in range(rng.randint(0, 6))]
    lines: list[str] = []
    if flavour == "md":
        lines.append(f"{'#' * rng.randint(1, 7)} {title}")
        lines += [f"**Date:** {time_expression(rng)}", ""]
        for p in prose:
            lines += [p, ""]
        lines.append(f"## {rng.choice(heads)}{rng.choice(['', ' (all times ' + zone(rng) + ')'])}")
        bullet = rng.choice(["- ", "* ", "1. ", "+ ", "- [ ] ", "  - "])
        lines += [f"{bullet}{t} {rng.choice(['—', '-', ':', ''])} {w}" for t, w in entries]
        if rows:
            lines += ["", "| when | what | who |", "|---|---|---|"]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
    elif flavour == "html":
        lines.append(f"<html><head><title>{title}</title></head><body><h1>{title}</h1>")
        lines += [f"<p>{p}</p>" for p in prose]
        lines.append(f"<h2>{rng.choice(heads)}</h2><ul>")
        lines += [f"<li><b>{t}</b> {w}</li>" for t, w in entries]
        lines.append("</ul><table>")
        lines += ["<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows]
        lines.append("</table></body></html>")
    elif flavour == "wiki":
        lines += [f"= {title} =", *prose, f"== {rng.choice(heads)} =="]
        lines += [f"* {t} — {w}" for t, w in entries]
        if rows:
            lines += ['{| class="wikitable"', "! when !! what !! who"]
            for r in rows:
                lines += ["|-", "| " + " || ".join(r)]
            lines.append("|}")
    elif flavour == "twiki":
        lines += [f"---+ {title}", *prose, f"---++ {rng.choice(heads)}"]
        lines += [f"   * {t} - {w}" for t, w in entries]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    elif flavour == "rst":
        lines += [title, "=" * len(title), "", f":Date: {time_expression(rng)}", "", *prose]
        head = rng.choice(heads)
        lines += ["", head, "-" * len(head), ""] + [f"* {t} — {w}" for t, w in entries]
    elif flavour == "eml":
        lines += [
            "From: someone <a@example.invalid>",
            f"Subject: {title}",
            f"Date: {time_expression(rng)}",
            "Content-Type: text/plain; charset=utf-8",
            "",
            *prose,
        ]
        lines += [f"- {t} {w}" for t, w in entries]
        lines += [f"> {words(rng)}" for _ in range(rng.randint(0, 3))]
    else:
        lines += [title, f"Posted on {time_expression(rng)}", "", *prose, rng.choice(heads)]
        lines += [f"{t} {w}" for t, w in entries]
    return "." + flavour, "\n".join(lines).encode("utf-8")


def log_line(rng: random.Random, style: str) -> str:
    level = rng.choice(["INFO", "WARN", "ERROR", "DEBUG", "FATAL", "info", "error", "E", "W"])
    msg = words(rng) + rng.choice(
        ["", f" id={rng.randint(0, 10**9)}", f" took {rng.random():.3f}s"]
    )
    if style == "iso":
        return f"{iso(rng)} {level} [{rng.choice(WORDS)}] {msg}"
    if style == "syslog":
        return (
            f"{rng.choice(MONTHS)} {number(rng, 1, 31):>2} {clock(rng)} host-{rng.randint(1, 9)} "
            f"{rng.choice(WORDS)}[{rng.randint(1, 99999)}]: {msg}"
        )
    if style == "5424":
        return f"<{rng.randint(0, 191)}>1 {iso(rng)} host app {rng.randint(1, 9999)} ID{rng.randint(0, 99)} - {msg}"
    if style == "apache":
        return (
            f"203.0.113.{rng.randint(0, 255)} - - [{number(rng, 1, 31)}/{rng.choice(MONTHS)}/{year(rng)}"
            f':{clock(rng)} {offset(rng).replace(":", "")}] "GET /{rng.choice(WORDS)} HTTP/1.1" '
            f"{rng.choice([200, 404, 500, 502, 999])} {rng.randint(0, 99999)}"
        )
    if style == "json":
        key = rng.choice(["ts", "time", "@timestamp", "timestamp", "t", "date"])
        value = rng.choice(
            [
                f'"{iso(rng)}"',
                str(rng.choice([0, 1.5, 1927540800, 1927540800123, 10**20, -5])),
                '"' + time_expression(rng) + '"',
                "null",
                "[]",
                "{}",
            ]
        )
        return f'{{"{key}":{value},"level":"{level}","msg":"{msg}","n":{rng.randint(-9, 10**12)}}}'
    if style == "logfmt":
        return f'time={iso(rng)} level={level} msg="{msg}" k{rng.randint(0, 9)}={rng.choice(WORDS)}'
    if style == "glog":
        return f"{level[0]}{number(rng, 1, 12)}{number(rng, 1, 31)} {clock(rng)} {rng.randint(1, 99999)} f.go:{rng.randint(1, 999)}] {msg}"
    if style == "java":
        return f"\tat com.example.{rng.choice(WORDS)}.X.m(X.java:{rng.randint(0, 99999)})"
    if style == "epoch":
        return f"{rng.choice([1927540800, 1927540800.25, 10**10, 10**13, 10**19, 0])} {level} {msg}"
    return f"{time_expression(rng)} {msg}"


LOG_STYLES = ["iso", "syslog", "5424", "apache", "json", "logfmt", "glog", "java", "epoch", "free"]


def log(rng: random.Random) -> bytes:
    """A log from the grammar: mostly one style, sometimes mixed, with bursts and gaps."""
    styles = [rng.choice(LOG_STYLES)]
    if rng.random() < 0.3:
        styles += rng.sample(LOG_STYLES, rng.randint(1, 4))
    lines = []
    for _ in range(big(rng, [1, 5, 30, 200], [1000, 3000])):
        lines.append(log_line(rng, rng.choice(styles)))
    return "\n".join(lines).encode("utf-8") + rng.choice([b"\n", b"", b"\r\n"])


# ---------------------------------------------------------------------------------------
# Binary documents: a Word file's XML mutated and zipped again, so that the reader gets past
# the ZIP layer; PDFs are mutated as bytes (their content stream is plain text).


def docx_variant(data: bytes, rng: random.Random) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            entries = [(i, source.read(i.filename)) for i in source.infolist()]
    except Exception:
        return mutate(data, rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in entries:
            if info.filename == "word/document.xml" or (
                info.filename.endswith(".xml") and rng.random() < 0.1
            ):
                content = mutate(content, rng) if rng.random() < 0.5 else _docx_text(content, rng)
            if rng.random() < 0.03:
                continue  # an entry missing
            # The entry's own date, not the clock's: an input is a function of its index.
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            target.writestr(entry, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _docx_text(xml: bytes, rng: random.Random) -> bytes:
    """New runs of text in the document's body: times, tokens, nesting, long paragraphs."""
    paragraphs = []
    for _ in range(rng.randint(1, 20)):
        text = f"{time_expression(rng)} {words(rng)}"
        text = text.replace("&", "&amp;").replace("<", "&lt;")
        style = rng.choice(["", "Heading1", "ListBullet", "Title", "Heading9", "Nope"])
        props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        paragraphs.append(f"<w:p>{props}<w:r><w:t>{text}</w:t></w:r></w:p>".encode())
    if rng.random() < 0.2:
        depth = rng.choice([10, 100, 1000])
        paragraphs.append(
            b"<w:tbl><w:tr><w:tc>" * depth + b"<w:p/>" + b"</w:tc></w:tr></w:tbl>" * depth
        )
    marker = b"<w:body>"
    i = xml.find(marker)
    if i < 0:
        return xml
    i += len(marker)
    return xml[:i] + b"".join(paragraphs) + xml[i:]


# ---------------------------------------------------------------------------------------
# Metric files: every format the metric readers know, with the times and values that break
# them (epochs in every unit and past their ends, years 0 and 9999, NaN and infinities,
# empty cells), duplicated and unsorted times, and the file-level damage of real exports
# (BOMs, CRLF, mixed separators, long lines, bytes that are no UTF-8).

METRIC_FORMATS = ["csv", "csv-long", "grafana-joined", "grafana-series", "prometheus-matrix",
                  "prometheus-vector", "exposition", "graphite", "influx", "sar", "sadf",
                  "jsonl"]  # fmt: skip
#: The name each generated format is written under (so detection and ``.gz`` are met).
METRIC_SUFFIXES = {"csv": ".csv", "csv-long": ".csv", "grafana-joined": ".csv",
                   "grafana-series": ".csv", "prometheus-matrix": ".json",
                   "prometheus-vector": ".json", "exposition": ".prom", "graphite": ".json",
                   "influx": ".lp", "sar": ".txt", "sadf": ".csv", "jsonl": ".jsonl"}  # fmt: skip
METRIC_NAMES = ["relay_memory_bytes", "cpu", "mem (MiB)", "latency_ms", "queue_depth",
                "http_requests_total", "up", "%user", "disk.io", "sockets", "a b", "x{y}",
                "é", "", "0", "time"]  # fmt: skip
_EPOCH = 1935741600  # 2031-05-04 10:00:00 UTC
#: The largest metric file made (a long export, cut off where it reaches this).
METRIC_MAX_BYTES = 1 << 20


def metric_value(rng: random.Random, junk: float = 0.02) -> str:
    """A sample's value: mostly a plain number, sometimes a gap or an infinity, and with
    the chance ``junk`` something no reader takes for a number."""
    roll = rng.random()
    if roll < 0.97 - junk:
        return rng.choice([str(rng.randint(0, 1000)), f"{rng.gauss(50, 20):.3f}", "0", "1"])
    if roll < 1 - junk:  # gaps and infinities: values a reader keeps
        return rng.choice(["NaN", "nan", "+Inf", "-Inf", "", "null", "1e309", "-0", "4.9e-324"])
    return rng.choice(["NaN", "nan", "+Inf", "-Inf", "inf", "", " ", "null", "-", "1e309",
                       "-1e309", "1e-320", "9" * 40, "0x10", "1_000", "1,5", "--1", "1e",
                       "∞", "true", "12i", "-0", "4.9e-324", "1.7976931348623157e308"])  # fmt: skip


def metric_epoch(rng: random.Random, i: int, step: float) -> float:
    """A Unix time in seconds near the base (duplicates and steps back included)."""
    t = _EPOCH + i * step
    roll = rng.random()
    if roll < 0.05:
        t -= rng.choice([step, 2 * step, 3600, 86400])  # unsorted
    elif roll < 0.1:
        t = _EPOCH + max(0, i - 1) * step  # a duplicate
    return t


def metric_time(rng: random.Random, t: float, style: str, junk: float = 0.01) -> str:
    """``t`` written as ``style`` writes times, or with the chance ``junk`` as something
    odd (an epoch past the ends, a year 0 or 9999, no time at all)."""
    if rng.random() < junk:
        return rng.choice(["0", "-1", "-1935741600", "1e20", "1e400", "99999999999999999999999",
                           "0000-00-00 00:00:00", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00",
                           "9999-12-31T23:59:59+14:00", "9999-12-31 23:59:59",
                           "10000-01-01T00:00:00Z", "2031-02-29T00:00:00Z", "NaN", "inf", "",
                           "2031-05-04T25:00:00Z", "2031/05/04 10:00:00", "20310504",
                           "2031-05-04T10:00:00+99:99", "1935741600.5e3", "-0.5",
                           "1" * 400, "-99999999999.999"])  # fmt: skip
    if style == "s":
        return str(int(t)) if rng.random() < 0.7 else f"{t + rng.random():.3f}"
    if style == "ms":
        return str(int(t * 1000))
    if style == "us":
        return str(int(t * 1_000_000))
    if style == "ns":
        return str(int(t * 1_000_000_000))
    at = datetime.fromtimestamp(t, UTC)
    if style == "iso":
        return at.isoformat().replace("+00:00", rng.choice(["Z", "+00:00", "+05:45", "-12:00"]))
    if style == "utc-word":
        return at.strftime("%Y-%m-%d %H:%M:%S") + " UTC"
    return at.strftime(rng.choice(["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S"]))


def _quoted(cell: str) -> str:
    """A CSV cell, quoted (quotes doubled) when it holds a separator or a quote."""
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',;"') else cell


def _json_number(text: str) -> str:
    """A cell as a JSON number: itself when JSON reads it as one, else null (mostly) or
    one of the non-numbers Python's JSON reader takes (NaN, Infinity)."""
    if re.fullmatch(r"-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?", text):
        return text
    return "null" if text.strip() else random.Random(text).choice(["null", "NaN", "Infinity"])


def _labels(rng: random.Random) -> str:
    pairs = [
        f'{rng.choice(["job", "instance", "host", "le", "a.b", "__name__"])}="'
        + rng.choice(["relay-1", "api", "", 'q\\"x', "a\\\\b", "n\\nl", "0.5", "{}", "é"])
        + '"'
        for _ in range(rng.choice([0, 0, 1, 2, 3]))
    ]
    return "{" + ",".join(pairs) + "}" if pairs or rng.random() < 0.1 else ""


def _metric_lines(rng: random.Random, fmt: str, rows: int) -> list[str]:
    step = rng.choice([1, 10, 15, 60, 300, 0.001, 86400 * 365])
    names = rng.sample(METRIC_NAMES, rng.randint(1, 4))
    times = [metric_epoch(rng, i, step) for i in range(rows)]
    local = rng.choice(["iso", "local", "utc-word"])
    epoch = rng.choice(["s", "ms", "us", "ns"])
    any_time = rng.choice([local, epoch])
    # Most files are clean but for gaps and infinities; the others have junk in their cells.
    junk = rng.choice([0.0, 0.0, 0.001, 0.01, 0.05])

    def value() -> str:
        return metric_value(rng, junk)

    def when(t: float, style: str) -> str:
        return metric_time(rng, t, style, junk / 2)

    lines: list[str] = []
    if fmt == "csv":
        sep = rng.choice([",", ";", "\t"])
        header = rng.choice(["time", "timestamp", "Date", "ts", "time (UTC)", "time (Europe/Berlin)",
                             "_time", "time (Pacific/Kiritimati)", "datetime"])  # fmt: skip
        if rng.random() < 0.05:
            header = rng.choice(["time (Nowhere/Land)", "when", "", '"time"', "TIME"])
        if rng.random() < 0.85:
            lines.append(sep.join([header, *names, *(["host"] if rng.random() < 0.3 else [])]))
        width = len(lines[0].split(sep)) if lines else len(names) + 1
        for t in times:
            cells = [when(t, any_time)] + [value() for _ in range(width - 1)]
            if rng.random() < 0.03:
                cells = cells[: rng.randint(0, len(cells))]
            lines.append(sep.join(cells))
    elif fmt == "csv-long":
        header = rng.choice(
            [
                ["time", "series", "value"],
                ["timestamp", "name", "value", "unit", "region"],
                ["_time", "_value", "_field", "_measurement", "result", "table"],
                ["Series", "Time", "Value"],
            ]
        )
        lines.append(",".join(header))
        for t in times:
            row = {
                "time": when(t, any_time),
                "timestamp": when(t, any_time),
                "_time": when(t, "iso"),
                "Time": when(t, any_time),
                "series": rng.choice(names),
                "name": rng.choice(names) + _labels(rng),
                "_field": rng.choice(names),
                "_measurement": "m",
                "Series": rng.choice(names),
                "value": value(),
                "_value": value(),
                "Value": value(),
                "unit": rng.choice(["", "bytes", "%", "x" * 50]),
                "region": rng.choice(["eu", "", "us"]),
                "result": "",
                "table": str(rng.randint(0, 3)),
            }
            lines.append(",".join(_quoted(row[h]) for h in header))
    elif fmt == "grafana-joined":
        sep = rng.choice([",", ";"])
        heads = ['"' + (n + _labels(rng)).replace('"', '""') + '"' for n in names]
        lines.append(sep.join(['"Time"', *heads]))
        style = rng.choice(["ms", "local", "iso"])
        for t in times:
            cells = [when(t, style)] + [value() for _ in names]
            lines.append(sep.join(cells))
    elif fmt == "grafana-series":
        sep = rng.choice([",", ";"])
        lines.append(sep.join(['"Series"', '"Time"', '"Value"']))
        for t in times:
            name = '"' + (rng.choice(names) + _labels(rng)).replace('"', '""') + '"'
            lines.append(sep.join([name, f'"{when(t, local)}"', value()]))
    elif fmt in ("prometheus-matrix", "prometheus-vector"):
        result = []
        for name in names:
            metric = '{"__name__":"' + name.replace('"', "") + '","job":"relay"}'
            if rng.random() < 0.2:
                metric = rng.choice(["{}", "null", "[]", '{"job":1}'])
            if fmt == "prometheus-matrix":
                points = ",".join(
                    f'[{when(t, rng.choice(["s", "s", "ms"])) or 0},"{value()}"]' for t in times
                )
                result.append(f'{{"metric":{metric},"values":[{points}]}}')
            else:
                result.append(
                    f'{{"metric":{metric},"value":[{times[0] if times else _EPOCH},"{value()}"]}}'
                )
        kind = "matrix" if fmt == "prometheus-matrix" else "vector"
        if rng.random() < 0.05:
            kind = rng.choice(["scalar", "string", "streams"])
        body = (
            f'{{"status":"success","data":{{"resultType":"{kind}","result":[{",".join(result)}]}}}}'
        )
        lines = body.replace("],[", "],\n[").splitlines() if rng.random() < 0.5 else [body]
    elif fmt == "exposition":
        for name in names:
            clean = re.sub(r"[^A-Za-z0-9_:]", "_", name) or "m"
            lines.append(f"# HELP {clean} {words(rng, 3)}")
            lines.append(f"# TYPE {clean} {rng.choice(['gauge', 'counter', 'histogram', 'x'])}")
            if rng.random() < 0.3:
                lines.append(f"# UNIT {clean} {rng.choice(['bytes', 'seconds', ''])}")
            for t in times:
                stamp = when(t, rng.choice(["ms", "s"]))
                tail = rng.choice(["", "", ' # {trace_id="a"} 1.0', " # x"])
                lines.append(f"{clean}{_labels(rng)} {value() or 'NaN'} {stamp}{tail}")
        if rng.random() < 0.5:
            lines.append("# EOF")
    elif fmt == "graphite":
        targets = []
        for name in names:
            points = ",".join(
                f"[{_json_number(value())},{_json_number(when(t, epoch))}]" for t in times
            )
            tags = ',"tags":{"name":"x","dc":"fra"}' if rng.random() < 0.3 else ""
            targets.append(
                f'{{"target":"{name.replace(chr(34), "")}"{tags},"datapoints":[{points}]}}'
            )
        lines = ("[" + ",\n".join(targets) + "]").splitlines()
    elif fmt == "influx":
        for t in times:
            measurement = rng.choice(["cpu", "mem", "disk\\ io", "a\\,b", "m"])
            tags = "".join(
                f",{k}={v}"
                for k, v in [("host", "relay-1"), ("dc", "eu\\ west")][: rng.randint(0, 2)]
            )
            fields = ",".join(
                f"{re.sub(r'[^a-z]', '', n) or 'f'}{rng.choice(['', 'i', 'u'])}="
                + rng.choice([value(), value() + "i", '"a b"', "true", "F"])
                for n in names
            )
            stamp = when(t, rng.choice(["ns", "ns", "s", "ms", "us"]))
            lines.append(f"{measurement}{tags} {fields} {stamp}")
    elif fmt == "sar":
        day = rng.choice(["05/04/2031", "2031-05-04", "04.05.2031", "31/12/2031", "12/31/99"])
        if rng.random() < 0.1:
            day = rng.choice(["02/30/2031", "00/00/0000", "99/99/9999", "12/31/9999", "01/01/0001"])
        lines.append(f"Linux 6.1.0 (relay-{rng.randint(1, 9)}) \t{day} \t_x86_64_\t(2 CPU)")
        lines.append("")
        columns = rng.choice([["CPU", "%user", "%system", "%idle"], ["kbmemfree", "%memused"],
                              ["IFACE", "rxpck/s", "rxkB/s"], ["DEV", "tps", "rkB/s"]])  # fmt: skip
        ampm = rng.random() < 0.5
        clock_of = (lambda t: datetime.fromtimestamp(t, UTC).strftime("%I:%M:%S %p")) if ampm else (
            lambda t: datetime.fromtimestamp(t, UTC).strftime("%H:%M:%S"))  # fmt: skip
        lines.append(f"{clock_of(times[0] if times else _EPOCH)}     " + "  ".join(columns))
        for t in times:
            cells = [
                rng.choice(["all", "0", "eth0", "sda"]) if c.isupper() else value() or "0"
                for c in columns
            ]
            if rng.random() < 0.05:
                lines.append(f"{clock_of(t)}       LINUX RESTART      (2 CPU)")
            lines.append(f"{clock_of(t)}     " + "  ".join(cells))
        lines.append("Average:     " + "  ".join("1.0" for _ in columns))
    elif fmt == "sadf":
        columns = ["CPU", "%user", "%idle"] if rng.random() < 0.5 else ["kbmemfree", "%memused"]
        if rng.random() < 0.8:
            lines.append("# hostname;interval;timestamp;" + ";".join(columns))
        for t in times:
            stamp = when(t, rng.choice(["utc-word", "utc-word", "local"]))
            cells = ["-1" if c.isupper() else value() for c in columns]
            lines.append(";".join(["relay-1", "300", stamp, *cells]))
    else:  # jsonl
        for t in times:
            key = rng.choice(["time", "ts", "timestamp", "@timestamp", "t"])
            raw = when(t, any_time)
            stamp = (
                raw if re.fullmatch(r"-?\d+(\.\d+)?", raw) and rng.random() < 0.5 else f'"{raw}"'
            )
            if rng.random() < junk:
                stamp = rng.choice(["null", "true", "[]", "{}", "1e400", "-1e400"])
            cell = value()
            shown = _json_number(cell) if rng.random() < 0.8 else f'"{cell}"'
            if rng.random() < 0.5:
                lines.append(
                    f'{{"{key}":{stamp},"name":"{rng.choice(names).replace(chr(34), "")}",'
                    f'"value":{shown},"host":"relay-1","labels":{{"dc":"fra"}}}}'
                )
            else:
                inner = ",".join(f'"{n.replace(chr(34), "")}":{shown}' for n in names)
                lines.append(f'{{"{key}":{stamp},{inner},"mem":{{"rss":{rng.randint(0, 9)}}}}}')
    return lines


def metric_file(rng: random.Random) -> tuple[str, bytes]:
    """A metric file in one of `METRIC_FORMATS` (sometimes damaged as real exports are):
    (suffix, bytes)."""
    fmt = rng.choice(METRIC_FORMATS)
    lines = _metric_lines(rng, fmt, big(rng, [0, 1, 2, 5, 20, 100], [1000, 5000]))
    damage = rng.random()
    if damage < 0.1 and len(lines) > 2:  # unsorted rows (the header stays first)
        body = lines[1:]
        rng.shuffle(body)
        lines = lines[:1] + body
    elif damage < 0.2 and lines:  # a row repeated
        i = rng.randrange(len(lines))
        lines[i:i] = [lines[i]] * big(rng, [2, 10], [1000])
    elif damage < 0.25 and lines:  # a very long line
        i = rng.randrange(len(lines))
        lines[i] += rng.choice([",1", ";", " ", "x", ',"a"']) * big(rng, [100, 5000], [100000])
    elif damage < 0.33 and lines:  # a long run of one character inside a line
        i = rng.choice([0, rng.randrange(len(lines))])
        j = rng.randint(0, len(lines[i]))
        run = rng.choice([" ", "\t"]) if rng.random() < 0.5 else rng.choice('09a{([",.-=:_')
        # Long enough for a pattern that rescans the run from each of its characters.
        lines[i] = lines[i][:j] + run * rng.choice([100, 3000, 20000, 60000]) + lines[i][j:]
    elif damage < 0.37 and len(lines) > 1:  # separators mixed
        i = rng.randrange(1, len(lines))
        lines[i] = lines[i].replace(",", rng.choice([";", "\t", " , "]))
    newline = rng.choice(["\n"] * 6 + ["\r\n", "\r"])
    text = newline.join(lines) + rng.choice([newline, ""])
    encoding = "utf-8"
    if rng.random() < 0.08:
        encoding = rng.choice(["latin-1", "utf-16", "utf-8-sig", "cp1252", "utf-16-be"])
    data = text.encode(encoding, "replace")
    if rng.random() < 0.05:
        data = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + data
    if rng.random() < 0.05 and data:  # bytes that are no UTF-8
        i = rng.randrange(len(data))
        data = (
            data[:i] + rng.choice([b"\xff", b"\xc3\x28", b"\xe9", b"\x00", b"\x80\x80"]) + data[i:]
        )
    return METRIC_SUFFIXES[fmt], data[:METRIC_MAX_BYTES]


# ---------------------------------------------------------------------------------------
# Host state: package lists and histories, socket tables, process tables and services, as
# the tools print them, with the dates, zones and widths of real hosts and past them.

HOST_FORMATS = [
    "rpm-qa", "rpm-last", "dpkg-l", "dpkg-query", "dpkg-log", "apt-history", "yum-log",
    "dnf-history", "pip-freeze", "apk", "ss", "ss-s", "netstat", "proc-net-tcp", "watch-ss",
    "ps-lstart", "ps-aux", "systemctl-show", "systemctl-status", "needrestart", "sysctl",
]  # fmt: skip
#: The reader each format is meant for (``run_hosts`` sometimes gives it to another).
HOST_READERS = (
    {fmt: "packages" for fmt in HOST_FORMATS[:10]}
    | {fmt: "sockets" for fmt in HOST_FORMATS[10:15]}
    | {fmt: "processes" for fmt in HOST_FORMATS[15:20]}
    | {fmt: "settings" for fmt in HOST_FORMATS[20:]}
)
HOST_PACKAGES = ["httpd", "openssl", "libssl1.1", "glibc", "nginx", "postgresql-server",
                 "python3-requests", "kernel", "musl", "busybox", "systemd", "libc6",
                 "openssh-server", "redis", "java-11-openjdk"]  # fmt: skip
_ARCHES = ["x86_64", "noarch", "i686", "aarch64", "amd64", "all", "arm64", "src", "x"]
_STATES = ["ESTAB", "LISTEN", "TIME-WAIT", "CLOSE-WAIT", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
           "FIN-WAIT-2", "LAST-ACK", "CLOSING", "UNCONN", "ESTABLISHED", "TIME_WAIT", "BOGUS"]  # fmt: skip
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_MONS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_HOST_ZONES = ["UTC", "CDT", "CST", "CEST", "PDT", "EST", "IST", "+0200", "-0500", "ZZZ",
               "AEST", "NZDT", "GMT", "XYZW", "+9999"]  # fmt: skip


def _version(rng: random.Random, style: str = "rpm") -> str:
    parts = [str(rng.choice([0, 1, 2, 9, 10, 99, rng.randint(0, 10**rng.randint(1, 25))]))
             for _ in range(rng.randint(1, 4))]  # fmt: skip
    text = ".".join(parts)
    if rng.random() < 0.1:
        text += rng.choice(["~rc1", "^git1", "a1", ".post1", ".dev0", "+local", "_p1", "-"])
    if style == "rpm":
        text = (f"{rng.randint(0, 3)}:" if rng.random() < 0.2 else "") + text
        text += "-" + rng.choice(["1.el7", "97.el7.centos.5", "1.fc39", "2.amzn2", "0"])
    elif style == "deb":
        text = (f"{rng.randint(0, 3)}:" if rng.random() < 0.2 else "") + text
        text += rng.choice(["-1ubuntu1", "-2+deb12u1", "", "-0ubuntu0.22.04.1", "~bpo11+1"])
    elif style == "apk":
        text += f"-r{rng.randint(0, 20)}"
    if rng.random() < 0.03:
        text = rng.choice(["", "-", ":", "1" * 600, "a" * 3000, "1." * 500, "~" * 200, "é"])
    return text


def _pkg(rng: random.Random) -> str:
    name = rng.choice(HOST_PACKAGES)
    if rng.random() < 0.03:
        name = rng.choice(["", "-", "a" * 2000, "x-1-2-3", "ünïcode", "a b"])
    return name


def _host_date(rng: random.Random, style: str) -> str:
    """A date as the host tools print it, mostly possible, sometimes not."""
    y = year(rng) if rng.random() < 0.85 else rng.choice(["0", "9999", "10000", "2031"])
    mon = rng.choice(_MONS) if rng.random() < 0.95 else rng.choice([*MONTHS, "Foo"])
    d = (
        number(rng, 1, 28)
        if rng.random() < 0.9
        else rng.choice(["0", "29", "30", "31", "32", "99"])
    )
    hh = number(rng, 0, 23) if rng.random() < 0.9 else rng.choice(["24", "25", "99", "12"])
    mm, ss = number(rng, 0, 59), number(rng, 0, 59) if rng.random() < 0.95 else "60"
    tz = rng.choice(_HOST_ZONES) if rng.random() < 0.9 else zone(rng)
    day = rng.choice(_DAYS)
    if rng.random() < 0.04:  # the ends of the calendar: in another zone, past them in UTC
        y, mon, d, hh = rng.choice([("9999", "Dec", "31", "23"), ("0001", "Jan", "01", "00")])
    m = f"{_MONS.index(mon) + 1:02d}" if mon in _MONS else rng.choice(["00", "13", "1"])
    if style == "c":  # date(1): Tue Aug 23 14:02:11 CDT 2016
        return f"{day} {mon} {d:>2} {hh}:{mm}:{ss} {tz} {y}"
    if style == "rpm":  # Tue 23 Aug 2016 02:14:07 PM CDT
        return f"{day} {d} {mon} {y} {hh}:{mm}:{ss} {rng.choice(['AM', 'PM', ''])} {tz}"
    if style == "lstart":  # Tue Aug 23 14:02:11 2016
        return f"{day} {mon} {d:>2} {hh}:{mm}:{ss} {y}"
    if style == "systemd":  # Tue 2016-08-23 14:02:11 CDT
        return f"{day} {y}-{m}-{d} {hh}:{mm}:{ss} {tz}"
    if style == "yum":
        return f"{mon} {d:>2} {hh}:{mm}:{ss}"
    if style == "epoch":
        return str(rng.choice([0, 1, 1471979000, 4102444800, 253402300800, 10**18]))
    return f"{y}-{m}-{d} {hh}:{mm}:{ss}"  # iso, dpkg.log and apt


def _addr(rng: random.Random) -> str:
    host = rng.choice(["10.0.0.1", "10.0.0.2", "127.0.0.1", "0.0.0.0", "*", "[::]", "[::1]",
                       "[::ffff:10.0.0.3]", "192.168.1.200%eth0", "fe80::1", "999.1.1.1",
                       "[2001:db8::1]", "::", "localhost"])  # fmt: skip
    port = rng.choice(["5432", "443", "80", "*", "0", "65535", "65536", "99999999999", "http",
                       str(rng.randint(1024, 65535)), "-1"])  # fmt: skip
    return f"{host}:{port}"


def _users(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return ""
    procs = ",".join(
        f'("{rng.choice(["postgres", "nginx", "java", "a b", "", "x" * 300])}",'
        f"pid={rng.choice([1, 812, 99999999999999, 0])},fd={rng.randint(0, 99)})"
        for _ in range(rng.randint(1, 3))
    )
    return f"users:({procs})"


def _hex_addr(rng: random.Random) -> str:
    width = rng.choice([8, 8, 8, 32, 7, 33])
    return (
        "".join(rng.choice("0123456789ABCDEF") for _ in range(width))
        + ":"
        + "".join(rng.choice("0123456789ABCDEFG") for _ in range(rng.choice([4, 4, 4, 3, 5])))
    )


def _command(rng: random.Random) -> str:
    cmd = rng.choice(["/usr/sbin/httpd -DFOREGROUND", "nginx: worker process",
                      "/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg", "[kworker/0:1]",
                      "/usr/bin/python3 /opt/app.py", "java -jar app.jar", "(sd-pam)",
                      "/usr/sbin/sshd -D", "redis-server *:6379", "/usr/bin/openssl s_server"])  # fmt: skip
    if rng.random() < 0.05:
        cmd += " " + "x" * rng.choice([100, 5000])
    return cmd


def _host_body(rng: random.Random, fmt: str, rows: int) -> list[str]:
    out: list[str] = []
    pid = lambda: str(rng.choice([1, 812, 4242, 99999, rng.randint(2, 4194304), 10**20]))  # noqa: E731
    if fmt == "rpm-qa":
        out = [f"{_pkg(rng)}-{_version(rng)}.{rng.choice(_ARCHES)}" for _ in range(rows)]
    elif fmt == "rpm-last":
        out = [f"{_pkg(rng)}-{_version(rng)}.{rng.choice(_ARCHES)}{' ' * rng.choice([1, 8, 30])}"
               f"{_host_date(rng, 'rpm')}" for _ in range(rows)]  # fmt: skip
    elif fmt == "dpkg-l":
        out = ["Desired=Unknown/Install/Remove/Purge/Hold",
               "| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend",
               "|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)",
               "||/ Name           Version        Architecture Description",
               "+++-==============-==============-============-=========="]  # fmt: skip
        out += [f"{rng.choice(['ii', 'rc', 'hi', 'iU', 'iF', 'un', 'zz'])}  {_pkg(rng)}"
                f"{rng.choice(['', ':amd64'])}  {_version(rng, 'deb')}  {rng.choice(_ARCHES)}"
                f"  {words(rng, 3)}" for _ in range(rows)]  # fmt: skip
    elif fmt == "dpkg-query":
        out = [f"{_pkg(rng)}{rng.choice(['', ':amd64'])}\t{_version(rng, 'deb')}"
               for _ in range(rows)]  # fmt: skip
    elif fmt == "dpkg-log":
        for _ in range(rows):
            action = rng.choice(["install", "upgrade", "remove", "purge", "status", "configure",
                                 "trigproc", "startup", "conffile", "bogus"])  # fmt: skip
            out.append(f"{_host_date(rng, 'iso')} {action} {_pkg(rng)}:amd64 "
                       f"{_version(rng, 'deb')} {_version(rng, 'deb')}")  # fmt: skip
    elif fmt == "apt-history":
        for _ in range(max(1, rows // 4)):
            out += ["", f"Start-Date: {_host_date(rng, 'iso').replace(' ', '  ')}",
                    "Commandline: apt-get -y upgrade"]  # fmt: skip
            for key in rng.sample(["Install", "Upgrade", "Remove", "Purge", "Downgrade",
                                   "Reinstall", "Bogus"], rng.randint(1, 3)):  # fmt: skip
                items = ", ".join(
                    f"{_pkg(rng)}:amd64 ({_version(rng, 'deb')}, {_version(rng, 'deb')})"
                    for _ in range(big(rng, [1, 3], [2000]))
                )
                out.append(f"{key}: {items}")
            out.append(f"End-Date: {_host_date(rng, 'iso').replace(' ', '  ')}")
    elif fmt == "yum-log":
        out = [f"{_host_date(rng, 'yum')} {rng.choice(['Installed', 'Updated', 'Erased', 'Bogus'])}: "
               f"{_pkg(rng)}-{_version(rng)}.{rng.choice(_ARCHES)}" for _ in range(rows)]  # fmt: skip
    elif fmt == "dnf-history":
        out = ["ID     | Command line             | Date and time    | Action(s)      | Altered",
               "-" * 80]  # fmt: skip
        out += [f"{rng.randint(1, 9999):>6} | {words(rng, 2):<24} | {_host_date(rng, 'iso')[:16]} | "
                f"{rng.choice(['Upgrade', 'Install', 'Removed', 'I, U', 'E, I, U', 'Bogus'])} | "
                f"{rng.randint(0, 99):>5}{rng.choice(['', ' EE', ' <', ' >'])}" for _ in range(rows)]  # fmt: skip
    elif fmt == "pip-freeze":
        out = [f"{rng.choice(['requests', 'Django', 'foo_bar', 'foo-bar', 'Foo.Bar', 'numpy'])}"
               f"{rng.choice(['==', '===', ' @ '])}{_version(rng, 'python')}" for _ in range(rows)]  # fmt: skip
        if rng.random() < 0.2:
            out.append("-e git+https://example.invalid/x.git@abc#egg=x")
    elif fmt == "apk":
        out = [f"{_pkg(rng)}-{_version(rng, 'apk')}" for _ in range(rows)]
    elif fmt in ("ss", "watch-ss"):
        out = ["State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process"]
        out += [f"{rng.choice(_STATES)} {rng.randint(0, 9)} {rng.randint(0, 9)} {_addr(rng)} "
                f"{_addr(rng)} {_users(rng)}" for _ in range(rows)]  # fmt: skip
        if fmt == "watch-ss":
            blocks: list[str] = []
            for _ in range(rng.randint(1, 5)):
                date = _host_date(rng, rng.choice(["c", "iso", "epoch"]))
                if rng.random() < 0.3:
                    date = f"Every 2.0s: ss -tanp{' ' * rng.choice([1, 40])}host: {date}"
                blocks += [date, *out[: rng.randint(1, len(out))]]
            out = blocks
    elif fmt == "ss-s":
        n = lambda: str(rng.choice([0, 12, 4000, 10**30]))  # noqa: E731
        out = [f"Total: {n()}",
               f"TCP:   {n()} (estab {n()}, closed {n()}, orphaned {n()}, timewait {n()})",
               "", "Transport Total     IP        IPv6", f"RAW       {n()}         {n()}         {n()}",
               f"TCP       {n()}      {n()}      {n()}", f"INET      {n()}      {n()}      {n()}"]  # fmt: skip
    elif fmt == "netstat":
        out = ["Active Internet connections (servers and established)",
               "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name"]  # fmt: skip
        out += [f"{rng.choice(['tcp', 'tcp6', 'udp', 'raw'])}        0      0 {_addr(rng):<23} {_addr(rng):<23} "
                f"{rng.choice([*_STATES, '']):<11} {rng.choice([pid() + '/postgres', '-', '812/a b'])}"
                for _ in range(rows)]  # fmt: skip
    elif fmt == "proc-net-tcp":
        out = [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
        ]
        out += [f"{i:>4}: {_hex_addr(rng)} {_hex_addr(rng)} {rng.choice(['01', '0A', '06', '0B', 'FF', 'G1'])} "
                f"00000000:00000000 00:00000000 00000000   999        0 {rng.randint(0, 10**9)} 1 0000"
                for i in range(rows)]  # fmt: skip
    elif fmt == "ps-lstart":
        out = ["  PID                  STARTED COMMAND"]
        out += [f"{pid():>5} {_host_date(rng, 'lstart')} {_command(rng)}" for _ in range(rows)]
    elif fmt == "ps-aux":
        out = ["USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
        for _ in range(rows):
            start = rng.choice([f"{number(rng, 0, 23)}:{number(rng, 0, 59)}",
                                f"{rng.choice(_MONS)}{number(rng, 1, 31)}", year(rng), "25:61",
                                f"{rng.choice(_MONS)}99", "0000"])  # fmt: skip
            out.append(f"root     {pid():>7}  0.0  0.1 123456  5678 ?        Ss   {start:>5}   "
                       f"0:00 {_command(rng)}")  # fmt: skip
    elif fmt == "systemctl-show":
        for _ in range(max(1, rows // 3)):
            out += [f"Id={rng.choice(['httpd', 'nginx', 'postgresql', 'a b'])}.service",
                    f"MainPID={pid()}", f"ExecMainPID={pid()}",
                    f"ExecMainStartTimestamp={_host_date(rng, 'systemd')}",
                    f"ActiveEnterTimestamp={rng.choice([_host_date(rng, 'systemd'), 'n/a', ''])}",
                    f"ActiveState={rng.choice(['active', 'inactive', 'failed', 'reloading'])}", ""]  # fmt: skip
    elif fmt == "systemctl-status":
        for _ in range(max(1, rows // 3)):
            unit = rng.choice(["httpd", "nginx", "postgresql", "sshd"])
            out += [f"{rng.choice(['●', '*', '×', ''])} {unit}.service - The {unit} server",
                    f"   Loaded: loaded (/usr/lib/systemd/system/{unit}.service; enabled)",
                    f"   Active: {rng.choice(['active (running)', 'failed (Result: signal)', 'inactive (dead)'])}"
                    f" since {_host_date(rng, 'systemd')}; {rng.randint(0, 99)}h ago",
                    f" Main PID: {pid()} ({unit})", f"   CGroup: /system.slice/{unit}.service"]  # fmt: skip
            out += [f"           {rng.choice(['├─', '└─', '|-', '`-'])}{pid()} {_command(rng)}"
                    for _ in range(rng.randint(0, 4))]  # fmt: skip
            out.append("")
    elif fmt == "needrestart":
        out = ["NEEDRESTART-VER: 3.5", f"NEEDRESTART-KCUR: 5.15.0-{rng.randint(1, 999)}-generic",
               f"NEEDRESTART-KSTA: {rng.randint(0, 3)}"]  # fmt: skip
        out += [f"NEEDRESTART-{rng.choice(['SVC', 'CONT', 'SESS', 'BOGUS'])}: "
                f"{rng.choice(['httpd', 'nginx', 'a b', ''])}.service" for _ in range(rows)]  # fmt: skip
    elif fmt == "sysctl":
        keys = ["fs.file-max", "net.ipv4.tcp_max_orphans", "net.ipv4.tcp_max_tw_buckets",
                "net.core.somaxconn", "net.ipv4.tcp_fin_timeout", "kernel.pid_max", ""]  # fmt: skip
        values = ["512", "0", "65536", "9223372036854775807", "99999999999999999999999", "-1",
                  "lots", "", "4096\t8192", "1e3"]  # fmt: skip
        out = [f"{rng.choice(keys)}{rng.choice([' = ', '=', ' '])}{rng.choice(values)}"
               for _ in range(rows)]  # fmt: skip
    return out


def host_state_file(rng: random.Random) -> tuple[str, bytes]:
    """A host-state file in one of `HOST_FORMATS` (sometimes two joined, sometimes damaged
    as copied output is): (format, bytes)."""
    fmt = rng.choice(HOST_FORMATS)
    lines = _host_body(rng, fmt, big(rng, [0, 1, 3, 10, 40], [1000, 5000]))
    if rng.random() < 0.1:  # another tool's output after it, as a pasted session holds
        lines += _host_body(rng, rng.choice(HOST_FORMATS), rng.randint(1, 10))
    if rng.random() < 0.15 and fmt not in ("watch-ss",):  # a date line on top, as scripts write
        lines.insert(0, _host_date(rng, rng.choice(["c", "iso", "epoch", "systemd"])))
    if rng.random() < 0.05:
        lines.insert(0, f"# host: {rng.choice(['web01', 'db-2', '', 'a b', 'x' * 500])}")
    damage = rng.random()
    if damage < 0.1 and len(lines) > 2:
        body = lines[1:]
        rng.shuffle(body)
        lines = lines[:1] + body
    elif damage < 0.2 and lines:  # a row repeated
        i = rng.randrange(len(lines))
        lines[i:i] = [lines[i]] * big(rng, [2, 10], [1000])
    elif damage < 0.3 and lines:  # a long run of one character inside a line
        i = rng.choice([0, rng.randrange(len(lines))])
        j = rng.randint(0, len(lines[i]))
        run = rng.choice([" ", "\t"]) if rng.random() < 0.6 else rng.choice("09a:.-=|(")
        lines[i] = lines[i][:j] + run * rng.choice([100, 3000, 20000, 60000]) + lines[i][j:]
    elif damage < 0.35 and lines:  # a huge line
        i = rng.randrange(len(lines))
        lines[i] += rng.choice([" x", "a", ":", "1"]) * big(rng, [1000], [200000])
    newline = rng.choice(["\n"] * 6 + ["\r\n", "\r"])
    text = newline.join(lines) + rng.choice([newline, ""])
    encoding = "utf-8"
    if rng.random() < 0.06:
        encoding = rng.choice(["latin-1", "utf-16", "utf-8-sig", "cp1252", "utf-16-be"])
    data = text.encode(encoding, "replace")
    if rng.random() < 0.05:
        data = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + data
    if rng.random() < 0.05 and data:  # bytes that are no UTF-8
        i = rng.randrange(len(data))
        data = data[:i] + rng.choice([b"\xff", b"\xc3\x28", b"\x00", b"\x80\x80"]) + data[i:]
    return fmt, data[:METRIC_MAX_BYTES]
