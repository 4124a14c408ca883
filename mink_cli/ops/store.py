"""Opening the project's event store for a command."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mink_cli.settings import Settings
from mink_runtime.domain import EventRegistry
from mink_runtime.errors import SchemaNotReadyError
from mink_runtime.ports import EventStore
from mink_runtime.stores import open_store

__all__ = ["connected"]


@asynccontextmanager
async def connected(
    settings: Settings, *, registry: EventRegistry | None = None, timeout: float = 10.0
) -> AsyncIterator[EventStore]:
    """The store the settings name, closed after the block. Without a registry, event data
    comes back as plain JSON values (what inspection commands show).

    Raises:
        ProjectError: no database is configured.
        StoreUnavailableError: the database cannot be reached.
        SchemaNotReadyError: mink's tables are missing or behind.
    """
    sqlite_file = settings.sqlite_file
    if sqlite_file is not None and not sqlite_file.exists():
        raise SchemaNotReadyError(
            f"the SQLite database {sqlite_file} does not exist yet: run `mink migrate up`"
        )
    store = await open_store(
        settings.database_url,
        schema=settings.schema,
        registry=registry if registry is not None else EventRegistry(),
        timeout=timeout,
    )
    try:
        yield store
    finally:
        await store.close()
