"""`retroline serve`: where it listens and when it asks for a token (the server itself is
started with uvicorn; here its start is recorded, not run, to check what it was given)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from retroline.cli import serve_token
from retroline.errors import UsageError
from tests.test_cli import run


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_this_machine_needs_no_token_and_others_get_one() -> None:
    assert serve_token("127.0.0.1", None) == (None, False)
    assert serve_token("::1", "s3cret") == ("s3cret", False)
    made, new = serve_token("0.0.0.0", None)
    assert new and made is not None and len(made) >= 24
    assert serve_token("0.0.0.0", None)[0] != made  # a new one each time
    assert serve_token("192.0.2.7", "given") == ("given", False)
    with pytest.raises(UsageError, match="--token is empty"):
        serve_token("0.0.0.0", "  ")


def test_serve_starts_on_loopback_and_prints_the_token_elsewhere(
    tmp_path: Path, started: list[dict[str, Any]]
) -> None:
    db = str(tmp_path / "l.db")
    code, _, err = run("serve", "--port", "9123", db=db)
    assert code == 0, err
    assert (started[0]["host"], started[0]["port"]) == ("127.0.0.1", 9123)
    assert "serving the library at http://127.0.0.1:9123/" in err and "token" not in err
    code, _, err = run("serve", "--host", "0.0.0.0", db=db)
    assert code == 0, err
    assert started[1]["host"] == "0.0.0.0"
    printed = err.split("the login page): ", 1)[1].split()[0]
    assert len(printed) >= 24
    code, _, err = run("serve", "--port", "70000", db=db)
    assert code == 2 and "--port 70000" in err and len(started) == 2
