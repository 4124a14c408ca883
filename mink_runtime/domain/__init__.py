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
    StreamInfo,
    StreamMetadata,
    category_of,
)
from mink_runtime.domain._field_values import FieldKind
from mink_runtime.domain._ids import uuid7
from mink_runtime.domain._query import (
    AllOf,
    AnyOf,
    Condition,
    F,
    Op,
    Page,
    Query,
    all_of,
    any_of,
)
from mink_runtime.domain._query_eval import count_matching, evaluate, like_regex, run_plan
from mink_runtime.domain._query_plan import (
    Group,
    Predicate,
    QueryPlan,
    SortKey,
    field_of,
    like_parts,
    plan_query,
)
from mink_runtime.domain._read_models import (
    Container,
    ModelField,
    ModelSchema,
    check_identifier,
    describe_model,
    table_name,
)
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
    "Aggregate",
    "AllOf",
    "AnyOf",
    "AppendResult",
    "Checkpoint",
    "Condition",
    "Container",
    "EncodedEvent",
    "EventBytesAbove",
    "EventCodec",
    "EventRegistry",
    "EventType",
    "EveryInterval",
    "EveryNEvents",
    "ExpectedVersion",
    "F",
    "FieldKind",
    "Group",
    "JSONSerializer",
    "LogSlice",
    "Metadata",
    "ModelField",
    "ModelSchema",
    "MsgpackSerializer",
    "NewEvent",
    "Op",
    "Page",
    "Predicate",
    "Query",
    "QueryPlan",
    "RecordedEvent",
    "Serializer",
    "Snapshot",
    "SnapshotContext",
    "SnapshotPolicy",
    "SortKey",
    "StreamInfo",
    "StreamMetadata",
    "StreamState",
    "all_of",
    "any_of",
    "apply",
    "category_of",
    "check_identifier",
    "conflict_error",
    "count_matching",
    "default_registry",
    "describe_model",
    "evaluate",
    "event",
    "expectation_holds",
    "expected_label",
    "field_of",
    "from_primitive",
    "like_parts",
    "like_regex",
    "plan_query",
    "retry_matches",
    "run_plan",
    "table_name",
    "to_primitive",
    "uuid7",
    "validate_append",
]
