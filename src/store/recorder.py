"""A PostgreSQL recorder: one round trip per save, and concurrent saves committed together."""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.pq import ConnStatus, ExecStatus
from psycopg.sql import SQL, Identifier

from frispor.store.insert_function import INSERT_FUNCTION

# Type oids (array, element) of the function's parameters, sent in binary.
INT4, UUID_, INT8, TEXT, BYTEA = (1007, 23), (2951, 2950), (1016, 20), (1009, 25), (1001, 17)
BOOL = 16
# psycopg's errors as the library translates them (and it retries an OperationalError).
ERRORS: dict[type[psycopg.Error], type[PersistenceError]] = {
    psycopg.IntegrityError: IntegrityError,
    psycopg.OperationalError: OperationalError,
    psycopg.InterfaceError: InterfaceError,
    psycopg.DataError: DataError,
    psycopg.ProgrammingError: ProgrammingError,
}
ATTEMPTS, PAUSE = 10, 0.2  # the library's retry policy for a lost connection
_HEADER = struct.Struct(">iiiii")  # dimensions, has nulls, element type, length, lower bound
_I4, _I8, _LEN = struct.Struct(">ii"), struct.Struct(">iq"), struct.Struct(">i")


@dataclass(slots=True)
class _Save:
    """One call of insert_events, waiting for the transaction that writes it."""

    events: Sequence[StoredEvent]
    positions: list[int] | None = None
    error: Exception | None = None
    # Held while the save waits; released when it is written or is to lead. A bare lock wakes
    # its thread for a fraction of what threading.Event's condition variable costs.
    ready: threading.Lock | None = None
    lead: bool = False


