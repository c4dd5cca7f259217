"""The library of incidents: SQLAlchemy tables, queries and migrations (SQLite or PostgreSQL)."""

from retroline.store.library import IncidentSummary, Library, SaveResult, SaveStatus, incident_key
from retroline.store.url import resolve_url

__all__ = ["IncidentSummary", "Library", "SaveResult", "SaveStatus", "incident_key", "resolve_url"]
