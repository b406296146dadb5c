"""The one error answer: RFC 9457 problem details that name the broken rule."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FieldErrorPublic(BaseModel):
    """One part of a request that did not fit its schema."""

    field: str = Field(description="where: `query.limit`, `validity.end` … (empty: the body)")
    message: str
    type: str | None = Field(description="the kind of mismatch, e.g. missing, date_from_datetime")


class Problem(BaseModel):
    """What went wrong (RFC 9457), with `rule` naming the rule that was broken."""

    type: str = Field(
        description="a URI naming the kind of problem: https://frispor.dk/problems/{rule}",
        examples=["https://frispor.dk/problems/rule-2-inside-trial-period"],
    )
    title: str = Field(examples=["rule 2 inside trial period"])
    status: int = Field(description="the HTTP status, repeated", examples=[422])
    detail: str = Field(
        examples=["the exemption's validity 2017-09-01..2019-02-01 lies outside the trial"]
    )
    instance: str | None = Field(default=None, description="the path that was asked")
    rule: str = Field(
        description="the rule: a domain rule (rule-1-…, rule-6-no-cpr), or a protocol rule "
        "(authentication, authorisation, request-schema, if-match, idempotency-key-reused, "
        "optimistic-concurrency, database-unavailable …)",
        examples=["rule-2-inside-trial-period"],
    )
    field: str | None = Field(default=None, description="the field at fault, if one is")
    errors: list[FieldErrorPublic] | None = Field(
        default=None, description="with rule request-schema: every mismatch, not only the first"
    )
    line: int | None = Field(default=None, description="an import file's line at fault")


PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
