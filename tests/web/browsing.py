"""The web app served for a real browser: uvicorn in a thread on a free loopback port, and
what a page of it said and tried (see tests/chromium.py for the browser itself)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from tests.chromium import Watched
from tests.conftest import ROOT

#: Where the browser tests put their screenshots, for people to look at.
OUTPUT = ROOT / "test-output"


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", http="h11")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass
class Visit(Watched):
    """A page of the app open in the browser, with what it said and tried."""

    base: str = ""

    def clean(self) -> bool:
        """No console error or warning, no request off the app, no dialog opened."""
        return self.errors == [] and self.requests == [] and self.dialogs == []
