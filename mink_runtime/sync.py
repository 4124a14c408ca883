"""The sync door: blocking twins of mink's top-level objects, for scripts, Django views, notebooks.

```python
from mink_runtime import sync

store = sync.SQLiteEventStore.open("app.db", migrate=True)
orders = sync.AggregateRepository(store, Order)
order = Order("42"); order.place("alice")
orders.save(order)
print(orders.load("42").customer_id)
store.close()
```

Every call runs the async core on one private event-loop thread (started on first use, shared
by the whole process) and waits for it. The twins hold no logic of their own: each method is
the async method, awaited there.
"""

from __future__ import annotations

import _thread
import asyncio
import contextvars
import threading
from collections.abc import Collection, Coroutine, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from datetime import datetime
from typing import Any, Generic, Self, TypeVar

from mink_runtime.adapters.memory import InMemoryEventStore as AsyncInMemoryEventStore
from mink_runtime.adapters.sqlite import SQLiteEventStore as AsyncSQLiteEventStore
from mink_runtime.application import AggregateRepository as AsyncAggregateRepository
from mink_runtime.domain import (
    Aggregate,
    AppendResult,
    Checkpoint,
    EventCodec,
    ExpectedVersion,
    LogSlice,
    Metadata,
    RecordedEvent,
    Snapshot,
    SnapshotPolicy,
    StoredEventType,
    StreamInfo,
    StreamMetadata,
)
from mink_runtime.ports import EventStore as AsyncEventStore
from mink_runtime.ports import EventStoreTransaction as AsyncEventStoreTransaction
from mink_runtime.ports import SnapshotStore as AsyncSnapshotStore

__all__ = [
    "AggregateRepository",
    "EventStore",
    "EventStoreTransaction",
    "InMemoryEventStore",
    "PostgresEventStore",
    "SQLiteEventStore",
    "SnapshotStore",
    "open_store",
    "run",
]

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)


class _Portal:
    """The private event loop, on a daemon thread of its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._contexts = threading.local()

    def loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is not None:
            return loop
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._run, args=(loop, ready), name="mink-sync-door", daemon=True
                )
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the loop and wait for it.

        Each calling thread has a `contextvars.Context` of its own that all its calls run in,
        so what one call leaves in context variables (an open transaction) the next call from
        the same thread sees, as consecutive awaits of one task would.
        """
        loop = self.loop()
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(
                "the sync door was called from mink's own event-loop thread; "
                "await the async API there instead"
            )
        context = getattr(self._contexts, "context", None)
        if context is None:
            context = self._contexts.context = contextvars.Context()
        done = _thread.allocate_lock()  # the cheapest signal between two threads
        done.acquire()
        outcome: list[asyncio.Task[T]] = []

        def finished(task: asyncio.Task[T]) -> None:
            outcome.append(task)
            done.release()

        def start() -> None:
            task = loop.create_task(coroutine, context=context)
            task.add_done_callback(finished)
            outcome.append(task)

        loop.call_soon_threadsafe(start)
        try:
            done.acquire()
        except BaseException:  # interrupted (Ctrl-C): stop the work too
            loop.call_soon_threadsafe(lambda: outcome[0].cancel() if outcome else None)
            raise
        return outcome[-1].result()


