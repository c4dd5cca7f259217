"""New investigations in the web app: evidence uploaded (or named on this machine), the
investigation run in the background, its progress shown until the incident is ready.

    /investigate                the form: files, a folder, paths on this machine (only
                                without a token, on the loopback), the options of
                                ``retroline investigate`` (tz, year, good, socket_limit)
    POST /investigate           start one (multipart form), then 303 to its progress page
    /investigations/{job}       its progress lines, reloaded every second while it runs
                                (a ``<meta>`` refresh, no script); once done a 303 to the
                                incident; when it failed, the one-line error
    POST /api/investigations    the same form from a program: 202 ``{"job", "status",
                                "url", "page"}``
    /api/investigations/{job}   ``{"job", "status", "progress", "incident", "error"}``

Uploads: the form is parsed once, here, with limits of our own (`UPLOAD_LIMIT` for the
whole request, by its Content-Length and again on the bytes as they come, for a client that
says less than it sends). The files go into a new folder of their own
(``tempfile.mkdtemp(prefix="retroline-upload-")``) under names made safe by `safe_parts`,
and the folder is removed when the investigation ends, however it ends. The work is the
public API's (`retroline.api.investigate`), run by `Jobs` in a background thread, one at a
time, the others queued; these routes read the form and choose pages.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import IO, Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.responses import HTMLResponse, RedirectResponse, Response

from retroline import api
from retroline.documents import check_zone
from retroline.errors import OutputError, RetrolineError, UsageError
from retroline.evidence.kinds import by_pattern
from retroline.logs.run import check_inputs
from retroline.store import Library
from retroline.web.pages import JSON, page, path_part
from retroline.web.security import CSRF_COOKIE, CSRF_FIELD, bearer, guard_of

__all__ = [
    "UPLOAD_LIMIT",
    "Job",
    "Jobs",
    "Status",
    "register",
    "safe_parts",
    "save_uploads",
    "upload_folder",
]

MIB = 1024 * 1024
#: The most one request may upload, unless the app is told otherwise (``--upload-limit``).
UPLOAD_LIMIT = 256 * MIB
#: Files in one upload (a folder of logs can be many) and plain fields of the form.
MAX_FILES = 10_000
MAX_FIELDS = 50
#: Investigations run at once (each one busy on a core); the others wait their turn.
WORKERS = 1
#: Progress lines kept per investigation (the latest), and investigations remembered.
PROGRESS_LINES = 500
KEPT_JOBS = 200
#: The longest file name written (bytes; file systems take 255) and the deepest folder.
NAME_BYTES = 200
DEPTH = 16
#: The header a program may carry the CSRF token in, instead of the form's field.
CSRF_HEADER = "x-csrf-token"
#: What an unexpected failure says (the traceback goes to the server's log).
INTERNAL = "internal error: the server's log has the details"

log = logging.getLogger("retroline.web")

Refuse = Callable[[Request, int, str], Response]


# -- upload file names ---------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_parts(name: str) -> list[str]:
    """The parts of the relative path an uploaded file is written at, from the name the
    client gave it: a folder upload's ``dir/sub/file.log`` keeps its folders, but control
    characters (NUL included) are dropped, backslashes separate parts, a drive letter and
    a leading ``/`` go, and empty, ``.`` and ``..`` parts are left out, so that the path
    cannot leave the upload's folder. Over-long names are cut (keeping the suffix, which
    tells the kind of evidence), and only the last `DEPTH` parts are kept. An empty list
    when nothing is left.

    >>> safe_parts("../../etc/passwd"), safe_parts("C:\\\\logs\\\\a.log"), safe_parts("/..")
    (['etc', 'passwd'], ['logs', 'a.log'], [])
    """
    text = _DRIVE.sub("", _CONTROL.sub("", name).replace("\\", "/"))
    parts = [_fit(p) for p in text.split("/") if p.strip() not in ("", ".", "..")]
    return parts[-DEPTH:]


def _fit(name: str) -> str:
    """``name`` cut to `NAME_BYTES` of UTF-8, its suffix kept."""
    if len(name.encode()) <= NAME_BYTES:
        return name
    suffix = PurePosixPath(name).suffix
    if len(suffix.encode()) > NAME_BYTES // 2:
        suffix = ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    room = NAME_BYTES - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore") + suffix


def _numbered(name: str, n: int) -> str:
    """``name`` with ``-n`` before its suffix: ``app-2.log``."""
    path = PurePosixPath(name)
    return f"{path.stem}-{n}{path.suffix}" if path.stem else f"{name}-{n}"


class Names:
    """The relative paths given out in one upload's folder: each file a path of its own (a
    clash gets ``-2``, ``-3``... before the suffix), and a folder never where a file is."""

    def __init__(self) -> None:
        self._folders: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}  # asked -> given
        self._taken: set[tuple[str, ...]] = set()

    def _free(self, parent: tuple[str, ...], name: str) -> tuple[str, ...]:
        candidate, n = (*parent, name), 1
        while candidate in self._taken:
            n += 1
            candidate = (*parent, _numbered(name, n))
        return candidate

    def claim(self, parts: Sequence[str]) -> tuple[str, ...]:
        """The path for a file asked for at ``parts`` (as `safe_parts` gives them)."""
        asked: tuple[str, ...] = ()
        for part in parts[:-1]:
            parent = self._folders[asked]
            asked += (part,)
            if asked not in self._folders:
                given = self._free(parent, part)
                self._folders[asked] = given
                self._taken.add(given)
        given = self._free(self._folders[asked], parts[-1])
        self._taken.add(given)
        return given


def _too_large(limit: int, size: int | None = None) -> HTTPException:
    """The 413 of an upload over ``limit`` (``size``: what its Content-Length said)."""
    said = f"{size_text(size)}, more" if size is not None else "more"
    return HTTPException(
        status_code=413,
        detail=f"the upload is {said} than this server takes ({size_text(limit)}): send "
        "fewer or smaller files, or start it with a larger retroline serve --upload-limit",
    )


def size_text(size: int) -> str:
    """A number of bytes for people: ``256 MiB``, ``1.5 KiB``, ``900 bytes``."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def save_uploads(files: Iterable[tuple[str, IO[bytes]]], folder: Path, *, limit: int) -> list[Path]:
    """Write each ``(name, content)`` into ``folder`` at a path made from its name
    (`safe_parts`, `Names`; a name with nothing left is ``upload-N``), counting the bytes
    against ``limit`` (a 413 past it); the paths written."""
    root = folder.resolve()
    names = Names()
    written: list[Path] = []
    total = 0
    for number, (name, content) in enumerate(files, start=1):
        relative = names.claim(safe_parts(name) or [f"upload-{number}"])
        target = root.joinpath(*relative)
        if not target.resolve().is_relative_to(root):  # cannot happen: said, not assumed
            raise UsageError(f"the file name {name!r} points outside the upload")
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as out:
            while chunk := content.read(MIB):
                total += len(chunk)
                if total > limit:
                    raise _too_large(limit)
                out.write(chunk)
        written.append(target)
    return written


