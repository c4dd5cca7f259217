"""Action items: the follow-ups a postmortem lists, with owner and status where written."""

from __future__ import annotations

import re

from retroline.documents.blocks import Block, BlockKind
from retroline.model import ActionItem

_NAME = r"[A-Za-z][\w.'@-]*(?:[ ,]+[A-Za-z][\w.'@-]*){0,3}(?: \([^()]{1,30}\))?"
# Ways people name an owner, tried in order: a label, a handle, a name in brackets or after
# a dash at the end, "X is taking this".
_OWNER_PATTERNS = [
    re.compile(
        r"\b(?:owners?|assignee|assigned to|responsible|verantwortlich|who)\s*[:=]\s*"
        r"(?P<o>[^;|()\n]{1,50}?(?: \([^()]{1,30}\))?)\s*(?:[;|)]|\s[-–—]\s|\.\s+[A-Z][\w ]{0,20}:|\.?$)",
        re.I,
    ),
    re.compile(r"(?:^|\s)@(?P<o>[A-Za-z][\w.-]*\w)"),
    re.compile(
        r"\s(?:-{1,2}|–|—)\s(?P<o>" + _NAME + r")(?:\s(?:-|–|—)\s(?:due\s+)?[\d/.\-]+)?\s*$"
    ),
    re.compile(r"\((?P<o>" + _NAME + r")\)\s*\.?\s*$"),
    re.compile(r"\b(?P<o>[A-Z][a-z]+) (?:is taking|is on|owns|will (?:do|take|own)) (?:this|it)\b"),
    # "Aileen Baird will rewrite the checklist": the item's subject, a name, promises it
    re.compile(
        r"^(?!(?:The|This|That|These|Those|It|We|They|He|She|You|Our|Their|Nobody|Someone|"
        r"Everyone|Each|All|A|An|No)\b)(?P<o>[A-Z][a-z]+(?: [A-Z][a-z]+)?) will\b"
    ),
    # "A staging copy of the shop. Theo again.": the owner of the item before, named again
    re.compile(r"(?:^|[.;]\s+)(?P<o>[A-Z][a-z]+) (?:again|too|as well)\.?\s*$"),
]
_SELF = re.compile(r"\b(?:that's me|that is me|I'll|I will)\b", re.I)
# What stands where an owner would but is not one: a status, a date, a number.
_NOT_A_NAME = re.compile(
    r"^(done|completed?|closed|open|in progress|wip|todo|tbd|planned|ongoing|blocked|fixed|n/a"
    r"|\d)",
    re.I,
)
_WHEN = re.compile(
    r"^(next|this|by|due|before|after|until|asap|soon|later|tomorrow|today|q[1-4])\b", re.I
)
_UNASSIGNED = re.compile(
    r"^(nobody|no one|none|no owner|unassigned|unowned|not (yet )?assigned|tbd|n/a)\b", re.I
)
# (?<!\s): a match starts where a run of spaces starts, not inside it (a run was
# scanned from each of its spaces: quadratic).
_TICKET = re.compile(r",?(?<!\s)\s*\b[A-Z][A-Z0-9]+-\d+\b")
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX✓✔])\]\s*")
_STATUS = re.compile(
    # Possessive spaces (`\s*+`): backtracking into a long run before the end of the line
    # and trying ")" at each split took time growing with the run's square.
    r"\b(?:status\s*[:=]\s*)?(?P<status>done|completed?|closed|open|in progress|todo|to do|wip|"
    r"blocked|planned|ongoing)\b\s*+\)?\s*+$|\((?P<paren>done|completed?|closed|open|in progress|"
    r"todo|wip|blocked|planned|ongoing)\)",
    re.I,
)
_OWNER_HEADERS = (
    "owner",
    "assignee",
    "who",
    "responsible",
    "assigned",
    "verantwortlich",
    "responsable",
)
_STATUS_HEADERS = ("status", "state", "done")
_TEXT_HEADERS = ("action", "item", "task", "description", "what", "follow", "remediation", "todo")
_ID_HEADERS = ("#", "id", "no", "ref", "key", "ticket", "jira", "issue", "priority")


def _owner(text: str, author: str | None = None) -> str | None:
    """Who owns an action, from the ways people write it down."""
    owner = None
    for pattern in _OWNER_PATTERNS:
        found = pattern.search(text)
        if found and not _NOT_A_NAME.match(found["o"].strip()):
            owner = found["o"].strip(" .,;:'\"*")
            break
    if owner is None and _SELF.search(text):
        owner = "me"
    if owner is None:
        return None
    owner = _TICKET.sub("", owner).strip(" ,;")
    # "(me, done)", "(Dana, next week)": the name, then a status or a when.
    first, *more = owner.split(",")
    if more and all(_NOT_A_NAME.match(m.strip()) or _WHEN.match(m.strip()) for m in more):
        owner = first.strip()
    if owner.lower() in ("me", "myself", "i"):
        return author
    if _UNASSIGNED.match(owner) or not owner:
        return None
    return owner


