"""The tamper-evident log: checkpoints, proofs, and signed exports for authorities."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import ConfigDict, Field

from frispor.api.auth import Principal
from frispor.api.deps import AuthorityDep, ReaderDep, ServicesDep, allowed
from frispor.api.errors import ApiError
from frispor.api.paging import DEFAULT_LIMIT, CursorParam, Limit, cut, decode, page
from frispor.api.params import Position
from frispor.api.schemas.common import Strict
from frispor.api.schemas.ledger import (
    ConsistencyProof,
    ExportCreated,
    ExportsPage,
    InclusionProof,
    TarGz,
)
from frispor.api.scope import ReadScope, sees_export
from frispor.domain.errors import NotFoundError
from frispor.domain.values import Area, Role
from frispor.ledger.bag import Scope
from frispor.ledger.export import ExportError
from frispor.ledger.exports import keep_export, stored_export, stored_exports, tar_gz
from frispor.ledger.service import signer_of
from frispor.ledger.store import TreeStore
from frispor.ledger.witnessing import cosigned_note

router = APIRouter(tags=["ledger"])


class ExportCreate(Strict):
    """An export for the calling authority: an area (its own) and a recorded-time period."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"area": "aeldre", "from": "2017-01-01", "to": "2018-12-31"}]
        },
    )

    area: Area | None = None
    period_from: date | None = Field(default=None, alias="from")
    period_to: date | None = Field(default=None, alias="to")


@router.get(
    "/ledger/checkpoint",
    summary="The latest signed checkpoint",
    response_class=PlainTextResponse,
    responses={404: {"description": "no checkpoint has been cut yet"}},
)
def checkpoint(services: ServicesDep, principal: ReaderDep) -> Response:
    """The latest signed checkpoint (C2SP signed note: origin, tree size, root; cosignatures)."""
    with TreeStore.borrow(services.db) as store:
        latest = store.latest_checkpoint()
        note = cosigned_note(store, latest) if latest is not None else None
    if note is None:
        raise NotFoundError("no checkpoint has been cut yet", field="checkpoint")
    return Response(note, media_type="text/plain; charset=utf-8")


@router.get(
    "/ledger/proofs/inclusion",
    summary="Prove that an event is in the log",
    response_model=InclusionProof,
    responses={404: {"description": "no leaf for that position yet, or none the caller may read"}},
)
def inclusion(
    services: ServicesDep,
    principal: ReaderDep,
    position: Annotated[Position, Query(description="the event's global position")],
    size: Annotated[Position, Query(description="the tree size of a checkpoint")],
) -> JSONResponse:
    """Proof that the event at a position is in the tree (its leaf: only for who may read it)."""
    scope = ReadScope(principal, services.db)
    with TreeStore.borrow(services.db) as store:
        index = store.leaf_index_of(position)
        leaf = store.leaves(index, index + 1)[0] if index is not None else None
        # Before the size check, so that a leaf out of reach answers as a missing one does.
        if index is None or leaf is None or not scope.sees_leaf(leaf.leaf):
            raise NotFoundError(f"no leaf for position {position} yet", field="position")
        if not index < size <= store.size():
            raise ApiError(422, "tree-size", f"size must lie in {index + 1}..{store.size()}")
        proof = store.inclusion_proof(index, size)
        root = store.root_at(size)
    return JSONResponse(
        {
            "position": position,
            "leaf_index": index,
            "tree_size": size,
            "leaf": leaf.leaf.decode(),
            "root": root.hex(),
            "proof": [p.hex() for p in proof],
        }
    )


@router.get(
    "/ledger/proofs/consistency",
    summary="Prove that the log only grew",
    response_model=ConsistencyProof,
)
def consistency(
    services: ServicesDep,
    principal: ReaderDep,
    from_: Annotated[Position, Query(alias="from")],
    to: Annotated[Position, Query()],
) -> JSONResponse:
    """Proof that the tree of size `from` is a prefix of the tree of size `to` (RFC 9162)."""
    with TreeStore.borrow(services.db) as store:
        if not from_ <= to <= store.size():
            raise ApiError(422, "tree-size", f"need from ≤ to ≤ {store.size()}")
        proof = store.consistency_proof(from_, to)
        old, new = store.root_at(from_), store.root_at(to)
    return JSONResponse(
        {
            "from": from_,
            "to": to,
            "old_root": old.hex(),
            "new_root": new.hex(),
            "proof": [p.hex() for p in proof],
        }
    )


@router.post(
    "/exports",
    status_code=201,
    summary="Cut a signed export",
    response_model=ExportCreated,
)
def create_export(
    body: ExportCreate, services: ServicesDep, principal: AuthorityDep
) -> JSONResponse:
    """Cut a checkpoint and write a signed BagIt export of the caller's area for it."""
    area = body.area.value if body.area else principal.area
    if principal.area is not None and area != principal.area:
        raise ApiError(403, "authorisation", f"an authority for '{principal.area}' exports only it")
    signer = signer_of(services.settings)
    if signer is None:
        raise ApiError(503, "no-signing-key", "the server has no signing key configured")
    scope = Scope(principal.organisation, area, body.period_from, body.period_to)
    try:
        result, written = keep_export(
            services.app, services.db, services.settings, signer, principal.actor(), scope
        )
    except ExportError as error:
        raise ApiError(422, "export", str(error)) from None
    return JSONResponse(
        {
            "id": result.export_id,
            "position": written.position,
            "kind": result.kind,
            "events": result.event_count,
            "checkpoint_size": result.checkpoint.size,
            "checkpoint_root": result.checkpoint.root.hex(),
        },
        status_code=201,
    )


@router.get("/exports", summary="List the exports", response_model=ExportsPage)
def list_exports(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allowed(Role.AUTHORITY, Role.AUDITOR))],
    limit: Limit = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> JSONResponse:
    """The exports the caller may download (an authority's own; all for an auditor); paged."""
    after = decode(cursor, (int,))
    found = stored_exports(services.settings.exports_dir)  # oldest first
    seen = [
        e for e in found if (after is None or e.id > after[0]) and sees_export(principal, e.scope)
    ]
    shown, next_at = cut(seen, limit, lambda e: (e.id,))
    return JSONResponse(jsonable_encoder(page([e.public() for e in shown], next_at)))


@router.get(
    "/exports/{export_id}",
    summary="Download an export",
    response_class=TarGz,
    responses={200: {"content": {TarGz.media_type: {"schema": {"format": "binary"}}}}},
)
def get_export(
    export_id: int,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(allowed(Role.AUTHORITY, Role.AUDITOR))],
) -> Response:
    """The export bag as a .tar.gz, for the authority it was made for (or an auditor)."""
    root = services.settings.exports_dir
    bag = root / str(export_id)
    found = stored_export(root, export_id)
    if found is None or not sees_export(principal, found.scope):
        raise NotFoundError(f"no export {export_id}", field="export_id")
    return StreamingResponse(
        tar_gz(bag, f"frispor-export-{export_id}"),
        media_type="application/gzip",
        headers={
            "Content-Disposition": f'attachment; filename="frispor-export-{export_id}.tar.gz"'
        },
    )
