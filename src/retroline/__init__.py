"""Retroline: from the evidence of an outage to a UTC timeline, a postmortem and a library."""

from retroline.errors import RetrolineError
from retroline.model import Event, Incident

__version__ = "0.1.0"

__all__ = ["Event", "Incident", "RetrolineError", "__version__"]
