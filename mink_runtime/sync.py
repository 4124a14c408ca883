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

Commands: `sync.CommandBus` dispatches through the async pipeline, and runs `def` handlers in
the thread that called `dispatch` (a Django view's thread, with its database connection), where
they may block and call other twins; those calls join the dispatch's transaction and message
context, as awaits inside an async handler would.

```python
bus = sync.CommandBus()

@bus.handler
def place_order(command: PlaceOrder) -> None:
    order = Order(command.order_id)
    order.place(command.customer_id)
    orders.save(order)                     # a sync.AggregateRepository

result = bus.dispatch(PlaceOrder(order_id="42", customer_id="alice"))
```
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable, Collection, Coroutine, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from datetime import datetime
from typing import Any, Generic, Self, TypeVar, overload

from mink_runtime.adapters.memory import InMemoryEventStore as AsyncInMemoryEventStore
from mink_runtime.adapters.memory import (
    InMemoryIdempotencyStore as AsyncInMemoryIdempotencyStore,
)
from mink_runtime.adapters.sqlite import SQLiteEventStore as AsyncSQLiteEventStore
from mink_runtime.adapters.sqlite import SQLiteIdempotencyStore as AsyncSQLiteIdempotencyStore
from mink_runtime.application import AggregateRepository as AsyncAggregateRepository
from mink_runtime.application.commands import (
    AggregateCommandHandler,
    CommandHandlers,
    CommandResult,
    HandlerRegistration,
    Middleware,
)
from mink_runtime.application.commands import CommandBus as AsyncCommandBus
from mink_runtime.application.commands import aggregate_handler as async_aggregate_handler
from mink_runtime.application.commands._handlers import blocking_caller
from mink_runtime.domain import (
    Aggregate,
    AppendResult,
    Checkpoint,
    EventCodec,
    ExpectedVersion,
    IdempotencyRecord,
    LogSlice,
    Metadata,
    RecordedEvent,
    Snapshot,
    SnapshotPolicy,
    StreamInfo,
    StreamMetadata,
)
from mink_runtime.ports import EventStore as AsyncEventStore
from mink_runtime.ports import EventStoreTransaction as AsyncEventStoreTransaction
from mink_runtime.ports import IdempotencyStore as AsyncIdempotencyStore
from mink_runtime.ports import SnapshotStore as AsyncSnapshotStore

__all__ = [
    "AggregateRepository",
    "CommandBus",
    "EventStore",
    "EventStoreTransaction",
    "IdempotencyStore",
    "InMemoryEventStore",
    "InMemoryIdempotencyStore",
    "PostgresEventStore",
    "PostgresIdempotencyStore",
    "SQLiteEventStore",
    "SQLiteIdempotencyStore",
    "SnapshotStore",
    "aggregate_handler",
    "run",
]

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)
F = TypeVar("F", bound=Callable[..., Any])

_WAKE = object()
"""Put in a caller's inbox when one of its calls has finished."""


class _Caller:
    """A thread using the door: the context its calls run in, and the inbox it serves while it
    waits (the `def` command handlers the loop hands back to it)."""

    def __init__(self) -> None:
        self.inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.context = contextvars.Context()
        self.context.run(blocking_caller.set, self.run_here)

    async def run_here(self, handler: Callable[[Any], Any], command: Any) -> Any:
        """Run `handler(command)` in this caller's thread (it waits in `_Portal.call`)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        context = contextvars.copy_context()  # what the handler sees: the dispatch's context

        def settle(value: Any, error: BaseException | None) -> None:
            if future.cancelled():  # a timeout gave up on it meanwhile
                return
            if error is None:
                future.set_result(value)
            else:
                future.set_exception(error)

        def job() -> None:
            try:
                value = context.run(handler, command)
            except BaseException as error:  # handed to the awaiting task, which raises it
                loop.call_soon_threadsafe(settle, None, error)
            else:
                loop.call_soon_threadsafe(settle, value, None)

        self.inbox.put(job)
        return await future


class _Portal:
    """The private event loop, on a daemon thread of its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._callers = threading.local()

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
        """Run `coroutine` on the loop and wait for it, meanwhile running in this thread the
        `def` handlers it hands back.

        Each calling thread has a `contextvars.Context` of its own that all its calls run in,
        so what one call leaves in context variables (an open transaction) the next call from
        the same thread sees, as consecutive awaits of one task would. What the calling thread
        has set itself (`with message_context(...)`) is brought in for the call.
        """
        loop = self.loop()
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError(
                "the sync door was called from mink's own event-loop thread; "
                "await the async API there instead"
            )
        caller: _Caller | None = getattr(self._callers, "caller", None)
        if caller is None:
            caller = self._callers.caller = _Caller()
        inbox, context = caller.inbox, caller.context
        brought = context.run(_bring_in, contextvars.copy_context())
        started: list[asyncio.Task[T]] = []
        finished: list[asyncio.Task[T]] = []

        def done(task: asyncio.Task[T]) -> None:
            finished.append(task)
            inbox.put(_WAKE)

        def start() -> None:
            task = loop.create_task(coroutine, context=context)
            task.add_done_callback(done)
            started.append(task)

        loop.call_soon_threadsafe(start)
        try:
            # A call made by a handler running here nests inside this loop; every call checks
            # its own `finished`, so a wake-up meant for an outer call is never lost.
            while not finished:
                item = inbox.get()
                if item is not _WAKE:
                    item()  # type: ignore[operator]
        except BaseException:  # interrupted (Ctrl-C): stop the work too
            loop.call_soon_threadsafe(lambda: started[0].cancel() if started else None)
            raise
        finally:
            if finished:
                context.run(_take_back, brought)
        return finished[0].result()


