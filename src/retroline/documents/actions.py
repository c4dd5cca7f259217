"""Action items: the follow-ups a postmortem lists, with owner and status where written."""

from __future__ import annotations

import re

from retroline.documents.blocks import Block, BlockKind
from retroline.model import ActionItem, Source

_OWNER = re.compile(
    r"\((?:owner|assignee|assigned to|who|responsible)\s*[:=]\s*(?P<owner>[^)]+)\)"
    r"|(?:^|\s)@(?P<handle>[A-Za-z][\w.-]*[\w])"
    r"|\b(?:owner|assignee|assigned to|responsible)\s*[:=]\s*(?P<plain>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?)"
    r"|[\[(](?P<bracket>[A-Z][a-z]+(?: [A-Z][a-z]+)?)[\])]\s*$"
    r"|\s[-–—]\s(?P<dash>[A-Z][a-z]+(?: [A-Z][a-z]+)?)\s*$"
    r"|^(?P<lead>[A-Z][a-z]+(?: [A-Z]\.?)?) (?:to|will) [a-z]",
)
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX✓✔])\]\s*")
_STATUS = re.compile(
    r"\b(?:status\s*[:=]\s*)?(?P<status>done|completed?|closed|open|in progress|todo|to do|wip|"
    r"blocked|planned|ongoing)\b\s*\)?\s*$|\((?P<paren>done|completed?|closed|open|in progress|"
    r"todo|wip|blocked|planned|ongoing)\)",
    re.I,
)
_OWNER_HEADERS = ("owner", "assignee", "who", "responsible", "assigned")
_STATUS_HEADERS = ("status", "state", "done")


def _owner(text: str) -> str | None:
    found = _OWNER.search(text)
    if not found:
        return None
    name = next(g for g in found.groups() if g)
    return name.strip() or None


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


def from_item(block: Block, path: str) -> ActionItem:
    """An action item from a list item's text."""
    text = block.text.strip()
    status = None
    box = _CHECKBOX.match(text)
    if box:
        status = "open" if box["mark"] == " " else "done"
        text = text[box.end() :].strip()
    return ActionItem(
        text=text,
        owner=_owner(text),
        status=status or _status(text),
        source=Source(path=path, line=block.line),
    )


def from_rows(rows: list[Block], path: str) -> list[ActionItem]:
    """Action items from a table, reading owner and status from their columns."""
    header = next((r for r in rows if r.header), None)
    names = [c.lower() for c in (header.cells or [])] if header else []
    owner_col = next((i for i, n in enumerate(names) if n.startswith(_OWNER_HEADERS)), None)
    status_col = next((i for i, n in enumerate(names) if n.startswith(_STATUS_HEADERS)), None)
    text_col = next(
        (
            i
            for i, n in enumerate(names)
            if i not in (owner_col, status_col) and not n.startswith(("#", "id", "no"))
        ),
        0,
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
                    source=Source(path=path, line=row.line),
                )
            )
    return items


def collect(blocks: list[Block], path: str) -> list[ActionItem]:
    """The action items of one action-items section."""
    items = [b for b in blocks if b.kind is BlockKind.ITEM]
    rows = [b for b in blocks if b.kind is BlockKind.ROW]
    found: list[ActionItem] = []
    if items:
        top = min(b.depth for b in items)
        found += [from_item(b, path) for b in items if b.depth == top]
    if rows:
        found += from_rows(rows, path)
    return found
