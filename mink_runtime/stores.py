"""Opening an event store from a database URL: the door for tools and configuration files.

```python
store = await open_store("sqlite:///var/app.db")                 # SQLiteEventStore
store = await open_store("postgresql://app@db/app", schema="mink")  # PostgresEventStore
```

The adapter is imported on first use, so that naming a SQLite URL never loads psycopg.

`projection_store_for(store)` gives the projection store of a store's backend; the projection
engine and durable subscriptions use it when they are given none. `read_model_repository_for(
store, Model)` gives a read-model repository of the store's backend, in its database, so that
a project's `projections(store)` function works on whichever store it is handed;
`idempotency_store_for(store)` likewise gives the idempotency store of its backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from mink_runtime.adapters.memory import (
    InMemoryEventStore,
    InMemoryProjectionStore,
    InMemoryReadModelRepository,
)
from mink_runtime.application.projections import InlineProjectingStore, use_projection_stores
from mink_runtime.errors import ConfigurationError
from mink_runtime.migrations import DEFAULT_SCHEMA
from mink_runtime.urls import backend_of

if TYPE_CHECKING:
    from mink_runtime.domain import EventRegistry, Serializer
    from mink_runtime.ports import (
        EventStore,
        IdempotencyStore,
        ProjectionStore,
        ReadModelRepository,
    )

__all__ = [
    "idempotency_store_for",
    "open_store",
    "projection_store_for",
    "read_model_repository_for",
]

M = TypeVar("M")


def _backend(store: EventStore, what: str, instead: str) -> tuple[EventStore, str]:
    """The store under any inline-projecting wrapper, and its backend: memory, sqlite or
    postgres.

    Raises:
        ConfigurationError: mink has no `what` for this kind of store (`instead` says what to do).
    """
    while isinstance(store, InlineProjectingStore):
        store = store.inner
    if isinstance(store, InMemoryEventStore):
        return store, "memory"
    kind = type(store).__name__
    backend = {"SQLiteEventStore": "sqlite", "PostgresEventStore": "postgres"}.get(kind)
    if backend is None:
        raise ConfigurationError(f"mink has no {what} for a {kind}; {instead}")
    return store, backend


def projection_store_for(store: EventStore) -> ProjectionStore:
    """The projection store of an event store's backend (and tenant): where projections keep
    their checkpoints, in the same database, so that they commit with the read models.

    Raises:
        ConfigurationError: the store is of a kind mink has no projection store for; pass
            `projection_store=` to the engine.
    """
    store, backend = _backend(
        store,
        "projection store",
        "pass projection_store=... (an implementation of mink_runtime.ports.ProjectionStore)",
    )
    if backend == "memory":
        return InMemoryProjectionStore(store)  # type: ignore[arg-type]
    if backend == "sqlite":
        from mink_runtime.adapters.sqlite import SQLiteProjectionStore

        return SQLiteProjectionStore(store)  # type: ignore[arg-type]
    from mink_runtime.adapters.postgres import PostgresProjectionStore

    return PostgresProjectionStore(store)  # type: ignore[arg-type]


use_projection_stores(projection_store_for)


def read_model_repository_for(
    store: EventStore, model: type[M], *, table: str | None = None, id_field: str = "id"
) -> ReadModelRepository[M]:
    """A repository of `model` read models in the database of `store` (its transactions
    included): `SQLiteReadModelRepository`, `PostgresReadModelRepository`, or, for an
    in-memory store, `InMemoryReadModelRepository`. `table` defaults to the model's name in
    snake case.

    Raises:
        ConfigurationError: `model` is not a read-model dataclass, or the store is of a kind
            mink has no read-model repository for.
    """
    store, backend = _backend(
        store,
        "read-model repository",
        "build one of your own (an implementation of mink_runtime.ports.ReadModelRepository)",
    )
    if backend == "memory":
        return InMemoryReadModelRepository(model, id_field=id_field, store=store)  # type: ignore[arg-type]
    options: dict[str, Any] = {"table": table, "id_field": id_field}
    if backend == "sqlite":
        from mink_runtime.adapters.sqlite import SQLiteReadModelRepository

        return SQLiteReadModelRepository(store, model, **options)  # type: ignore[arg-type]
    from mink_runtime.adapters.postgres import PostgresReadModelRepository

    return PostgresReadModelRepository(store, model, **options)  # type: ignore[arg-type]


async def open_store(
    url: str,
    *,
    schema: str = DEFAULT_SCHEMA,
    registry: EventRegistry | None = None,
    serializer: Serializer | None = None,
    migrate: bool = False,
    timeout: float = 10.0,
) -> EventStore:
    """Open the event store a URL names: `sqlite:///path/app.db` (`sqlite:////abs/path.db`,
    `sqlite://` in memory) or `postgresql://user:pass@host:5432/db`.

    `timeout` bounds connecting to PostgreSQL (and waiting for a locked SQLite file).

    Raises:
        ConfigurationError: the URL names another database, or is malformed.
        StoreUnavailableError: the database cannot be reached.
        SchemaNotReadyError: mink's tables are missing or behind (run `mink migrate up`, or
            pass `migrate=True`).
    """
    if backend_of(url) == "sqlite":
        from mink_runtime.adapters.sqlite import SQLiteEventStore

        return await SQLiteEventStore.open(
            url,
            schema=schema,
            registry=registry,
            serializer=serializer,
            migrate=migrate,
            busy_timeout=timeout,
        )
    from mink_runtime.adapters.postgres import PostgresEventStore

    return await PostgresEventStore.connect(
        url,
        schema=schema,
        registry=registry,
        serializer=serializer,
        migrate=migrate,
        timeout=timeout,
    )


def idempotency_store_for(store: EventStore) -> IdempotencyStore:
    """The idempotency store of an event store's backend, in its database (so that a command's
    events and its key commit together): for a bus whose commands may come twice, such as
    those a process manager dispatches while replaying.

    Raises:
        ConfigurationError: the store is of a kind mink has no idempotency store for.
    """
    store, backend = _backend(
        store,
        "idempotency store",
        "pass one of your own to Idempotency "
        "(an implementation of mink_runtime.ports.IdempotencyStore)",
    )
    if backend == "memory":
        from mink_runtime.adapters.memory import InMemoryIdempotencyStore

        return InMemoryIdempotencyStore(store)  # type: ignore[arg-type]
    if backend == "sqlite":
        from mink_runtime.adapters.sqlite import SQLiteIdempotencyStore

        return SQLiteIdempotencyStore(store)  # type: ignore[arg-type]
    from mink_runtime.adapters.postgres import PostgresIdempotencyStore

    return PostgresIdempotencyStore(store)  # type: ignore[arg-type]
