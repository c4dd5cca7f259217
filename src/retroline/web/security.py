"""What keeps the web app safe: who may ask, which forms count, and what every answer carries.

- The token: when the app is given one, every request shows it, as ``Authorization: Bearer
  TOKEN`` or as the session cookie the login form sets (an HMAC of the token, so the cookie
  never holds the token itself). Compared in constant time; missing or wrong is a 401.
- CSRF: every form that changes something carries a token in a hidden field that must equal
  the ``retroline_csrf`` cookie (double submit), and the token is signed with a secret of the
  app, so a cookie planted by another site or another port of the same host does not pass.
  `Guard.csrf_token` gives a page its token (the cookie is set on the way out) and
  `csrf_protected` checks a posted form (a 403 otherwise).
- Hosts: the app answers only to the names it is served under (the loopback by default), so
  a web page whose DNS name is rebound to 127.0.0.1 cannot read the library.
- Headers: a strict Content-Security-Policy (nothing from the network; a page that needs its
  inline style or script names its hash), nosniff, no referrer, no framing, no caching.

`Shield` is the ASGI middleware that does the last three in front of the app.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import HTTPException
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from retroline.errors import UsageError

__all__ = [
    "CSRF_COOKIE",
    "CSRF_FIELD",
    "LOCAL_HOSTS",
    "SESSION_COOKIE",
    "Guard",
    "Shield",
    "bearer",
    "csrf_protected",
    "policy",
]

SESSION_COOKIE = "retroline_session"
CSRF_COOKIE = "retroline_csrf"
#: The name of the hidden field that carries the CSRF token in every form that posts.
CSRF_FIELD = "csrf_token"
#: The names the app answers to unless told others: the loopback, by name and address.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Paths that answer without the token: the login form and what it posts to.
OPEN_PATHS = frozenset({"/login"})

HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    # The library may be private: no copy of a page stays in a cache.
    "cache-control": "no-store",
}

log = logging.getLogger("retroline.web")


def policy(*, style: str | None = None, forms: bool = True) -> str:
    """A Content-Security-Policy that allows nothing but the inline style of this hash
    (see `retroline.report.html.csp_hash`), images inlined as data, and forms posted back
    to this app (``forms``); no script at all."""
    parts = ["default-src 'none'"]
    if style:
        parts.append(f"style-src '{style}'")
    parts += [
        "img-src data:",
        "base-uri 'none'",
        "form-action 'self'" if forms else "form-action 'none'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(parts)


#: The policy of an answer that sets none itself (JSON, plain text): nothing at all.
DEFAULT_POLICY = policy(forms=False)


def host_name(header: str) -> str:
    """The name in a Host header, without its port: ``[::1]:8765`` is ``::1``."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    name, colon, port = value.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else value


class Guard:
    """The token and the CSRF tokens of one app.

    ``token`` None: no token is asked for (the app listens on the loopback only). The CSRF
    tokens are signed with ``secret``, random per app unless given: a restart makes the
    open forms' tokens stale, which costs a reload.
    """

    def __init__(self, token: str | None, *, secret: bytes | None = None) -> None:
        if token is not None and not token.strip():
            raise UsageError("--token: give a token that is not empty (or none at all)")
        self.token = token
        self._token = token.encode() if token is not None else b""
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._session = hmac.new(self._token, b"retroline session", hashlib.sha256).hexdigest()

    @property
    def session(self) -> str:
        """The value of the session cookie: it proves the token without holding it."""
        return self._session

    def token_matches(self, given: str) -> bool:
        """Whether ``given`` (from the login form) is the token, compared in constant time."""
        return self.token is not None and secrets.compare_digest(given.encode(), self._token)

    def authorized(self, request: Request) -> bool:
        """Whether the request may be answered: no token is needed, or it shows it."""
        if self.token is None:
            return True
        given = bearer(request)
        if given is not None:
            # Starlette decodes headers as latin-1: back to the bytes the client sent.
            return secrets.compare_digest(given.encode("latin-1"), self._token)
        cookie = request.cookies.get(SESSION_COOKIE, "")
        return bool(cookie) and secrets.compare_digest(cookie.encode(), self._session.encode())

    def _signature(self, nonce: str) -> str:
        return hmac.new(self._secret, b"csrf " + nonce.encode(), hashlib.sha256).hexdigest()

    def _signed(self, token: str) -> bool:
        nonce, dot, signature = token.partition(".")
        return bool(nonce and dot) and secrets.compare_digest(
            signature.encode(), self._signature(nonce).encode()
        )

    def csrf_token(self, request: Request) -> str:
        """The CSRF token to put in the hidden field of a form on this page: the request's
        cookie when it is one of ours, else a new one, which `Shield` sets as the cookie
        on the response."""
        current = request.cookies.get(CSRF_COOKIE, "")
        if current and self._signed(current):
            return current
        issued = getattr(request.state, "csrf_issued", None)
        if isinstance(issued, str):
            return issued
        nonce = secrets.token_urlsafe(24)
        token = f"{nonce}.{self._signature(nonce)}"
        request.state.csrf_issued = token
        return token

    def csrf_valid(self, cookie: str | None, submitted: str | None) -> bool:
        """Whether a posted form's token matches the cookie, and is one this app signed."""
        if not cookie or not submitted:
            return False
        same = secrets.compare_digest(cookie.encode(), submitted.encode())
        return same and self._signed(cookie)

    async def check_csrf(self, request: Request) -> None:
        """Raise a 403 unless the posted form carries the CSRF token of its cookie."""
        form = await request.form()
        submitted = form.get(CSRF_FIELD)
        if not isinstance(submitted, str) or not self.csrf_valid(
            request.cookies.get(CSRF_COOKIE), submitted
        ):
            raise HTTPException(
                status_code=403,
                detail="the form's security token is missing or does not match: reload the "
                "page and send the form again",
            )


