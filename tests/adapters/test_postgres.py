"""The PostgreSQL backend against the shared contracts, and what is particular to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from mink_runtime import migrations
from mink_runtime.adapters.postgres import (
    PostgresEventStore,
    PostgresIdempotencyStore,
    PostgresProjectionStore,
    PostgresSnapshotStore,
)
from mink_runtime.errors import (
    ConfigurationError,
    SchemaNotReadyError,
    StoreUnavailableError,
    StreamNotFoundError,
    TransactionConflictError,
)
from mink_runtime.ports import EventStore
from mink_runtime.testing import (
    EventStoreContract,
    IdempotencyStoreContract,
    ProjectionStoreContract,
    SnapshotStoreContract,
    StoreFactory,
    contract_registry,
)
from mink_runtime.testing._contract_events import ItemAdded
from mink_runtime.testing._event_store_contract import log_readable

pytestmark = pytest.mark.postgres


@pytest.fixture
async def postgres_stores(postgres_url: str, clean_postgres: str) -> AsyncIterator[StoreFactory]:
    """A factory of stores, each with a pool of its own, over the emptied session schema."""
    stores: list[PostgresEventStore] = []

    async def make(share_with: object = None, **options: Any) -> EventStore:
        store = await PostgresEventStore.connect(
            postgres_url, schema=clean_postgres, max_size=12, **options
        )
        stores.append(store)
        return store

    yield make
    for store in stores:
        await store.close()


class TestPostgresEventStore(EventStoreContract):
    @pytest.fixture
    def make_store(self, postgres_stores: StoreFactory) -> StoreFactory:
        return postgres_stores


class TestPostgresIdempotencyStore(IdempotencyStoreContract):
    @pytest.fixture
    def make_store(self, postgres_stores: StoreFactory) -> StoreFactory:
        return postgres_stores

    @pytest.fixture
    def idempotency_store_of(self) -> type[PostgresIdempotencyStore]:
        return PostgresIdempotencyStore


class TestPostgresProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def make_store(self, postgres_stores: StoreFactory) -> StoreFactory:
        return postgres_stores

    @pytest.fixture
    def projection_store_of(self) -> type[PostgresProjectionStore]:
        return PostgresProjectionStore


class TestPostgresSnapshotStore(SnapshotStoreContract):
    @pytest.fixture
    async def event_store(
        self, postgres_url: str, clean_postgres: str
    ) -> AsyncIterator[PostgresEventStore]:
        store = await PostgresEventStore.connect(postgres_url, schema=clean_postgres)
        yield store
        await store.close()

    @pytest.fixture
    def snapshot_store(self, event_store: PostgresEventStore) -> PostgresSnapshotStore:
        return event_store.snapshots

    @pytest.fixture
    def tenant_snapshot_store(self, event_store: PostgresEventStore) -> PostgresSnapshotStore:
        return event_store.for_tenant("acme").snapshots


async def test_connect_to_an_unmigrated_schema_names_the_fix(postgres_url: str) -> None:
    """A schema without mink's tables is reported with the command that creates them."""
    with pytest.raises(SchemaNotReadyError, match="mink migrate up"):
        await PostgresEventStore.connect(postgres_url, schema="mink_never_created")


async def test_connect_with_migrate_creates_the_tables(postgres_url: str) -> None:
    """migrate=True creates the schema, after which appends work."""
    schema = "mink_test_migrate_on_connect"
    try:
        store = await PostgresEventStore.connect(
            postgres_url, schema=schema, migrate=True, registry=contract_registry
        )
        async with store:
            result = await store.append("order-1", [ItemAdded("a")])
            assert result.version == 1
        assert migrations.current(postgres_url, schema=schema) == migrations.REQUIRED_REVISION
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


async def test_an_unreachable_server_is_reported_without_the_password() -> None:
    """Connection failures say where, never with which password."""
    url = "postgresql://mink:s3cret-pw@127.0.0.1:1/nowhere"
    with pytest.raises(StoreUnavailableError) as raised:
        await PostgresEventStore.connect(url, timeout=1.0)
    assert "s3cret-pw" not in str(raised.value)
    assert "127.0.0.1" in str(raised.value)


async def test_a_non_postgres_url_is_a_configuration_error() -> None:
    """A SQLite URL handed to the PostgreSQL store is refused with a hint."""
    with pytest.raises(ConfigurationError, match="postgresql://"):
        await PostgresEventStore.connect("sqlite:///app.db")


