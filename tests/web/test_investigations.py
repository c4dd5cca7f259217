"""New investigations in the web app, in process (httpx over ASGI): evidence uploaded
becomes an incident; upload names stay in their folder, which goes when the work ends;
limits, CSRF, options and tokens are checked before anything is written.

Temporary folders are made under the test's own folder (``tempfile.tempdir``), so that
what the app writes, and what it leaves behind, can be seen.
"""

from __future__ import annotations

import asyncio
import errno
import io
import re
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from starlette.exceptions import HTTPException

from retroline import api
from retroline.errors import InputError, OutputError
from retroline.store import Library
from retroline.web import investigations
from retroline.web.app import create_app
from retroline.web.investigations import INTERNAL, safe_parts, size_text, upload_folder
from retroline.web.security import CSRF_COOKIE
from tests.test_cli import run
from tests.web import TOKEN, app_client

pytestmark = pytest.mark.anyio

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
REFRESH = '<meta http-equiv="refresh" content="1">'

Files = list[tuple[str, tuple[str, bytes]]]


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder every temporary folder is made in during the test."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
async def client(library: Library, temp_root: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app without a token (on the loopback)."""
    async with app_client(create_app(library)) as c:
        yield c


@pytest.fixture
async def guarded(library: Library, temp_root: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with a token, not showing it."""
    async with app_client(create_app(library, token=TOKEN)) as c:
        yield c


def bundle(prefix: str = "") -> Files:
    """A small bundle of evidence: a postmortem with a UTC timeline, and a syslog (years
    left out) whose consumer errors start at the onset."""
    postmortem = (
        "# Orders queue stalled on q1\n\nDate: 2031-04-01\n\n## Timeline\n\n"
        "- 10:00 UTC workers stop consuming from the orders queue\n"
        "- 10:07 UTC on-call paged by the queue depth alert\n"
        "- 10:30 UTC consumers restarted, queue drained\n"
    )
    lines = []
    for i in range(300):
        minute, second = divmod(20 * i, 60)
        hour, minute = 9 + minute // 60, minute % 60
        stamp = f"Apr  1 {hour:02d}:{minute:02d}:{second:02d}"
        lines.append(f"{stamp} q1 worker[7]: heartbeat ok\n")
        if hour >= 10:
            lines.append(f"{stamp} q1 worker[7]: consumer crashed: broken pipe to broker-{i % 3}\n")
    return [
        ("files", (prefix + "postmortem.md", postmortem.encode())),
        ("files", (prefix + "q1.syslog", "".join(lines).encode())),
    ]


async def csrf_of(client: httpx.AsyncClient) -> str:
    """Open the form (which sets the CSRF cookie); the token of its hidden field."""
    r = await client.get("/investigate")
    assert r.status_code == 200
    found = CSRF_INPUT.search(r.text)
    assert found and client.cookies.get(CSRF_COOKIE) == found.group(1)
    return found.group(1)


async def submit(
    client: httpx.AsyncClient, files: Files, **fields: str
) -> tuple[httpx.Response, str | None]:
    """Send the form with ``files`` and ``fields`` (and the CSRF token); the answer and
    the job it started, if any."""
    data = {"csrf_token": await csrf_of(client), **fields}
    r = await client.post("/investigate", data=data, files=files)
    found = re.fullmatch(r"/investigations/([\w-]+)", r.headers.get("location", ""))
    return r, found.group(1) if r.status_code == 303 and found else None


async def finished(client: httpx.AsyncClient, job: str, timeout: float = 60) -> dict[str, Any]:
    """Poll the job's JSON until it is done or failed; its last answer."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        state: dict[str, Any] = (await client.get(f"/api/investigations/{job}")).json()
        if state["status"] in ("done", "failed"):
            return state
        assert asyncio.get_running_loop().time() < deadline, state
        await asyncio.sleep(0.05)


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body written by hand, so that file names arrive exactly as given (an
    HTTP client would escape some); the body and its content type."""
    boundary = "b0und4ry"
    out = b""
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for filename, data in files:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        out += data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def tree(folder: Path) -> set[str]:
    """Every file and folder under ``folder``, as relative POSIX paths."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


Seen = list[dict[str, Any]]


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Seen:
    """`api.investigate` replaced by one that records what it was given and the files in
    the upload's folder at that moment, and finds incident "feedface0001"."""
    calls: Seen = []

    def fake(paths: list[Path], **options: Any) -> Any:
        folder = Path(paths[0])
        root = next(p for p in [folder, *folder.parents] if p.name.startswith("retroline-"))
        files = tree(root)
        contents = {p: (root / p).read_bytes() for p in files if (root / p).is_file()}
        calls.append(
            {"paths": paths, "root": root, "files": files, "contents": contents, "options": options}
        )
        return SimpleNamespace(incident=SimpleNamespace(id="feedface0001"))

    monkeypatch.setattr(api, "investigate", fake)
    return calls


# -- the form ------------------------------------------------------------------------------


async def test_the_form_takes_files_a_folder_paths_and_the_options(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/investigate")
    assert r.status_code == 200
    form = r.text[r.text.index('<form class="investigate"') :]
    assert 'method="post" action="/investigate" enctype="multipart/form-data"' in form
    assert CSRF_INPUT.search(form)
    assert re.search(r'<input id="files" name="files" type="file" multiple>', form)
    assert re.search(
        r'<input id="folder" name="folder" type="file" multiple webkitdirectory>', form
    )
    assert '<textarea id="paths" name="paths"' in form  # no token: this machine's paths
    for name in ("tz", "zones", "year", "good", "hosts", "socket_limit"):
        assert f'name="{name}"' in form
    assert "Up to 256 MiB in all" in r.text
    assert "<script" not in r.text
    assert "form-action 'self'" in r.headers["content-security-policy"]


async def test_with_a_token_the_form_takes_no_paths(guarded: httpx.AsyncClient) -> None:
    r = await guarded.get("/investigate", headers={"authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and 'name="files"' in r.text
    assert 'name="paths"' not in r.text


# -- an investigation, end to end ----------------------------------------------------------


async def test_an_upload_becomes_an_incident(client: httpx.AsyncClient, temp_root: Path) -> None:
    r, job = await submit(client, bundle(), tz="UTC")
    assert r.status_code == 303 and job, r.text
    state = await finished(client, job)
    assert state["status"] == "done", state
    assert state["error"] is None and state["incident"]
    # The progress names the files as uploaded, not where the server put them.
    assert "reading postmortem.md" in state["progress"]
    assert not any("retroline-upload-" in line for line in state["progress"])
    page = await client.get(f"/investigations/{job}")
    assert page.status_code == 303
    assert page.headers["location"] == f"/incidents/{state['incident']}"
    incident = await client.get(page.headers["location"])
    assert incident.status_code == 200
    assert "Orders queue stalled on q1" in incident.text
    assert 'id="timeline"' in incident.text
    for text in ("workers stop consuming", "on-call paged", "consumers restarted"):
        assert text in incident.text
    assert "2031-04-01" in incident.text and "10:07" in incident.text
    stored = (await client.get(f"/api/incidents/{state['incident']}")).json()
    assert [e["at"] for e in stored["events"] if e["text"].startswith("workers stop")] == [
        "2031-04-01T10:00:00Z"
    ]
    assert tree(temp_root) == set()  # the upload is gone


async def test_the_api_starts_one_and_reports_on_it(
    client: httpx.AsyncClient, temp_root: Path
) -> None:
    csrf = await csrf_of(client)
    r = await client.post("/api/investigations", files=bundle(), headers={"x-csrf-token": csrf})
    assert r.status_code == 202, r.text
    body = r.json()
    assert set(body) == {"job", "status", "url", "page"}
    assert body["status"] in ("queued", "running", "done")
    assert body["url"] == f"/api/investigations/{body['job']}" == r.headers["location"]
    assert body["page"] == f"/investigations/{body['job']}"
    state = await finished(client, body["job"])
    assert set(state) == {"job", "status", "progress", "incident", "error"}
    assert state["status"] == "done" and state["job"] == body["job"]
    assert state["progress"][-1] == "looking for incidents like it in the library"
    summaries = (await client.get("/api/incidents")).json()
    assert [s["id"] for s in summaries] == [state["incident"]]
    assert tree(temp_root) == set()


async def test_the_progress_page_reloads_itself_until_the_incident_is_ready(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    go_on = threading.Event()

    def slow(paths: list[Path], *, progress: Callable[[str], None], **_: Any) -> Any:
        progress("reading postmortem.md")
        progress("reading <b>1</b> log file(s)")
        assert go_on.wait(30)
        return SimpleNamespace(incident=SimpleNamespace(id="feedface0002"))

    monkeypatch.setattr(api, "investigate", slow)
    _, first = await submit(client, bundle())
    _, second = await submit(client, bundle())
    assert first and second
    for _ in range(600):  # the first is running once its lines are there
        state = (await client.get(f"/api/investigations/{first}")).json()
        if len(state["progress"]) == 2:
            break
        await asyncio.sleep(0.05)
    assert state["status"] == "running"
    page = await client.get(f"/investigations/{first}")
    assert page.status_code == 200
    head = page.text[: page.text.index("</head>")]
    assert REFRESH in head and "<script" not in page.text
    assert "<li>reading postmortem.md</li>" in page.text
    assert "<li>reading &lt;b&gt;1&lt;/b&gt; log file(s)</li>" in page.text
    assert '<dd class="job-status">running</dd>' in page.text
    # One at a time: the second waits its turn, and says so.
    waiting = await client.get(f"/investigations/{second}")
    assert '<dd class="job-status">queued</dd>' in waiting.text and REFRESH in waiting.text
    go_on.set()
    assert (await finished(client, first))["incident"] == "feedface0002"
    assert (await finished(client, second))["status"] == "done"
    done = await client.get(f"/investigations/{first}")
    assert (done.status_code, done.headers["location"]) == (303, "/incidents/feedface0002")


async def test_a_failed_investigation_says_why_and_removes_the_upload(
    client: httpx.AsyncClient, temp_root: Path
) -> None:
    r, job = await submit(client, [("files", ("core.bin", bytes(range(256)) * 8))])
    assert job, r.text
    state = await finished(client, job)
    assert state["status"] == "failed" and state["incident"] is None
    assert state["error"] == (
        "core.bin: none of the 1 file(s) could be used, nothing was stored: core.bin: "
        "core.bin:1: binary data, not a text document"
    )
    page = await client.get(f"/investigations/{job}")
    assert page.status_code == 200
    assert REFRESH not in page.text  # it is over: nothing to wait for
    assert '<p class="problem" role="alert">' in page.text
    assert "The investigation failed" in page.text
    assert tree(temp_root) == set()


async def test_an_error_of_the_evidence_is_shown_as_its_message(
    client: httpx.AsyncClient, temp_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(paths: list[Path], **_: Any) -> Any:
        raise InputError("cannot be read as evidence", Path(paths[0]), 3)

    monkeypatch.setattr(api, "investigate", refuse)
    _, job = await submit(client, [("files", ("logs/notes.txt", b"x\n"))])
    assert job
    state = await finished(client, job)
    assert state["error"] == "logs:3: cannot be read as evidence"
    assert tree(temp_root) == set()


async def test_an_unexpected_error_is_logged_and_shown_as_internal(
    client: httpx.AsyncClient,
    temp_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(paths: list[Path], **_: Any) -> Any:
        raise RuntimeError("a bug with a secret in it")

    monkeypatch.setattr(api, "investigate", broken)
    _, job = await submit(client, bundle())
    assert job
    state = await finished(client, job)
    assert state["error"] == INTERNAL
    page = await client.get(f"/investigations/{job}")
    assert INTERNAL.replace("'", "&#39;") in page.text and "secret" not in page.text
    assert any("a bug with a secret" in str(r.exc_info) for r in caplog.records)
    assert tree(temp_root) == set()


# -- upload names --------------------------------------------------------------------------


async def test_a_folder_upload_keeps_its_folders(
    client: httpx.AsyncClient, temp_root: Path, seen: Seen
) -> None:
    files = [
        *bundle("evidence/notes/"),
        ("folder", ("evidence/logs/db/pg.log", b"Apr  1 10:00:01 db postgres[1]: ok\n")),
    ]
    zones = "pg.log = America/New_York\r\n\r\n*/notes/*=Asia/Tokyo\r\n"
    _, job = await submit(
        client,
        files,
        tz="Europe/Zurich",
        zones=zones,
        year="2031",
        good="db01",
        hosts="snap-*.txt=db02",
    )
    assert job
    assert (await finished(client, job))["status"] == "done"
    call = seen[0]
    root = call["root"]
    assert root.parent == temp_root and root.name.startswith("retroline-upload-")
    # One folder uploaded whole is investigated as that folder.
    assert call["paths"] == [root / "evidence"]
    assert call["files"] == {
        "evidence",
        "evidence/notes",
        "evidence/notes/postmortem.md",
        "evidence/notes/q1.syslog",
        "evidence/logs",
        "evidence/logs/db",
        "evidence/logs/db/pg.log",
    }
    assert call["contents"]["evidence/logs/db/pg.log"].startswith(b"Apr  1 10:00:01")
    assert call["options"]["tz"] == "Europe/Zurich"
    assert (call["options"]["year"], call["options"]["good"]) == (2031, "db01")
    assert call["options"]["socket_limit"] is None
    # One pattern a line, in their order (the first that matches a file wins).
    assert list(call["options"]["zones"].items()) == [
        ("pg.log", "America/New_York"),
        ("*/notes/*", "Asia/Tokyo"),
    ]
    assert call["options"]["hosts"] == {"snap-*.txt": "db02"}
    assert tree(temp_root) == set()


async def test_hostile_names_stay_inside_the_upload(
    client: httpx.AsyncClient, tmp_path: Path, temp_root: Path, seen: Seen
) -> None:
    before = tree(tmp_path)
    names = {
        "../../etc/passwd": b"one",
        "/abs": b"two",
        "..\\x": b"three",
        "a\x00b.log": b"four",
        "C:\\Windows\\win.ini": b"five",
        "../..": b"six",
        "same.log": b"seven",
        "dir/../same.log": b"eight",
        "same.log/inner.log": b"nine",
        "\x1b[2J.log": b"ten",
    }
    body, kind = multipart({"csrf_token": await csrf_of(client)}, list(names.items()))
    r = await client.post("/investigate", content=body, headers={"content-type": kind})
    assert r.status_code == 303, r.text
    job = r.headers["location"].rsplit("/", 1)[1]
    assert (await finished(client, job))["status"] == "done"
    call = seen[0]
    top = ["[2J.log", "ab.log", "abs", "dir", "etc", "same-2.log", "same.log", "upload-6"]
    assert call["paths"] == [call["root"] / name for name in [*top, "win.ini", "x"]]
    assert call["contents"] == {
        "etc/passwd": b"one",
        "abs": b"two",
        "x": b"three",
        "ab.log": b"four",
        "win.ini": b"five",  # the multipart parser keeps a Windows path's last part
        "upload-6": b"six",
        "same.log": b"seven",
        "dir/same.log": b"eight",
        "same-2.log/inner.log": b"nine",
        "[2J.log": b"ten",
    }
    # Nothing was written anywhere else, and the upload is gone.
    assert tree(tmp_path) == before
    assert not (tmp_path / "etc").exists() and not Path("/abs").exists()


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("app.log", ["app.log"]),
        ("logs/db/app.log", ["logs", "db", "app.log"]),
        ("../../etc/passwd", ["etc", "passwd"]),
        ("/etc/shadow", ["etc", "shadow"]),
        ("..\\..\\x.log", ["x.log"]),
        ("C:\\Users\\me\\app.log", ["Users", "me", "app.log"]),
        ("c:app.log", ["app.log"]),
        ("./a/./b/../c.log", ["a", "b", "c.log"]),
        ("a\x00b\x07c\x9b.log", ["abc.log"]),
        ("//server/share/x", ["server", "share", "x"]),
        ("", []),
        ("../..", []),
        ("  /  ", []),
        (".hidden", [".hidden"]),
    ],
)
def test_upload_names_become_parts_inside_the_folder(name: str, parts: list[str]) -> None:
    assert safe_parts(name) == parts


def test_long_and_deep_names_are_cut_keeping_their_suffix() -> None:
    long = safe_parts("é" * 300 + ".log")[0]
    assert long.endswith(".log") and len(long.encode()) <= 200
    deep = safe_parts("/".join(f"d{i}" for i in range(40)) + "/app.log")
    assert len(deep) == 16 and deep[-1] == "app.log" and deep[0] == "d25"


def test_the_limit_holds_again_while_the_files_are_copied(temp_root: Path) -> None:
    files = [("a.log", io.BytesIO(b"x" * 600)), ("b.log", io.BytesIO(b"y" * 600))]
    with pytest.raises(HTTPException) as caught:
        upload_folder(files, 1000)
    assert caught.value.status_code == 413
    assert tree(temp_root) == set()
    folder = upload_folder([("a.log", io.BytesIO(b"x" * 600))], 1000)
    assert folder.parent == temp_root and tree(folder) == {"a.log"}


def test_a_file_that_cannot_be_written_leaves_no_folder(temp_root: Path) -> None:
    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="cannot write the upload: No space left on device"):
        upload_folder([("a.log", io.BytesIO(b"x")), ("b.log", Failing())], 1000)
    assert tree(temp_root) == set()


def test_sizes_are_said_in_units() -> None:
    assert [size_text(n) for n in (900, 1536, 256 << 20, 3 << 30)] == [
        "900 bytes",
        "1.5 KiB",
        "256 MiB",
        "3 GiB",
    ]


# -- refused before anything is written ----------------------------------------------------


@pytest.fixture
async def small(library: Library, temp_root: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that takes 2 KiB at most."""
    async with app_client(create_app(library, upload_limit=2048)) as c:
        yield c


async def test_an_upload_over_the_limit_is_a_413(
    small: httpx.AsyncClient, temp_root: Path, seen: Seen
) -> None:
    r, job = await submit(small, [("files", ("big.log", b"x" * 5000))])
    assert r.status_code == 413 and job is None
    message = re.search(r'<p class="problem" role="alert">([^<]*)</p>', r.text)
    assert message and "more than this server takes (2 KiB)" in message.group(1)
    assert "--upload-limit" in message.group(1) and "\n" not in message.group(1)
    csrf = await csrf_of(small)
    r = await small.post(
        "/api/investigations",
        files=[("files", ("big.log", b"x" * 5000))],
        headers={"x-csrf-token": csrf},
    )
    assert r.status_code == 413 and "(2 KiB)" in r.json()["error"]
    assert seen == [] and tree(temp_root) == set()


async def test_a_body_longer_than_it_said_is_a_413(
    small: httpx.AsyncClient, temp_root: Path, seen: Seen
) -> None:
    body, kind = multipart({"csrf_token": await csrf_of(small)}, [("big.log", b"y" * 25_000)])

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    r = await small.post(
        "/api/investigations",
        content=chunks(),
        headers={"content-type": kind, "content-length": "300"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["error"].startswith("the upload is more than this server takes")
    assert seen == [] and tree(temp_root) == set()


@pytest.mark.parametrize("token", [None, "not-the-token.0000"])
async def test_a_form_without_its_csrf_token_is_a_403(
    client: httpx.AsyncClient, temp_root: Path, seen: Seen, token: str | None
) -> None:
    await csrf_of(client)  # the cookie is set; the field is left out or wrong
    data = {"csrf_token": token} if token else {}
    r = await client.post("/investigate", data=data, files=bundle())
    assert r.status_code == 403
    assert "security token is missing or does not match" in r.text
    assert CSRF_INPUT.search(r.text)  # the form again, to send once more
    r = await client.post("/api/investigations", data=data, files=bundle())
    assert r.status_code == 403 and "security token" in r.json()["error"]
    assert seen == [] and tree(temp_root) == set()


async def test_a_post_without_our_cookie_is_refused_before_its_body_is_read(
    client: httpx.AsyncClient, seen: Seen, temp_root: Path
) -> None:
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for n in range(100):
            sent.append(n)
            yield b"z" * 1000

    kind = {"content-type": "multipart/form-data; boundary=x"}
    for path in ("/investigate", "/api/investigations"):
        client.cookies.clear()  # the refusal's page sets one
        r = await client.post(path, content=body(), headers=kind)
        assert r.status_code == 403, r.text[-600:]
    assert len(sent) <= 2  # at most the first chunk of each
    assert seen == [] and tree(temp_root) == set()


async def test_the_api_takes_the_csrf_field_too(client: httpx.AsyncClient, seen: Seen) -> None:
    csrf = await csrf_of(client)
    r = await client.post("/api/investigations", data={"csrf_token": csrf}, files=bundle())
    assert r.status_code == 202
    assert (await finished(client, r.json()["job"]))["status"] == "done"


async def test_with_the_bearer_token_the_api_needs_no_csrf(
    guarded: httpx.AsyncClient, seen: Seen
) -> None:
    bearer = {"authorization": f"Bearer {TOKEN}"}
    r = await guarded.post("/api/investigations", files=bundle(), headers=bearer)
    assert r.status_code == 202, r.text
    state = (await guarded.get(r.json()["url"], headers=bearer)).json()
    while state["status"] not in ("done", "failed"):
        await asyncio.sleep(0.05)
        state = (await guarded.get(r.json()["url"], headers=bearer)).json()
    assert state["status"] == "done" and len(seen) == 1
    # The page's form is a browser's: it needs its CSRF token all the same.
    page = await guarded.post("/investigate", files=bundle(), headers=bearer)
    assert page.status_code == 403


@pytest.mark.parametrize("path", ["/investigate", "/investigations/abc", "/api/investigations/abc"])
async def test_with_a_token_no_token_is_a_401(guarded: httpx.AsyncClient, path: str) -> None:
    r = await guarded.get(path)
    assert r.status_code == 401
    r = await guarded.post("/api/investigations", files=bundle())
    assert r.status_code == 401 and "Bearer" in r.headers["www-authenticate"]


async def test_no_files_is_a_400(client: httpx.AsyncClient, seen: Seen, temp_root: Path) -> None:
    # A file input left empty sends a part with no name and no bytes.
    r, _ = await submit(client, [("files", ("", b""))])
    assert r.status_code == 400 and "no evidence: choose files or a folder" in r.text
    csrf = await csrf_of(client)
    r = await client.post(
        "/api/investigations", data={"csrf_token": csrf}, files=[("files", ("", b""))]
    )
    assert r.status_code == 400 and r.json()["error"].startswith("no evidence")
    assert seen == [] and tree(temp_root) == set()


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"tz": "Mars/Base"}, "unknown time zone 'Mars/Base'"),
        ({"year": "last year"}, "year 'last year': give a whole number"),
        ({"year": "0"}, "--year 0: give a four-digit year"),
        ({"socket_limit": "0"}, "socket_limit 0: give a number of sockets above 0"),
        ({"zones": "Europe/Berlin"}, "zones 'Europe/Berlin': write it as PATTERN=ZONE"),
        ({"zones": "db-*.log=Mars/Base"}, "unknown time zone 'Mars/Base'"),
        ({"hosts": "snap-*.txt="}, "hosts 'snap-*.txt=': write it as PATTERN=HOST"),
    ],
)
async def test_a_bad_option_is_a_400_saying_what(
    client: httpx.AsyncClient, seen: Seen, temp_root: Path, fields: dict[str, str], said: str
) -> None:
    r, job = await submit(client, bundle(), **fields)
    assert r.status_code == 400 and job is None
    assert said.replace("'", "&#39;") in r.text
    csrf = await csrf_of(client)
    r = await client.post(
        "/api/investigations", data={"csrf_token": csrf, **fields}, files=bundle()
    )
    assert r.status_code == 400 and said in r.json()["error"]
    assert seen == [] and tree(temp_root) == set()


async def test_another_kind_of_body_is_a_415(client: httpx.AsyncClient) -> None:
    csrf = await csrf_of(client)
    r = await client.post("/investigate", data={"csrf_token": csrf, "paths": "/tmp"})
    assert r.status_code == 415 and "multipart/form-data" in r.text


# -- paths on this machine -----------------------------------------------------------------


async def test_the_same_files_uploaded_twice_are_one_incident(
    client: httpx.AsyncClient, temp_root: Path
) -> None:
    """Evidence without a postmortem (two hosts' package lists) is known by its content
    (documents are stored by their hash), not by the temporary folder it was uploaded to;
    other files make another incident."""
    rpms = "".join(f"tool{i}-1.{i}.0-1.el9.x86_64\n" for i in range(30))
    newer = rpms.replace("tool3-1.3.0", "tool3-1.4.0")
    upload = [("files", ("db01-rpm-qa.txt", rpms)), ("files", ("db02-rpm-qa.txt", newer))]
    other = [upload[0], ("files", ("db03-rpm-qa.txt", newer + "extra-2.0-1.el9.noarch\n"))]
    incidents = []
    for files in (upload, upload, other):
        encoded = [(field, (name, text.encode())) for field, (name, text) in files]
        _, job = await submit(client, encoded)
        assert job
        state = await finished(client, job)
        assert state["status"] == "done", state
        incidents.append(state["incident"])
    assert incidents[0] == incidents[1] != incidents[2]
    listed = (await client.get("/api/incidents")).json()
    assert len(listed) == 2


async def test_paths_on_this_machine_are_investigated_in_place(
    client: httpx.AsyncClient, tmp_path: Path, temp_root: Path
) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for _, (name, data) in bundle():
        (evidence / name).write_bytes(data)
    csrf = await csrf_of(client)
    r = await client.post(
        "/investigate",
        data={"csrf_token": csrf, "paths": f"\n  {evidence}  \n\n"},
        files=[("files", ("", b""))],
    )
    assert r.status_code == 303, r.text
    state = await finished(client, r.headers["location"].rsplit("/", 1)[1])
    assert state["status"] == "done", state
    assert f"reading {evidence / 'postmortem.md'}" in state["progress"]
    assert sorted(p.name for p in evidence.iterdir()) == ["postmortem.md", "q1.syslog"]
    assert tree(temp_root) == set()


async def test_paths_on_this_machine_are_refused_with_a_token(
    guarded: httpx.AsyncClient, seen: Seen, temp_root: Path, tmp_path: Path
) -> None:
    bearer = {"authorization": f"Bearer {TOKEN}"}
    r = await guarded.post(
        "/api/investigations", data={"paths": str(tmp_path)}, files=bundle(), headers=bearer
    )
    assert r.status_code == 403
    assert "takes no paths on its machine" in r.json()["error"]
    assert seen == [] and tree(temp_root) == set()


# -- jobs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/investigations/nope", "/api/investigations/nope"])
async def test_an_unknown_investigation_is_a_404(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 404
    said = "no investigation 'nope' on this server"
    if path.startswith("/api"):
        assert said in r.json()["error"]
    else:
        assert said.replace("'", "&#39;") in r.text


def test_serve_takes_an_upload_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: started.append(app))
    code, _, err = run("serve", "--upload-limit", "3", db=str(tmp_path / "l.db"))
    assert code == 0, err

    async def form() -> str:
        async with app_client(started[0]) as c:
            return (await c.get("/investigate")).text

    assert "Up to 3 MiB in all" in asyncio.run(form())
    code, _, err = run("serve", "--upload-limit", "0", db=str(tmp_path / "l.db"))
    assert code == 2 and "--upload-limit 0" in err and len(started) == 1


def test_the_jobs_forget_the_oldest_ended_ones(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(investigations, "KEPT_JOBS", 3)
    monkeypatch.setattr(
        api, "investigate", lambda *_, **__: SimpleNamespace(incident=SimpleNamespace(id="x"))
    )
    jobs = investigations.Jobs(library)
    made = []
    for _ in range(5):
        made.append(jobs.submit(["."], {}, None))
        jobs._pool.submit(lambda: None).result()  # the one worker has run it
    assert [jobs.get(j.id) is not None for j in made] == [False, False, True, True, True]