def _bring_in(calling: contextvars.Context) -> list[contextvars.Token[Any]]:
    """Inside a caller's own context: take on the values the calling thread has set (a
    `message_context`, an OpenTelemetry span, ...), so the call runs with them."""
    tokens: list[contextvars.Token[Any]] = []
    for var, value in calling.items():
        if var is not blocking_caller and var.get(_WAKE) is not value:
            tokens.append(var.set(value))
    return tokens


def _take_back(tokens: list[contextvars.Token[Any]]) -> None:
    """Undo `_bring_in` once the call is over (what the call itself set stays)."""
    for token in reversed(tokens):
        with contextlib.suppress(ValueError, RuntimeError):  # already undone by the call
            token.var.reset(token)


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


class CommandBus:
    """Blocking twin of `CommandBus`; `def` handlers run in the thread that dispatches."""

    def __init__(
        self,
        *,
        middleware: Sequence[Middleware] | None = None,
        handlers: CommandHandlers | None = None,
    ) -> None:
        self.async_bus = AsyncCommandBus(middleware=middleware, handlers=handlers)
        """The async bus behind this twin."""

    @property
    def handlers(self) -> CommandHandlers:
        return self.async_bus.handlers

    @property
    def middleware(self) -> tuple[Middleware, ...]:
        return self.async_bus.middleware

    def use(self, *middleware: Middleware) -> None:
        self.async_bus.use(*middleware)

    def register(
        self,
        command_type: type,
        handler: Callable[[Any], Any],
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> HandlerRegistration:
        return self.async_bus.register(
            command_type, handler, name=name, retry_on_conflict=retry_on_conflict, timeout=timeout
        )

    @overload
    def handler(self, function: F, /) -> F: ...
    @overload
    def handler(
        self,
        command_type: type | None = None,
        /,
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> Callable[[F], F]: ...
    def handler(
        self,
        target: Any = None,
        /,
        *,
        name: str | None = None,
        retry_on_conflict: bool | None = None,
        timeout: float | None = None,
    ) -> Any:
        return self.async_bus.handler(
            target, name=name, retry_on_conflict=retry_on_conflict, timeout=timeout
        )

    def dispatch(self, command: Any, *, idempotency_key: str | None = None) -> CommandResult:
        return _portal.call(self.async_bus.dispatch(command, idempotency_key=idempotency_key))


def aggregate_handler(
    repository: AggregateRepository[A] | AsyncAggregateRepository[A],
    decide: Callable[[A, Any], Any] | None = None,
    /,
    **options: Any,
) -> Any:
    """`aggregate_handler` for a blocking repository twin (the handler runs on the door's loop,
    with the async repository behind the twin); see the async `aggregate_handler`."""
    if isinstance(repository, AggregateRepository):
        repository = repository.async_repository
    if decide is None:
        return async_aggregate_handler(repository, **options)
    handler: AggregateCommandHandler[A] = async_aggregate_handler(repository, decide, **options)
    return handler


class IdempotencyStore:
    """Blocking twin of an `IdempotencyStore` (hand it to `Idempotency(...)` as it is)."""

    def __init__(self, store: AsyncIdempotencyStore) -> None:
        self.async_store = store
        """The async store behind this twin."""

    def get(self, key: str) -> IdempotencyRecord | None:
        return _portal.call(self.async_store.get(key))

    def cleanup(self, *, batch_size: int = 10_000) -> int:
        return _portal.call(self.async_store.cleanup(batch_size=batch_size))


class InMemoryIdempotencyStore(IdempotencyStore):
    """Blocking twin of `InMemoryIdempotencyStore`, beside a blocking in-memory store."""

    def __init__(self, store: EventStore) -> None:
        events = store.async_store
        assert isinstance(events, AsyncInMemoryEventStore)
        super().__init__(AsyncInMemoryIdempotencyStore(events))


class SQLiteIdempotencyStore(IdempotencyStore):
    """Blocking twin of `SQLiteIdempotencyStore`, beside a blocking SQLite store."""

    def __init__(self, store: EventStore) -> None:
        events = store.async_store
        assert isinstance(events, AsyncSQLiteEventStore)
        super().__init__(AsyncSQLiteIdempotencyStore(events))


class PostgresIdempotencyStore(IdempotencyStore):
    """Blocking twin of `PostgresIdempotencyStore`, beside a blocking PostgreSQL store."""

    def __init__(self, store: EventStore) -> None:
        from mink_runtime.adapters.postgres import (
            PostgresIdempotencyStore as AsyncPostgresIdempotencyStore,
        )

        super().__init__(AsyncPostgresIdempotencyStore(store.async_store))  # type: ignore[arg-type]