class FastPostgresRecorder(PostgresApplicationRecorder):
    """The library's application recorder with a one-statement insert and group commit."""

    # Events per transaction at most; a larger save still goes alone, in one transaction.
    max_batch_events = 1000

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        function = f"{events_table_name}_insert"
        self.check_identifier_length(function)
        timeout = datastore.lock_timeout
        names = {
            "schema": Identifier(datastore.schema),
            "table": Identifier(events_table_name),
            "function": Identifier(function),
            "channel": Identifier(self.channel_name),
            "id_type": Identifier(datastore.originator_id_type),
            "set_lock_timeout": SQL(f"SET LOCAL lock_timeout = '{timeout:d}s';" if timeout else ""),
        }
        self.sql_create_statements.append(SQL(INSERT_FUNCTION).format(**names))
        call = SQL("SELECT * FROM {schema}.{function}($1, $2, $3, $4, $5, $6, $7)")
        self._call = call.format(**names).as_string().encode()
        self._text_ids = datastore.originator_id_type == "text"
        self._kinds = (INT4, TEXT if self._text_ids else UUID_, INT8, TEXT, BYTEA)
        self._types = [array for array, _ in self._kinds] + [BOOL, BOOL]
        self._mutex = threading.Lock()
        self._queue: list[_Save] = []
        self._busy = False  # a leader is writing
        # One connection of the pool kept for writing (only the leader uses it): the pool
        # hands out its connections in turn, and a new server process per save costs ~50 µs.
        self._writer: psycopg.Connection[Any] | None = None
        self._closed = False
        close_datastore = datastore.close

        def close() -> None:
            with self._mutex:
                self._closed, writer, self._writer = True, self._writer, None
            if writer is not None:
                datastore.pool.putconn(writer)
            close_datastore()

        # The library closes the datastore, never the recorder: close the writer with it.
        datastore.close = close  # type: ignore[method-assign]

    # Group commit: a save that finds no write in progress leads and writes at once; saves that
    # arrive meanwhile queue, and the next to lead writes them all in one transaction.
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Store one save's events atomically and return their positions, in order."""
        if not stored_events:
            return []
        save = _Save(stored_events)
        with self._mutex:
            lead, self._busy = not self._busy, True
            if not lead:
                save.ready = threading.Lock()
                save.ready.acquire()
                self._queue.append(save)
        if save.ready is not None:
            # The leader writes this save with its own, or hands the lead to this thread.
            save.ready.acquire()
            lead = save.lead
        if lead:
            self._lead(save)
        if save.positions is None:
            raise save.error or PersistenceError("outcome unknown: the writing thread was stopped")
        return save.positions

    def _lead(self, first: _Save) -> None:
        """Write this save and those queued behind it in one transaction, then hand on."""
        batch, size = [first], len(first.events)
        with self._mutex:
            while self._queue and size + len(self._queue[0].events) <= self.max_batch_events:
                size += len(self._queue[0].events)
                batch.append(self._queue.pop(0))
        try:
            self._write(batch)
        finally:
            with self._mutex:
                if self._queue:
                    successor = self._queue.pop(0)
                    successor.lead = True
                    cast(threading.Lock, successor.ready).release()
                else:
                    self._busy = False
            for save in batch[1:]:
                cast(threading.Lock, save.ready).release()

    def _write(self, batch: list[_Save]) -> None:
        """Insert the batch in one transaction; a save whose key is taken fails alone."""
        rows: list[tuple[bytes, ...]] = []
        saves: list[_Save] = []
        for save in batch:
            try:
                rows += [self._row(len(saves), event) for event in save.events]
            except Exception as error:  # an id that is no UUID, say: this save's fault alone
                save.error = error
                continue
            saves.append(save)
        if not saves:
            return
        columns = zip(self._kinds, zip(*rows, strict=True), strict=True)
        params = [_array(kind, column) for kind, column in columns]
        try:
            positions = self._insert(params, alone=len(saves) == 1)
        except IntegrityError as error:
            if len(saves) == 1:
                saves[0].error = error
            else:
                # Only a writer that skips the table lock gets here: write saves one by one.
                for save in saves:
                    self._write([save])
            return
        except Exception as error:
            for save in saves:
                save.error = error
            return
        start = 0
        for save in saves:
            mine, start = positions[start : start + len(save.events)], start + len(save.events)
            if None in mine:
                key = save.events[0].originator_id
                save.error = IntegrityError(f"a version of {key} in this save is already stored")
            else:
                save.positions = cast("list[int]", mine)

    def _row(self, save: int, event: StoredEvent) -> tuple[bytes, ...]:
        """One event as the elements of the function's five arrays."""
        key = _text(event.originator_id) if self._text_ids else _uuid(event.originator_id)
        version, state = _I8.pack(8, event.originator_version), event.state
        return _I4.pack(4, save), key, version, _text(event.topic), _LEN.pack(len(state)) + state

    def _insert(self, params: list[bytes], *, alone: bool) -> list[int | None]:
        """Call the insert function, retrying as the library does after a lost connection."""
        careful = resent = False
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._execute([*params, bytes([careful]), bytes([resent])])
            except IntegrityError:
                if careful or (alone and not resent):
                    raise
                careful = True  # nothing was written: again, leaving out the saves that clash
            except (OperationalError, InterfaceError):
                if attempt == ATTEMPTS:
                    raise
                # The lost answer may hide a commit: then the batch is found stored as sent.
                careful = resent = True
                time.sleep(PAUSE)
        raise AssertionError("unreachable")

    def _execute(self, values: list[bytes]) -> list[int | None]:
        """One call of the insert function; autocommit, so it has committed when it returns."""
        writer = self._writer or self._connect()
        error: psycopg.Error
        try:
            # libpq directly, binary in and out: psycopg's cursor costs ~35 µs more per call,
            # and libpq releases the GIL while it waits for the server.
            result = writer.pgconn.exec_prepared(b"insert_events", values, [1] * 7, 1)
            if result.status == ExecStatus.TUPLES_OK:
                cells = [result.get_value(row, 0) for row in range(result.ntuples)]
                return [None if c is None else int.from_bytes(c, "big") for c in cells]
            error = psycopg.errors.error_from_result(result)
        except psycopg.Error as failure:  # libpq could not send the call
            error = failure
        if writer.pgconn.status != ConnStatus.OK:
            with self._mutex:
                self._writer = None
            self.datastore.pool.putconn(writer)  # the pool replaces a broken connection
            raise OperationalError(str(error)) from error
        kind = next((e for p, e in ERRORS.items() if isinstance(error, p)), DatabaseError)
        raise kind(str(error)) from error

    def _connect(self) -> psycopg.Connection[Any]:
        """Take the writer connection from the pool and prepare the insert on it."""
        with self.datastore.get_connection():
            pass  # opens the pool as the library does, with its timeouts
        writer = self.datastore.pool.getconn()
        result = writer.pgconn.prepare(b"insert_events", self._call, self._types)
        with self._mutex:
            if result.status == ExecStatus.COMMAND_OK and not self._closed:
                self._writer = writer
                return writer
        self.datastore.pool.putconn(writer)
        if result.status != ExecStatus.COMMAND_OK:
            error = str(psycopg.errors.error_from_result(result))
            if writer.pgconn.status != ConnStatus.OK:  # closed by the server: try another
                raise OperationalError(error)
            raise DatabaseError(error)
        raise OperationalError("the recorder's datastore is closed")


def _array(kind: tuple[int, int], items: Sequence[bytes]) -> bytes:
    """A one-dimensional array in PostgreSQL's binary format."""
    return _HEADER.pack(1, 0, kind[1], len(items), 1) + b"".join(items)


def _uuid(value: UUID | str) -> bytes:
    return b"\0\0\0\x10" + (value if isinstance(value, UUID) else UUID(value)).bytes


def _text(value: object) -> bytes:
    data = str(value).encode()
    return _LEN.pack(len(data)) + data