def _status(text: str) -> str | None:
    found = _STATUS.search(text)
    if not found:
        return None
    value = (found["status"] or found["paren"]).lower()
    return {
        "completed": "done",
        "complete": "done",
        "closed": "done",
        "to do": "open",
        "todo": "open",
    }.get(value, value)


def from_item(block: Block, path: str, author: str | None = None) -> ActionItem:
    """An action item from a list item's text."""
    text = block.text.strip()
    status = None
    box = _CHECKBOX.match(text)
    if box:
        status = "open" if box["mark"] == " " else "done"
        text = text[box.end() :].strip()
    return ActionItem(
        text=text,
        owner=_owner(text, author),
        status=status or _status(text),
        source=block.source(path),
    )


def from_rows(rows: list[Block], path: str) -> list[ActionItem]:
    """Action items from a table, reading owner and status from their columns."""
    header = next((r for r in rows if r.header), None)
    names = [c.lower() for c in (header.cells or [])] if header else []
    owner_col = next((i for i, n in enumerate(names) if n.startswith(_OWNER_HEADERS)), None)
    status_col = next((i for i, n in enumerate(names) if n.startswith(_STATUS_HEADERS)), None)
    # The column that says what to do: by its name, else the first that is not an id.
    text_col = next(
        (i for i, n in enumerate(names) if n.startswith(_TEXT_HEADERS)),
        next(
            (
                i
                for i, n in enumerate(names)
                if i not in (owner_col, status_col) and not n.startswith(_ID_HEADERS)
            ),
            0,
        ),
    )
    items = []
    for row in rows:
        if row.header or not row.cells:
            continue
        cells = row.cells
        text = cells[text_col] if text_col < len(cells) else row.text
        owner = (
            cells[owner_col].strip()
            if owner_col is not None and owner_col < len(cells)
            else _owner(text)
        )
        status = (
            cells[status_col].strip().lower()
            if status_col is not None and status_col < len(cells)
            else None
        )
        if text.strip():
            items.append(
                ActionItem(
                    text=text.strip(),
                    owner=owner or None,
                    status=status or None,
                    source=row.source(path),
                )
            )
    return items


def collect(blocks: list[Block], path: str, author: str | None = None) -> list[ActionItem]:
    """The action items of one action-items section: its list, its table, or failing both,
    its short lines (forum posts lose their bullets)."""
    items = [b for b in blocks if b.kind is BlockKind.ITEM]
    rows = [b for b in blocks if b.kind is BlockKind.ROW]
    found: list[ActionItem] = []
    if items:
        top = min(b.depth for b in items)
        found += [from_item(b, path, author) for b in items if b.depth == top]
    if rows:
        found += from_rows(rows, path)
    if found:
        return found
    for block in blocks:
        if block.kind is not BlockKind.PARAGRAPH:
            continue
        lines = [(ln.text, ln.number) for ln in block.lines] or [(block.text, block.line)]
        if len(lines) > 1 and all(t[:1].isupper() and not t.endswith(",") for t, _ in lines):
            for text, number in lines:
                found.append(
                    from_item(Block(BlockKind.ITEM, text, number, 1, page=block.page), path, author)
                )
        elif len(block.text) <= 200 and len(re.findall(r"[.!?](?:\s|$)", block.text)) <= 1:
            found.append(from_item(block, path, author))
    return found


# "(owner: Rahul)", "Owner: Ana": an action wherever it is written, in a comment or a note.
_OWNED = re.compile(r"\(\s*owners?\s*[:=]\s*[A-Z]|\bowners?\s*[:=]\s*[A-Z]")


def owned(blocks: list[Block], path: str, author: str | None = None) -> list[ActionItem]:
    """Action items outside the follow-up section: lines that name their owner."""
    found = []
    for block in blocks:
        if block.kind not in (BlockKind.ITEM, BlockKind.PARAGRAPH):
            continue
        lines = [(ln.text, ln.number) for ln in block.lines] or [(block.text, block.line)]
        for text, number in lines:
            if _OWNED.search(text):
                found.append(from_item(Block(BlockKind.ITEM, text, number, 1), path, author))
    return found
