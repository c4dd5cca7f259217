"""Debian's Chromium for the tests, driven by Playwright: never a browser downloaded.

A test module that needs it calls ``require_chromium()`` at import. Outside CI the module is
then skipped when /usr/bin/chromium or Playwright is missing (``make system-packages``
installs Chromium); under CI=true it fails instead, so a browser test cannot silently vanish.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

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


@dataclass
class Watched:
    """What a page said and tried: console errors and warnings, requests it was kept from
    making (off the address it may reach), dialogs it opened."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def watch(page: Page, allowed: str, watched: Watched) -> None:
    """Keep ``page`` to addresses starting with ``allowed`` (the others are aborted and
    recorded in ``watched``), and record its console errors, page errors and dialogs."""

    def route(r: Route) -> None:
        if r.request.url.startswith(allowed):
            r.continue_()
        else:
            watched.requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda m: watched.errors.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    page.on("dialog", lambda d: (watched.dialogs.append(d.message), d.dismiss()))


@contextmanager
def launched(profile: Path, *, offline: bool = False) -> Iterator[BrowserContext]:
    """Debian's chromium, headless, 1280x900, with the new empty ``profile`` folder (and no
    network at all when ``offline``), closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
            offline=offline,
        )
        try:
            yield context
        finally:
            context.close()
