"""The ledger's commands: keys, export, verify, checkpoint; and the ledger part of `check`.

FRISPOR_SIGNING_KEY is the path of the PKCS8 PEM private key (its public key is PATH.pub);
FRISPOR_LEDGER_ORIGIN the log's name in checkpoints. Both are fields of Settings.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from frispor.cli.settings import settings as cli_settings
from frispor.cli.witness import register as register_witness
from frispor.domain.application import Frispor
from frispor.domain.competence import COMPLAINT_BODIES
from frispor.domain.values import Actor, Area, Role
from frispor.ledger.bag import BagError, Scope
from frispor.ledger.checkpoint import SigningError
from frispor.ledger.checkup import SetupError, ledger_problems
from frispor.ledger.cosign import CosignError, WitnessKey
from frispor.ledger.export import ExportError, export_bag
from frispor.ledger.exports import record_export
from frispor.ledger.follow import LedgerError, cut_checkpoint, sync
from frispor.ledger.signer import Signer, public_key_path, write_key_pair
from frispor.ledger.store import TreeStore
from frispor.ledger.timestamp import TimestampError, TsaTrust
from frispor.ledger.timestamp_service import stamp_once
from frispor.ledger.verify import verify_bag
from frispor.progress import shown
from frispor.settings import Settings
from frispor.store.db import Database
from frispor.store.open import open_app

__all__ = ["ledger_check", "register"]

_DAY = ["%Y-%m-%d"]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _signer(settings: Settings) -> Signer:
    if settings.signing_key is None:
        raise _fail("FRISPOR_SIGNING_KEY is not set: run `frispor keys generate --out PATH`", 2)
    try:
        return Signer.from_pem_file(settings.signing_key, settings.ledger_origin)
    except SigningError as error:
        raise _fail(f"cannot use the signing key: {error}", 2) from None


@contextmanager
def _opened(settings: Settings) -> Iterator[tuple[Frispor, TreeStore]]:
    """The application and the ledger, on the command's one pool of FRISPOR_POOL_SIZE."""
    app = open_app(settings.eventsourcing_env())
    db = settings.database()
    try:
        with TreeStore.borrow(db, settings.checkpoint_file) as store:
            yield app, store
    finally:
        db.close()
        app.close()


def known_authorities(settings: Settings) -> set[str]:
    """The supervisory authorities (inspecting and complaint bodies), and every organisation
    holding an authority's credential."""
    from frispor.credentials.tokens import TokenStore

    known = set(COMPLAINT_BODIES)
    known |= {t.organisation for t in settings.all_tokens() if t.role is Role.AUTHORITY}
    db = settings.database()
    try:
        known |= {t.organisation for t in TokenStore(db).listing() if t.role == Role.AUTHORITY}
    finally:
        db.close()
    return known


def ledger_check(app: Frispor, db: Database, settings: Settings) -> list[str]:
    """Return the ledger's problems (exit 2 when a key, certificate or witness is unusable)."""
    try:
        return ledger_problems(app, db, settings)
    except SetupError as error:
        raise _fail(str(error), 2) from None


def keys_generate(
    out: Annotated[Path, typer.Option("--out", help="Private key file; PATH.pub gets the public")],
    force: Annotated[bool, typer.Option(help="Overwrite existing key files")] = False,
) -> None:
    """Write an Ed25519 signing key (PATH, mode 0600) and its public key (PATH.pub, PEM)."""
    try:
        verifier_key = write_key_pair(out, cli_settings().ledger_origin, overwrite=force)
    except SigningError as error:
        raise _fail(str(error)) from None
    typer.echo(f"private key: {out}\npublic key:  {public_key_path(out)} (PEM, for openssl)")
    typer.echo(verifier_key)


def export(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the bag to (new)")],
    authority: Annotated[
        str | None, typer.Option(help="Supervisory authority receiving it")
    ] = None,
    area: Annotated[Area | None, typer.Option(help="Only this area's trials")] = None,
    date_from: Annotated[
        datetime | None, typer.Option("--from", formats=_DAY, help="Recorded on or after")
    ] = None,
    date_to: Annotated[
        datetime | None, typer.Option("--to", formats=_DAY, help="Recorded on or before")
    ] = None,
) -> None:
    """Write a signed BagIt export of DATABASE_URL's events; the key is FRISPOR_SIGNING_KEY."""
    settings = cli_settings()
    authorities = known_authorities(settings) if authority is not None else set()
    if authority is not None and authority not in authorities:
        known = ", ".join(sorted(authorities))
        raise _fail(f"--authority {authority!r} is not a known authority; known: {known}", 2)
    signer = _signer(settings)
    scope = Scope(
        authority=authority,
        area=area.value if area else None,
        period_from=date_from.date() if date_from else None,
        period_to=date_to.date() if date_to else None,
    )
    try:
        with _opened(settings) as (app, store):
            with shown() as steps:
                stamp = stamp_once(settings)
                result = export_bag(
                    store, app.recorder, signer, out, scope, stamp=stamp, steps=steps
                )
            # Recorded in the trail as an export over HTTP is: by whom, for whom, of what.
            operator = Actor(id=f"cli:{getpass.getuser()}", role=Role.ADMIN, organisation="drift")
            record_export(app, operator, result, authority or "drift")
    except (ExportError, LedgerError) as error:
        raise _fail(f"export failed: {error}") from None
    typer.echo(
        f"wrote {result.kind} export {result.export_id} to {result.path}: "
        f"{result.event_count} events at checkpoint size {result.checkpoint.size}"
        + (f", consistent from size {result.previous.size}" if result.previous else "")
    )


