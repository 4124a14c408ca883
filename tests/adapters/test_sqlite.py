"""The SQLite backend: the shared contracts, then what only SQLite has (files, locks, schema)."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from mink_runtime import migrations
from mink_runtime.adapters.sqlite import (
    SQLiteEventStore,
    SQLiteIdempotencyStore,
    SQLiteProjectionStore,
    SQLiteSnapshotStore,
)
from mink_runtime.domain import (
    Checkpoint,
    EventRegistry,
    ExpectedVersion,
    MsgpackSerializer,
    NewEvent,
    Snapshot,
    StreamMetadata,
    uuid7,
)
from mink_runtime.errors import (
    ConcurrencyError,
    ConfigurationError,
    DuplicateEventError,
    EventStoreError,
    SchemaNotReadyError,
    StoreUnavailableError,
    StreamDeletedError,
    StreamNotFoundError,
)
from mink_runtime.ports import EventStore
from mink_runtime.testing import (
    EventStoreContract,
    IdempotencyStoreContract,
    ProjectionStoreContract,
    SnapshotStoreContract,
    StoreFactory,
)

NO_STREAM = ExpectedVersion.NO_STREAM
NewDatabase = Callable[[], Path]

events = EventRegistry()


@events.event("test.ItemAdded")
@dataclass(frozen=True)
class ItemAdded:
    sku: str
    quantity: int = 1


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One database migrated with Alembic; each test gets a copy (migrating takes ~0.2 s)."""
    path = tmp_path_factory.mktemp("template") / "mink.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def new_database(tmp_path: Path, migrated_template: Path) -> NewDatabase:
    """A factory of fresh, migrated database files in this test's directory."""
    counter = itertools.count(1)

    def make() -> Path:
        path = tmp_path / f"events-{next(counter)}.db"
        shutil.copyfile(migrated_template, path)
        return path

    return make


@pytest.fixture
def store_path(new_database: NewDatabase) -> Path:
    """A fresh, migrated database file."""
    return new_database()


@pytest.fixture
async def store(store_path: Path) -> AsyncIterator[SQLiteEventStore]:
    """A store over `store_path`, with the contract suite's event classes."""
    async with await SQLiteEventStore.open(store_path, registry=events) as opened:
        yield opened


def items(count: int, prefix: str = "sku") -> list[ItemAdded]:
    return [ItemAdded(f"{prefix}-{i}", i) for i in range(1, count + 1)]


@pytest.fixture
async def sqlite_stores(new_database: NewDatabase) -> AsyncIterator[StoreFactory]:
    """A factory of stores over fresh databases (or, `share_with`, over another's file)."""
    stores: list[SQLiteEventStore] = []

    async def make(share_with: SQLiteEventStore | None = None, **options: Any) -> EventStore:
        path = share_with.path if share_with is not None else new_database()
        opened = await SQLiteEventStore.open(path, **options)
        stores.append(opened)
        return opened

    yield make
    for opened in stores:
        await opened.close()


class TestSQLiteEventStore(EventStoreContract):
    @pytest.fixture
    def make_store(self, sqlite_stores: StoreFactory) -> StoreFactory:
        return sqlite_stores


class TestSQLiteIdempotencyStore(IdempotencyStoreContract):
    @pytest.fixture
    def make_store(self, sqlite_stores: StoreFactory) -> StoreFactory:
        return sqlite_stores

    @pytest.fixture
    def idempotency_store_of(self) -> type[SQLiteIdempotencyStore]:
        return SQLiteIdempotencyStore


class TestSQLiteProjectionStore(ProjectionStoreContract):
    @pytest.fixture
    def make_store(self, sqlite_stores: StoreFactory) -> StoreFactory:
        return sqlite_stores

    @pytest.fixture
    def projection_store_of(self) -> type[SQLiteProjectionStore]:
        return SQLiteProjectionStore


