"""`check`: a malicious operator's edits to events or to the ledger tables are found and named."""

from __future__ import annotations

import pytest
from ledger_testkit import check, raw_sql, stored_state, tamper_event_state, unguard

from frispor.domain.application import Frispor
from frispor.ledger.check import check_ledger
from frispor.ledger.follow import cut_checkpoint, sync
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore


@pytest.fixture
def synced(store: TreeStore, app: Frispor, signer: Signer) -> TreeStore:
    sync(store, app.recorder, batch=10)
    cut_checkpoint(store, signer)
    return store


def test_untouched_ledger_has_no_problems(synced: TreeStore, app: Frispor) -> None:
    assert check_ledger(synced, app.recorder, batch=7) == []


def test_edited_event_payload_is_named_by_position(
    synced: TreeStore, app: Frispor, database_url: str
) -> None:
    state = stored_state(database_url, 23)
    assert b'"justification":"' in state
    forged = state.replace(b'"justification":"', b'"justification":"(rettet) ', 1)
    tamper_event_state(database_url, 23, forged)
    problems = check_ledger(synced, app.recorder, batch=10)
    assert problems == [
        "position 23 (leaf 22): the stored event no longer matches its ledger leaf — "
        "its payload was changed: payload_sha256"
    ]
    assert check(database_url) == problems


def test_edited_recorded_time_names_the_fields(
    synced: TreeStore, app: Frispor, database_url: str
) -> None:
    state = stored_state(database_url, 5)
    forged = state.replace(b'"timestamp":"201', b'"timestamp":"200', 1)
    tamper_event_state(database_url, 5, forged)
    [problem] = check_ledger(synced, app.recorder)
    assert problem.startswith("position 5 (leaf 4): ")
    assert "payload_sha256, recorded_at" in problem


def test_unreadable_event_is_named(synced: TreeStore, app: Frispor, database_url: str) -> None:
    tamper_event_state(database_url, 40, b"not json")
    [problem] = check_ledger(synced, app.recorder)
    assert problem.startswith("position 40 (leaf 39): the event at position 40 cannot be read")


def test_removed_event_is_named(synced: TreeStore, app: Frispor, database_url: str) -> None:
    run = raw_sql(database_url)
    if database_url.startswith("sqlite"):
        run("DROP TRIGGER frispor_no_delete", ())
        run("DELETE FROM stored_events WHERE rowid = 30", ())
    else:
        run("ALTER TABLE frispor_events DISABLE TRIGGER frispor_append_only", ())
        run("DELETE FROM frispor_events WHERE notification_id = 30", ())
    [problem] = check_ledger(synced, app.recorder)
    assert problem.startswith("leaf 29: the ledger has the event at position 30, but the event ")
    assert "removed or inserted" in problem


def test_edited_ledger_tables_are_found(synced: TreeStore, app: Frispor, database_url: str) -> None:
    run = raw_sql(database_url)
    unguard(database_url, "ledger_leaves")
    run("UPDATE ledger_leaves SET area = 'skole' WHERE leaf_index = 12", ())
    [problem] = check_ledger(synced, app.recorder)
    assert problem.startswith("position 13 (leaf 12): the ledger files it under ")
    assert "/skole but its events give " in problem


def test_edited_node_and_checkpoint_are_found(
    synced: TreeStore, app: Frispor, database_url: str
) -> None:
    run = raw_sql(database_url)
    unguard(database_url, "ledger_nodes", "ledger_checkpoints")
    [(good,)] = run("SELECT hash FROM ledger_nodes WHERE level = 2 AND idx = 3", ())
    run("UPDATE ledger_nodes SET hash = ? WHERE level = 2 AND idx = 3", (b"\x00" * 32,))
    assert check_ledger(synced, app.recorder) == [
        "tree node (level 2, index 3) is missing or differs from the tree rebuilt from the events"
    ]
    run("UPDATE ledger_nodes SET hash = ? WHERE level = 2 AND idx = 3", (good,))
    run("UPDATE ledger_checkpoints SET root = ?", (b"\x01" * 32,))
    problems = check_ledger(synced, app.recorder)
    assert problems[0] == "checkpoint 1: its note does not state size and root"
    assert "has a root that the events do not give" in problems[1]
