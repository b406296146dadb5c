"""`frispor witness`: run an independent C2SP witness, and print its verifier key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from frispor.ledger.cosign import witness_vkey
from frispor.ledger.keys import SigningError, load_private_key
from frispor.ledger.witness import Witness, serve_witness

__all__ = ["register"]

KeyOption = Annotated[
    Path,
    typer.Option(
        "--key", envvar="FRISPOR_WITNESS_KEY", help="The witness's Ed25519 key (keys generate)"
    ),
]
NameOption = Annotated[
    str,
    typer.Option(
        "--name", envvar="FRISPOR_WITNESS_NAME", help="The witness's name, e.g. tilsyn.dk/witness"
    ),
]


def vkey(key: KeyOption, name: NameOption) -> None:
    """Print the witness's verifier key (for FRISPOR_WITNESSES and `verify --witness`)."""
    try:
        typer.echo(witness_vkey(name, load_private_key(key.read_bytes())))
    except (OSError, SigningError) as error:
        typer.echo(f"cannot use the witness key {key}: {error}", err=True)
        raise typer.Exit(2) from None


def serve(
    key: KeyOption,
    name: NameOption,
    log: Annotated[
        list[str],
        typer.Option(
            "--log", envvar="FRISPOR_WITNESS_LOGS", help="A log's verifier key (repeat per log)"
        ),
    ],
    state: Annotated[
        Path,
        typer.Option(envvar="FRISPOR_WITNESS_STATE", help="File of what it cosigned last"),
    ] = Path("witness-state.json"),
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8090,
) -> None:
    """Cosign checkpoints consistent with all this witness saw; refuse forks (409/422)."""
    try:
        witness = Witness(name, load_private_key(key.read_bytes()), log, state)
    except (OSError, SigningError, ValueError) as error:
        typer.echo(f"cannot start the witness: {error}", err=True)
        raise typer.Exit(2) from None
    server = serve_witness(witness, host, port)
    typer.echo(f"witness {witness.vkey}")
    typer.echo(f"POST http://{host}:{server.server_address[1]}/add-checkpoint (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(cli: typer.Typer) -> None:
    """Add `frispor witness serve|vkey` to the command line."""
    witness = typer.Typer(help="An independent witness (C2SP tlog-witness).", no_args_is_help=True)
    witness.command("serve")(serve)
    witness.command("vkey")(vkey)
    cli.add_typer(witness, name="witness")
