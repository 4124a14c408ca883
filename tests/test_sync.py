"""The sync door: blocking twins that run the async core on mink's private loop thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from mink_runtime import (
    Aggregate,
    ConcurrencyError,
    EventRegistry,
    EveryNEvents,
    NewEvent,
    StreamNotFoundError,
    apply,
    sync,
)

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


def test_open_store_gives_the_blocking_twin_of_the_store_a_url_names(tmp_path: Path) -> None:
    """sync.open_store on a SQLite URL returns a blocking SQLite store that appends and reads."""
    url = f"sqlite:///{tmp_path / 'door.db'}"
    with sync.open_store(url, registry=registry, migrate=True) as store:
        assert isinstance(store, sync.SQLiteEventStore)
        store.append("account-1", [Deposited(5)])
        assert [t.type for t in store.event_types()] == ["sync.Deposited"]
