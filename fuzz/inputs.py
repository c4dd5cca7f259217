"""Inputs for the fuzzer: seeds mutated, seeds spliced, and documents and logs generated from
a small grammar. Every input is a function of (seed, target, index) alone, so any one of a
run's inputs can be made again without the others (``run.py --replay``)."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import random
import zipfile
from collections.abc import Callable
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
    """The seed files of ``documents`` or ``logs``: (file name, bytes), in name order."""
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
    out = rng.choice([gzip.compress, bz2.compress, lzma.compress])(data)
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
