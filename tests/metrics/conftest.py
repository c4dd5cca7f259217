"""Fixtures of the metrics tests: a real Prometheus server holding series of known shape."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.prometheus import PrometheusServer, StartError, running_server


@pytest.fixture(scope="session")
def prometheus_server() -> Iterator[PrometheusServer]:
    """A real Prometheus server for the whole session (skipped only outside CI when it is
    not installed; one that is installed but will not start fails)."""
    try:
        with running_server() as server:
            yield server
    except FileNotFoundError as exc:
        message = f"Prometheus could not be started: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(
                message + " (CI=true: the Prometheus tests must run; 'make test' installs it)"
            )
        pytest.skip(message)
    except StartError as exc:
        pytest.fail(f"Prometheus could not be started: {exc}")
