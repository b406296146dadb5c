"""The composition root's parts, built once per app in its lifespan and shared by the routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from frispor.api.auth import Authenticator
from frispor.api.idempotency import IdempotencyStore
from frispor.api.metrics import Metrics
from frispor.domain.application import Frispor
from frispor.projections.queries import ReadModels
from frispor.projections.service import ProjectionService
from frispor.settings import Settings
from frispor.store.db import Database


@dataclass
class Services:
    """Everything a request may need."""

    settings: Settings
    app: Frispor
    db: Database
    read: ReadModels
    auth: Authenticator
    idempotency: IdempotencyStore
    metrics: Metrics
    projections: ProjectionService | None = field(default=None)
    ledger_status: Callable[[], dict[str, object]] | None = field(default=None)

    def close(self) -> None:
        """Stop the runners and close connections."""
        if self.projections is not None:
            self.projections.stop()
        self.db.close()
        self.app.close()
