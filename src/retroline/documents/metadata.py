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
    RANK_META,
    RANK_REVISION,
    RANK_SIGNATURE,
    RANK_TITLE,
    DateHint,
    Parsed,
)
from retroline.when import find_times

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
        r"^\s*\d+ (Likes?|Replies|Reply|Views?|Links?|Users?)\s*$",
        r"^\s*(Skip to (main )?content|Jump to (navigation|search)|Log ?in|Sign ?up|Share|Reply)\s*$",
        r"^\s*(Page|Last) (last )?(edited|modified|updated)\b.*\bby\b",
        r"^\s*This page was last edited on",
        r"^\s*Retrieved from\s",
        r"^\s*(Privacy policy|About|Disclaimers)( \| .*)?\s*$",
        r"^\s*Powered by\b",
        r"^\s*Subscribe\b.*\bnewsletter",
    )
)
_SIGNATURE = re.compile(
    r"^\s*--\s*(?:Main\.)?(?P<who>[A-Z][\w.\- ]{1,40}?)\s+-\s+(?P<when>.*\d.*)$"
)
_REVISION = re.compile(r"Topic revision:\s*(?P<rev>r?[\d.]+)\s*-\s*(?P<rest>.+)", re.I)
_BREADCRUMB = re.compile(r"^\s*You are here:.*\((?P<when>[^()]*\d{4}[^()]*)\)")
_TOPICINFO = re.compile(r"%META:TOPICINFO\{(?P<attrs>[^}]*)\}%")
_ATTR = re.compile(r'(\w+)="([^"]*)"')
# A line near the top that names the writer: "Prepared by: Dwayne K.", "**Authors:** Dana W."
_AUTHOR = re.compile(
    r"^[\s*_:>-]*(?:prepared by|authors?|written by|reported by|owner)[\s*_:]*"
    r"(?P<who>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})",
    re.I,
)
# A line near the top that dates the document: "Date: ...", "Published July 19, 2018",
# "Reported by Harriet Lowe, 2022-07-05", "**Date of report:** 2024-03-12".
_DATED = re.compile(
    r"\b(date[ds]?|published|posted|written|reported|prepared|updated|created|issued)\b", re.I
)


def first_date(text: str) -> dt.date | None:
    """The first calendar date with a year in ``text``."""
    for match in find_times(text):
        if match.year is not None and match.month is not None and match.day is not None:
            try:
                return dt.date(match.year, match.month, match.day)
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
                when = dt.datetime.fromtimestamp(int(attrs["date"]), dt.UTC).date()
                parsed.dates.append(DateHint(when, RANK_META, number))
                parsed.revision_date = when
            if attrs.get("version"):
                # TWiki counts revisions as 1.N: version 1.5 is r5.
                version = attrs["version"]
                parsed.revision = (
                    "r" + version.split(".", 1)[1] if version.startswith("1.") else version
                )
            continue
        found = _SIGNATURE.match(line)
        if found and (when := first_date(found["when"])):
            parsed.dates.append(DateHint(when, RANK_SIGNATURE, number))
            continue
        found = _REVISION.search(line)
        if found:
            parsed.revision = found["rev"] if found["rev"].startswith("r") else "r" + found["rev"]
            if when := first_date(found["rest"]):
                parsed.revision_date = when
                parsed.dates.append(DateHint(when, RANK_REVISION, number))
            continue
        found = _BREADCRUMB.match(line)
        if found and (when := first_date(found["when"])):
            parsed.dates.append(DateHint(when, RANK_CHROME, number))
            continue
        who = _AUTHOR.match(line) if i < 25 and parsed.author is None else None
        if who:
            parsed.author = who["who"].strip()
        if i < 25 and _DATED.search(line) and (when := first_date(line)):
            parsed.dates.append(DateHint(when, RANK_HEADER, number))


def title_date(parsed: Parsed) -> None:
    """A date in the title ("Outage on 2018-04-03") also dates the document, weakly."""
    if parsed.title and (when := first_date(parsed.title)):
        parsed.dates.append(DateHint(when, RANK_TITLE, None))


def mail_date(value: str) -> dt.datetime | None:
    """An RFC 2822 Date: header as an aware datetime."""
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def is_chrome(line: str) -> bool:
    """True for page furniture that is not part of the document's content."""
    return any(p.search(line) for p in CHROME) or bool(_SIGNATURE.match(line))
