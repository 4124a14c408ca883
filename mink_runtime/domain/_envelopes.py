"""Event envelopes: what goes into the store (`NewEvent`) and what comes out (`RecordedEvent`)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar, NamedTuple

from mink_runtime.domain._ids import uuid7
from mink_runtime.domain._versions import Checkpoint, StreamState

__all__ = [
    "AppendResult",
    "LogSlice",
    "Metadata",
    "NewEvent",
    "RecordedEvent",
    "StoredEventType",
    "StreamInfo",
    "StreamMetadata",
    "category_of",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def category_of(stream_id: str) -> str:
    """The category of a stream id: the text before its first `-` (`"order-42"` → `"order"`)."""
    return stream_id.partition("-")[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class Metadata:
    """What travels with an event besides its data: where it came from and why."""

    EMPTY: ClassVar[Metadata]

    correlation_id: str | None = None
    """Shared by every event that one business request caused, however indirectly."""
    causation_id: str | None = None
    """The id of the command or event that directly caused this one."""
    user_id: str | None = None
    """Who asked for it."""
    tenant_id: str | None = None
    """The tenant on whose behalf it happened (as the message context said; see
    `message_context`). The store's own tenant scope is `RecordedEvent.tenant_id`."""
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    """Anything else (trace context, client version, …); JSON-compatible values."""

    def to_dict(self) -> dict[str, Any]:
        """The metadata as a JSON-compatible dict, leaving out what is not set."""
        out: dict[str, Any] = {}
        if self.correlation_id is not None:
            out["correlation_id"] = self.correlation_id
        if self.causation_id is not None:
            out["causation_id"] = self.causation_id
        if self.user_id is not None:
            out["user_id"] = self.user_id
        if self.tenant_id is not None:
            out["tenant_id"] = self.tenant_id
        if self.extra:
            out["extra"] = dict(self.extra)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Metadata:
        """Rebuild metadata written by `to_dict()`; unknown keys land in `extra`."""
        if not data:
            return cls.EMPTY
        known = {"correlation_id", "causation_id", "user_id", "tenant_id", "extra"}
        extra = dict(data.get("extra") or {})
        extra.update({k: v for k, v in data.items() if k not in known})
        return cls(
            correlation_id=data.get("correlation_id"),
            causation_id=data.get("causation_id"),
            user_id=data.get("user_id"),
            tenant_id=data.get("tenant_id"),
            extra=extra or _EMPTY,
        )


Metadata.EMPTY = Metadata()


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """An event on its way into a stream.

    `data` is a registered event object (a dataclass, usually) or, with an explicit `type`, a plain
    JSON-compatible dict. The id defaults to a new time-ordered UUID; give your own to make a
    retried append idempotent.
    """

    data: Any
    type: str | None = None
    event_id: uuid.UUID = field(default_factory=uuid7)
    metadata: Metadata = Metadata.EMPTY


class RecordedEvent(NamedTuple):
    """An event as the store recorded it.

    An immutable record (a named tuple: reading the global log builds millions of them, and a
    tuple is built an order of magnitude faster than a frozen dataclass); copy one with changes
    through `_replace(...)`.
    """

    event_id: uuid.UUID
    stream_id: str
    version: int
    """1-based position of the event within its stream."""
    position: int
    """Position in the global log; unique, grows with time but may have gaps."""
    transaction_id: int
    """The writing transaction, where the backend orders the global log by it (else 0)."""
    type: str
    schema_version: int
    data: Any
    """The event object of the registered class, or a dict for a type the registry lacks."""
    metadata: Metadata
    recorded_at: datetime
    tenant_id: str
    size: int
    """Bytes of the stored data."""

    @property
    def checkpoint(self) -> Checkpoint:
        """Read the global log after this to continue behind this event."""
        return Checkpoint(self.transaction_id, self.position)

    @property
    def category(self) -> str:
        """The category of the event's stream."""
        return category_of(self.stream_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class AppendResult:
    """What an append wrote (or, for a repeated idempotent append, had written)."""

    stream_id: str
    version: int
    """The stream's version after the append: the version of its last event."""
    positions: tuple[int, ...]
    """Global positions of the appended events, in order."""
    checkpoint: Checkpoint
    """The checkpoint of the last appended event; `wait_for` it to read your own writes."""
    size: int
    """Stored bytes of the appended events' data."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamMetadata:
    """Settings of a stream that reads honour; `custom` holds your own keys."""

    max_count: int | None = None
    """Reads return at most the last `max_count` events."""
    max_age: timedelta | None = None
    """Reads leave out events older than this."""
    custom: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.max_count is not None:
            out["max_count"] = self.max_count
        if self.max_age is not None:
            out["max_age_seconds"] = self.max_age.total_seconds()
        if self.custom:
            out["custom"] = dict(self.custom)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> StreamMetadata:
        if not data:
            return cls()
        age = data.get("max_age_seconds")
        return cls(
            max_count=data.get("max_count"),
            max_age=None if age is None else timedelta(seconds=age),
            custom=data.get("custom") or _EMPTY,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamInfo:
    """What the store knows about a stream."""

    stream_id: str
    tenant_id: str
    version: int
    """Version of the last event ever appended (also after truncation or soft delete)."""
    state: StreamState
    truncate_before: int
    """Events below this version are hidden from reads (1 when nothing is truncated)."""
    metadata: StreamMetadata
    created_at: datetime
    updated_at: datetime

    @property
    def category(self) -> str:
        return category_of(self.stream_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogSlice:
    """A batch of the global log, and where to read next."""

    events: list[RecordedEvent]
    checkpoint: Checkpoint
    """Read after this next time. With filters it may pass events that did not match."""
    is_end: bool
    """True when the read reached the end of what can be read now."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredEventType:
    """One event type at one schema version, as the store holds it, and how many such events."""

    type: str
    schema_version: int
    count: int
