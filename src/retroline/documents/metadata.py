"""What a document says about itself: its date, revision and title, from signatures, wiki
metadata, page chrome and headers; and the chrome lines that are not content.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime

from retroline.documents.blocks import (
    RANK_CHROME,
    RANK_HEADER,
    RANK_INCIDENT,
    RANK_META,
    RANK_NAME,
    RANK_REVISION,
    RANK_SIGNATURE,
    RANK_TITLE,
    RANK_WEAK,
    DateHint,
    Parsed,
)
from retroline.model import DateSource
from retroline.when import find_times, full_year
from retroline.when.patterns import MONTHS

# Page furniture of wikis and forums, copied along with the content: never events.
CHROME = tuple(
    re.compile(p, re.I)
    for p in (
        r"^\s*You are here:",
        r"^\s*Topic revision:",
        r"^\s*(Edit|Attach|Watch|Print version|History|Backlinks|Raw View|WYSIWYG|More topic actions)"
        r"\s*\|",
        r"^\s*This site is powered by",
        r"^\s*Hello,? TWikiGuest",
        r"^\s*TWiki \|",
        r"^\s*(or )?Ideas, requests, problems regarding",
        r"^\s*(?:\S+ )?(Cern|TWiki|Google) Search( Icon)?",
        r"^\s*DB All webs login\s*$",
        r"^\s*Copyright (&|©|\(c\))",
        r"^\s*(©|\(c\))\s*(?:\d{4}|[A-Z])",
        r"^\s*\d+ (Likes?|Replies|Reply|Views?|Links?|Users?)\s*$",
        r"^\s*(Skip to (main )?content|Jump to (navigation|search)|Log ?in|Sign ?up|Share|Reply)\s*$",
        r"^\s*(Page|Last) (last )?(edited|modified|updated)\b.*\bby\b",
        r"^\s*This page was last edited on",
        r"^\s*Retrieved from\s",
        r"^\s*(Privacy policy|About|Disclaimers)( \| .*)?\s*$",
        r"^\s*Powered by\b",
        r"^\s*Subscribe\b.*\bnewsletter",
        # "Spaces / Platform / Incidents", "Forums › Self-Hosting": where a page sits
        r"^(?!.*\d:\d)\s*\w[^/›»\n]{0,40}(?:\s[›»]\s[^/›»\n]{1,40}){1,6}\s*$",
        r"^(?!.*\d:\d)\s*\w[^/›»\n]{0,40}(?:\s/\s[^/›»\n]{1,40}){2,6}\s*$",
    )
)
_SIGNATURE = re.compile(
    r"^\s*--\s*(?:Main\.)?(?P<who>[A-Z][\w.\- ]{1,40}?)\s+-\s+(?P<when>.*\d.*)$"
)
_REVISION = re.compile(r"Topic revision:\s*(?P<rev>r?[\d.]+)\s*-\s*(?P<rest>.+)", re.I)
_BREADCRUMB = re.compile(r"^\s*You are here:.*\((?P<when>[^()]*\d{4}[^()]*)\)")
_TOPICINFO = re.compile(r"%META:TOPICINFO\{(?P<attrs>[^}]*)\}%")
# A name starts after a non-word character and a value ends at the line's next quote:
# scanned from each letter of a long word, or from each of many unclosed values, a long
# line took time growing with its square.
_ATTR = re.compile(r'(?<!\w)(\w+)="([^"]{0,1000})"')
# A line near the top that names the writer: "Prepared by: Dwayne K.", "**Authors:** Dana W."
_AUTHOR = re.compile(
    r"^[\s*_:>-]*(?:prepared by|authors?|written by|reported by|owner)[\s*_:]*"
    r"(?P<who>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})",
    re.I,
)
# "Posted 2024-06-03 by mountainmoth · 14 replies": a forum or blog byline.
_POSTED_BY = re.compile(
    r"^[\s*_>-]*(?i:posted|published|written|submitted)\b[^|·•\n]{0,40}?\bby\s+@?"
    r"(?P<who>[\w.'-]+(?: [A-Z][\w.'-]*){0,2})"
)
# A line near the top that dates the document: "Date: ...", "Published July 19, 2018",
# "Reported by Harriet Lowe, 2022-07-05", "**Date of report:** 2024-03-12".
_DATED = re.compile(
    r"\b(date[ds]?|published|posted|written|reported|prepared|updated|created|issued|reviewed"
    r"|revised|edited|modified|approved|finali[sz]ed)\b",
    re.I,
)
# "Date of incident: 2022-09-30", "Incident date:", "Outage on": the day of the incident itself,
# better than the day the page was written; "last modified on" is a later save of it.
_INCIDENT_DATED = re.compile(
    r"\b(?:date\s+of\s+(?:the\s+)?(?:incident|outage|event|impact)|(?:incident|outage|event)"
    r"\s+(?:date|day|started|start)|occurred)\b",
    re.I,
)
_REVISED = re.compile(r"\b(?:last\s+)?(?:modified|edited|revised|updated)\b", re.I)
METADATA_LINE = re.compile(
    r"\b(?:created|modified|edited|revised|updated|posted|published|written|reviewed|approved)"
    r"\s+(?:by|on|at)\b",
    re.I,
)


def first_date(text: str) -> dt.date | None:
    """The first calendar date with a year in ``text``."""
    for match in find_times(text):
        if match.year is not None and match.month is not None and match.day is not None:
            year = full_year(match.year) if match.two_digit_year else match.year
            try:
                return dt.date(year, match.month, match.day)
            except ValueError:
                continue
    return None


def scan(lines: list[str], parsed: Parsed) -> None:
    """Collect the document's own dates and revision from its lines into ``parsed``."""
    for i, line in enumerate(lines):
        number = i + 1
        if "%META:TOPICINFO" in line:
            info = _TOPICINFO.search(line)
            attrs = dict(_ATTR.findall(info["attrs"])) if info else {}
            if attrs.get("date", "").isdigit():
                saved = dt.datetime.fromtimestamp(int(attrs["date"]), dt.UTC).date()
                parsed.dates.append(DateHint(saved, RANK_META, number))
                parsed.revision_date = saved
            if attrs.get("version"):
                # TWiki counts revisions as 1.N: version 1.5 is r5.
                version = attrs["version"]
                parsed.revision = (
                    "r" + version.split(".", 1)[1] if version.startswith("1.") else version
                )
            continue
        found = _SIGNATURE.match(line)
        if found and (when := first_date(found["when"])) is not None:
            parsed.dates.append(DateHint(when, RANK_SIGNATURE, number))
            continue
        found = _REVISION.search(line)
        if found:
            parsed.revision = found["rev"] if found["rev"].startswith("r") else "r" + found["rev"]
            if (when := first_date(found["rest"])) is not None:
                parsed.revision_date = when
                parsed.dates.append(DateHint(when, RANK_REVISION, number))
            continue
        found = _BREADCRUMB.match(line)
        if found and (when := first_date(found["when"])) is not None:
            parsed.dates.append(DateHint(when, RANK_CHROME, number))
            continue
        who = (
            (_AUTHOR.match(line) or _POSTED_BY.match(line))
            if i < 25 and not parsed.author
            else None
        )
        if who:
            parsed.author = who["who"].strip()
        if i < 25 and _DATED.search(line) and (when := first_date(line)) is not None:
            rank = RANK_HEADER
            if _INCIDENT_DATED.search(line):
                rank = RANK_INCIDENT
            elif _REVISED.search(line):
                rank = RANK_REVISION
            parsed.dates.append(DateHint(when, rank, number))


