"""One rule for every route: a query parameter the route does not know is a 422 naming it."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from frispor.api.errors import ApiError

_known: dict[int, frozenset[str]] = {}


def known_parameters(request: Request) -> None:
    """Refuse a query parameter the route does not declare (it would be silently ignored)."""
    if not request.query_params:
        return
    route = request.scope.get("route")
    # The API's routes only: the web view's pages read their own parameters (lang, filters).
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    names = _known.get(id(route))
    if names is None:
        names = _known[id(route)] = frozenset(_query_names(route.dependant))
    for name in request.query_params:
        if name not in names:
            known = ", ".join(sorted(names)) or "none"
            raise ApiError(
                422,
                "unknown-parameter",
                f"{name}: this route takes no such parameter (it takes: {known})",
                field=name,
            )


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters of a route and of everything it depends on."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
