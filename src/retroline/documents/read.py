"""A postmortem file to an Incident: load the bytes, detect the format, read it into blocks,
extract the timeline and the parts, and run the checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from retroline.analysis.checks import findings_of
from retroline.analysis.hypotheses import against_facts
from retroline.documents import actions, dialects, metadata
from retroline.documents.blocks import Block, BlockKind, Parsed
from retroline.documents.formats import BINARY, Format, detect
from retroline.documents.html import read_html
from retroline.documents.load import LoadedText, load, load_bytes
from retroline.documents.markdown import read_markdown
from retroline.documents.sections import classify
from retroline.documents.stamps import comment_header
from retroline.documents.timeline import build_events
from retroline.errors import FormatError, UsageError
from retroline.evidence.shapes import evidence_shape, not_read
from retroline.model import (
    ActionItem,
    DateSource,
    Document,
    Finding,
    Hypothesis,
    Incident,
    Link,
    Section,
    SectionKind,
    Severity,
    Source,
    Window,
)
from retroline.when.zones import user_zone

__all__ = ["Format", "check_zone", "parse_text", "read_document"]

_URL = re.compile(r"https?://[^\s<>\"'\]\[)|]+")
# A label is what follows the last "[" before "](" (as CommonMark reads "[a [b](url)"); labels
# and addresses are bounded and looked for only in lines that can hold them: each "[" of a
# line without "]" was scanned to the line's end (200,000 took 4 minutes).
_MD_LINK = re.compile(r"\[([^\[\]\n]{1,300})\]\((https?://[^)\s]{1,4000})\)")
_TWIKI_LINK = re.compile(r"\[\[(https?://[^\]]{1,4000})\]\[([^\]]{1,300})\]\]")
_SECTION_TEXT_LIMIT = 8000
_LINE_DEPTH = 9  # "Root cause: ..." in one line: a part below every heading
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I'll|my|me)\b")
# "Any complete hypothesis must explain the data:" introduces the facts, not a hypothesis;
# "Strengths of this hypothesis:" judges one.
_FACTS = re.compile(r"must explain|has to explain|facts|what we know", re.I)
_JUDGEMENT = re.compile(r"^(strengths?|weakness(es)?|pros?|cons?)\b", re.I)
_LABELLED = re.compile(
    r"^(?P<label>[A-Z][\w /&-]{2,30}?)(?::\s+|\s+(?:is|was|were)\s+)(?P<rest>\S.*)$"
)
_LABEL_KINDS = {
    SectionKind.ROOT_CAUSE,
    SectionKind.CONTRIBUTING_FACTORS,
    SectionKind.IMPACT,
    SectionKind.MITIGATION,
    SectionKind.LESSONS,
}


def check_zone(tz: str | None) -> str | None:
    """Validate an IANA zone name given by the user (``--tz``)."""
    if tz is not None:
        user_zone(tz)
    return tz


def _format(value: str | None) -> Format | None:
    """The format named by ``--format``, if any."""
    if value is None:
        return None
    try:
        return Format(value)
    except ValueError as exc:
        known = ", ".join(f.value for f in Format)
        raise UsageError(f"--format {value!r} is not one of: {known}") from exc


def _parse(loaded: LoadedText, forced: Format | None) -> tuple[Format, Parsed]:
    """The format of a loaded file and what its reader found in it."""
    fmt = loaded.binary or forced or detect(loaded.text, loaded.path)
    if forced is not None and fmt is not forced:
        raise UsageError(
            f"--format {forced.value} cannot read {loaded.path}: it is a {fmt.value} file "
            "(leave out --format)"
        )
    # The Word and PDF readers load their libraries (0.1 s) only for such files.
    if fmt is Format.DOCX:
        from retroline.documents.docx import read_docx

        return fmt, _path_dates(read_docx(loaded.data, loaded.path), loaded.path)
    if fmt is Format.PDF:
        from retroline.documents.pdf import read_pdf

        return fmt, _path_dates(read_pdf(loaded.data, loaded.path), loaded.path)
    return fmt, parse_text(loaded.text, fmt, loaded.path)


def parse_text(text: str, fmt: Format, path: str) -> Parsed:
    """Blocks and self-description of a document's text in a known format.

    A first line that gives the page's address (``URL: https://...``) is read as metadata,
    and the dates in the address and the file name count as dates of the document.
    """
    address = metadata.address_line(text)
    if address is not None:
        lines = text.split("\n")
        lines[address[1]] = ""  # keep the line numbers true to the file
        text = "\n".join(lines)
    parsed = _read(text, fmt, path)
    if address is not None:
        parsed.url = address[0]
    parsed = _path_dates(parsed, path)
    if fmt is not Format.HTML:  # an HTML page's first lines are markup, its dates are in meta
        metadata.first_written_date(text.splitlines(), parsed)
    return parsed


def _path_dates(parsed: Parsed, path: str) -> Parsed:
    """The dates in the document's address and file name, as dates of the document."""
    for where, source in ((parsed.url, DateSource.URL), (Path(path).name, DateSource.FILE_NAME)):
        if not where:
            continue
        hints, month = metadata.path_dates(where, source)
        parsed.dates += hints
        parsed.year_hint = parsed.year_hint or month
    return parsed


