"""Retroline: from the evidence of an outage to a UTC timeline, a postmortem and a library."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retroline.errors import RetrolineError

if TYPE_CHECKING:
    from retroline.model import Event, Incident

__version__ = "0.1.0"

__all__ = ["Event", "Incident", "RetrolineError", "__version__"]


def __getattr__(name: str) -> Any:
    """The models load on first use (PEP 562): pydantic is slow to import, and commands
    such as 'retroline logs parse' do not need it."""
    if name in ("Event", "Incident"):
        from retroline import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