# -- the jobs ------------------------------------------------------------------------------


class Status(StrEnum):
    """Where an investigation is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class Job:
    """One investigation asked for: its progress so far and how it ended."""

    id: str
    status: Status = Status.QUEUED
    progress: deque[str] = field(default_factory=lambda: deque(maxlen=PROGRESS_LINES))
    incident: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """What ``GET /api/investigations/{job}`` answers."""
        return {
            "job": self.id,
            "status": self.status.value,
            "progress": list(self.progress),
            "incident": self.incident,
            "error": self.error,
        }


# Upload folders of investigations not run yet: removed at exit if the server stops first.
_WAITING: set[Path] = set()
_WAITING_LOCK = threading.Lock()


@atexit.register
def _remove_waiting() -> None:
    with _WAITING_LOCK:
        for folder in _WAITING:
            shutil.rmtree(folder, ignore_errors=True)
        _WAITING.clear()


class Jobs:
    """The investigations of one app, run in the background by `WORKERS` threads in the
    order they came, each one's upload folder removed when it ends."""

    def __init__(self, library: Library, *, workers: int = WORKERS) -> None:
        self.library = library
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="retroline-investigation")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, ident: str) -> Job | None:
        """The job ``ident``, if this app has it."""
        with self._lock:
            return self._jobs.get(ident)

    def submit(
        self, paths: Sequence[Path | str], options: dict[str, Any], folder: Path | None
    ) -> Job:
        """Queue the investigation of ``paths`` with ``options`` (`retroline.api.
        investigate`'s); ``folder``, the upload's, is removed when it ends."""
        job = Job(secrets.token_urlsafe(12))
        with self._lock:
            # The oldest ended ones are forgotten first.
            ended = [i for i, j in self._jobs.items() if j.status in (Status.DONE, Status.FAILED)]
            for ident in ended[: max(0, len(self._jobs) + 1 - KEPT_JOBS)]:
                del self._jobs[ident]
            self._jobs[job.id] = job
        if folder is not None:
            with _WAITING_LOCK:
                _WAITING.add(folder)
        self._pool.submit(self._run, job, list(paths), options, folder)
        return job

    def _run(
        self, job: Job, paths: list[Path | str], options: dict[str, Any], folder: Path | None
    ) -> None:
        shown = _shortened(folder)
        job.status = Status.RUNNING
        incident: str | None = None
        error: str | None = None
        try:
            result = api.investigate(
                paths,
                library=self.library,
                progress=lambda line: job.progress.append(shown(line)),
                **options,
            )
            incident = result.incident.id
        except RetrolineError as exc:
            error = shown(str(exc))
        except Exception:
            log.exception("investigation %s failed", job.id)
            error = INTERNAL
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
                with _WAITING_LOCK:
                    _WAITING.discard(folder)
        # Said done only now: the upload is gone by the time anyone sees it ended.
        job.incident, job.error = incident, error
        job.status = Status.DONE if error is None else Status.FAILED


