"""`Subscription`: follow events as they are recorded — catch-up and live in one loop.

```python
async for event in Subscription(store, categories=["order"]):
    ...
```

It reads batches (of one stream by version, or of the global log with filters) until it has
caught up, then waits for a commit (`store.watch()`, opened before the first read, with a poll
as fallback) and reads again: there is no window between catching up and going live in which
an event could slip by.

A *durable* subscription has a name: it starts after the checkpoint stored for that name in the
projection store and moves it when you `ack(event)` after processing. Delivery is at least
once: events processed but not acknowledged when the process stops come again.

A consumer group (`group=ConsumerGroup("billing", member=i, size=n)`) splits the streams over
`n` members by a stable hash of the stream id: one stream's events always go to the same member,
in order, and each event to exactly one member.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection

from mink_runtime.application.projections._defaults import default_projection_store
from mink_runtime.application.projections._groups import ConsumerGroup
from mink_runtime.domain import Checkpoint, RecordedEvent
from mink_runtime.errors import ConfigurationError, StreamNotFoundError
from mink_runtime.ports import EventStore, ProjectionStore

__all__ = ["Subscription"]


class Subscription:
    """Events of the log (or of one stream) from a checkpoint on, forever: `async for`."""

    def __init__(
        self,
        store: EventStore,
        name: str | None = None,
        *,
        stream_id: str | None = None,
        categories: Collection[str] | None = None,
        event_types: Collection[str] | None = None,
        after: Checkpoint = Checkpoint.START,
        group: ConsumerGroup | None = None,
        projection_store: ProjectionStore | None = None,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        """`stream_id` follows one stream (its checkpoint is the stream version, `after`
        `Checkpoint(0, version)`); otherwise the global log, optionally of some `categories`
        and `event_types`. A `name` makes it durable, in `projection_store` (default: the one
        of the store's backend).

        Raises:
            ConfigurationError: a stream subscription with filters or a group, or a batch size
                below 1.
        """
        if stream_id is not None and (categories or event_types or group):
            raise ConfigurationError(
                "a subscription to one stream takes no categories, event types or group; "
                "subscribe to the log with filters instead"
            )
        if batch_size < 1:
            raise ConfigurationError(f"batch_size must be 1 or more, got {batch_size}")
        self.store = store
        self.name = name
        self.stream_id = stream_id
        self.categories = list(categories) if categories is not None else None
        self.event_types = list(event_types) if event_types is not None else None
        self.group = group
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._after = after
        self._projections = (
            projection_store
            if projection_store is not None or name is None
            else default_projection_store(store)
        )
        self._acked: Checkpoint | None = None
        self.position: Checkpoint = after
        """Where the subscription has read to (the last event yielded)."""

    def __aiter__(self) -> AsyncIterator[RecordedEvent]:
        return self._follow()

    async def ack(self, event: RecordedEvent) -> None:
        """Record that `event` (and every one before it) was processed: a durable subscription
        restarts after it. Call it after processing (at-least-once delivery).

        Raises:
            ConfigurationError: the subscription has no name.
            CheckpointConflictError: another consumer with the same name moved the checkpoint.
        """
        if self.name is None or self._projections is None:
            raise ConfigurationError("only a named (durable) subscription can be acknowledged")
        checkpoint = self._checkpoint_of(event)
        expected = self._acked if self._acked is not None else await self._stored()
        if checkpoint <= expected:
            return
        await self._projections.save_checkpoint(
            self.name, checkpoint, expected=expected, partition=self._partition
        )
        self._acked = checkpoint

    async def _follow(self) -> AsyncIterator[RecordedEvent]:
        position = self._after
        if self.name is not None:
            stored = await self._stored()
            self._acked = stored
            position = max(stored, position)
        async with self.store.watch() as watch:
            while True:
                events, position, is_end = await self._read(position)
                for event in events:
                    self.position = self._checkpoint_of(event)
                    yield event
                if is_end:
                    await watch.wait(self.poll_interval)

    async def _read(self, position: Checkpoint) -> tuple[list[RecordedEvent], Checkpoint, bool]:
        if self.stream_id is not None:
            try:
                events = await self.store.read_stream(
                    self.stream_id, from_version=position.position + 1, limit=self.batch_size
                )
            except StreamNotFoundError:
                return [], position, True
            if events:
                position = Checkpoint(0, events[-1].version)
            return events, position, len(events) < self.batch_size
        page = await self.store.read_all(
            after=position,
            limit=self.batch_size,
            categories=self.categories,
            event_types=self.event_types,
        )
        events = page.events
        if self.group is not None:
            events = [e for e in events if self.group.owns(e.stream_id)]
        return events, page.checkpoint, page.is_end

    def _checkpoint_of(self, event: RecordedEvent) -> Checkpoint:
        return Checkpoint(0, event.version) if self.stream_id is not None else event.checkpoint

    async def _stored(self) -> Checkpoint:
        assert self.name is not None
        assert self._projections is not None
        record = await self._projections.get(self.name, partition=self._partition)
        return record.checkpoint

    @property
    def _partition(self) -> int:
        return self.group.member if self.group is not None else 0
