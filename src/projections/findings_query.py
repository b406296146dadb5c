"""Queries on the findings read model: the review as of a day, as known at a moment, paged."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from frispor.projections.audit.finding import Finding
from frispor.projections.audit.spans import AS_OF, DAY
from frispor.projections.catalog import active_tables
from frispor.projections.read_sql import bitemporal
from frispor.store.db import Database

# The review's order: severity, then the first event behind a finding; then a total order.
ORDER = ("severity_rank", "first_position", "kind", "row_key", "valid_from")
Cursor = tuple[int, int, str, str, str]
KEYS = ("id", *(f.name for f in fields(Finding)))


@dataclass(frozen=True)
class ReviewQuery:
    """What a review asks for: the day and moment, filters, and where a page starts."""

    as_of: date | None = None
    known_at: datetime | None = None
    trial: str | None = None
    institution: str | None = None
    municipality: str | None = None
    within: frozenset[str] | None = None  # only these trials (None: every one)
    severity: str | None = None
    kind: str | None = None
    since: date | None = None
    late_after_days: int = 30


def review_page(
    db: Database, q: ReviewQuery, limit: int | None = None, after: Cursor | None = None
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Findings in the review's order from `after` on; the cursor of the next page, if any."""
    day = (q.as_of or datetime.now(UTC).date()).isoformat()
    when, params = bitemporal(date.fromisoformat(day), q.known_at)
    where = [when, "(kind <> 'late-recording' OR delay > %s)"]
    params.append(q.late_after_days)
    for column, value in (
        ("trial_id", q.trial),
        ("institution_id", q.institution),
        ("municipality", q.municipality),
        ("severity", q.severity),
        ("kind", q.kind),
    ):
        if value is not None:
            where.append(f"{column} = %s")
            params.append(value)
    if q.within is not None:
        if not q.within:
            return [], None
        where.append(f"trial_id IN ({', '.join(['%s'] * len(q.within))})")
        params += sorted(q.within)
    shown = "(CASE WHEN floating = 1 AND day > %s THEN %s ELSE day END)"
    if q.since is not None:
        where.append(f"{shown} >= %s")
        params += [day, day, q.since.isoformat()]
    if after is not None:
        where.append(f"({', '.join(ORDER)}) > (%s, %s, %s, %s, %s)")
        params += list(after)
    sql = (
        f"SELECT {', '.join(ORDER)}, {shown}, data FROM {{table}} WHERE {' AND '.join(where)} "
        f"ORDER BY {', '.join(ORDER)}"
    )
    params = [day, day, *params]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit + 1)
    with db.read() as cur:
        rows = cur.execute(sql.format(table=active_tables(cur)["findings"]), params)
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    items = [_finding(json.loads(r[6]), str(r[5]), day) for r in rows]
    last = rows[-1] if more and rows else None
    cursor = (
        (int(last[0]), int(last[1]), str(last[2]), str(last[3]), str(last[4])) if last else None
    )
    return items, cursor


def review_all(db: Database, q: ReviewQuery) -> list[dict[str, Any]]:
    """Every finding the query asks for, in the review's order."""
    return review_page(db, q)[0]


def _finding(data: dict[str, Any], shown: str, as_of: str) -> dict[str, Any]:
    """A stored finding with the day asked filled in, its keys in the review's order."""
    data["day"] = shown
    data["explanation"] = data["explanation"].replace(DAY, shown).replace(AS_OF, as_of)
    return {key: data[key] for key in KEYS}
