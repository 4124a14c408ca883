"""The sync door: blocking twins that run the async core on mink's private loop thread."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from mink_runtime import (
    Aggregate,
    CommandError,
    ConcurrencyError,
    EventRegistry,
    EveryNEvents,
    NewEvent,
    StreamNotFoundError,
    apply,
    current_context,
    message_context,
    sync,
)
from mink_runtime.application.commands import Idempotency, default_middleware
from mink_runtime.testing._event_store_contract import log_readable

registry = EventRegistry()


@registry.event("sync.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


class Account(Aggregate):
    registry = registry

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.balance = 0

    def deposit(self, amount: int) -> None:
        self.record(Deposited(amount))

    @apply
    def _deposited(self, event: Deposited) -> None:
        self.balance += event.amount


def test_a_blocking_store_appends_and_reads_without_an_event_loop() -> None:
    """Plain synchronous code appends, reads and sees errors as with the async API."""
    with sync.InMemoryEventStore(registry=registry) as store:
        result = store.append("account-1", [Deposited(5)], expected_version=0)
        assert result.version == 1
        assert [e.data for e in store.read_stream("account-1")] == [Deposited(5)]
        assert [e.position for e in store.read_all().events] == list(result.positions)
        with pytest.raises(ConcurrencyError):
            store.append("account-1", [Deposited(1)], expected_version=0)
        with pytest.raises(StreamNotFoundError):
            store.read_stream("account-2")


def test_a_blocking_repository_saves_loads_and_snapshots() -> None:
    """The repository twin keeps snapshots working through the twin snapshot store."""
    with sync.InMemoryEventStore(registry=registry) as store:
        accounts = sync.AggregateRepository(
            store, Account, snapshots=store.snapshots, snapshot_policy=EveryNEvents(2)
        )
        account = Account("1")
        account.deposit(10)
        account.deposit(5)
        accounts.save(account)
        assert accounts.load("1").balance == 15
        assert accounts.exists("1")
        snapshot = store.snapshots.load("account-1")
        assert snapshot is not None
        assert snapshot.version == 2


def test_a_blocking_transaction_commits_or_rolls_back_as_a_whole() -> None:
    """The with-block commits on success and writes nothing when it raises."""
    with sync.InMemoryEventStore(registry=registry) as store:
        with store.transaction() as tx:
            tx.append("account-1", [Deposited(1)])
            tx.append("account-2", [Deposited(2)])
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.append("account-3", [Deposited(3)])
            raise RuntimeError("abandon")
        assert len(store.list_streams()) == 2


def test_many_threads_share_the_door() -> None:
    """Threads appending through one blocking store all land, each stream in order."""
    with sync.InMemoryEventStore(registry=registry) as store:

        def work(n: int) -> None:
            for i in range(20):
                store.append(f"account-{n}", [NewEvent(data=Deposited(i))])

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for n in range(8):
            assert [e.data.amount for e in store.read_stream(f"account-{n}")] == list(range(20))


def test_calling_the_door_from_its_own_loop_is_refused() -> None:
    """Blocking on the loop thread would deadlock; it raises instead."""

    async def inner() -> None:
        store = sync.InMemoryEventStore(registry=registry)
        store.append("account-1", [Deposited(1)])

    with pytest.raises(RuntimeError, match="await the async API"):
        sync.run(inner())


@pytest.mark.postgres
def test_the_blocking_postgres_store_works_end_to_end(
    postgres_url: str, clean_postgres: str
) -> None:
    """connect() opens the async pool on the door's loop; appends and loads go through it."""
    with sync.PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=registry
    ) as store:
        accounts = sync.AggregateRepository(store, Account)
        account = Account("7")
        account.deposit(3)
        accounts.save(account)
        assert accounts.load("7").balance == 3
        sync.run(log_readable(store.async_store))
        assert store.head() == store.read_all().events[-1].checkpoint


def test_blocking_appends_inside_a_blocking_transaction_join_it() -> None:
    """As with the async API, a store append inside the block joins the transaction: one
    thread's calls share one context."""
    with sync.InMemoryEventStore(registry=registry) as store:
        with pytest.raises(RuntimeError, match="undo"), store.transaction():
            store.append("account-1", [Deposited(1)])
            raise RuntimeError("undo")
        assert store.list_streams() == []
        with store.transaction():
            store.append("account-1", [Deposited(1)])
        assert len(store.read_stream("account-1")) == 1


def test_code_already_running_an_event_loop_can_use_the_door() -> None:
    """From inside a running loop (a notebook, an async framework) the blocking call still
    works: a helper thread drives mink's loop for it."""

    async def in_someone_elses_loop() -> int:
        with sync.InMemoryEventStore(registry=registry) as store:
            store.append("account-1", [Deposited(4)])
            return len(store.read_stream("account-1"))

    assert asyncio.run(in_someone_elses_loop()) == 1


