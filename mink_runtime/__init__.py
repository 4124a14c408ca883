"""mink: event sourcing and CQRS for Python.

```python
from mink_runtime import Aggregate, AggregateRepository, SQLiteEventStore, apply, event
```

`open_store(url)` opens the store a database URL names (SQLite or PostgreSQL).

The PostgreSQL store (`PostgresEventStore`) is imported on first use, so that
`import mink_runtime` stays light. Blocking twins of these objects live in `mink_runtime.sync`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mink_runtime._version import __version__
from mink_runtime.adapters.memory import InMemoryEventStore, InMemorySnapshotStore
from mink_runtime.adapters.sqlite import SQLiteEventStore, SQLiteSnapshotStore
from mink_runtime.application import AggregateRepository
from mink_runtime.domain import (
    Aggregate,
    AppendResult,
    Checkpoint,
    EventBytesAbove,
    EventCodec,
    EventRegistry,
    EveryInterval,
    EveryNEvents,
    ExpectedVersion,
    JSONSerializer,
    LogSlice,
    Metadata,
    MsgpackSerializer,
    NewEvent,
    RecordedEvent,
    Serializer,
    Snapshot,
    SnapshotPolicy,
    StoredEventType,
    StreamInfo,
    StreamMetadata,
    StreamState,
    apply,
    category_of,
    default_registry,
    event,
    uuid7,
)
from mink_runtime.errors import (
    AggregateError,
    AggregateNotFoundError,
    ConcurrencyError,
    ConfigurationError,
    DuplicateEventError,
    EventStoreError,
    MinkError,
    MissingApplyHandlerError,
    SchemaNotReadyError,
    SerializationError,
    StoreUnavailableError,
    StreamDeletedError,
    StreamNotFoundError,
    TransactionConflictError,
    UnknownEventTypeError,
)
from mink_runtime.ports import EventStore, EventStoreTransaction, SnapshotStore
from mink_runtime.stores import open_store

if TYPE_CHECKING:
    from mink_runtime.adapters.postgres import PostgresEventStore, PostgresSnapshotStore

ANY = ExpectedVersion.ANY
NO_STREAM = ExpectedVersion.NO_STREAM
STREAM_EXISTS = ExpectedVersion.STREAM_EXISTS

__all__ = [
    "ANY",
    "NO_STREAM",
    "STREAM_EXISTS",
    "Aggregate",
    "AggregateError",
    "AggregateNotFoundError",
    "AggregateRepository",
    "AppendResult",
    "Checkpoint",
    "ConcurrencyError",
    "ConfigurationError",
    "DuplicateEventError",
    "EventBytesAbove",
    "EventCodec",
    "EventRegistry",
    "EventStore",
    "EventStoreError",
    "EventStoreTransaction",
    "EveryInterval",
    "EveryNEvents",
    "ExpectedVersion",
    "InMemoryEventStore",
    "InMemorySnapshotStore",
    "JSONSerializer",
    "LogSlice",
    "Metadata",
    "MinkError",
    "MissingApplyHandlerError",
    "MsgpackSerializer",
    "NewEvent",
    "PostgresEventStore",
    "PostgresSnapshotStore",
    "RecordedEvent",
    "SQLiteEventStore",
    "SQLiteSnapshotStore",
    "SchemaNotReadyError",
    "SerializationError",
    "Serializer",
    "Snapshot",
    "SnapshotPolicy",
    "SnapshotStore",
    "StoreUnavailableError",
    "StoredEventType",
    "StreamDeletedError",
    "StreamInfo",
    "StreamMetadata",
    "StreamNotFoundError",
    "StreamState",
    "TransactionConflictError",
    "UnknownEventTypeError",
    "__version__",
    "apply",
    "category_of",
    "default_registry",
    "event",
    "open_store",
    "uuid7",
]

_LAZY = {"PostgresEventStore", "PostgresSnapshotStore"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from mink_runtime.adapters import postgres

        return getattr(postgres, name)
    raise AttributeError(f"module 'mink_runtime' has no attribute {name!r}")
