"""The sync door: blocking twins of mink's top-level objects, for scripts, Django views, notebooks.

```python
from mink_runtime import sync

store = sync.SQLiteEventStore.open("app.db", migrate=True)
orders = sync.AggregateRepository(store, Order)
order = Order("42"); order.place("alice")
orders.save(order)
print(orders.load("42").customer_id)

summaries = sync.SQLiteReadModelRepository(store, OrderSummary)
summaries.create_table()
summaries.upsert(OrderSummary(id="42", status="placed"))
print(summaries.find(Query().where(status="placed")))
store.close()
```

Every call runs the async core on one private event loop, shared by the whole process, which
the calling thread drives itself (see `mink_runtime._portal` and docs/adr/0001): a blocking
call costs next to nothing over the async one. The twins hold no logic of their own: each
method is the async method, run there.

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

import atexit
from collections.abc import Callable, Collection, Coroutine, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, overload

from mink_runtime._portal import Portal
from mink_runtime.adapters.memory import InMemoryEventStore as AsyncInMemoryEventStore
from mink_runtime.adapters.memory import (
    InMemoryIdempotencyStore as AsyncInMemoryIdempotencyStore,
)
from mink_runtime.adapters.memory import (
    InMemoryReadModelRepository as AsyncInMemoryReadModelRepository,
)
from mink_runtime.adapters.sqlite import SQLiteEventStore as AsyncSQLiteEventStore
from mink_runtime.adapters.sqlite import SQLiteIdempotencyStore as AsyncSQLiteIdempotencyStore
from mink_runtime.adapters.sqlite import (
    SQLiteReadModelRepository as AsyncSQLiteReadModelRepository,
)
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
from mink_runtime.application.projections import ConsumerGroup, Projection, ProjectionReport
from mink_runtime.application.projections import ProjectionEngine as AsyncProjectionEngine
from mink_runtime.application.projections import Subscription as AsyncSubscription
from mink_runtime.domain import (
    Aggregate,
    AppendResult,
    Checkpoint,
    DeadLetter,
    EventCodec,
    ExpectedVersion,
    IdempotencyRecord,
    LogSlice,
    Metadata,
    ModelSchema,
    Page,
    Query,
    RecordedEvent,
    Snapshot,
    SnapshotPolicy,
    StoredEventType,
    StreamInfo,
    StreamMetadata,
)
from mink_runtime.ports import EventStore as AsyncEventStore
from mink_runtime.ports import EventStoreTransaction as AsyncEventStoreTransaction
from mink_runtime.ports import IdempotencyStore as AsyncIdempotencyStore
from mink_runtime.ports import ProjectionStore as AsyncProjectionStore
from mink_runtime.ports import ReadModelRepository as AsyncReadModelRepository
from mink_runtime.ports import SnapshotStore as AsyncSnapshotStore
from mink_runtime.ports import Watch as AsyncWatch

if TYPE_CHECKING:
    from mink_runtime.adapters.postgres import (
        PostgresReadModelRepository as AsyncPostgresReadModelRepository,
    )
    from mink_runtime.adapters.redis import (
        RedisReadModelRepository as AsyncRedisReadModelRepository,
    )

__all__ = [
    "AggregateRepository",
    "CommandBus",
    "EventStore",
    "EventStoreTransaction",
    "IdempotencyStore",
    "InMemoryEventStore",
    "InMemoryIdempotencyStore",
    "InMemoryReadModelRepository",
    "PostgresEventStore",
    "PostgresIdempotencyStore",
    "PostgresReadModelRepository",
    "ProjectionEngine",
    "ReadModelRepository",
    "RedisReadModelRepository",
    "SQLiteEventStore",
    "SQLiteIdempotencyStore",
    "SQLiteReadModelRepository",
    "SnapshotStore",
    "Subscription",
    "Watch",
    "aggregate_handler",
    "open_store",
    "run",
]

T = TypeVar("T")
A = TypeVar("A", bound=Aggregate)
M = TypeVar("M")
F = TypeVar("F", bound=Callable[..., Any])


_portal = Portal(on_new_caller=blocking_caller.set)
atexit.register(_portal.close)


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


class Watch:
    """Blocking twin of a `Watch` (from `EventStore.watch()`)."""

    def __init__(self, watch: AsyncWatch) -> None:
        self.async_watch = watch

    def wait(self, timeout: float) -> bool:
        return _portal.call(self.async_watch.wait(timeout))


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

    def count_events(
        self,
        *,
        after: Checkpoint = Checkpoint.START,
        until: Checkpoint | None = None,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
    ) -> int:
        return _portal.call(
            self.async_store.count_events(
                after=after, until=until, categories=categories, event_types=event_types
            )
        )

    @contextmanager
    def watch(self) -> Iterator[Watch]:
        context: AbstractAsyncContextManager[AsyncWatch] = self.async_store.watch()
        watch = _portal.call(context.__aenter__())
        try:
            yield Watch(watch)
        finally:
            _portal.call(context.__aexit__(None, None, None))

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


class ReadModelRepository(Generic[M]):
    """Blocking twin of any `ReadModelRepository`; see the async port for what each method does."""

    def __init__(self, repository: AsyncReadModelRepository[M]) -> None:
        self.async_repository = repository
        """The async repository behind this twin, for code that can await."""

    @property
    def schema(self) -> ModelSchema[M]:
        return self.async_repository.schema

    def get(self, model_id: Any) -> M | None:
        return _portal.call(self.async_repository.get(model_id))

    def find(self, query: Query | None = None) -> list[M]:
        return _portal.call(self.async_repository.find(query))

    def page(self, query: Query) -> Page[M]:
        return _portal.call(self.async_repository.page(query))

    def count(self, query: Query | None = None) -> int:
        return _portal.call(self.async_repository.count(query))

    def insert(self, model: M) -> None:
        _portal.call(self.async_repository.insert(model))

    def upsert(self, model: M) -> None:
        _portal.call(self.async_repository.upsert(model))

    def update(self, model_id: Any, **changes: Any) -> M:
        return _portal.call(self.async_repository.update(model_id, **changes))

    def delete(self, model_id: Any) -> bool:
        return _portal.call(self.async_repository.delete(model_id))

    def clear(self) -> None:
        _portal.call(self.async_repository.clear())


class InMemoryReadModelRepository(ReadModelRepository[M]):
    """Blocking twin of `InMemoryReadModelRepository`."""

    def __init__(
        self, model: type[M], *, id_field: str = "id", store: InMemoryEventStore | None = None
    ) -> None:
        joined = None if store is None else store.async_store
        assert joined is None or isinstance(joined, AsyncInMemoryEventStore)
        super().__init__(AsyncInMemoryReadModelRepository(model, id_field=id_field, store=joined))


class SQLiteReadModelRepository(ReadModelRepository[M]):
    """Blocking twin of `SQLiteReadModelRepository`, over a blocking `SQLiteEventStore`."""

    async_repository: AsyncSQLiteReadModelRepository[M]

    def __init__(self, store: SQLiteEventStore, model: type[M], **options: Any) -> None:
        """See the async `SQLiteReadModelRepository` for the options."""
        opened = store.async_store
        assert isinstance(opened, AsyncSQLiteEventStore)
        super().__init__(AsyncSQLiteReadModelRepository(opened, model, **options))

    def ddl(self, *, indexes: Sequence[str | Sequence[str]] = ()) -> list[str]:
        return self.async_repository.ddl(indexes=indexes)

    def create_table(self, *, indexes: Sequence[str | Sequence[str]] = ()) -> None:
        _portal.call(self.async_repository.create_table(indexes=indexes))

    def drop_table(self) -> None:
        _portal.call(self.async_repository.drop_table())


class PostgresReadModelRepository(ReadModelRepository[M]):
    """Blocking twin of `PostgresReadModelRepository`, over a blocking `PostgresEventStore`."""

    async_repository: AsyncPostgresReadModelRepository[M]

    def __init__(self, store: PostgresEventStore, model: type[M], **options: Any) -> None:
        """See the async `PostgresReadModelRepository` for the options."""
        from mink_runtime.adapters.postgres import PostgresEventStore as AsyncPostgresEventStore
        from mink_runtime.adapters.postgres import PostgresReadModelRepository as Repository

        opened = store.async_store
        assert isinstance(opened, AsyncPostgresEventStore)
        super().__init__(Repository(opened, model, **options))

    def ddl(self, *, indexes: Sequence[str | Sequence[str]] = ()) -> list[str]:
        return self.async_repository.ddl(indexes=indexes)

    def create_table(self, *, indexes: Sequence[str | Sequence[str]] = ()) -> None:
        _portal.call(self.async_repository.create_table(indexes=indexes))

    def drop_table(self) -> None:
        _portal.call(self.async_repository.drop_table())


class RedisReadModelRepository(ReadModelRepository[M]):
    """Blocking twin of `RedisReadModelRepository`; open one with
    `RedisReadModelRepository.connect(url, Model)`."""

    async_repository: AsyncRedisReadModelRepository[M]

    @classmethod
    def connect(cls, url: str, model: type[M], **options: Any) -> RedisReadModelRepository[M]:
        """See the async `RedisReadModelRepository.connect` for the options."""
        from mink_runtime.adapters.redis import RedisReadModelRepository as Repository

        return cls(_portal.call(Repository.connect(url, model, **options)))

    def close(self) -> None:
        _portal.call(self.async_repository.close())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


P = TypeVar("P", bound=Projection)


class ProjectionEngine:
    """Blocking twin of `ProjectionEngine`, over a blocking store; see the async engine.

    `run()` blocks the calling thread while the workers run (until interrupted); the operator's
    calls (`status`, `pause`, `resume`, `rebuild`, `wait_for`, …) and `catch_up()` return.
    """

    def __init__(
        self,
        store: EventStore,
        projections: Sequence[Projection] = (),
        *,
        inline: Sequence[Projection] = (),
        projection_store: AsyncProjectionStore | None = None,
        **options: Any,
    ) -> None:
        self.async_engine = AsyncProjectionEngine(
            store.async_store,
            projections,
            inline=inline,
            projection_store=projection_store,
            **options,
        )
        """The async engine behind this twin."""
        self.store = EventStore(self.async_engine.store)
        """The store to append through: it runs the inline projections."""

    def run(self) -> None:
        _portal.call(self.async_engine.run())

    def catch_up(self) -> None:
        _portal.call(self.async_engine.catch_up())

    def status(self, name: str | None = None) -> list[ProjectionReport]:
        return _portal.call(self.async_engine.status(name))

    def pause(self, name: str) -> None:
        _portal.call(self.async_engine.pause(name))

    def resume(self, name: str) -> None:
        _portal.call(self.async_engine.resume(name))

    def wait_for(
        self,
        target: Checkpoint | AppendResult,
        *,
        timeout: float = 5.0,
        names: Sequence[str] | None = None,
    ) -> None:
        _portal.call(self.async_engine.wait_for(target, timeout=timeout, names=names))

    def rebuild(
        self,
        name: str,
        *,
        version: int | None = None,
        progress: Callable[[int, int], object] | None = None,
        wait: float = 30.0,
    ) -> None:
        _portal.call(self.async_engine.rebuild(name, version=version, progress=progress, wait=wait))

    def retire(self, name: str, *, version: int) -> None:
        _portal.call(self.async_engine.retire(name, version=version))

    def active(self, name: str) -> Projection:
        return _portal.call(self.async_engine.active(name))

    def live(self, projection: type[P] | P, **options: Any) -> P:
        return _portal.call(self.async_engine.live(projection, **options))

    def dead_letters(self, name: str | None = None, *, limit: int = 100) -> list[DeadLetter]:
        projections = self.async_engine.projection_store
        return _portal.call(projections.dead_letters(name, limit=limit))


class Subscription:
    """Blocking twin of `Subscription`: `for event in subscription:` blocks for the next one."""

    def __init__(
        self,
        store: EventStore,
        name: str | None = None,
        *,
        group: ConsumerGroup | None = None,
        **options: Any,
    ) -> None:
        self.async_subscription = AsyncSubscription(store.async_store, name, group=group, **options)
        """The async subscription behind this twin."""

    def __iter__(self) -> Iterator[RecordedEvent]:
        events = aiter(self.async_subscription)
        while True:
            yield _portal.call(anext(events))  # type: ignore[arg-type]

    def ack(self, event: RecordedEvent) -> None:
        _portal.call(self.async_subscription.ack(event))
