"""The backends every middleware is tested on: memory, SQLite and PostgreSQL.

`backend` gives a fresh event store with the bank's registry, its idempotency store, and a way
to open a second store over the same storage (another process, as far as the stores know).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bank import registry

from mink_runtime import (
    InMemoryEventStore,
    InMemoryIdempotencyStore,
    SQLiteEventStore,
    SQLiteIdempotencyStore,
    migrations,
)
from mink_runtime.ports import EventStore, IdempotencyStore


@dataclass
class Backend:
    name: str
    store: EventStore
    idempotency: IdempotencyStore
    another: Callable[[], Awaitable[tuple[EventStore, IdempotencyStore]]]
    """A second store, and its idempotency store, over the same storage."""


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it."""
    path = tmp_path_factory.mktemp("commands") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Backend]:
    """A fresh store of each backend, with its idempotency store."""
    async for opened in _open(request.param, request, tmp_path, sqlite_template):
        yield opened


@pytest.fixture
async def postgres_backend(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Backend]:
    """A fresh PostgreSQL store, for what only PostgreSQL can show (concurrent transactions)."""
    async for opened in _open("postgres", request, tmp_path, sqlite_template):
        yield opened


async def _open(
    name: str, request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> AsyncIterator[Backend]:
    opened: list[Any] = []
    if name == "memory":
        store: Any = InMemoryEventStore(registry=registry)

        async def another() -> tuple[EventStore, IdempotencyStore]:
            twin = InMemoryEventStore(registry=registry)
            twin._memory = store._memory
            return twin, InMemoryIdempotencyStore(twin)

        yield Backend("memory", store, InMemoryIdempotencyStore(store), another)
        return
    if name == "sqlite":
        path = tmp_path / "bank.db"
        shutil.copyfile(sqlite_template, path)

        async def another() -> tuple[EventStore, IdempotencyStore]:
            twin = await SQLiteEventStore.open(path, registry=registry)
            opened.append(twin)
            return twin, SQLiteIdempotencyStore(twin)

        store, idempotency = await another()
        yield Backend("sqlite", store, idempotency, another)
    else:
        from mink_runtime import PostgresEventStore, PostgresIdempotencyStore

        url: str = request.getfixturevalue("postgres_url")
        schema: str = request.getfixturevalue("clean_postgres")

        async def another() -> tuple[EventStore, IdempotencyStore]:
            twin = await PostgresEventStore.connect(url, schema=schema, registry=registry)
            opened.append(twin)
            return twin, PostgresIdempotencyStore(twin)

        store, idempotency = await another()
        yield Backend("postgres", store, idempotency, another)
    for each in opened:
        await each.close()
