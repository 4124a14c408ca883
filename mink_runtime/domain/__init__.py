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
from mink_runtime.domain._context import (
    TRACE_HEADERS,
    MessageContext,
    causation_from,
    current_context,
    message_context,
    reset_message_context,
    set_message_context,
    with_message_context,
)
from mink_runtime.domain._conversion import from_primitive, to_primitive
from mink_runtime.domain._envelopes import (
    AppendResult,
    LogSlice,
    Metadata,
    NewEvent,
    RecordedEvent,
    StreamInfo,
    StreamMetadata,
    category_of,
)
from mink_runtime.domain._idempotency import IdempotencyRecord, command_fingerprint
from mink_runtime.domain._ids import uuid7
from mink_runtime.domain._registry import EventRegistry, EventType, default_registry, event
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
    "TRACE_HEADERS",
    "Aggregate",
    "AppendResult",
    "Checkpoint",
    "EncodedEvent",
    "EventBytesAbove",
    "EventCodec",
    "EventRegistry",
    "EventType",
    "EveryInterval",
    "EveryNEvents",
    "ExpectedVersion",
    "IdempotencyRecord",
    "JSONSerializer",
    "LogSlice",
    "MessageContext",
    "Metadata",
    "MsgpackSerializer",
    "NewEvent",
    "RecordedEvent",
    "Serializer",
    "Snapshot",
    "SnapshotContext",
    "SnapshotPolicy",
    "StreamInfo",
    "StreamMetadata",
    "StreamState",
    "apply",
    "category_of",
    "causation_from",
    "command_fingerprint",
    "conflict_error",
    "current_context",
    "default_registry",
    "event",
    "expectation_holds",
    "expected_label",
    "from_primitive",
    "message_context",
    "reset_message_context",
    "retry_matches",
    "set_message_context",
    "to_primitive",
    "uuid7",
    "validate_append",
    "with_message_context",
]