def _shortened(folder: Path | None) -> Callable[[str], str]:
    """A function that writes paths in the upload ``folder`` as the names uploaded."""
    if folder is None:
        return lambda text: text
    prefix = str(folder) + os.sep
    return lambda text: text.replace(prefix, "")


# -- the form ------------------------------------------------------------------------------


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The request's body, a 413 as soon as it is longer than ``limit``."""
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise _too_large(limit)
        yield chunk


async def read_form(request: Request, limit: int) -> FormData:
    """The multipart form of ``request``, read once with our limits: a 415 for another
    kind of body, a 413 when it says or turns out to be longer than ``limit``, a 400 for a
    broken one. The caller closes it."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "multipart/form-data":
        raise HTTPException(
            status_code=415, detail="send the evidence as a multipart/form-data form"
        )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise UsageError(f"Content-Length {declared!r} is not a number of bytes")
        if int(declared) > limit:
            raise _too_large(limit, int(declared))
    parser = MultiPartParser(
        request.headers, _limited(request, limit), max_files=MAX_FILES, max_fields=MAX_FIELDS
    )
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise UsageError(f"the form cannot be read: {exc.message}") from exc


def _text(form: FormData, name: str) -> str | None:
    """A text field of the form, stripped; None when left empty."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _number(form: FormData, name: str) -> int | None:
    text = _text(form, name)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{name} {text!r}: give a whole number") from None


def form_options(form: FormData) -> dict[str, Any]:
    """The options of ``retroline investigate`` from the form, checked as the command line
    checks them (the same checks: an unknown zone, an impossible year), so that a wrong
    value is a 400 now rather than a failed investigation later."""
    year, socket_limit = _number(form, "year"), _number(form, "socket_limit")
    check_inputs([], year)
    if socket_limit is not None and socket_limit < 1:
        raise UsageError(f"socket_limit {socket_limit}: give a number of sockets above 0")
    zones = by_pattern(_lines(form, "zones"), "zones", "ZONE", "db-*.log=Europe/Berlin")
    for zone in zones.values():
        check_zone(zone)
    return {
        "tz": check_zone(_text(form, "tz")),
        "zones": zones,
        "year": year,
        "good": _text(form, "good"),
        "socket_limit": socket_limit,
        "hosts": by_pattern(_lines(form, "hosts"), "hosts", "HOST", "snapshot-*.txt=db02"),
    }


def _lines(form: FormData, name: str) -> list[str]:
    """The lines of a text field that hold something (one option a line)."""
    return [line for line in (_text(form, name) or "").splitlines() if line.strip()]


