"""mink: event sourcing and CQRS for Python.

```python
from mink_runtime import Aggregate, AggregateRepository, SQLiteEventStore, apply, event
from mink_runtime import CommandBus, aggregate_handler, message_context
```

The PostgreSQL stores (`PostgresEventStore`, …) are imported on first use, so that
`import mink_runtime` stays light. The command bus's middleware lives in
`mink_runtime.application.commands`; blocking twins live in `mink_runtime.sync`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mink_runtime._version import __version__
from mink_runtime.adapters.memory import (
    InMemoryEventStore,
    InMemoryIdempotencyStore,
    InMemorySnapshotStore,
)
from mink_runtime.adapters.sqlite import (
    SQLiteEventStore,
    SQLiteIdempotencyStore,
    SQLiteSnapshotStore,
)
from mink_runtime.application import AggregateRepository
from mink_runtime.application.commands import (
    CommandBus,
    CommandHandlers,
    CommandResult,
    aggregate_handler,
)
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
    MessageContext,
    Metadata,
    MsgpackSerializer,
    NewEvent,
    RecordedEvent,
    Serializer,
    Snapshot,
    SnapshotPolicy,
    StreamInfo,
    StreamMetadata,
    StreamState,
    apply,
    category_of,
    causation_from,
    current_context,
    default_registry,
    event,
    message_context,
    uuid7,
)
from mink_runtime.errors import (
    AggregateError,
    AggregateNotFoundError,
    CommandError,
    CommandTimeoutError,
    ConcurrencyError,
    ConfigurationError,
    DuplicateEventError,
    EventStoreError,
    IdempotencyConflictError,
    MinkError,
    MissingApplyHandlerError,
    SchemaNotReadyError,
    SerializationError,
    StoreUnavailableError,
    StreamDeletedError,
    StreamNotFoundError,
    TransactionConflictError,
    UnknownCommandError,
    UnknownEventTypeError,
    ValidationError,
)
from mink_runtime.ports import EventStore, EventStoreTransaction, IdempotencyStore, SnapshotStore

if TYPE_CHECKING:
    from mink_runtime.adapters.postgres import (
        PostgresEventStore,
        PostgresIdempotencyStore,
        PostgresSnapshotStore,
    )

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
    "CommandBus",
    "CommandError",
    "CommandHandlers",
    "CommandResult",
    "CommandTimeoutError",
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
    "IdempotencyConflictError",
    "IdempotencyStore",
    "InMemoryEventStore",
    "InMemoryIdempotencyStore",
    "InMemorySnapshotStore",
    "JSONSerializer",
    "LogSlice",
    "MessageContext",
    "Metadata",
    "MinkError",
    "MissingApplyHandlerError",
    "MsgpackSerializer",
    "NewEvent",
    "PostgresEventStore",
    "PostgresIdempotencyStore",
    "PostgresSnapshotStore",
    "RecordedEvent",
    "SQLiteEventStore",
    "SQLiteIdempotencyStore",
    "SQLiteSnapshotStore",
    "SchemaNotReadyError",
    "SerializationError",
    "Serializer",
    "Snapshot",
    "SnapshotPolicy",
    "SnapshotStore",
    "StoreUnavailableError",
    "StreamDeletedError",
    "StreamInfo",
    "StreamMetadata",
    "StreamNotFoundError",
    "StreamState",
    "TransactionConflictError",
    "UnknownCommandError",
    "UnknownEventTypeError",
    "ValidationError",
    "__version__",
    "aggregate_handler",
    "apply",
    "category_of",
    "causation_from",
    "current_context",
    "default_registry",
    "event",
    "message_context",
    "uuid7",
]

_LAZY = {"PostgresEventStore", "PostgresIdempotencyStore", "PostgresSnapshotStore"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from mink_runtime.adapters import postgres

        return getattr(postgres, name)
    raise AttributeError(f"module 'mink_runtime' has no attribute {name!r}")
