"""One table from errors to HTTP: RFC 9457 problem details that name the broken rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from frispor.api.auth import AuthError, ForbiddenError
from frispor.domain import errors as e

PROBLEM = "application/problem+json"

# Rule violations that depend on the state of other records are conflicts (409); broken input
# is unprocessable (422).
STATUS: dict[type[e.DomainError], int] = {
    e.NotFoundError: 404,
    e.ConcurrencyError: 409,
    e.StoreRefusedError: 409,
    e.ProtectedCategoryError: 409,
    e.NotCompetentError: 403,  # who may decide: rule 3 and every organisation check
    e.EnrolmentLimitError: 409,
    e.NotEnrolledError: 409,
    e.InvalidTransitionError: 409,
    e.OutsideTrialPeriodError: 422,
    e.MissingLegalBasisError: 422,
    e.MissingJustificationError: 422,
    e.CprNumberError: 422,
    e.InvalidValueError: 422,
    e.NotParticipatingError: 422,
    e.InvalidCorrectionError: 422,
}


class ApiError(Exception):
    """An HTTP-level refusal (bad header, unsupported media type, not ready …)."""

    def __init__(
        self,
        status: int,
        rule: str,
        detail: str,
        headers: dict[str, str] | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.rule, self.detail, self.headers = status, rule, detail, headers
        self.field = field


class UnavailableError(ApiError):
    """The server cannot answer now, but will: a 503 that says when to try again."""

    def __init__(self, rule: str, detail: str, retry_after: int) -> None:
        super().__init__(503, rule, detail, headers={"Retry-After": str(retry_after)})


DATABASE_UNAVAILABLE = UnavailableError(
    "database-unavailable", "the database is unavailable; try again shortly", retry_after=2
)


def problem(
    status: int,
    rule: str,
    detail: str,
    request: Request | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response naming the rule."""
    body = {
        "type": f"https://frispor.dk/problems/{rule}",
        "title": rule.replace("-", " "),
        "status": status,
        "detail": detail,
        "rule": rule,
        **extra,
    }
    if request is not None:
        body["instance"] = request.url.path
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_of(error: e.DomainError) -> int:
    """The HTTP status of a domain error (its most specific class in the table)."""
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 422


def install(app: FastAPI, outages: Iterable[type[Exception]]) -> None:
    """Register the handlers on the app; `outages` are the errors of a database that is down."""

    @app.exception_handler(e.DomainError)
    async def domain_error(request: Request, error: e.DomainError) -> JSONResponse:
        return problem(status_of(error), error.rule, error.message, request, field=error.field)

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, error: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"}
        return problem(401, "authentication", str(error), request, headers=headers)

    @app.exception_handler(ForbiddenError)
    async def forbidden(request: Request, error: ForbiddenError) -> JSONResponse:
        return problem(403, "authorisation", str(error), request)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        extra = {} if error.field is None else {"field": error.field}
        return problem(
            error.status, error.rule, error.detail, request, headers=error.headers, **extra
        )

    async def outage(request: Request, error: Exception) -> JSONResponse:
        return await api_error(request, DATABASE_UNAVAILABLE)

    for outage_type in outages:
        app.add_exception_handler(outage_type, outage)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": str(err.get("msg", "")),
                "type": err.get("type"),
            }
            for err in error.errors()
        ]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        detail = f"{first['field'] or 'body'}: {first['message']}"
        return problem(422, "request-schema", detail, request, field=first["field"], errors=errors)

    @app.exception_handler(ValidationError)
    async def invalid_value(request: Request, error: ValidationError) -> JSONResponse:
        # A value the domain built from valid-looking input and found invalid (never a 500).
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return problem(422, "valid-value", f"{field or 'value'}: {message}", request, field=field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # Starlette could not read the body: malformed JSON
            return problem(422, "request-schema", f"body: {error.detail}", request, field="")
        rule = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http")
        return problem(error.status_code, rule, str(error.detail), request)
