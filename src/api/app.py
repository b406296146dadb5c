"""The composition root: `create_app(settings)` builds the API; its lifespan opens and closes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from frispor.api import errors, openapi
from frispor.api.auth import Authenticator
from frispor.api.idempotency import IdempotencyStore
from frispor.api.metrics import Metrics
from frispor.api.middleware import Guard
from frispor.api.parameters import known_parameters
from frispor.api.routes import (
    corrections,
    exemptions,
    goals,
    imports,
    inspections,
    ledger,
    ops,
    programmes,
    queries,
    trials,
)
from frispor.api.services import Services
from frispor.api.web import assets, oidc, signin
from frispor.api.web.router import router as web_router
from frispor.credentials.tokens import TokenStore
from frispor.ledger.service import LedgerService
from frispor.projections.catalog import ensure
from frispor.projections.queries import ReadModels
from frispor.projections.service import ProjectionService
from frispor.settings import Settings, TokenEntry
from frispor.store.db import OUTAGES, Database
from frispor.store.open import open_app


def build_services(settings: Settings, extra_tokens: list[TokenEntry] | None = None) -> Services:
    """Open the store, the read models and the idempotency keys."""
    app = open_app(settings.eventsourcing_env())
    db = Database(settings.database_url, pool_size=settings.pool_size)
    ensure(db)
    metrics = Metrics()
    app.on_retry = metrics.retries.inc  # decisions the server decided again after a lost race
    tokens = TokenStore(db)
    return Services(
        settings=settings,
        app=app,
        db=db,
        read=ReadModels(db),
        auth=Authenticator(settings, extra_tokens, tokens.find),
        idempotency=IdempotencyStore(db),
        metrics=metrics,
    )


def create_app(settings: Settings, extra_tokens: list[TokenEntry] | None = None) -> FastAPI:
    """The HTTP API over the Application and the read models."""

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, extra_tokens)
        follower = None
        if settings.run_projections:
            services.projections = ProjectionService(services.app, services.db)
            services.projections.start()
            follower = LedgerService(services.app, services.db, settings)
            follower.start()
            services.ledger_status = follower.status
        api.state.services = services
        try:
            yield
        finally:
            if follower is not None:
                follower.stop()
            services.close()

    api = FastAPI(
        title="frispor",
        version="0.1.0",
        summary="The audit trail of Denmark's rule-exemption trials",
        description="Every decision an immutable event; current status as of any day and as "
        "known at any moment. Errors are RFC 9457 problem details naming the broken rule.",
        lifespan=lifespan,
        dependencies=[Depends(known_parameters)],
        docs_url=None,  # served from this process by the web view's assets, not a CDN
        redoc_url=None,
        # A generated client's functions are named after the routes: grant, extend_trial …
        generate_unique_id_function=lambda route: route.name,
    )
    openapi.install(api, settings)
    errors.install(api, OUTAGES)

    api.add_middleware(
        Guard,
        max_body_bytes=settings.max_body_bytes,
        max_import_bytes=settings.max_import_bytes,
    )

    # Routes are matched in this order, ~2 µs per route passed over (FastAPI keeps included
    # routers as they are): the most frequent calls, decisions and status reads, go first.
    for router in (
        programmes.router,
        queries.router,
        trials.router,
        exemptions.router,
        goals.router,
        inspections.router,
        corrections.router,
        imports.router,
        ledger.router,
        ops.router,
    ):
        api.include_router(router)
    api.include_router(web_router)
    api.include_router(signin.router)
    api.include_router(oidc.router)
    assets.install(api)
    return api
