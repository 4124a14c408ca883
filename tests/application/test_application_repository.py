"""`AggregateRepository` over the memory store: save, load, time travel and snapshots."""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import pytest

from mink_runtime import (
    NO_STREAM,
    Aggregate,
    AggregateError,
    AggregateNotFoundError,
    AggregateRepository,
    ConcurrencyError,
    EventBytesAbove,
    EventRegistry,
    EveryNEvents,
    InMemoryEventStore,
    Metadata,
    Snapshot,
    apply,
)
from mink_runtime.ports import EventStore

registry = EventRegistry()


@registry.event("repo.Opened")
@dataclass(frozen=True)
class Opened:
    owner: str


@registry.event("repo.Deposited")
@dataclass(frozen=True)
class Deposited:
    amount: int


class Status(enum.Enum):
    NEW = "new"
    OPEN = "open"


class Account(Aggregate):
    registry = registry

    status: Status
    deposits: list[int]

    def __init__(self, id: str) -> None:
        super().__init__(id)
        self.owner: str | None = None
        self.balance = 0
        self.status = Status.NEW
        self.deposits = []
        self._applied = 0  # events this instance applied: on a loaded one, the replayed ones

    def open(self, owner: str) -> None:
        self.record(Opened(owner))

    def deposit(self, amount: int) -> None:
        self.record(Deposited(amount))

    @apply
    def _opened(self, event: Opened) -> None:
        self.owner = event.owner
        self.status = Status.OPEN
        self._applied += 1

    @apply
    def _deposited(self, event: Deposited) -> None:
        self.balance += event.amount
        self.deposits.append(event.amount)
        self._applied += 1


class BrokenSnapshotStore:
    """A snapshot store whose disk is full."""

    async def save(self, snapshot: Snapshot) -> None:
        raise OSError("disk full")

    async def load(self, stream_id: str) -> Snapshot | None:
        return None

    async def delete(self, stream_id: str) -> None:
        pass


def repository(store: InMemoryEventStore, **options: Any) -> AggregateRepository[Account]:
    """An Account repository over `store`.

    The cast is there because mypy does not accept InMemoryEventStore as an EventStore: its
    `snapshots` is typed as the concrete class, the port's is a mutable `SnapshotStore`.
    """
    return AggregateRepository(cast(EventStore, store), Account, **options)


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore(registry=registry)


@pytest.fixture
def accounts(store: InMemoryEventStore) -> AggregateRepository[Account]:
    return repository(store)


@pytest.fixture
def snapshotting(store: InMemoryEventStore) -> AggregateRepository[Account]:
    """A repository snapshotting every three events into the store's snapshot store."""
    return repository(store, snapshots=store.snapshots, snapshot_policy=EveryNEvents(3))


def opened(id: str = "1", *deposits: int) -> Account:
    account = Account(id)
    account.open("ada")
    for amount in deposits:
        account.deposit(amount)
    return account


async def saved_one_by_one(
    repository: AggregateRepository[Account], id: str, *deposits: int
) -> list[datetime]:
    """Open an account and save each deposit separately; return when each event was recorded."""
    account = opened(id)
    await repository.save(account)
    for amount in deposits:
        await asyncio.sleep(0.002)  # distinct recorded_at for every event
        account.deposit(amount)
        await repository.save(account)
    events = await repository.store.read_stream(repository.stream_id(id))
    return [event.recorded_at for event in events]


# --- save and load -----------------------------------------------------------------------


async def test_a_saved_aggregate_loads_back_with_the_same_state(
    accounts: AggregateRepository[Account],
) -> None:
    """Saving then loading replays the recorded events into an equal state."""
    await accounts.save(opened("1", 5, 7))
    loaded = await accounts.load("1")
    assert (loaded.owner, loaded.balance, loaded.status) == ("ada", 12, Status.OPEN)
    assert (loaded.version, loaded.pending_events) == (3, ())