def title_date(parsed: Parsed) -> None:
    """A date in the title ("Outage on 2018-04-03", "(Jan 16–17, 2024)") also dates the
    document, weakly; a month and year alone ("March 2021") give the year of its dates."""
    if not parsed.title:
        return
    title = first_days(parsed.title)
    if when := first_date(title):
        parsed.dates.append(DateHint(when, RANK_TITLE, None))
        return
    for match in find_times(title):
        if match.year is not None and match.month is not None and not match.two_digit_year:
            parsed.year_hint = parsed.year_hint or dt.date(match.year, match.month, 1)
            return


_ORDINAL = r"(?:st|nd|rd|th)?"
# Spans of days, which start on their first day: "March 31 - April 1, 2025", "Jan 16–17,
# 2024", "16-17 January 2024".
_DAY_SPANS = (
    re.compile(
        rf"(?P<keep>\b[A-Z][a-z]{{2,8}}\.?\s+\d{{1,2}}){_ORDINAL}\s*[-–—]\s*"
        rf"[A-Z][a-z]{{2,8}}\.?\s+\d{{1,2}}{_ORDINAL}\b"
    ),
    re.compile(
        rf"(?P<keep>\b[A-Z][a-z]{{2,8}}\.?\s+\d{{1,2}}){_ORDINAL}\s*[-–—]\s*\d{{1,2}}{_ORDINAL}\b"
    ),
    re.compile(
        rf"(?P<keep>\b\d{{1,2}}){_ORDINAL}\s*[-–—]\s*\d{{1,2}}{_ORDINAL}(?=\s+(?:of\s+)?[A-Z][a-z]{{2,8}})"
    ),
)