class TestSQLiteSnapshotStore(SnapshotStoreContract):
    @pytest.fixture
    async def snapshot_store(self, store: SQLiteEventStore) -> SQLiteSnapshotStore:
        return store.snapshots

    @pytest.fixture
    def tenant_snapshot_store(self, snapshot_store: SQLiteSnapshotStore) -> SQLiteSnapshotStore:
        return snapshot_store.for_tenant("acme")


def test_the_package_exports_exactly_its_public_names() -> None:
    """__all__ is sorted and lists every public name of mink_runtime.adapters.sqlite."""
    import mink_runtime.adapters.sqlite as package

    assert package.__all__ == sorted(package.__all__)
    public = {
        name
        for name in vars(package)
        # '@py_builtins' and the like: pytest rewrites the asserts of a plugin's distribution
        if not name.startswith("_") and name.isidentifier()
    }
    assert set(package.__all__) == public


# --- opening and the schema --------------------------------------------------------------


async def test_opening_an_unmigrated_file_names_the_fix(tmp_path: Path) -> None:
    """A database without mink's tables is refused at open, saying how to create them."""
    with pytest.raises(SchemaNotReadyError) as raised:
        await SQLiteEventStore.open(tmp_path / "empty.db")
    assert "mink migrate up" in str(raised.value)
    assert "migrate=True" in str(raised.value)


async def test_opening_a_database_at_another_revision_is_refused(store_path: Path) -> None:
    """A schema older (or newer) than this mink expects is refused at open, naming both."""
    with sqlite3.connect(store_path) as raw:
        raw.execute("UPDATE mink_alembic_version SET version_num = '0000'")
    raw.close()
    with pytest.raises(SchemaNotReadyError, match="0000"):
        await SQLiteEventStore.open(store_path)


async def test_migrate_true_creates_the_tables_of_a_new_file(tmp_path: Path) -> None:
    """Opening with migrate=True runs the migrations; a later open finds them current."""
    path = tmp_path / "new.db"
    async with await SQLiteEventStore.open(path, migrate=True, registry=events) as s:
        await s.append("order-1", items(2))
        await s.migrate()  # already at head: nothing to do
    assert migrations.current(f"sqlite:///{path}") == migrations.head()
    async with await SQLiteEventStore.open(path, registry=events) as reopened:
        assert len(await reopened.read_stream("order-1")) == 2


async def test_tables_of_another_schema_name_live_beside_the_default(
    tmp_path: Path,
) -> None:
    """schema="billing" uses billing_* tables, separate from the mink_* ones."""
    path = tmp_path / "two.db"
    async with (
        await SQLiteEventStore.open(path, migrate=True, registry=events) as default,
        await SQLiteEventStore.open(
            path, schema="billing", migrate=True, registry=events
        ) as billing,
    ):
        await default.append("order-1", items(1))
        with pytest.raises(StreamNotFoundError):
            await billing.read_stream("order-1")


async def test_an_in_memory_store_needs_migrate_true_and_then_works() -> None:
    """ ":memory:" starts empty: refused without migrate=True, a working store with it."""
    with pytest.raises(SchemaNotReadyError, match="migrate=True"):
        await SQLiteEventStore.open(":memory:")
    async with await SQLiteEventStore.open(":memory:", migrate=True, registry=events) as memory:
        await memory.append("order-1", items(3), expected_version=NO_STREAM)
        assert [e.version for e in await memory.read_stream("order-1")] == [1, 2, 3]
        assert len((await memory.read_all()).events) == 3
        await memory.snapshots.save(snapshot_of("order-1", 3))
        assert await memory.snapshots.load("order-1") == snapshot_of("order-1", 3)


async def test_in_memory_readers_wait_for_another_tasks_open_transaction() -> None:
    """In memory (one connection), other tasks never read a transaction's uncommitted appends."""
    async with await SQLiteEventStore.open(":memory:", migrate=True, registry=events) as memory:
        inside = asyncio.Event()
        release = asyncio.Event()

        async def write() -> None:
            async with memory.transaction() as tx:
                await tx.append("order-1", items(2))
                assert len(await memory.read_stream("order-1")) == 2  # its own appends
                inside.set()
                await release.wait()

        writer = asyncio.ensure_future(write())
        await inside.wait()
        reader = asyncio.ensure_future(memory.read_all())
        await asyncio.sleep(0.05)
        assert not reader.done()
        release.set()
        await writer
        assert len((await reader).events) == 2


