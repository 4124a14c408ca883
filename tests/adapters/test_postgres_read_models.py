"""The PostgreSQL read-model repository against the shared contracts, and what only it has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from mink_runtime.adapters.postgres import PostgresEventStore, PostgresReadModelRepository
from mink_runtime.domain import Query, plan_query
from mink_runtime.errors import ConfigurationError, ReadModelSchemaError
from mink_runtime.ports import EventStore, ReadModelRepository
from mink_runtime.testing import (
    JoinedFactory,
    OrderSummary,
    ReadModelRepositoryContract,
    ReadModelTransactionContract,
    RepositoryFactory,
    contract_registry,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
async def store(postgres_url: str, clean_postgres: str) -> AsyncIterator[PostgresEventStore]:
    """A store over the session schema, with room for concurrent tests."""
    async with await PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=contract_registry, max_size=12
    ) as opened:
        yield opened


async def fresh(
    store: PostgresEventStore, schema: str, model: type[Any], id_field: str = "id"
) -> PostgresReadModelRepository[Any]:
    """An empty repository whose table lives in the session's schema."""
    repository = PostgresReadModelRepository(store, model, schema=schema, id_field=id_field)
    await repository.create_table()
    await repository.clear()
    return repository


class TestPostgresReadModelRepository(ReadModelRepositoryContract):
    @pytest.fixture
    def make_repository(self, store: PostgresEventStore, clean_postgres: str) -> RepositoryFactory:
        async def make(model: type[Any], *, id_field: str = "id") -> ReadModelRepository[Any]:
            return await fresh(store, clean_postgres, model, id_field)

        return make


class TestPostgresReadModelTransactions(ReadModelTransactionContract):
    @pytest.fixture
    def joined(self, store: PostgresEventStore, clean_postgres: str) -> JoinedFactory:
        async def make() -> tuple[EventStore, ReadModelRepository[OrderSummary]]:
            return store, await fresh(store, clean_postgres, OrderSummary)

        return make


# --- what only PostgreSQL has ---------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    id: str
    customer: str
    opened: datetime
    total: Decimal
    tags: list[str]
    done: bool = False


async def test_the_table_has_typed_columns(store: PostgresEventStore, clean_postgres: str) -> None:
    """Each field becomes a column of its type; text sorts by code point (COLLATE "C")."""
    tickets = await fresh(store, clean_postgres, Ticket)
    async with store._pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT column_name, data_type, collation_name, is_nullable "
            "FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
            (clean_postgres, tickets.table),
        )
        columns = {row[0]: row[1:] for row in await cursor.fetchall()}
    assert columns == {
        "id": ("text", "C", "NO"),
        "customer": ("text", "C", "NO"),
        "opened": ("timestamp with time zone", None, "NO"),
        "total": ("numeric", None, "NO"),
        "tags": ("jsonb", None, "NO"),
        "done": ("boolean", None, "NO"),
    }


async def explain(store: PostgresEventStore, repository: Any, query: Query) -> str:
    """PostgreSQL's plan for the one statement the repository runs for `query`."""
    sql, params = repository._sql.find(plan_query(query, repository.schema))
    async with store._pool.connection() as conn:
        await conn.execute("ANALYZE " + repository._sql.table)
        cursor = await conn.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in await cursor.fetchall())


async def test_finds_over_indexed_columns_use_the_indexes(
    store: PostgresEventStore, clean_postgres: str
) -> None:
    """Equality, ordering and keyset paging on indexed columns are index scans."""
    tickets = PostgresReadModelRepository(store, Ticket, schema=clean_postgres, table="tickets")
    await tickets.drop_table()
    await tickets.create_table(indexes=["total", ("customer", "id")])
    async with store._pool.connection() as conn:
        await conn.execute(
            f"INSERT INTO {clean_postgres}.tickets SELECT i::text, "
            "'c' || (i % 500), now(), i, '[]', false FROM generate_series(1, 20000) i"
        )
    plan = await explain(store, tickets, Query().where(total=Decimal(42)))
    assert "ix_tickets_total" in plan
    page = await tickets.page(Query().order_by("customer").limit(10))
    after = Query().order_by("customer").limit(10).after(page.next_cursor)
    plan = await explain(store, tickets, after)
    assert "Index Scan using ix_tickets_customer_id" in plan
    assert "Sort" not in plan
    await tickets.drop_table()


async def test_a_missing_table_names_how_to_create_it(
    store: PostgresEventStore, clean_postgres: str
) -> None:
    """Using a repository whose table was never created raises ReadModelSchemaError."""
    missing = PostgresReadModelRepository(store, Ticket, schema=clean_postgres, table="nowhere")
    with pytest.raises(ReadModelSchemaError, match="create_table") as raised:
        await missing.get("t1")
    assert isinstance(raised.value.__cause__, psycopg.Error)
    with pytest.raises(ReadModelSchemaError, match="read_model_table"):
        await missing.upsert(Ticket("t1", "c", datetime.now(UTC), Decimal(1), []))


async def test_a_table_lacking_a_column_says_so(
    store: PostgresEventStore, clean_postgres: str
) -> None:
    """A table older than the model (a field added since) raises ReadModelSchemaError."""
    async with store._pool.connection() as conn:
        await conn.execute(f"DROP TABLE IF EXISTS {clean_postgres}.old_tickets")
        await conn.execute(f"CREATE TABLE {clean_postgres}.old_tickets (id text PRIMARY KEY)")
    old = PostgresReadModelRepository(store, Ticket, schema=clean_postgres, table="old_tickets")
    with pytest.raises(ReadModelSchemaError, match="lacks a column"):
        await old.find()


async def test_writes_in_a_tenant_views_transaction_join_it(
    store: PostgresEventStore, clean_postgres: str
) -> None:
    """A store's tenant view shares the pool: its transaction is the one writes join."""
    tickets = await fresh(store, clean_postgres, Ticket)
    tenant = store.for_tenant("acme")
    with pytest.raises(RuntimeError):
        async with tenant.transaction():
            await tickets.upsert(Ticket("t1", "c", datetime.now(UTC), Decimal(1), []))
            raise RuntimeError("roll back")
    assert await tickets.count() == 0


@pytest.mark.parametrize(("table", "schema"), [("Tickets;", None), ("t", "public.x"), ("", None)])
def test_table_and_schema_names_are_checked(
    store: PostgresEventStore, table: str, schema: str | None
) -> None:
    """Names that are not plain identifiers are refused before any SQL is built."""
    with pytest.raises(ConfigurationError):
        PostgresReadModelRepository(store, Ticket, table=table, schema=schema)