def _read(text: str, fmt: Format, path: str) -> Parsed:
    if fmt in BINARY:
        raise ValueError(f"{fmt.value} is read from bytes, not text: use read_document")
    if fmt is Format.MARKDOWN:
        return read_markdown(text)
    if fmt is Format.HTML:
        return read_html(text, path)
    if fmt is Format.TWIKI:
        return dialects.read_twiki(text)
    if fmt is Format.MEDIAWIKI:
        return dialects.read_mediawiki(text)
    if fmt is Format.RST:
        return dialects.read_rst(text)
    if fmt is Format.EMAIL:
        return dialects.read_mail(text)
    return dialects.read_text(text)


def _sections(blocks: list[Block], title: str, path: str) -> list[tuple[Section, list[Block], int]]:
    """The parts of the document: each with the blocks under it and its heading's depth."""
    found: list[tuple[Section, list[Block], int]] = []
    for block in blocks:
        if block.kind is BlockKind.HEADING and block.depth >= 1:
            if not found and block.text == title:
                continue  # the document's title heads the whole page, not a section
            section = Section(
                kind=classify(block.text),
                title=block.text,
                source=block.source(path),
            )
            found.append((section, [], block.depth))
            continue
        if found and block.kind is BlockKind.PARAGRAPH and comment_header(block.text):
            # "bob-dev commented on Mar 5, 2023": another writer's part of the page; the
            # follow-ups listed above it end there.
            section = Section(kind=SectionKind.OTHER, title=block.text, source=block.source(path))
            found.append((section, [], 1))
            continue
        labelled = _LABELLED.match(block.text) if block.kind is BlockKind.PARAGRAPH else None
        if labelled and classify(labelled["label"]) in _LABEL_KINDS:
            # "Root cause: ..." / "Cause: ..." in a mail or a forum post: a section in one line.
            section = Section(
                kind=classify(labelled["label"]),
                title=labelled["label"],
                text=labelled["rest"],
                source=block.source(path),
            )
            paragraph = Block(BlockKind.PARAGRAPH, labelled["rest"], block.line)
            found.append((section, [paragraph], _LINE_DEPTH))
        elif found:
            found[-1][1].append(block)
    for section, body, _ in found:
        section.text = "\n".join(b.text for b in body)[:_SECTION_TEXT_LIMIT]
    return found


