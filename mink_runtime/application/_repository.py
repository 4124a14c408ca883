"""`AggregateRepository`: load an aggregate from its stream (and snapshot), save its events."""

from __future__ import annotations

import logging
import operator
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from mink_runtime.application._recording import note_save
from mink_runtime.domain import (
    Aggregate,
    AppendResult,
    ExpectedVersion,
    Metadata,
    NewEvent,
    RecordedEvent,
    Snapshot,
    SnapshotContext,
    SnapshotPolicy,
)
from mink_runtime.errors import AggregateError, AggregateNotFoundError, StreamNotFoundError
from mink_runtime.ports import EventStore, SnapshotStore

__all__ = ["AggregateRepository"]

A = TypeVar("A", bound=Aggregate)

log = logging.getLogger("mink.repository")

_data_of = operator.attrgetter("data")


@dataclass(slots=True)
class _SinceSnapshot:
    """What a load would replay on top of the newest snapshot."""

    events: int = 0
    size: int = 0
    last_snapshot_at: datetime | None = None


class AggregateRepository(Generic[A]):
    """Loads and saves aggregates of one class through an event store.

    With a snapshot store and a policy (`EveryNEvents(100)`, `EveryInterval(...)`,
    `EventBytesAbove(...)`, or a list of them: any one suffices), saves take snapshots and loads
    start from the newest one whose `snapshot_version` matches the class.
    """

    def __init__(
        self,
        store: EventStore,
        aggregate_type: type[A],
        *,
        snapshots: SnapshotStore | None = None,
        snapshot_policy: SnapshotPolicy | Sequence[SnapshotPolicy] | None = None,
    ) -> None:
        self.store = store
        self.aggregate_type = aggregate_type
        self.snapshots = snapshots
        if snapshot_policy is None:
            self._policies: tuple[SnapshotPolicy, ...] = ()
        elif isinstance(snapshot_policy, Sequence):
            self._policies = tuple(snapshot_policy)
        else:
            self._policies = (snapshot_policy,)
        if self._policies and snapshots is None:
            raise AggregateError(
                "a snapshot policy needs a snapshot store: "
                "AggregateRepository(store, Order, snapshots=store.snapshots, snapshot_policy=...)"
            )
        self._since_snapshot: weakref.WeakKeyDictionary[Aggregate, _SinceSnapshot] = (
            weakref.WeakKeyDictionary()
        )
        registry = store.codec.registry
        for event_type in aggregate_type.event_types():
            if not registry.is_registered(event_type):
                entry = aggregate_type.registry.type_of(event_type)
                registry.register(event_type, name=entry.name, version=entry.version)

    def stream_id(self, aggregate_id: str) -> str:
        """The stream of the aggregate with this id."""
        return f"{self.aggregate_type.category}-{aggregate_id}"

    async def load(
        self, aggregate_id: str, *, version: int | None = None, as_of: datetime | None = None
    ) -> A:
        """The aggregate with all its events applied, or as it was at `version` / `as_of`.

        Raises:
            AggregateNotFoundError: no events for that id (or none by `as_of`).
            AggregateError: the stream has not reached `version`.
        """
        if version is not None and as_of is not None:
            raise AggregateError("load at a version or as of a time, not both")
        if version is not None and version < 1:
            raise AggregateError(f"versions start at 1; cannot load version {version}")
        stream_id = self.stream_id(aggregate_id)
        aggregate = self.aggregate_type(aggregate_id)
        snapshot = await self._usable_snapshot(stream_id, version) if as_of is None else None
        from_version = 1
        if snapshot is not None:
            aggregate.restore_state(dict(snapshot.state))
            aggregate.version = snapshot.version
            from_version = snapshot.version + 1
        limit = None if version is None else version - from_version + 1
        try:
            events = await self.store.read_stream(stream_id, from_version=from_version, limit=limit)
        except StreamNotFoundError:
            raise AggregateNotFoundError(self.aggregate_type.__name__, aggregate_id) from None
        if as_of is not None:
            events = _until(events, as_of)
        if not events and snapshot is None:
            raise AggregateNotFoundError(self.aggregate_type.__name__, aggregate_id)
        aggregate.replay(map(_data_of, events))
        if events:
            aggregate.version = events[-1].version
        if version is not None and aggregate.version != version:
            raise AggregateError(
                f"{stream_id} is at version {aggregate.version}; cannot load version {version}"
            )
        aggregate.mark_committed()
        if self._policies:
            self._since_snapshot[aggregate] = _SinceSnapshot(
                events=len(events),
                size=sum(e.size for e in events),
                last_snapshot_at=snapshot.taken_at if snapshot else None,
            )
        return aggregate

    async def save(self, aggregate: A, *, metadata: Metadata | None = None) -> AppendResult | None:
        """Append the events the aggregate recorded; None when it recorded nothing.

        Raises:
            ConcurrencyError: someone else saved the aggregate since it was loaded.
        """
        pending = aggregate.pending_events
        if not pending:
            return None
        committed = aggregate.committed_version
        expected: int | ExpectedVersion = committed if committed else ExpectedVersion.NO_STREAM
        events = (
            pending if metadata is None else [NewEvent(data=e, metadata=metadata) for e in pending]
        )
        result = await self.store.append(aggregate.stream_id, events, expected_version=expected)
        aggregate.mark_committed(result.version)
        note_save(aggregate.id, result)
        if self._policies:
            since = self._since_snapshot.setdefault(aggregate, _SinceSnapshot())
            since.events += len(pending)
            since.size += result.size
            await self._maybe_snapshot(aggregate, since)
        return result

    async def exists(self, aggregate_id: str) -> bool:
        """Whether the aggregate has any events."""
        try:
            return bool(await self.store.read_stream(self.stream_id(aggregate_id), limit=1))
        except StreamNotFoundError:
            return False

    async def _usable_snapshot(self, stream_id: str, version: int | None) -> Snapshot | None:
        if self.snapshots is None:
            return None
        snapshot = await self.snapshots.load(stream_id)
        if snapshot is None:
            return None
        cls = self.aggregate_type
        if (
            snapshot.aggregate_type != cls.__name__
            or snapshot.schema_version != cls.snapshot_version
        ):
            log.info(
                "discarding snapshot of %s: taken of %s v%s, the class is %s v%s",
                stream_id,
                snapshot.aggregate_type,
                snapshot.schema_version,
                cls.__name__,
                cls.snapshot_version,
            )
            return None
        if version is not None and snapshot.version > version:
            return None
        return snapshot

    async def _maybe_snapshot(self, aggregate: A, since: _SinceSnapshot) -> None:
        assert self.snapshots is not None
        now = datetime.now(UTC)
        context = SnapshotContext(
            version=aggregate.version,
            events_since_snapshot=since.events,
            bytes_since_snapshot=since.size,
            last_snapshot_at=since.last_snapshot_at,
            now=now,
        )
        if not any(policy.should_snapshot(context) for policy in self._policies):
            return
        snapshot = Snapshot(
            stream_id=aggregate.stream_id,
            version=aggregate.version,
            aggregate_type=type(aggregate).__name__,
            schema_version=type(aggregate).snapshot_version,
            state=aggregate.snapshot_state(),
            taken_at=now,
        )
        try:
            await self.snapshots.save(snapshot)
        except Exception:  # the events are stored; a missing snapshot only costs replay time
            log.warning("could not snapshot %s", aggregate.stream_id, exc_info=True)
            return
        since.events, since.size, since.last_snapshot_at = 0, 0, now


def _until(events: list[RecordedEvent], as_of: datetime) -> list[RecordedEvent]:
    if as_of.tzinfo is None:
        raise AggregateError("as_of must be timezone-aware, e.g. datetime.now(UTC)")
    for index, recorded in enumerate(events):
        if recorded.recorded_at > as_of:
            return events[:index]
    return events
