"""`PostgresEventStore`: the production event store, on PostgreSQL through psycopg 3.

- An append is one round trip: one call of the `append_events` function, which locks the
  stream's row, checks the expected version (and recognises a retried append) before drawing
  any position, inserts the events and moves the stream's version.
- The global log is read in `(transaction_id, position)` order, only below the oldest running
  transaction (`pg_snapshot_xmin`), so that a reader never skips an event that commits late and
  writers never take a table lock (docs/adr/0002).
- Stream reads are never gated, and honour truncation, max count and max age in one query.
- `watch()` wakes readers of the log after commits: this process's at once, other processes'
  by LISTEN/NOTIFY sent after the commit, off the append's path (`_wakeups`, ADR 0010).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any, Self

import orjson
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from mink_runtime.adapters._ambient import Joined, ambient, announce, refuse_inside
from mink_runtime.adapters.postgres._adapt import JsonBytes, configure
from mink_runtime.adapters.postgres._errors import translate_errors
from mink_runtime.adapters.postgres._snapshot_store import PostgresSnapshotStore
from mink_runtime.adapters.postgres._sql import Statements
from mink_runtime.adapters.postgres._wakeups import Wakeups
from mink_runtime.domain import (
    AppendResult,
    Checkpoint,
    EncodedEvent,
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
from mink_runtime.errors import (
    ConfigurationError,
    SchemaNotReadyError,
    StoreUnavailableError,
    StreamDeletedError,
    StreamNotFoundError,
    TransactionConflictError,
)
from mink_runtime.migrations import (
    DEFAULT_SCHEMA,
    REQUIRED_REVISION,
    upgrade,
    validate_schema_name,
)
from mink_runtime.ports import Watch
from mink_runtime.urls import redact_url

__all__ = ["PostgresEventStore", "PostgresTransaction"]

_EXPECTED_CODES = {
    ExpectedVersion.ANY: -1,
    ExpectedVersion.NO_STREAM: -2,
    ExpectedVersion.STREAM_EXISTS: -3,
}
_STATES = (StreamState.ACTIVE, StreamState.DELETED, StreamState.TOMBSTONED)

Pool = AsyncConnectionPool[AsyncConnection[Any]]

_FILTER_WINDOW = 10
"""A filtered read scans up to this many times `limit` events of the log per round trip."""


class PostgresEventStore:
    """The event store on PostgreSQL. Make one with `await PostgresEventStore.connect(url)`."""

    def __init__(
        self,
        pool: Pool,
        *,
        schema: str = DEFAULT_SCHEMA,
        registry: EventRegistry | None = None,
        serializer: Serializer | None = None,
        tenant_id: str = "",
    ) -> None:
        """Use an open pool whose connections are autocommit and configured by `configure`.

        Prefer `connect()`, which builds such a pool.
        """
        self.codec = EventCodec(registry, serializer)
        self.tenant_id = tenant_id
        self.schema = validate_schema_name(schema)
        self._pool = pool
        self._sql = Statements.for_schema(self.schema)
        self._scoped = False
        self._owns_pool = False
        self.snapshots = PostgresSnapshotStore(pool, self._sql, tenant_id=tenant_id)
        self._wakeups = Wakeups(pool, self.schema)

    @classmethod
    async def connect(
        cls,
        url: str,
        *,
        schema: str = DEFAULT_SCHEMA,
        registry: EventRegistry | None = None,
        serializer: Serializer | None = None,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 10.0,
        migrate: bool = False,
    ) -> PostgresEventStore:
        """Open a connection pool to `url` (`postgresql://user:pass@host:5432/db`).

        With `migrate=True` mink's tables are created or upgraded first; otherwise they must
        already be at the revision this version of mink needs.

        Raises:
            StoreUnavailableError: the server cannot be reached within `timeout` seconds.
            SchemaNotReadyError: the tables are missing or at another revision.
        """
        validate_schema_name(schema)
        conninfo = _conninfo(url)
        if migrate:
            await asyncio.to_thread(upgrade, url, schema=schema)
        pool: Pool = AsyncConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "prepare_threshold": 0},
            configure=configure,
            open=False,
            timeout=timeout,
            name=f"mink-{schema}",
        )
        try:
            await pool.open(wait=True, timeout=timeout)
        except Exception as error:
            await pool.close()
            raise StoreUnavailableError(
                f"cannot connect to PostgreSQL at {redact_url(url)} within {timeout:g} s; "
                "is the server running and the URL right?"
            ) from error
        store = cls(pool, schema=schema, registry=registry, serializer=serializer)
        store._owns_pool = True
        try:
            await store._check_schema()
        except BaseException:
            await store.close()
            raise
        return store

    async def _check_schema(self) -> None:
        async with self._pool.connection() as conn:
            with translate_errors(schema=self.schema):
                row = await (await conn.execute(self._sql.schema_revision)).fetchone()
        revision = row[0] if row else None
        if revision != REQUIRED_REVISION:
            raise SchemaNotReadyError(
                f"mink's tables in schema {self.schema!r} are at revision {revision}, this "
                f"version of mink needs {REQUIRED_REVISION}; run `mink migrate up`, or connect "
                "with migrate=True"
            )

    def for_tenant(self, tenant_id: str) -> Self:
        view = type(self).__new__(type(self))
        view.__dict__.update(self.__dict__)
        view.tenant_id = tenant_id
        view._scoped = True
        view._owns_pool = False
        view.snapshots = PostgresSnapshotStore(self._pool, self._sql, tenant_id=tenant_id)
        return view

    async def close(self) -> None:
        """Close the pool, if this store opened it, and the connections that wake watchers
        (a tenant view's `close()` does nothing: close the store it came from)."""
        if not self._scoped:
            await self._wakeups.close()
        if self._owns_pool:
            await self._pool.close()

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
        joined: PostgresTransaction | None = ambient(self._pool)
        if joined is not None:
            return await joined.append_as(
                self, stream_id, events, expected_version=expected_version
            )
        append = self._prepare_append(stream_id, events, expected_version)
        async with self._pool.connection() as conn:
            try:
                result = await append.run(conn)
            except TransactionConflictError:
                # Nothing was written; a fresh transaction is younger than every writer so far.
                result = await append.run(conn)
        self._wakeups.committed()
        return result

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        joined = ambient(self._pool)
        if joined is not None:  # a nested block joins the outer one, which commits
            yield Joined(joined, self)  # type: ignore[misc]
            return
        async with self._pool.connection() as conn:
            with translate_errors(schema=self.schema):
                async with conn.transaction():
                    transaction = PostgresTransaction(self, conn)
                    with announce(self._pool, transaction):
                        yield transaction
        if transaction.appended:
            self._wakeups.committed()

    def _prepare_append(
        self, stream_id: str, events: Sequence[object], expected: int | ExpectedVersion
    ) -> _Append:
        validate_append(stream_id, expected, len(events))
        encode = self.codec.encode
        encoded = [encode(e) for e in events]
        sql = self._sql
        if expected is ExpectedVersion.ANY:
            statements = sql.append_any
        elif expected is ExpectedVersion.NO_STREAM:
            statements = sql.append_no_stream
        elif expected is ExpectedVersion.STREAM_EXISTS:
            statements = sql.append_stream_exists
        else:
            statements = sql.append_exact if expected else sql.append_version_zero
        json = encoded[0].is_json
        params: dict[str, Any] = {
            "tenant": self.tenant_id,
            "stream": stream_id,
            "n": len(encoded),
            "expected": expected if isinstance(expected, int) else _EXPECTED_CODES[expected],
            "binary": None if json else [e.data for e in encoded],
            "content_type": None if json else encoded[0].content_type,
        }
        if len(encoded) == 1 and json:
            event = encoded[0]
            params |= {
                "id": event.event_id,
                "type": event.type,
                "schema_version": event.schema_version,
                "data": JsonBytes(event.data),
                "metadata": None if event.metadata is None else JsonBytes(event.metadata),
            }
            statement = statements[1]
        else:
            params["events"] = _describe(encoded)
            statement = statements[0]
        return _Append(stream_id, statement, sql.append_careful, params, encoded, self.schema)

    # --- reading -------------------------------------------------------------------------

    async def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int | None = None,
        backwards: bool = False,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        if limit is not None and limit <= 0:
            await self._require_readable(stream_id)
            return []
        params = {
            "tenant": self.tenant_id,
            "stream": stream_id,
            "from": from_version if from_version is not None else (1 << 62 if backwards else 1),
            "limit": limit,
        }
        sql = self._sql.read_backward if backwards else self._sql.read_forward
        async with self._pool.connection() as conn:
            with translate_errors(stream_id, schema=self.schema):
                cursor = await conn.execute(sql, params)
                rows = await cursor.fetchall()
        if not rows:
            raise StreamNotFoundError(stream_id)
        state, version = rows[0][13], rows[0][14]
        _check_readable(stream_id, _STATES[state], version)
        if rows[0][0] is None:
            return []
        return self._decode(rows)

    async def _require_readable(self, stream_id: str) -> None:
        info = await self.get_stream(stream_id)
        _check_readable(stream_id, info.state, info.version)

    async def read_all(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        limit: int = 1000,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> LogSlice:
        if limit <= 0:
            raise ConfigurationError(f"read_all needs a limit of 1 or more, got {limit}")
        filtered = self._scoped or categories is not None or event_types is not None
        params: dict[str, Any] = {
            "xid": after.transaction,
            "position": after.position,
            "limit": limit,
        }
        if filtered:
            params |= {"window": limit * _FILTER_WINDOW, **self._filters(categories, event_types)}
        sql = self._sql.read_all_filtered if filtered else self._sql.read_all
        async with self._pool.connection() as conn:
            with translate_errors(schema=self.schema):
                cursor = await conn.execute(sql, params)
                rows = await cursor.fetchall()
        if not filtered:
            horizon = rows[0][13]
            events = self._decode(rows) if rows[0][0] is not None else []
            checkpoint, is_end = (events[-1].checkpoint if events else after), len(events) < limit
        else:
            *matches, summary = rows
            horizon, scanned, last_xid, last_position = summary[13:17]
            events = self._decode(matches)
            if len(events) == limit:  # stop behind the last match, not past unread ones
                checkpoint, is_end = events[-1].checkpoint, False
            else:
                checkpoint = after if last_xid is None else Checkpoint(last_xid, last_position)
                is_end = scanned < params["window"]
        if is_end:
            # Everything below the horizon has been read: later events all sort after it.
            checkpoint = max(checkpoint, after, Checkpoint(horizon, 0))
        return LogSlice(events=events, checkpoint=checkpoint, is_end=is_end)

    async def count_events(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        until: Checkpoint | None = None,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> int:
        """How many events `read_all` would return after `after` and up to `until` (the head
        by default): the same order, the same filters, below the same horizon."""
        params: dict[str, Any] = {
            "xid": after.transaction,
            "position": after.position,
            "bounded": until is not None,
            "until_xid": 0 if until is None else until.transaction,
            "until_position": 0 if until is None else until.position,
            **self._filters(categories, event_types),
        }
        async with self._pool.connection() as conn:
            with translate_errors(schema=self.schema):
                cursor = await conn.execute(self._sql.count_events, params)
                row = await cursor.fetchone()
        assert row is not None
        count: int = row[0]
        return count

    def _filters(
        self, categories: Collection[str] | None, event_types: Collection[str] | None
    ) -> dict[str, Any]:
        """The parameters of the log's filters (`_FILTERS` in `_sql`); None is no filter."""
        return {
            "tenant": self.tenant_id if self._scoped else None,
            "categories": list(categories) if categories is not None else None,
            "types": list(event_types) if event_types is not None else None,
        }

    def watch(self) -> AbstractAsyncContextManager[Watch]:
        """Wake-ups after commits (see `EventStore.watch`): appends through this store and its
        views wake at once; other processes' commits arrive by LISTEN/NOTIFY on the channel
        `mink_events_<schema>`, through one listening connection shared by all watches."""
        return self._wakeups.watch()

    async def head(self) -> Checkpoint:
        async with self._pool.connection() as conn:
            with translate_errors(schema=self.schema):
                if self._scoped:
                    cursor = await conn.execute(self._sql.head_of_tenant, (self.tenant_id,))
                else:
                    cursor = await conn.execute(self._sql.head)
                row = await cursor.fetchone()
        return Checkpoint(row[0], row[1]) if row else Checkpoint.START

    async def get_stream(self, stream_id: str) -> StreamInfo:
        async with self._pool.connection() as conn:
            with translate_errors(stream_id, schema=self.schema):
                cursor = await conn.execute(self._sql.get_stream, (self.tenant_id, stream_id))
                row = await cursor.fetchone()
        if row is None:
            raise StreamNotFoundError(stream_id)
        return _stream_info(row)

    async def list_streams(
        self, *, category: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[StreamInfo]:
        params = {"tenant": self.tenant_id, "after": after, "category": category, "limit": limit}
        async with self._pool.connection() as conn:
            with translate_errors(schema=self.schema):
                cursor = await conn.execute(self._sql.list_streams, params)
                rows = await cursor.fetchall()
        return [_stream_info(row) for row in rows]

    async def event_types(self) -> list[StoredEventType]:
        params = {"tenant": self.tenant_id if self._scoped else None}
        async with self._pool.connection() as conn:
            with translate_errors(schema=self.schema):
                cursor = await conn.execute(self._sql.event_types, params)
                rows = await cursor.fetchall()
        return [StoredEventType(type=t, schema_version=v, count=n) for t, v, n in rows]

    # --- stream management ---------------------------------------------------------------

    async def delete_stream(
        self,
        stream_id: str,
        *,
        hard: bool = False,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> None:
        refuse_inside(self._pool, "deleting a stream")
        key = (self.tenant_id, stream_id)
        async with self._pool.connection() as conn:
            with translate_errors(stream_id, schema=self.schema):
                async with conn.transaction():
                    row = await (await conn.execute(self._sql.lock_stream, key)).fetchone()
                    if row is None:
                        raise StreamNotFoundError(stream_id)
                    version, state = row[0], _STATES[row[1]]
                    if not expectation_holds(
                        stream_id, expected_version, version=version, state=state
                    ):
                        raise conflict_error(
                            stream_id, expected_version, version=version, state=state
                        )
                    if not hard:
                        await conn.execute(self._sql.soft_delete, key)
                        return
                    await conn.execute(self._sql.delete_events, key)
                    await conn.execute(self._sql.delete_snapshot, key)
                    await conn.execute(self._sql.tombstone, key)

    async def truncate_stream(self, stream_id: str, *, before_version: int) -> None:
        refuse_inside(self._pool, "truncating a stream")
        key = (self.tenant_id, stream_id)
        async with self._pool.connection() as conn:
            with translate_errors(stream_id, schema=self.schema):
                async with conn.transaction():
                    row = await (await conn.execute(self._sql.lock_stream, key)).fetchone()
                    state = _STATES[row[1]] if row else None
                    if state is None or state is StreamState.DELETED:
                        raise StreamNotFoundError(stream_id)
                    if state is StreamState.TOMBSTONED:
                        raise StreamDeletedError(stream_id)
                    await conn.execute(self._sql.truncate, (before_version, *key))

    async def set_stream_metadata(self, stream_id: str, metadata: StreamMetadata) -> None:
        refuse_inside(self._pool, "setting stream metadata")
        params = (
            self.tenant_id,
            stream_id,
            metadata.max_count,
            None if metadata.max_age is None else metadata.max_age.total_seconds(),
            JsonBytes(orjson.dumps(dict(metadata.custom))) if metadata.custom else None,
        )
        async with self._pool.connection() as conn:
            with translate_errors(stream_id, schema=self.schema):
                row = await (await conn.execute(self._sql.set_metadata, params)).fetchone()
        if row is None:
            raise StreamDeletedError(stream_id)

    # --- decoding ------------------------------------------------------------------------

    def _decode(self, rows: list[tuple[Any, ...]]) -> list[RecordedEvent]:
        """Rows whose first 13 columns are `_EVENT_COLUMNS` (the codec's `ROW_LAYOUT`)."""
        return self.codec.decode_rows(rows)


class PostgresTransaction:
    """Appends on one connection inside one PostgreSQL transaction.

    Other PostgreSQL stores of the same database write in it through `connection`.
    """

    def __init__(self, store: PostgresEventStore, connection: AsyncConnection[Any]) -> None:
        self._store = store
        self.connection = connection
        """The transaction's connection."""
        self.appended = False
        """Whether events were appended in it (its commit then wakes watchers)."""

    async def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        return await self.append_as(
            self._store, stream_id, events, expected_version=expected_version
        )

    async def append_as(
        self,
        store: PostgresEventStore,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        """Append for `store` (another tenant's view of the same pool) in this transaction."""
        append = store._prepare_append(stream_id, events, expected_version)
        result = await append.run(self.connection)
        self.appended = True
        return result


def _describe(encoded: list[EncodedEvent]) -> JsonBytes:
    """One JSON document describing the events: cheaper to send than one array per column."""
    json = encoded[0].is_json
    return JsonBytes(
        b"["
        + b",".join(
            [
                b'{"i":"%s","t":%s,"v":%d,"d":%s,"m":%s}'
                % (
                    str(e.event_id).encode(),
                    orjson.dumps(e.type),
                    e.schema_version,
                    e.data if json else b"null",
                    e.metadata or b"null",
                )
                for e in encoded
            ]
        )
        + b"]"
    )


class _Append:
    """One append, encoded: run it on a connection."""

    __slots__ = ("careful", "encoded", "params", "schema", "statement", "stream_id")

    def __init__(
        self,
        stream_id: str,
        statement: str,
        careful: str,
        params: dict[str, Any],
        encoded: list[EncodedEvent],
        schema: str,
    ) -> None:
        self.stream_id = stream_id
        self.statement = statement
        self.careful = careful
        self.params = params
        self.encoded = encoded
        self.schema = schema

    async def run(self, conn: AsyncConnection[Any]) -> AppendResult:
        """The plain statement first; when it appends nothing, the careful function decides
        (a conflict, a retried append, a new stream racing, a tombstone, an older writer)."""
        with translate_errors(self.stream_id, schema=self.schema):
            row = await (await conn.execute(self.statement, self.params)).fetchone()
            if row is None or row[0] is None:
                params = self.params
                if "events" not in params:
                    params = params | {"events": _describe(self.encoded)}
                row = await (await conn.execute(self.careful, params)).fetchone()
        assert row is not None
        version, positions, transaction_id = row
        return AppendResult(
            stream_id=self.stream_id,
            version=version,
            positions=tuple(positions),
            checkpoint=Checkpoint(transaction_id, positions[-1]),
            size=sum([len(e.data) for e in self.encoded]),
        )


def _check_readable(stream_id: str, state: StreamState, version: int) -> None:
    if state is StreamState.TOMBSTONED:
        raise StreamDeletedError(stream_id)
    if state is StreamState.DELETED or version == 0:
        raise StreamNotFoundError(stream_id)


def _stream_info(row: tuple[Any, ...]) -> StreamInfo:
    (
        stream_id,
        tenant_id,
        version,
        state,
        truncate_before,
        max_count,
        max_age_seconds,
        custom,
        created_at,
        updated_at,
    ) = row
    return StreamInfo(
        stream_id=stream_id,
        tenant_id=tenant_id,
        version=version,
        state=_STATES[state],
        truncate_before=truncate_before,
        metadata=StreamMetadata(
            max_count=max_count,
            max_age=None if max_age_seconds is None else timedelta(seconds=max_age_seconds),
            custom=orjson.loads(custom) if custom is not None else {},
        ),
        created_at=created_at,
        updated_at=updated_at,
    )


def _conninfo(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ConfigurationError(
            f"{redact_url(url)!r} is not a PostgreSQL URL; write postgresql://user@host:5432/db"
        )
    return f"postgresql://{rest}"
