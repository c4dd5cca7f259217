"""Postmortem documents to incidents: format detection, one reader per format."""

from retroline.documents.read import Format, check_zone, detect_format, read_document

__all__ = ["Format", "check_zone", "detect_format", "read_document"]
