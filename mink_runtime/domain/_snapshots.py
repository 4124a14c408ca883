"""Snapshots of aggregate state, and the policies that decide when to take one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

__all__ = [
    "EventBytesAbove",
    "EveryInterval",
    "EveryNEvents",
    "Snapshot",
    "SnapshotContext",
    "SnapshotPolicy",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """An aggregate's state at a version, so that loading replays only later events."""

    stream_id: str
    version: int
    aggregate_type: str
    schema_version: int
    """The aggregate class's `snapshot_version` when taken; another value discards it."""
    state: Mapping[str, Any]
    taken_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotContext:
    """What a snapshot policy sees when an aggregate is saved."""

    version: int
    """The aggregate's version after the save."""
    events_since_snapshot: int
    """Events a load would replay on top of the newest snapshot (or from the start)."""
    bytes_since_snapshot: int
    """Stored bytes of those events."""
    last_snapshot_at: datetime | None
    now: datetime


class SnapshotPolicy(Protocol):
    """Decides, after a save, whether to snapshot the aggregate."""

    def should_snapshot(self, context: SnapshotContext) -> bool: ...


@dataclass(frozen=True, slots=True)
class EveryNEvents:
    """Snapshot once `n` events have piled up since the last snapshot."""

    n: int

    def should_snapshot(self, context: SnapshotContext) -> bool:
        return context.events_since_snapshot >= self.n


@dataclass(frozen=True, slots=True)
class EveryInterval:
    """Snapshot when the newest snapshot is older than `interval` (and there are new events)."""

    interval: timedelta

    def should_snapshot(self, context: SnapshotContext) -> bool:
        if context.events_since_snapshot == 0:
            return False
        if context.last_snapshot_at is None:
            return True
        return context.now - context.last_snapshot_at >= self.interval


@dataclass(frozen=True, slots=True)
class EventBytesAbove:
    """Snapshot when the events a load would replay exceed `size` bytes of stored data."""

    size: int

    def should_snapshot(self, context: SnapshotContext) -> bool:
        return context.bytes_since_snapshot > self.size
