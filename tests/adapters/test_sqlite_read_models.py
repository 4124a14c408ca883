"""The SQLite read-model repository against the shared contracts, and what only SQLite has."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mink_runtime import migrations
from mink_runtime.adapters.sqlite import SQLiteEventStore, SQLiteReadModelRepository
from mink_runtime.domain import F, Query, plan_query
from mink_runtime.errors import ConfigurationError, MinkError, ReadModelSchemaError
from mink_runtime.ports import EventStore, ReadModelRepository
from mink_runtime.testing import (
    JoinedFactory,
    OrderSummary,
    ReadModelRepositoryContract,
    ReadModelTransactionContract,
    RepositoryFactory,
    contract_registry,
)


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


# --- what only SQLite has -------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    id: str
    customer: str
    total: Decimal
    opened: datetime
    tags: list[str] = field(default_factory=list)
    done: bool = False


def ticket(id: str, customer: str = "c", total: str = "1") -> Ticket:
    return Ticket(id, customer, Decimal(total), datetime(2025, 1, 1, tzinfo=UTC))


async def test_the_table_has_typed_columns(store: SQLiteEventStore) -> None:
    """Decimals and times are exact TEXT, JSON is TEXT, the id is the primary key."""
    tickets = SQLiteReadModelRepository(store, Ticket)
    await tickets.create_table()
    with sqlite3.connect(store.path) as raw:
        columns = {r[1]: (r[2], r[3], r[5]) for r in raw.execute("PRAGMA table_info(ticket)")}
    raw.close()
    assert columns == {
        "id": ("TEXT", 1, 1),
        "customer": ("TEXT", 1, 0),
        "total": ("TEXT", 1, 0),
        "opened": ("TEXT", 1, 0),
        "tags": ("TEXT", 1, 0),
        "done": ("BOOLEAN", 1, 0),
    }


async def test_finds_over_indexed_columns_use_the_indexes(store: SQLiteEventStore) -> None:
    """Equality and keyset paging on indexed columns search the index, in one statement."""
    tickets = SQLiteReadModelRepository(store, Ticket)
    await tickets.create_table(indexes=[("customer", "id")])
    for i in range(50):
        await tickets.insert(ticket(f"t{i:02}", customer=f"c{i % 5}"))
    page = await tickets.page(Query().order_by("customer").limit(3))
    for query in (
        Query().where(customer="c1"),
        Query().order_by("customer").limit(3).after(page.next_cursor),
    ):
        sql, params = tickets._sql.find(plan_query(query, tickets.schema))
        with sqlite3.connect(store.path) as raw:
            plan = " ".join(r[3] for r in raw.execute("EXPLAIN QUERY PLAN " + sql, params))
        raw.close()
        assert "USING INDEX ix_ticket_customer_id" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


async def test_decimals_stored_as_text_compare_as_numbers(store: SQLiteEventStore) -> None:
    """The mink_decimal collation orders and compares decimal text by value."""
    tickets = SQLiteReadModelRepository(store, Ticket)
    await tickets.create_table()
    for i, total in enumerate(["10", "9.5", "-1", "100.000", "9.50"]):
        await tickets.insert(ticket(f"t{i}", total=total))
    totals = [str(t.total) for t in await tickets.find(Query().order_by("-total"))]
    assert totals == ["100.000", "10", "9.5", "9.50", "-1"]
    assert await tickets.count(Query().where(total=Decimal("9.5"))) == 2
    assert await tickets.count(Query().where(F("total").in_([Decimal(100), 10]))) == 2


async def test_a_missing_table_names_how_to_create_it(store: SQLiteEventStore) -> None:
    """Using a repository whose table was never created raises ReadModelSchemaError."""
    tickets = SQLiteReadModelRepository(store, Ticket, table="nowhere")
    with pytest.raises(ReadModelSchemaError, match="create_table") as raised:
        await tickets.find()
    assert isinstance(raised.value.__cause__, sqlite3.Error)
    with pytest.raises(ReadModelSchemaError, match="nowhere"):
        await tickets.insert(ticket("t1"))


async def test_a_table_lacking_a_column_says_so(store: SQLiteEventStore) -> None:
    """A table older than the model raises ReadModelSchemaError naming the table."""
    with sqlite3.connect(store.path) as raw:
        raw.execute("CREATE TABLE old_ticket (id TEXT PRIMARY KEY)")
    raw.close()
    old = SQLiteReadModelRepository(store, Ticket, table="old_ticket")
    with pytest.raises(ReadModelSchemaError, match="lacks a column"):
        await old.upsert(ticket("t1"))


async def test_an_in_memory_database_holds_read_models_too() -> None:
    """ ":memory:" works: one connection serves the event store and the read models."""
    async with await SQLiteEventStore.open(":memory:", migrate=True) as memory:
        tickets = SQLiteReadModelRepository(memory, Ticket)
        await tickets.create_table()
        await tickets.insert(ticket("t1", total="2.50"))
        assert await tickets.find(Query().where(F("total") > 2)) == [ticket("t1", total="2.50")]


async def test_a_closed_store_raises_mink_errors(open_store: Any) -> None:
    """After the store is closed, reads and writes raise mink errors, not sqlite3 ones."""
    store: SQLiteEventStore = await open_store()
    tickets = SQLiteReadModelRepository(store, Ticket)
    await tickets.create_table()
    await store.close()
    with pytest.raises(MinkError, match="closed"):
        await tickets.get("t1")
    with pytest.raises(MinkError, match="closed"):
        await tickets.upsert(ticket("t1"))


@pytest.mark.parametrize("table", ["", "ticket; DROP TABLE x", "1st"])
def test_table_names_are_checked(store: SQLiteEventStore, table: str) -> None:
    """A table name that is not a plain identifier is refused."""
    with pytest.raises(ConfigurationError):
        SQLiteReadModelRepository(store, Ticket, table=table)
