"""The web view asks the API's own route functions, so it sees exactly what the API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from fastapi import Request, Response

from frispor.api.auth import Principal
from frispor.api.routes import ledger as ledger_routes
from frispor.api.routes import queries as q
from frispor.api.scope import ReadScope
from frispor.api.services import Services
from frispor.domain.values import Area, Role
from frispor.projections import pages
from frispor.projections.areas import trial_areas
from frispor.projections.history import corrections, describe, event_at

READERS = (Role.RECORDER, Role.AUDITOR, Role.AUTHORITY)  # as the routes' ReaderDep
REVIEWERS = (Role.AUDITOR, Role.AUTHORITY)  # ReviewerDep
EXPORTERS = (Role.AUTHORITY,)  # AuthorityDep


def _body(response: Response) -> Any:
    return orjson.loads(bytes(response.body))


class Api:
    """One caller's view of the API, called in process (the routes' own checks apply)."""

    def __init__(self, request: Request, services: Services, principal: Principal) -> None:
        self.request, self.services, self.principal = request, services, principal

    def trials(
        self,
        as_of: date | None,
        known_at: datetime | None,
        chosen: pages.TrialFilter,
        area: str,
        offset: int,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int, dict[str, list[str]]]:
        """A page of the trials GET /trials shows, filtered; how many match; each filter's values.

        The route pages by start only, so the page reads the same read model with the same
        reach (`ReadScope`) and filters in the database: one page, never every trial.
        """
        self.principal.require(*READERS)
        # known_at carries its zone (render.moment_param), as ReadScope and trial_areas need.
        within = ReadScope(self.principal, self.services.db, known_at).readable_trials()
        choices = pages.trial_choices(self.services.read, as_of, known_at, within)
        choices["area"] = sorted(a.value for a in Area)
        if area:  # the trials about that area, as the API's read rule tells (`trial_areas`)
            areas = trial_areas(self.services.db, known_at)
            in_area = {t for t, of in areas.items() if area in of}
            within = in_area if within is None else within & in_area
        items, total = pages.trial_page(
            self.services.read, as_of, known_at, within, chosen, offset, limit
        )
        return items, total, choices

    def titles(self, trial_ids: set[str]) -> dict[str, str]:
        """The titles of trials the caller may read (others are left out)."""
        self.principal.require(*READERS)
        within = ReadScope(self.principal, self.services.db).readable_trials()
        wanted = trial_ids if within is None else trial_ids & within
        return pages.titles(self.services.read, wanted)

    def trial(self, trial_id: UUID, as_of: date | None, known_at: datetime | None) -> Any:
        """GET /trials/{id}."""
        self.principal.require(*READERS)
        return _body(
            q.get_trial(
                trial_id,
                self.request,
                self.services,
                self.principal,
                as_of=as_of,
                known_at=known_at,
            )
        )

    def goal(self, goal_id: UUID, as_of: date | None, known_at: datetime | None) -> Any:
        """GET /goals/{id}."""
        self.principal.require(*READERS)
        return _body(
            q.get_goal(
                goal_id, self.request, self.services, self.principal, as_of=as_of, known_at=known_at
            )
        )

    def review(
        self,
        as_of: date | None,
        known_at: datetime | None,
        chosen: dict[str, Any],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of GET /review with its filters; and the cursor of the next page (or None)."""
        self.principal.require(*REVIEWERS)
        answer = _body(
            q.get_review(
                self.request,
                self.services,
                self.principal,
                as_of=as_of,
                known_at=known_at,
                limit=limit,
                cursor=cursor,
                **chosen,
            )
        )
        return answer["items"], answer["next_cursor"]

    def event(self, position: int) -> dict[str, Any] | None:
        """GET /events?after=position-1&limit=1, if that position holds an event."""
        self.principal.require(*REVIEWERS)
        answer = q.get_events(
            self.request, self.services, self.principal, after=position - 1, limit=1
        )
        items = _body(answer)["items"]
        return items[0] if items and items[0]["position"] == position else None

    def corrections(self, aggregate_id: UUID) -> list[dict[str, Any]]:
        """The corrections filed on an aggregate the caller reads (as /history shows them)."""
        self.principal.require(*REVIEWERS)
        ReadScope(self.principal, self.services.db).require_aggregate(aggregate_id)
        return [describe(e) for e in corrections(self.services.db, aggregate_id)]

    def event_at(self, aggregate_id: UUID, version: int) -> dict[str, Any] | None:
        """An aggregate's event at a version (as /history shows it), if any."""
        self.principal.require(*REVIEWERS)
        ReadScope(self.principal, self.services.db).require_aggregate(aggregate_id)
        found = event_at(self.services.db, aggregate_id, version)
        return describe(found) if found is not None else None

    def checkpoint(self) -> str:
        """GET /ledger/checkpoint."""
        self.principal.require(*READERS)
        return bytes(ledger_routes.checkpoint(self.services, self.principal).body).decode()

    def inclusion(self, position: int, size: int) -> Any:
        """GET /ledger/proofs/inclusion."""
        self.principal.require(*READERS)
        return _body(ledger_routes.inclusion(self.services, self.principal, position, size))

    def export(self, area: str | None, start: date | None, end: date | None) -> Any:
        """POST /exports."""
        self.principal.require(*EXPORTERS)
        body = ledger_routes.ExportCreate.model_validate({"area": area, "from": start, "to": end})
        return _body(ledger_routes.create_export(body, self.services, self.principal))

    def download(self, export_id: int) -> Response:
        """GET /exports/{id}."""
        self.principal.require(*REVIEWERS)
        return ledger_routes.get_export(export_id, self.services, self.principal)

    def exports(self) -> list[dict[str, Any]]:
        """GET /exports."""
        self.principal.require(*REVIEWERS)
        items: list[dict[str, Any]] = _body(
            ledger_routes.list_exports(self.services, self.principal)
        )["items"]
        return sorted(items, key=lambda e: -int(e["id"]))
