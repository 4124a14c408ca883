"""Subscriptions on every backend: catch-up and live in one loop, durable names, groups."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from conftest import Backend
from projection_shop import Noted, Paid, Placed

from mink_runtime import (
    Checkpoint,
    ConfigurationError,
    ConsumerGroup,
    RecordedEvent,
    Subscription,
)
from mink_runtime.application.projections import partition_of


async def take(events: AsyncIterator[RecordedEvent], count: int) -> list[RecordedEvent]:
    """The next `count` events of a subscription, or fail after a while."""
    taken: list[RecordedEvent] = []

    async def collect() -> None:
        async for event in events:
            taken.append(event)
            if len(taken) == count:
                return

    await asyncio.wait_for(collect(), 20)
    return taken


async def test_catch_up_then_live_without_a_gap(backend: Backend) -> None:
    """Events appended while the subscription catches up are all seen, in log order, once."""
    for i in range(300):
        await backend.store.append(f"order-{i % 7}", [Placed(str(i), i)])
    subscription = Subscription(backend.store, batch_size=40, poll_interval=5)

    async def write_more() -> None:
        for i in range(300, 400):
            await backend.store.append(f"order-{i % 7}", [Placed(str(i), i)])
            await asyncio.sleep(0)

    writer = asyncio.create_task(write_more())
    events = await take(aiter(subscription), 400)
    await writer
    assert [e.data.amount for e in events] == list(range(400))
    assert subscription.position == events[-1].checkpoint


async def test_filters_by_category_event_type_and_stream(backend: Backend) -> None:
    """A category, event types or one stream narrow what comes."""
    await backend.store.append("order-1", [Placed("1", 1), Paid("1")])
    await backend.store.append("note-1", [Noted("hello")])
    await backend.store.append("order-2", [Placed("2", 2)])
    notes = await take(aiter(Subscription(backend.store, categories=["note"])), 1)
    assert [e.data for e in notes] == [Noted("hello")]
    payments = await take(aiter(Subscription(backend.store, event_types=["shop.Paid"])), 1)
    assert [e.stream_id for e in payments] == ["order-1"]
    stream = aiter(Subscription(backend.store, stream_id="order-1", poll_interval=0.05))
    assert [e.version for e in await take(stream, 2)] == [1, 2]
    await backend.store.append("order-1", [Paid("1")])
    assert [e.version for e in await take(stream, 1)] == [3]


async def test_a_stream_subscription_waits_for_its_stream_to_exist(backend: Backend) -> None:
    """Subscribing to a stream not written yet waits for it."""
    stream = aiter(Subscription(backend.store, stream_id="order-9", poll_interval=0.05))
    pending = asyncio.create_task(take(stream, 1))
    await asyncio.sleep(0.05)
    await backend.store.append("order-9", [Placed("9", 9)])
    assert [e.stream_id for e in await pending] == ["order-9"]


async def test_a_durable_subscription_restarts_after_its_last_ack(backend: Backend) -> None:
    """A named subscription resumes after what it acknowledged: at least once, not from zero."""
    for i in range(5):
        await backend.store.append(f"order-{i}", [Placed(str(i), i)])
    first = Subscription(backend.store, "mailer")
    events = await take(aiter(first), 3)
    await first.ack(events[1])
    again = Subscription(await backend.another(), "mailer")
    assert [e.data.order_id for e in await take(aiter(again), 3)] == ["2", "3", "4"]
    with pytest.raises(ConfigurationError, match="named"):
        await Subscription(backend.store).ack(events[0])


async def test_consumer_groups_deliver_each_event_to_one_member_in_stream_order(
    backend: Backend,
) -> None:
    """Three members: every event exactly once, a stream always on the same member, in order."""
    streams = [f"order-{i}" for i in range(12)]
    for round_ in range(4):
        for stream in streams:
            await backend.store.append(stream, [Placed(f"{stream}:{round_}", round_)])
    owners = [sum(partition_of(s, 3) == m for s in streams) for m in range(3)]
    received: list[list[RecordedEvent]] = []
    for member in range(3):
        group = ConsumerGroup("billing", member=member, size=3)
        received.append(
            await take(aiter(Subscription(backend.store, group=group)), owners[member] * 4)
        )
    everything = [e.event_id for member in received for e in member]
    assert len(everything) == len(set(everything)) == 48
    for member, events in enumerate(received):
        for stream in {e.stream_id for e in events}:
            assert partition_of(stream, 3) == member
            assert [e.version for e in events if e.stream_id == stream] == [1, 2, 3, 4]


def test_a_group_member_must_be_in_range() -> None:
    """A member outside 0 … size-1 is refused."""
    with pytest.raises(ConfigurationError, match="member"):
        ConsumerGroup("billing", member=3, size=3)


def test_the_stream_hash_is_stable() -> None:
    """The partition of a stream does not depend on the interpreter run (CRC-32)."""
    assert [partition_of(f"order-{i}", 4) for i in range(6)] == [
        partition_of(f"order-{i}", 4) for i in range(6)
    ]
    assert partition_of("order-1", 4) == 3769860079 % 4
    assert partition_of("order-1", 1) == 0


async def test_after_starts_the_subscription_past_a_checkpoint(backend: Backend) -> None:
    """`after` skips what came before."""
    first = await backend.store.append("order-1", [Placed("1", 1)])
    await backend.store.append("order-2", [Placed("2", 2)])
    events = await take(aiter(Subscription(backend.store, after=first.checkpoint)), 1)
    assert [e.stream_id for e in events] == ["order-2"]
    assert first.checkpoint > Checkpoint.START