@pytest.mark.postgres
def test_threads_hand_the_loop_over_while_appending_to_postgres(
    postgres_url: str, clean_postgres: str
) -> None:
    """Threads calling at once take turns driving the loop, and no call is left waiting."""
    with sync.PostgresEventStore.connect(
        postgres_url, schema=clean_postgres, registry=registry, max_size=8
    ) as store:

        def work(n: int) -> None:
            for i in range(15):
                store.append(f"account-{n}", [Deposited(i)], expected_version=i)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert sum(len(store.read_stream(f"account-{n}")) for n in range(8)) == 120


@dataclass(frozen=True)
class Deposit:
    account_id: str
    amount: int


def test_a_blocking_bus_runs_def_handlers_in_the_dispatching_thread() -> None:
    """A `def` handler runs in the caller's thread (where blocking is fine), sees the dispatch's
    message context, and its twin calls record events with that context."""
    with sync.InMemoryEventStore(registry=registry) as store:
        accounts = sync.AggregateRepository(store, Account)
        bus = sync.CommandBus()
        seen: list[tuple[int, str | None]] = []

        @bus.handler
        def deposit(command: Deposit) -> None:
            seen.append((threading.get_ident(), current_context().causation_id))
            account = Account(command.account_id)
            account.deposit(command.amount)
            accounts.save(account)

        with message_context(user_id="alice"):
            result = bus.dispatch(Deposit("1", 5))
        assert seen == [(threading.get_ident(), result.command_id)]
        assert (result.stream_id, result.version) == ("account-1", 1)
        (event,) = store.read_stream("account-1")
        assert (event.metadata.causation_id, event.metadata.user_id) == (
            result.command_id,
            "alice",
        )


def test_blocking_handlers_join_the_idempotency_transaction(tmp_path: Path) -> None:
    """Twin calls of a `def` handler land in the dispatch's transaction: a failure after a save
    leaves nothing, and a duplicate is replayed without running the handler."""
    with sync.SQLiteEventStore.open(tmp_path / "bank.db", migrate=True, registry=registry) as store:
        accounts = sync.AggregateRepository(store, Account)
        keys = sync.SQLiteIdempotencyStore(store)
        bus = sync.CommandBus(middleware=default_middleware(idempotency=Idempotency(keys)))
        runs: list[int] = []

        @bus.handler
        def deposit(command: Deposit) -> None:
            runs.append(command.amount)
            account = Account(command.account_id)
            account.deposit(command.amount)
            accounts.save(account)
            if command.amount < 0:
                raise ValueError("negative deposits are refused after the save")

        with pytest.raises(CommandError):
            bus.dispatch(Deposit("1", -1), idempotency_key="k-0")
        assert store.list_streams() == []
        first = bus.dispatch(Deposit("1", 5), idempotency_key="k-1")
        again = bus.dispatch(Deposit("1", 5), idempotency_key="k-1")
        assert again.replayed
        assert again.positions == first.positions
        assert runs == [-1, 5]
        assert keys.get("k-1") is not None
        assert keys.cleanup() == 0


def test_a_blocking_bus_takes_async_handlers_and_the_aggregate_helper() -> None:
    """`sync.aggregate_handler` takes a repository twin; the handler runs on the door's loop."""
    with sync.InMemoryEventStore(registry=registry) as store:
        accounts = sync.AggregateRepository(store, Account)
        bus = sync.CommandBus()
        bus.register(
            Deposit,
            sync.aggregate_handler(
                accounts, lambda a, c: a.deposit(c.amount), id_of="account_id", create=True
            ),
        )
        result = bus.dispatch(Deposit("1", 7))
        assert result.version == 1
        assert accounts.load("1").balance == 7


def test_open_store_gives_the_blocking_twin_of_the_store_a_url_names(tmp_path: Path) -> None:
    """sync.open_store on a SQLite URL returns a blocking SQLite store that appends and reads."""
    url = f"sqlite:///{tmp_path / 'door.db'}"
    with sync.open_store(url, registry=registry, migrate=True) as store:
        assert isinstance(store, sync.SQLiteEventStore)
        store.append("account-1", [Deposited(5)])
        assert [t.type for t in store.event_types()] == ["sync.Deposited"]


def test_a_blocking_watch_is_woken_by_a_commit_from_another_thread(tmp_path: Path) -> None:
    """A reader thread waits on a blocking watch; an append from another thread wakes it,
    and `count_events` counts what is there."""
    with sync.SQLiteEventStore.open(tmp_path / "w.db", migrate=True, registry=registry) as store:
        with store.watch() as watch:
            assert watch.wait(0.01) is False
            writer = threading.Thread(target=store.append, args=("account-1", [Deposited(5)]))
            writer.start()
            assert watch.wait(20.0) is True
            writer.join()
        assert store.count_events() == 1
        assert store.count_events(event_types=["sync.Withdrawn"]) == 0