def _opening(blocks: list[Block], title: str) -> str | None:
    """The document's opening prose, before its first heading: what a postmortem without a
    summary section says first is its summary (a blog post or a mail without headings is
    all opening). None when it opens with a heading or with no prose."""
    found: list[str] = []
    for block in blocks:
        if block.kind is BlockKind.HEADING and block.depth >= 1:
            if block.text == title and not found:
                continue
            break
        prose = block.kind in (BlockKind.PARAGRAPH, BlockKind.ITEM, BlockKind.QUOTE)
        if prose and block.text and block.text != title:
            found.append(block.text)
    return "\n".join(found) or None


def _links(lines: Iterable[tuple[str, Source]]) -> list[Link]:
    """The web addresses in ``lines`` (each with where it stands), each once."""
    links: list[Link] = []
    seen: set[str] = set()
    for line, source in lines:
        labelled = {m[2]: m[1] for m in _MD_LINK.finditer(line)} if "](" in line else {}
        if "][" in line:
            labelled.update({m[1]: m[2] for m in _TWIKI_LINK.finditer(line)})
        for found in _URL.finditer(line):
            url = found.group(0).rstrip(".,;:")
            if url in seen:
                continue
            seen.add(url)
            links.append(Link(url=url, text=labelled.get(url, url), source=source))
    return links


def _cited_lines(loaded: LoadedText, parsed: Parsed) -> Iterable[tuple[str, Source]]:
    """The document's lines that hold a web address, each with its source: a text file's own
    lines, or the blocks of a Word file or a PDF (they have no lines of their own)."""
    if loaded.binary:
        return ((b.text, b.source(loaded.path)) for b in parsed.blocks if "://" in b.text)
    return (
        (line, Source(path=loaded.path, line=number))
        for number, line in enumerate(loaded.text.splitlines(), start=1)
        if "://" in line
    )


def _hypotheses(blocks: list[Block], path: str) -> list[Hypothesis]:
    """Hypotheses the document states, each with the facts it explains or leaves open.

    A hypothesis is an entry that names itself one ("Tom's current hypothesis:") with the
    lines nested under it; the facts are the lines under an entry such as "Any complete
    hypothesis must explain the data:".
    """
    found: list[tuple[Block, list[str]]] = []
    facts: list[str] = []
    for i, block in enumerate(blocks):
        if (
            block.kind not in (BlockKind.ITEM, BlockKind.PARAGRAPH)
            or "hypothes" not in block.text.lower()
        ):
            continue
        nested = []
        for child in blocks[i + 1 :]:
            if child.kind is BlockKind.HEADING or (
                child.depth <= block.depth and child.kind is BlockKind.ITEM
            ):
                break
            if child.depth > block.depth:
                nested.append(child.text)
        if _FACTS.search(block.text):
            facts += nested
        elif not _JUDGEMENT.search(block.text):
            found.append((block, nested))
    hypotheses = []
    for block, nested in found:
        text = " ".join([block.text, *nested]) if nested else block.text
        explains, unexplained = against_facts(text, facts) if facts else ([], [])
        hypotheses.append(
            Hypothesis(
                text=text[:2000],
                explains=explains,
                unexplained=unexplained,
                source=block.source(path),
            )
        )
    return hypotheses


def read_document(
    path: str | Path, *, tz: str | None = None, format: str | None = None
) -> Incident:
    """Read one postmortem document into an Incident, with findings from the checks.

    ``tz`` is the IANA zone for times the document gives without one; ``format`` overrides
    detection (see ``Format``).
    """
    check_zone(tz)
    forced = _format(format)
    return read_loaded(load(path, binary=forced), tz=tz, forced=forced)


def read_text(
    text: str | bytes, name: str, *, tz: str | None = None, format: str | None = None
) -> Incident:
    """Read a document given as text or bytes (an upload), named ``name`` (its format is
    told by the name's suffix and the content, as for a file; citations name it)."""
    check_zone(tz)
    forced = _format(format)
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_loaded(load_bytes(data, name, binary=forced), tz=tz, forced=forced)