async def test_an_in_memory_read_gives_up_on_a_transaction_open_past_busy_timeout() -> None:
    """In memory, a read waiting longer than busy_timeout for a transaction raises."""
    async with await SQLiteEventStore.open(
        ":memory:", migrate=True, registry=events, busy_timeout=0.1
    ) as memory:
        async with memory.transaction() as tx:
            await tx.append("order-1", items(1))
            with pytest.raises(StoreUnavailableError, match="in-memory"):
                await asyncio.ensure_future(memory.read_all())
        assert len((await memory.read_all()).events) == 1


@pytest.mark.parametrize(
    "target",
    ["relative", "url", "path"],
)
async def test_a_store_opens_from_a_path_or_a_sqlite_url(
    target: str, new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "app.db", Path("app.db") and "sqlite:///app.db" open the same file."""
    path = new_database()
    monkeypatch.chdir(path.parent)
    targets: dict[str, str | Path] = {
        "relative": path.name,
        "url": f"sqlite:///{path.name}",
        "path": path,
    }
    where = targets[target]
    async with await SQLiteEventStore.open(where, registry=events) as opened:
        await opened.append("order-1", items(1))
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM mink_events").fetchone() == (1,)
    raw.close()


@pytest.mark.parametrize(
    ("target", "options"),
    [
        ("postgresql://db/app", {}),
        ("", {}),
        ("app.db", {"synchronous": "SOMETIMES"}),
        ("app.db", {"schema": "Bad-Name"}),
        ("app.db", {"busy_timeout": -1}),
    ],
)
async def test_bad_targets_and_settings_are_refused(
    target: str, options: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another database's URL, an empty path and bad settings are configuration errors."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError):
        await SQLiteEventStore.open(target, **options)
    assert not (tmp_path / "app.db").exists()


async def test_a_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    """A path in a missing directory raises StoreUnavailableError, not a sqlite3 error."""
    with pytest.raises(StoreUnavailableError) as raised:
        await SQLiteEventStore.open(tmp_path / "missing" / "app.db")
    assert isinstance(raised.value.__cause__, sqlite3.Error)


async def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    """Opening a file of another kind raises EventStoreError, not a sqlite3 error."""
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are not the tables you are looking for" * 100)
    with pytest.raises(EventStoreError, match="not a database") as raised:
        await SQLiteEventStore.open(path, migrate=True)
    assert isinstance(raised.value.__cause__, sqlite3.Error)


async def test_a_closed_store_raises_mink_errors(store_path: Path) -> None:
    """After close, every operation raises EventStoreError saying the store is closed."""
    closed = await SQLiteEventStore.open(store_path, registry=events)
    await closed.close()
    await closed.close()  # closing twice is harmless
    with pytest.raises(EventStoreError, match="closed"):
        await closed.append("order-1", items(1))
    with pytest.raises(EventStoreError, match="closed"):
        await closed.read_all()
    with pytest.raises(EventStoreError, match="closed"):
        await closed.snapshots.save(snapshot_of("order-1", 1))
    with pytest.raises(EventStoreError, match="closed"):
        async with closed.transaction() as tx:
            await tx.append("order-1", items(1))


async def test_sqlite_errors_are_translated_and_chained(
    store: SQLiteEventStore, store_path: Path
) -> None:
    """Tables dropped behind the store's back give SchemaNotReadyError with the sqlite3 cause."""
    with sqlite3.connect(store_path) as raw:
        raw.execute("DROP TABLE mink_events")
    raw.close()
    with pytest.raises(SchemaNotReadyError) as raised:
        await store.append("order-1", items(1))
    assert isinstance(raised.value.__cause__, sqlite3.Error)
    with pytest.raises(SchemaNotReadyError):
        await store.read_all()


# --- storage format ------------------------------------------------------------------------


async def test_json_is_stored_as_text_and_msgpack_as_a_blob(
    store_path: Path, store: SQLiteEventStore
) -> None:
    """Rows say their content type; JSON data is readable text, binary data a blob."""
    await store.append("order-1", [ItemAdded("json", 1)])
    async with await SQLiteEventStore.open(
        store_path, registry=events, serializer=MsgpackSerializer()
    ) as packed:
        await packed.append("order-1", [ItemAdded("msgpack", 2)])
        assert [e.data for e in await packed.read_stream("order-1")] == [
            ItemAdded("json", 1),
            ItemAdded("msgpack", 2),
        ]
    with sqlite3.connect(store_path) as raw:
        rows = raw.execute(
            "SELECT content_type, typeof(data), typeof(event_id), length(event_id)"
            " FROM mink_events ORDER BY position"
        ).fetchall()
    raw.close()
    assert rows == [
        ("application/json", "text", "blob", 16),
        ("application/msgpack", "blob", "blob", 16),
    ]


async def test_the_database_file_keeps_events_across_reopening(store_path: Path) -> None:
    """Closed and opened again, the store reads the same events and stream versions."""
    async with await SQLiteEventStore.open(store_path, registry=events) as first:
        written = await first.append("order-1", items(3))
    async with await SQLiteEventStore.open(store_path, registry=events) as second:
        assert [e.position for e in await second.read_stream("order-1")] == list(written.positions)
        assert (await second.append("order-1", items(1), expected_version=3)).version == 4


async def test_snapshot_times_round_trip_exactly_in_utc(store: SQLiteEventStore) -> None:
    """taken_at keeps its microseconds; a time in another zone loads as the same instant."""
    taken = datetime(2025, 3, 4, 5, 6, 7, 891, tzinfo=timezone(timedelta(hours=2)))
    await store.snapshots.save(snapshot_of("order-1", 4, taken_at=taken))
    loaded = await store.snapshots.load("order-1")
    assert loaded is not None
    assert loaded.taken_at == taken
    assert loaded.taken_at.utcoffset() == timedelta(0)


async def test_read_all_says_whether_matching_events_remain(store: SQLiteEventStore) -> None:
    """With a filter and a limit, is_end is False while more matching events remain."""
    for n in range(3):
        await store.append(f"order-{n}", items(1))
        await store.append(f"invoice-{n}", items(1))
    first = await store.read_all(categories=["invoice"], limit=2)
    assert [e.stream_id for e in first.events] == ["invoice-0", "invoice-1"]
    assert not first.is_end
    assert first.checkpoint == first.events[-1].checkpoint
    rest = await store.read_all(after=first.checkpoint, categories=["invoice"], limit=2)
    assert [e.stream_id for e in rest.events] == ["invoice-2"]
    assert rest.is_end
    assert rest.checkpoint == await store.head()


async def test_truncating_or_configuring_a_deleted_stream_is_refused(
    store: SQLiteEventStore,
) -> None:
    """Truncate says not found for a soft-deleted stream; both refuse a tombstoned one."""
    await store.append("order-1", items(2))
    await store.append("order-2", items(2))
    await store.delete_stream("order-1")
    await store.delete_stream("order-2", hard=True)
    with pytest.raises(StreamNotFoundError):
        await store.truncate_stream("order-1", before_version=2)
    with pytest.raises(StreamDeletedError):
        await store.truncate_stream("order-2", before_version=2)
    with pytest.raises(StreamDeletedError):
        await store.set_stream_metadata("order-2", StreamMetadata(max_count=1))
    with pytest.raises(StreamNotFoundError):
        await store.truncate_stream("order-404", before_version=2)


async def test_a_snapshot_with_a_naive_time_is_refused(store: SQLiteEventStore) -> None:
    """taken_at must be timezone-aware: a naive time would load as a different instant."""
    naive = snapshot_of("order-1", 1, taken_at=datetime(2025, 1, 2, 3, 4, 5))
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        await store.snapshots.save(naive)
    assert await store.snapshots.load("order-1") is None


# --- locking, transactions, concurrency ----------------------------------------------------


async def test_writes_through_the_store_inside_its_own_transaction_join_it(
    store: SQLiteEventStore,
) -> None:
    """store.append and snapshot saves inside the task's own block join it, not deadlock."""
    with pytest.raises(RuntimeError, match="undo"):
        async with store.transaction() as tx:
            await tx.append("order-1", items(1))
            await store.append("order-2", items(1))
            await store.snapshots.save(snapshot_of("order-1", 1))
            raise RuntimeError("undo")
    assert await store.snapshots.load("order-1") is None
    async with store.transaction() as tx:
        await tx.append("order-1", items(1))
        await store.append("order-2", items(1))
        await store.snapshots.save(snapshot_of("order-1", 1))
    assert len(await store.read_stream("order-2")) == 1
    assert await store.snapshots.load("order-1") is not None


async def test_a_transaction_cannot_be_used_after_its_block(store: SQLiteEventStore) -> None:
    """Appending through a transaction whose block ended is a usage error."""
    async with store.transaction() as tx:
        pass
    with pytest.raises(ConfigurationError, match="ended"):
        await tx.append("order-1", items(1))


async def test_a_tenant_view_shares_the_connections_and_closing_it_keeps_them(
    store: SQLiteEventStore,
) -> None:
    """for_tenant views write to the same database; closing a view leaves the store open."""
    acme = store.for_tenant("acme")
    await acme.append("order-1", items(1))
    await acme.close()
    assert (await store.read_all()).events[0].tenant_id == "acme"


async def test_two_stores_on_one_file_see_each_others_commits(
    store_path: Path, store: SQLiteEventStore
) -> None:
    """A second store object (as another process would be) reads what the first committed."""
    async with await SQLiteEventStore.open(store_path, registry=events) as other:
        await store.append("order-1", items(2))
        assert (await other.head()) == (await store.head())
        await other.append("order-1", items(1), expected_version=2)
        # The first store remembered version 2; its next append must notice the move.
        with pytest.raises(ConcurrencyError) as raised:
            await store.append("order-1", items(1), expected_version=2)
        assert raised.value.actual_version == 3
        assert (await store.append("order-1", items(1), expected_version=3)).version == 4


async def test_a_stream_deleted_through_another_store_is_noticed_by_the_next_append(
    store_path: Path, store: SQLiteEventStore
) -> None:
    """What this store remembers of a stream never hides another writer's delete."""
    await store.append("order-1", items(2))
    await store.append("order-2", items(2))
    async with await SQLiteEventStore.open(store_path, registry=events) as other:
        await other.delete_stream("order-1")
        await other.delete_stream("order-2", hard=True)
    result = await store.append("order-1", items(1), expected_version=NO_STREAM)
    assert result.version == 3
    assert [e.version for e in await store.read_stream("order-1")] == [3]
    with pytest.raises(StreamDeletedError):
        await store.append("order-2", items(1))


async def test_a_batch_repeating_an_id_leaves_the_stream_as_it_was(
    store: SQLiteEventStore,
) -> None:
    """A refused multi-event append writes no row and does not move the stream's version."""
    await store.append("order-1", items(2))
    event_id = uuid7()
    twice = [NewEvent(data=ItemAdded("a"), event_id=event_id)] * 2
    with pytest.raises(DuplicateEventError):
        await store.append("order-1", [NewEvent(data=ItemAdded("b")), *twice])
    assert (await store.get_stream("order-1")).version == 2
    assert len((await store.read_all()).events) == 2
    assert (await store.append("order-1", items(1), expected_version=2)).version == 3


async def test_a_failed_append_inside_a_transaction_leaves_the_rest_to_commit(
    store: SQLiteEventStore,
) -> None:
    """A transaction block that catches a refused append commits its other appends only."""
    await store.append("invoice-1", items(1))
    async with store.transaction() as tx:
        await tx.append("order-1", items(2), expected_version=NO_STREAM)
        with pytest.raises(ConcurrencyError):
            await tx.append("invoice-1", items(3), expected_version=NO_STREAM)
        shared = NewEvent(data=ItemAdded("x"))
        with pytest.raises(DuplicateEventError):
            await tx.append("order-1", [NewEvent(data=ItemAdded("y")), shared, shared])
        await tx.append("order-1", items(1), expected_version=2)
    assert [e.version for e in await store.read_stream("order-1")] == [1, 2, 3]
    assert len(await store.read_stream("invoice-1")) == 1


async def test_an_append_failing_inside_sqlite_makes_its_transaction_roll_back(
    store: SQLiteEventStore, store_path: Path
) -> None:
    """If SQLite fails mid-append, the block rolls back even when it caught the error."""
    with sqlite3.connect(store_path) as raw:  # a trigger refusing one stream, after its events
        raw.execute(
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON mink_streams"
            " WHEN NEW.stream_id = 'poison-1' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
        )
    raw.close()
    with pytest.raises(EventStoreError, match="rolled back"):
        async with store.transaction() as tx:
            await tx.append("order-1", items(1))
            with pytest.raises(EventStoreError, match="poisoned") as raised:
                await tx.append("poison-1", items(1))
            assert isinstance(raised.value.__cause__, sqlite3.Error)
    assert (await store.read_all()).events == []
    assert (await store.append("order-1", items(1))).version == 1


async def test_an_open_transaction_of_one_store_makes_the_other_wait(
    store_path: Path, store: SQLiteEventStore
) -> None:
    """Another store's append waits (without blocking the loop) until the transaction commits."""
    async with await SQLiteEventStore.open(store_path, registry=events) as other:
        async with store.transaction() as tx:
            await tx.append("order-1", items(1), expected_version=NO_STREAM)
            waiting = asyncio.ensure_future(
                other.append("order-1", items(1), expected_version=NO_STREAM)
            )
            await asyncio.sleep(0.1)
            assert not waiting.done()
        with pytest.raises(ConcurrencyError):
            await waiting
        assert [e.version for e in await other.read_stream("order-1")] == [1]


def _race(path: Path, worker: int, rounds: int, barrier: threading.Barrier) -> list[bool]:
    """One 'process' (its own thread, event loop and store): per round, read the version, wait
    for the others, then all append at that expected version. Whether it won, by round.
    """

    async def run() -> list[bool]:
        won: list[bool] = []
        async with await SQLiteEventStore.open(path, registry=events) as racer:
            for n in range(rounds):
                version = (await racer.get_stream("order-1")).version
                barrier.wait()
                try:
                    await racer.append(
                        "order-1", [ItemAdded(f"w{worker}-{n}")], expected_version=version
                    )
                except ConcurrencyError:
                    won.append(False)
                else:
                    won.append(True)
                barrier.wait()  # the next round reads after this one committed
        return won

    return asyncio.run(run())


async def test_stores_in_parallel_threads_race_and_exactly_one_wins_each_round(
    store: SQLiteEventStore, store_path: Path
) -> None:
    """Writers on one file in parallel (as processes would be): each race has one winner."""
    workers, rounds = 3, 25
    await store.append("order-1", items(1))
    barrier = threading.Barrier(workers, timeout=30)
    with ThreadPoolExecutor(workers) as pool:
        runs = [
            asyncio.wrap_future(pool.submit(_race, store_path, w, rounds, barrier))
            for w in range(workers)
        ]
        results = await asyncio.gather(*runs)
    winners = [sum(round_) for round_ in zip(*results, strict=True)]
    assert winners == [1] * rounds
    recorded = await store.read_stream("order-1")
    assert [e.version for e in recorded] == list(range(1, rounds + 2))
    assert (await store.get_stream("order-1")).version == rounds + 1
    with sqlite3.connect(store_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    raw.close()


@pytest.fixture
def write_lock(store_path: Path, store: SQLiteEventStore) -> Iterator[sqlite3.Connection]:
    """Another connection holding the write lock (BEGIN IMMEDIATE) of the store's WAL file."""
    holder = sqlite3.connect(store_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    if holder.in_transaction:
        holder.execute("ROLLBACK")
    holder.close()


async def _ticking() -> tuple[asyncio.Task[None], list[int]]:
    ticks = [0]

    async def tick() -> None:
        while True:
            ticks[0] += 1
            await asyncio.sleep(0.005)

    return asyncio.ensure_future(tick()), ticks


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def test_an_append_waits_out_another_connections_lock_without_blocking_the_loop(
    store: SQLiteEventStore, write_lock: sqlite3.Connection
) -> None:
    """While another connection holds the write lock the append waits, the loop runs on."""
    ticker, ticks = await _ticking()
    asyncio.get_running_loop().call_later(0.2, write_lock.execute, "COMMIT")
    started = time.monotonic()
    try:
        result = await store.append("order-1", items(1))
    finally:
        await _stop(ticker)
    assert result.version == 1
    assert time.monotonic() - started >= 0.15
    assert ticks[0] >= 10  # other coroutines kept running during the wait


async def test_an_append_gives_up_after_busy_timeout(
    store_path: Path, write_lock: sqlite3.Connection
) -> None:
    """A lock held longer than busy_timeout raises StoreUnavailableError; nothing is written."""
    async with await SQLiteEventStore.open(
        store_path, registry=events, busy_timeout=0.2
    ) as impatient:
        ticker, ticks = await _ticking()
        started = time.monotonic()
        try:
            with pytest.raises(StoreUnavailableError, match="busy_timeout") as raised:
                await impatient.append("order-1", items(1))
        finally:
            await _stop(ticker)
        assert 0.15 <= time.monotonic() - started < 2
        assert ticks[0] >= 10
        assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
        write_lock.execute("ROLLBACK")
        with pytest.raises(StreamNotFoundError):
            await impatient.read_stream("order-1")
        assert (await impatient.append("order-1", items(1))).version == 1


async def test_a_transaction_waits_out_another_connections_lock_at_its_first_append(
    store: SQLiteEventStore, write_lock: sqlite3.Connection
) -> None:
    """A transaction block takes SQLite's lock lazily, waiting for it without blocking."""
    ticker, ticks = await _ticking()
    asyncio.get_running_loop().call_later(0.2, write_lock.execute, "COMMIT")
    try:
        async with store.transaction() as tx:
            assert await store.read_all()  # before its first append it holds no lock
            await tx.append("order-1", items(1))
    finally:
        await _stop(ticker)
    assert ticks[0] >= 10
    assert len(await store.read_stream("order-1")) == 1


async def test_reads_go_on_while_another_connection_holds_the_write_lock(
    store: SQLiteEventStore, write_lock: sqlite3.Connection
) -> None:
    """WAL: readers neither wait for a writer nor see what it has not committed."""
    write_lock.execute(
        "INSERT INTO mink_streams (tenant_id, stream_id, created_at, updated_at)"
        " VALUES ('', 'order-9', '', '')"
    )
    started = time.monotonic()
    assert await store.list_streams() == []
    assert await store.head() == Checkpoint.START
    assert time.monotonic() - started < 1  # far below the 5 s it would wait if blocked


def snapshot_of(stream_id: str, version: int, **changes: Any) -> Snapshot:
    values: dict[str, Any] = {
        "stream_id": stream_id,
        "version": version,
        "aggregate_type": "Order",
        "schema_version": 1,
        "state": {"status": "open", "total": "9.50"},
        "taken_at": datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    }
    values.update(changes)
    return Snapshot(**values)
