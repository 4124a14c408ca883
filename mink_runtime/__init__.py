"""mink: event sourcing and CQRS for Python.

```python
from mink_runtime import Aggregate, AggregateRepository, SQLiteEventStore, apply, event
from mink_runtime import F, Query, SQLiteReadModelRepository, any_of
from mink_runtime import CommandBus, aggregate_handler, message_context
from mink_runtime import Projection, ProjectionEngine, Subscription, handles
```

`open_store(url)` opens the store a database URL names (SQLite or PostgreSQL).

The PostgreSQL classes (`PostgresEventStore`, `PostgresReadModelRepository`, …) and the Redis
repository (`RedisReadModelRepository`, needing the `redis` extra) are imported on first use, so
that `import mink_runtime` stays light. The command bus's middleware lives in
`mink_runtime.application.commands`; blocking twins live in `mink_runtime.sync`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mink_runtime._version import __version__
from mink_runtime.adapters.memory import (
    InMemoryEventStore,
    InMemoryIdempotencyStore,
    InMemoryProjectionStore,
    InMemoryReadModelRepository,
    InMemorySnapshotStore,
)
from mink_runtime.adapters.sqlite import (
    SQLiteEventStore,
    SQLiteIdempotencyStore,
    SQLiteProjectionStore,
    SQLiteReadModelRepository,
    SQLiteSnapshotStore,
)
from mink_runtime.application import AggregateRepository
from mink_runtime.application.commands import (
    CommandBus,
    CommandHandlers,
    CommandResult,
    aggregate_handler,
)
from mink_runtime.application.projections import (
    ConsumerGroup,
    OnError,
    Projection,
    ProjectionEngine,
    ProjectionReport,
    Subscription,
    handles,
    live,
)
from mink_runtime.domain import (
    Aggregate,
    AllOf,
    AnyOf,
    AppendResult,
    Checkpoint,
    Condition,
    DeadLetter,
    EventBytesAbove,
    EventCodec,
    EventRegistry,
    EveryInterval,
    EveryNEvents,
    ExpectedVersion,
    F,
    JSONSerializer,
    LogSlice,
    MessageContext,
    Metadata,
    MsgpackSerializer,
    NewEvent,
    Op,
    Page,
    ProjectionControl,
    ProjectionRecord,
    ProjectionStatus,
    Query,
    RecordedEvent,
    Serializer,
    Snapshot,
    SnapshotPolicy,
    StoredEventType,
    StreamInfo,
    StreamMetadata,
    StreamState,
    all_of,
    any_of,
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
    CheckpointConflictError,
    CommandError,
    CommandTimeoutError,
    ConcurrencyError,
    ConfigurationError,
    DuplicateEventError,
    DuplicateModelError,
    EventStoreError,
    IdempotencyConflictError,
    MinkError,
    MissingApplyHandlerError,
    ModelNotFoundError,
    ProjectionError,
    ProjectionFailedError,
    ProjectionTimeoutError,
    QueryError,
    ReadModelError,
    ReadModelSchemaError,
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
from mink_runtime.ports import (
    EventStore,
    EventStoreTransaction,
    IdempotencyStore,
    Lease,
    ProjectionStore,
    ReadModelRepository,
    SnapshotStore,
    Watch,
)
from mink_runtime.stores import open_store, projection_store_for

if TYPE_CHECKING:
    from mink_runtime.adapters.postgres import (
        PostgresEventStore,
        PostgresIdempotencyStore,
        PostgresProjectionStore,
        PostgresReadModelRepository,
        PostgresSnapshotStore,
    )
    from mink_runtime.adapters.redis import RedisReadModelRepository

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
    "AllOf",
    "AnyOf",
    "AppendResult",
    "Checkpoint",
    "CheckpointConflictError",
    "CommandBus",
    "CommandError",
    "CommandHandlers",
    "CommandResult",
    "CommandTimeoutError",
    "ConcurrencyError",
    "Condition",
    "ConfigurationError",
    "ConsumerGroup",
    "DeadLetter",
    "DuplicateEventError",
    "DuplicateModelError",
    "EventBytesAbove",
    "EventCodec",
    "EventRegistry",
    "EventStore",
    "EventStoreError",
    "EventStoreTransaction",
    "EveryInterval",
    "EveryNEvents",
    "ExpectedVersion",
    "F",
    "IdempotencyConflictError",
    "IdempotencyStore",
    "InMemoryEventStore",
    "InMemoryIdempotencyStore",
    "InMemoryProjectionStore",
    "InMemoryReadModelRepository",
    "InMemorySnapshotStore",
    "JSONSerializer",
    "Lease",
    "LogSlice",
    "MessageContext",
    "Metadata",
    "MinkError",
    "MissingApplyHandlerError",
    "ModelNotFoundError",
    "MsgpackSerializer",
    "NewEvent",
    "OnError",
    "Op",
    "Page",
    "PostgresEventStore",
    "PostgresIdempotencyStore",
    "PostgresProjectionStore",
    "PostgresReadModelRepository",
    "PostgresSnapshotStore",
    "Projection",
    "ProjectionControl",
    "ProjectionEngine",
    "ProjectionError",
    "ProjectionFailedError",
    "ProjectionRecord",
    "ProjectionReport",
    "ProjectionStatus",
    "ProjectionStore",
    "ProjectionTimeoutError",
    "Query",
    "QueryError",
    "ReadModelError",
    "ReadModelRepository",
    "ReadModelSchemaError",
    "RecordedEvent",
    "RedisReadModelRepository",
    "SQLiteEventStore",
    "SQLiteIdempotencyStore",
    "SQLiteProjectionStore",
    "SQLiteReadModelRepository",
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
    "Subscription",
    "TransactionConflictError",
    "UnknownCommandError",
    "UnknownEventTypeError",
    "ValidationError",
    "Watch",
    "__version__",
    "aggregate_handler",
    "all_of",
    "any_of",
    "apply",
    "category_of",
    "causation_from",
    "current_context",
    "default_registry",
    "event",
    "handles",
    "live",
    "message_context",
    "open_store",
    "projection_store_for",
    "uuid7",
]

_LAZY = {
    "PostgresEventStore",
    "PostgresIdempotencyStore",
    "PostgresProjectionStore",
    "PostgresReadModelRepository",
    "PostgresSnapshotStore",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from mink_runtime.adapters import postgres

        return getattr(postgres, name)
    if name == "RedisReadModelRepository":
        try:
            from mink_runtime.adapters import redis
        except ImportError as error:
            raise ConfigurationError(
                f"RedisReadModelRepository needs the redis package ({error}); "
                'install it with pip install "mink[redis]"'
            ) from error
        return redis.RedisReadModelRepository
    raise AttributeError(f"module 'mink_runtime' has no attribute {name!r}")
