"""One Settings object read from the environment; everything else is derived from it."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from frispor.domain.values import Role
from frispor.store.db import Database
from frispor.store.env import store_env

_LIST = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")


def parse_cpus(text: str) -> frozenset[int]:
    """CPUs from a list in taskset's form: `0`, `0,2` or `0-3`."""
    spec = text.replace(" ", "")
    if not _LIST.match(spec):
        raise ValueError(f"{text!r} is not a CPU list: write CPU numbers like 0, 0,2 or 0-3")
    cpus: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.partition("-")
        low, high = int(first), int(last or first)
        if high < low:
            raise ValueError(f"{text!r}: the CPU range {part} runs backwards")
        cpus.update(range(low, high + 1))
    return frozenset(cpus)


class TokenEntry(BaseModel):
    """A bearer token known by its SHA-256, and who holds it."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    subject: str = Field(min_length=1, max_length=200)
    role: Role
    organisation: str = Field(min_length=1, max_length=500)
    area: str | None = None  # an authority's area: required for that role (else 401)
    mandate: str | None = None
    expires: datetime | None = None


class WitnessEntry(BaseModel):
    """A witness the log sends its checkpoints to (C2SP tlog-witness)."""

    name: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://", description="its add-checkpoint URL")
    key: str = Field(min_length=1, description="its verifier key <name>+<id>+<base64>")


class Settings(BaseSettings):
    """frispor's settings: `DATABASE_URL` and `FRISPOR_*` variables."""

    model_config = SettingsConfigDict(env_prefix="FRISPOR_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///frispor.sqlite",
        validation_alias="DATABASE_URL",
        description="sqlite:///relative/path, sqlite:////absolute/path or postgresql://…",
    )
    pool_size: int = Field(default=5, ge=1, le=100)
    tokens: list[TokenEntry] = Field(default_factory=list, description="JSON list of TokenEntry")
    tokens_file: Path | None = Field(default=None, description="JSON file of TokenEntry items")
    jwks: str | None = Field(default=None, description="JWKS file path or https URL for OIDC")
    jwt_issuer: str | None = None
    jwt_audience: str | None = Field(
        default=None,
        validate_default=True,
        description="the audience a JWT must name; required whenever FRISPOR_JWKS is set",
    )
    jwt_role_claim: str = Field(
        default="frispor_role",
        min_length=1,
        description="the JWT claim that holds the frispor role; no other claim counts",
    )
    # The web view's OpenID Connect sign-in (authorization code with PKCE); on with all three
    # and FRISPOR_JWKS, which checks the tokens it brings back.
    oidc_authorize_url: str | None = None
    oidc_token_url: str | None = None
    oidc_client_id: str | None = None
    max_body_bytes: int = Field(default=256_000, ge=1_000)
    max_import_bytes: int = Field(
        default=1 << 30, ge=1_000, description="the largest import file read (CLI and HTTP)"
    )
    wait_timeout: float = Field(default=5.0, ge=0, le=60)
    run_projections: bool = True
    signing_key: Path | None = Field(
        default=None, description="PKCS8 PEM private key; its public key is PATH.pub"
    )
    public_key: Path | None = Field(
        default=None, description="the log's public key (PEM) for check; default SIGNING_KEY.pub"
    )
    checkpoint_file: Path | None = Field(
        default=None, description="every signed checkpoint is appended here too; check reads it"
    )
    tsa_url: str | None = Field(
        default=None, description="RFC 3161 timestamping authority: every checkpoint is stamped"
    )
    tsa_cert: Path | None = Field(
        default=None, description="PEM: the TSA's certificate and its root CA (and any between)"
    )
    witnesses: list[WitnessEntry] = Field(
        default_factory=list, description="JSON list of {name, url, key}: cosigning witnesses"
    )
    witness_timeout: float = Field(default=10.0, gt=0, le=120, description="seconds a request")
    tsa_timeout: float = Field(default=10.0, gt=0, le=120, description="seconds per TSA request")
    ledger_origin: str = Field(
        default="frispor.example/trail", description="the log's name in signed checkpoints"
    )
    late_recording_days: int = Field(default=30, ge=1)
    idempotency_stale_after: float = Field(
        default=60.0, gt=0, description="seconds after which an unanswered key is looked into"
    )
    exports_dir: Path = Field(default=Path("exports"), description="where export bags are kept")
    checkpoint_every: float = Field(default=60.0, gt=0, description="seconds between checkpoints")
    cpus: Annotated[frozenset[int] | None, NoDecode] = Field(
        default=None, description="serve and project on these CPUs only: 0, 0,2 or 0-3"
    )

    @model_validator(mode="after")
    def _tsa_needs_its_certificate(self) -> Settings:
        if self.tsa_url is not None and self.tsa_cert is None:
            raise ValueError("FRISPOR_TSA_URL needs FRISPOR_TSA_CERT, to check every token")
        return self

    @field_validator("tokens", "witnesses", mode="before")
    @classmethod
    def _tokens_from_json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("jwt_audience")
    @classmethod
    def _audience_with_oidc(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Without an audience, a token the identity provider issued for any other service of
        # the same issuer would be accepted here.
        if info.data.get("jwks") and not value:
            raise ValueError(
                "required when FRISPOR_JWKS is set (the audience frispor's tokens name)"
            )
        return value

    @field_validator("cpus", mode="before")
    @classmethod
    def _cpu_list(cls, value: object) -> object:
        return parse_cpus(value) if isinstance(value, str) else value

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library's environment, derived from these settings."""
        return store_env(self.database_url, pool_size=self.pool_size)

    def database(self) -> Database:
        """The process's one database adapter (a pool of `pool_size` on PostgreSQL)."""
        return Database(self.database_url, pool_size=self.pool_size)

    def all_tokens(self) -> list[TokenEntry]:
        """Tokens from the environment and from the tokens file."""
        entries = list(self.tokens)
        if self.tokens_file is not None and self.tokens_file.exists():
            raw = json.loads(self.tokens_file.read_text())
            entries += [TokenEntry.model_validate(item) for item in raw]
        return entries
