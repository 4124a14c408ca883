"""Inline projections: an `EventStore` that runs them inside the append's transaction.

`InlineProjectingStore` delegates everything to the store it wraps; its appends (and those of
its transactions) run the inline projections' handlers in the same transaction as the events,
joining an ambient `store.transaction()` when one is open. Events and read model commit or fail
together: a handler's error undoes the append. Each projection's checkpoint is moved in the same
transaction, so a rebuild knows where it stands.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Self

from mink_runtime.application.projections._projection import Projection
from mink_runtime.domain import (
    AppendResult,
    Checkpoint,
    EventCodec,
    ExpectedVersion,
    LogSlice,
    NewEvent,
    RecordedEvent,
    StoredEventType,
    StreamInfo,
    StreamMetadata,
    with_message_context,
)
from mink_runtime.errors import CheckpointConflictError
from mink_runtime.ports import (
    EventStore,
    EventStoreTransaction,
    ProjectionStore,
    SnapshotStore,
    Watch,
)

__all__ = ["InlineProjectingStore"]

_CHECKPOINT_ATTEMPTS = 5


class InlineProjectingStore:
    """An `EventStore` whose appends run inline projections in their transaction.

    Get one from `ProjectionEngine(store, inline=[...]).store`.
    """

    def __init__(
        self, inner: EventStore, projections: Sequence[Projection], store: ProjectionStore
    ) -> None:
        self.inner = inner
        """The store this one wraps."""
        self.projections = tuple(projections)
        self._projection_store = store

    # --- what runs the projections ---------------------------------------------------------

    async def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        """Append, and run the inline projections on the events in the same transaction; see
        `EventStore.append`. A handler's error undoes the append and is raised as it is."""
        async with self.transaction() as transaction:
            return await transaction.append(stream_id, events, expected_version=expected_version)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[EventStoreTransaction]:
        """The wrapped store's transaction (or the ambient one it joins); its appends run the
        inline projections."""
        async with self.inner.transaction() as transaction:
            yield _InlineTransaction(self, transaction)

    async def project(
        self, stream_id: str, events: Sequence[NewEvent], result: AppendResult
    ) -> None:
        """Run every inline projection on freshly appended events and move its checkpoint."""
        recorded = self._recorded(stream_id, events, result)
        for projection in self.projections:
            record = await self._projection_store.get(projection.name, version=projection.version)
            if result.checkpoint.transaction == 0 and result.checkpoint <= record.checkpoint:
                continue  # a repeated (idempotent) append: its events were projected already
            try:
                for event in recorded:
                    if projection.handles_event(event):
                        await projection.apply(event)
                await projection.flush()
            except BaseException:
                projection.discard()
                raise
            await self._advance(projection, result.checkpoint, record.checkpoint)

    async def _advance(self, projection: Projection, to: Checkpoint, current: Checkpoint) -> None:
        # Concurrent appends on PostgreSQL race for the checkpoint: keep the highest, re-reading
        # what a transaction that committed meanwhile wrote.
        for attempt in range(_CHECKPOINT_ATTEMPTS):
            try:
                await self._projection_store.save_checkpoint(
                    projection.name,
                    max(to, current),
                    expected=current,
                    version=projection.version,
                )
                return
            except CheckpointConflictError:
                if attempt == _CHECKPOINT_ATTEMPTS - 1:
                    raise
                record = await self._projection_store.get(
                    projection.name, version=projection.version
                )
                current = record.checkpoint

    def _recorded(
        self, stream_id: str, events: Sequence[NewEvent], result: AppendResult
    ) -> list[RecordedEvent]:
        registry = self.inner.codec.registry
        now = datetime.now(UTC)
        first = result.version - len(events) + 1
        recorded = []
        for offset, (event, position) in enumerate(zip(events, result.positions, strict=True)):
            if event.type is None:
                entry = registry.type_of(type(event.data))
                type_name, schema_version = entry.name, entry.version
            else:
                found = registry.lookup(event.type)
                type_name, schema_version = event.type, found.version if found else 1
            recorded.append(
                RecordedEvent(
                    event_id=event.event_id,
                    stream_id=stream_id,
                    version=first + offset,
                    position=position,
                    transaction_id=result.checkpoint.transaction,
                    type=type_name,
                    schema_version=schema_version,
                    data=event.data,
                    metadata=with_message_context(event.metadata),
                    recorded_at=now,
                    tenant_id=self.inner.tenant_id,
                    size=0,
                )
            )
        return recorded

    # --- delegated ---------------------------------------------------------------------------

    @property
    def codec(self) -> EventCodec:
        return self.inner.codec

    @property
    def tenant_id(self) -> str:
        return self.inner.tenant_id

    @property
    def snapshots(self) -> SnapshotStore:
        return self.inner.snapshots

    async def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int | None = None,
        backwards: bool = False,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        return await self.inner.read_stream(
            stream_id, from_version=from_version, backwards=backwards, limit=limit
        )

    async def read_all(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        limit: int = 1000,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> LogSlice:
        return await self.inner.read_all(
            after=after, limit=limit, categories=categories, event_types=event_types
        )

    async def head(self) -> Checkpoint:
        return await self.inner.head()

    async def count_events(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        until: Checkpoint | None = None,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> int:
        return await self.inner.count_events(
            after=after, until=until, categories=categories, event_types=event_types
        )

    def watch(self) -> AbstractAsyncContextManager[Watch]:
        return self.inner.watch()

    async def get_stream(self, stream_id: str) -> StreamInfo:
        return await self.inner.get_stream(stream_id)

    async def list_streams(
        self, *, category: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[StreamInfo]:
        return await self.inner.list_streams(category=category, after=after, limit=limit)

    async def event_types(self) -> list[StoredEventType]:
        return await self.inner.event_types()

    async def delete_stream(
        self,
        stream_id: str,
        *,
        hard: bool = False,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> None:
        await self.inner.delete_stream(stream_id, hard=hard, expected_version=expected_version)

    async def truncate_stream(self, stream_id: str, *, before_version: int) -> None:
        await self.inner.truncate_stream(stream_id, before_version=before_version)

    async def set_stream_metadata(self, stream_id: str, metadata: StreamMetadata) -> None:
        await self.inner.set_stream_metadata(stream_id, metadata)

    def for_tenant(self, tenant_id: str) -> Self:
        return type(self)(
            self.inner.for_tenant(tenant_id),
            self.projections,
            self._projection_store.for_tenant(tenant_id),
        )

    async def close(self) -> None:
        await self.inner.close()


class _InlineTransaction:
    """A transaction of the wrapped store whose appends run the inline projections."""

    def __init__(self, owner: InlineProjectingStore, transaction: EventStoreTransaction) -> None:
        self._owner = owner
        self._transaction = transaction

    async def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        # Give every event its id here, so that the handlers see the ids that are stored.
        wrapped = [e if isinstance(e, NewEvent) else NewEvent(data=e) for e in events]
        result = await self._transaction.append(
            stream_id, wrapped, expected_version=expected_version
        )
        await self._owner.project(stream_id, wrapped, result)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transaction, name)
