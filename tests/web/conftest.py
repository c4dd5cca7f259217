"""Fixtures of the web app's tests: a library file (empty, or with the incidents of
`tests.web`), anyio on asyncio, in-process clients of the app, and for the browser tests Debian's chromium and a page
opener that lets a page reach nothing but the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from retroline.store import Library
from retroline.web.app import create_app
from tests.chromium import launched, watch
from tests.web import TOKEN, app_client, fill_library
from tests.web.browsing import Visit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


@pytest.fixture
def anyio_backend() -> str:
    """The async tests (httpx's client on the app) run on asyncio."""
    return "asyncio"


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """An empty library file of the test's own."""
    lib = Library(str(tmp_path / "library.db"))
    yield lib
    lib.close()


@pytest.fixture
def ids(library: Library) -> dict[str, str]:
    """The incidents of `tests.web` saved in ``library``: their ids, by title."""
    return fill_library(library)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Debian's chromium, headless, with a new empty profile (a module that uses it calls
    ``tests.chromium.require_chromium()`` first)."""
    with launched(tmp_path_factory.mktemp("chromium-profile"), offline=False) as context:
        yield context


@pytest.fixture
def visit(browser: BrowserContext) -> Iterator[Callable[[str], Visit]]:
    """A function that opens a served app's base URL in a new page that may reach nothing
    but that origin."""
    pages: list[Page] = []

    def opener(base: str) -> Visit:
        page = browser.new_page()
        pages.append(page)
        seen = Visit(page, base=base)
        watch(page, base + "/", seen)
        page.goto(base + "/")
        return seen

    yield opener
    browser.clear_cookies()
    for page in pages:
        page.close()


@pytest.fixture
async def client(library: Library, ids: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app without a token, on the library with the incidents."""
    async with app_client(create_app(library)) as c:
        yield c


@pytest.fixture
async def guarded(library: Library, ids: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with a token, not logged in."""
    async with app_client(create_app(library, token=TOKEN)) as c:
        yield c
