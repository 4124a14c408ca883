"""`EventStoreContract`: the behaviour every `EventStore` adapter must show.

Subclass it once per adapter and provide a `make_store` fixture: an async factory that returns
a fresh, empty store (`await make_store()`, or `await make_store(serializer=MsgpackSerializer())`)
and cleans up after the test::

    class TestMyStore(EventStoreContract):
        @pytest.fixture
        async def make_store(self):
            stores = []
            async def make(**options):
                store = MyEventStore(..., **options)
                stores.append(store)
                return store
            yield make
            for store in stores:
                await store.close()

The stores must use the registry passed in `options["registry"]` (the suite passes its own).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mink_runtime.domain import (
    Checkpoint,
    ExpectedVersion,
    LogSlice,
    Metadata,
    MsgpackSerializer,
    NewEvent,
    RecordedEvent,
    StoredEventType,
    StreamMetadata,
    StreamState,
    uuid7,
)
from mink_runtime.errors import (
    ConcurrencyError,
    ConfigurationError,
    DuplicateEventError,
    SerializationError,
    StreamDeletedError,
    StreamNotFoundError,
    UnknownEventTypeError,
)
from mink_runtime.ports import EventStore
from mink_runtime.testing._contract_events import (
    Color,
    ItemAdded,
    Line,
    OrderPlaced,
    Shipped,
    contract_registry,
)

__all__ = ["EventStoreContract", "StoreFactory"]

StoreFactory = Callable[..., Awaitable[EventStore]]

ANY = ExpectedVersion.ANY
NO_STREAM = ExpectedVersion.NO_STREAM
STREAM_EXISTS = ExpectedVersion.STREAM_EXISTS


PATIENCE = 20.0
"""Seconds a reader waits for the log to become readable. On PostgreSQL another session's open
writing transaction holds global readers back (docs/adr/0002); on a shared test server that
can take a moment."""


async def eventually_past(store: EventStore, target: Checkpoint, **options: Any) -> LogSlice:
    """`read_all(**options)`, repeated until its checkpoint has passed `target`."""
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while True:
        page = await store.read_all(**options)
        if page.checkpoint >= target or asyncio.get_running_loop().time() > deadline:
            return page
        await asyncio.sleep(0.02)


async def log_readable(store: EventStore) -> None:
    """Wait until the newest event of the log can be read through `read_all`."""
    head = await store.head()
    if head == Checkpoint.START:
        return
    just_before = Checkpoint(head.transaction, head.position - 1)
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while asyncio.get_running_loop().time() < deadline:
        if (await store.read_all(after=just_before, limit=1)).events:
            return
        await asyncio.sleep(0.02)


def placed(customer: str = "c-1", **changes: Any) -> OrderPlaced:
    values: dict[str, Any] = {
        "customer_id": customer,
        "placed_at": datetime(2024, 5, 17, 9, 30, 15, 123456, tzinfo=UTC),
        "reference": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "lines": (Line("sku-1", 2, Decimal("19.99")), Line("sku-2", 1, Decimal("0.10"))),
        "color": Color.BLUE,
        "note": None,
        "tags": ["gift", "express"],
    }
    values.update(changes)
    return OrderPlaced(**values)


def items(count: int, prefix: str = "sku") -> list[ItemAdded]:
    return [ItemAdded(f"{prefix}-{i}", i) for i in range(1, count + 1)]


class EventStoreContract:
    """The shared behaviour of event stores. See the module docstring for how to use it."""

    @pytest.fixture
    def make_store(self) -> StoreFactory:
        raise NotImplementedError("subclasses provide a make_store fixture")

    @pytest.fixture
    async def store(self, make_store: StoreFactory) -> EventStore:
        return await make_store(registry=contract_registry)

    # --- append --------------------------------------------------------------------------

    async def test_append_to_a_new_stream_returns_its_version_and_positions(
        self, store: EventStore
    ) -> None:
        """A first append reports version = event count and one increasing position per event."""
        result = await store.append("order-1", items(3), expected_version=NO_STREAM)
        assert result.stream_id == "order-1"
        assert result.version == 3
        assert len(result.positions) == 3
        assert list(result.positions) == sorted(set(result.positions))
        assert result.size > 0

    async def test_recorded_events_read_back_equal_to_what_was_appended(
        self, store: EventStore
    ) -> None:
        """Data, type, ids, versions, positions and metadata survive the round trip."""
        event_id = uuid7()
        metadata = Metadata(
            correlation_id="corr-1",
            causation_id="cause-1",
            user_id="alice",
            extra={"traceparent": "00-abc-def-01", "attempt": 2},
        )
        result = await store.append(
            "order-1", [NewEvent(data=placed(), event_id=event_id, metadata=metadata)]
        )
        [recorded] = await store.read_stream("order-1")
        assert recorded.data == placed()
        assert recorded.type == "contract.OrderPlaced"
        assert recorded.schema_version == 2
        assert recorded.event_id == event_id
        assert recorded.stream_id == "order-1"
        assert recorded.category == "order"
        assert recorded.version == 1
        assert recorded.position == result.positions[0]
        assert recorded.checkpoint == result.checkpoint
        assert recorded.metadata == metadata
        assert recorded.tenant_id == ""
        assert recorded.size > 0

    async def test_recorded_at_is_an_aware_utc_time_of_the_append(self, store: EventStore) -> None:
        """Every event carries the (timezone-aware) time it was recorded."""
        before = datetime.now(UTC) - timedelta(seconds=5)
        await store.append("order-1", items(1))
        [recorded] = await store.read_stream("order-1")
        assert recorded.recorded_at.tzinfo is not None
        assert before <= recorded.recorded_at <= datetime.now(UTC) + timedelta(seconds=5)

    async def test_dict_events_with_a_type_name_are_stored_as_they_are(
        self, store: EventStore
    ) -> None:
        """Unregistered types can be appended as dicts with an explicit type and read as dicts."""
        await store.append(
            "audit-1", [NewEvent(type="LegacyThing", data={"a": 1, "b": [1, 2], "c": None})]
        )
        [recorded] = await store.read_stream("audit-1")
        assert recorded.type == "LegacyThing"
        assert recorded.data == {"a": 1, "b": [1, 2], "c": None}
        assert recorded.schema_version == 1

    async def test_unregistered_event_class_is_refused_and_nothing_is_written(
        self, store: EventStore
    ) -> None:
        """An event class missing from the registry raises before anything is stored."""

        class NotRegistered:
            pass

        with pytest.raises(UnknownEventTypeError):
            await store.append("order-1", [ItemAdded("a"), NotRegistered()])
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-1")

    async def test_a_dict_without_a_type_name_is_refused(self, store: EventStore) -> None:
        """A bare dict cannot be appended: its type would be unknown."""
        with pytest.raises(SerializationError):
            await store.append("order-1", [{"a": 1}])

    @pytest.mark.parametrize("bad", [[], ()])
    async def test_an_append_without_events_is_refused(
        self, store: EventStore, bad: list[object]
    ) -> None:
        """Appending nothing is a usage error, not a silent success."""
        with pytest.raises(ConfigurationError):
            await store.append("order-1", bad)

    async def test_bad_stream_ids_and_expected_versions_are_refused(
        self, store: EventStore
    ) -> None:
        """Empty stream ids and negative expected versions are usage errors."""
        with pytest.raises(ConfigurationError):
            await store.append("", items(1))
        with pytest.raises(ConfigurationError):
            await store.append("order-1", items(1), expected_version=-1)

    async def test_versions_continue_across_appends(self, store: EventStore) -> None:
        """Versions are 1-based and consecutive within a stream; positions keep increasing."""
        first = await store.append("order-1", items(2))
        second = await store.append("order-1", items(3), expected_version=2)
        assert second.version == 5
        assert min(second.positions) > max(first.positions)
        events = await store.read_stream("order-1")
        assert [e.version for e in events] == [1, 2, 3, 4, 5]

    # --- expected versions ---------------------------------------------------------------

    async def test_no_stream_fails_on_an_existing_stream_and_writes_nothing(
        self, store: EventStore
    ) -> None:
        """NO_STREAM against a stream with events raises ConcurrencyError with both versions."""
        await store.append("order-1", items(2))
        with pytest.raises(ConcurrencyError) as raised:
            await store.append("order-1", [Shipped("ups")], expected_version=NO_STREAM)
        assert raised.value.stream_id == "order-1"
        assert raised.value.expected_version == "no_stream"
        assert raised.value.actual_version == 2
        assert len(await store.read_stream("order-1")) == 2

    async def test_exact_version_mismatch_raises_and_writes_nothing(
        self, store: EventStore
    ) -> None:
        """An exact expected version that is not the stream's raises, carrying both versions."""
        await store.append("order-1", items(3))
        for wrong in (0, 2, 4):
            with pytest.raises(ConcurrencyError) as raised:
                await store.append("order-1", [Shipped("ups")], expected_version=wrong)
            assert raised.value.expected_version == wrong
            assert raised.value.actual_version == 3
        assert [e.version for e in await store.read_stream("order-1")] == [1, 2, 3]

    async def test_exact_version_on_a_missing_stream_reports_no_actual_version(
        self, store: EventStore
    ) -> None:
        """Expecting version 3 of a stream that does not exist says it does not exist."""
        with pytest.raises(ConcurrencyError) as raised:
            await store.append("order-1", items(1), expected_version=3)
        assert raised.value.actual_version is None

    async def test_expected_version_zero_means_an_empty_stream(self, store: EventStore) -> None:
        """Version 0 is the version of a stream with no events."""
        result = await store.append("order-1", items(1), expected_version=0)
        assert result.version == 1

    async def test_stream_exists_needs_an_existing_stream(self, store: EventStore) -> None:
        """STREAM_EXISTS fails on a new stream and passes on one with events."""
        with pytest.raises(ConcurrencyError):
            await store.append("order-1", items(1), expected_version=STREAM_EXISTS)
        await store.append("order-1", items(1))
        result = await store.append("order-1", items(1), expected_version=STREAM_EXISTS)
        assert result.version == 2

    async def test_any_appends_whatever_the_version(self, store: EventStore) -> None:
        """ANY never conflicts."""
        await store.append("order-1", items(1), expected_version=ANY)
        result = await store.append("order-1", items(1), expected_version=ANY)
        assert result.version == 2

    # --- idempotency ---------------------------------------------------------------------

    @pytest.mark.parametrize("expected", [NO_STREAM, 0, ANY])
    async def test_repeating_an_append_with_the_same_event_ids_is_an_idempotent_success(
        self, store: EventStore, expected: int | ExpectedVersion
    ) -> None:
        """A retried append (same ids, same expectation) returns the first result, writes once."""
        batch = [NewEvent(data=e) for e in items(3)]
        first = await store.append("order-1", batch, expected_version=expected)
        again = await store.append("order-1", batch, expected_version=expected)
        assert again.version == first.version
        assert again.positions == first.positions
        assert len(await store.read_stream("order-1")) == 3

    async def test_a_retry_after_later_appends_is_still_idempotent(self, store: EventStore) -> None:
        """The retry is recognised even when the stream has moved on since."""
        batch = [NewEvent(data=e) for e in items(2)]
        first = await store.append("order-1", batch, expected_version=NO_STREAM)
        await store.append("order-1", [Shipped("dhl")], expected_version=2)
        again = await store.append("order-1", batch, expected_version=NO_STREAM)
        assert again.positions == first.positions
        assert len(await store.read_stream("order-1")) == 3

    async def test_partly_repeated_event_ids_are_not_a_retry(self, store: EventStore) -> None:
        """Reusing some of the ids of an earlier append, with new ones, is refused."""
        batch = [NewEvent(data=e) for e in items(2)]
        await store.append("order-1", batch, expected_version=NO_STREAM)
        with pytest.raises((ConcurrencyError, DuplicateEventError)):
            await store.append(
                "order-1", [batch[0], NewEvent(data=Shipped("x"))], expected_version=NO_STREAM
            )
        with pytest.raises(DuplicateEventError):
            await store.append("order-1", [batch[1], NewEvent(data=Shipped("x"))])
        assert len(await store.read_stream("order-1")) == 2

    async def test_an_event_id_recorded_in_another_stream_is_a_duplicate(
        self, store: EventStore
    ) -> None:
        """Event ids are unique across the store."""
        shared = NewEvent(data=ItemAdded("a"))
        await store.append("order-1", [shared])
        with pytest.raises(DuplicateEventError):
            await store.append("order-2", [shared])
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-2")

    async def test_the_same_event_id_twice_in_one_append_is_refused(
        self, store: EventStore
    ) -> None:
        """One append cannot hold one event id twice."""
        event_id = uuid7()
        twice = [NewEvent(data=ItemAdded("a"), event_id=event_id)] * 2
        with pytest.raises(DuplicateEventError):
            await store.append("order-1", twice)

    # --- transactions --------------------------------------------------------------------

    async def test_appends_in_one_transaction_commit_together(self, store: EventStore) -> None:
        """Several streams appended in a transaction are all there after it."""
        async with store.transaction() as tx:
            await tx.append("order-1", items(2), expected_version=NO_STREAM)
            await tx.append("invoice-1", [Shipped("ups")], expected_version=NO_STREAM)
            again = await tx.append("order-1", items(1), expected_version=2)
            assert again.version == 3
        assert len(await store.read_stream("order-1")) == 3
        assert len(await store.read_stream("invoice-1")) == 1

    async def test_a_failed_transaction_writes_nothing(self, store: EventStore) -> None:
        """A conflict in the second append of a transaction undoes the first."""
        await store.append("invoice-1", items(1))
        with pytest.raises(ConcurrencyError):
            async with store.transaction() as tx:
                await tx.append("order-1", items(2), expected_version=NO_STREAM)
                await tx.append("invoice-1", items(1), expected_version=NO_STREAM)
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-1")
        assert len(await store.read_stream("invoice-1")) == 1

    async def test_an_exception_in_a_transaction_rolls_it_back(self, store: EventStore) -> None:
        """Any exception leaving the block discards the transaction's appends."""
        with pytest.raises(RuntimeError, match="boom"):
            async with store.transaction() as tx:
                await tx.append("order-1", items(2))
                raise RuntimeError("boom")
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-1")
        assert (await store.read_all()).events == []

    async def test_uncommitted_appends_are_invisible_to_other_readers(
        self, store: EventStore
    ) -> None:
        """Readers outside an open transaction do not see its appends until it commits."""
        async with store.transaction() as tx:
            await tx.append("order-1", items(1))
            with pytest.raises(StreamNotFoundError):
                await store.read_stream("order-1")
            assert (await store.read_all()).events == []
        assert len(await store.read_stream("order-1")) == 1

    async def test_the_store_stays_usable_after_a_failed_append(self, store: EventStore) -> None:
        """A conflict leaves no broken connection or held lock behind."""
        await store.append("order-1", items(1))
        for _ in range(3):
            with pytest.raises(ConcurrencyError):
                await store.append("order-1", items(1), expected_version=NO_STREAM)
        result = await store.append("order-1", items(1), expected_version=1)
        assert result.version == 2

    # --- reading a stream ----------------------------------------------------------------

    async def test_read_stream_from_a_version_backwards_and_with_a_limit(
        self, store: EventStore
    ) -> None:
        """from_version, backwards and limit select and order the events."""
        await store.append("order-1", items(5))

        async def versions(**options: Any) -> list[int]:
            return [e.version for e in await store.read_stream("order-1", **options)]

        assert await versions() == [1, 2, 3, 4, 5]
        assert await versions(from_version=3) == [3, 4, 5]
        assert await versions(limit=2) == [1, 2]
        assert await versions(from_version=2, limit=2) == [2, 3]
        assert await versions(backwards=True) == [5, 4, 3, 2, 1]
        assert await versions(backwards=True, limit=2) == [5, 4]
        assert await versions(backwards=True, from_version=3) == [3, 2, 1]
        assert await versions(from_version=9) == []
        assert await versions(limit=0) == []

    async def test_reading_a_missing_stream_raises_not_found(self, store: EventStore) -> None:
        """A stream that was never written is reported, not returned empty."""
        with pytest.raises(StreamNotFoundError) as raised:
            await store.read_stream("order-404")
        assert raised.value.stream_id == "order-404"

    async def test_msgpack_events_round_trip(self, make_store: StoreFactory) -> None:
        """A store with the msgpack serializer stores and reads the same events."""
        store = await make_store(registry=contract_registry, serializer=MsgpackSerializer())
        await store.append("order-1", [placed(), ItemAdded("x", 3)])
        [first, second] = await store.read_stream("order-1")
        assert first.data == placed()
        assert second.data == ItemAdded("x", 3)
        assert first.metadata == Metadata()

    async def test_events_of_both_serializers_read_from_one_store(
        self, make_store: StoreFactory
    ) -> None:
        """Events written as JSON stay readable after switching the store to msgpack."""
        json_store = await make_store(registry=contract_registry)
        await json_store.append("order-1", [ItemAdded("json")])
        msgpack_store = await make_store(
            registry=contract_registry, serializer=MsgpackSerializer(), share_with=json_store
        )
        await msgpack_store.append("order-1", [ItemAdded("msgpack")])
        events = await msgpack_store.read_stream("order-1")
        assert [e.data.sku for e in events] == ["json", "msgpack"]

    # --- the global log ------------------------------------------------------------------

    async def test_read_all_returns_every_event_in_global_order(self, store: EventStore) -> None:
        """The global log holds all streams' events in the order of their positions."""
        a = await store.append("order-1", items(2))
        b = await store.append("invoice-1", [Shipped("ups")])
        c = await store.append("order-1", items(1))
        await log_readable(store)
        page = await store.read_all()
        assert [e.position for e in page.events] == [*a.positions, *b.positions, *c.positions]
        assert page.is_end
        assert page.checkpoint >= c.checkpoint
        assert (await store.read_all(after=page.checkpoint)).events == []

    async def test_read_all_pages_from_a_checkpoint(self, store: EventStore) -> None:
        """Passing back each slice's checkpoint reads every event once, in order."""
        appended: list[int] = []
        for n in range(7):
            appended += (await store.append(f"order-{n % 3}", items(2))).positions
        await log_readable(store)
        seen: list[int] = []
        checkpoint = Checkpoint.START
        while True:
            page = await store.read_all(after=checkpoint, limit=3)
            assert len(page.events) <= 3
            seen += [e.position for e in page.events]
            checkpoint = page.checkpoint
            if page.is_end:
                break
        assert seen == appended
        assert (await store.read_all(after=checkpoint)).events == []

    async def test_checkpoints_round_trip_through_text(self, store: EventStore) -> None:
        """A checkpoint written with str() and read with parse() resumes at the same place."""
        await store.append("order-1", items(3))
        await log_readable(store)
        first = await store.read_all(limit=1)
        resumed = await store.read_all(after=Checkpoint.parse(str(first.checkpoint)))
        assert [e.version for e in resumed.events] == [2, 3]

    async def test_read_all_filters_by_category_and_event_type(self, store: EventStore) -> None:
        """Filters pick events by their stream's category and by their type."""
        await store.append("order-1", [ItemAdded("a"), Shipped("ups")])
        await store.append("invoice-1", [ItemAdded("b")])
        await store.append("order-2", [ItemAdded("c")])
        await log_readable(store)
        by_category = await store.read_all(categories=["order"])
        assert [e.stream_id for e in by_category.events] == ["order-1", "order-1", "order-2"]
        by_type = await store.read_all(event_types=["contract.Shipped"])
        assert [e.data for e in by_type.events] == [Shipped("ups")]
        both = await store.read_all(categories=["invoice"], event_types=["contract.ItemAdded"])
        assert [e.data for e in both.events] == [ItemAdded("b")]

    async def test_a_filtered_read_advances_past_what_it_skipped(self, store: EventStore) -> None:
        """A filter that matches nothing still moves the checkpoint to the end of the log."""
        await store.append("order-1", items(5))
        head = await store.head()
        page = await eventually_past(store, head, categories=["invoice"])
        assert page.events == []
        assert page.is_end
        assert page.checkpoint >= head
        later = await store.append("invoice-1", items(1))
        nxt = await eventually_past(
            store, later.checkpoint, after=page.checkpoint, categories=["invoice"]
        )
        assert [e.position for e in nxt.events] == list(later.positions)

    async def test_head_is_the_checkpoint_of_the_newest_event(self, store: EventStore) -> None:
        """head() starts at START and then follows the last committed append."""
        assert await store.head() == Checkpoint.START
        await store.append("order-1", items(2))
        last = await store.append("invoice-1", items(1))
        assert await store.head() == last.checkpoint

    # --- stream information --------------------------------------------------------------

    async def test_get_stream_describes_it(self, store: EventStore) -> None:
        """Stream info carries the version, state, category and times."""
        await store.append("order-1", items(4))
        info = await store.get_stream("order-1")
        assert info.stream_id == "order-1"
        assert info.category == "order"
        assert info.version == 4
        assert info.state is StreamState.ACTIVE
        assert info.truncate_before == 1
        assert info.created_at <= info.updated_at
        with pytest.raises(StreamNotFoundError):
            await store.get_stream("order-404")

    async def test_list_streams_by_category_and_page(self, store: EventStore) -> None:
        """Streams list in id order, filtered by category, paged after a stream id."""
        for sid in ["order-2", "invoice-1", "order-1", "order-3"]:
            await store.append(sid, items(1))
        everything = await store.list_streams()
        assert [s.stream_id for s in everything] == ["invoice-1", "order-1", "order-2", "order-3"]
        orders = await store.list_streams(category="order", limit=2)
        assert [s.stream_id for s in orders] == ["order-1", "order-2"]
        rest = await store.list_streams(category="order", after="order-2")
        assert [s.stream_id for s in rest] == ["order-3"]

    # --- deleting and truncating ---------------------------------------------------------

    async def test_soft_delete_hides_the_stream_and_an_append_recreates_it(
        self, store: EventStore
    ) -> None:
        """After a soft delete reads say not found; a new append continues the versions."""
        await store.append("order-1", items(3))
        await store.delete_stream("order-1")
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-1")
        assert (await store.get_stream("order-1")).state is StreamState.DELETED
        result = await store.append("order-1", [Shipped("ups")], expected_version=NO_STREAM)
        assert result.version == 4
        events = await store.read_stream("order-1")
        assert [(e.version, e.data) for e in events] == [(4, Shipped("ups"))]
        assert (await store.get_stream("order-1")).state is StreamState.ACTIVE

    async def test_hard_delete_tombstones_the_stream_forever(self, store: EventStore) -> None:
        """A hard-deleted stream's events leave the log and it can never be written again."""
        await store.append("order-1", items(2))
        kept = await store.append("order-2", items(1))
        await store.delete_stream("order-1", hard=True)
        with pytest.raises(StreamDeletedError):
            await store.read_stream("order-1")
        with pytest.raises(StreamDeletedError):
            await store.append("order-1", items(1))
        with pytest.raises(StreamDeletedError):
            await store.append("order-1", items(1), expected_version=NO_STREAM)
        assert (await store.get_stream("order-1")).state is StreamState.TOMBSTONED
        await log_readable(store)
        log = await store.read_all()
        assert [e.position for e in log.events] == list(kept.positions)

    async def test_deleting_checks_existence_and_expected_version(self, store: EventStore) -> None:
        """Deleting a missing stream, or at the wrong version, is refused."""
        with pytest.raises(StreamNotFoundError):
            await store.delete_stream("order-404")
        await store.append("order-1", items(2))
        with pytest.raises(ConcurrencyError):
            await store.delete_stream("order-1", expected_version=1)
        await store.delete_stream("order-1", expected_version=2)

    async def test_truncate_hides_earlier_events_and_keeps_the_version(
        self, store: EventStore
    ) -> None:
        """Truncating before a version hides the older events from stream reads only."""
        await store.append("order-1", items(5))
        await store.truncate_stream("order-1", before_version=4)
        assert [e.version for e in await store.read_stream("order-1")] == [4, 5]
        info = await store.get_stream("order-1")
        assert (info.version, info.truncate_before) == (5, 4)
        result = await store.append("order-1", items(1), expected_version=5)
        assert result.version == 6
        await log_readable(store)
        assert len((await store.read_all()).events) == 6

    async def test_max_count_keeps_only_the_newest_events_in_reads(self, store: EventStore) -> None:
        """A stream with max_count reads as its last max_count events."""
        await store.set_stream_metadata("order-1", StreamMetadata(max_count=2))
        await store.append("order-1", items(5))
        assert [e.version for e in await store.read_stream("order-1")] == [4, 5]
        backwards = await store.read_stream("order-1", backwards=True)
        assert [e.version for e in backwards] == [5, 4]

    async def test_max_age_hides_older_events_from_reads(self, store: EventStore) -> None:
        """A stream with max_age reads only events younger than it."""
        await store.append("order-1", items(2))
        await asyncio.sleep(0.6)
        await store.append("order-1", items(1))
        await store.set_stream_metadata("order-1", StreamMetadata(max_age=timedelta(seconds=0.4)))
        assert [e.version for e in await store.read_stream("order-1")] == [3]

    async def test_stream_metadata_round_trips_and_can_precede_the_stream(
        self, store: EventStore
    ) -> None:
        """Metadata set before the first event is kept, and NO_STREAM still holds."""
        meta = StreamMetadata(max_count=10, max_age=timedelta(days=30), custom={"owner": "ops"})
        await store.set_stream_metadata("order-1", meta)
        assert (await store.get_stream("order-1")).metadata == meta
        result = await store.append("order-1", items(1), expected_version=NO_STREAM)
        assert result.version == 1
        assert (await store.get_stream("order-1")).metadata == meta

    # --- event types ---------------------------------------------------------------------

    async def test_event_types_of_an_empty_store_are_none(self, store: EventStore) -> None:
        """A store without events holds no event types."""
        assert await store.event_types() == []

    async def test_event_types_count_each_type_at_each_schema_version(
        self, store: EventStore
    ) -> None:
        """Stored types come back once per schema version, counted, ordered by type name."""
        await store.append("order-1", [placed()], expected_version=NO_STREAM)
        await store.append("order-1", items(3))
        await store.append("legacy-1", [NewEvent(type="legacy.Thing", data={"a": 1})])
        assert await store.event_types() == [
            StoredEventType(type="contract.ItemAdded", schema_version=1, count=3),
            StoredEventType(type="contract.OrderPlaced", schema_version=2, count=1),
            StoredEventType(type="legacy.Thing", schema_version=1, count=1),
        ]

    async def test_a_tenant_view_counts_only_its_own_event_types(self, store: EventStore) -> None:
        """A tenant's view reports that tenant's event types; the unscoped store all of them."""
        await store.for_tenant("acme").append("order-1", items(2))
        await store.for_tenant("globex").append("ship-1", [Shipped("DHL")])
        acme = await store.for_tenant("acme").event_types()
        assert [(t.type, t.count) for t in acme] == [("contract.ItemAdded", 2)]
        everything = await store.event_types()
        assert [(t.type, t.count) for t in everything] == [
            ("contract.ItemAdded", 2),
            ("contract.Shipped", 1),
        ]

    async def test_hard_deleted_events_no_longer_count(self, store: EventStore) -> None:
        """Event types count what the store still holds."""
        await store.append("order-1", items(2))
        await store.append("order-2", [Shipped("UPS")])
        await store.delete_stream("order-2", hard=True)
        assert [(t.type, t.count) for t in await store.event_types()] == [("contract.ItemAdded", 2)]

    # --- tenants -------------------------------------------------------------------------

    async def test_tenants_have_separate_streams(self, store: EventStore) -> None:
        """The same stream id in two tenants is two streams; each tenant reads only its own."""
        acme, globex = store.for_tenant("acme"), store.for_tenant("globex")
        await acme.append("order-1", items(2), expected_version=NO_STREAM)
        await globex.append("order-1", items(1), expected_version=NO_STREAM)
        assert len(await acme.read_stream("order-1")) == 2
        [only] = await globex.read_stream("order-1")
        assert only.tenant_id == "globex"
        with pytest.raises(StreamNotFoundError):
            await store.read_stream("order-1")
        await log_readable(store)
        assert {e.tenant_id for e in (await acme.read_all()).events} == {"acme"}
        assert len((await store.read_all()).events) == 3

    # --- concurrency ---------------------------------------------------------------------

    async def test_concurrent_writers_to_one_stream_each_win_once_per_version(
        self, store: EventStore
    ) -> None:
        """Racing appends at the same expected version: exactly one wins, the rest conflict."""
        await store.append("order-1", items(1))

        async def attempt(n: int) -> bool:
            try:
                await store.append("order-1", [ItemAdded(f"w{n}")], expected_version=1)
            except ConcurrencyError:
                return False
            return True

        outcomes = await asyncio.gather(*(attempt(n) for n in range(12)))
        assert outcomes.count(True) == 1
        assert [e.version for e in await store.read_stream("order-1")] == [1, 2]

    async def test_concurrent_writers_and_readers_see_every_event_once_in_order(
        self, store: EventStore
    ) -> None:
        """Readers following the log while writers append see each event exactly once."""
        writers, per_writer = 6, 15
        done = asyncio.Event()

        async def write(w: int) -> None:
            for n in range(per_writer):
                await store.append(f"order-{w}", [ItemAdded(f"{w}-{n}")])
                await asyncio.sleep(0)

        async def follow() -> list[RecordedEvent]:
            seen: list[RecordedEvent] = []
            checkpoint = Checkpoint.START
            deadline = asyncio.get_running_loop().time() + PATIENCE
            while asyncio.get_running_loop().time() < deadline:
                finished = done.is_set()
                page = await store.read_all(after=checkpoint, limit=7)
                seen += page.events
                checkpoint = page.checkpoint
                if finished and page.is_end and checkpoint >= await store.head():
                    return seen
                await asyncio.sleep(0 if page.events else 0.005)
            return seen

        readers = [asyncio.ensure_future(follow()) for _ in range(2)]
        await asyncio.gather(*(write(w) for w in range(writers)))
        done.set()
        for seen in await asyncio.gather(*readers):
            assert len(seen) == writers * per_writer
            assert len({e.event_id for e in seen}) == len(seen)
            for w in range(writers):
                mine = [e for e in seen if e.stream_id == f"order-{w}"]
                assert [e.version for e in mine] == list(range(1, per_writer + 1))

    # --- following the log: watch and count ----------------------------------------------

    async def test_a_commit_after_a_watch_began_wakes_its_wait(self, store: EventStore) -> None:
        """An append made after `watch()` began wakes the waiting reader."""
        async with store.watch() as watch:
            waiting = asyncio.ensure_future(watch.wait(PATIENCE))
            await asyncio.sleep(0.01)
            await store.append("order-1", items(1))
            assert await waiting is True

    async def test_a_commit_between_read_and_wait_is_not_lost(self, store: EventStore) -> None:
        """A commit that lands before the reader waits still wakes that wait."""
        async with store.watch() as watch:
            await store.append("order-1", items(1))
            assert await watch.wait(PATIENCE) is True

    async def test_a_wait_with_nothing_committed_times_out_with_false(
        self, store: EventStore
    ) -> None:
        """No commit since the watch began (or since the last wait): the wait says False."""
        await store.append("order-1", items(1))
        async with store.watch() as watch:
            assert await watch.wait(0.05) is False
            await store.append("order-1", items(1))
            assert await watch.wait(PATIENCE) is True
            assert await watch.wait(0.05) is False

    async def test_every_open_watch_wakes_and_views_wake_each_other(
        self, store: EventStore
    ) -> None:
        """One commit (through another tenant's view, too) wakes every open watch."""
        async with store.watch() as one, store.for_tenant("acme").watch() as two:
            await store.for_tenant("acme").append("order-1", items(1))
            assert await one.wait(PATIENCE) is True
            assert await two.wait(PATIENCE) is True

    async def test_a_transaction_wakes_watches_when_it_commits_not_before(
        self, store: EventStore
    ) -> None:
        """Readers are woken after the commit: before it there is nothing for them to read."""
        async with store.watch() as watch:
            async with store.transaction() as tx:
                await tx.append("order-1", items(1))
                assert await watch.wait(0.05) is False
            assert await watch.wait(PATIENCE) is True

    async def test_count_events_counts_what_read_all_would_return(self, store: EventStore) -> None:
        """After a checkpoint, up to another, by category and by type: as `read_all` reads."""
        assert await store.count_events() == 0
        await store.append("order-1", items(3))
        await store.append("invoice-1", [placed()])
        await store.append("order-2", items(2))
        await log_readable(store)
        everything = (await store.read_all()).events
        assert await store.count_events() == 6
        assert await store.count_events(after=everything[1].checkpoint) == 4
        assert await store.count_events(until=everything[3].checkpoint) == 4
        assert (
            await store.count_events(after=everything[0].checkpoint, until=everything[4].checkpoint)
            == 4
        )
        assert await store.count_events(categories=["order"]) == 5
        assert await store.count_events(event_types=["contract.OrderPlaced"]) == 1
        assert (
            await store.count_events(categories=["order"], event_types=["contract.OrderPlaced"])
            == 0
        )
        assert await store.count_events(after=everything[-1].checkpoint) == 0

    async def test_a_tenant_view_counts_only_its_own_events(self, store: EventStore) -> None:
        """The root store counts every tenant's events; a view counts its tenant's."""
        await store.append("order-1", items(2))
        await store.for_tenant("acme").append("order-1", items(3))
        await log_readable(store)
        assert await store.count_events() == 5
        assert await store.for_tenant("acme").count_events() == 3

    # --- the ambient transaction ---------------------------------------------------------

    async def test_appends_through_the_store_inside_a_transaction_join_it(
        self, store: EventStore
    ) -> None:
        """Inside `store.transaction()`, `store.append` (a repository's save, say) joins the
        transaction: it commits with it, and rolls back with it."""
        async with store.transaction() as tx:
            await tx.append("order-1", items(1))
            await store.append("order-2", items(1), expected_version=NO_STREAM)
        assert len(await store.read_stream("order-2")) == 1
        with pytest.raises(RuntimeError, match="undo"):
            async with store.transaction() as tx:
                await store.append("order-3", items(1))
                await tx.append("order-4", items(1))
                raise RuntimeError("undo")
        for stream_id in ("order-3", "order-4"):
            with pytest.raises(StreamNotFoundError):
                await store.read_stream(stream_id)

    async def test_a_nested_transaction_joins_the_outer_one(self, store: EventStore) -> None:
        """A block inside a block is the same transaction: the outer one decides."""
        with pytest.raises(RuntimeError, match="outer"):
            async with store.transaction() as outer:
                await outer.append("order-1", items(1))
                async with store.transaction() as inner:
                    await inner.append("order-2", items(1))
                raise RuntimeError("outer fails after the inner block ended")
        assert (await store.read_all()).events == []

    async def test_another_tenants_view_joins_the_open_transaction(self, store: EventStore) -> None:
        """Appends through a tenant view of the same store land in the same transaction, under
        that tenant."""
        acme = store.for_tenant("acme")
        with pytest.raises(RuntimeError, match="undo"):
            async with store.transaction():
                await acme.append("order-1", items(1))
                raise RuntimeError("undo")
        assert (await store.read_all()).events == []
        async with store.transaction():
            await acme.append("order-1", items(1))
            await store.append("order-1", items(2))
        assert [e.version for e in await acme.read_stream("order-1")] == [1]
        assert [e.version for e in await store.read_stream("order-1")] == [1, 2]

    async def test_stream_management_is_refused_inside_a_transaction(
        self, store: EventStore
    ) -> None:
        """Deleting, truncating or setting metadata inside a block is a usage error, not a
        wait on the block's own locks."""
        await store.append("order-1", items(2))
        async with store.transaction() as tx:
            await tx.append("order-2", items(1))
            with pytest.raises(ConfigurationError):
                await store.delete_stream("order-1")
            with pytest.raises(ConfigurationError):
                await store.truncate_stream("order-1", before_version=2)
            with pytest.raises(ConfigurationError):
                await store.set_stream_metadata("order-1", StreamMetadata(max_count=1))
        assert len(await store.read_stream("order-1")) == 2
        assert len(await store.read_stream("order-2")) == 1
