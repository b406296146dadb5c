"""Dependencies of the routes: the services, the caller, and the command runner."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID, uuid4, uuid5

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from frispor.api.auth import Principal
from frispor.api.errors import ApiError
from frispor.api.idempotency import StillPending
from frispor.api.schemas.common import DecisionIn, WrittenPublic
from frispor.api.services import Services
from frispor.domain.aggregate import Envelope
from frispor.domain.application import Written
from frispor.domain.errors import DomainError
from frispor.domain.values import Role

IDEMPOTENCY_NAMESPACE = UUID("0b7f4a40-3f0e-4b1e-8d1c-2c4f7d2b9a11")


# The dependencies only compute, so they are `async def`: FastAPI runs a plain `def` dependency
# in the thread pool, a hand-over to another thread and back for each one, on every request.
# They also take the request, not each other: every dependency solved costs ~20 µs in FastAPI.


async def get_services(request: Request) -> Services:
    """The app's services."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_principal(request: Request) -> Principal:
    """The authenticated caller (401 without valid credentials)."""
    known: Principal | None = request.scope.get("state", {}).get("principal")
    if known is not None:  # a write's caller, authenticated before its body was read
        return known
    auth = (await get_services(request)).auth
    header = request.headers.get("authorization")
    if auth.may_block(header):  # a key to fetch from the identity provider
        return await run_in_threadpool(auth.authenticate, header)
    return auth.authenticate(header)


def allowed(*roles: Role) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that lets only these roles through (checked before the request is read)."""

    async def check(request: Request) -> Principal:
        principal = await get_principal(request)
        principal.require(*roles)
        return principal

    return check


ReaderDep = Annotated[Principal, Depends(allowed(Role.RECORDER, Role.AUDITOR, Role.AUTHORITY))]
AuthorityDep = Annotated[Principal, Depends(allowed(Role.AUTHORITY))]
ReviewerDep = Annotated[Principal, Depends(allowed(Role.AUDITOR, Role.AUTHORITY))]


def parse_if_match(value: str | None) -> int | None:
    """The expected version of an `If-Match` header: 3, "3" or W/"3"."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 12:
        raise ApiError(422, "if-match", f"If-Match must be an aggregate version, not {value!r}")
    return int(text)


class Command:
    """Runs one decision: envelope from the caller, If-Match, Idempotency-Key, 201 answer."""

    def __init__(
        self,
        services: Services,
        principal: Principal,
        request: Request,
        idempotency_key: str | None,
        if_match: str | None,
        correlation: str | None,
    ) -> None:
        principal.require(Role.RECORDER)
        self.services, self.principal, self.request = services, principal, request
        self.app = services.app
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
            raise ApiError(422, "idempotency-key", "Idempotency-Key must be 1 to 200 characters")
        self.key = idempotency_key
        self.expected_version = parse_if_match(if_match)
        try:
            self.correlation_id = UUID(correlation) if correlation else None
        except ValueError:
            raise ApiError(422, "correlation-id", "X-Correlation-ID must be a UUID") from None

    def correlation(self) -> UUID:
        """The request's correlation id: given, derived from the key, or new."""
        if self.correlation_id:
            return self.correlation_id
        if self.key:
            return uuid5(IDEMPOTENCY_NAMESPACE, f"{self.principal.subject}:{self.key}")
        return uuid4()

    def envelope(self, body: DecisionIn) -> Envelope:
        """The event envelope: actor from the credentials, the rest from the body."""
        return body.envelope(self.principal.actor(), self.correlation())

    def _replay_answer(self, digest: str) -> JSONResponse | None | bool:
        """The stored answer for the key; None once claimed for this request; False to retry."""
        assert self.key is not None
        store, subject = self.services.idempotency, self.principal.subject
        head = self.app.recorder.max_notification_id() or 0
        stored = store.claim(subject, self.key, digest, head)
        if stored is None:
            return None
        if not stored.same_request:
            raise ApiError(
                422,
                "idempotency-key-reused",
                "this Idempotency-Key was used for a different request",
            )
        if not stored.pending:
            return JSONResponse(stored.body, status_code=stored.status)
        try:
            found = store.settle(
                subject,
                self.key,
                stored,
                self.correlation(),
                self.services.settings.idempotency_stale_after,
            )
        except StillPending:
            raise _in_progress() from None
        return False if found is None else JSONResponse(found, status_code=201)

    def run(self, body: DecisionIn, action: Callable[[Envelope], Written]) -> JSONResponse:
        """Execute once per idempotency key; answer 201 with id, version and position."""
        store, subject = self.services.idempotency, self.principal.subject
        if self.key is not None:
            digest = hashlib.sha256(
                f"{self.request.method} {self.request.url.path} {self.expected_version} ".encode()
                + body.model_dump_json().encode()
            ).hexdigest()
            replay = self._replay_answer(digest)
            while replay is False:  # a dead claim was released: claim again
                replay = self._replay_answer(digest)
            if isinstance(replay, JSONResponse):
                return replay
        try:
            written = action(self.envelope(body))
        except DomainError:
            if self.key is not None:
                store.release(subject, self.key)  # refused: nothing was written
            raise
        answer: dict[str, Any] = WrittenPublic(
            id=written.id, version=written.version, position=written.position
        ).model_dump(mode="json")
        if self.key is not None:
            store.complete(subject, self.key, 201, answer)
        self.services.metrics.appended.inc(written.events)
        return JSONResponse(answer, status_code=201, headers={"ETag": f'"{written.version}"'})


def _in_progress() -> ApiError:
    return ApiError(
        409,
        "idempotency-in-progress",
        "a request with this Idempotency-Key is still in progress; retry shortly",
        headers={"Retry-After": "1"},
    )


def command_for(target: str | None) -> Callable[..., Awaitable[Command]]:
    """A command runner whose If-Match names the version of `target` (None: If-Match refused)."""
    if target is None:
        described = (
            "Not accepted here: this route creates a new record, so there is no version to "
            "match; a request with If-Match is refused (422 if-match)."
        )
    else:
        described = (
            f"The expected version of {target} (the ETag a command on it answered); a stale "
            "one is refused (409 optimistic-concurrency). Without it, a decision that loses a "
            "race with an unrelated one is decided again by the server."
        )

    async def get_command(
        request: Request,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key", description="A retry with the same key is answered once"
            ),
        ] = None,
        # A default, not an annotation: the annotation is a string resolved in the module.
        if_match: str | None = Header(default=None, alias="If-Match", description=described),
        correlation: Annotated[
            str | None,
            Header(
                alias="X-Correlation-ID",
                description="A UUID the events of this request carry (default: from the key)",
            ),
        ] = None,
    ) -> Command:
        """A command runner for this request (403 unless the caller is a recorder)."""
        services, principal = await get_services(request), await get_principal(request)
        cmd = Command(services, principal, request, idempotency_key, if_match, correlation)
        if target is None and if_match is not None:
            raise ApiError(
                422,
                "if-match",
                f"If-Match does not apply to {request.url.path}: it creates a record",
            )
        return cmd

    return get_command
