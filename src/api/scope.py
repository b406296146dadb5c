"""What a caller may read: one rule for every read route, and one answer outside it (404).

An auditor reads everything. An authority reads the trials of its area (a trial's areas are its
network's theme and the areas of the institutions it enrols, see `projections.areas`) and what
is filed under them; the leaves and exports of those; nothing else. A recorder reads the status
routes (it records into them) and the log's leaves its own organisation recorded. Outside that,
the answer is the one a missing id gets, so existence does not leak; lists leave it out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from frispor.api.auth import Principal
from frispor.domain.errors import NotFoundError
from frispor.domain.values import Role
from frispor.ledger.bag import Scope
from frispor.projections.areas import trial_areas, trial_of
from frispor.store.db import Database

T = TypeVar("T")


def may_read(principal: Principal, areas: frozenset[str], organisation: str | None = None) -> bool:
    """The rule: may this caller read a thing of these areas, recorded by this organisation?"""
    if principal.role is Role.AUDITOR:
        return True
    if principal.role is Role.AUTHORITY:
        return principal.area is not None and principal.area in areas
    if principal.role is Role.RECORDER:
        return organisation is None or organisation == principal.organisation
    return False


class ReadScope:
    """The rule applied to one caller's request, reading the trials' areas as it needs them."""

    def __init__(self, principal: Principal, db: Database, known_at: datetime | None = None):
        self.principal, self.db, self.known_at = principal, db, known_at
        self._all: dict[str, frozenset[str]] | None = None

    def _areas(self) -> dict[str, frozenset[str]]:
        if self._all is None:
            self._all = trial_areas(self.db, self.known_at)
        return self._all

    def sees_trial(self, trial_id: str) -> bool:
        """Whether the trial exists (as known at the moment) and the caller may read it."""
        if self._all is not None:
            areas = self._all.get(trial_id)
        else:
            areas = trial_areas(self.db, self.known_at, trial_id).get(trial_id)
        return areas is not None and may_read(self.principal, areas)

    def require_trial(
        self, trial_id: UUID | str, what: str = "trial", field: str = "trial"
    ) -> None:
        """404 unless the caller may read the trial (or what it holds)."""
        if not self.sees_trial(str(trial_id)):
            raise NotFoundError(f"no {what} with id {trial_id}", field=field)

    def found(self, row: T | None, trial_id: str | None, what: str, id_: UUID) -> T:
        """A row read by id: 404 if missing, or if its trial is outside the caller's reach."""
        if row is None or trial_id is None or not self._status_of(trial_id):
            raise NotFoundError(f"no {what} with id {id_}", field=f"{what}_id")
        return row

    def _status_of(self, trial_id: str) -> bool:
        # Auditors and recorders read every trial's status: no need to look up its areas.
        if self.principal.role in (Role.AUDITOR, Role.RECORDER):
            return True
        return self.sees_trial(trial_id)

    def readable_trials(self) -> set[str] | None:
        """The trials the caller may read; None for every one (no filter needed)."""
        if self.principal.role in (Role.AUDITOR, Role.RECORDER):
            return None
        return {t for t, areas in self._areas().items() if may_read(self.principal, areas)}

    def keep(self, items: Iterable[T], trial_of_item: Any) -> list[T]:
        """A list with what lies outside the caller's reach left out."""
        readable = self.readable_trials()
        if readable is None:
            return list(items)
        return [i for i in items if trial_of_item(i) in readable]

    def require_aggregate(self, aggregate_id: UUID) -> None:
        """404 unless the caller may read the aggregate's history (an authority: of its trials)."""
        if self.principal.role is Role.AUDITOR:
            return
        trial = trial_of(self.db, str(aggregate_id))
        if trial is None or not self.sees_trial(trial):
            raise NotFoundError(f"no aggregate with id {aggregate_id}", field="aggregate_id")

    def sees_leaf(self, leaf: bytes) -> bool:
        """Whether the caller may read a log leaf: who recorded it, about which trial."""
        if self.principal.role is Role.AUDITOR:
            return True
        data = json.loads(leaf)
        if self.principal.role is Role.RECORDER:
            return may_read(self.principal, frozenset(), str(data["actor"]["organisation"]))
        trial = trial_of(self.db, str(data["aggregate_id"]))
        return trial is not None and self.sees_trial(trial)


def sees_export(principal: Principal, scope: Scope) -> bool:
    """An export is for the authority and area it was cut for (and any auditor)."""
    if principal.role is Role.AUDITOR:
        return True
    return (
        principal.role is Role.AUTHORITY
        and scope.authority == principal.organisation
        and scope.area is not None
        and may_read(principal, frozenset({scope.area}))
    )
