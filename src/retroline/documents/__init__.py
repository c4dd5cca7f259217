"""Postmortem documents to incidents: format detection, one reader per format, the timeline."""

from retroline.documents.formats import Format, detect
from retroline.documents.read import check_zone, parse_text, read_document, read_text

__all__ = ["Format", "check_zone", "detect", "parse_text", "read_document", "read_text"]
