"""`ProjectionStoreContract`: the behaviour every `ProjectionStore` adapter must show.

Subclass it once per adapter with two fixtures: `make_store`, the same async factory of fresh
event stores that `EventStoreContract` takes (`await make_store(share_with=store)` opens a
second store over the same storage, as another process would), and `projection_store_of`, a
function giving the projection store of an event store::

    class TestMyProjectionStore(ProjectionStoreContract):
        @pytest.fixture
        async def make_store(self): ...            # as for EventStoreContract

        @pytest.fixture
        def projection_store_of(self):
            return MyProjectionStore
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from mink_runtime.domain import Checkpoint, DeadLetter, ProjectionStatus
from mink_runtime.errors import CheckpointConflictError, ConfigurationError, StreamNotFoundError
from mink_runtime.ports import EventStore, ProjectionStore
from mink_runtime.testing._contract_events import ItemAdded, contract_registry
from mink_runtime.testing._event_store_contract import StoreFactory

__all__ = ["ProjectionStoreContract"]

StoreOf = Callable[[EventStore], ProjectionStore]
START = Checkpoint.START
FIVE = Checkpoint(0, 5)
NINE = Checkpoint(0, 9)


def letter(n: int, *, projection: str = "orders", version: int = 1) -> DeadLetter:
    """A dead letter of event number `n`."""
    return DeadLetter(
        projection=projection,
        version=version,
        event_id=f"00000000-0000-7000-8000-{n:012d}",
        stream_id=f"order-{n}",
        stream_version=n,
        checkpoint=Checkpoint(0, 100 + n),
        event_type="test.ItemAdded",
        error=f"ValueError: bad item {n}",
        attempts=3,
        failed_at=datetime(2026, 11, 29, 9, 30, n, 123456, tzinfo=UTC),
    )


class ProjectionStoreContract:
    """The shared behaviour of projection stores. See the module docstring for how to use it."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        raise NotImplementedError("subclasses provide a make_store fixture")

    @pytest.fixture
    def projection_store_of(self) -> StoreOf:
        raise NotImplementedError("subclasses provide a projection_store_of fixture")

    @pytest.fixture
    async def store(self, make_store: StoreFactory) -> EventStore:
        return await make_store(registry=contract_registry)

    @pytest.fixture
    def projections(self, store: EventStore, projection_store_of: StoreOf) -> ProjectionStore:
        return projection_store_of(store)

    # --- records and checkpoints ---------------------------------------------------------

    async def test_an_unknown_projection_reads_as_a_fresh_record(
        self, projections: ProjectionStore
    ) -> None:
        """A projection never saved is at the start and stopped, and is not listed."""
        record = await projections.get("orders", version=2, partition=3)
        assert (record.name, record.version, record.partition) == ("orders", 2, 3)
        assert record.checkpoint == START
        assert record.status is ProjectionStatus.STOPPED
        assert record.last_error is None
        assert await projections.list() == []

    async def test_a_checkpoint_moves_from_what_was_expected(
        self, projections: ProjectionStore
    ) -> None:
        """The first save expects the start; each later one the checkpoint saved before."""
        await projections.save_checkpoint("orders", FIVE, expected=START)
        assert (await projections.get("orders")).checkpoint == FIVE
        await projections.save_checkpoint("orders", Checkpoint(7, 9), expected=FIVE)
        record = await projections.get("orders")
        assert record.checkpoint == Checkpoint(7, 9)
        assert record.updated_at is not None
        assert record.updated_at.tzinfo is not None

    async def test_a_checkpoint_that_moved_meanwhile_is_a_conflict(
        self, projections: ProjectionStore
    ) -> None:
        """Saving with a stale `expected` raises, naming both checkpoints, and changes nothing."""
        await projections.save_checkpoint("orders", FIVE, expected=START)
        with pytest.raises(CheckpointConflictError) as raised:
            await projections.save_checkpoint("orders", NINE, expected=START)
        assert raised.value.expected == START
        assert raised.value.actual == FIVE
        assert "orders" in str(raised.value)
        assert (await projections.get("orders")).checkpoint == FIVE

    async def test_expecting_a_checkpoint_of_an_unsaved_projection_is_a_conflict(
        self, projections: ProjectionStore
    ) -> None:
        """A missing record counts as the start: expecting anything else conflicts."""
        with pytest.raises(CheckpointConflictError) as raised:
            await projections.save_checkpoint("orders", NINE, expected=FIVE, partition=1)
        assert raised.value.actual == START
        assert (await projections.get("orders", partition=1)).checkpoint == START

    async def test_of_two_workers_moving_one_checkpoint_exactly_one_wins(
        self, store: EventStore, projections: ProjectionStore
    ) -> None:
        """Racing batches from the same checkpoint: one commits, the others conflict."""
        await projections.save_checkpoint("orders", FIVE, expected=START)

        async def batch(n: int) -> bool:
            try:
                async with store.transaction():
                    await projections.save_checkpoint(
                        "orders", Checkpoint(0, 10 + n), expected=FIVE
                    )
                    await asyncio.sleep(0.01)
            except CheckpointConflictError:
                return False
            return True

        outcomes = await asyncio.gather(*(batch(n) for n in range(4)))
        assert outcomes.count(True) == 1
        winner = outcomes.index(True)
        assert (await projections.get("orders")).checkpoint == Checkpoint(0, 10 + winner)

    async def test_versions_and_partitions_are_separate_records(
        self, projections: ProjectionStore
    ) -> None:
        """Each (version, partition) keeps its own checkpoint; `list` orders them all."""
        await projections.save_checkpoint("orders", FIVE, expected=START, partition=1)
        await projections.save_checkpoint("orders", NINE, expected=START, version=2)
        await projections.save_checkpoint("orders", FIVE, expected=START)
        await projections.save_checkpoint("audit", NINE, expected=START)
        listed = [(r.name, r.version, r.partition, r.checkpoint) for r in await projections.list()]
        assert listed == [
            ("audit", 1, 0, NINE),
            ("orders", 1, 0, FIVE),
            ("orders", 1, 1, FIVE),
            ("orders", 2, 0, NINE),
        ]
        assert [r.name for r in await projections.list("audit")] == ["audit"]

    # --- status --------------------------------------------------------------------------

    async def test_status_and_error_round_trip_and_keep_the_checkpoint(
        self, projections: ProjectionStore
    ) -> None:
        """A status (with its error) is stored beside the checkpoint; None clears the error."""
        await projections.save_checkpoint("orders", FIVE, expected=START)
        await projections.set_status(
            "orders", ProjectionStatus.FAULTED, error="ValueError: bad item"
        )
        record = await projections.get("orders")
        assert record.status is ProjectionStatus.FAULTED
        assert record.last_error == "ValueError: bad item"
        assert record.checkpoint == FIVE
        await projections.set_status("orders", ProjectionStatus.RUNNING)
        record = await projections.get("orders")
        assert (record.status, record.last_error) == (ProjectionStatus.RUNNING, None)

    async def test_a_status_can_be_set_before_any_checkpoint(
        self, projections: ProjectionStore
    ) -> None:
        """Setting a status creates the record at the start; a first save then expects START."""
        await projections.set_status("orders", ProjectionStatus.CATCHING_UP, partition=2)
        record = await projections.get("orders", partition=2)
        assert (record.status, record.checkpoint) == (ProjectionStatus.CATCHING_UP, START)
        await projections.save_checkpoint("orders", FIVE, expected=START, partition=2)
        assert (await projections.get("orders", partition=2)).checkpoint == FIVE

    async def test_reset_moves_every_partition_of_one_version_back_to_the_start(
        self, projections: ProjectionStore
    ) -> None:
        """A rebuild in place starts over: all partitions of the version, no other version."""
        for partition in (0, 1):
            await projections.save_checkpoint("orders", FIVE, expected=START, partition=partition)
        await projections.save_checkpoint("orders", NINE, expected=START, version=2)
        await projections.reset("orders")
        assert (await projections.get("orders")).checkpoint == START
        assert (await projections.get("orders", partition=1)).checkpoint == START
        assert (await projections.get("orders", version=2)).checkpoint == NINE

    async def test_drop_forgets_one_version_and_its_dead_letters(
        self, projections: ProjectionStore
    ) -> None:
        """After a blue/green switch the old version's records and letters go; the new stay."""
        await projections.save_checkpoint("orders", FIVE, expected=START)
        await projections.save_checkpoint("orders", NINE, expected=START, version=2)
        await projections.add_dead_letter(letter(1))
        kept = await projections.add_dead_letter(letter(2, version=2))
        await projections.drop("orders", version=1)
        assert [(r.version, r.checkpoint) for r in await projections.list()] == [(2, NINE)]
        assert await projections.dead_letters("orders") == [kept]

    # --- operator switches ---------------------------------------------------------------

    async def test_control_defaults_then_holds_what_operators_set(
        self, projections: ProjectionStore
    ) -> None:
        """No switches: running, no active version. Pausing and pointing readers are kept
        apart, and both survive each other."""
        control = await projections.control("orders")
        assert (control.name, control.paused, control.active_version) == ("orders", False, None)
        await projections.set_paused("orders", True)
        await projections.set_active_version("orders", 2)
        control = await projections.control("orders")
        assert (control.paused, control.active_version) == (True, 2)
        assert control.updated_at is not None
        await projections.set_paused("orders", False)
        control = await projections.control("orders")
        assert (control.paused, control.active_version) == (False, 2)
        assert (await projections.control("audit")).paused is False

    async def test_a_switch_set_through_another_store_is_seen(
        self, store: EventStore, make_store: StoreFactory, projection_store_of: StoreOf
    ) -> None:
        """A pause written by another process (the CLI) reaches the workers' store."""
        other = projection_store_of(await make_store(share_with=store, registry=contract_registry))
        await other.set_paused("orders", True)
        assert (await projection_store_of(store).control("orders")).paused is True

    # --- dead letters --------------------------------------------------------------------

    async def test_dead_letters_are_kept_with_an_id_and_listed_oldest_first(
        self, projections: ProjectionStore
    ) -> None:
        """Each letter comes back as recorded, with an increasing id, oldest first."""
        first = await projections.add_dead_letter(letter(1))
        second = await projections.add_dead_letter(letter(2))
        assert first.id is not None
        assert second.id is not None
        assert first.id < second.id
        assert first == replace(letter(1), id=first.id)
        assert await projections.dead_letters() == [first, second]
        assert await projections.dead_letters(limit=1) == [first]

    async def test_dead_letters_filter_by_projection_and_version(
        self, projections: ProjectionStore
    ) -> None:
        """Letters of one projection, or of one version of it."""
        a = await projections.add_dead_letter(letter(1))
        b = await projections.add_dead_letter(letter(2, version=2))
        c = await projections.add_dead_letter(letter(3, projection="audit"))
        assert await projections.dead_letters("orders") == [a, b]
        assert await projections.dead_letters("orders", version=2) == [b]
        assert await projections.dead_letters("audit") == [c]

    async def test_removing_dead_letters_counts_what_was_removed(
        self, projections: ProjectionStore
    ) -> None:
        """Only the named letters go; unknown ids are ignored."""
        a = await projections.add_dead_letter(letter(1))
        b = await projections.add_dead_letter(letter(2))
        assert a.id is not None
        assert b.id is not None
        assert await projections.remove_dead_letters([a.id, 987_654]) == 1
        assert await projections.dead_letters() == [b]
        assert await projections.remove_dead_letters([]) == 0

    # --- tenants -------------------------------------------------------------------------

    async def test_tenants_keep_separate_projections(self, projections: ProjectionStore) -> None:
        """A tenant's records, switches and letters are its own."""
        acme = projections.for_tenant("acme")
        await projections.save_checkpoint("orders", FIVE, expected=START)
        await projections.set_paused("orders", True)
        await projections.add_dead_letter(letter(1))
        assert await acme.list() == []
        assert (await acme.get("orders")).checkpoint == START
        assert (await acme.control("orders")).paused is False
        assert await acme.dead_letters() == []
        await acme.save_checkpoint("orders", NINE, expected=START)
        own = await acme.add_dead_letter(letter(2))
        assert own.id is not None
        assert await projections.remove_dead_letters([own.id]) == 0
        assert (await projections.get("orders")).checkpoint == FIVE
        assert (await acme.get("orders")).checkpoint == NINE

    # --- leases --------------------------------------------------------------------------

    async def test_a_lease_is_exclusive_until_released(self, projections: ProjectionStore) -> None:
        """While one worker holds a lease a second gets None; after release it gets it."""
        async with projections.lease("orders") as first:
            assert first is not None
            assert first.key == "orders"
            assert await first.held()
            async with projections.lease("orders") as second:
                assert second is None
        async with projections.lease("orders") as second:
            assert second is not None
            assert await second.held()

    async def test_leases_of_other_versions_partitions_and_tenants_are_separate(
        self, projections: ProjectionStore
    ) -> None:
        """One worker per (version, partition) and tenant: the others lease freely."""
        async with (
            projections.lease("orders") as one,
            projections.lease("orders", version=2, partition=1) as two,
            projections.for_tenant("acme").lease("orders") as three,
            projections.lease("audit") as four,
        ):
            assert None not in (one, two, three, four)
            assert two is not None
            assert two.key == "orders@2#1"

    async def test_a_lease_held_through_another_store_excludes_too(
        self, store: EventStore, make_store: StoreFactory, projection_store_of: StoreOf
    ) -> None:
        """Workers in two processes (two stores over one storage) exclude each other."""
        other = projection_store_of(await make_store(share_with=store, registry=contract_registry))
        async with other.lease("orders") as held:
            assert held is not None
            async with projection_store_of(store).lease("orders") as second:
                assert second is None

    async def test_a_waiting_worker_gets_the_lease_once_it_is_released(
        self, projections: ProjectionStore
    ) -> None:
        """`wait` keeps trying: a standby takes over soon after the holder lets go."""
        released = asyncio.Event()

        async def hold() -> None:
            async with projections.lease("orders") as lease:
                assert lease is not None
                released.set()
                await asyncio.sleep(0.3)

        holder = asyncio.ensure_future(hold())
        await released.wait()
        async with projections.lease("orders", wait=20.0) as lease:
            assert lease is not None
            assert holder.done()
        await holder

    async def test_a_lease_is_not_held_after_release(self, projections: ProjectionStore) -> None:
        """`held()` turns False once the block has ended."""
        async with projections.lease("orders") as lease:
            assert lease is not None
        assert not await lease.held()

    async def test_a_negative_wait_is_refused(self, projections: ProjectionStore) -> None:
        """Waiting is None (do not wait) or a number of seconds."""
        with pytest.raises(ConfigurationError):
            async with projections.lease("orders", wait=-1):
                pass

    # --- the ambient transaction ---------------------------------------------------------

    async def test_a_checkpoint_commits_with_the_transaction_it_joined(
        self, store: EventStore, projections: ProjectionStore
    ) -> None:
        """Saved inside `store.transaction()`, a checkpoint commits with the block's appends,
        and rolls back with them."""
        with pytest.raises(RuntimeError, match="undo"):
            async with store.transaction():
                await store.append("order-1", [ItemAdded("a")])
                await projections.save_checkpoint("orders", FIVE, expected=START)
                await projections.set_status("orders", ProjectionStatus.RUNNING)
                raise RuntimeError("undo")
        record = await projections.get("orders")
        assert (record.checkpoint, record.status) == (START, ProjectionStatus.STOPPED)
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-1")
        async with store.transaction():
            await store.append("order-1", [ItemAdded("a")])
            await projections.save_checkpoint("orders", FIVE, expected=START)
        assert (await projections.get("orders")).checkpoint == FIVE
        assert len(await store.read_stream("order-1")) == 1

    async def test_a_conflict_inside_a_transaction_rolls_the_batch_back(
        self, store: EventStore, projections: ProjectionStore
    ) -> None:
        """The conflict leaves the block, which then writes nothing of the batch."""
        await projections.save_checkpoint("orders", NINE, expected=START)
        with pytest.raises(CheckpointConflictError):
            async with store.transaction():
                await store.append("order-1", [ItemAdded("a")])
                await projections.save_checkpoint("orders", Checkpoint(0, 12), expected=FIVE)
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-1")
        assert (await projections.get("orders")).checkpoint == NINE

    async def test_dead_letters_and_switches_join_the_transaction_too(
        self, store: EventStore, projections: ProjectionStore
    ) -> None:
        """Every write of the store joins the open block."""
        with pytest.raises(RuntimeError, match="undo"):
            async with store.transaction():
                await projections.add_dead_letter(letter(1))
                await projections.set_paused("orders", True)
                raise RuntimeError("undo")
        assert await projections.dead_letters() == []
        assert (await projections.control("orders")).paused is False