def verify(
    bag: Annotated[Path, typer.Argument(help="The bag directory")],
    key: Annotated[Path, typer.Option("--key", help="Public key: PEM (PATH.pub) or verifier key")],
    previous: Annotated[
        Path | None, typer.Option(help="The checkpoint note you received last")
    ] = None,
    origin: Annotated[str | None, typer.Option(help="Expected log origin")] = None,
    tsa_cert: Annotated[
        Path | None,
        typer.Option(
            "--tsa-cert",
            envvar="FRISPOR_TSA_CERT",
            help="PEM: the TSA's certificate and its root CA, to check time-stamp tokens",
        ),
    ] = None,
    require_timestamp: Annotated[
        bool, typer.Option(help="Fail when the checkpoint's time-stamp token is missing or bad")
    ] = False,
    witness: Annotated[
        list[str] | None,
        typer.Option(help="A witness's verifier key (repeat for each witness you trust)"),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(min=1, help="Cosignatures of those witnesses required (default: all)"),
    ] = None,
) -> None:
    """Verify an export bag offline with the public key alone; exit 1 naming the first failure."""
    if require_timestamp and tsa_cert is None:
        raise _fail("--require-timestamp needs --tsa-cert (or FRISPOR_TSA_CERT)", 2)
    try:
        witnesses = [WitnessKey.parse(vkey) for vkey in witness or []]
    except CosignError as error:
        raise _fail(f"--witness: {error}", 2) from None
    needed = len(witnesses) if quorum is None else quorum
    if needed > len(witnesses):
        raise _fail(f"--quorum {needed} needs at least {needed} --witness keys", 2)
    try:
        key_bytes = key.read_bytes()
        previous_note = previous.read_text(encoding="utf-8") if previous else None
        trust = TsaTrust.from_pem(tsa_cert.read_bytes()) if tsa_cert else None
    except (OSError, UnicodeDecodeError, TimestampError) as error:
        message = f"cannot read the key, previous checkpoint or TSA certificate: {error}"
        raise _fail(message, 2) from None
    try:
        with shown("checking the bag") as steps:
            result = verify_bag(
                bag,
                key_bytes,
                previous=previous_note,
                origin=origin,
                tsa=trust,
                require_timestamp=require_timestamp,
                witnesses=witnesses,
                quorum=needed,
                steps=steps,
            )
    except BagError as error:
        raise _fail(f"FAILED: {error}") from None
    since = f", consistent with size {result.previous_size}" if result.previous_size else ""
    typer.echo(
        f"OK: {result.kind} export of {result.event_count} events verified against "
        f"checkpoint {result.checkpoint.origin} size {result.checkpoint.size}{since}"
    )
    for report in result.stamps:
        typer.echo(f"timestamp: {report.statement}")
    if witnesses:
        cosigned = ", ".join(sorted(result.cosigners))
        typer.echo(f"witnesses: {len(result.cosigners)} of {len(witnesses)} cosigned ({cosigned})")


def checkpoint() -> None:
    """Bring the ledger up to date with DATABASE_URL's events; cut and print a signed checkpoint."""
    settings = cli_settings()
    signer = _signer(settings)
    try:
        with _opened(settings) as (app, store):
            with shown() as steps:
                sync(store, app.recorder, steps=steps)
            cut = cut_checkpoint(store, signer)
            stamp = stamp_once(settings)
            if stamp is not None:
                stamp(store, cut)
    except LedgerError as error:
        raise _fail(f"checkpoint failed: {error}") from None
    typer.echo(cut.note, nl=False)


def register(cli: typer.Typer) -> None:
    """Add the ledger's commands to the `frispor` command line."""
    keys = typer.Typer(help="Signing keys for checkpoints and export bags.", no_args_is_help=True)

    @keys.callback()
    def _keys() -> None:
        """Signing keys for checkpoints and export bags."""

    keys.command("generate")(keys_generate)
    cli.add_typer(keys, name="keys")
    cli.command("export")(export)
    cli.command("verify")(verify)
    cli.command("checkpoint")(checkpoint)
    register_witness(cli)
