"""Opening an event store from a database URL: the door for tools and configuration files.

```python
store = await open_store("sqlite:///var/app.db")                 # SQLiteEventStore
store = await open_store("postgresql://app@db/app", schema="mink")  # PostgresEventStore
```

The adapter is imported on first use, so that naming a SQLite URL never loads psycopg.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mink_runtime.migrations import DEFAULT_SCHEMA
from mink_runtime.urls import backend_of

if TYPE_CHECKING:
    from mink_runtime.domain import EventRegistry, Serializer
    from mink_runtime.ports import EventStore

__all__ = ["open_store"]


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
