"""The HTTP baseline: bare FastAPI routes that validate a pydantic body and insert one row,
or read one row by key, with psycopg and a pool — nothing else."""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from fastapi import FastAPI, HTTPException
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, ConfigDict

URL = os.environ.get("BARE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
pool = ConnectionPool(URL, min_size=2, max_size=5, open=False)


class Reference(BaseModel):
    """A legal reference, as the real body carries."""

    act: str
    path: str = ""


class BareCreate(BaseModel):
    """About the shape of a real decision body."""

    model_config = ConfigDict(extra="forbid")
    decided_on: date
    legal_basis: list[Reference]
    justification: str
    name: str
    kind: str
    enabling_act: Reference
    ministry: str
    period: dict[str, date]
    protected_categories: list[str]


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    """Open the pool and the table."""
    pool.open()
    with pool.connection() as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare (id bigserial PRIMARY KEY, body jsonb NOT NULL)"
        )
    yield
    pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/bare", status_code=201)
def create(body: BareCreate) -> dict[str, Any]:
    """Validate and insert one row."""
    with pool.connection() as conn:
        row = conn.execute(
            "INSERT INTO bench_bare (body) VALUES (%s) RETURNING id", (body.model_dump_json(),)
        ).fetchone()
    assert row is not None
    return {"id": row[0]}


@app.get("/bare/{row_id}")
def read(row_id: int) -> dict[str, Any]:
    """Read one row by key."""
    with pool.connection() as conn:
        row = conn.execute("SELECT id, body FROM bench_bare WHERE id = %s", (row_id,)).fetchone()
    if row is None:
        raise HTTPException(404)
    return {"id": row[0], "body": row[1]}


if __name__ == "__main__":  # python -m benchmarks.bare_app --port N [--cpus 0]
    import uvicorn

    from frispor.cli.affinity import pin
    from frispor.settings import parse_cpus

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cpus", help="keep the server on these CPUs, as FRISPOR_CPUS does")
    args = parser.parse_args()
    if args.cpus:
        pin(parse_cpus(args.cpus))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