def read_loaded(loaded: LoadedText, *, tz: str | None, forced: Format | None) -> Incident:
    """The incident of a loaded document (see `read_document`)."""
    if forced is None and loaded.text:
        # A metrics export or a package list is not a postmortem: say so, not a timeline
        # of its rows (``--format`` reads it as a document all the same).
        unread = evidence_shape(loaded.text.splitlines()[:200])
        if unread is not None:
            raise FormatError(not_read(unread), loaded.path)
    fmt, parsed = _parse(loaded, forced)
    title = (parsed.title or "").strip()
    if not title and not parsed.blocks:
        raise FormatError("no text found in the document", loaded.path)
    timeline = build_events(parsed, loaded.path, option_tz=tz)
    sections = _sections(parsed.blocks, title, loaded.path)
    items: list[ActionItem] = []
    within, within_depth = SectionKind.OTHER, 0
    for section, body, depth in sections:
        # Unnamed subsections ("Update procedures") of a follow-up section are still
        # follow-ups; an unnamed part at the same level ("Comments (3)") is not.
        if section.kind is not SectionKind.OTHER or depth <= within_depth:
            within, within_depth = section.kind, depth
        if within is SectionKind.ACTION_ITEMS:
            found = actions.collect(body, loaded.path, parsed.author)
            if parsed.author and _FIRST_PERSON.search(section.title):
                # "What I am changing": the writer's own list; what names no owner is theirs.
                found = [
                    a if a.owner else a.model_copy(update={"owner": parsed.author}) for a in found
                ]
            items += found
    outside = [b for s, body, _ in sections if s.kind is not SectionKind.ACTION_ITEMS for b in body]
    listed = {a.text for a in items}
    items += [a for a in actions.owned(outside, loaded.path, parsed.author) if a.text not in listed]
    summary = next(
        (s.text for s, _, _ in sections if s.kind is SectionKind.SUMMARY and s.text), None
    ) or _opening(parsed.blocks, title)
    incident = Incident(
        title=title or Path(loaded.path).name,
        document_date=parsed.document_date(),
        summary=summary[:2000] if summary else None,
        documents=[
            Document(
                path=loaded.path,
                sha256=loaded.sha256,
                format=fmt.value,
                encoding=loaded.encoding,
                size=loaded.size,
                revision=parsed.revision,
            )
        ],
        events=timeline.events,
        sections=[s for s, _, _ in sections],
        action_items=items,
        hypotheses=_hypotheses(parsed.blocks, loaded.path),
        links=_links(_cited_lines(loaded, parsed)),
        stated_windows=[
            Window(
                at=w.resolved.at,
                end_at=w.resolved.end_at,
                time_text=w.resolved.time_text,
                text=w.text,
                source=Source(path=loaded.path, line=w.line, page=w.page),
            )
            for w in timeline.windows
        ],
    )
    read: list[Finding] = []  # what only the reading shows
    for stamp, block in timeline.impossible:
        read.append(
            Finding(
                code="impossible-date",
                severity=Severity.ERROR,
                message=f"{stamp!r} is no real date or time (or a year outside 1900-2099); the entry "
                f"was left out of the timeline: {block.text[:60]!r}",
                source=block.source(loaded.path),
            )
        )
    for event in timeline.ambiguous:
        read.append(
            Finding(
                code="zone-ambiguous",
                severity=Severity.WARNING,
                message=f"the zone {event.zone!r} of {event.time_text!r} has several meanings; "
                "nothing in the document settles which, so the most common was taken",
                source=event.source,
            )
        )
    if loaded.replaced:
        read.append(
            Finding(
                code="bytes-replaced",
                severity=Severity.WARNING,
                message=f"{loaded.replaced} invalid byte sequence(s) in otherwise UTF-8 text "
                "were replaced (U+FFFD); the rest was read as written",
                source=Source(path=loaded.path, line=loaded.replaced_line),
            )
        )
    incident.findings = read
    incident.findings = findings_of(incident)
    return incident