async def test_json_events_are_stored_as_queryable_jsonb(
    postgres_url: str, clean_postgres: str
) -> None:
    """JSON event data lands in a jsonb column that SQL can query."""
    store = await PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=contract_registry
    )
    async with store:
        await store.append("order-1", [ItemAdded("sku-9", 4)])
    async with await psycopg.AsyncConnection.connect(postgres_url) as conn:
        cursor = await conn.execute(
            f"SELECT data->>'sku', (data->>'quantity')::int, data_binary "
            f"FROM {clean_postgres}.events"
        )
        assert await cursor.fetchall() == [("sku-9", 4, None)]


async def test_an_older_transaction_cannot_append_behind_a_younger_one(
    postgres_url: str, clean_postgres: str
) -> None:
    """A transaction that began writing before another committed to the same stream is refused
    (its events would precede the younger ones in the global log); nothing of it is written."""
    store = await PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=contract_registry, max_size=4
    )
    # Another process's store: its appends do not join this one's transactions.
    elsewhere = await PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=contract_registry
    )
    async with store, elsewhere:
        await store.append("order-1", [ItemAdded("v1")])
        with pytest.raises(TransactionConflictError):
            async with store.transaction() as tx:
                await tx.append("invoice-1", [ItemAdded("takes the older id")])
                await elsewhere.append("order-1", [ItemAdded("v2 by a younger transaction")])
                await tx.append("order-1", [ItemAdded("would be v3")])
        assert [e.data.sku for e in await store.read_stream("order-1")] == [
            "v1",
            "v2 by a younger transaction",
        ]
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("invoice-1")
        # Run again, the transaction is younger than every writer and goes through.
        async with store.transaction() as tx:
            await tx.append("invoice-1", [ItemAdded("takes the older id")])
            await tx.append("order-1", [ItemAdded("v3")])
        await log_readable(store)
        log = (await store.read_all()).events
        assert [e.version for e in log if e.stream_id == "order-1"] == [1, 2, 3]


def test_the_stream_lock_key_is_the_same_in_the_adapter_and_the_migration() -> None:
    """The plain append and the careful function queue on the same advisory lock."""
    import importlib.util

    from mink_runtime.adapters.postgres._sql import STREAM_LOCK_NAMESPACE

    path = migrations.SCRIPTS / "versions" / "0001_event_store.py"
    spec = importlib.util.spec_from_file_location("mink_migration_0001", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.STREAM_LOCK_NAMESPACE == STREAM_LOCK_NAMESPACE


@pytest.mark.parametrize("statement", ["read_all", "read_all_filtered", "read_forward"])
def test_log_and_stream_reads_walk_an_index_in_order_and_never_sort(
    postgres_url: str, clean_postgres: str, statement: str
) -> None:
    """The generic plan of each read follows an index in order: a page never costs a scan and
    sort of the rest of the log, however the planner's estimates go."""
    from mink_runtime.adapters.postgres._sql import Statements

    sql = getattr(Statements.for_schema(clean_postgres), statement)
    names = ["xid", "position", "limit", "window", "tenant", "categories", "types"]
    names += ["stream", "from"]
    types = {"tenant": "text", "categories": "text[]", "types": "text[]", "stream": "text"}
    used = [n for n in names if f"%({n})s" in sql]
    for number, name in enumerate(used, start=1):
        sql = sql.replace(f"%({name})s", f"${number}")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")
        arg_types = ", ".join(types.get(n, "bigint") for n in used)
        conn.execute(f"PREPARE probe({arg_types}) AS {sql}")
        args = ", ".join({"text": "''", "text[]": "NULL"}.get(types.get(n, ""), "1") for n in used)
        plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN EXECUTE probe({args})"))
    if statement == "read_all_filtered":
        # The window is an ordered walk of the index; the matches are read within its bounds
        # only (however the planner reads them, it never goes past the window's end).
        assert "Index Only Scan using events_global_order" in plan, plan
        assert 'ROW(transaction_id, "position") <= ROW($' in plan, plan
        return
    assert "Bitmap" not in plan, plan
    index = "events_stream_version_key" if statement == "read_forward" else "events_global_order"
    assert f"Index Scan using {index}" in plan, plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan
