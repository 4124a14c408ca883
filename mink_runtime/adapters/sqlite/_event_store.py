"""`SQLiteEventStore`: the event store in one SQLite file (or in memory), mink's embedded default.

How it works, in short (each module says why in detail):

- `_connection`: WAL, one writer and one reader connection, `sqlite3` called on the event-loop
  thread with busy waits done as `asyncio.sleep`s, one asyncio lock for this process's writers;
- `_append`: the append path, checked with the domain's shared rules;
- `_transaction`: `store.transaction()` blocks;
- `_sql`: every statement, built once per store;
- `_errors`: `sqlite3` errors become mink errors at this edge, never leaving the adapter.

The global log is the `position` column (`AUTOINCREMENT`: never reused, also after a hard
delete). SQLite has one writer at a time, so positions are drawn in commit order and a global-log
checkpoint is simply `Checkpoint(transaction=0, position=N)`. A read of the log first takes the
newest position, then reads at most up to it: every position below it is committed, so a reader
that passes back the slice's checkpoint never skips an event, and a filtered read that reaches
the end moves its checkpoint to that newest position, past everything it skipped.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import orjson

from mink_runtime.adapters._ambient import ambient
from mink_runtime.adapters.sqlite._append import RedoAppendError, append_events, append_fast
from mink_runtime.adapters.sqlite._connection import SQLiteDatabase
from mink_runtime.adapters.sqlite._errors import translate
from mink_runtime.adapters.sqlite._rows import (
    STATES,
    decode_event,
    dump_json,
    now_text,
    stream_info,
    utc_text,
)
from mink_runtime.adapters.sqlite._snapshot_store import SQLiteSnapshotStore
from mink_runtime.adapters.sqlite._transaction import SQLiteTransaction, open_transaction
from mink_runtime.domain import (
    AppendResult,
    Checkpoint,
    EventCodec,
    EventRegistry,
    ExpectedVersion,
    LogSlice,
    RecordedEvent,
    Serializer,
    StoredEventType,
    StreamInfo,
    StreamMetadata,
    StreamState,
    conflict_error,
    expectation_holds,
    validate_append,
)
from mink_runtime.errors import StreamDeletedError, StreamNotFoundError
from mink_runtime.migrations import DEFAULT_SCHEMA
from mink_runtime.ports import Watch

__all__ = ["SQLiteEventStore"]

_Rows = list[tuple[Any, ...]]
_NO_END = 1 << 62
"""A position past any the log will reach: a count up to the head."""


class SQLiteEventStore:
    """An event store in a SQLite database. Open it with `await SQLiteEventStore.open(path)`."""

    codec: EventCodec
    """Encodes appended events and decodes recorded ones."""
    tenant_id: str
    """The tenant whose streams this store reads and writes ('' by default)."""
    snapshots: SQLiteSnapshotStore
    """The snapshot store in the same database, for the same tenant."""
    path: str
    """The database file (or ":memory:")."""

    def __init__(
        self,
        database: SQLiteDatabase,
        *,
        registry: EventRegistry | None = None,
        serializer: Serializer | None = None,
    ) -> None:
        """Wrap an open database; `SQLiteEventStore.open` is the way to make one."""
        self._db = database
        self._scoped = False
        self._owner = True
        self.codec = EventCodec(registry, serializer)
        self.tenant_id = ""
        self.path = database.path
        self.snapshots = SQLiteSnapshotStore(database)

    @classmethod
    async def open(
        cls,
        path_or_url: str | os.PathLike[str],
        *,
        schema: str = DEFAULT_SCHEMA,
        registry: EventRegistry | None = None,
        serializer: Serializer | None = None,
        synchronous: str = "NORMAL",
        migrate: bool = False,
        busy_timeout: float = 5.0,
    ) -> Self:
        """Open the store in a database file (`"app.db"`, a `Path`, `"sqlite:///app.db"`) or in
        memory (`":memory:"`, which starts empty: pass `migrate=True`).

        `synchronous` is SQLite's setting (OFF, NORMAL, FULL, EXTRA); `busy_timeout` is how many
        seconds an operation waits for another process's write lock before giving up.

        Raises:
            SchemaNotReadyError: mink's tables are missing or not at the newest migration (run
                `mink migrate up`, or pass `migrate=True`).
            StoreUnavailableError: the file cannot be opened, or stays locked.
            ConfigurationError: a bad path, schema name or setting.
        """
        database = await SQLiteDatabase.open(
            path_or_url, schema=schema, synchronous=synchronous, busy_timeout=busy_timeout
        )
        try:
            if migrate:
                await database.migrate()
            await database.check_schema()
        except BaseException:
            await database.close()
            raise
        return cls(database, registry=registry, serializer=serializer)

    def for_tenant(self, tenant_id: str) -> Self:
        """The same store, scoped to one tenant's streams and events; it shares the connections
        (closing the view does nothing: close the store that opened them).
        """
        view = type(self).__new__(type(self))
        view._db = self._db
        view._scoped = True
        view._owner = False
        view.codec = self.codec
        view.tenant_id = tenant_id
        view.path = self.path
        view.snapshots = self.snapshots.for_tenant(tenant_id)
        return view

    async def migrate(self) -> None:
        """Bring mink's tables in this database up to the newest migration.

        Raises:
            StoreUnavailableError: the database could not be reached or stayed locked.
            EventStoreError: a migration failed.
        """
        await self._db.migrate()

    async def close(self) -> None:
        """Close the connections; the store and its views are unusable afterwards."""
        if self._owner:
            await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --- writing -------------------------------------------------------------------------

    async def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        """Append events to a stream, atomically; see `EventStore.append`.

        Raises:
            ConcurrencyError: the stream is not at `expected_version`; nothing was written.
            StreamDeletedError: the stream is tombstoned.
            DuplicateEventError: an event id is recorded elsewhere.
            ConfigurationError: a bad append.
            StoreUnavailableError: the database stayed locked for `busy_timeout`.
        """
        db = self._db
        if db.lock.locked():
            joined = ambient(db)
            if joined is not None:
                return await joined.append_as(  # type: ignore[no-any-return]
                    self, stream_id, events, expected_version=expected_version
                )
        validate_append(stream_id, expected_version, len(events))
        encoded = list(map(self.codec.encode, events))  # before the lock: a bad event costs none
        key = (self.tenant_id, stream_id)
        async with db.lock:
            cursor, sql = db.cursor, db.sql
            try:
                cursor.execute(sql.begin)
            except sqlite3.Error as error:
                await db.begin_after(error)
            try:
                try:
                    result = append_fast(
                        cursor, sql, db.versions, key, encoded, expected_version, now_text()
                    )
                except RedoAppendError:
                    db.rollback()
                    await db.begin()
                    result = None
                if result is None:
                    result = append_events(
                        cursor, sql, *key, encoded, expected_version, now_text(), db.path
                    )
            except sqlite3.Error as error:
                db.rollback()
                raise translate(error, database=db.path) from error
            except BaseException:
                db.rollback()
                raise
            try:
                cursor.execute("COMMIT")
            except sqlite3.Error as error:
                await db.commit_after(error)
            db.watches.wake()
            # (An idempotent retry's version may be behind the stream's: harmless.)
            db.remember(key, result.version)
            return result

    def transaction(self) -> AbstractAsyncContextManager[SQLiteTransaction]:
        """A transaction in which appends to several streams commit together; appends made
        through this store (or another tenant's view of it) inside the block join it, and so
        does a nested block."""
        return open_transaction(self._db, self)

    # --- reading -------------------------------------------------------------------------

    async def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int | None = None,
        backwards: bool = False,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        """Events of one stream in version order (or reversed), honouring truncation,
        max count and max age; see `EventStore.read_stream`.

        Raises:
            StreamNotFoundError: the stream was never written, or is soft-deleted.
            StreamDeletedError: the stream is tombstoned.
        """
        sql, tenant_id = self._db.sql, self.tenant_id

        def select(connection: sqlite3.Connection) -> tuple[int, _Rows]:
            row = connection.execute(sql.stream_bounds, (tenant_id, stream_id)).fetchone()
            if row is None:
                raise StreamNotFoundError(stream_id)
            version, state, lowest, max_count, max_age = row
            if state == 2:
                raise StreamDeletedError(stream_id)
            if state == 1 or version == 0:
                raise StreamNotFoundError(stream_id)
            if max_count is not None:
                lowest = max(lowest, version - max_count + 1)
            oldest = None
            if max_age is not None:
                oldest = utc_text(datetime.now(UTC) - timedelta(seconds=max_age))
            if backwards:
                statement = sql.read_backward
                low, high = lowest, version if from_version is None else min(from_version, version)
            else:
                statement = sql.read_forward
                low, high = lowest if from_version is None else max(lowest, from_version), version
            count = -1 if limit is None else max(limit, 0)  # LIMIT -1: no limit
            values = (tenant_id, stream_id, low, high, oldest, count)
            return version, connection.execute(statement, values).fetchall()

        version, rows = await self._db.read(select)
        self._db.remember((tenant_id, stream_id), version)  # loading, then appending, is usual
        codec = self.codec
        return [decode_event(codec, row) for row in rows]

    async def read_all(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        limit: int = 1000,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> LogSlice:
        """The next events of the global log after a checkpoint, in global order; see
        `EventStore.read_all`. With filters the checkpoint also passes what they skipped.
        """
        sql = self._db.sql
        start, wanted = after.position, max(limit, 0)
        values = [
            start,
            0,  # the newest position, filled in below
            self.tenant_id if self._scoped else None,
            None if categories is None else orjson.dumps(list(categories)).decode(),
            None if event_types is None else orjson.dumps(list(event_types)).decode(),
            wanted + 1,  # one more than asked tells whether more remain
        ]

        def select(connection: sqlite3.Connection) -> tuple[int | None, _Rows]:
            newest: int | None = connection.execute(sql.head).fetchone()[0]
            if newest is None or newest <= start:
                return newest, []
            values[1] = newest  # positions up to the newest are all committed: none is skipped
            return newest, connection.execute(sql.read_all, values).fetchall()

        newest, rows = await self._db.read(select)
        codec = self.codec
        if len(rows) > wanted:
            picked = [decode_event(codec, row) for row in rows[:wanted]]
            checkpoint = picked[-1].checkpoint if picked else after
            return LogSlice(events=picked, checkpoint=checkpoint, is_end=False)
        events = [decode_event(codec, row) for row in rows]
        if newest is not None and newest > start:
            after = Checkpoint(0, newest)
        return LogSlice(events=events, checkpoint=after, is_end=True)

    async def count_events(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        until: Checkpoint | None = None,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> int:
        """How many events of the global log lie after `after` and up to `until` (the head by
        default), passing the filters: the same events `read_all` would return."""
        values = (
            after.position,
            _NO_END if until is None else until.position,
            self.tenant_id if self._scoped else None,
            None if categories is None else orjson.dumps(list(categories)).decode(),
            None if event_types is None else orjson.dumps(list(event_types)).decode(),
        )
        sql = self._db.sql.count_events
        count: int = await self._db.read(
            lambda connection: connection.execute(sql, values).fetchone()[0]
        )
        return count

    def watch(self) -> AbstractAsyncContextManager[Watch]:
        """Wake-ups after commits to this database through this store, its tenant views and
        the stores sharing its connections (see `EventStore.watch`). Commits of other
        processes to the same file do not wake it: readers poll for those."""
        return self._db.watches.watch()

    async def head(self) -> Checkpoint:
        """The checkpoint of the newest committed event (START for an empty log)."""
        sql = self._db.sql.head
        newest = await self._db.read(lambda connection: connection.execute(sql).fetchone()[0])
        return Checkpoint.START if newest is None else Checkpoint(0, newest)

    async def get_stream(self, stream_id: str) -> StreamInfo:
        """What the store knows of a stream.

        Raises:
            StreamNotFoundError: the store has no record of the stream.
        """
        sql, key = self._db.sql.stream_info, (self.tenant_id, stream_id)
        row = await self._db.read(lambda connection: connection.execute(sql, key).fetchone())
        if row is None:
            raise StreamNotFoundError(stream_id)
        return stream_info(row)

    async def list_streams(
        self, *, category: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[StreamInfo]:
        """Streams ordered by id, optionally of one category, starting after a stream id."""
        sql = self._db.sql.list_streams
        values = (self.tenant_id, after, category, max(limit, 0))
        rows: _Rows = await self._db.read(
            lambda connection: connection.execute(sql, values).fetchall()
        )
        return [stream_info(row) for row in rows]

    async def event_types(self) -> list[StoredEventType]:
        """Every event type and schema version held, with its count; see `EventStore`."""
        sql, values = self._db.sql.event_types, (self.tenant_id if self._scoped else None,)
        rows: _Rows = await self._db.read(
            lambda connection: connection.execute(sql, values).fetchall()
        )
        return [StoredEventType(type=t, schema_version=v, count=n) for t, v, n in rows]

    # --- stream management ---------------------------------------------------------------

    async def delete_stream(
        self,
        stream_id: str,
        *,
        hard: bool = False,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> None:
        """Soft-delete a stream, or hard-delete it (its events go; it is tombstoned for good).

        Raises:
            StreamNotFoundError: there is no such stream.
            ConcurrencyError: the stream is not at `expected_version`.
            StreamDeletedError: the stream is tombstoned already.
        """
        sql, key = self._db.sql, (self.tenant_id, stream_id)

        def delete(connection: sqlite3.Connection) -> None:
            row = connection.execute(sql.select_stream, key).fetchone()
            if row is None:
                raise StreamNotFoundError(stream_id)
            version, state = row[0], STATES[row[1]]
            if not expectation_holds(stream_id, expected_version, version=version, state=state):
                raise conflict_error(stream_id, expected_version, version=version, state=state)
            now = utc_text(datetime.now(UTC))
            if hard:
                connection.execute(sql.delete_stream_events, key)
                connection.execute(sql.tombstone, (now, *key))
            else:
                connection.execute(sql.soft_delete, (now, *key))

        await self._db.write(delete)

    async def truncate_stream(self, stream_id: str, *, before_version: int) -> None:
        """Hide the events below `before_version` from stream reads.

        Raises:
            StreamNotFoundError: there is no such stream.
            StreamDeletedError: the stream is tombstoned.
        """
        sql, key = self._db.sql, (self.tenant_id, stream_id)

        def truncate(connection: sqlite3.Connection) -> None:
            row = connection.execute(sql.select_stream, key).fetchone()
            if row is None or STATES[row[1]] is StreamState.DELETED:
                raise StreamNotFoundError(stream_id)
            if STATES[row[1]] is StreamState.TOMBSTONED:
                raise StreamDeletedError(stream_id)
            connection.execute(sql.truncate, (before_version, utc_text(datetime.now(UTC)), *key))

        await self._db.write(truncate)

    async def set_stream_metadata(self, stream_id: str, metadata: StreamMetadata) -> None:
        """Replace a stream's metadata (max count, max age, your own keys); a stream that does
        not exist yet is recorded with version 0, and its first append still counts as new.

        Raises:
            StreamDeletedError: the stream is tombstoned.
            SerializationError: the custom keys have no JSON form.
        """
        sql, key = self._db.sql, (self.tenant_id, stream_id)
        max_age = metadata.max_age
        values = (
            *key,
            metadata.max_count,
            None if max_age is None else max_age.total_seconds(),
            dump_json(metadata.custom) if metadata.custom else None,
            utc_text(datetime.now(UTC)),
        )

        def store(connection: sqlite3.Connection) -> None:
            row = connection.execute(sql.select_stream, key).fetchone()
            if row is not None and STATES[row[1]] is StreamState.TOMBSTONED:
                raise StreamDeletedError(stream_id)
            connection.execute(sql.upsert_metadata, values)

        await self._db.write(store)