_portal = _Portal()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run any coroutine of mink's async API on the sync door's loop and return its result."""
    return _portal.call(coroutine)


class SnapshotStore:
    """Blocking twin of a `SnapshotStore`."""

    def __init__(self, snapshots: AsyncSnapshotStore) -> None:
        self.async_store = snapshots

    def save(self, snapshot: Snapshot) -> None:
        _portal.call(self.async_store.save(snapshot))

    def load(self, stream_id: str) -> Snapshot | None:
        return _portal.call(self.async_store.load(stream_id))

    def delete(self, stream_id: str) -> None:
        _portal.call(self.async_store.delete(stream_id))


class EventStoreTransaction:
    """Blocking twin of an `EventStoreTransaction`."""

    def __init__(self, transaction: AsyncEventStoreTransaction) -> None:
        self._transaction = transaction

    def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        return _portal.call(
            self._transaction.append(stream_id, events, expected_version=expected_version)
        )


class EventStore:
    """Blocking twin of any `EventStore`; see the async port for what each method does."""

    def __init__(self, store: AsyncEventStore) -> None:
        self.async_store = store
        """The async store behind this twin, for code that can await."""

    @property
    def codec(self) -> EventCodec:
        return self.async_store.codec

    @property
    def tenant_id(self) -> str:
        return self.async_store.tenant_id

    @property
    def snapshots(self) -> SnapshotStore:
        return SnapshotStore(self.async_store.snapshots)

    def append(
        self,
        stream_id: str,
        events: Sequence[object],
        *,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> AppendResult:
        return _portal.call(
            self.async_store.append(stream_id, events, expected_version=expected_version)
        )

    @contextmanager
    def transaction(self) -> Iterator[EventStoreTransaction]:
        context: AbstractAsyncContextManager[AsyncEventStoreTransaction] = (
            self.async_store.transaction()
        )
        transaction = _portal.call(context.__aenter__())
        try:
            yield EventStoreTransaction(transaction)
        except BaseException as error:
            if not _portal.call(context.__aexit__(type(error), error, error.__traceback__)):
                raise
        else:
            _portal.call(context.__aexit__(None, None, None))

    def read_stream(
        self,
        stream_id: str,
        *,
        from_version: int | None = None,
        backwards: bool = False,
        limit: int | None = None,
    ) -> list[RecordedEvent]:
        return _portal.call(
            self.async_store.read_stream(
                stream_id, from_version=from_version, backwards=backwards, limit=limit
            )
        )

    def read_all(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        limit: int = 1000,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> LogSlice:
        return _portal.call(
            self.async_store.read_all(
                after=after, limit=limit, categories=categories, event_types=event_types
            )
        )

    def head(self) -> Checkpoint:
        return _portal.call(self.async_store.head())

    def get_stream(self, stream_id: str) -> StreamInfo:
        return _portal.call(self.async_store.get_stream(stream_id))

    def list_streams(
        self, *, category: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[StreamInfo]:
        return _portal.call(
            self.async_store.list_streams(category=category, after=after, limit=limit)
        )

    def event_types(self) -> list[StoredEventType]:
        return _portal.call(self.async_store.event_types())

    def delete_stream(
        self,
        stream_id: str,
        *,
        hard: bool = False,
        expected_version: int | ExpectedVersion = ExpectedVersion.ANY,
    ) -> None:
        _portal.call(
            self.async_store.delete_stream(stream_id, hard=hard, expected_version=expected_version)
        )

    def truncate_stream(self, stream_id: str, *, before_version: int) -> None:
        _portal.call(self.async_store.truncate_stream(stream_id, before_version=before_version))

    def set_stream_metadata(self, stream_id: str, metadata: StreamMetadata) -> None:
        _portal.call(self.async_store.set_stream_metadata(stream_id, metadata))

    def for_tenant(self, tenant_id: str) -> Self:
        return type(self)(self.async_store.for_tenant(tenant_id))

    def close(self) -> None:
        _portal.call(self.async_store.close())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InMemoryEventStore(EventStore):
    """Blocking twin of `InMemoryEventStore`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(AsyncInMemoryEventStore(**options))


class SQLiteEventStore(EventStore):
    """Blocking twin of `SQLiteEventStore`; open one with `SQLiteEventStore.open(path)`."""

    @classmethod
    def open(cls, path: Any, **options: Any) -> SQLiteEventStore:
        """See the async `SQLiteEventStore.open` for the options."""
        return cls(_portal.call(AsyncSQLiteEventStore.open(path, **options)))

    def migrate(self) -> None:
        """Create or upgrade mink's tables in this database."""
        store = self.async_store
        assert isinstance(store, AsyncSQLiteEventStore)
        _portal.call(store.migrate())


class PostgresEventStore(EventStore):
    """Blocking twin of `PostgresEventStore`; open one with `PostgresEventStore.connect(url)`."""

    @classmethod
    def connect(cls, url: str, **options: Any) -> PostgresEventStore:
        """See the async `PostgresEventStore.connect` for the options."""
        from mink_runtime.adapters.postgres import PostgresEventStore as AsyncPostgresEventStore

        return cls(_portal.call(AsyncPostgresEventStore.connect(url, **options)))


def open_store(url: str, **options: Any) -> EventStore:
    """Blocking twin of `mink_runtime.open_store`: the store a database URL names."""
    from mink_runtime.stores import open_store as async_open_store

    store = _portal.call(async_open_store(url, **options))
    if isinstance(store, AsyncSQLiteEventStore):
        return SQLiteEventStore(store)
    return PostgresEventStore(store)


class AggregateRepository(Generic[A]):
    """Blocking twin of `AggregateRepository`."""

    def __init__(
        self,
        store: EventStore,
        aggregate_type: type[A],
        *,
        snapshots: SnapshotStore | None = None,
        snapshot_policy: SnapshotPolicy | Sequence[SnapshotPolicy] | None = None,
    ) -> None:
        self.async_repository = AsyncAggregateRepository(
            store.async_store,
            aggregate_type,
            snapshots=snapshots.async_store if snapshots is not None else None,
            snapshot_policy=snapshot_policy,
        )

    def load(
        self, aggregate_id: str, *, version: int | None = None, as_of: datetime | None = None
    ) -> A:
        return _portal.call(self.async_repository.load(aggregate_id, version=version, as_of=as_of))

    def save(self, aggregate: A, *, metadata: Metadata | None = None) -> AppendResult | None:
        return _portal.call(self.async_repository.save(aggregate, metadata=metadata))

    def exists(self, aggregate_id: str) -> bool:
        return _portal.call(self.async_repository.exists(aggregate_id))
