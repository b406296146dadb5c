"""The guard around every request: refuse bad requests before their body is read, count and time.

A write is refused before a byte of its body is read when its content type is not JSON, its
declared length is over the limit, or its caller is not authenticated; a body sent without a
length (`Transfer-Encoding: chunked`) is counted as it arrives and refused (413) at the limit,
so no request makes the server hold more than `max_body_bytes` of it. A query string carrying
control characters (a NUL byte, which PostgreSQL text cannot hold) is refused for every route.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frispor.api import errors
from frispor.api.auth import AuthError

WRITES = frozenset({"POST", "PUT", "PATCH"})
# An import's body is the file itself (CSV or JSON Lines, its media type checked by the route),
# up to its own limit.
IMPORTS = "/imports"
CONTROL = frozenset(chr(c) for c in [*range(32), 127])
ESCAPED_CONTROL = re.compile(r"%[01][0-9a-fA-F]|%7[fF]")  # a control character, %-encoded


class BodyTooLargeError(Exception):
    """The body went past the limit while it was being read."""


class _Counted:
    """A `receive` that counts body bytes and stops at the limit."""

    def __init__(self, receive: Receive, limit: int) -> None:
        self.receive, self.limit, self.seen, self.over = receive, limit, 0, False

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            if self.seen > self.limit:
                self.over = True
                raise BodyTooLargeError
        return message


class Guard:
    """Pure ASGI, not `BaseHTTPMiddleware`: that runs each request in an extra task and stream."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_import_bytes: int = 0) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes
        self.max_import_bytes = max_import_bytes or max_body_bytes

    def limit(self, scope: Scope) -> int:
        """The most body bytes this request may send."""
        return self.max_import_bytes if scope["path"] == IMPORTS else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse or pass the request on; record its route, status and latency."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        refused = _refuse(scope, self.limit(scope)) or await _authenticate(scope)
        if refused is not None:
            await refused(scope, receive, watch)
        else:
            await self._pass_on(scope, receive, watch)
        services: Any = getattr(scope["app"].state, "services", None)
        if services is not None:
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics, method = services.metrics, scope["method"]
            metrics.requests.labels(method, route, status).inc()
            metrics.latency.labels(method, route).observe(time.perf_counter() - started)

    async def _pass_on(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app on a counted body; past the limit, answer 413 in place of its answer."""
        counted = _Counted(receive, self.limit(scope))
        started = False

        async def unless_over(message: Message) -> None:
            nonlocal started
            if counted.over:  # the app's answer to a body it could not read: not sent
                return
            started = True
            await send(message)

        try:
            await self.app(scope, counted, unless_over)
        except BodyTooLargeError:
            pass
        if counted.over and not started:
            await _too_large(scope, self.limit(scope))(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _too_large(scope: Scope, max_bytes: int) -> Response:
    # The connection stays open: the server reads on and drops the rest of the body, holding
    # none of it (closing now could reset the connection before the client reads the answer).
    return errors.problem(
        413, "body-size", f"the body may be at most {max_bytes} bytes", Request(scope)
    )


def _refuse(scope: Scope, max_bytes: int) -> Response | None:
    """Refuse control characters in the query; for a write, a wrong type or a declared oversize."""
    query = scope.get("query_string", b"").decode("latin-1")
    if ESCAPED_CONTROL.search(query) or not query.isprintable():  # cheap: most queries pass
        for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
            if any(c in CONTROL for c in name + value):
                field = f"query.{name.strip(''.join(CONTROL)) or 'name'}"
                detail = f"{field}: control characters (such as NUL) are not allowed"
                return errors.problem(422, "request-schema", detail, Request(scope), field=field)
    if scope["method"] not in WRITES:
        return None
    kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    # The web view's forms post form data (to its own paths only); the API takes JSON.
    form = kind == "application/x-www-form-urlencoded" and scope["path"].startswith("/web/")
    if kind != "application/json" and not form and scope["path"] != IMPORTS:
        return errors.problem(
            415, "content-type", f"send application/json, not {kind or 'nothing'}", Request(scope)
        )
    length = _header(scope, b"content-length")
    if length is not None and (not length.isdigit() or int(length) > max_bytes):
        return _too_large(scope, max_bytes)
    return None


async def _authenticate(scope: Scope) -> Response | None:
    """Authenticate a write's caller before its body is read (401 if not); kept for the route."""
    services: Any = getattr(scope["app"].state, "services", None)
    if scope["method"] not in WRITES or services is None:
        return None
    header = _header(scope, b"authorization")
    if scope["path"].startswith("/web/"):
        # The web view's forms: the session cookie is the credential; signing in has none yet.
        if scope["path"] == "/web/signin":
            return None
        token = Request(scope).cookies.get("frispor_session")
        header = f"Bearer {token}" if token else None
    try:
        if services.auth.may_block(header):  # a key to fetch from the identity provider
            principal = await run_in_threadpool(services.auth.authenticate, header)
        else:
            principal = services.auth.authenticate(header)
    except AuthError as error:
        headers = {"WWW-Authenticate": "Bearer"}
        return errors.problem(401, "authentication", str(error), Request(scope), headers=headers)
    scope.setdefault("state", {})["principal"] = principal
    return None
