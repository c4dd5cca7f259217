"""Retroline: from the evidence of an outage to a UTC timeline, a postmortem and a library.

The public API (`retroline.api`): ``extract``, ``investigate``, ``parse_logs``, ``render``,
``read_metrics``, ``metric_changes``, ``pull_metrics``, ``host_drift``, ``host_sockets``,
``search``,
``similar_incidents``, ``incident_stats`` and ``Library``; the models ``Incident`` and ``Event``; every error a ``RetrolineError``.

    >>> import retroline
    >>> incident = retroline.extract("postmortem.md")            # doctest: +SKIP
    >>> print(retroline.render(incident, "md"))                  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retroline.errors import RetrolineError

if TYPE_CHECKING:
    from retroline.api import (
        Library,
        extract,
        host_drift,
        host_sockets,
        incident_stats,
        investigate,
        metric_changes,
        parse_logs,
        pull_metrics,
        read_metrics,
        render,
        search,
        similar_incidents,
    )
    from retroline.model import Event, Incident

__version__ = "0.1.0"

__all__ = [
    "Event",
    "Incident",
    "Library",
    "RetrolineError",
    "__version__",
    "extract",
    "host_drift",
    "host_sockets",
    "incident_stats",
    "investigate",
    "metric_changes",
    "parse_logs",
    "pull_metrics",
    "read_metrics",
    "render",
    "search",
    "similar_incidents",
]

# Where each lazily loaded name lives.
_HOME = {
    "Event": "retroline.model",
    "Incident": "retroline.model",
    "Library": "retroline.api",
    "extract": "retroline.api",
    "host_drift": "retroline.api",
    "host_sockets": "retroline.api",
    "incident_stats": "retroline.api",
    "investigate": "retroline.api",
    "metric_changes": "retroline.api",
    "parse_logs": "retroline.api",
    "pull_metrics": "retroline.api",
    "read_metrics": "retroline.api",
    "render": "retroline.api",
    "search": "retroline.api",
    "similar_incidents": "retroline.api",
}


def __getattr__(name: str) -> Any:
    """The API and the models load on first use (PEP 562): pydantic and the database
    layer are slow to import, and commands such as 'retroline logs parse' need neither."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
