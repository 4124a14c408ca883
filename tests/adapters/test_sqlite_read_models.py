"""The SQLite read-model repository against the shared contracts, and what only SQLite has."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from mink_runtime import migrations
from mink_runtime.adapters.sqlite import SQLiteEventStore, SQLiteReadModelRepository
from mink_runtime.ports import EventStore, ReadModelRepository
from mink_runtime.testing import (
    JoinedFactory,
    ReadModelRepositoryContract,
    ReadModelTransactionContract,
    RepositoryFactory,
    contract_registry,
)
from mink_runtime.testing._contract_models import OrderSummary

Opener = Callable[[], "AsyncIterator[SQLiteEventStore]"]


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated with Alembic; each test copies it (migrating takes ~0.2 s)."""
    path = tmp_path_factory.mktemp("read-models") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
async def open_store(tmp_path: Path, migrated_file: Path) -> AsyncIterator[Any]:
    """A factory of stores over fresh copies of the migrated database, closed after the test."""
    counter = itertools.count(1)
    stores: list[SQLiteEventStore] = []

    async def open_one() -> SQLiteEventStore:
        path = tmp_path / f"app-{next(counter)}.db"
        shutil.copyfile(migrated_file, path)
        store = await SQLiteEventStore.open(path, registry=contract_registry)
        stores.append(store)
        return store

    yield open_one
    for store in stores:
        await store.close()


@pytest.fixture
async def store(open_store: Any) -> SQLiteEventStore:
    opened: SQLiteEventStore = await open_store()
    return opened


class TestSQLiteReadModelRepository(ReadModelRepositoryContract):
    @pytest.fixture
    def make_repository(self, store: SQLiteEventStore) -> RepositoryFactory:
        async def make(model: type[Any], *, id_field: str = "id") -> ReadModelRepository[Any]:
            repository = SQLiteReadModelRepository(store, model, id_field=id_field)
            await repository.create_table()
            return repository

        return make


class TestSQLiteReadModelTransactions(ReadModelTransactionContract):
    @pytest.fixture
    def joined(self, store: SQLiteEventStore) -> JoinedFactory:
        async def make() -> tuple[EventStore, ReadModelRepository[OrderSummary]]:
            repository = SQLiteReadModelRepository(store, OrderSummary)
            await repository.create_table()
            return store, repository

        return make