async def test_save_appends_the_pending_events_and_clears_them(
    accounts: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """The result tells the new version; the aggregate then expects that version next time."""
    account = opened("1", 5)
    result = await accounts.save(account)
    assert result is not None
    assert (result.stream_id, result.version) == ("account-1", 2)
    assert (account.pending_events, account.committed_version) == ((), 2)
    assert [e.data for e in await store.read_stream("account-1")] == [Opened("ada"), Deposited(5)]


async def test_saving_with_nothing_pending_writes_nothing_and_returns_none(
    accounts: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """A command that recorded no events costs no append."""
    await accounts.save(opened("1"))
    head = await store.head()
    loaded = await accounts.load("1")
    assert await accounts.save(loaded) is None
    assert await store.head() == head


async def test_a_second_new_aggregate_with_a_taken_id_cannot_be_saved(
    accounts: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """A new aggregate is saved expecting no stream, so it never overwrites an existing one."""
    await accounts.save(opened("1"))
    with pytest.raises(ConcurrencyError) as raised:
        await accounts.save(opened("1", 99))
    assert raised.value.expected_version == NO_STREAM.value
    assert raised.value.actual_version == 1
    assert len(await store.read_stream("account-1")) == 1


async def test_the_second_of_two_concurrent_saves_fails_and_writes_nothing(
    accounts: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """Two copies loaded at version 1: the first save wins, the second raises ConcurrencyError."""
    await accounts.save(opened("1"))
    first, second = await accounts.load("1"), await accounts.load("1")
    first.deposit(5)
    second.deposit(7)
    await accounts.save(first)
    with pytest.raises(ConcurrencyError) as raised:
        await accounts.save(second)
    assert (raised.value.expected_version, raised.value.actual_version) == (1, 2)
    assert [e.data for e in await store.read_stream("account-1")] == [Opened("ada"), Deposited(5)]
    assert second.pending_events == (Deposited(7),)


async def test_metadata_given_to_save_lands_on_every_saved_event(
    accounts: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """Correlation and user ids passed to save are recorded with each event of that save."""
    metadata = Metadata(correlation_id="req-1", user_id="u-9")
    await accounts.save(opened("1", 5, 7), metadata=metadata)
    events = await store.read_stream("account-1")
    assert [e.metadata for e in events] == [metadata] * 3
    assert [e.data for e in events] == [Opened("ada"), Deposited(5), Deposited(7)]


async def test_loading_an_unknown_id_raises_aggregate_not_found(
    accounts: AggregateRepository[Account],
) -> None:
    """The error names the aggregate class and id."""
    with pytest.raises(AggregateNotFoundError) as raised:
        await accounts.load("404")
    assert (raised.value.aggregate_type, raised.value.aggregate_id) == ("Account", "404")


async def test_exists_tells_whether_the_aggregate_has_events(
    accounts: AggregateRepository[Account],
) -> None:
    """exists() is True after a save and False for an id never saved."""
    await accounts.save(opened("1"))
    assert await accounts.exists("1")
    assert not await accounts.exists("2")


async def test_the_repository_registers_the_aggregates_event_types_in_the_store() -> None:
    """A store with its own registry learns the event names, so events decode as objects."""
    other = InMemoryEventStore(registry=EventRegistry())
    accounts = repository(other)
    entry = other.codec.registry.lookup("repo.Deposited")
    assert entry is not None
    assert entry.cls is Deposited
    await accounts.save(opened("1", 5))
    assert [e.data for e in await other.read_stream("account-1")] == [Opened("ada"), Deposited(5)]


# --- time travel -------------------------------------------------------------------------


async def test_load_at_a_version_gives_the_state_after_that_event(
    accounts: AggregateRepository[Account],
) -> None:
    """load(version=2) replays only the first two events."""
    await accounts.save(opened("1", 5, 7, 9))
    loaded = await accounts.load("1", version=2)
    assert (loaded.balance, loaded.version) == (5, 2)


async def test_load_at_a_version_the_stream_has_not_reached_is_refused(
    accounts: AggregateRepository[Account],
) -> None:
    """Asking for version 5 of a stream at version 2 raises AggregateError."""
    await accounts.save(opened("1", 5))
    with pytest.raises(AggregateError, match="is at version 2; cannot load version 5"):
        await accounts.load("1", version=5)


async def test_load_as_of_a_time_gives_the_state_at_that_time(
    accounts: AggregateRepository[Account],
) -> None:
    """Events recorded after `as_of` are left out."""
    recorded_at = await saved_one_by_one(accounts, "1", 5, 7)
    loaded = await accounts.load("1", as_of=recorded_at[1])
    assert (loaded.balance, loaded.version) == (5, 2)


async def test_load_as_of_a_time_in_another_time_zone_means_the_same_instant(
    accounts: AggregateRepository[Account],
) -> None:
    """Aware datetimes compare as instants, whatever their offset."""
    recorded_at = await saved_one_by_one(accounts, "1", 5, 7)
    new_york = recorded_at[1].astimezone(timezone(timedelta(hours=-5)))
    assert (await accounts.load("1", as_of=new_york)).balance == 5


async def test_load_as_of_a_time_before_the_first_event_raises_not_found(
    accounts: AggregateRepository[Account],
) -> None:
    """The aggregate did not exist yet at that time."""
    recorded_at = await saved_one_by_one(accounts, "1", 5)
    with pytest.raises(AggregateNotFoundError):
        await accounts.load("1", as_of=recorded_at[0] - timedelta(seconds=1))


async def test_load_as_of_a_naive_datetime_is_refused(
    accounts: AggregateRepository[Account],
) -> None:
    """A time without a zone is ambiguous; the error asks for an aware one."""
    await accounts.save(opened("1"))
    with pytest.raises(AggregateError, match="timezone-aware"):
        await accounts.load("1", as_of=datetime(2030, 1, 1))


async def test_load_at_a_version_and_a_time_together_is_refused(
    accounts: AggregateRepository[Account],
) -> None:
    """Only one of version and as_of may be given."""
    recorded_at = await saved_one_by_one(accounts, "1")
    with pytest.raises(AggregateError, match="not both"):
        await accounts.load("1", version=1, as_of=recorded_at[0])


# --- snapshots ---------------------------------------------------------------------------


def test_a_snapshot_policy_without_a_snapshot_store_is_refused(store: InMemoryEventStore) -> None:
    """The error shows how to pass the store's snapshot store."""
    with pytest.raises(AggregateError, match=r"snapshots=store\.snapshots"):
        repository(store, snapshot_policy=EveryNEvents(3))


async def test_snapshots_are_taken_once_every_three_events(
    snapshotting: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """With EveryNEvents(3), saves of 2, 1, 1 and 2 events snapshot at versions 3 and 6."""
    account = opened("1", 5)
    taken: list[int | None] = []
    for more in ([], [1], [1], [1, 1]):
        for amount in more:
            account.deposit(amount)
        await snapshotting.save(account)
        snapshot = await store.snapshots.load("account-1")
        taken.append(None if snapshot is None else snapshot.version)
    assert taken == [None, 3, 3, 6]


async def test_a_snapshot_holds_the_aggregates_state(
    snapshotting: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """The stored snapshot records the class, its snapshot_version and the public state."""
    await snapshotting.save(opened("1", 5, 7))
    snapshot = await store.snapshots.load("account-1")
    assert snapshot is not None
    assert (snapshot.aggregate_type, snapshot.schema_version, snapshot.version) == (
        "Account",
        1,
        3,
    )
    assert snapshot.state == {
        "owner": "ada",
        "balance": 12,
        "status": "open",
        "deposits": [5, 7],
    }


async def test_a_load_starts_from_the_snapshot_and_replays_only_later_events(
    snapshotting: AggregateRepository[Account],
) -> None:
    """After a snapshot at version 3, loading version 4 applies one event, not four."""
    account = opened("1", 5, 7)
    await snapshotting.save(account)
    account.deposit(9)
    await snapshotting.save(account)
    loaded = await snapshotting.load("1")
    assert loaded._applied == 1
    assert (loaded.owner, loaded.balance, loaded.status, loaded.version) == (
        "ada",
        21,
        Status.OPEN,
        4,
    )


async def test_state_before_a_truncation_comes_back_from_the_snapshot(
    snapshotting: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """Events hidden by truncate_stream are not needed once a snapshot covers them."""
    await snapshotting.save(opened("1", 5, 7))
    await store.truncate_stream("account-1", before_version=4)
    loaded = await snapshotting.load("1")
    assert (loaded.owner, loaded.balance, loaded.deposits, loaded.version) == (
        "ada",
        12,
        [5, 7],
        3,
    )


async def test_a_loaded_aggregate_saves_on_from_the_snapshot_version(
    snapshotting: AggregateRepository[Account], store: InMemoryEventStore
) -> None:
    """An aggregate loaded from a snapshot expects the right version when saved again."""
    await snapshotting.save(opened("1", 5, 7))
    loaded = await snapshotting.load("1")
    loaded.deposit(1)
    result = await snapshotting.save(loaded)
    assert result is not None
    assert result.version == 4
    assert len(await store.read_stream("account-1")) == 4


async def test_events_replayed_by_a_load_count_towards_the_next_snapshot(
    accounts: AggregateRepository[Account],
    snapshotting: AggregateRepository[Account],
    store: InMemoryEventStore,
) -> None:
    """Two events saved without snapshots, loaded, plus one more: EveryNEvents(3) snapshots."""
    await accounts.save(opened("1", 5))
    loaded = await snapshotting.load("1")
    loaded.deposit(1)
    await snapshotting.save(loaded)
    snapshot = await store.snapshots.load("account-1")
    assert snapshot is not None
    assert snapshot.version == 3


async def test_a_snapshot_of_another_snapshot_version_is_discarded(
    snapshotting: AggregateRepository[Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After bumping snapshot_version the old snapshot is ignored and every event replayed."""
    await snapshotting.save(opened("1", 5, 7))
    monkeypatch.setattr(Account, "snapshot_version", 2)
    loaded = await snapshotting.load("1")
    assert loaded._applied == 3
    assert (loaded.balance, loaded.version) == (12, 3)


async def test_a_discarded_snapshot_is_logged(
    snapshotting: AggregateRepository[Account],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The log says which snapshot was dropped and why, so a slow load can be explained."""
    await snapshotting.save(opened("1", 5, 7))
    monkeypatch.setattr(Account, "snapshot_version", 2)
    with caplog.at_level(logging.INFO, logger="mink.repository"):
        await snapshotting.load("1")
    assert "discarding snapshot of account-1: taken of Account v1, the class is Account v2" in (
        caplog.text
    )


async def test_load_at_an_older_version_ignores_a_newer_snapshot(
    snapshotting: AggregateRepository[Account],
) -> None:
    """load(version=2) replays two events rather than starting from the snapshot at 3."""
    await snapshotting.save(opened("1", 5, 7))
    loaded = await snapshotting.load("1", version=2)
    assert loaded._applied == 2
    assert (loaded.balance, loaded.version) == (5, 2)


async def test_load_at_a_later_version_starts_from_an_older_snapshot(
    snapshotting: AggregateRepository[Account],
) -> None:
    """load(version=4) with a snapshot at 3 replays only event 4."""
    account = opened("1", 5, 7)
    await snapshotting.save(account)
    account.deposit(9)
    account.deposit(11)
    await snapshotting.save(account)
    loaded = await snapshotting.load("1", version=4)
    assert loaded._applied == 1
    assert (loaded.balance, loaded.version) == (21, 4)


async def test_load_as_of_a_time_ignores_snapshots(
    snapshotting: AggregateRepository[Account],
) -> None:
    """Time travel replays from the start, since a snapshot may hold later state."""
    recorded_at = await saved_one_by_one(snapshotting, "1", 5, 7)
    loaded = await snapshotting.load("1", as_of=recorded_at[0])
    assert (loaded.owner, loaded.balance, loaded.version) == ("ada", 0, 1)


async def test_any_one_of_several_policies_is_enough_to_snapshot(
    store: InMemoryEventStore,
) -> None:
    """A list of policies snapshots when any of them says so."""
    accounts = repository(
        store, snapshots=store.snapshots, snapshot_policy=[EveryNEvents(100), EventBytesAbove(0)]
    )
    await accounts.save(opened("1"))
    assert await store.snapshots.load("account-1") is not None


async def test_a_failing_snapshot_store_does_not_fail_the_save(
    store: InMemoryEventStore, caplog: pytest.LogCaptureFixture
) -> None:
    """The events are stored and the save succeeds; the failure is logged as a warning."""
    accounts = repository(store, snapshots=BrokenSnapshotStore(), snapshot_policy=EveryNEvents(1))
    with caplog.at_level(logging.WARNING, logger="mink.repository"):
        result = await accounts.save(opened("1", 5))
    assert result is not None
    assert result.version == 2
    assert len(await store.read_stream("account-1")) == 2
    [record] = [r for r in caplog.records if r.name == "mink.repository"]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "could not snapshot account-1"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], OSError)


async def test_changing_a_loaded_aggregate_does_not_change_its_snapshot(
    snapshotting: AggregateRepository[Account],
) -> None:
    """A load after load-deposit-save shows each deposit once."""
    await snapshotting.save(opened("1", 5, 7))
    loaded = await snapshotting.load("1")
    loaded.deposit(9)
    await snapshotting.save(loaded)
    assert (await snapshotting.load("1")).deposits == [5, 7, 9]
