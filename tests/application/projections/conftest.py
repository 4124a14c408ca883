"""The backends the projection engine is tested on.

`backend` gives a fresh event store with the shop's registry, a way to build read-model
repositories on it, and a second store over the same storage (another process, as far as the
stores know).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from projection_shop import OrderRow, registry

from mink_runtime import (
    InMemoryEventStore,
    InMemoryReadModelRepository,
    SQLiteEventStore,
    SQLiteReadModelRepository,
    migrations,
)
from mink_runtime.ports import EventStore, ReadModelRepository


@dataclass
class Backend:
    name: str
    store: EventStore
    rows: Callable[..., Awaitable[ReadModelRepository[OrderRow]]]
    """`await rows(table=None, store=None)`: an OrderRow repository (its table created)."""
    another: Callable[[], Awaitable[EventStore]]
    """A second store over the same storage."""


BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it."""
    path = tmp_path_factory.mktemp("projections") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=BACKENDS)
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Backend]:
    """A fresh store of each backend."""
    async for opened in open_backend(request.param, request, tmp_path, sqlite_template):
        yield opened


async def open_backend(
    name: str, request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Backend]:
    opened: list[Any] = []
    if name == "memory":
        store: Any = InMemoryEventStore(registry=registry)

        async def twin() -> EventStore:
            other = InMemoryEventStore(registry=registry)
            other._memory = store._memory
            return other

        tables: dict[str | None, Any] = {}

        async def rows(table: str | None = None) -> Any:
            if table not in tables:
                tables[table] = InMemoryReadModelRepository(OrderRow, store=store)
            return tables[table]

        yield Backend("memory", store, rows, twin)
        return
    tables: dict[str | None, Any] = {}
    if name == "sqlite":
        path = tmp_path / "shop.db"
        shutil.copyfile(sqlite_template, path)

        async def another() -> EventStore:
            twin = await SQLiteEventStore.open(path, registry=registry)
            opened.append(twin)
            return twin

        store = await another()

        async def rows(table: str | None = None) -> Any:
            if table not in tables:
                repository = SQLiteReadModelRepository(store, OrderRow, table=table)
                await repository.create_table()
                tables[table] = repository
            return tables[table]

        yield Backend("sqlite", store, rows, another)
    else:
        from mink_runtime import PostgresEventStore, PostgresReadModelRepository

        url: str = request.getfixturevalue("postgres_url")
        schema: str = request.getfixturevalue("clean_postgres")

        async def another() -> EventStore:
            twin = await PostgresEventStore.connect(url, schema=schema, registry=registry)
            opened.append(twin)
            return twin

        store = await another()

        async def rows(table: str | None = None) -> Any:
            if table not in tables:
                repository = PostgresReadModelRepository(
                    store, OrderRow, table=table or "order_row", schema=schema
                )
                await repository.drop_table()
                await repository.create_table()
                tables[table] = repository
            return tables[table]

        yield Backend("postgres", store, rows, another)
    for repository in tables.values():
        await repository.drop_table()
    for each in opened:
        await each.close()