def _server_paths(request: Request, form: FormData) -> list[str]:
    """The paths on this machine given in the form, one a line: only when the app has no
    token (it listens on the loopback, so whoever asks is on this machine)."""
    lines = [line.strip() for line in (_text(form, "paths") or "").splitlines()]
    paths = [line for line in lines if line]
    if paths and guard_of(request).token is not None:
        raise HTTPException(
            status_code=403,
            detail="this server takes no paths on its machine (it is open to the network): "
            "upload the files instead",
        )
    if any("\x00" in p for p in paths):
        raise UsageError("a path holds a NUL character: give each path on a line of its own")
    return paths


def _uploads(form: FormData) -> list[UploadFile]:
    """Every file of the form, whatever its field; not a file input left empty."""
    return [
        value
        for _, value in form.multi_items()
        if isinstance(value, UploadFile) and (value.filename or value.size)
    ]


def _csrf_refused() -> HTTPException:
    return HTTPException(
        status_code=403,
        detail="the form's security token is missing or does not match: reload the page "
        "and send the form again",
    )


def upload_folder(files: Sequence[tuple[str, IO[bytes]]], limit: int) -> Path:
    """A new temporary folder holding ``files`` (see `save_uploads`); removed again when
    they cannot all be written (a full disk is an `OutputError`)."""
    try:
        folder = Path(tempfile.mkdtemp(prefix="retroline-upload-"))
    except OSError as exc:
        where = tempfile.gettempdir()
        raise OutputError(f"cannot make a folder for the upload: {exc.strerror}", where) from exc
    try:
        save_uploads(files, folder, limit=limit)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write the upload: {exc.strerror}", folder) from exc
        raise
    return folder


async def start(request: Request, jobs: Jobs, limit: int, *, program: bool) -> Job:
    """Read the form of ``request``, write its files into a new upload folder and queue the
    investigation; its job. ``program``: the JSON route, which also takes the CSRF token
    in the ``X-CSRF-Token`` header, or none with a Bearer token."""
    guard = guard_of(request)
    cookie = request.cookies.get(CSRF_COOKIE)
    by_bearer = program and guard.token is not None and bearer(request) is not None
    by_header = program and guard.csrf_valid(cookie, request.headers.get(CSRF_HEADER))
    # Without a cookie of ours (a post from another site has none) nothing is read.
    if not (by_bearer or by_header or guard.csrf_valid(cookie, cookie)):
        raise _csrf_refused()
    form = await read_form(request, limit)
    try:
        field = form.get(CSRF_FIELD)
        by_field = guard.csrf_valid(cookie, field if isinstance(field, str) else None)
        if not (by_bearer or by_header or by_field):
            raise _csrf_refused()
        options = form_options(form)
        paths: list[Path | str] = list(_server_paths(request, form))
        files = _uploads(form)
        if not files and not paths:
            raise UsageError("no evidence: choose files or a folder to upload")
        folder = None
        if files:
            given = [(f.filename or "", f.file) for f in files]
            folder = await run_in_threadpool(upload_folder, given, limit)
            # What was uploaded, as given on a command line: a folder uploaded whole is
            # investigated as that folder, and the first name is the title's.
            paths[:0] = sorted(folder.iterdir())
        return jobs.submit(paths, options, folder)
    finally:
        await form.close()


def _refreshing(response: HTMLResponse) -> HTMLResponse:
    """``response`` (a page of ours) reloading itself every second: a ``<meta>`` refresh
    first in its ``<head>``, before anything from the evidence."""
    text = bytes(response.body).decode("utf-8")
    text = text.replace("<head>\n", '<head>\n<meta http-equiv="refresh" content="1">\n', 1)
    return HTMLResponse(
        text,
        status_code=response.status_code,
        headers={"Content-Security-Policy": response.headers["content-security-policy"]},
    )