def bearer(request: Request) -> str | None:
    """The token of the request's ``Authorization: Bearer ...`` header, if it has one (a
    program's way to send it; a browser's is the session cookie)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def guard_of(request: Request) -> Guard:
    """The `Guard` of the app answering ``request``."""
    guard = request.app.state.guard
    assert isinstance(guard, Guard)
    return guard


async def csrf_protected(request: Request) -> None:
    """A FastAPI dependency for a route that takes a form: it must carry the CSRF token
    (``Depends(csrf_protected)``; the form's page puts ``guard.csrf_token(request)`` in a
    hidden ``csrf_token`` field)."""
    await guard_of(request).check_csrf(request)


def _cookie(name: str, value: str, *, secure: bool) -> str:
    """A Set-Cookie value for this app alone: not for scripts, not sent from other sites."""
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


class Shield:
    """ASGI middleware in front of the app: answers only to its host names, asks for the
    token, and puts the security headers (and a CSRF cookie issued while answering) on
    every response, errors included.

    ``refuse(request, status, message)`` and ``login(request)`` make the answers it gives
    itself (a page or JSON, as the path asks), so they look like the app's own.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        guard: Guard,
        hosts: Iterable[str],
        refuse: Callable[[Request, int, str], Response],
        login: Callable[[Request], Response],
    ) -> None:
        self.app = app
        self.guard = guard
        self.hosts = frozenset(host_name(h) for h in hosts)
        self.refuse = refuse
        self.login = login

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("content-security-policy", DEFAULT_POLICY)
                issued = state.get("csrf_issued")
                if isinstance(issued, str):
                    secure = scope.get("scheme") == "https"
                    headers.append("set-cookie", _cookie(CSRF_COOKIE, issued, secure=secure))
            await send(message)

        request = Request(scope, receive)
        name = host_name(request.headers.get("host", ""))
        if "*" not in self.hosts and name not in self.hosts:
            message = (
                f"this server does not answer to the host name {name!r}: open it by the "
                "address it listens on (a guard against DNS rebinding)"
            )
            await self.refuse(request, 400, message)(scope, receive, guarded_send)
            return
        if scope["path"] not in OPEN_PATHS and not self.guard.authorized(request):
            await self.login(request)(scope, receive, guarded_send)
            return
        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            # Answered here so that the page has our headers; raised again for the server
            # to log the traceback (and for the test client to see it).
            if not started:
                log.exception("internal error answering %s", scope["path"])
                message = "internal error: the server's log has the details"
                await self.refuse(request, 500, message)(scope, receive, guarded_send)
            raise


def set_session(response: Response, guard: Guard, *, secure: bool) -> None:
    """Put the session cookie on ``response``: the browser is logged in."""
    response.set_cookie(
        SESSION_COOKIE, guard.session, path="/", httponly=True, samesite="strict", secure=secure
    )


def clear_session(response: Response, *, secure: bool) -> None:
    """Remove the session cookie: the browser is logged out."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=secure
    )
