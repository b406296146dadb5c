"""One Settings object read from the environment; everything else is derived from it."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.store import store_env


class Settings(BaseSettings):
    """frispor's settings: `DATABASE_URL` and `FRISPOR_*` variables."""

    model_config = SettingsConfigDict(env_prefix="FRISPOR_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///frispor.sqlite",
        validation_alias="DATABASE_URL",
        description="sqlite:///relative/path, sqlite:////absolute/path or postgresql://…",
    )
    pool_size: int = Field(default=5, ge=1, le=100)

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's environment, derived from these settings."""
        return store_env(self.database_url, pool_size=self.pool_size)
