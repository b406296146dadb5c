"""The API's description: who may call what, one Problem schema on every error, true media types.

FastAPI writes the operations from the routes (their bodies, response models and media types);
this adds what it cannot know: the security schemes and each operation's security, and the
error answers each route can give, from one table, all as `Problem` in application/problem+json.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http import HTTPStatus
from inspect import signature
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from frispor.api.auth import Principal
from frispor.api.deps import Command
from frispor.api.errors import PROBLEM
from frispor.api.schemas.imports import ImportRefused
from frispor.api.schemas.problem import PROBLEM_REF, Problem
from frispor.settings import Settings


def authenticates(route: APIRoute) -> bool:
    """The route names its caller: it depends on a Principal or a command runner."""
    return any(_returns(d.call) in (Principal, Command) for d in _dependencies(route.dependant))


def writes(route: APIRoute) -> bool:
    """The route takes a body."""
    return "POST" in (route.methods or ())


def names_records(route: APIRoute) -> bool:
    """The route names records by id (path, query or body), so one may not exist."""
    query = route.dependant.query_params
    return (
        writes(route)
        or bool(route.dependant.path_params)
        or any("uuid" in str(f.field_info.annotation).lower() for f in query)
    )


def always(route: APIRoute) -> bool:
    """Every route."""
    return True


# The error answers, and which routes can give each; a route's `responses` may add one (a 404
# of the ledger's) whose description and schema then come from here.
ERRORS: dict[int, tuple[str, Callable[[APIRoute], bool]]] = {
    401: ("no valid credentials (`WWW-Authenticate: Bearer`)", authenticates),
    403: ("the caller's role, organisation or area may not do this", authenticates),
    404: ("no such record, or none the caller may read", names_records),
    409: ("in conflict with the record (a stale If-Match, rules 1 and 4 …)", writes),
    413: ("the body is larger than the server takes", writes),
    415: ("the body's media type is not one the route takes", writes),
    422: ("refused, nothing stored: `rule` names the rule the request breaks", always),
    503: ("not now: no database, read models behind; see `Retry-After`", always),
}
BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "a token from `frispor tokens create` (or the demo's), or an OIDC access "
    "token where an identity provider is configured",
}


def install(api: FastAPI, settings: Settings) -> None:
    """Build the description once, on first request for it."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = describe(api, settings)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


def describe(api: FastAPI, settings: Settings) -> dict[str, Any]:
    """The OpenAPI document of the API's routes."""
    document = get_openapi(
        title=api.title,
        version=api.version,
        summary=api.summary,
        description=api.description,
        routes=api.routes,
        # One schema per model, as a generated client has one class per model (a GoalTerms the
        # reads answer is the one the commands take).
        separate_input_output_schemas=False,
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in (Problem, ImportRefused):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemes = {"bearer": BEARER}
    if settings.jwks and settings.jwt_issuer:
        issuer = settings.jwt_issuer.rstrip("/")
        schemes["oidc"] = {
            "type": "openIdConnect",
            "openIdConnectUrl": f"{issuer}/.well-known/openid-configuration",
        }
    components["securitySchemes"] = schemes
    for context in iter_route_contexts(api.routes):  # included routers, with their prefixes
        route: Any = context  # it answers as the APIRoute with its router's settings applied
        if isinstance(context.original_route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                operation = document["paths"][route.path_format][method.lower()]
                _complete(operation, route, list(schemes))
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, replaced
        schemas.pop(unused, None)
    return document


def _complete(operation: dict[str, Any], route: APIRoute, schemes: list[str]) -> None:
    """Add the route's security and its error answers, each a Problem unless it declares its own."""
    if authenticates(route):
        operation["security"] = [{name: []} for name in schemes]
    answers = operation.setdefault("responses", {})
    for status, (description, applies) in ERRORS.items():
        declared = answers.get(str(status))
        if declared is None and not applies(route):
            continue
        answer = answers.setdefault(str(status), {})
        if answer.get("description") in (None, HTTPStatus(status).phrase, "Validation Error"):
            answer["description"] = description  # not FastAPI's word for the status
        answer["content"] = _described(answer.get("content", {})) or {
            PROBLEM: {"schema": PROBLEM_REF}
        }
    for answer in answers.values():
        if "content" in answer:  # FastAPI adds its media type with no schema to a declared one
            answer["content"] = _described(answer["content"]) or answer["content"]
    operation["responses"] = dict(sorted(answers.items()))


def _described(content: dict[str, Any]) -> dict[str, Any]:
    """The media types given a schema; not FastAPI's 422, whose body errors.py replaces."""
    return {
        media: spec
        for media, spec in content.items()
        if spec.get("schema") and "HTTPValidationError" not in str(spec["schema"])
    }


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _returns(call: Callable[..., Any] | None) -> Any:
    """What a dependency gives the route (its return annotation, resolved)."""
    if call is None:
        return None
    return signature(call, eval_str=True).return_annotation
