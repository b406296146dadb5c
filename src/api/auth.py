"""Who is calling: bearer tokens from settings (stored hashed) or OIDC JWTs against a JWKS."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt

from frispor.credentials.tokens import token_sha256
from frispor.domain.values import Actor, Area, Role
from frispor.settings import Settings, TokenEntry


class AuthError(Exception):
    """Missing, unknown, expired or badly signed credentials (401)."""


class ForbiddenError(Exception):
    """Known caller, but its role or organisation may not do this (403)."""


@dataclass(frozen=True)
class Principal:
    """The authenticated caller; the actor of every event it writes."""

    subject: str
    role: Role
    organisation: str
    area: str | None = None
    mandate: str | None = None

    def actor(self) -> Actor:
        """The actor recorded in events: from the credentials, never from the request body."""
        return Actor(
            id=self.subject, role=self.role, organisation=self.organisation, mandate=self.mandate
        )

    def require(self, *roles: Role) -> None:
        """Deny unless the caller has one of the roles."""
        if self.role not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            raise ForbiddenError(f"role '{self.role}' may not do this; allowed: {allowed}")


class Authenticator:
    """Turns an Authorization header into a Principal or raises AuthError."""

    def __init__(
        self,
        settings: Settings,
        extra: list[TokenEntry] | None = None,
        lookup: Callable[[str], TokenEntry | None] | None = None,
    ) -> None:
        self.tokens = {t.sha256: t for t in [*settings.all_tokens(), *(extra or [])]}
        self.lookup = lookup  # tokens issued into the database, found by their SHA-256
        self.settings = settings
        self._jwks: jwt.PyJWKClient | jwt.PyJWKSet | None = None
        if settings.jwks:
            if settings.jwks.startswith(("https://", "http://")):
                self._jwks = jwt.PyJWKClient(settings.jwks, cache_keys=True)
            else:
                self._jwks = jwt.PyJWKSet.from_dict(json.loads(Path(settings.jwks).read_text()))

    def add(self, entry: TokenEntry) -> None:
        """Accept one more token (the demo's)."""
        self.tokens[entry.sha256] = entry

    def may_block(self, header: str | None) -> bool:
        """Whether authenticating may wait on the network (a JWKS by URL, the token table)."""
        token = _bearer(header)
        if token.count(".") == 2 and self._jwks is not None:
            return isinstance(self._jwks, jwt.PyJWKClient)
        # A token not among the settings' is looked up in the database.
        return bool(token) and self.lookup is not None and token_sha256(token) not in self.tokens

    def authenticate(self, header: str | None) -> Principal:
        """The caller of a request, from its `Authorization: Bearer …` header."""
        if not header or not header.lower().startswith("bearer "):
            raise AuthError("missing bearer token")
        token = header[7:].strip()
        if token.count(".") == 2 and self._jwks is not None:
            return self._from_jwt(token)
        digest = token_sha256(token)
        entry = next((t for k, t in self.tokens.items() if hmac.compare_digest(k, digest)), None)
        if entry is None and self.lookup is not None:
            entry = self.lookup(digest)  # on every request: a revocation holds at once
        if entry is None:
            raise AuthError("unknown token")
        if entry.expires is not None and entry.expires <= datetime.now(UTC):
            raise AuthError("token expired")
        return _complete(
            Principal(entry.subject, entry.role, entry.organisation, entry.area, entry.mandate)
        )

    def _from_jwt(self, token: str) -> Principal:
        assert self._jwks is not None
        try:
            header = jwt.get_unverified_header(token)
            if isinstance(self._jwks, jwt.PyJWKClient):
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
            else:
                key = next(k.key for k in self._jwks.keys if k.key_id == header.get("kid"))
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256", "ES256", "EdDSA"],
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token expired") from None
        except (jwt.PyJWTError, StopIteration, KeyError):
            raise AuthError("token signature or claims invalid") from None
        # Only the configured role claim counts: a generic `role` may mean anything elsewhere.
        claim = self.settings.jwt_role_claim
        try:
            role = Role(_text(claims.get(claim)) or "")
        except ValueError:
            raise AuthError(f"token carries no frispor role in the claim '{claim}'") from None
        organisation = _text(claims.get("organisation"))
        if not organisation:
            raise AuthError("token carries no organisation")
        area, mandate = _text(claims.get("area")), _text(claims.get("mandate"))
        return _complete(Principal(str(claims["sub"]), role, organisation, area, mandate))


def _text(value: object) -> str | None:
    """A claim's value if it is a non-empty string; anything else counts as missing."""
    return value if isinstance(value, str) and value else None


def _complete(principal: Principal) -> Principal:
    """Deny by default: credentials without what their role needs are no credentials (401)."""
    if principal.role is Role.AUTHORITY:
        if principal.area is None:
            raise AuthError("an authority's credentials must name its area")
        if principal.area not in {a.value for a in Area}:
            raise AuthError(f"unknown area {principal.area!r} in the credentials")
    return principal


def _bearer(header: str | None) -> str:
    """The token of a `Bearer` Authorization header, or "" if there is none."""
    if not header or not header.lower().startswith("bearer "):
        return ""
    return header[7:].strip()
