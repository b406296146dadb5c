"""Issue 19 item 8: what the database superuser does to the ledger, `frispor check` names.

Each attack is performed as the superuser with the append-only triggers taken off for the
moment; the log's public key and the checkpoint file outside the database are configured.
"""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import psycopg
import pytest
from ledger_testkit import (
    ORIGIN,
    add_programme,
    check,
    frispor,
    raw_sql,
    stored_state,
    tamper_event_state,
    unguard,
)

from frispor.domain.application import Frispor
from frispor.ledger.follow import cut_checkpoint, sync
from frispor.ledger.schema import GUARDED
from frispor.ledger.signer import Signer, write_key_pair
from frispor.ledger.store import TreeStore


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "log.key"
    write_key_pair(path, ORIGIN)
    return path


@pytest.fixture
def filed(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path, key: Path, app: Frispor
) -> Path:
    """Two checkpoints (sizes 56 and 57), in the database and in the checkpoint file."""
    checkpoints = tmp_path / "outside" / "checkpoints.jsonl"
    checkpoints.parent.mkdir()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FRISPOR_LEDGER_ORIGIN", ORIGIN)
    monkeypatch.setenv("FRISPOR_SIGNING_KEY", str(key))
    monkeypatch.setenv("FRISPOR_CHECKPOINT_FILE", str(checkpoints))
    signer = Signer.from_pem_file(key, ORIGIN)
    with TreeStore.open(database_url, checkpoints) as store:
        sync(store, app.recorder)
        cut_checkpoint(store, signer)
        add_programme(app)
        sync(store, app.recorder)
        cut_checkpoint(store, signer)
    assert len(checkpoints.read_text().splitlines()) == 2
    return checkpoints


def _events_table(database_url: str) -> str:
    return "stored_events" if database_url.startswith("sqlite") else "frispor_events"


def _position(database_url: str) -> str:
    return "rowid" if database_url.startswith("sqlite") else "notification_id"


def test_untouched_ledger_passes_with_key_and_file(filed: Path, database_url: str) -> None:
    assert check(database_url) == []


def test_edited_event_then_ledger_emptied_and_resigned(
    filed: Path, database_url: str, app: Frispor, key: Path
) -> None:
    """The issue's attack: one byte edited, the ledger emptied and rebuilt, a new checkpoint."""
    state = stored_state(database_url, 23)
    tamper_event_state(
        database_url, 23, state.replace(b'"justification":"', b'"justification":"X', 1)
    )
    unguard(database_url, *GUARDED)
    run = raw_sql(database_url)
    for table in reversed(GUARDED):  # exports refer to checkpoints
        run(f"DELETE FROM {table}", ())
    with TreeStore.open(database_url) as store:  # the next `frispor checkpoint`, file unknown
        sync(store, app.recorder)
        cut_checkpoint(store, Signer.from_pem_file(key, ORIGIN))
    problems = check(database_url)
    assert any(
        "line 1: the database's tree at size 56 is not the tree this checkpoint signed" in p
        for p in problems
    ), problems
    assert any("line 2: checkpoint of size 57" in p and "it was deleted" in p for p in problems)


def test_emptied_ledger_is_caught_by_the_file(filed: Path, database_url: str) -> None:
    unguard(database_url, *GUARDED)
    run = raw_sql(database_url)
    for table in reversed(GUARDED):
        run(f"DELETE FROM {table}", ())
    problems = check(database_url)
    assert any("size 56 is beyond the database's tree of 0 leaves" in p for p in problems)


def test_deleted_checkpoint_is_named(filed: Path, database_url: str) -> None:
    unguard(database_url, "ledger_checkpoints")
    raw_sql(database_url)("DELETE FROM ledger_checkpoints WHERE size = 56", ())
    [problem] = check(database_url)
    assert problem.endswith("line 1: checkpoint of size 56 cut " + problem.split(" cut ")[1])
    assert "is missing from the database's checkpoints: it was deleted" in problem


