"""The guard around every request: refuse bad bodies early, count and time what was served."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frispor.api import errors

WRITES = frozenset({"POST", "PUT", "PATCH"})


class Guard:
    """Pure ASGI, not `BaseHTTPMiddleware`: that runs each request in an extra task and stream."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app, self.max_body_bytes = app, max_body_bytes

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

        refused = _refuse(scope, self.max_body_bytes)
        if refused is not None:
            await refused(scope, receive, watch)
        else:
            await self.app(scope, receive, watch)
        services: Any = getattr(scope["app"].state, "services", None)
        if services is not None:
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics, method = services.metrics, scope["method"]
            metrics.requests.labels(method, route, status).inc()
            metrics.latency.labels(method, route).observe(time.perf_counter() - started)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _refuse(scope: Scope, max_bytes: int) -> Response | None:
    """Refuse a wrong content type or an oversize body before anything reads it."""
    if scope["method"] not in WRITES:
        return None
    kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
    if kind != "application/json":
        return errors.problem(
            415, "content-type", f"send application/json, not {kind or 'nothing'}", Request(scope)
        )
    length = _header(scope, b"content-length")
    if length is not None and (not length.isdigit() or int(length) > max_bytes):
        return errors.problem(
            413, "body-size", f"the body may be at most {max_bytes} bytes", Request(scope)
        )
    return None
