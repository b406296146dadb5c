"""The read models' database: a transaction that need not wait for the disk stays one."""

from __future__ import annotations

from frispor.store.db import Database


def test_a_transaction_not_durable_commits_whole_and_leaves_the_next_durable(
    database_url: str,
) -> None:
    db = Database(database_url, pool_size=1)  # one connection: the next transaction reuses it
    try:
        with db.transaction() as cur:
            cur.execute("CREATE TABLE t (n INTEGER)")
        with db.transaction(durable=False) as cur:
            cur.executemany("INSERT INTO t VALUES (%s)", [(1,), (2,)])
            if db.is_postgres:
                assert cur.execute("SHOW synchronous_commit") == [("off",)]
        with db.transaction() as cur:
            assert sorted(cur.execute("SELECT n FROM t")) == [(1,), (2,)]
            if db.is_postgres:
                assert cur.execute("SHOW synchronous_commit") == [("on",)]
    finally:
        db.close()
