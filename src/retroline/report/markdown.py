"""The postmortem as Markdown (CommonMark with GitHub tables), from the document model.

Everything from the evidence is escaped: control and escape characters are written as their
escapes (``inert``), ``<``, ``>`` and ``&`` become entities so a ``<script>`` in a log line
stays text wherever the Markdown is rendered, pipes are escaped in table cells, a Markdown
link or image is live only to a web or mail address (``[x](javascript:...)`` stays text), and
a line of evidence that starts like a heading, a list or a quote is kept as text. The output
depends only on the model, so the same incident renders byte for byte alike.
"""

from __future__ import annotations

import re
from functools import cache

import jinja2

from retroline.inert import inert, safe_url
from retroline.report.postmortem import Postmortem, duration_text
from retroline.sources import where

__all__ = ["render_markdown"]

_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# What makes a line a block of its own in Markdown: headings, quotes, lists, rules, fences.
_BLOCK_START = re.compile(r"^(#|>|[-+*=_]|\d+[.)]|```|~~~)")
# The ``]`` that ends a link's text, unless a backslash escapes it: before ``(`` it opens the
# link's address (group 3: its start, enough for the scheme, so that a line of many ``](``
# is read in linear time), before ``:`` a link definition.
_LINK_END = re.compile(r"(?<!\\)((?:\\\\)*)\](?=(:)|\(\s*([^\s)]{0,64}))")
_SPARK = "▁▂▃▄▅▆▇█"


def _dead_link(match: re.Match[str]) -> str:
    """A ``_LINK_END`` kept when it opens a web or mail link, else escaped."""
    if match.group(2) is None and safe_url(match.group(3)) is not None:
        return match.group()
    return match.group(1) + "\\]"


def _text(line: str) -> str:
    """One line of inert evidence as Markdown text: HTML and pipes escaped, and no link or
    image but to a web or mail address (its ``]`` escaped: the brackets show as written)."""
    escaped = line.translate(_HTML).replace("|", "\\|")
    return _LINK_END.sub(_dead_link, escaped)


def inline(text: str | None) -> str:
    """Evidence text for one table cell or one line: inert, on one line, no HTML and no link
    but to a web or mail address."""
    if not text:
        return ""
    return _text(" ".join(inert(text).split()))


def block(text: str | None) -> str:
    """Evidence text as paragraphs: inert, its lines kept (hard breaks), no HTML, heading,
    list or quote, and no link but to a web or mail address."""
    if not text:
        return ""
    paragraphs = []
    for para in re.split(r"\n\s*\n", inert(text).strip()):
        lines = []
        for raw in para.splitlines():
            line = _text(raw.strip())
            if _BLOCK_START.match(line):
                line = "\\" + line
            if line:
                lines.append(line)
        paragraphs.append("\\\n".join(lines))
    return "\n\n".join(p for p in paragraphs if p)


def sparkline(series: list[int] | None) -> str:
    """Counts over time as a line of block characters ("▁▁▇█▂"); empty without counts."""
    if not series:
        return ""
    top = max(series)
    if top <= 0:
        return _SPARK[0] * len(series)
    return "".join(_SPARK[round(v / top * (len(_SPARK) - 1))] if v > 0 else " " for v in series)


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("retroline.report", "templates"),
        autoescape=False,  # Markdown: the filters above escape each value from the evidence
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        inline=inline, block=block, sparkline=sparkline, where=where, duration=duration_text
    )
    return env


def render_markdown(pm: Postmortem) -> str:
    """The postmortem ``pm`` as a Markdown document."""
    text = _environment().get_template("postmortem.md.j2").render(pm=pm)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
