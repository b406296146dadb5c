"""Imports: a file of past decisions (CSV per kind or JSON Lines), checked whole, stored whole."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse

from frispor.api.auth import Principal
from frispor.api.deps import ReaderDep, ServicesDep, allowed
from frispor.api.errors import PROBLEM, ApiError, problem
from frispor.api.import_kinds import KINDS, envelope_of
from frispor.api.schemas.imports import IMPORT_REFUSED_REF, ImportReportPublic
from frispor.api.schemas.problem import PROBLEM_REF
from frispor.domain.values import Role
from frispor.imports.engine import ImportJob, run_import
from frispor.imports.kinds import lines_schema
from frispor.imports.report import FileRefusedError

router = APIRouter(prefix="/imports", tags=["imports"])
RecorderDep = Annotated[Principal, Depends(allowed(Role.RECORDER))]
FILE_TYPES = frozenset({"text/csv", "application/x-ndjson", "application/jsonl"})


EXAMPLE = {
    "file": "exemption-grant.csv",
    "sha256": "9f2c0f6b1c3c5b1a0e5d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e",
    "kind": "exemption-grant",
    "outcome": "imported",
    "dry_run": False,
    "lines": 5,
    "decisions": 5,
    "already_imported": 0,
    "events": 6,
    "stored": True,
    "import_id": "0b1f6c1e-5b0e-4a59-9a43-6c1d1d0e8f11",
    "position": 118,
    "refused": [],
}


ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "model": ImportReportPublic,
        "description": "a dry run, or every line imported before: nothing written",
    },
    201: {"description": "imported", "content": {"application/json": {"example": EXAMPLE}}},
    422: {
        "description": "refused, nothing stored: a file refused whole (`rule` and `line` say "
        "why), or lines refused (rule import-refused: `refused` names every one)",
        "content": {PROBLEM: {"schema": {"anyOf": [IMPORT_REFUSED_REF, PROBLEM_REF]}}},
    },
}
CSV = "text/csv"
SCHEMA = "application/schema+json"


BODY = {
    "requestBody": {
        "required": True,
        "description": "the file itself: CSV (one kind, `;` or `,`, UTF-8) or JSON Lines",
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "exemption;import_key;legal_basis.act;legal_basis.path;justification;"
                "decided_on;validity.start;validity.end\n2017-4127;G-1;eli/lta/2017/658;§ 1;"
                "Tilsynets form ændres;25-08-2017;01-09-2017;30-04-2018\n",
            },
            "application/x-ndjson": {
                "schema": {"type": "string"},
                "example": '{"command": "trial-end", "trial": "2017-4127", "import_key": "E-1", '
                '"legal_basis": [{"act": "eli/lta/2017/658", "path": "§ 1"}], '
                '"justification": "Forsøgsperioden er udløbet", "decided_on": "2018-04-30", '
                '"ended_on": "2018-04-30"}\n',
            },
        },
    }
}


@router.post(
    "",
    status_code=201,
    summary="Import a file of past decisions",
    response_model=ImportReportPublic,
    responses=ANSWERS,
    openapi_extra=BODY,
)
async def import_file(
    request: Request,
    services: ServicesDep,
    principal: RecorderDep,
    name: Annotated[
        str, Query(min_length=1, max_length=300, description="the file's name: KIND.csv or *.jsonl")
    ],
    kind: Annotated[
        str | None, Query(description="a CSV file's kind, if its name does not say")
    ] = None,
    dry_run: Annotated[bool, Query(description="check every line, store nothing")] = False,
) -> JSONResponse:
    """Import a file of past decisions for the caller's organisation, all lines or none."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in FILE_TYPES:
        detail = f"send the file as {', '.join(sorted(FILE_TYPES))}, not {media or 'nothing'}"
        raise ApiError(415, "content-type", detail)
    if kind is not None and kind not in KINDS:
        raise ApiError(422, "unknown-kind", f"kind must be one of {', '.join(KINDS)}")
    limit = services.settings.max_import_bytes
    fd, temp = tempfile.mkstemp(prefix="frispor-import-")
    path = Path(temp)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():  # to disk as it comes: memory stays flat
                size += len(chunk)
                if size > limit:
                    raise ApiError(413, "body-size", f"the file may be at most {limit} bytes")
                out.write(chunk)
        job = ImportJob(
            path,
            principal.actor(),
            KINDS,
            envelope_of,
            name=name,
            kind=kind,
            dry_run=dry_run,
            max_bytes=limit,
        )
        try:
            report = await run_in_threadpool(run_import, services.app, job)
        except FileRefusedError as error:
            r = error.refusal
            status = 413 if r.rule == "file-too-large" else 422
            return problem(status, r.rule, r.message, request, field=r.field, line=r.line)
    finally:
        path.unlink(missing_ok=True)
    body = report.as_dict()
    if report.refused:
        return JSONResponse(
            {
                "type": "https://frispor.dk/problems/import-refused",
                "title": "import refused",
                "status": 422,
                "detail": report.summary(),
                "rule": "import-refused",
                "field": report.refused[0].field,
                **body,
            },
            status_code=422,
            media_type="application/problem+json",
        )
    if report.stored:
        services.metrics.appended.inc(report.events)
    return JSONResponse(body, status_code=201 if report.stored else 200)


@router.get(
    "/templates/{kind}",
    summary="The CSV template of a kind of decision",
    response_class=Response,
    responses={200: {"content": {CSV: {"schema": {"type": "string"}}}}},
)
def template(kind: str, principal: ReaderDep) -> PlainTextResponse:
    """The CSV template of one kind of decision: its header row, `;`-separated."""
    if kind not in KINDS:
        raise ApiError(404, "unknown-kind", f"kind must be one of {', '.join(KINDS)}")
    return PlainTextResponse(
        KINDS[kind].template(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
    )


@router.get(
    "/schema",
    summary="The JSON Schema of a JSON Lines import's line",
    response_class=Response,
    responses={200: {"content": {SCHEMA: {"schema": {"type": "object"}}}}},
)
def schema(principal: ReaderDep) -> JSONResponse:
    """The JSON Schema of one line of a JSON Lines import."""
    return JSONResponse(lines_schema(KINDS), media_type="application/schema+json")