#: The body the API route takes, for the schema (the route reads the form itself).
_FORM_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "Evidence files; a name may hold folders "
                            "(dir/sub/file.log).",
                        },
                        "paths": {
                            "type": "string",
                            "description": "Paths on the server's machine, one a line "
                            "(only when it runs without a token).",
                        },
                        "tz": {
                            "type": "string",
                            "description": "IANA zone of times that state none.",
                        },
                        "year": {
                            "type": "integer",
                            "description": "Year of log lines without one.",
                        },
                        "zones": {
                            "type": "string",
                            "description": "Zones of files by name pattern, PATTERN=ZONE "
                            "one a line (logs from hosts in other zones).",
                        },
                        "good": {"type": "string", "description": "The host that works."},
                        "hosts": {
                            "type": "string",
                            "description": "Hosts of files by name pattern, PATTERN=HOST "
                            "one a line (host-state files that do not name theirs).",
                        },
                        "socket_limit": {
                            "type": "integer",
                            "description": "The limit on a host's open sockets.",
                        },
                        CSRF_FIELD: {
                            "type": "string",
                            "description": "The CSRF token (or the X-CSRF-Token header), "
                            "unless a Bearer token is sent.",
                        },
                    },
                }
            }
        },
    }
}


def register(app: FastAPI, library: Library, *, upload_limit: int, refuse: Refuse) -> None:
    """Add the new-investigation form, the progress pages and their JSON twins to ``app``.

    ``upload_limit``: the most one request may upload, in bytes. ``refuse(request, status,
    message)`` makes an error answer as the rest of the app does (a page, or JSON under
    /api)."""
    if upload_limit < 1:
        raise UsageError(f"upload limit {upload_limit}: give a number of bytes above 0")
    jobs = Jobs(library)
    app.state.investigations = jobs

    def form_page(request: Request, *, status: int = 200, message: str | None = None) -> Response:
        return page(
            "investigate.html.j2",
            status=status,
            csrf=guard_of(request).csrf_token(request),
            server_paths=guard_of(request).token is None,
            limit=size_text(upload_limit),
            message=message,
        )

    def unknown(request: Request, job: str) -> Response:
        return refuse(
            request,
            404,
            f"no investigation {job!r} on this server: investigations are kept while it "
            "runs; start a new one at /investigate",
        )

    @app.get("/investigate", include_in_schema=False)
    def investigate_form(request: Request) -> Response:
        return form_page(request)

    @app.post("/investigate", include_in_schema=False)
    async def investigate_post(request: Request) -> Response:
        try:
            job = await start(request, jobs, upload_limit, program=False)
        except HTTPException as exc:
            return form_page(request, status=exc.status_code, message=str(exc.detail))
        except UsageError as exc:
            return form_page(request, status=exc.http_status, message=str(exc))
        return RedirectResponse(f"/investigations/{path_part(job.id)}", status_code=303)

    @app.get("/investigations/{job}", include_in_schema=False)
    def progress_page(request: Request, job: str) -> Response:
        found = jobs.get(job)
        if found is None:
            return unknown(request, job)
        if found.status is Status.DONE and found.incident is not None:
            return RedirectResponse(f"/incidents/{path_part(found.incident)}", status_code=303)
        shown = page("investigation.html.j2", job=found, progress=list(found.progress))
        return shown if found.status is Status.FAILED else _refreshing(shown)

    @app.post(
        "/api/investigations",
        status_code=202,
        tags=["investigations"],
        openapi_extra=_FORM_SCHEMA,
    )
    async def investigate_json(request: Request) -> Response:
        """Start an investigation of the evidence uploaded (a multipart form, as the
        /investigate page sends it): 202 with the job, its status and where to follow it.

        Not postable from another site: with the app's Bearer token the request is a
        program's (a page of another site cannot set that header); without one it must
        carry the CSRF token of its cookie, in the ``X-CSRF-Token`` header or the
        ``csrf_token`` field (from any page of the app). A cross-site form can post
        multipart, so the content type proves nothing; a header other than the simple
        ones makes a browser ask this app first (a CORS preflight), which it never allows.
        """
        job = await start(request, jobs, upload_limit, program=True)
        url = f"/api/investigations/{path_part(job.id)}"
        return JSON(
            {
                "job": job.id,
                "status": job.status.value,
                "url": url,
                "page": f"/investigations/{path_part(job.id)}",
            },
            status_code=202,
            headers={"Location": url},
        )

    @app.get("/api/investigations/{job}", tags=["investigations"])
    def investigation_json(request: Request, job: str) -> Response:
        """An investigation: queued, running, done (with its incident's id) or failed
        (with the error), and its progress lines so far."""
        found = jobs.get(job)
        if found is None:
            return unknown(request, job)
        return JSON(found.to_json())
