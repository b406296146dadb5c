"""What the operations routes answer: health."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from frispor.api.schemas.reads import Public


class Lag(Public):
    """How far one read model has applied the log."""

    position: int
    head: int
    behind: int
    seconds_behind: float


class TimestampLag(Public):
    """How far RFC 3161 timestamping of checkpoints lags."""

    tsa: str
    checkpoints_waiting: int
    oldest_waiting_since: str | None
    lag_seconds: float | None
    stamped: int
    last_error: str | None


class WitnessLag(Public):
    """How far one witness's cosignatures lag."""

    cosigned_size: int
    behind: int | None
    last_error: str | None


class LedgerLag(Public):
    """The ledger's background work (a text where it is not configured)."""

    timestamps: TimestampLag | str
    witnesses: dict[str, WitnessLag] | str


class Health(Public):
    """Ready: the database answers; how far each read model lags."""

    status: Literal["ok"]
    database: Literal["ok"]
    projections: dict[str, Lag]
    ledger: LedgerLag | None = Field(
        default=None, description="only where this process follows the ledger"
    )


class Unhealthy(Public):
    """Not ready: the database does not answer."""

    status: Literal["unavailable"]
    database: str = Field(examples=["unreachable: OperationalError"])