def first_days(text: str) -> str:
    """``text`` with every span of days written as its first day ("March 3-4, 2025" is
    "March 3, 2025"), so that the span's year and month apply to it."""
    for pattern in _DAY_SPANS:
        text = pattern.sub(lambda m: m["keep"], text)
    return text


def first_written_date(lines: list[str], parsed: Parsed) -> None:
    """When a document gives no date of its own, the first full date written near its top
    dates it, as weakly as anything can ("Status: final, 2024-01-19")."""
    if parsed.dates:
        return
    for number, line in enumerate(lines[:25], start=1):
        if when := first_date(line):
            parsed.dates.append(DateHint(when, RANK_WEAK, number))
            return


def mail_date(value: str) -> dt.datetime | None:
    """An RFC 2822 Date: header as an aware datetime."""
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):  # OverflowError: a huge number
        return None
    return when if when.tzinfo is not None else None


# Every chrome pattern at once: one search a line.
CHROME_ANY = re.compile("|".join(f"(?:{p.pattern})" for p in CHROME), re.I)


def is_chrome(line: str) -> bool:
    """True for page furniture that is not part of the document's content."""
    return bool(CHROME_ANY.search(line)) or bool(_SIGNATURE.match(line))


# "URL: https://...", "Source: <https://...>": a first line that gives the address a copy of a
# page was taken from. It says where the document lives, and is no part of its content.
_ADDRESS_LINE = re.compile(
    r"^\s*(?:url|source|link|address|permalink|original(?:ly)?(?:\s+(?:posted|published))?"
    r"(?:\s+at)?|retrieved\s+from|archived\s+from|from)\s*:\s*<?(?P<url>https?://[^\s<>]+?)>?\s*$",
    re.I,
)


def address_line(text: str) -> tuple[str, int] | None:
    """The address a document's first line gives, and that line's index, if it gives one."""
    for index, line in enumerate(text.split("\n", 3)[:3]):
        if not line.strip():
            continue
        found = _ADDRESS_LINE.match(line)
        return (found["url"], index) if found else None
    return None


_MON = "|".join(m[:3] for m in MONTHS)
# Dates as file names and addresses write them: 2019-04-03, 2019_04_03, 20190403, 2019/04/03,
# 2016-April; a year and month alone (2017/08, 2024-04) say the year.
_PATH_DATE = re.compile(
    r"(?<![0-9A-Za-z])(?P<y>(?:19|20)\d\d)(?P<sep>[-_/.]?)(?P<m>0[1-9]|1[0-2])"
    r"(?:(?P=sep)(?P<d>0[1-9]|[12]\d|3[01]))?(?![0-9])"
    rf"|(?<![0-9A-Za-z])(?P<y2>(?:19|20)\d\d)[-_/](?P<mon>{_MON})[a-z]*(?![a-z])",
    re.I,
)


def path_dates(text: str, source: DateSource) -> tuple[list[DateHint], dt.date | None]:
    """The dates a file name or an address writes (as document dates), and the month of the
    first one that gives a year and a month only (as a hint for years)."""
    hints: list[DateHint] = []
    month: dt.date | None = None
    for found in _PATH_DATE.finditer(text):
        try:
            if found["y2"]:
                month = month or dt.date(int(found["y2"]), MONTHS.index(_full(found["mon"])) + 1, 1)
            elif found["d"] and (found["sep"] or len(found.group(0)) == 8):
                hints.append(
                    DateHint(
                        dt.date(int(found["y"]), int(found["m"]), int(found["d"])),
                        RANK_NAME,
                        None,
                        source,
                    )
                )
            elif found["sep"] in ("-", "_", "/"):
                month = month or dt.date(int(found["y"]), int(found["m"]), 1)
        except ValueError:
            continue
    return hints, month


def _full(abbreviation: str) -> str:
    return next(m for m in MONTHS if m.startswith(abbreviation.lower()[:3]))
