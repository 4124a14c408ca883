"""The `EventStore` port: what the application layer needs of any event store backend."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol, Self

from mink_runtime.domain import (
    AppendResult,
    Checkpoint,
    EventCodec,
    ExpectedVersion,
    LogSlice,
    RecordedEvent,
    StoredEventType,
    StreamInfo,
    StreamMetadata,
)
from mink_runtime.ports._snapshot_store import SnapshotStore

__all__ = ["EventStore", "EventStoreTransaction", "Watch"]


class EventStoreTransaction(Protocol):
    """Appends that commit together or not at all (`async with store.transaction() as tx`)."""

    async def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        """Append within the transaction; see `EventStore.append`."""
        ...


class Watch(Protocol):
    """Wake-ups for a reader that follows the global log (see `EventStore.watch`)."""

    async def wait(self, timeout: float) -> bool:
        """Wait until a commit was announced since the last wait (or since the watch began),
        at most `timeout` seconds; whether one was. A wake-up only says "read again": it may
        be for events the reader's filter skips, or already read."""
        ...


class EventStore(Protocol):
    """An append-only store of event streams with one global, ordered log.

    Adapters: `InMemoryEventStore`, `SQLiteEventStore`, `PostgresEventStore`. Each passes
    `mink_runtime.testing.EventStoreContract`.
    """

    @property
    def codec(self) -> EventCodec:
        """Encodes appended events and decodes recorded ones."""
        ...

    @property
    def tenant_id(self) -> str:
        """The tenant whose streams this store reads and writes ('' by default)."""
        ...

    @property
    def snapshots(self) -> SnapshotStore:
        """The snapshot store of the same backend (and tenant)."""
        ...

    async def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        """Append events (registered event objects or `NewEvent`s) to a stream, atomically.

        Repeating an append whose event ids are already recorded where it put them succeeds
        and returns the original result without writing again.

        Raises:
            ConcurrencyError: the stream is not at `expected_version`; nothing was written.
            StreamDeletedError: the stream is tombstoned.
            DuplicateEventError: an event id is recorded elsewhere.
            ConfigurationError: no events, an empty stream id, a bad expected version.
            StoreUnavailableError: the database could not be reached.
        """
        ...

    def transaction(self) -> AbstractAsyncContextManager[EventStoreTransaction]:
        """A transaction in which appends to several streams commit together."""
        ...

    async def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int | None = None,
        backwards: bool = False,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        """Events of one stream in version order (or reversed), honouring truncation,
        max count and max age. `from_version` defaults to the first (or, backwards, the last).

        Raises:
            StreamNotFoundError: the stream was never written, or is soft-deleted.
            StreamDeletedError: the stream is tombstoned.
        """
        ...

    async def read_all(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        limit: int = 1000,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> LogSlice:
        """The next events of the global log after a checkpoint, in global order.

        Every committed event is returned exactly once to a reader that keeps passing back the
        slice's checkpoint, whatever the interleaving of concurrent writers.
        """
        ...

    async def head(self) -> Checkpoint:
        """The checkpoint of the newest committed event (START for an empty log)."""
        ...

    async def count_events(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        until: Checkpoint | None = None,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> int:
        """How many events of the global log lie after `after` and up to `until` (the head by
        default), passing the filters: a projection's lag, measured against the real head."""
        ...

    def watch(self) -> AbstractAsyncContextManager[Watch]:
        """Wake-ups after commits to this store, for readers that follow the log live.

        Start watching *before* reading, then wait when a read reached the end: a commit
        between the read and the wait still wakes the reader. Commits in this process wake
        at once; on PostgreSQL commits of other processes arrive by LISTEN/NOTIFY (at most one
        notification per transaction). Readers must still poll now and then: a wake-up can be
        lost with a dropped connection.
        """
        ...

    async def get_stream(self, stream_id: str) -> StreamInfo:
        """What the store knows of a stream.

        Raises:
            StreamNotFoundError: the store has no record of the stream.
        """
        ...

    async def list_streams(
        self, *, category: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[StreamInfo]:
        """Streams ordered by id, optionally of one category, starting after a stream id."""
        ...

    async def event_types(self) -> list[StoredEventType]:
        """Every event type and schema version the store holds, with how many events of each,
        ordered by type and version (a tenant's view counts that tenant's events only).

        It reads the whole log: an operations query (`mink schema check`, `mink diagnose`),
        not one for a request path.
        """
        ...

    async def delete_stream(
        self,
        stream_id: str,
        *,
        hard: bool = False,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> None:
        """Soft-delete a stream (reads say not found; an append recreates it, versions go on),
        or hard-delete it: its events are removed and the stream is tombstoned for good.

        Raises:
            StreamNotFoundError: there is no such stream.
            ConcurrencyError: the stream is not at `expected_version`.
        """
        ...

    async def truncate_stream(self, stream_id: str, *, before_version: int) -> None:
        """Hide the events below `before_version` from stream reads.

        Raises:
            StreamNotFoundError: there is no such stream.
        """
        ...

    async def set_stream_metadata(self, stream_id: str, metadata: StreamMetadata) -> None:
        """Replace a stream's metadata (max count, max age, your own keys)."""
        ...

    def for_tenant(self, tenant_id: str) -> Self:
        """The same store, scoped to one tenant's streams and events."""
        ...

    async def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
        ...
