"""Debian's Chromium for the tests, driven by Playwright: never a browser downloaded.

A test module that needs it calls ``require_chromium()`` at import. Outside CI the module is
then skipped when /usr/bin/chromium or Playwright is missing (``make system-packages``
installs Chromium); under CI=true it fails instead, so a browser test cannot silently vanish.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason: str) -> None:
    """Skip the calling module, or under CI=true fail it: the browser tests must run there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser test must run; 'make test' installs it)")
    pytest.skip(reason, allow_module_level=True)


def require_chromium() -> None:
    """Make sure Chromium and Playwright are there before a module's tests use them."""
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    if importlib.util.find_spec("playwright") is None:
        unavailable("playwright is not installed: pip install -e '.[dev]'")
