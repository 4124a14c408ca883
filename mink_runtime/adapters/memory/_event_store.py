"""`InMemoryEventStore`: the whole event store in process memory, for tests and examples.

It encodes every event with the same codec as the database stores and follows the same
contract, so a test that passes here means the same on SQLite and PostgreSQL. Appends are
serialized by one asyncio lock; a transaction holds it until it commits.
"""

from __future__ import annotations

import asyncio
import bisect
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Self

from mink_runtime.adapters._ambient import Joined, ambient, announce, refuse_inside
from mink_runtime.adapters._watch import Watches
from mink_runtime.adapters.memory._snapshot_store import InMemorySnapshotStore
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
    category_of,
    conflict_error,
    expectation_holds,
    retry_matches,
    validate_append,
)
from mink_runtime.errors import DuplicateEventError, StreamDeletedError, StreamNotFoundError
from mink_runtime.ports import Watch

__all__ = ["InMemoryEventStore", "InMemoryTransaction"]

StreamKey = tuple[str, str]  # (tenant id, stream id)


@dataclass(slots=True)
class _Row:
    position: int
    tenant_id: str
    stream_id: str
    version: int
    recorded_at: datetime
    event: EncodedEvent


@dataclass(slots=True)
class _Stream:
    tenant_id: str
    stream_id: str
    version: int = 0
    state: StreamState = StreamState.ACTIVE
    truncate_before: int = 1
    metadata: StreamMetadata = field(default_factory=StreamMetadata)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    rows: list[_Row] = field(default_factory=list)

    def info(self) -> StreamInfo:
        return StreamInfo(
            stream_id=self.stream_id,
            tenant_id=self.tenant_id,
            version=self.version,
            state=self.state,
            truncate_before=self.truncate_before,
            metadata=self.metadata,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


class _Memory:
    """The state every tenant view of one store shares."""

    def __init__(self) -> None:
        self.streams: dict[StreamKey, _Stream] = {}
        self.log: list[_Row] = []
        self.by_event_id: dict[uuid.UUID, _Row] = {}
        self.next_position = 1
        self.lock = asyncio.Lock()
        self.watches = Watches()


class InMemoryEventStore:
    """An event store in process memory. Public API: use it in tests and examples."""

    def __init__(
        self,
        *,
        registry: EventRegistry | None = None,
        serializer: Serializer | None = None,
        tenant_id: str = "",
    ) -> None:
        self.codec = EventCodec(registry, serializer)
        self.tenant_id = tenant_id
        self._scoped = False
        self._memory = _Memory()
        self.snapshots = InMemorySnapshotStore(tenant_id)

    def for_tenant(self, tenant_id: str) -> Self:
        view = type(self).__new__(type(self))
        view.codec = self.codec
        view.tenant_id = tenant_id
        view._scoped = True
        view._memory = self._memory
        view.snapshots = self.snapshots.for_tenant(tenant_id)
        return view

    async def close(self) -> None:
        """Nothing to release; present for symmetry with the database stores."""

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
        joined: InMemoryTransaction | None = ambient(self._memory)
        if joined is not None:
            return await joined.append_as(
                self, stream_id, events, expected_version=expected_version
            )
        async with self.transaction() as tx:
            return await tx.append(stream_id, events, expected_version=expected_version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[InMemoryTransaction]:
        joined = ambient(self._memory)
        if joined is not None:  # a nested block joins the outer one, which commits
            yield Joined(joined, self)  # type: ignore[misc]
            return
        async with self._memory.lock:
            tx = InMemoryTransaction(self)
            with announce(self._memory, tx):
                yield tx
            tx.commit()
        self._memory.watches.wake()

    # --- reading -------------------------------------------------------------------------

    async def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int | None = None,
        backwards: bool = False,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        stream = self._readable_stream(stream_id)
        rows = _visible_rows(stream, datetime.now(UTC))
        if backwards:
            rows = [r for r in reversed(rows) if from_version is None or r.version <= from_version]
        else:
            rows = [r for r in rows if from_version is None or r.version >= from_version]
        if limit is not None:
            rows = rows[: max(limit, 0)]
        return [self._decode(row) for row in rows]

    async def read_all(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        limit: int = 1000,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> LogSlice:
        log = self._memory.log
        start = bisect.bisect_right(log, after.position, key=lambda row: row.position)
        picked: list[RecordedEvent] = []
        checkpoint = after
        for row in log[start:]:
            checkpoint = Checkpoint(0, row.position)
            if self._scoped and row.tenant_id != self.tenant_id:
                continue
            if categories is not None and category_of(row.stream_id) not in categories:
                continue
            if event_types is not None and row.event.type not in event_types:
                continue
            picked.append(self._decode(row))
            if len(picked) >= limit:
                return LogSlice(events=picked, checkpoint=checkpoint, is_end=row is log[-1])
        return LogSlice(events=picked, checkpoint=checkpoint, is_end=True)

    async def count_events(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        until: Checkpoint | None = None,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> int:
        log = self._memory.log
        start = bisect.bisect_right(log, after.position, key=lambda row: row.position)
        end = len(log)
        if until is not None:
            end = bisect.bisect_right(log, until.position, key=lambda row: row.position)
        return sum(
            1
            for row in log[start:end]
            if (not self._scoped or row.tenant_id == self.tenant_id)
            and (categories is None or category_of(row.stream_id) in categories)
            and (event_types is None or row.event.type in event_types)
        )

    def watch(self) -> AbstractAsyncContextManager[Watch]:
        """Wake-ups after each commit to this store or its tenant views."""
        return self._memory.watches.watch()

    async def head(self) -> Checkpoint:
        log = self._memory.log
        return Checkpoint(0, log[-1].position) if log else Checkpoint.START

    async def get_stream(self, stream_id: str) -> StreamInfo:
        stream = self._memory.streams.get((self.tenant_id, stream_id))
        if stream is None:
            raise StreamNotFoundError(stream_id)
        return stream.info()

    async def list_streams(
        self, *, category: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[StreamInfo]:
        found = sorted(
            s.stream_id
            for (tenant, _), s in self._memory.streams.items()
            if tenant == self.tenant_id
            and (category is None or category_of(s.stream_id) == category)
            and (after is None or s.stream_id > after)
        )
        return [self._memory.streams[(self.tenant_id, sid)].info() for sid in found[:limit]]

    async def event_types(self) -> list[StoredEventType]:
        """Every event type and schema version held, with its count; see `EventStore`."""
        counts: dict[tuple[str, int], int] = {}
        for row in self._memory.log:
            if self._scoped and row.tenant_id != self.tenant_id:
                continue
            key = (row.event.type, row.event.schema_version)
            counts[key] = counts.get(key, 0) + 1
        return [
            StoredEventType(type=name, schema_version=version, count=count)
            for (name, version), count in sorted(counts.items())
        ]

    # --- stream management ---------------------------------------------------------------

    async def delete_stream(
        self,
        stream_id: str,
        *,
        hard: bool = False,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> None:
        refuse_inside(self._memory, "deleting a stream")
        async with self._memory.lock:
            memory = self._memory
            stream = memory.streams.get((self.tenant_id, stream_id))
            if stream is None:
                raise StreamNotFoundError(stream_id)
            if not expectation_holds(
                stream_id, expected_version, version=stream.version, state=stream.state
            ):
                raise conflict_error(
                    stream_id, expected_version, version=stream.version, state=stream.state
                )
            stream.updated_at = datetime.now(UTC)
            if not hard:
                stream.state = StreamState.DELETED
                stream.truncate_before = stream.version + 1
                return
            gone = {id(row) for row in stream.rows}
            memory.log = [row for row in memory.log if id(row) not in gone]
            for row in stream.rows:
                del memory.by_event_id[row.event.event_id]
            stream.rows = []
            stream.state = StreamState.TOMBSTONED

    async def truncate_stream(self, stream_id: str, *, before_version: int) -> None:
        refuse_inside(self._memory, "truncating a stream")
        async with self._memory.lock:
            stream = self._memory.streams.get((self.tenant_id, stream_id))
            if stream is None or stream.state is StreamState.DELETED:
                raise StreamNotFoundError(stream_id)
            if stream.state is StreamState.TOMBSTONED:
                raise StreamDeletedError(stream_id)
            stream.truncate_before = max(stream.truncate_before, before_version)
            stream.updated_at = datetime.now(UTC)

    async def set_stream_metadata(self, stream_id: str, metadata: StreamMetadata) -> None:
        refuse_inside(self._memory, "setting stream metadata")
        async with self._memory.lock:
            key = (self.tenant_id, stream_id)
            stream = self._memory.streams.get(key)
            if stream is None:
                stream = self._memory.streams[key] = _Stream(self.tenant_id, stream_id)
            if stream.state is StreamState.TOMBSTONED:
                raise StreamDeletedError(stream_id)
            stream.metadata = metadata
            stream.updated_at = datetime.now(UTC)

    # --- helpers -------------------------------------------------------------------------

    def _readable_stream(self, stream_id: str) -> _Stream:
        stream = self._memory.streams.get((self.tenant_id, stream_id))
        if stream is None or stream.state is StreamState.DELETED or stream.version == 0:
            raise StreamNotFoundError(stream_id)
        if stream.state is StreamState.TOMBSTONED:
            raise StreamDeletedError(stream_id)
        return stream

    def _decode(self, row: _Row) -> RecordedEvent:
        event = row.event
        return self.codec.decode(
            event_id=event.event_id,
            stream_id=row.stream_id,
            version=row.version,
            position=row.position,
            transaction_id=0,
            type_name=event.type,
            schema_version=event.schema_version,
            data=event.data,
            content_type=event.content_type,
            metadata=event.metadata,
            recorded_at=row.recorded_at,
            tenant_id=row.tenant_id,
        )


def _visible_rows(stream: _Stream, now: datetime) -> list[_Row]:
    rows = stream.rows
    lowest = stream.truncate_before
    meta = stream.metadata
    if meta.max_count is not None:
        lowest = max(lowest, stream.version - meta.max_count + 1)
    oldest = None if meta.max_age is None else now - meta.max_age
    return [r for r in rows if r.version >= lowest and (oldest is None or r.recorded_at >= oldest)]


class InMemoryTransaction:
    """Appends staged under the store's lock; applied together on commit.

    Other in-memory stores write in the same transaction with `on_commit`.
    """

    def __init__(self, store: InMemoryEventStore) -> None:
        self._store = store
        self._staged: dict[StreamKey, _Stream] = {}
        self._rows: list[_Row] = []
        self._on_commit: list[Callable[[], None]] = []

    def on_commit(self, action: Callable[[], None]) -> None:
        """Run `action` when (and only if) the transaction commits, with its appends."""
        self._on_commit.append(action)

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
        store: InMemoryEventStore,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        """Append for `store` (another tenant's view of the same memory) in this transaction."""
        validate_append(stream_id, expected_version, len(events))
        memory = store._memory
        encoded = [store.codec.encode(e) for e in events]
        key = (store.tenant_id, stream_id)
        stream = self._staged.get(key) or memory.streams.get(key)
        version = stream.version if stream else 0
        state = stream.state if stream else None
        ids = [e.event_id for e in encoded]
        holds = expectation_holds(stream_id, expected_version, version=version, state=state)
        prior = self._recorded(ids)
        if prior:
            if all((r.tenant_id, r.stream_id) == key for r in prior) and retry_matches(
                expected_version,
                ids,
                [(r.event.event_id, r.version) for r in prior],
                first_version_if_new=stream.truncate_before if stream else 1,
            ):
                return _result(stream_id, prior)
            if holds:
                raise DuplicateEventError(stream_id, event_id=str(prior[0].event.event_id))
        if not holds:
            raise conflict_error(stream_id, expected_version, version=version, state=state)
        if len(set(ids)) != len(ids):
            raise DuplicateEventError(stream_id)
        staged = replace(stream, rows=list(stream.rows)) if stream else _Stream(*key)
        staged.state = StreamState.ACTIVE
        now = datetime.now(UTC)
        new_rows = []
        for offset, event in enumerate(encoded, start=1):
            row = _Row(memory.next_position, key[0], stream_id, version + offset, now, event)
            memory.next_position += 1
            new_rows.append(row)
        staged.rows.extend(new_rows)
        staged.version = version + len(encoded)
        staged.updated_at = now
        self._staged[key] = staged
        self._rows.extend(new_rows)
        return _result(stream_id, new_rows)

    def _recorded(self, ids: list[uuid.UUID]) -> list[_Row]:
        """Rows already holding any of these event ids (committed, or staged here), by version."""
        memory = self._store._memory
        wanted = set(ids)
        found = [memory.by_event_id[i] for i in wanted if i in memory.by_event_id]
        found += [r for r in self._rows if r.event.event_id in wanted]
        return sorted(found, key=lambda r: r.version)

    def commit(self) -> None:
        memory = self._store._memory
        memory.streams.update(self._staged)
        memory.log.extend(self._rows)
        for row in self._rows:
            memory.by_event_id[row.event.event_id] = row
        for action in self._on_commit:
            action()


def _result(stream_id: str, rows: list[_Row]) -> AppendResult:
    return AppendResult(
        stream_id=stream_id,
        version=rows[-1].version,
        positions=tuple(r.position for r in rows),
        checkpoint=Checkpoint(0, rows[-1].position),
        size=sum(len(r.event.data) for r in rows),
    )
