"""The stored tree on SQLite and PostgreSQL: batched appends, proofs, checkpoints, gaps."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from ledger_testkit import ORIGIN, add_programme, raw_sql

from frispor.demo import load_demo
from frispor.domain.application import Frispor
from frispor.ledger import merkle, tree
from frispor.ledger.checkpoint import parse_and_verify_checkpoint
from frispor.ledger.follow import cut_checkpoint, ensure_checkpoint, sync
from frispor.ledger.leaf import LeafData
from frispor.ledger.signer import Signer
from frispor.ledger.store import TreeStore
from frispor.store.env import store_env
from frispor.store.open import open_app


def _hashes(store: TreeStore, size: int) -> list[bytes]:
    return [merkle.leaf_hash(row.leaf) for row in store.leaves(0, size)]


def test_batched_sync_builds_the_rfc6962_tree(store: TreeStore, app: Frispor) -> None:
    assert store.size() == 0
    assert sync(store, app.recorder, batch=5) == 56
    rows = store.leaves(0, 100)
    assert [r.leaf_index for r in rows] == list(range(56))
    positions = [n.id for n in app.recorder.select_notifications(start=1, limit=100)]
    assert [r.position for r in rows] == positions
    leaf = LeafData.model_validate_json(rows[3].leaf)
    assert (leaf.position, leaf.type, rows[3].kind) == (positions[3], "Trial.Approved", "Trial")
    hashes = _hashes(store, 56)
    for size in (0, 1, 2, 31, 32, 33, 56):
        assert store.root_at(size) == merkle.root(hashes[:size])
    assert sync(store, app.recorder) == 56  # nothing new: nothing written


def test_proofs_from_stored_nodes_verify(store: TreeStore, app: Frispor) -> None:
    sync(store, app.recorder, batch=9)
    hashes = _hashes(store, 56)
    for size in (1, 7, 32, 56):
        root = store.root_at(size)
        for index in range(size):
            proof = store.inclusion_proof(index, size)
            merkle.verify_inclusion(hashes[index], index, size, proof, root)
        for old in range(size + 1):
            proof = store.consistency_proof(old, size)
            assert proof == merkle.consistency_proof(old, size, hashes)
            merkle.verify_consistency(old, size, store.root_at(old), root, proof)


def test_roots_and_proofs_cost_one_query(
    store: TreeStore, app: Frispor, monkeypatch: pytest.MonkeyPatch
) -> None:
    sync(store, app.recorder)
    queries: list[str] = []
    real = store.db.query

    def counting(statement: str, params: Any = ()) -> list[tuple[Any, ...]]:
        queries.append(statement)
        return real(statement, params)

    monkeypatch.setattr(store.db, "query", counting)
    store.root_at(55)
    store.inclusion_proof(17, 55)
    store.consistency_proof(13, 55)
    assert len(queries) == 3
    reads = store.fetch_nodes(tree.nodes_needed_for_inclusion(17, 55))
    tree.inclusion_proof(17, 55, reads)
    assert reads.reads <= 2 * 6  # O(log n): at most a few nodes per level


def test_leaves_keep_up_incrementally_and_scope_is_resolved(store: TreeStore, app: Frispor) -> None:
    sync(store, app.recorder)
    old_root = store.root_at(56)
    position = add_programme(app)
    assert sync(store, app.recorder) == 57
    [row] = store.leaves(56, 57)
    assert (row.position, row.kind, row.area) == (position, "Programme", None)
    proof = store.consistency_proof(56, 57)
    merkle.verify_consistency(56, 57, old_root, store.root_at(57), proof)
    areas = {(r.kind, r.area) for r in store.leaves(0, 57)}
    assert ("Network", "aeldre") in areas and ("Trial", "aeldre") in areas
    assert ("Exemption", "aeldre") in areas and ("Programme", None) in areas
    assert all(area is not None for kind, area in areas if kind != "Programme")


def test_checkpoints_are_signed_and_reused(store: TreeStore, app: Frispor, signer: Signer) -> None:
    sync(store, app.recorder)
    first = cut_checkpoint(store, signer)
    verified = parse_and_verify_checkpoint(first.note, signer.verifier_key())
    assert (verified.origin, verified.size, verified.root) == (ORIGIN, 56, store.root_at(56))
    assert ensure_checkpoint(store, signer) == first
    add_programme(app)
    sync(store, app.recorder)
    second = ensure_checkpoint(store, signer)
    assert second.size == 57 and second.id > first.id
    assert [c.size for c in store.checkpoints()] == [56, 57]


def test_two_appenders_take_turns(database_url: str, app: Frispor) -> None:
    errors: list[BaseException] = []
    # Two recorders made up front: constructing apps concurrently is not what is tested here.
    apps = [open_app(store_env(database_url)) for _ in range(2)]

    def run(other: Frispor) -> None:
        # Each appender has its own connection, as in two processes.
        try:
            with TreeStore.open(database_url) as own:
                sync(own, other.recorder, batch=3)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(other,)) for other in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    for other in apps:
        other.close()
    assert not errors
    with TreeStore.open(database_url) as store:
        assert store.size() == 56
        assert [r.leaf_index for r in store.leaves(0, 100)] == list(range(56))


@pytest.fixture
def pg_app(pg_url: str) -> Iterator[Frispor]:
    application = open_app(store_env(pg_url))
    yield application
    application.close()


@pytest.mark.postgres
def test_position_gaps_get_consecutive_leaves(pg_url: str, pg_app: Frispor) -> None:
    first = add_programme(pg_app, "Et")
    [taken] = pg_app.recorder.select_notifications(start=first, limit=1)
    clash = StoredEvent(taken.originator_id, 1, taken.topic, taken.state)
    with pytest.raises(IntegrityError):
        pg_app.recorder.insert_events([clash])  # a failed insert uses up a position
    second = add_programme(pg_app, "To")
    assert second > first + 1
    with TreeStore.open(pg_url) as store:
        assert sync(store, pg_app.recorder) == 2
        assert [(r.leaf_index, r.position) for r in store.leaves(0, 2)] == [(0, first), (1, second)]
        assert store.leaf_index_of(second) == 1 and store.leaf_index_of(first + 1) is None
    assert raw_sql(pg_url)("SELECT count(*) FROM ledger_leaves", ()) == [(2,)]


@pytest.mark.postgres
def test_no_plan_costed_on_the_first_batches_is_kept(pg_url: str, pg_app: Frispor) -> None:
    # The tables start empty: a generic plan chosen then (a sequential scan) would be kept as
    # they grow, and the aggregates lookup would read every stored row in every batch.
    load_demo(pg_app)
    with TreeStore.open(pg_url) as store:
        assert sync(store, pg_app.recorder, batch=2) == 56  # 28 runs: psycopg prepares at 5
        # A statement without parameters has one plan anyway.
        [(prepared, generic)] = store.db.query(
            "SELECT count(*), coalesce(sum(generic_plans), 0) FROM pg_prepared_statements "
            "WHERE cardinality(parameter_types) > 0"
        )
    assert prepared > 0 and generic == 0
