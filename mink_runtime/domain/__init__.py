"""The domain layer: envelopes, the event registry, serializers, aggregates. No I/O here."""

from mink_runtime.domain._aggregate import Aggregate, apply
from mink_runtime.domain._appends import (
    conflict_error,
    expectation_holds,
    expected_label,
    retry_matches,
    validate_append,
)
from mink_runtime.domain._codec import EncodedEvent, EventCodec
from mink_runtime.domain._conversion import from_primitive, to_primitive
from mink_runtime.domain._envelopes import (
    AppendResult,
    LogSlice,
    Metadata,
    NewEvent,
    RecordedEvent,
    StoredEventType,
    StreamInfo,
    StreamMetadata,
    category_of,
)
from mink_runtime.domain._ids import uuid7
from mink_runtime.domain._registry import EventRegistry, EventType, default_registry, event
from mink_runtime.domain._schema import Compatibility, SchemaChange, compare_schemas, event_schema
from mink_runtime.domain._serialization import JSONSerializer, MsgpackSerializer, Serializer
from mink_runtime.domain._snapshots import (
    EventBytesAbove,
    EveryInterval,
    EveryNEvents,
    Snapshot,
    SnapshotContext,
    SnapshotPolicy,
)
from mink_runtime.domain._versions import Checkpoint, ExpectedVersion, StreamState

__all__ = [
    "Aggregate",
    "AppendResult",
    "Checkpoint",
    "Compatibility",
    "EncodedEvent",
    "EventBytesAbove",
    "EventCodec",
    "EventRegistry",
    "EventType",
    "EveryInterval",
    "EveryNEvents",
    "ExpectedVersion",
    "JSONSerializer",
    "LogSlice",
    "Metadata",
    "MsgpackSerializer",
    "NewEvent",
    "RecordedEvent",
    "SchemaChange",
    "Serializer",
    "Snapshot",
    "SnapshotContext",
    "SnapshotPolicy",
    "StoredEventType",
    "StreamInfo",
    "StreamMetadata",
    "StreamState",
    "apply",
    "category_of",
    "compare_schemas",
    "conflict_error",
    "default_registry",
    "event",
    "event_schema",
    "expectation_holds",
    "expected_label",
    "from_primitive",
    "retry_matches",
    "to_primitive",
    "uuid7",
    "validate_append",
]
