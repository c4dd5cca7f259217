"""The library of incidents: SQLAlchemy tables, queries and migrations (SQLite or PostgreSQL).

The names below load on first use (PEP 562), so that commands that never open the library
do not pay for importing SQLAlchemy and Alembic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from retroline.store.library import (
        Library,
        SaveResult,
        SaveStatus,
        Timeouts,
        incident_key,
    )
    from retroline.store.listing import IncidentSummary
    from retroline.store.url import resolve_url

__all__ = [
    "IncidentSummary",
    "Library",
    "SaveResult",
    "SaveStatus",
    "Timeouts",
    "incident_key",
    "resolve_url",
]


def __getattr__(name: str) -> Any:
    if name == "resolve_url":
        from retroline.store import url

        return url.resolve_url
    if name == "IncidentSummary":
        from retroline.store import listing

        return listing.IncidentSummary
    if name in __all__:
        from retroline.store import library

        return getattr(library, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
