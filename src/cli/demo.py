"""`frispor serve --demo`: the demo loaded, a token per role, a signing key, shell variables."""

from __future__ import annotations

import shlex
from pathlib import Path

from rich.console import Console

from frispor.credentials.tokens import new_token
from frispor.domain.application import Frispor
from frispor.domain.values import Role
from frispor.ledger.signer import write_key_pair
from frispor.settings import Settings, TokenEntry
from frispor.store.open import open_app

KEYS = Path("keys")  # git-ignored, beside the SQLite file of `make run`
# Shell variable, subject, role, organisation, area: the callers of the README's curl session.
DEMO_CALLERS = [
    ("KBH", "recorder-kbh", Role.RECORDER, "kommune:101", None),
    ("OIM", "recorder-oim", Role.RECORDER, "Økonomi- og Indenrigsministeriet", None),
    ("AUDITOR", "auditor", Role.AUDITOR, "Rigsrevisionen", None),
    ("AUTHORITY", "authority-aeldre", Role.AUTHORITY, "Styrelsen for Patientsikkerhed", "aeldre"),
    ("ADMIN", "admin", Role.ADMIN, "drift", None),
]
TRIAL_TITLE = "Tilkøbsydelser i hjemmeplejen"  # $TRIAL: the add-on services trial


def signing_key(settings: Settings, console: Console) -> Settings:
    """The settings with a signing key: FRISPOR_SIGNING_KEY, or keys/signing.key made once."""
    if settings.signing_key is not None:
        return settings
    key = KEYS / "signing.key"
    if not key.exists():
        KEYS.mkdir(mode=0o700, exist_ok=True)
        write_key_pair(key, settings.ledger_origin)
        said = f"Made a signing key for checkpoints and exports: {key} (public: {key}.pub)"
    else:
        said = f"Signing key: {key} (public: {key}.pub)"
    console.print(said, soft_wrap=True, highlight=False)
    return settings.model_copy(update={"signing_key": key})


def _trial_id(app: Frispor) -> str | None:
    for n in app.recorder.select_notifications(start=1, limit=200):
        event = app.mapper.to_domain_event(n)
        if type(event).__qualname__ == "Trial.Approved" and event.title == TRIAL_TITLE:  # type: ignore[attr-defined]
            return str(event.originator_id)
    return None


def web_base(host: str, port: int) -> str:
    """The address a browser on this machine opens the web view at."""
    return f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}"


def load(settings: Settings, console: Console, host: str, port: int) -> list[TokenEntry]:
    """Load the demo; print its tokens as `export` lines a shell can paste; the tokens."""
    from frispor.demo import load_demo

    app = open_app(settings.eventsourcing_env())
    try:
        load_demo(app)
        trial = _trial_id(app)
    finally:
        app.close()
    console.print(
        f"Demo loaded into {settings.database_url}. Tokens for this run only; paste into a shell:",
        soft_wrap=True,
    )
    entries = []
    for variable, subject, role, organisation, area in DEMO_CALLERS:
        token, entry = new_token(role, organisation, subject, area)
        entries.append(entry)
        scope = f", area {area}" if area else ""
        console.print(f"  # {role.value}: {organisation}{scope}", soft_wrap=True, highlight=False)
        console.print(f"  export {variable}={shlex.quote(token)}", soft_wrap=True, highlight=False)
        link = f"{web_base(host, port)}/web/signin#token={token}"
        console.print(f"  # sign in: {link}", soft_wrap=True, highlight=False)
    if trial:
        console.print(f"  export TRIAL={trial}  # {TRIAL_TITLE}", soft_wrap=True, highlight=False)
    console.print(f"  export BASE=http://{host}:{port}", highlight=False)
    return entries