def test_corrupted_signature_is_named(filed: Path, database_url: str) -> None:
    run = raw_sql(database_url)
    [(checkpoint_id, note)] = run("SELECT id, note FROM ledger_checkpoints WHERE size = 57", ())
    assert isinstance(note, str)
    head, signature = note.rsplit(" ", 1)
    blob = bytearray(base64.b64decode(signature))
    blob[-1] ^= 1
    unguard(database_url, "ledger_checkpoints")
    forged = f"{head} {base64.b64encode(bytes(blob)).decode()}\n"
    run("UPDATE ledger_checkpoints SET note = ? WHERE id = ?", (forged, checkpoint_id))
    [problem] = check(database_url)
    assert problem.startswith(f"checkpoint {checkpoint_id}: its signature does not verify")


def test_last_event_deleted_and_ledger_rolled_back(filed: Path, database_url: str) -> None:
    run = raw_sql(database_url)
    events, position = _events_table(database_url), _position(database_url)
    if database_url.startswith("sqlite"):
        run("DROP TRIGGER frispor_no_delete", ())
    else:
        run(f"ALTER TABLE {events} DISABLE TRIGGER USER", ())
    run(f"DELETE FROM {events} WHERE {position} = (SELECT max({position}) FROM {events})", ())
    unguard(database_url, *GUARDED)
    run("DELETE FROM ledger_exports", ())
    run("DELETE FROM ledger_checkpoints WHERE size = 57", ())
    run("DELETE FROM ledger_leaves WHERE leaf_index = 56", ())
    # Every complete subtree that covers leaf 56 goes too; the tree of 56 leaves is intact.
    run("DELETE FROM ledger_nodes WHERE (idx + 1) * (1 << level) > 56", ())
    problems = check(database_url)
    assert any(
        "line 2: checkpoint of size 57 is beyond the database's tree of 56 leaves" in p
        for p in problems
    ), problems


def test_frispor_check_exits_1_naming_the_problem(filed: Path, database_url: str) -> None:
    unguard(database_url, "ledger_checkpoints")
    raw_sql(database_url)("DELETE FROM ledger_checkpoints WHERE size = 57", ())
    result = frispor("check")
    assert result.returncode == 1, result.stdout
    assert "checkpoint of size 57" in result.stdout and "it was deleted" in result.stdout
    assert "ledger: TAMPERED OR INCONSISTENT" in result.stdout


@pytest.mark.parametrize("table", GUARDED)
def test_the_database_refuses_to_change_ledger_rows(
    filed: Path, database_url: str, table: str
) -> None:
    run = raw_sql(database_url)
    run(
        "INSERT INTO ledger_exports (kind, checkpoint_id, event_count, created_at, "
        "tagmanifest_sha256) VALUES ('full', (SELECT min(id) FROM ledger_checkpoints), 0, "
        "'2026-12-05T00:00:00Z', '00')",
        (),
    )
    run(
        "INSERT INTO ledger_timestamps (checkpoint_id, token, stamped_at, tsa, fetched_at) "
        "VALUES ((SELECT min(id) FROM ledger_checkpoints), ?, 'x', 'x', 'x')",
        (b"\x00",),
    )
    run(
        "INSERT INTO ledger_cosignatures (checkpoint_id, witness, line, received_at) "
        "VALUES ((SELECT min(id) FROM ledger_checkpoints), 'w', 'x', 'x')",
        (),
    )
    column = {
        "ledger_cosignatures": "line",
        "ledger_nodes": "hash",
        "ledger_leaves": "leaf",
        "ledger_checkpoints": "note",
        "ledger_timestamps": "tsa",
    }
    set_ = f"{column.get(table, 'kind')} = {column.get(table, 'kind')}"
    statements = [f"UPDATE {table} SET {set_}", f"DELETE FROM {table}"]
    if not database_url.startswith("sqlite"):
        statements.append(f"TRUNCATE {table} CASCADE")
    for statement in statements:
        with pytest.raises((sqlite3.Error, psycopg.Error), match="the ledger is append-only"):
            run(statement, ())
